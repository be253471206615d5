"""Faster lexical attribute getters that return what spaCy's return, for every string.

spaCy runs a Python getter per attribute for every word new to a vocabulary. On a contact
card (~10 new words) the norm lookup (a string hash through ``Table.__contains__`` and
``__getitem__``, ~0.6 us) and ``word_shape`` (a Python loop over the characters, ~0.5 us)
were most of it. :func:`use_fast_lexeme_attrs` swaps in equivalents for the getters it knows
(spaCy's own functions) and leaves any other getter as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

_MISSING = object()
_SHAPES_MAX = 20_000  # shape keys remembered (a key and its shape: ~100 bytes)
_ASCII_SHAPE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                               b"X" * 26 + b"x" * 26 + b"d" * 10)


class WordShape:
    """``spacy.lang.lex_attrs.word_shape``, remembered per character-class string.

    The shape only depends on ``text.encode().translate(_ASCII_SHAPE)`` (ASCII upper-case
    letters to X, lower-case to x, digits to d; every other character kept, which tells apart
    all that ``word_shape`` does), computed in C: the first text of each such key gets spaCy's
    function, later ones a dict lookup. Texts of 100 characters or more are not remembered.
    """

    def __init__(self, shape: Callable[[str], str]) -> None:
        self._shape = shape
        self._known: dict[bytes, str] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._shape,))

    def shape(self, text: str) -> str:
        if len(text) >= 100:
            return self._shape(text)
        key = text.encode("utf-8", "surrogatepass").translate(_ASCII_SHAPE)
        shape = self._known.get(key)
        if shape is None:
            shape = self._shape(text)
            if len(self._known) < _SHAPES_MAX:
                self._known[key] = shape
        return shape


class LookupNorm:
    """spaCy's NORM getter (``util.add_lookups``: each lookup table in turn, then a default
    function) with the string hash computed once, by ``hash_string``, instead of through
    ``Table.__contains__`` and ``__getitem__`` (``get_string_id``, a bloom filter, two
    Python calls). Built only when no reserved symbol name nor the empty string (which spaCy
    keys by their symbol ids, not their hash) could be found in a table by its hash.
    """

    def __init__(self, lookups: tuple[Any, ...], default: Any) -> None:
        from spacy.lookups import Table
        from spacy.strings import hash_string  # type: ignore[attr-defined]  # not in spaCy's stubs
        from spacy.symbols import IDS

        self._lookups = lookups
        self._default = default
        self._hash = hash_string
        steps: list[tuple[bool, Any]] = []
        for table in lookups:
            if isinstance(table, Table):
                reserved = {*IDS.values(), *(hash_string(name) for name in IDS if name), hash_string("")}
                if not reserved.isdisjoint(table.keys()):
                    raise ValueError("a table holds a reserved key")
                steps.append((True, dict.get.__get__(table)))
            elif type(table) is dict:
                steps.append((False, table.get))
            else:
                raise ValueError(f"unsupported lookup table {type(table).__name__}")
        self._steps = tuple(steps)
        self._hashed = any(by_hash for by_hash, _get in steps)
        self._lower = default is _spacy_lower()

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._lookups, self._default))

    def getter(self) -> Any:
        """:meth:`norm`, or for spaCy's English layout (one table, then a dict, then
        ``lower``) the same steps in a closure: a third faster than the loop."""
        if not (self._lower and [by_hash for by_hash, _get in self._steps] == [True, False]):
            return self.norm
        (_, table_get), (_, dict_get) = self._steps
        hash_string = self._hash
        missing = _MISSING

        def norm(text: str) -> Any:
            value = table_get(hash_string(text), missing)
            if value is missing:
                value = dict_get(text, missing)
                if value is missing:
                    return text.lower()
            return value

        return norm

    def norm(self, text: str) -> Any:
        hashed = self._hash(text) if self._hashed else 0
        for by_hash, get in self._steps:
            value = get(hashed if by_hash else text, _MISSING)
            if value is not _MISSING:
                return value
        return text.lower() if self._lower else self._default(text)


@functools.cache
def _spacy_lower() -> Any:
    from spacy.lang import lex_attrs

    return lex_attrs.lower


def _unwrap_lookups(getter: Any) -> tuple[tuple[Any, ...], Any] | None:
    """The lookups and default function of a getter made by ``spacy.util.add_lookups``."""
    from spacy import util

    lookups: list[Any] = []
    while isinstance(getter, functools.partial) and getter.func is util._get_attr_unless_lookup:
        if getter.keywords or len(getter.args) != 2:
            return None
        getter, tables = getter.args
        lookups.extend(tables)
    return (tuple(lookups), getter) if lookups else None


def fast_getter(getter: Any) -> Any:
    """The faster equivalent of a spaCy lexical attribute getter, or ``getter`` itself."""
    from spacy.lang import lex_attrs

    plain = ((lex_attrs.lower, str.lower), (lex_attrs.is_alpha, str.isalpha), (lex_attrs.is_space, str.isspace),
             (lex_attrs.is_title, str.istitle), (lex_attrs.is_digit, str.isdigit), (lex_attrs.is_lower, str.islower),
             (lex_attrs.is_upper, str.isupper))
    for theirs, ours in plain:
        if getter is theirs:
            return ours
    if getter is lex_attrs.word_shape:
        return WordShape(getter).shape
    found = _unwrap_lookups(getter)
    if found is not None:
        try:
            return LookupNorm(*found).getter()
        except ValueError:
            return getter
    return getter


def use_fast_lexeme_attrs(nlp: Any) -> None:
    """Swap ``nlp``'s lexical attribute getters for :func:`fast_getter`'s equivalents."""
    vocab = nlp.vocab
    getters = vocab.lex_attr_getters or {}
    vocab.lex_attr_getters = {attr: fast_getter(getter) for attr, getter in getters.items()}
