"""The lower-cased words that spaCy's English tokenizer may make of a text, without tokenizing it.

A superset, for pre-checks that must never miss a token: a token made only of ASCII letters
and digits is a maximal run of them in the lower-cased text unless the tokenizer split the run
between two such characters, which English does in two ways only:

- special cases ("can|not", "do|n't", "gon|na", "1|am"): the pieces of every special case
  whose key occurs in the text are added;
- suffixes after a digit ("5|km", "10|pm"): a run that mixes letters and digits adds every
  substring between its letter-digit boundaries ("a5km": a, 5, km, a5, 5km, a5km).

Tokens holding other characters ("'s", "$", "y'all") are not runs; callers test such words
as substrings of the text (every token's text is one). The special cases are read when the
object is made: add special cases to the tokenizer afterwards and make a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import ahocorasick

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer

_RUN = re.compile(r"[a-z0-9]+")
_SEGMENT = re.compile(r"[a-z]+|[0-9]+")


def is_run(word: str) -> bool:
    """Whether ``word`` is made of lower-case ASCII letters and digits only."""
    return _RUN.fullmatch(word) is not None


def word_runs(lowered: str) -> list[str]:
    """The maximal runs of lower-case ASCII letters and digits of ``lowered``, in order."""
    return _RUN.findall(lowered)


def _run_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class TokenWords:
    """:meth:`possible` gives a superset of the ``LOWER`` values of the run-like tokens of a text."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        from spacy.attrs import ORTH

        self._special = ahocorasick.Automaton()
        for key, pieces in tokenizer.rules.items():
            lowered = key.lower()
            orths = [str(piece[ORTH]) for piece in pieces]  # spaCy checks that they spell the key
            if len(lowered) == len(key):  # else lower-casing moved the cuts: keep the pieces
                cuts = [sum(map(len, orths[:i])) for i in range(1, len(orths))]
                if not any(_run_char(lowered[c - 1]) and _run_char(lowered[c]) for c in cuts):
                    continue  # every cut is beside a non-run character: each piece is a run or not run-like
            words = {orth.lower() for orth in orths if is_run(orth.lower())}
            known = self._special.get(lowered, frozenset())
            self._special.add_word(lowered, frozenset(known | words))
        self.special_cases = len(self._special)
        if self.special_cases:
            self._special.make_automaton()

    def possible(self, lowered: str, runs: Iterable[str] | None = None) -> set[str]:
        """The run-like words a tokenization of ``lowered`` (a lower-cased text) may hold;
        ``runs``: its :func:`word_runs`, when the caller has them."""
        found = set(word_runs(lowered) if runs is None else runs)
        for run in [r for r in found if not (r.isalpha() or r.isdigit())]:
            segments = _SEGMENT.findall(run)
            for i in range(len(segments)):
                for j in range(i + 2, len(segments) + 1):  # single segments and the whole run join below
                    found.add("".join(segments[i:j]))
            found.update(segments)
        if self.special_cases:
            for _, words in self._special.iter(lowered):
                found.update(words)
        return found
