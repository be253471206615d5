"""Bounded spaCy vocabularies (``VocabBudget``, ``vocab_limit``, ``freeze_vocabulary``) and the
NER pipeline's pruned lexeme attributes: memory stays bounded and reports stay the same."""

from __future__ import annotations

import random
import string
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import spacy
import spacy.attrs as attrs

from scanner import Scanner, ScannerConfig
from scanner.errors import ConfigError
from scanner.nlp import VocabBudget, load_pipeline


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(8)).title()


def unique_posts(n: int, seed: int = 0) -> list[str]:
    """Contact cards and threats whose names, numbers and addresses no earlier post used.

    Threats without an identifier are tokenized by the intent matcher's own pipeline; posts
    with one by the NER pipeline alone (the intent matcher reads their NER Doc)."""
    rng = random.Random(seed)
    posts = []
    for i in range(n):
        first, last = _word(rng), _word(rng)
        phone = f"{rng.randint(200, 989)}-{rng.randint(200, 989)}-{rng.randint(1000, 9999)}"
        if i % 4 == 0:
            posts.append(f"{first} {last}\nPhone: {phone}\nE-mail: {first.lower()}{i}@example.org\n"
                         f"Address: {rng.randint(1, 9999)} {last} Street, Springfield, IL 62704")
        elif i % 4 == 1:
            posts.append(f"I will dox {first} {last}, everyone will see where {first} lives: {phone}")
        elif i % 4 == 2:
            others = " ".join(_word(rng) for _ in range(6))
            posts.append(f"I will dox {first} {last} and {others}, everyone will see where they live")
        else:
            posts.append(f"call {first} at {phone} about the {_word(rng).lower()} party")
    return posts


def reports(scanner: Scanner, posts: list[str]) -> list[dict[str, Any]]:
    return [scanner.scan(p).to_dict() for p in posts]


def test_under_the_limit_new_words_stay_and_over_it_they_are_freed() -> None:
    nlp = spacy.blank("en")
    budget = VocabBudget(nlp, len(nlp.vocab) + 100)
    with budget.session(20):
        nlp.make_doc("alpha beta gamma")
    kept = budget.lexemes
    assert "gamma" in nlp.vocab.strings and kept == len(nlp.vocab)
    for i in range(50):  # 50 * 3 new words would pass the limit: later sessions free theirs
        with budget.session(40):
            doc = nlp.make_doc(f"zq{i}a zq{i}b zq{i}c")
            assert doc[0].text == f"zq{i}a"  # usable inside the session
        assert budget.lexemes <= budget.limit
    assert "zq49c" not in nlp.vocab.strings and "gamma" in nlp.vocab.strings
    budget.freeze()
    assert budget.limit == budget.lexemes
    with budget.session(10):
        nlp.make_doc("omega")
    assert "omega" not in nlp.vocab.strings and budget.lexemes == budget.limit


def test_a_small_vocab_limit_bounds_both_vocabularies_and_changes_no_report() -> None:
    posts = unique_posts(150)
    unlimited = Scanner()
    small = Scanner(ScannerConfig(vocab_limit=1000))  # ~840 at load
    assert reports(small, posts) == reports(unlimited, posts)
    assert unlimited.ner_budget.lexemes > 1000 >= small.ner_budget.lexemes
    assert small.intents.budget is not None and unlimited.intents.budget is not None
    assert small.intents.budget.lexemes <= 1000 < unlimited.intents.budget.lexemes
    batch = [r.to_dict() for r in small.scan_many(posts, batch_size=8)]
    assert batch == reports(unlimited, posts)


def test_a_frozen_scanner_learns_no_word_and_reports_the_same() -> None:
    posts = unique_posts(30, seed=1)
    plain, frozen = Scanner(), Scanner()
    frozen.scan(posts[0])
    frozen.freeze_vocabulary()
    ner_before, intents_before = frozen.ner_budget.lexemes, frozen.intents.budget.lexemes  # type: ignore[union-attr]
    rows_before = len(frozen.ner_engine._first_index)  # type: ignore[attr-defined]  # the fused NER's word table
    assert reports(frozen, posts) == reports(plain, posts)
    assert frozen.ner_budget.lexemes == ner_before
    assert len(frozen.ner_engine._first_index) == rows_before  # type: ignore[attr-defined]
    assert frozen.intents.budget.lexemes == intents_before  # type: ignore[union-attr]
    never = Scanner(ScannerConfig(ner="never"))  # freezing before the model loads freezes it on load
    never.freeze_vocabulary()
    assert never.ner_budget.limit == never.ner_budget.lexemes


def test_threads_sharing_a_scanner_over_its_limit_get_the_same_reports() -> None:
    posts = unique_posts(60, seed=2)
    expected = reports(Scanner(), posts)
    small = Scanner(ScannerConfig(vocab_limit=1000))
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(lambda p: small.scan(p).to_dict(), posts)) == expected


def test_new_words_get_the_lexeme_attributes_ner_reads_as_a_full_pipeline_gives_them() -> None:
    scanner = Scanner()
    _ = scanner.ner_engine  # prunes the lexeme attribute functions
    vocab: Any = scanner.nlp.vocab
    # the NER model's features, and what the intent patterns read (they also match on NER Docs)
    assert set(vocab.lex_attr_getters) == {attrs.NORM, attrs.PREFIX, attrs.SUFFIX, attrs.SHAPE, attrs.IS_SPACE,
                                           *scanner.intents.lexeme_attributes} - {attrs.LENGTH}
    full = load_pipeline(scanner.config.spacy_model)
    columns = [attrs.ORTH, attrs.NORM, attrs.PREFIX, attrs.SUFFIX, attrs.SHAPE, attrs.IS_SPACE,
               attrs.LOWER, attrs.IS_ALPHA, attrs.IS_TITLE, attrs.LENGTH]
    for post in [*unique_posts(30, seed=3), "Ünïcode Straße 12\n\t 🙂 x@y.z https://a.b/c?d=1 O'Neil-Smith"]:
        ours, theirs = scanner.nlp.make_doc(post), full.make_doc(post)
        assert (ours.to_array(columns) == theirs.to_array(columns)).all()
        ents = [(e.start_char, e.end_char, e.label_) for e in scanner.ner_engine(post).ents]
        assert ents == [(e.start_char, e.end_char, e.label_) for e in full(post).ents]


def test_vocab_limit_is_checked() -> None:
    with pytest.raises(ConfigError, match="vocab_limit"):
        ScannerConfig(vocab_limit=-1)
    with pytest.raises(ConfigError, match="vocab_limit"):
        ScannerConfig.from_mapping({"vocab_limit": "many"})
    assert ScannerConfig.from_mapping({"vocab_limit": 10}).vocab_limit == 10


def test_the_intent_tokenizer_keeps_every_attribute_its_patterns_read_and_finds_the_same_intents() -> None:
    import json
    from pathlib import Path

    from scanner.intents import IntentDetector
    from scanner.nlp import drop_plain_whitespace_special_cases

    scanner = Scanner()
    vocab: Any = scanner.intents._nlp.vocab  # the scanner's own blank pipeline, pruned
    named = {key for patterns in scanner.intents._patterns.values() for p in patterns for token in p for key in token}
    full_blank = spacy.blank("en")
    drop_plain_whitespace_special_cases(full_blank)
    full_getters: Any = full_blank.vocab
    needed = {attrs.IDS[k] for k in named if k in attrs.IDS} | {attrs.LOWER, attrs.IS_ALPHA}
    assert set(vocab.lex_attr_getters) == needed & set(full_getters.lex_attr_getters)
    assert attrs.LIKE_NUM not in vocab.lex_attr_getters  # pruned: no pattern reads it
    reference = IntentDetector(scanner.config.patterns_dir, full_blank)
    lines = (Path(__file__).parent / "data" / "labeled_posts.jsonl").read_text(encoding="utf-8").splitlines()
    posts = [json.loads(line)["text"] for line in lines if line.strip()] + unique_posts(60, seed=4)
    assert any(reference.detect(p) for p in posts)
    assert [scanner.intents.detect(p) for p in posts] == [reference.detect(p) for p in posts]
