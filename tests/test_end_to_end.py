"""Whole-scanner checks: each type found in realistic posts, and hard negatives left alone."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner import Scanner

GH_TOKEN = "ghp_R4nd0mT0k3nV4lu3Xq8Zp2Lm7Nc5Bv1Kj9Hs"  # made up, right shape

POSITIVES = [
    ("PHONE_NUMBER", "new number, call me at (217) 555-0143", "(217) 555-0143"),
    ("PHONE_NUMBER", "ring me on +44 20 7946 0958 tonight", "+44 20 7946 0958"),
    ("EMAIL_ADDRESS", "write to maria.k@gmail.com", "maria.k@gmail.com"),
    ("EMAIL_ADDRESS", "mail john dot smith at gmail dot com", "john dot smith at gmail dot com"),
    ("EMAIL_ADDRESS", "john[at]protonmail[.]com is his", "john[at]protonmail[.]com"),
    ("STREET_ADDRESS", "she lives at 42 Elm St, Springfield IL 62704 lol", "42 Elm St, Springfield IL 62704"),
    ("GPS_COORDINATES", "she's at 40.748817, -73.985428 right now", "40.748817, -73.985428"),
    ("US_SSN", "his SSN 536-22-9134 was on the form", "536-22-9134"),
    ("CREDIT_CARD", "card 4539 1520 8837 2215 exp 04/27", "4539 1520 8837 2215"),
    ("IBAN_CODE", "send it to GB82 WEST 1234 5698 7654 32", "GB82 WEST 1234 5698 7654 32"),
    ("IP_ADDRESS", "his home ip is 81.2.69.160 lol", "81.2.69.160"),
    ("CRYPTO_WALLET", "tips: bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
    ("DATE_OF_BIRTH", "DOB: 03/14/1987, ask him", "03/14/1987"),
    ("CREDENTIAL", f"export GITHUB_TOKEN={GH_TOKEN}", GH_TOKEN),
]

NEGATIVES = [
    "I ran 5 miles down Main Street today",
    "meeting on 03/14/2024 at 10:30, room 4",
    "scored 3.5, 4.2 and 4.8 in the last three games",
    "version 1.2.3.4 is out, update now",
    "order #4111111111111111 shipped",
    "the pipe leaks again, call a plumber",
    "look at the sky tonight",
]


@pytest.fixture(scope="module")
def scanner_never() -> Scanner:
    from scanner import ScannerConfig

    return Scanner(ScannerConfig(ner="never"))


@pytest.mark.parametrize(("type_", "text", "value"), POSITIVES)
def test_found_with_exact_span(scanner_never: Scanner, type_: str, text: str, value: str) -> None:
    report = scanner_never.scan(text)
    spans = [(f.type, text[f.start:f.end]) for f in report.findings]
    assert (type_, value) in spans


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives(scanner_never: Scanner, text: str) -> None:
    assert scanner_never.scan(text).findings == ()


def test_ip_findings_carry_range_attributes(scanner_never: Scanner) -> None:
    report = scanner_never.scan("router 192.168.0.1 and public 8.8.8.8")
    private, public = report.findings
    assert private.attributes["private"] is True and private.attributes["version"] == 4
    assert public.attributes["global"] is True


ALPHABET = [
    *"abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789@.:/-+()#$_\n'\"",
    *["ghp_", "sk-", "dox", " at ", " dot ", "\u200b", "１", "é", "🙂", "Ave", "St"],
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(ALPHABET), max_size=60).map("".join))
def test_any_text_gives_a_consistent_report(scanner_never: Scanner, text: str) -> None:
    report = scanner_never.scan(text)
    assert report.text == text
    for f in report.findings:
        assert 0 <= f.start < f.end <= len(text)
    for i in report.intents:
        assert 0 <= i.start <= i.end <= len(text)
    assert report.verdict in {"allow", "warn", "review", "block"}
    if not report.findings:
        assert report.redacted_text == text
