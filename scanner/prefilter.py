"""Prefilters: cheap shapes a text must contain before a rule's own regex runs.

A rule's regex runs in the ``regex`` module with a time limit, and the limit alone costs
~2 us per call (two CPU-clock system calls). A prefilter is searched first, in the same
module (so ``\\d``, ``\\w``, ``\\s`` and case folding mean what they mean in the rule: the
standard library's ``\\d`` misses the digits of newer Unicode versions) but with no time
limit; that is safe because a prefilter may only be a sequence of single characters
(literals, classes, ``.``, anchors and word boundaries), each repeated at most
``MAX_REPEAT`` times: no groups, alternation, look-arounds or unbounded repeats, so a search
costs at most ``len(text) * (sum of repeats)`` steps. The shape is checked with the standard
library's parser, which refuses the ``regex`` module's own extensions (``\\p{..}``, fuzzy
matching, ...).

A prefilter must hold in every text its rule can flag; the rule examples test checks
that every match example passes its rule's prefilter.

:func:`first_chars` gives, from the same parser, the characters a pattern's matches can
start with: a look-ahead for them in front of an alternation whose branches each begin
with a look-behind (the intent cue pattern) lets ``re`` pass over other offsets at once.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import regex

MAX_REPEAT = 64
_parser: Any = importlib.import_module("re._parser")  # the standard library's own regex parser
_const: Any = importlib.import_module("re._constants")

# a brace outside a repeat count: the regex module may read "{e<=1}" as fuzzy matching (write \x7b)
_STRAY_BRACE = re.compile(r"\{(?![0-9]*,?[0-9]*\})")
_SINGLE = {_const.LITERAL, _const.NOT_LITERAL, _const.IN, _const.ANY}
_REPEATS = {_const.MAX_REPEAT, _const.MIN_REPEAT}


def compile_prefilter(source: str) -> regex.Pattern[str]:
    """``source`` compiled by ``regex`` (version 0); ValueError (saying why) when it is not a linear shape."""
    try:
        parsed = _parser.parse(source)
    except re.error as exc:
        raise ValueError(f"does not compile: {exc}") from None
    if _STRAY_BRACE.search(source):
        raise ValueError(r"may use '{' only in a repeat count (write a literal brace as \x7b)")
    for op, arg in parsed:
        if op in _SINGLE or op is _const.AT:
            continue
        if op in _REPEATS:
            _low, high, item = arg
            if high == _const.MAXREPEAT or high > MAX_REPEAT:
                raise ValueError(f"a repeat may not exceed {{,{MAX_REPEAT}}} (no *, + or open {{n,}})")
            if len(item) != 1 or item[0][0] not in _SINGLE:
                raise ValueError("only a single character or class may be repeated")
            continue
        raise ValueError("only characters, classes, anchors and bounded repeats are allowed "
                         "(no groups, alternation or look-arounds)")
    try:
        return regex.compile(source, regex.VERSION0)
    except regex.error as exc:  # a class the two modules read differently, e.g. "[[:x]"
        raise ValueError(f"does not compile: {exc}") from None


def first_chars(source: str) -> str | None:
    """A character-class body (for ``[...]``) that holds the first character of every match of
    ``source``; None when that is unknown (an empty match, ``.``, a negated class, a back-reference,
    case-insensitive parts). Used to put a cheap first-character look-ahead before an alternation."""
    try:
        parsed = _parser.parse(source)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _first(list(parsed))
    if found is None or found[1]:
        return None
    return "".join(sorted(found[0]))


def _first(items: list[tuple[Any, Any]]) -> tuple[set[str], bool] | None:
    """(class pieces that can start a match of ``items``, whether ``items`` can match empty)."""
    pieces: set[str] = set()
    for op, arg in items:
        if op in (_const.AT, _const.ASSERT, _const.ASSERT_NOT):
            continue  # zero-width
        if op is _const.LITERAL:
            return pieces | {_escape(arg)}, False
        if op is _const.IN:
            members = _class_members(arg)
            return (None if members is None else (pieces | members, False))
        if op is _const.SUBPATTERN:
            if arg[1] & re.IGNORECASE:
                return None
            inner = _first(list(arg[-1]))
        elif op in _REPEATS:
            inner = _first(list(arg[2]))
            if inner is not None and arg[0] == 0:
                inner = (inner[0], True)
        elif op is _const.BRANCH:
            alternatives = [_first(list(branch)) for branch in arg[1]]
            if any(a is None for a in alternatives):
                return None
            inner = (set().union(*(a[0] for a in alternatives if a)), any(a[1] for a in alternatives if a))
        else:
            return None
        if inner is None:
            return None
        pieces |= inner[0]
        if not inner[1]:
            return pieces, False
    return pieces, True


_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_WORD": r"\w", "CATEGORY_SPACE": r"\s"}


def _class_members(items: Any) -> set[str] | None:
    out: set[str] = set()
    for op, arg in items:
        if op is _const.LITERAL:
            out.add(_escape(arg))
        elif op is _const.RANGE:
            out.add(f"{_escape(arg[0])}-{_escape(arg[1])}")
        elif op is _const.CATEGORY and str(arg) in _CATEGORIES:
            out.add(_CATEGORIES[str(arg)])
        else:
            return None  # a negated class or another category
    return out


def _escape(code: int) -> str:
    char = chr(code)
    return "\\" + char if char in "\\]^-[" else char


def required_texts(source: str) -> tuple[str, ...] | None:
    """Lower-cased strings one of which every match of ``source`` holds, as an ASCII text's
    lower-cased copy shows it, with or without ``(?i)``; None when none is known.

    From the first mandatory piece that is a run of literals, a class of literals or an
    alternation of such runs ("\\b(?:her|his)\\s": "her", "his"). Only ASCII characters and
    punctuation are used: under ``(?i)`` a non-ASCII letter may match an ASCII one (the Kelvin
    sign matches "k"), while ASCII letters match no other character of an ASCII text than
    their two cases. A check is sound only for ASCII text (see :func:`lacks_required`).
    """
    try:
        parsed = _parser.parse(source)
    except re.error:
        return None
    found = _required(list(parsed))
    return None if found is None else tuple(sorted(found))


def lacks_required(required: tuple[str, ...] | None, text: str, lowered: str) -> bool:
    """True when the ASCII ``text`` (``lowered``: its lower-cased copy) holds none of ``required``:
    the pattern cannot match it. False for other texts and when nothing is required."""
    return required is not None and text.isascii() and not any(r in lowered for r in required)


def _required(items: list[tuple[Any, Any]]) -> set[str] | None:
    for i, (op, arg) in enumerate(items):
        found: set[str] | None = None
        if op is _const.LITERAL:
            run = "".join(chr(a) for _, a in _literal_run(items[i:]))
            found = {run.lower()} if _usable(run) else None
        elif op is _const.IN and arg and all(o is _const.LITERAL for o, _ in arg):
            chars = {chr(a) for _, a in arg}
            found = {c.lower() for c in chars} if all(map(_usable, chars)) else None
        elif op is _const.SUBPATTERN:
            found = _required(list(arg[-1]))
        elif op in _REPEATS and arg[0] >= 1:
            found = _required(list(arg[2]))
        elif op is _const.BRANCH:
            alternatives = [_required(list(branch)) for branch in arg[1]]
            found = None if any(a is None for a in alternatives) else set().union(*alternatives)  # type: ignore[arg-type]
        if found:
            return found
    return None  # nothing mandatory known: zero-width items, optional pieces, other classes


def _literal_run(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    run = []
    for op, arg in items:
        if op is not _const.LITERAL:
            break
        run.append((op, arg))
    return run


def _usable(text: str) -> bool:
    """ASCII, or punctuation (no case mapping: matches only itself under ``(?i)``)."""
    import unicodedata

    return all(c.isascii() or unicodedata.category(c).startswith("P") for c in text)
