"""Exact pre-checks for the address anchors: what every match of an anchor leaves in the post.

Most street-line anchors are built around a word list (street types, units, cue phrases)
and need characters around those words: a space before a street type, a digit after a
unit, a capitalised word right before a house number. A small ``re`` pattern per anchor
looks for just that, and an anchor whose pattern finds nothing cannot match and is not
scanned. The patterns are cheap because most of them start with a literal space, which
``re`` skips to: they read a copy of the post where every character but a letter or a
digit is a space (and a space is put in front).

They read an ASCII stand-in of the post, of the same length: each non-ASCII character
becomes the ASCII letter it matches under ``(?i)`` (only four do), or a capital, a small
letter, a digit, an apostrophe or a space as it is one or not, so that what an anchor
matches in the post leaves its words, and the characters around them, in the stand-in.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import regex

from ..phrase_trie import literal_trie_regex

# The only non-ASCII characters that match an ASCII letter under ``(?i)`` (checked in the tests).
FOLDS_TO_ASCII = {"\u0130": "I", "\u0131": "i", "\u017f": "s", "\u212a": "K"}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_UPPER = regex.compile(r"\p{Lu}")
_LETTER = regex.compile(r"[\p{L}\p{M}]")
_DIGIT = regex.compile(r"\d")
# Every ASCII character but a letter or a digit as a space.
_BLANKS = bytes(c if chr(c).isalnum() else 0x20 for c in range(256))

View = Literal["lower", "blank", "blank_cased", "spaced"]
"""What a gate pattern reads, all of the stand-in: ``lower`` lower-cased; ``blank`` lower-cased,
a space in front and every character but a letter or digit a space; ``blank_cased`` the same
without lower-casing; ``spaced`` with tabs as spaces."""


@functools.lru_cache(maxsize=4096)
def _stand_in_char(char: str) -> str:
    if char in FOLDS_TO_ASCII:
        return FOLDS_TO_ASCII[char]
    if _UPPER.match(char):
        return "A"
    if _LETTER.match(char):
        return "a"
    return "0" if _DIGIT.match(char) else "'" if char == "’" else " "


def _stand_in_match(char: re.Match[str]) -> str:
    return _stand_in_char(char.group())


def ascii_stand_in(text: str) -> str:
    """``text`` with every non-ASCII character replaced by one ASCII character (see the module docstring)."""
    return text if text.isascii() else _NON_ASCII.sub(_stand_in_match, text)


def _blank(text: str) -> str:
    return " " + text.encode("ascii").translate(_BLANKS).decode("ascii")


def word_alternation(items: Iterable[str], *, fold: bool, view: View) -> str:
    """A ``re`` alternation of the words as they appear in ``view`` where a pattern matches them
    (under ``(?i)`` when ``fold``): what the words of an anchor leave there."""
    forms = {ascii_stand_in(w) for w in items}
    if fold:
        forms = {f.lower() for f in forms}
    if view in {"blank", "blank_cased"}:
        forms = {_blank(f)[1:] for f in forms}
    return f"(?:{literal_trie_regex(forms)})"


@dataclass(frozen=True)
class Gate:
    """``pattern`` (a ``re`` source) finds in ``view`` what every match of the anchors ``names`` leaves there."""

    names: frozenset[str]
    pattern: str
    view: View


class AnchorGate:
    """Which anchors cannot match a text: those whose gate finds nothing."""

    def __init__(self, gates: Iterable[Gate]) -> None:
        self._gates = tuple((g.names, re.compile(g.pattern), g.view) for g in gates)
        self.names = frozenset().union(*(names for names, _, _ in self._gates))

    def ruled_out(self, text: str, run: frozenset[str]) -> frozenset[str]:
        """The anchors of ``run`` that cannot match ``text``."""
        if self.names.isdisjoint(run):
            return frozenset()
        stand = ascii_stand_in(text)
        views: dict[str, str] = {}
        out: set[str] = set()
        for names, pattern, view in self._gates:
            if names.isdisjoint(run):
                continue
            seen = views.get(view)
            if seen is None:
                seen = views[view] = _view(stand, view)
            if not pattern.search(seen):
                out |= names
        return frozenset(out)


def _view(stand: str, view: View) -> str:
    if view == "lower":
        return stand.lower()
    if view == "blank":
        return _blank(stand.lower())
    if view == "blank_cased":
        return _blank(stand)
    return stand.replace("\t", " ")
