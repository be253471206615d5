from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected", "value"),
    [
        ("mail john dot smith at gmail dot com now", "john.smith@gmail.com", "john dot smith at gmail dot com"),
        ("john[at]gmail[.]com", "john@gmail.com", "john[at]gmail[.]com"),
        ("reach me: bob (at) proton (dot) me!", "bob@proton.me", "bob (at) proton (dot) me"),
        ("Jane.Doe {at} example {dot} org", "Jane.Doe@example.org", "Jane.Doe {at} example {dot} org"),
        ("ana at yahoo.com", "ana@yahoo.com", "ana at yahoo.com"),
        ("call ０２０ ７９４６ ０９５８", "020 7946 0958", "０２０ ７９４６ ０９５８"),
        ("ssn 078\u200b-05-\u00ad1120", "078-05-1120", "078\u200b-05-\u00ad1120"),
        ("رقمي ٠٧٨-٠٥-١١٢٠ شكرا", "078-05-1120", "٠٧٨-٠٥-١١٢٠"),  # Arabic-Indic digits (NFKC keeps them)
        ("फ़ोन ०२० ७९४६ ०९५८", "020 7946 0958", "०२० ७९४६ ०९५८"),  # Devanagari digits
    ],
)
def test_normalised_value_maps_back_to_what_was_typed(text: str, expected: str, value: str) -> None:
    norm = normalize(text)
    start = norm.text.index(expected)
    s, e = norm.span(start, start + len(expected))
    assert text[s:e] == value


@pytest.mark.parametrize(
    "text",
    ["look at the sky", "meet at 5 dot matrix", "I'm at home", "at dot at dot", "point at example.com"],
)
def test_prose_with_at_and_dot_is_not_rewritten(text: str) -> None:
    assert normalize(text).text == text


def test_ascii_fast_path_is_identity() -> None:
    norm = normalize("plain ascii text 123")
    assert norm.is_identity
    assert norm.span(6, 11) == (6, 11)


def test_repr_does_not_leak_text() -> None:
    assert "secret" not in repr(normalize("my secret\u200b text"))


@given(st.text(alphabet=st.sampled_from(list("ab .@[]()at dot\u200b\u00adＡ１é\n")), max_size=60))
def test_spans_are_always_within_the_original(text: str) -> None:
    norm = normalize(text)
    n = len(norm.text)
    for start in range(n + 1):
        for end in range(start, min(n, start + 5) + 1):
            s, e = norm.span(start, end)
            assert 0 <= s <= e <= len(text)


@given(st.text(max_size=80))
def test_normalisation_never_fails_and_is_monotonic(text: str) -> None:
    norm = normalize(text)
    previous = 0
    for i in range(len(norm.text)):
        s, _ = norm.span(i, i + 1)
        assert s >= previous
        previous = s


obfuscation_parts = st.sampled_from([
    "john", "smith", "j.smith", "at", "AT", " at ", " dot ", "dot", "[at]", "(at)", "{ @ }", "<dot>", "[.]", ".",
    "gmail", "yahoo", "com", "org", "co.uk", "the", "meet", "me", "7pm", " ", "  ", "\n", "@", "-", "_",
])


@given(st.lists(obfuscation_parts, max_size=14))
def test_the_cheap_cue_skips_no_text_the_rewrite_would_change(parts: list[str]) -> None:
    from scanner.normalize import _deobfuscate_emails, _rewrite_obfuscated_emails

    text = " ".join(parts) if len(parts) % 2 else "".join(parts)
    cued, full = _deobfuscate_emails(text), _rewrite_obfuscated_emails(text)
    assert (cued is None and full is None) or (cued is not None and full is not None and cued[0] == full[0])


def test_the_cheap_cue_passes_every_obfuscation_form() -> None:
    from scanner.normalize import _deobfuscate_emails

    for text in ["john [at] gmail [dot] com", "john at gmail dot com", "john at gmail.com", "j(at)example.org",
                 "jane at example [.] com"]:
        rewritten = _deobfuscate_emails(text)
        assert rewritten is not None and "@" in rewritten[0], text
    assert _deobfuscate_emails("meet me at the park at 7pm. see you there") is None


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=1, max_size=20))
def test_every_decimal_digit_becomes_its_ascii_digit(digits: str) -> None:
    import unicodedata

    assert normalize(digits).text == "".join(str(unicodedata.decimal(d)) for d in digits)


def test_identifiers_in_other_scripts_digits_are_found_and_redacted() -> None:
    from scanner import Scanner

    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    scanner = Scanner()
    for text, typ in [("my card 4539 1488 0343 6467 thanks", "CREDIT_CARD"), ("my ssn is 536-22-4179 ok", "US_SSN")]:
        report = scanner.scan(text.translate(arabic))
        assert [f.type for f in report.findings] == [typ]
        assert report.redacted_text == scanner.scan(text).redacted_text
