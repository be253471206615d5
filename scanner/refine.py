"""Refinement: context words, overlap resolution and the confidence threshold.

Context rule: a hit's confidence rises by ``boost`` (capped at 1.0) when one of its
``context`` words or phrases occurs as whole words within ``context_window`` words
before *or* after it, and falls by ``boost`` when a ``negative_context`` word does.
A hit with ``requires_context`` and no context word nearby is dropped.

Overlap rule (applied after the threshold):

1. a finding lying entirely inside another finding is dropped: the enclosing finding
   wins whatever the confidences (an address beats the street name inside it);
   two findings with the same span keep the higher confidence;
2. of two partially overlapping findings, the higher confidence wins, then the
   longer, then the earlier.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import regex

from .findings import Finding, Hit

_WORD = regex.compile(r"[\w'’]+")
_CHARS_PER_WORD = 24


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


@functools.lru_cache(maxsize=4096)
def _phrase_pattern(phrases: tuple[str, ...]) -> regex.Pattern[str] | None:
    cleaned = sorted({" ".join(_words(p)) for p in phrases} - {""}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(regex.escape(p) for p in cleaned)
    return regex.compile(rf"(?<![^ ])(?:{alternatives})(?![^ ])")


def context_window(text: str, start: int, end: int, n_words: int) -> str:
    """The ``n_words`` words before and after ``text[start:end]``, lower-cased, space-joined.

    A marker separates the two sides so that no phrase matches across the hit.
    """
    reach = n_words * _CHARS_PER_WORD
    before = _words(text[max(0, start - reach):start])[-n_words:]
    after = _words(text[end:end + reach])[:n_words]
    return " ".join(before) + " \x00 " + " ".join(after)


def has_context(phrases: tuple[str, ...], window: str) -> bool:
    """Whether any of ``phrases`` occurs as whole words in a window from :func:`context_window`."""
    pattern = _phrase_pattern(phrases)
    return pattern is not None and pattern.search(window) is not None


def score(hit: Hit, text: str, boost: float) -> float | None:
    """The hit's confidence after context words, or None when it must be dropped."""
    confidence = hit.confidence
    if not (hit.context or hit.negative_context):
        return confidence
    window = context_window(text, hit.start, hit.end, hit.context_window)
    if has_context(hit.context, window):
        confidence = min(1.0, confidence + boost)
    elif hit.requires_context:
        return None
    if hit.negative_context and has_context(hit.negative_context, window):
        confidence = max(0.0, confidence - boost)
    return confidence


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Apply the overlap rule of this module's docstring; result sorted by start."""
    ordered = sorted(findings, key=lambda f: (f.start, -f.end, -f.confidence))
    uncontained: list[Finding] = []
    for f in ordered:
        if uncontained:
            outer = uncontained[-1]
            if f.start >= outer.start and f.end <= outer.end:
                continue  # same span (already the higher confidence) or strictly inside
        uncontained.append(f)
    kept: list[Finding] = []
    for f in uncontained:
        if kept and f.start < kept[-1].end:
            prev = kept[-1]
            if (f.confidence, f.end - f.start) > (prev.confidence, prev.end - prev.start):
                kept[-1] = f
            continue
        kept.append(f)
    return kept
