from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.errors import PatternError
from scanner.rules import count_digits, load_families, parse_family, shannon_entropy

GOOD = {
    "id": "demo.word",
    "type": "DEMO",
    "regex": r"\bsecret\d+\b",
    "confidence": 0.8,
    "examples": {"match": ["a secret42 here"], "no_match": ["nothing"]},
}


def test_valid_family_compiles() -> None:
    fam = parse_family({"family": "demo", "rules": [GOOD]}, "demo.toml")
    assert fam.detector_id == "rules.demo/v1"
    assert fam.rules[0].type == "DEMO"


def test_every_problem_is_listed() -> None:
    bad = {
        "id": "Bad Id",
        "type": "lower",
        "regex": "(unclosed",
        "confidence": 2,
        "flags": ["NOPE"],
        "validators": ["no_such_validator"],
        "filters": ["no_such_filter"],
        "keywords": ["UPPER"],
        "requires_context": True,
        "surprise": 1,
        "examples": {"match": []},
    }
    with pytest.raises(PatternError) as info:
        parse_family({"family": "demo", "rules": [bad], "extra": True}, "bad.toml")
    err = info.value
    text = "\n".join(err.problems)
    for fragment in ["'id'", "'type'", "does not compile", "'confidence'", "unknown flag", "unknown validator",
                     "unknown filter", "lower case", "needs a 'context'", "unknown key 'surprise'",
                     "examples.match and examples.no_match", "unknown top-level key 'extra'"]:
        assert fragment in text
    assert isinstance(err, ValueError)
    assert err.source == "bad.toml"


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    body = """family = "{f}"
[[rules]]
id = "dup.one"
type = "DEMO"
regex = 'x'
confidence = 0.5
examples.match = ["x"]
examples.no_match = ["y"]
"""
    (tmp_path / "a.toml").write_text(body.format(f="a"))
    (tmp_path / "b.toml").write_text(body.format(f="b"))
    with pytest.raises(PatternError, match="more than one file"):
        load_families(tmp_path)


def test_invalid_toml_is_a_pattern_error(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("family = \n")
    with pytest.raises(PatternError, match="not valid TOML"):
        load_families(tmp_path)


def test_value_must_be_in_text() -> None:
    rule = dict(GOOD, examples={"match": [{"text": "abc", "value": "zzz"}], "no_match": []})
    with pytest.raises(PatternError, match="substring"):
        parse_family({"family": "demo", "rules": [rule]}, "x.toml")


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == pytest.approx(2.0)


def test_one_letter_keyword_from_a_context_phrase_is_an_error() -> None:
    # "a/c" would give the keyword "a", which nearly every post contains
    rule = dict(GOOD, requires_context=True, context=["account", "a/c"])
    with pytest.raises(PatternError, match="one-letter word"):
        parse_family({"family": "demo", "rules": [rule]}, "x.toml")
    explicit = dict(rule, keywords=["account", "a/c"])
    assert parse_family({"family": "demo", "rules": [explicit]}, "x.toml").rules[0].keywords == {"account", "a/c"}


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40) | st.text(alphabet="0123456789٣۴०x \ud800\udfff", max_size=20))
def test_count_digits_counts_the_ascii_digits(text: str) -> None:
    """Other scripts' digits and lone surrogates are no ASCII digits."""
    assert count_digits(text) == sum(text.count(d) for d in "0123456789")
