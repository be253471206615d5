"""Which parts of a post NER reads with ``ner="auto"``: the sentences where a name matters.

A name alone is not private information. The policy reads a name only as the subject of
an identifier in the same sentence (a ``TARGET`` signal, ``scanner/signals.py``, which
ignores names that overlap the identifier), and reports show the names in the sentence of
a threat. So with ``ner="auto"`` NER runs on each sentence that holds the start of an
identifier or of an intent, and only when the words beside its identifiers may hold a
name (each doc detector's ``may_fire_beside``; for names, a capitalised word that is not a
never-name or function word): "Phone: 032 288 79 44" or a multi-line address's first line
is skipped. Names in the other sentences are left out of the report;
``ner="always"`` reads the whole post.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from .signals import sentence_spans


def ner_sentences(
    text: str, identifiers: Iterable[tuple[int, int]], anchors: Iterable[int], may_hold_name: Callable[[str], bool]
) -> list[tuple[int, int]]:
    """The (start, end) of the sentences of ``text`` that NER should read, in order.

    ``identifiers``: the (start, end) of the post's identifiers; ``anchors``: other offsets
    whose sentence matters (intents); ``may_hold_name``: the pre-check on a sentence's text
    beside its identifiers (the pieces joined by spaces).
    """
    spans = sorted(identifiers)
    sentences = sentence_spans(text)
    starts = [start for start, _ in sentences]

    def sid(offset: int) -> int:
        return max(0, bisect.bisect_right(starts, offset) - 1)

    wanted = sorted({sid(start) for start, _ in spans} | {sid(offset) for offset in anchors})
    out = []
    for index in wanted:
        start, end = sentences[index]
        pieces, pos = [], start
        for s, e in spans:
            if e <= pos or s >= end:
                continue
            if s > pos:
                pieces.append(text[pos:s])
            pos = e
        if pos < end:
            pieces.append(text[pos:end])
        if pieces and may_hold_name(" ".join(pieces)):
            out.append((start, end))
    return out
