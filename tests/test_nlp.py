"""Pipeline loading: the tokenizer without its plain white-space special cases tokenizes the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
import spacy.attrs as attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokenizer import Tokenizer

from benchmarks import datasets
from scanner import Scanner
from scanner.nlp import drop_plain_whitespace_special_cases

COLUMNS = [attrs.ORTH, attrs.NORM, attrs.LOWER, attrs.SHAPE, attrs.PREFIX, attrs.SUFFIX, attrs.IS_SPACE,
           attrs.SPACY, attrs.LIKE_NUM, attrs.IS_PUNCT, attrs.LENGTH]
ORIGINAL = spacy.blank("en")
FIXED = spacy.blank("en")
drop_plain_whitespace_special_cases(FIXED)


def rules(nlp: Any) -> dict[str, Any]:
    """The tokenizer's special cases (``nlp.tokenizer`` is typed as any callable)."""
    tokenizer: Tokenizer = nlp.tokenizer
    return dict(tokenizer.rules or {})


def same_tokens(text: str) -> bool:
    a, b = ORIGINAL.make_doc(text), FIXED.make_doc(text)
    return [t.text_with_ws for t in a] == [t.text_with_ws for t in b] and bool((a.to_array(COLUMNS)
                                                                               == b.to_array(COLUMNS)).all())


def test_only_the_plain_white_space_special_cases_are_dropped() -> None:
    removed = set(rules(ORIGINAL)) - set(rules(FIXED))
    assert removed == {"\n", "\t", " "}
    assert "\xa0" in rules(FIXED)  # it sets a NORM: kept
    assert set(rules(FIXED)) < set(rules(ORIGINAL))
    before = rules(FIXED)
    drop_plain_whitespace_special_cases(FIXED)
    assert rules(FIXED) == before


def test_the_scanners_pipelines_use_the_tokenizer_without_them(scanner: Scanner) -> None:
    assert "\n" not in rules(scanner.nlp)
    assert "\n" not in rules(scanner.intents._nlp)


def test_corpus_texts_tokenize_the_same(shared_data: Path) -> None:
    texts = [r.text for r in datasets.load_presidio_synth(shared_data)]
    texts += [r.text for r in datasets.load_btc(shared_data, "a")]
    multi_line = [t for t in texts if "\n" in t or "  " in t]
    assert len(multi_line) > 200
    assert all(same_tokens(t) for t in texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Phone:", "\n", "\n\n", " ", "  ", "\t", "\xa0", "a", "E-mail", "2548", ":)",
                                 "U.S.", "don't", "(", ")", "@x", "http://a.b/c", "\r\n", " \n "]),
                max_size=30))
def test_white_space_heavy_text_tokenizes_the_same(parts: list[Any]) -> None:
    assert same_tokens("".join(parts))
