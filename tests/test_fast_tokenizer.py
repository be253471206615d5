"""The faster tokenizer regexes and lexeme getters give spaCy's tokens and attributes exactly."""

from __future__ import annotations

import pickle
import re
from pathlib import Path
from typing import Any

import pytest
import spacy
import spacy.attrs as attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import datasets
from scanner import Scanner
from scanner.affix_regex import AnchoredSearch, GatedFinditer, GatedMatch, split_alternatives
from scanner.config import DEFAULT_SPACY_MODEL
from scanner.lexeme_attrs import fast_getter
from scanner.nlp import drop_plain_whitespace_special_cases, use_fast_tokenizer

ENGLISH: Any = spacy.blank("en").tokenizer
PREFIX, SUFFIX = ENGLISH.prefix_search.__self__, ENGLISH.suffix_search.__self__
INFIX, URL = ENGLISH.infix_finditer.__self__, ENGLISH.url_match.__self__
FAST_PREFIX, FAST_SUFFIX = AnchoredSearch(PREFIX, "start"), AnchoredSearch(SUFFIX, "end")
FAST_INFIX, FAST_URL = GatedFinditer(INFIX), GatedMatch(URL)

# characters the English affix patterns name (units, currencies, quotes, dashes, symbols), with
# letters, digits and white space around them
AFFIX_CHARS = list(".,;:!?'\"`’‘”“«»()[]{}<>-–—~_#*&%$€£¥+^=/\\@…°²³µ©®™|§") + list("sSkmgtKMGTdhabrnzFCcfx") + \
    list("0123456789 \n\t") + ["км", "м", "كم", "’s", "'s", "US$", "..", "...", "http://", ".com", "١", "٪"]
HARD_WORDS = ["", "a", "A", "ǅ", "ǅemal", "ǈ", "Straße", "ß", "İstanbul", "ΣΑΣ", "e\u0301", "E\u0301\u0301", "é",
              "١٢٣", "५६", "²", "Ⅻ", "ⅻ", "ﬁ", "aaaaaaaa", "AAAAAaaaaa", "12345678", ".....", "-----", "\n\n\n\n\n\n",
              " ", "\xa0", "x" * 99, "x" * 100, "X" * 150, "é" * 120, "colour", "Colour", "COLOUR", "favourite", "’s",
              "'s", "—", "…", "US$", "NOUN", "nsubj", "PERSON", "IS_ALPHA", "ErikBaader@teleworm.us", "4233-6306",
              "😀", "a😀b", "\x00", "Abcde", "Xyzwv", "AbCdE", "a1b2c3", "0594", "Hlíðarvegur", "O'Neil",
              "\ud800", "a\udfffb", "Ölçü", "Ölçü" * 30]
TEXTS = st.one_of(st.text(max_size=20), st.lists(st.sampled_from(AFFIX_CHARS), max_size=10).map("".join),
                  st.sampled_from(HARD_WORDS))


def span(found: re.Match[str] | None) -> tuple[int, int] | None:
    return None if found is None else found.span()


@settings(max_examples=2000, deadline=None)
@given(TEXTS)
def test_the_english_affix_regexes_find_what_spacy_s_find(text: str) -> None:
    assert span(FAST_SUFFIX.search(text)) == span(SUFFIX.search(text))
    assert span(FAST_PREFIX.search(text)) == span(PREFIX.search(text))
    assert [m.span() for m in FAST_INFIX.finditer(text)] == [m.span() for m in INFIX.finditer(text)]
    assert span(FAST_URL.match(text)) == span(URL.match(text))


def test_the_english_regexes_are_narrowed() -> None:
    assert FAST_SUFFIX.search("Baader") is None and FAST_PREFIX.search("Baader") is None
    assert FAST_URL.required == (".",)
    assert {"-", ".", ",", "/", "…"} <= FAST_INFIX.first and not FAST_INFIX.first & set("azAZ09")
    assert span(FAST_SUFFIX.search("12km")) == (2, 4) and span(FAST_SUFFIX.search("x.\n")) == (1, 2)


def test_alternatives_split_at_the_top_level_only() -> None:
    assert split_alternatives(r"a|b(c|d)|[|]|\||[]|]x|[^]|]|(?:e|(f|g))$") == [
        "a", "b(c|d)", "[|]", r"\|", "[]|]x", "[^]|]", "(?:e|(f|g))$"]
    assert split_alternatives("") == [""]


TOY_SUFFIXES = r"ez?$|a$|b|[xy]z$|(?:c|dd)$|\.\.+$|(?<=[0-9])k$|\w$|q\Z"
TOY_PREFIXES = r"^k?b|^a|^[bc]d|e|^(?=x)x+|^\d|\Aq"


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="abcdxyzqk.\n0e", max_size=8))
def test_any_anchored_regex_searches_the_same(text: str) -> None:
    suffixes, prefixes = re.compile(TOY_SUFFIXES), re.compile(TOY_PREFIXES)
    assert span(AnchoredSearch(suffixes, "end").search(text)) == span(suffixes.search(text))
    assert span(AnchoredSearch(prefixes, "start").search(text)) == span(prefixes.search(text))
    required = re.compile(r"^(?:ab|cb)(?=\w)x*\.(?!z)$")
    assert GatedMatch(required).required == (".", "b")
    assert span(GatedMatch(required).match(text)) == span(required.match(text))
    infixes = re.compile(r"(?<=a)[.,]|dd+|x(?=y)|\.\.+")
    assert [m.span() for m in GatedFinditer(infixes).finditer(text)] == [m.span() for m in infixes.finditer(text)]


@pytest.mark.parametrize("make", [
    lambda: AnchoredSearch(re.compile("(a)$|b$"), "end"),  # groups would be renumbered
    lambda: AnchoredSearch(re.compile("^a|^b", re.IGNORECASE), "start"),
    lambda: AnchoredSearch(re.compile("^a|^b", re.MULTILINE), "start"),
    lambda: AnchoredSearch(re.compile("^a | ^b", re.VERBOSE), "start"),
    lambda: GatedFinditer(re.compile("a|b?")),  # may match nothing
    lambda: GatedFinditer(re.compile(r"a|\w")),
])
def test_regexes_the_wrappers_cannot_read_are_refused(make: Any) -> None:
    with pytest.raises(ValueError):
        make()


@pytest.fixture(scope="module")
def model_getters() -> dict[int, Any]:
    """spaCy's own lexical attribute getters of the default model (norm table included)."""
    nlp = spacy.load(DEFAULT_SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler",
                                                   "lemmatizer", "ner"])
    vocab: Any = nlp.vocab  # spaCy's stubs leave lex_attr_getters out
    getters: dict[int, Any] = vocab.lex_attr_getters
    return getters


def test_the_known_getters_are_replaced(model_getters: dict[int, Any]) -> None:
    for attr in (attrs.NORM, attrs.SHAPE, attrs.LOWER, attrs.IS_ALPHA, attrs.IS_TITLE, attrs.IS_SPACE):
        assert fast_getter(model_getters[attr]) is not model_getters[attr], attr
    assert fast_getter(model_getters[attrs.NORM])("colour") == "color"


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_the_getters_return_what_spacy_s_return(model_getters: dict[int, Any], text: str) -> None:
    for attr, getter in model_getters.items():
        assert outcome(fast_getter(getter), text) == outcome(getter, text), (attr, text)


def outcome(getter: Any, text: str) -> tuple[Any, ...]:
    """A getter's value and its type, or the type of the exception it raised."""
    try:
        value = getter(text)
    except (IndexError, UnicodeError) as exc:  # PREFIX of "", a string hash of a lone surrogate
        return ("raised", type(exc))
    return (value, type(value))


def test_hard_words_get_spacy_s_attributes(model_getters: dict[int, Any]) -> None:
    fast = {attr: fast_getter(getter) for attr, getter in model_getters.items()}
    for _ in range(2):  # the second time from the shape memo
        for word in HARD_WORDS[1:]:
            assert all(outcome(fast[a], word) == outcome(model_getters[a], word) for a in model_getters), word


def key(doc: Any) -> list[tuple[Any, ...]]:
    return [(t.text, t.whitespace_, t.norm_, t.shape_, t.lower_, t.prefix_, t.suffix_, t.is_alpha, t.is_title,
             t.is_space, t.like_num, t.is_punct) for t in doc]


def test_corpus_texts_get_the_same_tokens_and_attributes(shared_data: Path, scanner: Scanner) -> None:
    texts = [r.text for r in datasets.load_presidio_synth(shared_data)][:1500]
    texts += [r.text for r in datasets.build_feed(shared_data, 1000, 7)]
    texts += [r.text for r in datasets.load_btc(shared_data, "a")][:1000]
    blank, fast = spacy.blank("en"), spacy.blank("en")
    for nlp in (blank, fast):
        drop_plain_whitespace_special_cases(nlp)
    use_fast_tokenizer(fast)
    model = spacy.load(DEFAULT_SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler",
                                                     "lemmatizer", "ner"])
    drop_plain_whitespace_special_cases(model)
    tokenizer: Any = scanner.nlp.tokenizer
    assert type(tokenizer.suffix_search.__self__) is AnchoredSearch
    for text in texts:
        with blank.memory_zone(), fast.memory_zone():
            assert key(fast.make_doc(text)) == key(blank.make_doc(text)), text
        with model.memory_zone(), scanner.nlp.memory_zone():
            ours = [t[:10] for t in key(scanner.nlp.make_doc(text))]  # it computes only the attributes read
            assert ours == [t[:10] for t in key(model.make_doc(text))], text


def test_a_fast_tokenizer_pickles() -> None:
    nlp = spacy.blank("en")
    use_fast_tokenizer(nlp)
    copy = pickle.loads(pickle.dumps(nlp.tokenizer))
    assert type(copy.suffix_search.__self__) is AnchoredSearch
    assert [t.text for t in copy("Hello, world (x) 12km.")] == ["Hello", ",", "world", "(", "x", ")", "12", "km", "."]
