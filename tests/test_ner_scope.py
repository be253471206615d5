"""With ner="auto", NER reads the sentences where a name matters (scanner/ner_scope.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scanner import Scanner, ScannerConfig
from scanner.ner_scope import ner_sentences


def _any_word(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_the_sentences_of_identifiers_and_anchors_are_kept() -> None:
    text = "Hello there. Call Ana at 555-0101. Nice day!\nSee you"
    phone = text.index("555-0101")
    assert _texts(text, ner_sentences(text, [(phone, phone + 8)], [], _any_word)) == [" Call Ana at 555-0101."]
    see = text.index("See")
    assert _texts(text, ner_sentences(text, [(phone, phone + 8)], [see], _any_word)) == [
        " Call Ana at 555-0101.", "See you"]
    assert ner_sentences(text, [], [], _any_word) == []


def test_a_sentence_is_read_only_when_the_words_beside_its_identifiers_may_hold_a_name() -> None:
    text = "Name: Ana Lima\nPhone: 555-0101\n12 Elm Street\nSpringfield"
    phone = text.index("555-0101")
    street = text.index("12 Elm")
    identifiers = [(phone, phone + 8), (street, len(text))]  # the address runs on to the next line
    seen: list[str] = []

    def check(words: str) -> bool:
        seen.append(words)
        return "Phone" not in words

    # the address's first line holds nothing beside it: no check; the phone's line fails the check
    assert ner_sentences(text, identifiers, [], check) == []
    assert seen == ["Phone:  \n"]  # the pieces beside the number, joined by a space


def test_the_person_detector_s_check_needs_a_word_that_may_be_a_name() -> None:
    scanner = Scanner()
    (person,) = [d for d in scanner.detectors if d.id == "pii.person/v1"]
    for words in ["Phone: ", "I am at the ", "Please call me at  tomorrow", "Suite  , Apt ", "It's at ",
                  "I once lived in ", "Don't call me at ", "Here's my SSN: ", "Card Number: "]:
        assert not person.may_fire_beside(words), words
    # with capitals, a capitalised word; without any, any word that is not ruled out
    for words in ["Call Ana at ", "ana's number: ", "Erik Baader, clerk ", "Ana's number: ", "send it to bob at "]:
        assert person.may_fire_beside(words), words


CARD = "Leigha Mackay\nclerk\nPhone: 032 288 79 44"
LINKED = "Call John Smith on 415-555-0199 tonight."


def _names(report: Any) -> list[str]:
    return [report.text[f.start:f.end] for f in report.findings if f.type == "PERSON"]


@pytest.fixture(scope="module")
def scanners() -> dict[str, Scanner]:
    return {mode: Scanner(ScannerConfig(ner=mode)) for mode in ("auto", "always")}


def test_auto_reads_the_phone_s_sentence_only(scanners: dict[str, Scanner]) -> None:
    auto, always = scanners["auto"].scan(CARD), scanners["always"].scan(CARD)
    assert _names(always) == ["Leigha Mackay"]
    assert _names(auto) == []  # on another line: the policy does not link it to the number
    assert [f.type for f in auto.findings] == ["PHONE_NUMBER"]
    assert auto.verdict == always.verdict


def test_auto_finds_the_name_that_links_to_an_identifier(scanners: dict[str, Scanner]) -> None:
    for mode in ("auto", "always"):
        report = scanners[mode].scan(LINKED)
        assert _names(report) == ["John Smith"], mode
        assert report.verdict == "review", mode  # a named person's phone number
        assert any(s.type == "TARGET" for s in report.signals), mode


def test_scan_and_scan_many_read_the_same_sentences(scanners: dict[str, Scanner]) -> None:
    auto = scanners["auto"]
    posts = [CARD, LINKED, "nothing here", "I will dox Jane Doe tonight. She deserves it."]
    assert [r.to_dict() for r in auto.scan_many(posts)] == [auto.scan(p).to_dict() for p in posts]


def test_auto_runs_no_ner_when_no_sentence_needs_it(
    scanners: dict[str, Scanner], monkeypatch: pytest.MonkeyPatch
) -> None:
    auto = scanners["auto"]
    _ = auto.ner_engine
    monkeypatch.setattr(auto, "_ner", None)  # loading it again would be a call: fail instead

    def no_engine(self: Any) -> None:
        raise AssertionError("NER ran")

    monkeypatch.setattr(Scanner, "ner_engine", property(no_engine))
    report = auto.scan("Phone: 032 288 79 44")
    assert [f.type for f in report.findings] == ["PHONE_NUMBER"]
