"""Prefilters (scanner/prefilter.py): only linear shapes load, and each one holds wherever its rule matches.
So does each rule's ``min_digit_run``, the other per-text shape check before a rule's regex."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import ScannerConfig
from scanner.errors import PatternError
from scanner.prefilter import compile_prefilter, first_chars, lacks_required, required_texts
from scanner.rules import Rule, load_families, longest_digit_run, parse_family

ALL_RULES = [r for f in load_families(ScannerConfig().patterns_dir / "rules") for r in f.rules]
RULES = [r for r in ALL_RULES if r.prefilter is not None]
GATED = [r for r in ALL_RULES if r.prefilter is not None or r.min_digit_run]


def _gates_pass(rule: Rule, text: str) -> bool:
    """The rule's prefilter and digit-run checks let ``text`` through."""
    return (rule.prefilter is None or rule.prefilter.search(text) is not None) and (
        longest_digit_run(text) >= rule.min_digit_run)


@pytest.mark.parametrize("source", [r"(?i):[0-9a-f]{0,4}:", r"[\w.%+-]@[A-Za-z0-9]", r"\bab\d{3}", "a|b",
                                    r"^x.{0,64}$"])
def test_linear_shapes_compile(source: str) -> None:
    assert compile_prefilter(source).pattern == source


@pytest.mark.parametrize(("source", "why"), [
    ("a+", "repeat may not exceed"), ("x*", "repeat may not exceed"), ("a{2,}", "repeat may not exceed"),
    ("a{0,65}", "repeat may not exceed"), ("(ab)", "no groups"), ("(?:ab){2}", "single character"),
    ("(?=a)b", "look-arounds"), ("ab|cd", "alternation"), ("(", "does not compile"),
    ("a{e<=1}", "repeat count"), (r"\p{L}", "does not compile"),
])
def test_anything_that_could_backtrack_is_refused(source: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        compile_prefilter(source)


_DEMO_RULE = {"id": "demo.word", "type": "DEMO", "regex": r"\bsecret\d+\b", "confidence": 0.8,
              "examples": {"match": ["a secret42 here"], "no_match": ["nothing"]}}


def test_a_bad_prefilter_is_a_load_error_naming_the_rule() -> None:
    rule = dict(_DEMO_RULE, prefilter="s+")
    with pytest.raises(PatternError, match=r"demo\.word.*'prefilter' a repeat"):
        parse_family({"family": "demo", "rules": [rule]}, "x.toml")


def test_some_rules_use_prefilters() -> None:
    assert {"ip.v6", "email.address", "cred_url.userinfo", "crypto.btc_base58"} <= {r.id for r in RULES}
    assert {"national_id.es_dni", "payment_card.compact"} <= {r.id for r in ALL_RULES if r.min_digit_run}


@pytest.mark.parametrize(("text", "run"), [("", 0), ("abc", 0), ("a1b22c", 2), ("12 345-6789", 4),
                                           ("\u0663\u0664\u0665", 3), ("1\U00010d402", 3)])
def test_longest_digit_run_counts_digits_as_the_rules_do(text: str, run: int) -> None:
    # Arabic-Indic and Unicode 16 (Garay) digits are \d to the regex module
    assert longest_digit_run(text) == run


def test_a_bad_digit_run_is_a_load_error() -> None:
    rule = dict(_DEMO_RULE, min_digit_run=-1)
    with pytest.raises(PatternError, match=r"'min_digit_run' must be a non-negative integer"):
        parse_family({"family": "demo", "rules": [rule]}, "x.toml")


# characters that tell the standard library's and the regex module's classes apart
# (and a digit of Unicode 16, which only the regex module knows)
_TRICKY = " \t\n\x1c\x1f\xa0\u2003\u200b\u0301\u212a\u017f\U00010d40_-.:@/#?%+'\"<>[]{}"


@st.composite
def _mutated_example(draw: st.DrawFn, rule: Rule) -> str:
    text = draw(st.sampled_from([ex.text for ex in rule.matches]))
    alphabet = sorted(set(text) | set(_TRICKY))
    for _ in range(draw(st.integers(0, 6))):
        pos = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and pos < len(text):
            text = text[:pos] + text[pos + 1:]
        else:
            text = text[:pos] + draw(st.sampled_from(alphabet)) + text[pos:]
    return text


def _single_edits(text: str) -> list[str]:
    """Every text one insertion, substitution or deletion away from ``text`` (characters: its own and tricky ones)."""
    alphabet = sorted(set(text) | set(_TRICKY))
    out = [text[:i] + text[i + 1:] for i in range(len(text))]
    for i in range(len(text) + 1):
        out += [text[:i] + c + text[i:] for c in alphabet]
        out += [text[:i] + c + text[i + 1:] for c in alphabet] if i < len(text) else []
    return out


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.id)
def test_gates_hold_after_any_single_edit_of_a_match_example(rule: Rule) -> None:
    for example in rule.matches:
        for text in _single_edits(example.text):
            if rule.pattern.search(text):
                assert _gates_pass(rule, text), f"{rule.id}: prefilter or digit run misses a match after one edit"


@pytest.mark.parametrize("rule", GATED, ids=lambda r: r.id)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_gates_hold_wherever_the_rule_matches(rule: Rule, data: st.DataObject) -> None:
    text = data.draw(_mutated_example(rule))
    if rule.pattern.search(text):
        assert _gates_pass(rule, text), f"{rule.id}: prefilter or digit run misses a match"


@pytest.mark.parametrize(("source", "first"), [
    (r"[$£€]?\d+([.,]\d+)?(k|m)", r"$\d£€"), (r"d[o0]x{1,3}(ing|)", "d"), (r"(?<![a-z0-9])(?:d[o0]x)(?![a-z0-9])", "d"),
    (r"(a|)c", "ac"), (r"\bfoo", "f"), (r"[\]\-^]x", r"\-\]\^"),
    (r"a?b?", None), (r".x", None), (r"[^a]b", None), (r"(?i:ab)", None), (r"(?i)ab", None), (r"(a)\1", "a"),
])
def test_first_chars(source: str, first: str | None) -> None:
    assert first_chars(source) == first


@functools.lru_cache(maxsize=1)
def _cue_body() -> str:
    from scanner import Scanner

    pattern = Scanner(ScannerConfig(ner="never")).intents._cue.pattern
    assert pattern is not None and pattern.pattern.startswith("(?=[")  # the intent cue uses the check
    return pattern.pattern[pattern.pattern.index("])(?:") + 5:-1]


SOURCES = [r"[$£€]?\d+([.,]\d+)?(k|m)", r"(?<![a-z0-9])(?:d[o0]x{1,3}(ing|))(?![a-z0-9])|\$|₿", r"(a|)c|[\]\-^]x"]


@pytest.mark.parametrize("source", [*SOURCES, "CUE"])
@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="ad0ox$£₿€¥19.,kmi ng'-]^c\n", max_size=30))
def test_first_char_check_finds_what_the_alternation_finds(source: str, text: str) -> None:
    body = _cue_body() if source == "CUE" else source
    first = first_chars(body)
    assert first is not None
    checked = re.compile(f"(?=[{first}])(?:{body})")
    plain = re.compile(body)
    found, expected = checked.search(text), plain.search(text)
    assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize(("source", "expected"), [
    (r"\bfoo|bar", ("bar", "foo")),
    (r"a?bc", ("bc",)),
    (r"(?:x|Y)+z", ("x", "y")),
    (r"\w{2,30}['’]s\s", ("'", "’")),
    (r"(?=x)y", ("y",)),
    (r"(?i)HIS\b", ("his",)),
    (r"\d+", None),  # no literal
    (r"(?:\d|x)y", ("y",)),  # the alternation has a branch without one: the next piece
    ("\u212a", None),  # the Kelvin sign: under (?i) it matches "k"
    (r"a*|b", None),  # a branch can match without a literal
    (r"(", None),
])
def test_required_texts_are_what_every_match_holds(source: str, expected: tuple[str, ...] | None) -> None:
    assert required_texts(source) == expected


SOURCES = [r"(?<![\w@])@?\w{2,30}['’]s\s+(?:new\s+)?(?:number|cell)(?:\s+is)?", r"\b(?:her|his|their)\s+\w+",
           r"(?i)\bCALL\s+me", r"x?(?:ab|cd)+e", r"[.,;]\d"]


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.one_of(
    st.sampled_from(["her", "HIS ", "their", "@jane", "Bo", "'s ", "’s ", "new ", "number", "cell", " is", "CALL",
                     " me", "x", "ab", "cd", "e", ".", ";1", "\n", "İ", "ſ"]),
    st.text(alphabet="abcdehirstxX'’@ .,;1", max_size=3)), max_size=10))
def test_a_text_without_the_required_texts_matches_no_pattern(pieces: list[str]) -> None:
    text = "".join(pieces)
    for source in SOURCES:
        required = required_texts(source)
        assert required is not None
        for flags in (0, re.IGNORECASE):
            if re.search(source, text, flags):
                assert not lacks_required(required, text, text.lower()), (source, text)
    assert not lacks_required(("x",), "\u212a", "\u212a")  # non-ASCII text: never ruled out
