"""Redaction: each finding's span replaced by a ``[TYPE]`` placeholder, offsets exact.

Overlapping findings are merged into one placeholder named after the widest of them
(ties: the earliest, then the type name); adjacent findings keep one placeholder each.
:func:`redact_with_map` also returns the replacements, which map offsets of the original
text to offsets of the redacted text and back.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from .findings import Spanned


@dataclass(frozen=True, slots=True)
class Replacement:
    """``original[start:end]`` became ``redacted[new_start:new_end]`` (the placeholder)."""

    type: str
    start: int
    end: int
    new_start: int
    new_end: int

    @property
    def placeholder(self) -> str:
        return placeholder(self.type)


@dataclass(frozen=True, slots=True)
class Redaction:
    """A redacted text and its replacements, in order."""

    text: str
    replacements: tuple[Replacement, ...]

    def to_redacted(self, offset: int) -> int:
        """The redacted offset of an original offset (an offset inside a span maps to its placeholder's start)."""
        index = bisect.bisect_right([r.start for r in self.replacements], offset) - 1
        if index < 0:
            return offset
        r = self.replacements[index]
        if offset < r.end:
            return r.new_start
        return offset + (r.new_end - r.end)

    def to_original(self, offset: int) -> int:
        """The original offset of a redacted offset (inside a placeholder: the span's start)."""
        index = bisect.bisect_right([r.new_start for r in self.replacements], offset) - 1
        if index < 0:
            return offset
        r = self.replacements[index]
        if offset < r.new_end:
            return r.start
        return offset - (r.new_end - r.end)


def placeholder(finding_type: str) -> str:
    return f"[{finding_type}]"


def redact(text: str, findings: Iterable[Spanned]) -> str:
    """``text`` with every finding span replaced by ``[TYPE]``."""
    return redact_with_map(text, findings).text


def redact_with_map(text: str, findings: Iterable[Spanned]) -> Redaction:
    """The redacted text and the replacements that produced it."""
    spans = []
    for f in findings:
        if not 0 <= f.start <= f.end <= len(text):
            raise ValueError(f"finding span {f.start}-{f.end} is outside a text of length {len(text)}")
        if f.start < f.end:
            spans.append((f.start, f.end, f.type))
    groups = _merge(spans)
    parts: list[str] = []
    replacements: list[Replacement] = []
    cursor = 0
    length = 0
    for start, end, kind in groups:
        parts.append(text[cursor:start])
        length += start - cursor
        token = placeholder(kind)
        replacements.append(Replacement(kind, start, end, length, length + len(token)))
        parts.append(token)
        length += len(token)
        cursor = end
    parts.append(text[cursor:])
    return Redaction("".join(parts), tuple(replacements))


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Merge overlapping spans; the merged span takes the type of its widest member."""
    groups: list[tuple[int, int, str]] = []
    best: tuple[int, int, str] | None = None
    for start, end, kind in sorted(spans):
        if groups and start < groups[-1][1]:
            g_start, g_end, _ = groups[-1]
            assert best is not None
            if (end - start, -start) > (best[1] - best[0], -best[0]) or (
                (end - start, -start) == (best[1] - best[0], -best[0]) and kind < best[2]
            ):
                best = (start, end, kind)
            groups[-1] = (g_start, max(g_end, end), best[2])
        else:
            best = (start, end, kind)
            groups.append(best)
    return groups
