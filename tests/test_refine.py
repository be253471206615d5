from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.findings import Finding, Hit
from scanner.refine import _window_sides, _words, resolve_overlaps, score


# The reference for score's context check: the joined window searched with a regex of the phrases.
def context_window(text: str, start: int, end: int, n_words: int) -> str:
    """The words on both sides of the hit, lower-cased, a marker between the sides."""
    before, after = _window_sides(text, start, end, n_words)
    return " ".join(before) + " \x00 " + " ".join(after)


def has_context(phrases: tuple[str, ...], window: str) -> bool:
    """Whether one of ``phrases`` occurs as whole words in a window from :func:`context_window`."""
    cleaned = sorted({" ".join(_words(p)) for p in phrases} - {""}, key=len, reverse=True)
    alternatives = "|".join(regex.escape(p) for p in cleaned)
    return bool(cleaned) and regex.search(rf"(?<![^ ])(?:{alternatives})(?![^ ])", window) is not None


def hit(start: int, end: int, conf: float = 0.4, **kw: object) -> Hit:
    return Hit("DEMO", start, end, conf, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("license number A1234567", True),  # before
        ("A1234567 is my license", True),  # after
        ("my driver's license: A1234567", True),
        ("duplicate A1234567", False),  # substring 'lic' must not count
        ("licensed A1234567", False),  # whole words only
    ],
)
def test_context_is_whole_words_on_both_sides(text: str, expected: bool) -> None:
    start = text.index("A1234567")
    window = context_window(text, start, start + 8, 6)
    assert has_context(("license", "lic", "driver's license"), window) is expected


def test_context_raises_and_negative_context_lowers() -> None:
    text = "ssn 078-05-1121"
    assert score(hit(4, 15, context=("ssn",)), text, 0.35) == pytest.approx(0.75)
    assert score(hit(4, 15, 0.7, negative_context=("ssn",)), text, 0.35) == pytest.approx(0.35)


def test_required_context_drops_hit_without_it() -> None:
    assert score(hit(0, 5, context=("passport",), requires_context=True), "X1234 is here", 0.35) is None


def test_context_window_limits_distance() -> None:
    text = "passport " + "word " * 10 + "X1234567"
    start = text.index("X1234567")
    assert score(hit(start, start + 8, context=("passport",), requires_context=True, context_window=6), text,
                 0.35) is None


def f(type_: str, start: int, end: int, conf: float) -> Finding:
    return Finding(type_, start, end, conf, "test/v1")


def test_enclosing_finding_wins() -> None:
    out = resolve_overlaps([f("STREET_ADDRESS", 0, 30, 0.6), f("PERSON", 5, 20, 0.9)])
    assert [x.type for x in out] == ["STREET_ADDRESS"]


def test_same_span_keeps_higher_confidence() -> None:
    out = resolve_overlaps([f("PHONE_NUMBER", 0, 16, 0.6), f("CREDIT_CARD", 0, 16, 0.95)])
    assert [x.type for x in out] == ["CREDIT_CARD"]


def test_partial_overlap_keeps_higher_confidence_then_longer() -> None:
    assert [x.type for x in resolve_overlaps([f("A", 0, 10, 0.9), f("B", 5, 20, 0.6)])] == ["A"]
    assert [x.type for x in resolve_overlaps([f("A", 0, 10, 0.6), f("B", 5, 20, 0.6)])] == ["B"]


def test_disjoint_findings_are_all_kept_in_order() -> None:
    out = resolve_overlaps([f("B", 20, 25, 0.5), f("A", 0, 5, 0.5)])
    assert [(x.start, x.type) for x in out] == [(0, "A"), (20, "B")]


def test_ascii_words_are_the_regex_words() -> None:
    from scanner.refine import _WORD, _words

    every_ascii = "".join(map(chr, range(128)))
    for text in (every_ascii, every_ascii[::-1], "Don't CALL me_2 at 555-0100, o'Brien!", " ", ""):
        assert _words(text) == [w.lower() for w in _WORD.findall(text)]


_PHRASES = ("ssn", "social security", "social security number", "my", "don't call", "x y z", "é", "STRASSE no")
_WORDS = ("ssn", "SSN", "social", "Security", "number", "my", "don't", "Don’t", "call", "x", "y", "z", "é", "É",
          "strasse", "no", "İ", "HIT", "1234", "")
_GAPS = (" ", "  ", ", ", ". ", "\n", "-", "'", "")


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_GAPS)).map("".join), max_size=30),
       n_words=st.integers(0, 8), phrases=st.lists(st.sampled_from(_PHRASES), max_size=4).map(tuple))
def test_score_finds_what_has_context_finds(pieces: list[str], n_words: int, phrases: tuple[str, ...]) -> None:
    """score looks phrases up in the window's word lists; has_context searches the joined window."""
    from scanner.refine import _phrase_words

    text = "".join(pieces) + "HIT " + "".join(reversed(pieces))
    start = text.index("HIT")
    window = context_window(text, start, start + 3, n_words)
    assert _phrase_words(phrases).occur(_window_sides(text, start, start + 3, n_words)) is has_context(phrases, window)
