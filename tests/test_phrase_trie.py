"""The trie-shaped phrase regex matches what a flat longest-first alternation matches."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.phrase_trie import WordGate, tokens, trie_regex
from scanner.signals import ContextLexicon

WORDS = ["call", "me", "at", "on", "my", "number", "is", "her", "his", "address", "lives", "don't", "e-mail"]


def _flat(phrases: list[str]) -> re.Pattern[str]:
    parts = [re.escape(p.strip()).replace(r"\ ", r"\s+").replace("'", "['’]")
             for p in sorted(set(phrases), key=len, reverse=True)]
    return re.compile(r"(?<![\w@#])(?:" + "|".join(parts) + r")(?![\w@])", re.IGNORECASE)


def _trie(phrases: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w@#])(?:" + trie_regex(phrases) + r")(?![\w@])", re.IGNORECASE)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


phrase = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
filler = st.sampled_from([" ", "  ", ", ", ". ", "\n", "-", "x", " Call ", " MY ", "’"])


@settings(max_examples=300, deadline=None)
@given(phrases=st.lists(phrase, min_size=1, max_size=12), pieces=st.lists(st.one_of(phrase, filler), max_size=12))
def test_same_matches_as_a_flat_alternation(phrases: list[str], pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _spans(_trie(phrases), text) == _spans(_flat(phrases), text)


def test_longest_phrase_wins_and_shape() -> None:
    source = trie_regex(["call me", "call me at", "call me on", "text me"])
    assert source == r"(?:call\s+me(?:\s+(?:at|on))?|text\s+me)"
    pattern = _trie(["call me", "call me at"])
    assert [m.group() for m in pattern.finditer("Call me at 5, or call  me.")] == ["Call me at", "call  me"]
    assert tokens("don’t  go") == ["d", "o", "n", "['’]", "t", r"\s+", "g", "o"]
    assert trie_regex([]) == r"(?!x)x"


def test_lexicon_examples_still_hold() -> None:
    lex = ContextLexicon.default()
    assert lex.self_before.search("you can reach me at 555 0100")
    assert not lex.self_before.search("reachme")
    assert lex.titles.search("as Senator Warren said")


def test_literal_trie_matches_like_the_longest_first_alternation() -> None:
    import regex

    from scanner.phrase_trie import literal_trie_regex

    words = ["St", "St.", "Street", "c/o", "C/O", "a+b", "Ave", "Avenue", "N", "NE", "Straße", "(x)"]
    texts = ["12 Main St. and 3 Oak Street", "c/o Ana, C/O Bo", "a+b=c", "NE Ave Avenue", "Straße (x) N"]
    flat = "|".join(regex.escape(w) for w in sorted(set(words), key=len, reverse=True))
    for flags, fold in ((0, False), (regex.IGNORECASE, True)):
        trie = regex.compile(rf"(?:{literal_trie_regex(words, fold_ascii=fold)})\b", flags)
        plain = regex.compile(rf"(?:{flat})\b", flags)
        for text in texts + [t.upper() for t in texts] + [t.lower() for t in texts]:
            assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)], text
    assert regex.fullmatch(literal_trie_regex(["Straße"], fold_ascii=True), "Straße")  # non-ASCII kept as written


def test_word_gate_finds_words_after_a_non_letter_in_ascii_text() -> None:
    gate = WordGate({"relation": ["my son", "hi"], "said": ["said"], "honorific": ["Señor"]})
    assert gate.names == {"relation", "said", "honorific"}
    assert gate.possible("HI there") == frozenset({"relation"})
    assert gate.possible("this is it") == frozenset()  # "hi" only inside a word
    assert gate.possible('"Go!"said Bo, and My Son-in-law') == frozenset({"relation", "said"})
    assert gate.possible("senor Lopez") == frozenset({"honorific"})  # "Señor" needs "se" then a non-ASCII letter
    assert gate.possible("señor Lopez") is None  # non-ASCII text: no answer, every pattern may match
    assert WordGate({}).possible("anything") == frozenset()


def test_word_gate_keys_are_what_an_ascii_text_must_hold() -> None:
    from scanner.phrase_trie import _ascii_key

    assert _ascii_key("My Fiancée") == "my fianc"
    assert _ascii_key("ſaid") == "said"  # the long s folds onto "s": (?i) matches it against "s"
    assert _ascii_key("\u212aate") == "kate"  # the Kelvin sign folds onto "k"
    assert _ascii_key("Ñame") == ""
    assert _ascii_key(" Don't  call", phrase=True) == "don"  # a phrase: any white space, either apostrophe
    assert _ascii_key("call me", phrase=True) == "call"
    assert WordGate({"p": ["call me"]}, phrases=True).possible("CALL\t me") == frozenset({"p"})
    assert WordGate({"x": ["Ñame"]}).possible("no word here") == frozenset({"x"})  # nothing to look for: always scanned


@settings(max_examples=300, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
       pieces=st.lists(st.one_of(st.sampled_from(WORDS), filler, st.sampled_from(["X", "a", "IS", "Me"])),
                       max_size=12))
def test_word_gate_never_rules_out_a_matching_word_pattern(words: list[str], pieces: list[str]) -> None:
    """The premise the gate serves: a word after a non-letter, with or without (?i)."""
    text = "".join(pieces)
    possible = WordGate({"p": words}).possible(text)
    alternation = "|".join(re.escape(w) for w in words)
    for flags in (0, re.IGNORECASE):
        if re.search(rf"(?<![^\W\d_])(?:{alternation})", text, flags) is not None:
            assert possible is None or "p" in possible, text


def test_word_gate_starts_are_the_offsets_of_words_after_a_non_letter() -> None:
    gate = WordGate({"relation": ["my son", "hi"], "said": ["said"], "honorific": ["Ñame"]}, phrases=True)
    assert gate.starts("Hi, my son said: hi-hi this") == {"relation": [0, 4, 17, 20], "said": [11]}
    assert gate.starts("nothing") == {"relation": [], "said": []}  # "honorific": always scanned
    assert gate.starts("señor") is None


def test_word_gate_with_word_ends_skips_first_words_glued_to_a_word_character() -> None:
    needs = {"h": ["a scene where", "in theory", "in"], "s": ["phone:", "don't call"], "f": ["fiancé"]}
    gate = WordGate(needs, phrases=True, word_ends=True)
    assert gate.starts("Address: in\ttheory, a  scene") == {"h": [9, 20], "s": [], "f": []}
    assert gate.starts("info an phone:x phone:") == {"h": [], "s": [16], "f": []}
    assert gate.starts("dont call, fiancee") == {"h": [], "s": [0], "f": [11]}  # cut words: no check after
    plain = WordGate(needs, phrases=True)
    assert plain.starts("info") == {"h": [0], "s": [], "f": []}
