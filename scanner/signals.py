"""Context signals: what the words around an identifier or an intent say about it.

A :class:`Signal` marks a context cue (self-disclosure, business contact, public figure,
news or report framing, quotation, negation, hypothetical, question) or a link between an
identifier and a person (``TARGET``). ``about`` is the id of the finding or intent it
modifies; ``None`` means the whole post (e.g. ``PostContext.author_is_business``). The
cues are data (``patterns/intents/context.toml``, see its header); which signal changes
what is the policy's business (:mod:`scanner.policy`).

Everything here is a pure function of the text, the findings, the intents and the post
context: cheap regular expressions over the text, no spaCy.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, PatternError
from .findings import Located
from .phrase_trie import WordGate, trie_regex
from .prefilter import lacks_required, required_texts
from .resources import read_toml

SIGNAL_TYPES: tuple[str, ...] = (
    "SELF_DISCLOSURE", "BUSINESS_CONTACT", "PUBLIC_FIGURE", "NEWS_OR_REPORT", "QUOTE", "NEGATION",
    "HYPOTHETICAL", "QUESTION", "TARGET",
)
CONTEXT_FILE = "context.toml"
# Findings that name a person rather than identify a contact or an account.
_NAME_TYPES = frozenset({"PERSON"})
# Patterns that begin with a character class let re skip to that character's next occurrence
# (a lookbehind first makes it try every offset): a lookbehind is moved after the first
# character when it can be ("'(?<!\w')" is "(?<!\w)'"); the comments give the plain form.
# [.!?]+(?=[\s"'”’)\]]|$)|\n+
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])[.!?]*(?=[\s\"'”’)\]]|$)|(?<=\n)\n*)")
_BREAK = re.compile(r"[.!?](?:\s|$)|\n")
_CLAUSE_BREAK = re.compile(r"[,;:.!?\n]|\b(?:but|and|so|because|then|though|although)\b", re.IGNORECASE)
_MENTION = re.compile(r"@(?<![\w@.]@)\w{1,30}")  # (?<![\w@.])@\w{1,30}
_CHARS_PER_WORD = 40
_MAX_CUE_CHARS = 200
# "[^"\n]{1,500}"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|(?<!\w)'[^'\n]{2,300}'(?!\w)
_QUOTES = re.compile(r"\"[^\"\n]{1,500}\"|“[^”\n]{1,500}”|«[^»\n]{1,500}»|'(?<!\w')[^'\n]{2,300}'(?!\w)")

_SECTIONS = {
    "self_disclosure": {"window", "immediate", "before", "after", "examples"},
    "third_party": {"window", "before", "after", "patterns", "examples"},
    "target": {"sentence_scope", "examples"},
    "business_contact": {"window", "phrases", "role_mailboxes", "toll_free", "finding_types", "examples"},
    "public_figure": {"titles", "examples"},
    "news_or_report": {"sentence", "post", "examples"},
    "quote": {"speech", "patterns", "examples"},
    "negation": {"window", "patterns", "exceptions", "examples"},
    "hypothetical": {"phrases", "examples"},
    "question": {"examples"},
}
SECTION_SIGNAL: Mapping[str, str] = {
    "self_disclosure": "SELF_DISCLOSURE", "third_party": "TARGET", "target": "TARGET",
    "business_contact": "BUSINESS_CONTACT", "public_figure": "PUBLIC_FIGURE", "news_or_report": "NEWS_OR_REPORT",
    "quote": "QUOTE", "negation": "NEGATION", "hypothetical": "HYPOTHETICAL", "question": "QUESTION",
}






@dataclass(frozen=True, slots=True)
class PostContext:
    """Optional facts about a post that the text alone does not give.

    ``author`` / ``reply_to`` / ``mentions`` are handles or names; ``public_figures`` lists
    names or handles of public figures; ``is_public_figure`` says the post's subject is one.
    """

    author: str | None = None
    mentions: tuple[str, ...] = ()
    reply_to: str | None = None
    author_is_business: bool = False
    public_figures: tuple[str, ...] = ()
    is_public_figure: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PostContext:
        """Build from a JSON object; raises InputError naming every bad field (never its value)."""
        if not isinstance(data, Mapping):
            raise InputError("context must be a JSON object")
        problems: list[str] = []
        known = {"author", "mentions", "reply_to", "author_is_business", "public_figures", "is_public_figure"}
        unknown = sorted(str(k) for k in set(data) - known)
        if unknown:
            problems.append(f"unknown field(s) {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for key in ("author", "reply_to"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                problems.append(f"{key} must be a string or null")
            else:
                values[key] = value
        for key in ("mentions", "public_figures"):
            value = data.get(key, [])
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                problems.append(f"{key} must be a list of strings")
            else:
                values[key] = tuple(value)
        for key in ("author_is_business", "is_public_figure"):
            value = data.get(key, False)
            if not isinstance(value, bool):
                problems.append(f"{key} must be true or false")
            else:
                values[key] = value
        if problems:
            raise InputError("invalid context: " + "; ".join(problems))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "author": self.author,
            "mentions": list(self.mentions),
            "reply_to": self.reply_to,
            "author_is_business": self.author_is_business,
            "public_figures": list(self.public_figures),
            "is_public_figure": self.is_public_figure,
        }


@dataclass(frozen=True, slots=True)
class Signal:
    """A context cue at ``start``-``end`` (0-0 for cues from the post context) about one item or the post."""

    type: str
    start: int
    end: int
    about: str | None = None
    rule: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end, "about": self.about, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class SectionExamples:
    match: tuple[str, ...] = field(repr=False)
    no_match: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class ContextLexicon:
    """The compiled cues of ``context.toml``."""

    self_immediate: re.Pattern[str]
    self_before: re.Pattern[str]
    self_after: re.Pattern[str]
    self_window: int
    third_before: tuple[re.Pattern[str], ...]
    third_before_needs: tuple[tuple[str, ...] | None, ...]  # per pattern: an ASCII text holds one (prefilter)
    third_after: re.Pattern[str]
    third_window: int
    business: re.Pattern[str]
    business_window: int
    role_mailboxes: frozenset[str]
    toll_free: tuple[re.Pattern[str], ...]
    business_types: frozenset[str]
    titles: re.Pattern[str]
    news_sentence: re.Pattern[str]
    news_post: re.Pattern[str]
    speech: re.Pattern[str]
    quote_lines: re.Pattern[str]
    negation: re.Pattern[str]
    negation_exceptions: re.Pattern[str]
    negation_window: int
    hypothetical: re.Pattern[str]
    gate: WordGate  # where the phrase patterns (by attribute name) may match a text
    ascii_phrased: frozenset[str]  # the phrase patterns whose phrases are all ASCII
    examples: Mapping[str, SectionExamples] = field(repr=False)

    @classmethod
    def default(cls) -> ContextLexicon:
        from .resources import default_patterns_dir

        return cls.load(default_patterns_dir())

    @classmethod
    def load(cls, path: Path) -> ContextLexicon:
        """Load ``context.toml`` (``path`` may be the file, ``patterns/intents`` or ``patterns``)."""
        path = Path(path)
        if path.is_dir():
            path = path / "intents" / CONTEXT_FILE if (path / "intents").is_dir() else path / CONTEXT_FILE
        return _build(str(path), read_toml(path, "context lexicon file"))


# -- detection --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
    id: str
    type: str
    start: int
    end: int
    is_intent: bool


def detect_signals(
    text: str,
    findings: Iterable[Located],
    intents: Iterable[Located],
    post_context: PostContext | None,
    lexicon: ContextLexicon,
) -> tuple[Signal, ...]:
    """Every context signal in a post, ordered by position."""
    ctx = post_context if post_context is not None else PostContext()
    finding_items = [_Item(f.id, f.type, f.start, f.end, False) for f in findings]
    intent_items = [_Item(i.id, i.type, i.start, i.end, True) for i in intents]
    identifiers = [f for f in finding_items if f.type not in _NAME_TYPES]
    names = [f for f in finding_items if f.type in _NAME_TYPES]
    doc = _Text(text, lexicon)
    out: list[Signal] = []
    _ownership(doc, identifiers, names, ctx, lexicon, out)
    _business(doc, identifiers, ctx, lexicon, out)
    _public_figures(doc, identifiers + intent_items, ctx, lexicon, out)
    _news(doc, identifiers + intent_items, lexicon, out)
    _quotes(doc, identifiers + intent_items, lexicon, out)
    _negation(doc, intent_items, lexicon, out)
    _hypothetical(doc, intent_items, lexicon, out)
    _questions(doc, intent_items, out)
    unique = dict.fromkeys(out)
    return tuple(sorted(unique, key=lambda s: (s.start, s.end, s.type, s.about or "")))


class _Text:
    """The text with its sentence spans, for cheap "same sentence" and "nearby" lookups."""

    def __init__(self, text: str, lexicon: ContextLexicon | None = None) -> None:
        self.text = text
        self.sentences = sentence_spans(text)
        self._starts = [start for start, _ in self.sentences]
        self._phrase_starts = _phrase_starts(text, lexicon) if lexicon is not None else {}

    def finditer(self, pattern: re.Pattern[str], name: str = "") -> Iterator[re.Match[str]]:
        """The matches of the lexicon's phrase pattern ``name``, tried only where its gate found
        one of its words (all the offsets where the pattern can match)."""
        starts = self._phrase_starts.get(name)
        if starts is None:
            return pattern.finditer(self.text)
        return _matches_at(pattern, self.text, starts)

    def sid(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def sentence(self, offset: int) -> tuple[int, int]:
        return self.sentences[self.sid(offset)]

    def by_sentence(self, items: Iterable[_Item]) -> dict[int, list[_Item]]:
        groups: dict[int, list[_Item]] = {}
        for item in items:
            groups.setdefault(self.sid(item.start), []).append(item)
        return groups


def _max_chars(words: int) -> int:
    """Gaps longer than this many characters hold more than ``words`` words of ordinary text."""
    return _CHARS_PER_WORD * (words + 1)


def _ownership(
    doc: _Text, identifiers: Sequence[_Item], names: Sequence[_Item], ctx: PostContext, lex: ContextLexicon,
    out: list[Signal],
) -> None:
    """SELF_DISCLOSURE or TARGET for each identifier, by the nearest ownership cue; then names nearby."""
    text = doc.text
    cues: list[tuple[int, int, str, str]] = []  # start, end, kind, side
    lowered = text.lower()
    for pattern, name, kind, side in (
        (lex.self_immediate, "self_immediate", "self", "immediate"), (lex.self_before, "self_before", "self", "before"),
        (lex.self_after, "self_after", "self", "after"),
        *((p, "third_before" if i == 0 else "", "third", "before")  # "": a pattern the gate does not know
          for i, p in enumerate(lex.third_before) if not lacks_required(lex.third_before_needs[i], text, lowered)),
        (lex.third_after, "third_after", "third", "after"),
    ):
        cues.extend((m.start(), m.end(), kind, side) for m in doc.finditer(pattern, name))
    cues = _drop_shadowed(cues)
    covered = _merged((i.start, i.end) for i in identifiers)
    cues = [c for c in cues if not _inside_sorted(c[0], c[1], covered)]
    cues.sort(key=lambda c: c[1])
    ends = [c[1] for c in cues]
    starts_sorted = sorted(cues)
    starts = [c[0] for c in starts_sorted]
    reach = _max_chars(max(lex.self_window, lex.third_window))
    self_ids: set[str] = set()
    for item in identifiers:
        best: tuple[int, int, int, str, int] | None = None  # distance, -length, start, kind, end
        before = cues[bisect.bisect_left(ends, item.start - reach):bisect.bisect_right(ends, item.start)]
        after = starts_sorted[bisect.bisect_left(starts, item.end):bisect.bisect_right(starts, item.end + reach)]
        for start, end, kind, side in (*before, *after):
            if side == "immediate" and end <= item.start:
                gap, window = text[end:item.start], 0
            elif side == "before" and end <= item.start:
                gap = text[end:item.start]
                window = lex.self_window if kind == "self" else lex.third_window
            elif side == "after" and start >= item.end:
                gap, window = text[item.end:start], 2
            else:
                continue
            words = len(gap.split())
            if words > window or (words > 2 and _BREAK.search(gap)) or "\n\n" in gap:
                continue
            key = (len(gap), -(end - start), start, kind, end)
            if best is None or key < best:
                best = key
        if best is None:
            continue
        is_self = best[3] == "self"
        out.append(Signal("SELF_DISCLOSURE" if is_self else "TARGET", best[2], best[4], item.id,
                          "context.self_disclosure" if is_self else "context.third_party"))
        if is_self:
            self_ids.add(item.id)
    # names and @mentions in the same sentence as an identifier link it to that person
    people: dict[int, list[tuple[int, int, str]]] = {}
    for start, end, value in [(n.start, n.end, text[n.start:n.end]) for n in names] + _mentions(text, ctx, covered):
        people.setdefault(doc.sid(start), []).append((start, end, value))
    author = _handle(ctx.author) if ctx.author else None
    for item in identifiers:
        if item.id in self_ids:
            continue
        for start, end, value in people.get(doc.sid(item.start), ()):
            if _overlaps(start, end, item.start, item.end):
                continue
            if author is not None and _handle(value) == author:
                out.append(Signal("SELF_DISCLOSURE", start, end, item.id, "context.post.author"))
                break
            out.append(Signal("TARGET", start, end, item.id, "context.target"))


def _drop_shadowed(cues: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Of two overlapping cues of different kinds the longer counts ("his email:" is not "email:")."""
    ordered = sorted(cues)
    kept = []
    for i, c in enumerate(ordered):
        shadowed = False
        j = i - 1
        while j >= 0 and ordered[i][0] - ordered[j][0] < _MAX_CUE_CHARS:
            o = ordered[j]
            shadowed = shadowed or (o[2] != c[2] and o[1] > c[0] and o[1] - o[0] > c[1] - c[0])
            j -= 1
        j = i + 1
        while j < len(ordered) and ordered[j][0] < c[1]:
            o = ordered[j]
            shadowed = shadowed or (o[2] != c[2] and o[1] - o[0] > c[1] - c[0])
            j += 1
        if not shadowed:
            kept.append(c)
    return kept


def _business(
    doc: _Text, identifiers: Sequence[_Item], ctx: PostContext, lex: ContextLexicon, out: list[Signal]
) -> None:
    text = doc.text
    cues = [(m.start(), m.end()) for m in doc.finditer(lex.business, "business")]
    ends = [end for _, end in cues]
    reach = _max_chars(lex.business_window)
    for item in identifiers:
        if item.type not in lex.business_types:
            continue
        if ctx.author_is_business:
            out.append(Signal("BUSINESS_CONTACT", 0, 0, item.id, "context.post.author_is_business"))
        value = text[item.start:item.end]
        rule = None
        if item.type == "EMAIL_ADDRESS" and value.split("@", 1)[0].lower() in lex.role_mailboxes:
            rule = "context.business_contact.role_mailbox"
        elif item.type == "PHONE_NUMBER" and any(p.match(value.strip()) for p in lex.toll_free):
            rule = "context.business_contact.toll_free"
        if rule is not None:
            out.append(Signal("BUSINESS_CONTACT", item.start, item.end, item.id, rule))
        lo = bisect.bisect_left(ends, item.start - reach)
        for start, end in cues[lo:]:
            if start > item.end + reach:
                break
            gap = text[end:item.start] if end <= item.start else text[item.end:start] if start >= item.end else None
            if gap is not None and len(gap.split()) <= lex.business_window:
                out.append(Signal("BUSINESS_CONTACT", start, end, item.id, "context.business_contact"))
                break


def _public_figures(
    doc: _Text, items: Sequence[_Item], ctx: PostContext, lex: ContextLexicon, out: list[Signal]
) -> None:
    if ctx.is_public_figure:
        out.append(Signal("PUBLIC_FIGURE", 0, 0, None, "context.post.is_public_figure"))
    spans: list[tuple[int, int, str]] = []
    for name in ctx.public_figures:
        bare = name.strip().lstrip("@")
        if not bare:
            continue
        pattern = re.compile(r"(?<![\w@])@?" + re.escape(bare) + r"(?!\w)", re.IGNORECASE)
        spans.extend((m.start(), m.end(), "context.post.public_figures") for m in pattern.finditer(doc.text))
    spans.extend((m.start(), m.end(), "context.public_figure") for m in doc.finditer(lex.titles, "titles"))
    groups = doc.by_sentence(items)
    for start, end, rule in spans:
        near = groups.get(doc.sid(start), [])
        if not near:
            out.append(Signal("PUBLIC_FIGURE", start, end, None, rule))
        out.extend(Signal("PUBLIC_FIGURE", start, end, i.id, rule) for i in near)


def _news(doc: _Text, items: Sequence[_Item], lex: ContextLexicon, out: list[Signal]) -> None:
    groups = doc.by_sentence(items)
    for m in doc.finditer(lex.news_sentence, "news_sentence") if groups else ():
        for item in groups.get(doc.sid(m.start()), ()):
            # a cue word inside an identifier is part of the data, not framing
            if item.is_intent or not (item.start <= m.start() and m.end() <= item.end):
                out.append(Signal("NEWS_OR_REPORT", m.start(), m.end(), item.id, "context.news_or_report"))
    for m in doc.finditer(lex.news_post, "news_post"):
        out.append(Signal("NEWS_OR_REPORT", m.start(), m.end(), None, "context.news_or_report.post"))


def _quotes(doc: _Text, items: Sequence[_Item], lex: ContextLexicon, out: list[Signal]) -> None:
    if not items:
        return
    text = doc.text
    spans = [(m.start(), m.end()) for m in _QUOTES.finditer(text)]
    for m in (*doc.finditer(lex.speech, "speech"), *lex.quote_lines.finditer(text)):
        line_end = text.find("\n", m.end())
        spans.append((m.start(), len(text) if line_end < 0 else line_end))
    ordered = sorted(items, key=lambda i: i.start)
    starts = [i.start for i in ordered]
    for start, end in spans:
        for item in ordered[bisect.bisect_left(starts, start):bisect.bisect_right(starts, end)]:
            if item.end <= end and (start, end) != (item.start, item.end):
                out.append(Signal("QUOTE", start, end, item.id, "context.quote"))


def _negation(doc: _Text, intents: Sequence[_Item], lex: ContextLexicon, out: list[Signal]) -> None:
    if not intents:
        return
    text = doc.text
    exceptions = _merged((m.start(), m.end()) for m in doc.finditer(lex.negation_exceptions, "negation_exceptions"))
    negations = [(m.start(), m.end()) for m in lex.negation.finditer(text)
                 if not _inside_sorted(m.start(), m.end(), exceptions)]
    ends = [end for _, end in negations]
    reach = _max_chars(lex.negation_window)
    for item in intents:
        lo, hi = bisect.bisect_left(ends, item.start - reach), bisect.bisect_right(ends, item.start)
        for start, end in negations[lo:hi]:
            gap = text[end:item.start]
            if len(gap.split()) <= lex.negation_window and not _CLAUSE_BREAK.search(gap):
                out.append(Signal("NEGATION", start, end, item.id, "context.negation"))


def _hypothetical(doc: _Text, intents: Sequence[_Item], lex: ContextLexicon, out: list[Signal]) -> None:
    if not intents:
        return
    groups = doc.by_sentence(intents)
    for m in doc.finditer(lex.hypothetical, "hypothetical"):
        for item in groups.get(doc.sid(m.start()), ()):
            if m.start() <= item.start:
                out.append(Signal("HYPOTHETICAL", m.start(), m.end(), item.id, "context.hypothetical"))


def _questions(doc: _Text, intents: Sequence[_Item], out: list[Signal]) -> None:
    for item in intents:
        start, end = doc.sentence(item.start)
        if doc.text[start:end].rstrip().endswith("?"):
            out.append(Signal("QUESTION", start, end, item.id, "context.question"))


# -- helpers ----------------------------------------------------------------------------


# The non-ASCII characters that (?i) matches against an ASCII letter (re's simple case folding).
_FOLDS_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _ascii_stand_in(char: re.Match[str]) -> str:
    """One ASCII character for a non-ASCII one, as the phrase patterns see it: the letter it
    matches, else a letter ("x") or a non-letter (" ") as it is one or not."""
    found = char.group()
    return _FOLDS_TO_ASCII.get(found) or ("x" if found.isalpha() else " ")


def _phrase_starts(text: str, lex: ContextLexicon) -> dict[str, list[int]]:
    """Per phrase pattern, the offsets where a match of it may start (see WordGate.starts).

    A non-ASCII text is looked at through an ASCII stand-in of the same length: where a
    pattern of ASCII phrases matches the text, its first word is in the stand-in after a
    non-letter (a character before a match is no word character, hence stands in as " ").
    """
    if text.isascii():
        return lex.gate.starts(text) or {}
    starts = lex.gate.starts(_NON_ASCII.sub(_ascii_stand_in, text)) or {}
    return {name: offsets for name, offsets in starts.items() if name in lex.ascii_phrased}


def _matches_at(pattern: re.Pattern[str], text: str, starts: Sequence[int]) -> Iterator[re.Match[str]]:
    """What ``pattern.finditer(text)`` yields when every match starts at one of ``starts`` (sorted)."""
    end = 0
    for start in starts:
        if start >= end:
            m = pattern.match(text, start)  # the lookbehind still sees text[:start]
            if m is not None:
                yield m
                end = m.end()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of ``text``: the unit of "same sentence" for context
    signals (a sentence ends at . ! ? followed by space or the end, and at line breaks)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text) or not spans:
        spans.append((start, len(text)))
    return spans


def _mentions(text: str, ctx: PostContext, covered: Sequence[tuple[int, int]]) -> list[tuple[int, int, str]]:
    found = [(m.start(), m.end(), m.group()) for m in _MENTION.finditer(text)
             if not _inside_sorted(m.start(), m.end(), covered)]
    for handle in ctx.mentions:
        bare = handle.strip().lstrip("@")
        if not bare:
            continue
        pattern = re.compile(r"(?<![\w@])" + re.escape(bare) + r"(?!\w)", re.IGNORECASE)
        found.extend((m.start(), m.end(), m.group()) for m in pattern.finditer(text)
                     if not _inside_sorted(m.start(), m.end(), covered))
    return found


def _handle(value: str) -> str:
    return value.strip().lstrip("@").casefold()


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _inside_sorted(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether [start, end) overlaps one of ``spans`` (as returned by :func:`_merged`)."""
    index = bisect.bisect_left(spans, (end, end))
    return index > 0 and spans[index - 1][1] > start


# -- loading ----------------------------------------------------------------------------


def _phrase_regex(phrases: Sequence[str]) -> re.Pattern[str]:
    if not phrases:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![\w@#])(?:" + trie_regex(phrases) + r")(?![\w@])", re.IGNORECASE)


def _regex_union(
    patterns: Sequence[str], where: str, problems: list[str], flags: int = re.IGNORECASE
) -> re.Pattern[str]:
    good = []
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            problems.append(f"{where}: invalid regex: {exc}")
            continue
        good.append(f"(?:{p})")
    return re.compile("|".join(good) if good else r"(?!x)x", flags | re.MULTILINE)


def _build(source: str, data: Mapping[str, Any]) -> ContextLexicon:
    problems: list[str] = []
    if data.get("kind") != "context":
        problems.append("kind must be 'context'")
    for key in sorted(set(data) - set(_SECTIONS) - {"kind", "version", "description"}):
        problems.append(f"unknown key {key!r}")
    sections: dict[str, Mapping[str, Any]] = {}
    examples: dict[str, SectionExamples] = {}
    for name, allowed in _SECTIONS.items():
        table = data.get(name)
        if not isinstance(table, dict):
            problems.append(f"[{name}] is missing or not a table")
            sections[name] = {}
            continue
        for key in sorted(set(table) - allowed):
            problems.append(f"[{name}]: unknown key {key!r}")
        sections[name] = table
        ex = table.get("examples")
        if not isinstance(ex, dict) or not _str_list(ex.get("match")) or not _str_list(ex.get("no_match")) \
                or not ex.get("match") or not ex.get("no_match"):
            problems.append(f"[{name}]: examples.match and examples.no_match must be non-empty lists of strings")
        else:
            examples[name] = SectionExamples(tuple(ex["match"]), tuple(ex["no_match"]))

    def words(section: str, key: str, required: bool = True) -> list[str]:
        value = sections[section].get(key, [])
        if not _str_list(value) or (required and not value):
            problems.append(f"[{section}]: {key} must be a {'non-empty ' if required else ''}list of strings")
            return []
        return list(value)

    def window(section: str) -> int:
        value = sections[section].get("window", 6)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"[{section}]: window must be a non-negative integer")
            return 6
        return value

    titles = words("public_figure", "titles")
    title_words = trie_regex(titles)
    # a title (any case) before one or two capitalised words: "Senator Warren", "mayor Eric Adams"
    title_regex = rf"(?<!\w)(?i:{title_words})\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?" if titles else r"(?!x)x"
    business_types = words("business_contact", "finding_types")
    third_patterns = words("third_party", "patterns", required=False)
    # the phrase patterns by attribute name: each needs one of its phrases after a non-letter
    phrases = {
        "self_immediate": words("self_disclosure", "immediate", required=False),
        "self_before": words("self_disclosure", "before"),
        "self_after": words("self_disclosure", "after", required=False),
        "third_before": words("third_party", "before"),
        "third_after": words("third_party", "after", required=False),
        "business": words("business_contact", "phrases"),
        "titles": titles,
        "news_sentence": words("news_or_report", "sentence"),
        "news_post": words("news_or_report", "post"),
        "speech": words("quote", "speech"),
        "negation_exceptions": words("negation", "exceptions", required=False),
        "hypothetical": words("hypothetical", "phrases"),
    }
    lex = ContextLexicon(
        self_immediate=_phrase_regex(phrases["self_immediate"]),
        self_before=_phrase_regex(phrases["self_before"]),
        self_after=_phrase_regex(phrases["self_after"]),
        self_window=window("self_disclosure"),
        third_before=(_phrase_regex(phrases["third_before"]), *(
            _regex_union([p], "[third_party] patterns", problems) for p in third_patterns
        )),
        # the phrases are gated by the word gate; the patterns by a string each match holds, if known
        third_before_needs=(None, *(required_texts(p) for p in third_patterns)),
        third_after=_phrase_regex(phrases["third_after"]),
        third_window=window("third_party"),
        business=_phrase_regex(phrases["business"]),
        business_window=window("business_contact"),
        role_mailboxes=frozenset(w.lower() for w in words("business_contact", "role_mailboxes", required=False)),
        toll_free=tuple(
            _regex_union([p], "[business_contact] toll_free", problems)
            for p in words("business_contact", "toll_free", required=False)
        ),
        business_types=frozenset(business_types),
        titles=re.compile(title_regex),
        news_sentence=_phrase_regex(phrases["news_sentence"]),
        news_post=_phrase_regex(phrases["news_post"]),
        speech=_phrase_regex(phrases["speech"]),
        quote_lines=_regex_union(words("quote", "patterns", required=False), "[quote] patterns", problems),
        negation=_regex_union(words("negation", "patterns"), "[negation] patterns", problems),
        negation_exceptions=_phrase_regex(phrases["negation_exceptions"]),
        negation_window=window("negation"),
        hypothetical=_phrase_regex(phrases["hypothetical"]),
        gate=WordGate(phrases, phrases=True, word_ends=True),  # every phrase pattern ends before a non-word character
        ascii_phrased=frozenset(name for name, values in phrases.items() if all(v.isascii() for v in values)),
        examples=examples,
    )
    if problems:
        raise PatternError(source, problems)
    return lex


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
