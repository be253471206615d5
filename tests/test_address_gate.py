"""The address detector's pre-checks: the anchors' gates (address_gate.py), the tail items tried
per character, the compound-ending check. None may change what the detector finds."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import regex

from scanner import ScannerConfig
from scanner.detectors.address import LEXICON_FILE, AddressDetector
from scanner.detectors.address_gate import FOLDS_TO_ASCII, _stand_in_char, ascii_stand_in

LEXICON = AddressDetector(ScannerConfig()).lexicon
ANCHORS = {**dict(LEXICON.anchors), "cue": LEXICON.cue}
ALL = frozenset(ANCHORS)


def _code_points() -> list[str]:
    return [chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]


def test_only_four_non_ascii_characters_match_an_ascii_letter_under_ignore_case() -> None:
    ascii_letter = regex.compile(r"(?i)[A-Za-z]", regex.VERSION0)
    found = {c for c in _code_points() if ascii_letter.match(c)}
    assert found == set(FOLDS_TO_ASCII)
    for char, letter in FOLDS_TO_ASCII.items():  # stands in as the letter it matches (in either case)
        letters = {x for x in "abcdefghijklmnopqrstuvwxyz" if regex.match(f"(?i)[{x}{x.upper()}]", char)}
        assert letters == {letter.lower()}


def test_characters_that_match_each_other_under_ignore_case_stand_in_alike() -> None:
    checked = 0
    for char in _code_points():
        others = {o for o in (char.lower(), char.upper(), char.casefold(), char.title()) if len(o) == 1} - {char}
        for other in others:
            if regex.fullmatch(f"(?i){regex.escape(char)}", other, regex.VERSION0):
                theirs = other if other.isascii() else _stand_in_char(other)
                assert _stand_in_char(char).lower() == theirs.lower(), (char, other)
                checked += 1
    assert checked > 2000


def test_the_stand_in_keeps_the_length_and_the_ascii_characters() -> None:
    text = "Rua São João 12\u00a0Apt\u2019s ſt İı K ٣٤ 5"
    stand = ascii_stand_in(text)
    assert stand.isascii() and len(stand) == len(text)
    assert [a for a, b in zip(text, stand, strict=True) if a.isascii() and a != b] == []
    assert stand == "Rua Sao Joao 12 Apt's st Ii K 00 5"


def _mutations(texts: list[str], rng: random.Random) -> list[str]:
    """Texts with letters, digits, spaces and apostrophes swapped for non-ASCII look-alikes."""
    swaps = {
        "lower": "áçéßøſıœ\u0301ǆ", "upper": "ÁÇÉØİKŒǄ", "digit": "٣٤۵१", "space": "\u00a0\u2009", "'": "’",
    }
    out = []
    for text in texts:
        chars = list(text)
        for i in rng.sample(range(len(chars)), min(len(chars), 3)):
            c = chars[i]
            kind = "lower" if c.islower() else "upper" if c.isupper() else "digit" if c.isdigit() else (
                "space" if c == " " else c)
            if kind in swaps:
                chars[i] = rng.choice(swaps[kind])
        out.append("".join(chars))
    return out


def _ruled_out_yet_matching(texts: list[str]) -> tuple[list[tuple[str, str]], int]:
    bad, ruled = [], 0
    for text in texts:
        for name in LEXICON.anchor_gate.ruled_out(text, ALL):
            ruled += 1
            if ANCHORS[name].search(text):
                bad.append((name, text))
    return bad, ruled


def test_no_anchor_is_ruled_out_where_it_matches(
    lexicon_word_texts: Callable[[Path, str], list[str]],
) -> None:
    path = Path(ScannerConfig().patterns_dir) / LEXICON_FILE
    texts = [text for text, _ in LEXICON.examples_match] + list(LEXICON.examples_no_match)
    for template in ("Send it to 12 Oak {w} 4, Apt 5\n{w} Hill, {w} 90210 or {w} 7 Elm St.",
                     "lives at {w} 12, 44 {w} Main\t{w}. 9 {w}\n{w} 3", "{w} 12 Rua {w} 5 {w}, #3 ul. {w} 7"):
        texts += lexicon_word_texts(path, template)
    rng = random.Random(3)
    texts += _mutations(texts, rng)
    bad, ruled = _ruled_out_yet_matching(texts)
    assert bad == []
    assert ruled > len(texts)  # the gates do rule anchors out


def test_no_anchor_is_ruled_out_where_it_matches_in_the_corpora(shared_data: Path) -> None:
    from benchmarks import datasets

    texts = [r.text for r in datasets.load_presidio_synth(shared_data)]
    texts += [r.text for r in datasets.build_feed(shared_data, 3000, 5)]
    texts += _mutations(texts, random.Random(4))
    bad, ruled = _ruled_out_yet_matching(texts)
    assert bad == []
    assert ruled > len(texts)


def test_the_tail_items_tried_at_an_offset_include_every_one_that_matches_there(shared_data: Path) -> None:
    """The tail tries at an offset only the items that may start with its character (AddressLexicon.tail_starts)."""
    from benchmarks import datasets
    from scanner.detectors.address import _TAIL_ITEMS

    texts = [text for text, _ in LEXICON.examples_match]
    texts += [r.text for r in datasets.load_presidio_synth(shared_data)][:1500]
    texts += [t + "\n#4, SW1A 2AA" for t in texts[:200]] + ["Nuuk\n Sermersooq 3900", "Vaulruz, vd 78618"]
    matched = 0
    for name in _TAIL_ITEMS:
        pattern = getattr(LEXICON, name)
        for text in texts:
            for at in range(len(text) + 1):
                if pattern.match(text, at):
                    assert text[at:at + 1] not in LEXICON.tail_starts or name in LEXICON.tail_starts[text[at:at + 1]]
                    matched += 1
    assert matched > 10_000
    assert LEXICON.tail_starts[""] == frozenset() and LEXICON.tail_starts[" "] == frozenset()
    assert LEXICON.tail_starts["7"] == {"postcode_any", "region_then"}


def test_the_compound_ending_check_is_a_word_ending_check(shared_data: Path) -> None:
    from benchmarks import datasets
    from scanner.detectors.address import _WORDS

    texts = [r.text for r in datasets.load_presidio_synth(shared_data)]
    texts += [f"{w}{e}" for e in LEXICON.compound_endings for w in ("Haupt", "", "X ", "vej ")]
    texts += [t.upper() for t in texts[:500]]
    found = 0
    for text in texts:
        lower = {w.lower() for w in _WORDS.findall(text)}
        expected = any(w.endswith(LEXICON.compound_endings) for w in lower)
        assert bool(lower and LEXICON.compound_ending.search(" ".join(lower) + " ")) == expected, text
        found += expected
    assert found > 100
