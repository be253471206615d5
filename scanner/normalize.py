"""Text normalisation before detection, with an offset map back to the original.

Steps, in order:

1. NFKC per character (full-width digits and letters, ligatures, compatibility forms), and a
   decimal digit of any other script (Arabic-Indic, Devanagari, ...) as its ASCII digit;
2. removal of zero-width characters, word joiners, BOMs and soft hyphens;
3. de-obfuscation of e-mail addresses written with spelled-out or bracketed
   ``at`` / ``dot`` (``john dot smith at gmail dot com``, ``john[at]gmail[.]com``).

Detectors run on ``NormalizedText.text``; ``NormalizedText.span(start, end)`` maps a
span back to the characters the user typed. ASCII text with no obfuscation cue
takes a fast path with an identity map.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

import regex

_REMOVED = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"
_SPECIAL = regex.compile(f"[^\\x00-\\x7f]|[{_REMOVED}]")

_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_AT_BRACKET = rf"\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*"
_AT_SPACED = r"\s+at\s+"
_DOT_BRACKET = rf"\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*"
_DOT_SPACED = r"\s+dot\s+"
_LABEL = r"[\w%+-]+"
_DOT_ANY = rf"(?:{_DOT_BRACKET}|{_DOT_SPACED}|\.)"
_COMMON_TLDS = (
    r"(?:com|org|net|edu|gov|mil|int|io|co|me|info|biz|us|uk|ca|au|in|de|fr|es|it|nl|br|mx|ng|ph|za|ie|nz|"
    r"ch|at|be|se|no|dk|fi|pl|pt|ru|jp|cn|kr|app|dev|ai|xyz|online|site|email|mail)"
)
_MAIL_PROVIDERS = r"(?:gmail|googlemail|yahoo|hotmail|outlook|live|icloud|me|aol|proton|protonmail|gmx|mail|yandex)"
# user AT domain: bracketed AT with any dots, or spaced AT with an obfuscated dot / a known mail provider.
_OBFUSCATED_EMAIL = regex.compile(
    rf"""(?<![\w.@-])
    {_LABEL}(?:{_DOT_ANY}{_LABEL})*
    (?:
        {_AT_BRACKET}{_LABEL}(?:{_DOT_ANY}{_LABEL})*{_DOT_ANY}[a-z]{{2,24}}
      | {_AT_SPACED}(?:
            {_LABEL}(?:{_DOT_ANY}{_LABEL})*(?:{_DOT_BRACKET}|{_DOT_SPACED}){_COMMON_TLDS}
          | {_MAIL_PROVIDERS}{_DOT_ANY}[a-z]{{2,24}}(?:{_DOT_ANY}[a-z]{{2,3}})?
        )
    )
    (?![\w@])""",
    regex.IGNORECASE | regex.VERBOSE,
)
# What _OBFUSCATED_EMAIL needs, cheaply: a bracketed AT, or a spaced AT with an obfuscated dot or a
# mail provider right after it (a plain "at" is in every fifth tweet)
_AT_BRACKET_CUE = regex.compile(rf"(?i){_OPEN}\s*(?:at|@)\s*{_CLOSE}")
_AT_SPACED_CUE = regex.compile(r"(?i)\sat\s")
_DOT_OR_PROVIDER_CUE = regex.compile(rf"(?i){_OPEN}\s*(?:dot|\.)\s*{_CLOSE}|\sdot\s|\sat\s+{_MAIL_PROVIDERS}")
_AT_PART = regex.compile(rf"(?i){_AT_BRACKET}|{_AT_SPACED}")
_DOT_PART = regex.compile(rf"(?i){_DOT_BRACKET}|{_DOT_SPACED}")


class _OffsetMap:
    """Maps spans of a derived text to spans of its source, segment by segment.

    Each segment is (derived_start, derived_len, source_start, source_len, identity).
    Identity segments map character by character; replaced segments map as a whole.
    """

    __slots__ = ("_keys", "_segments")

    def __init__(self, segments: list[tuple[int, int, int, int, bool]]) -> None:
        self._segments = segments
        self._keys = [s[0] for s in segments]

    def _segment(self, pos: int) -> tuple[int, int, int, int, bool]:
        if not self._segments:
            return (0, 0, 0, 0, False)
        return self._segments[max(bisect.bisect_right(self._keys, pos) - 1, 0)]

    def start(self, pos: int) -> int:
        d0, dlen, s0, slen, identity = self._segment(pos)
        if identity or pos == d0:
            return s0 + min(pos - d0, slen) if identity else s0
        return s0 + slen if pos >= d0 + dlen else s0

    def end(self, pos: int) -> int:
        if pos <= 0:
            return self.start(0)
        d0, _dlen, s0, slen, identity = self._segment(pos - 1)
        return s0 + min(pos - d0, slen) if identity else s0 + slen


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.segments: list[tuple[int, int, int, int, bool]] = []
        self.length = 0

    def keep(self, source: str, start: int, end: int) -> None:
        if end > start:
            self.parts.append(source[start:end])
            self.segments.append((self.length, end - start, start, end - start, True))
            self.length += end - start

    def replace(self, replacement: str, start: int, end: int) -> None:
        if replacement:
            self.parts.append(replacement)
            self.segments.append((self.length, len(replacement), start, end - start, False))
            self.length += len(replacement)

    def result(self) -> tuple[str, _OffsetMap]:
        return "".join(self.parts), _OffsetMap(self.segments)


def _fold(char: str) -> str:
    """NFKC of one character; a decimal digit of any script as its ASCII digit, which NFKC
    leaves as it is ("٣" stays "٣"), so that every detector and pre-check reads it as a digit."""
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) == 1 and not folded.isascii() and folded.isdecimal():
        return str(unicodedata.decimal(folded))
    return folded


def _fold_characters(text: str) -> tuple[str, _OffsetMap] | None:
    """NFKC and invisible-character removal; None when nothing changes."""
    if text.isascii():
        return None
    builder = _Builder()
    pos = 0
    changed = False
    for match in _SPECIAL.finditer(text):
        i = match.start()
        char = text[i]
        folded = "" if char in _REMOVED else _fold(char)
        if folded == char:
            continue
        changed = True
        builder.keep(text, pos, i)
        builder.replace(folded, i, i + 1)
        pos = i + 1
    if not changed:
        return None
    builder.keep(text, pos, len(text))
    return builder.result()


def _deobfuscate_emails(text: str) -> tuple[str, _OffsetMap] | None:
    if not (_AT_BRACKET_CUE.search(text) or (_AT_SPACED_CUE.search(text) and _DOT_OR_PROVIDER_CUE.search(text))):
        return None
    return _rewrite_obfuscated_emails(text)


def _rewrite_obfuscated_emails(text: str) -> tuple[str, _OffsetMap] | None:
    builder = _Builder()
    pos = 0
    changed = False
    for match in _OBFUSCATED_EMAIL.finditer(text):
        start, end = match.span()
        builder.keep(text, pos, start)
        cursor = start
        pieces = sorted(
            [(m.start() + start, m.end() + start, "@") for m in _AT_PART.finditer(match.group())]
            + [(m.start() + start, m.end() + start, ".") for m in _DOT_PART.finditer(match.group())]
        )
        for p_start, p_end, symbol in pieces:
            builder.keep(text, cursor, p_start)
            builder.replace(symbol, p_start, p_end)
            cursor = p_end
        builder.keep(text, cursor, end)
        pos = end
        changed = changed or bool(pieces)
    if not changed:
        return None
    builder.keep(text, pos, len(text))
    return builder.result()


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A post's text prepared for detection, and the way back to the original offsets."""

    original: str
    text: str
    _maps: tuple[_OffsetMap, ...] = ()

    @property
    def is_identity(self) -> bool:
        return not self._maps

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``text`` to the corresponding span of ``original``."""
        for offset_map in reversed(self._maps):
            start, end = offset_map.start(start), offset_map.end(end)
        return start, max(start, end)

    def __repr__(self) -> str:
        return f"NormalizedText(len={len(self.original)}, identity={self.is_identity})"


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for detection (see the module docstring)."""
    maps: list[_OffsetMap] = []
    current = text
    for step in (_fold_characters, _deobfuscate_emails):
        result = step(current)
        if result is not None:
            current, offset_map = result
            maps.append(offset_map)
    return NormalizedText(text, current, tuple(maps))
