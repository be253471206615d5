"""Phrase lists as trie-shaped regular expressions.

A flat alternation ``phrase1|phrase2|...`` makes the ``re`` engine try every phrase at
every offset of the text; the same phrases factored into a trie (``call\\s+me(?:\\s+(?:at|on))?``)
reject an offset on its first character. The language matched is the same, and at each
offset the longest phrase that matches is preferred, as in an alternation sorted by
decreasing length: siblings in the trie start with different tokens, so at most one
branch can match, and a longer continuation is always tried before stopping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

Token = str
"""One regex atom of a phrase (an escaped character, or ``\\s+`` for white space)."""

_END = ""  # marks the end of a phrase inside a trie node


def tokens(phrase: str) -> list[Token]:
    """The phrase as atoms of a case-insensitive regex: lower-cased; white space runs become
    ``\\s+``; an apostrophe matches both ``'`` and ``’``."""
    out: list[Token] = []
    for part in re.split(r"(\s+)", phrase.strip().lower()):
        if not part:
            continue
        if part.isspace():
            out.append(r"\s+")
            continue
        for ch in part:
            out.append("['’]" if ch in "'’" else re.escape(ch))
    return out


def trie_regex(phrases: Iterable[str], tokenize: Callable[[str], list[Token]] = tokens) -> str:
    """A regex source (no flags, no boundaries) matching the given phrases; compile it with
    ``re.IGNORECASE`` (the default ``tokenize`` lower-cases)."""
    root: dict[str, dict] = {}  # type: ignore[type-arg]
    for phrase in phrases:
        atoms = tokenize(phrase)
        if not atoms:
            continue
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[_END] = {}
    if not root:
        return r"(?!x)x"
    return _render(root)


def _render(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    branches = [atom + _render(child) if child else atom for atom, child in sorted(node.items()) if atom != _END]
    if not branches:
        return ""
    optional = _END in node
    if len(branches) == 1 and not optional:
        return branches[0]
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if optional else body


def literal_alternation(words: Iterable[str]) -> str:
    """Literal words as a plain alternation, longest first: the reference form of
    :func:`literal_trie_regex` (same matches, tried word by word at every offset)."""
    return "|".join(re.escape(w) for w in sorted({w for w in words if w}, key=len, reverse=True))


def literal_trie_regex(words: Iterable[str], *, fold_ascii: bool = False) -> str:
    """Literal words (character for character, case kept) as a trie-shaped regex: what their
    longest-first alternation matches, for ``re`` or ``regex``. ``fold_ascii`` lower-cases
    ASCII words first, for use under ``(?i)``: no two sibling branches then differ only in
    case, so the longest word that matches is still tried first."""
    items = {w.lower() if fold_ascii and w.isascii() else w for w in words if w}
    return trie_regex(items, lambda word: [re.escape(ch) for ch in word])


class WordGate:
    """Which of several patterns can match a text, judged by the literal words each one needs.

    A pattern built around an alternation of literal words (matched with or without
    ``(?i)``, after a non-letter) cannot match an ASCII text in which no word of its list
    occurs, lower-cased, after a non-letter. One Aho-Corasick pass over the lower-cased
    text answers for every pattern, so a pattern is scanned only when it may match.
    Non-ASCII text gets no answer (``None``: any pattern may match), since Unicode case
    folding maps some other characters onto ASCII letters (the Kelvin sign onto "k").
    """

    def __init__(self, needs: Mapping[str, Iterable[str]], *, phrases: bool = False, word_ends: bool = False) -> None:
        """``needs``: pattern name -> its words. ``phrases``: the words are phrases compiled by
        :func:`trie_regex` (white space matches any white space run, an apostrophe either
        apostrophe), so only what comes before the first space or apostrophe is looked for.
        ``word_ends`` (with ``phrases``): in every pattern a phrase is followed by a character
        that is no word character (``(?![\\w@])``), so a phrase's whole first word is followed
        by one (white space before its next word, or that character): a first word found
        right before a letter, digit or underscore ("a" in "address") is no start."""
        import ahocorasick

        by_word: dict[str, set[str]] = {}
        whole: dict[str, bool] = {}  # key -> it is the whole first word of each of its phrases
        always: set[str] = set()
        for name, words in needs.items():
            for word in words:
                key = _ascii_key(word, phrases)
                if key:
                    by_word.setdefault(key, set()).add(name)
                    rest = word.strip().casefold()[len(key):] if phrases and word_ends else "x"
                    whole[key] = whole.get(key, True) and (not rest or rest[0].isspace())
                else:  # no ASCII letter to look for: the pattern is always scanned
                    always.add(name)
        self.names = frozenset(needs)
        self._always = frozenset(always)
        self._keyed = tuple(sorted(self.names - self._always))  # the names that starts() gives offsets for
        self._automaton = ahocorasick.Automaton()
        for word, names in by_word.items():
            self._automaton.add_word(word, (len(word), frozenset(names), whole[word]))
        self._empty = not by_word
        if not self._empty:
            self._automaton.make_automaton()

    def possible(self, text: str) -> frozenset[str] | None:
        """The names of the patterns that may match ``text``; None for non-ASCII text (all may)."""
        if not text.isascii():
            return None
        if self._empty:
            return self._always
        found: set[str] = set(self._always)
        for _start, names in self._word_starts(text.lower()):
            found |= names
        return frozenset(found)

    def starts(self, text: str) -> dict[str, list[int]] | None:
        """Where the patterns may match in ASCII ``text``, for patterns whose matches begin with
        one of their words: name -> the sorted offsets of its words after a non-letter (empty: it
        cannot match). A name with nothing to look for is left out (scan the whole text for it).
        None for non-ASCII text."""
        if not text.isascii():
            return None
        found: dict[str, list[int]] = {name: [] for name in self._keyed}
        if not self._empty:
            for start, names in self._word_starts(text.lower()):
                for name in names:
                    offsets = found.get(name)
                    if offsets is not None:
                        offsets.append(start)
        for name, offsets in found.items():
            if len(offsets) > 1:  # hits come by end: words of different lengths, or two at one offset
                found[name] = sorted(set(offsets))
        return found

    def _word_starts(self, lowered: str) -> Iterator[tuple[int, frozenset[str]]]:
        """(offset, pattern names) of each word found after a non-letter, by end offset; a whole
        first word (see ``word_ends``) not followed by a word character."""
        for end, (length, names, whole) in self._automaton.iter(lowered):
            start = end - length + 1
            if (start == 0 or not lowered[start - 1].isalpha()) and not (whole and _word_goes_on(lowered, end + 1)):
                yield start, names

    def ruled_out(self, text: str) -> frozenset[str]:
        """The names of the patterns that cannot match ``text`` (none for non-ASCII text)."""
        possible = self.possible(text)
        return frozenset() if possible is None else self.names - possible


def _word_goes_on(text: str, pos: int) -> bool:
    """Whether ``text[pos]`` is a word character of ASCII text (letter, digit, underscore)."""
    return pos < len(text) and (text[pos].isalnum() or text[pos] == "_")


def _ascii_key(word: str, phrase: bool = False) -> str:
    """What an ASCII text must hold (lower-cased) for ``word`` to match in it, with or without
    ``(?i)``: the case-folded word up to its first non-ASCII character ("fiancé": "fianc"), since
    such a character matches no ASCII one; case folding first, because some characters fold
    onto ASCII letters (the long s onto "s"). A ``phrase`` (see :func:`tokens`) also stops at
    its first white space or apostrophe ("don't call": "don")."""
    folded = word.strip().casefold() if phrase else word.casefold()
    for i, ch in enumerate(folded):
        if not ch.isascii() or (phrase and (ch.isspace() or ch == "'")):
            return folded[:i]
    return folded
