"""With ``ner="always"`` every post is tokenized once: the intent matcher reads its NER Doc
(``Scanner.doc_intents``) and finds what it finds on its own tokenizer's Doc. With ``"auto"``
NER reads only some sentences (``scanner/ner_scope.py``), so the intent matcher reads the post."""

from __future__ import annotations

from typing import Any

import pytest
import spacy

from scanner import Scanner, ScannerConfig
from scanner.nlp import drop_plain_whitespace_special_cases, load_pipeline, same_tokenizer

POSTS = [
    "I will dox Jane Doe, everyone will see where she lives: 415-555-0199",  # threat and a phone number
    "Name: Olga Krylova\nPhone: (99) 645-791\nI'll leak her address if she doesn't pay",
    "someone post his home address 12 Elm Street, Springfield, IL 62704 so we can visit",
    "call me at 415-555-0199 about the party",  # an identifier, no intent cue
    "I will dox him tonight",  # intent only: the intent matcher tokenizes it itself
    "nothing to see here",
]


def _intents(report: Any) -> list[tuple[str, int, int, str]]:
    return [(i.type, i.start, i.end, i.rule) for i in report.intents]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def test_the_default_pipeline_tokenizes_as_the_intent_matcher(scanner: Scanner) -> None:
    assert scanner.doc_intents is not None
    assert scanner.doc_intents.nlp is scanner.nlp
    blank = spacy.blank("en")
    assert not same_tokenizer(scanner.nlp, blank)  # its white-space special cases are not dropped yet
    drop_plain_whitespace_special_cases(blank)
    assert same_tokenizer(scanner.nlp, blank)


def test_auto_posts_go_through_the_intent_matcher_and_find_the_same_intents(
    scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {post: [(i.type, i.start, i.end, i.rule) for i in scanner.intents.detect(post)] for post in POSTS}
    assert any(expected[p] for p in POSTS[:3]), "the threats must be found"
    calls: list[str] = []
    detect = scanner.intents.detect

    def counted(text: str) -> Any:
        calls.append(text)
        return detect(text)

    monkeypatch.setattr(scanner.intents, "detect", counted)
    for post in POSTS:
        report = scanner.scan(post)
        assert _intents(report) == expected[post], post
        batch = next(iter(scanner.scan_many([post])))
        assert _intents(batch) == expected[post], post
    assert set(calls) == set(POSTS)


def test_ner_always_matches_intents_on_every_post_s_ner_doc(monkeypatch: pytest.MonkeyPatch) -> None:
    scanner = Scanner(ScannerConfig(ner="always"))
    expected = [_intents(scanner.scan(p)) for p in POSTS]
    monkeypatch.setattr(scanner.intents, "detect", lambda text: pytest.fail("tokenized twice"))
    assert [_intents(scanner.scan(p)) for p in POSTS] == expected


def test_a_pipeline_with_another_tokenizer_keeps_the_intent_matcher_s_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from spacy.attrs import ORTH

    scanner = Scanner()
    expected = [_intents(scanner.scan(p)) for p in POSTS]
    other = load_pipeline(scanner.config.spacy_model)
    tokenizer: Any = other.tokenizer
    tokenizer.add_special_case("dox", [{ORTH: "do"}, {ORTH: "x"}])  # splits unlike the blank English one
    assert not same_tokenizer(other, scanner.intents.nlp)
    fresh = Scanner()
    monkeypatch.setattr(fresh, "_nlp", other)
    assert fresh.doc_intents is None
    assert [_intents(fresh.scan(p)) for p in POSTS] == expected
