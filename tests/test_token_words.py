"""TokenWords: the run-like words a tokenization may hold, a superset found without tokenizing;
and the intent pre-check built on it, which must never skip a post a rule could match."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.intents import IntentDetector
from scanner.token_words import TokenWords, is_run, word_runs

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return spacy.blank("en")


@pytest.fixture(scope="module")
def words(nlp: Any) -> TokenWords:
    return TokenWords(nlp.tokenizer)


def run_tokens(nlp: Any, text: str) -> set[str]:
    return {t.lower_ for t in nlp.make_doc(text) if is_run(t.lower_)}


@pytest.mark.parametrize(("text", "inside"), [
    ("I cannot come", {"can", "not"}),  # a special case splits a run
    ("we're gonna leak it", {"gon", "na"}),
    ("don't do that", {"do"}),  # "don't" -> do | n't: "do" is no run of the text
    ("Y'all know", {"y", "all"}),
    ("meet at 10am", {"10", "am"}),
    ("it is 5km away", {"5", "km"}),  # a unit suffix after a digit
    ("a5km", {"a", "5", "km", "a5", "5km", "a5km"}),
])
def test_split_runs_give_their_pieces(nlp: Any, words: TokenWords, text: str, inside: set[str]) -> None:
    possible = words.possible(text.lower())
    assert inside <= possible
    assert run_tokens(nlp, text) <= possible


@pytest.mark.parametrize(("text", "absent"), [
    ("cancel it", {"can", "not"}),  # no special case: a run stays whole
    ("another note", {"not", "no", "an"}),
    ("the doctor", {"do", "doc"}),
    ("donate now", {"do", "don"}),
])
def test_whole_runs_are_not_split(words: TokenWords, text: str, absent: set[str]) -> None:
    assert absent.isdisjoint(words.possible(text.lower()))


_PIECES = st.sampled_from([
    "can", "not", "cannot", "don't", "won't", "y'all", "gonna", "10am", "5pm", "km", "5", "a5", "x",
    "'s", "n't", "Dox", "DOX", "-", "/", ".", ",", "$", "£", "#", "@", "é", "’", "'", ":)", "https://a.io/b",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PIECES, st.sampled_from(["", " ", "\n"])), max_size=12))
def test_every_run_like_token_is_possible(nlp: Any, words: TokenWords, parts: list[tuple[str, str]]) -> None:
    text = "".join(piece + sep for piece, sep in parts)
    assert run_tokens(nlp, text) <= words.possible(text.lower()), text


def _corpus_texts(detector: IntentDetector) -> list[str]:
    lines = (REPO / "tests" / "data" / "labeled_posts.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    for rule in detector.rules.values():
        texts += [*rule.examples.match, *rule.examples.no_match]
    return texts


def test_the_intent_pre_check_skips_no_post_with_a_candidate_rule(nlp: Any) -> None:
    detector = IntentDetector(REPO / "patterns", nlp)
    required, found, skipped = detector._required, 0, 0
    for text in _corpus_texts(detector):
        lowered = text.lower()
        candidates = required.candidates(detector.tokenize(text), lowered)
        may = required.may_match(lowered, word_runs(lowered), detector._token_words)
        assert may or not candidates, text[:40]
        found += bool(candidates)
        skipped += not may
    assert found > 50 and skipped > 20  # it both keeps and skips
