"""Redaction: placeholders at exact offsets, overlaps merged, offsets mapped both ways."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.findings import Finding
from scanner.redact import redact, redact_with_map


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int


def test_single_finding() -> None:
    text = "call me at 415-867-5309 ok"
    assert redact(text, [Finding("PHONE_NUMBER", 11, 23, 0.9, "t")]) == "call me at [PHONE_NUMBER] ok"


def test_no_findings_returns_the_text() -> None:
    assert redact("hello", []) == "hello"


def test_adjacent_spans_keep_two_placeholders() -> None:
    assert redact("abcdef", [Span("A", 0, 3), Span("B", 3, 6)]) == "[A][B]"


def test_overlapping_spans_merge_into_the_widest() -> None:
    text = "mail bob.smith@example.com now"
    spans = [Span("EMAIL_ADDRESS", 5, 26), Span("PERSON", 5, 14)]
    assert redact(text, spans) == "mail [EMAIL_ADDRESS] now"
    assert redact("abcdefgh", [Span("X", 0, 4), Span("Y", 2, 8)]) == "[Y]"


def test_order_of_findings_does_not_matter() -> None:
    spans = [Span("B", 6, 9), Span("A", 0, 3)]
    assert redact("abc - def", spans) == redact("abc - def", list(reversed(spans))) == "[A] - [B]"


def test_empty_spans_are_ignored_and_bad_spans_raise() -> None:
    assert redact("abc", [Span("A", 1, 1)]) == "abc"
    with pytest.raises(ValueError) as info:
        redact("secret", [Span("A", 2, 99)])
    assert "secret" not in str(info.value)


def test_offset_map() -> None:
    text = "ssn 536-22-8147 and 12 Main St"
    redaction = redact_with_map(text, [Span("US_SSN", 4, 15), Span("STREET_ADDRESS", 20, 30)])
    assert redaction.text == "ssn [US_SSN] and [STREET_ADDRESS]"
    assert redaction.to_redacted(16) == redaction.text.index("and")
    assert redaction.to_original(redaction.text.index("and")) == 16
    assert redaction.to_redacted(7) == 4  # inside a span: the placeholder's start
    assert redaction.to_original(6) == 4  # inside a placeholder: the span's start


_TYPES = st.sampled_from(["PHONE_NUMBER", "EMAIL_ADDRESS", "PERSON", "US_SSN", "X"])


@st.composite
def text_and_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    text = draw(st.text(min_size=0, max_size=60))
    n = len(text)
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(a, n))
        spans.append(Span(draw(_TYPES), a, b))
    return text, spans


def _covered(spans: list[Span], n: int) -> list[bool]:
    mask = [False] * n
    for s in spans:
        for i in range(s.start, s.end):
            mask[i] = True
    return mask


@given(text_and_spans())
def test_text_outside_spans_is_kept_in_order(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    redaction = redact_with_map(text, spans)
    mask = _covered(spans, len(text))
    for i, ch in enumerate(text):
        if not mask[i]:
            j = redaction.to_redacted(i)
            assert redaction.text[j] == ch
            assert redaction.to_original(j) == i


@given(text_and_spans())
def test_placeholders_sit_at_the_mapped_offsets(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    redaction = redact_with_map(text, spans)
    previous_end = -1
    for r in redaction.replacements:
        assert redaction.text[r.new_start:r.new_end] == r.placeholder
        assert r.start >= previous_end  # disjoint, ordered (adjacent allowed)
        previous_end = r.end
    kept = sum(1 for covered in _covered(spans, len(text)) if not covered)
    assert len(redaction.text) == kept + sum(len(r.placeholder) for r in redaction.replacements)


@given(text_and_spans())
def test_every_covered_character_is_replaced(case: tuple[str, list[Span]]) -> None:
    text, spans = case
    redaction = redact_with_map(text, spans)
    mask = _covered(spans, len(text))
    covered = [False] * len(text)
    for r in redaction.replacements:
        for i in range(r.start, r.end):
            covered[i] = True
    assert covered == mask
