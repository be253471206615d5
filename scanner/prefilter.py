"""Prefilters: cheap shapes a text must contain before a rule's own regex runs.

A rule's regex runs in the ``regex`` module with a time limit, and the limit alone costs
~2 us per call (two CPU-clock system calls). A prefilter is searched first, with the
standard library's ``re`` and no time limit; that is safe because a prefilter may only be
a sequence of single characters (literals, classes, ``.``, anchors and word boundaries),
each repeated at most ``MAX_REPEAT`` times: no groups, alternation, look-arounds or
unbounded repeats, so a search costs at most ``len(text) * (sum of repeats)`` steps.

A prefilter must hold in every text its rule can flag; the rule examples test checks
that every match example passes its rule's prefilter.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

MAX_REPEAT = 64
_parser: Any = importlib.import_module("re._parser")  # the standard library's own regex parser
_const: Any = importlib.import_module("re._constants")

_SINGLE = {_const.LITERAL, _const.NOT_LITERAL, _const.IN, _const.ANY}
_REPEATS = {_const.MAX_REPEAT, _const.MIN_REPEAT}


def compile_prefilter(source: str) -> re.Pattern[str]:
    """``source`` compiled by ``re``; ValueError (saying why) when it is not a linear shape."""
    try:
        parsed = _parser.parse(source)
    except re.error as exc:
        raise ValueError(f"does not compile: {exc}") from None
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
    return re.compile(source)
