"""Faster stand-ins for spaCy's tokenizer regexes that return the same matches.

A new word costs the tokenizer a prefix, a suffix and a URL search per pass; the suffix
search tries each of its ~260 alternatives (each ending in ``$``) at every position of the
word (~2 us). A match of an alternative anchored at the end can only end with one of the
characters its last item consumes, so :class:`AnchoredSearch` keeps, for each possible last
(first, for ``^`` prefixes) character, the alternatives that can end (start) with it and
searches only those: a word whose last character no suffix can end with costs a dict lookup.
:class:`GatedMatch` skips a pattern when the text lacks a character every match holds
(spaCy's URL pattern needs a ``.``). Both read the pattern's syntax tree through the
standard library's ``re._parser``; anything they do not understand keeps the whole pattern.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal

_parser: Any = importlib.import_module("re._parser")  # no public API for the syntax tree
_c: Any = importlib.import_module("re._constants")

_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
# flags that change what a literal or an anchor matches
_UNSUPPORTED_FLAGS = re.IGNORECASE | re.MULTILINE | re.VERBOSE | re.LOCALE


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regex source (``a|b(c|d)`` -> ``a``, ``b(c|d)``)."""
    out: list[str] = []
    depth, start, i, n = 0, 0, 0, len(pattern)
    in_class = False
    while i < n:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):  # a leading "]" is a literal
                i += 1
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _class_chars(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:  # a category, a negated set
            return None
    return chars


def edge_chars(items: Sequence[tuple[Any, Any]], last: bool) -> set[str] | None:
    """The characters a match of the parsed ``items`` can consume first (last); None when
    unknown or when a match may consume nothing."""
    for op, av in reversed(items) if last else items:
        if op in _ZERO_WIDTH:
            continue
        if op is _c.LITERAL:
            return {chr(av)}
        if op is _c.IN:
            return _class_chars(av)
        if op is _c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            return None if add_flags or del_flags else edge_chars(list(sub), last)
        if op is _c.ATOMIC_GROUP:
            return edge_chars(list(av), last)
        if op is _c.BRANCH:
            chars: set[str] = set()
            for branch in av[1]:
                found = edge_chars(list(branch), last)
                if found is None:
                    return None
                chars |= found
            return chars
        if op in _REPEATS:
            low, _high, sub = av
            return edge_chars(list(sub), last) if low else None
        return None
    return None


def required_chars(items: Sequence[tuple[Any, Any]]) -> set[str]:
    """Characters that every match of the parsed ``items`` consumes."""
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.IN and len(av) == 1 and av[0][0] is _c.LITERAL:
            chars.add(chr(av[0][1]))
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:
            chars |= required_chars(list(av[3]))
        elif op is _c.ATOMIC_GROUP:
            chars |= required_chars(list(av))
        elif op is _c.BRANCH:
            chars |= set.intersection(*(required_chars(list(b)) for b in av[1]))
        elif op in _REPEATS and av[0] >= 1:
            chars |= required_chars(list(av[2]))
    return chars


def _anchored(items: Sequence[tuple[Any, Any]], side: Literal["start", "end"]) -> bool:
    if not items:
        return False
    op, av = items[0] if side == "start" else items[-1]
    anchors = (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING) if side == "start" else (_c.AT_END, _c.AT_END_STRING)
    return op is _c.AT and av in anchors


class AnchoredSearch:
    """``regex.search`` for a regex whose alternatives are anchored at the start (``^...``,
    spaCy's prefixes) or the end (``...$``, its suffixes): same match, fewer alternatives tried.

    ``search(text)`` searches only the alternatives that can start (end) with ``text``'s first
    (last) character, in their order; the others cannot match, so the leftmost match and the
    alternative that wins at it are the same. Alternatives that are not anchored or whose edge
    characters are unknown are always searched. The whole regex is searched for an empty text
    and, for end anchors, for a text ending in a line break (``$`` also matches before it).
    """

    def __init__(self, regex: re.Pattern[str], side: Literal["start", "end"]) -> None:
        if regex.flags & _UNSUPPORTED_FLAGS or regex.groups:
            raise ValueError("unsupported regex: flags or groups")
        self.regex = regex
        self.side = side
        self.pattern = regex.pattern
        self.flags = regex.flags
        try:
            self._index(regex, side)
        except re.error as exc:
            raise ValueError("unsupported regex") from exc
        self._end = side == "end"

    def _index(self, regex: re.Pattern[str], side: Literal["start", "end"]) -> None:
        alternatives = split_alternatives(regex.pattern)
        always: list[int] = []
        by_char: dict[str, list[int]] = {}
        for index, alternative in enumerate(alternatives):
            if re.compile(alternative, regex.flags).flags != regex.flags:
                raise ValueError("unsupported regex: inline flags")
            items = list(_parser.parse(alternative, regex.flags))
            chars = edge_chars(items, last=side == "end") if _anchored(items, side) else None
            if chars is None:
                always.append(index)
            else:
                for char in chars:
                    by_char.setdefault(char, []).append(index)
        compiled: dict[tuple[int, ...], Callable[[str], re.Match[str] | None] | None] = {}

        def searcher(indices: Iterable[int]) -> Callable[[str], re.Match[str] | None] | None:
            key = tuple(sorted(indices))
            if key not in compiled:
                compiled[key] = re.compile("|".join(alternatives[i] for i in key), regex.flags).search if key else None
            return compiled[key]

        self._default = searcher(always)
        self._by_char = {char: searcher([*always, *indices]) for char, indices in by_char.items()}

    def __repr__(self) -> str:
        return f"AnchoredSearch(side={self.side!r}, alternatives={len(split_alternatives(self.pattern))})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.regex, self.side))

    def search(self, text: str) -> re.Match[str] | None:
        if not text or (self._end and text[-1] == "\n"):
            return self.regex.search(text)
        found = self._by_char.get(text[-1] if self._end else text[0], self._default)
        return None if found is None else found(text)


class _Gated:
    """A compiled regex with a cheap pre-check on the text; pickled as the regex alone."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        if regex.flags & _UNSUPPORTED_FLAGS:
            raise ValueError("unsupported regex: flags")
        self.regex = regex
        self.pattern = regex.pattern
        self.flags = regex.flags

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.regex,))


class GatedMatch(_Gated):
    """``regex.match`` that skips texts missing a character every match consumes."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        super().__init__(regex)
        self.required = tuple(sorted(required_chars(list(_parser.parse(regex.pattern, regex.flags)))))
        self._match = regex.match

    def __repr__(self) -> str:
        return f"GatedMatch(required={len(self.required)})"

    def match(self, text: str) -> re.Match[str] | None:
        for char in self.required:
            if char not in text:
                return None
        return self._match(text)


class GatedFinditer(_Gated):
    """``regex.finditer`` that skips texts holding none of the characters a match can start
    with (spaCy's infixes: punctuation, dashes, symbols; a plain word or number has none)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        super().__init__(regex)
        first: set[str] = set()
        try:
            for alternative in split_alternatives(regex.pattern):
                if re.compile(alternative, regex.flags).flags != regex.flags:
                    raise ValueError("unsupported regex: inline flags")
                chars = edge_chars(list(_parser.parse(alternative, regex.flags)), last=False)
                if chars is None:
                    raise ValueError("unsupported regex: a match may start with any character")
                first |= chars
        except re.error as exc:
            raise ValueError("unsupported regex") from exc
        self.first = frozenset(first)
        self._finditer = regex.finditer

    def __repr__(self) -> str:
        return f"GatedFinditer(first={len(self.first)})"

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.first.isdisjoint(text):
            return iter(())
        return self._finditer(text)


def use_fast_affix_regexes(tokenizer: Any) -> None:
    """Give a spaCy tokenizer :class:`AnchoredSearch` prefix and suffix searches, a
    :class:`GatedFinditer` infix search and a :class:`GatedMatch` URL match, where its
    regexes allow (the others stay as they are). Setting them reloads the tokenizer's
    special cases and empties its cache."""
    wrappers: dict[str, tuple[str, Callable[[re.Pattern[str]], Any]]] = {
        "prefix_search": ("search", lambda regex: AnchoredSearch(regex, "start").search),
        "suffix_search": ("search", lambda regex: AnchoredSearch(regex, "end").search),
        "infix_finditer": ("finditer", lambda regex: GatedFinditer(regex).finditer),
        "url_match": ("match", lambda regex: GatedMatch(regex).match),
    }
    for name, (method, wrap) in wrappers.items():
        current = getattr(tokenizer, name, None)
        owner = getattr(current, "__self__", None)
        if isinstance(owner, re.Pattern) and getattr(current, "__name__", None) == method:
            with contextlib.suppress(ValueError):
                setattr(tokenizer, name, wrap(owner))
