"""STREET_ADDRESS detector (pii.address/v1): lexicon examples, whole-span cover, corpora.

Corpus floors (measured when written): usaddress's tagged US addresses embedded in
prose, IoU >= 0.5 recall 0.80 (floor 0.77); presidio_synth addresses, with its
fragmented multi-line gold merged back into whole addresses, recall 0.92 and
precision 0.97 (floors 0.90 / 0.95).
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner import ScannerConfig
from scanner.detectors.address import AddressDetector, load_lexicon
from scanner.detectors.base import ScanInput
from scanner.errors import PatternError
from scanner.refine import score

CONFIG = ScannerConfig()
DETECTOR = AddressDetector(CONFIG)
LEXICON = DETECTOR.lexicon


def values(text: str) -> list[str]:
    """Address findings that survive context scoring and the default threshold."""
    out = []
    for hit in DETECTOR.detect(ScanInput(text)):
        confidence = score(hit, text, CONFIG.context_boost)
        if confidence is not None and confidence >= CONFIG.min_confidence:
            out.append(text[hit.start:hit.end])
    return out


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


# -- the lexicon's own examples ------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), LEXICON.examples_match)
def test_lexicon_match_example(text: str, value: str) -> None:
    assert value in values(text)


@pytest.mark.parametrize("text", LEXICON.examples_no_match)
def test_lexicon_no_match_example(text: str) -> None:
    assert values(text) == []


@pytest.mark.parametrize(
    ("shape", "example"),
    [(shape, ex) for shape, exs in LEXICON.postcode_examples.items() if shape != "no_match" for ex in exs],
)
def test_postcode_shape_examples(shape: str, example: str) -> None:
    assert LEXICON.postcode_shapes[shape].fullmatch(example)


@pytest.mark.parametrize("example", LEXICON.postcode_examples.get("no_match", ()))
def test_postcode_shape_no_match_examples(example: str) -> None:
    assert not any(p.fullmatch(example) for k, p in LEXICON.postcode_shapes.items() if k in {"gb", "ca"})


# -- more positives: formats and whole-span cover ------------------------------------------

POSITIVES = [
    ("Ship it to 350 Fifth Avenue, New York, NY 10118 asap", "350 Fifth Avenue, New York, NY 10118"),
    ("I'm staying at 10 Downing Street, London SW1A 2AA", "10 Downing Street, London SW1A 2AA"),
    ("her place: 8128 S. Dr Martin Luther King Jr Drive", "8128 S. Dr Martin Luther King Jr Drive"),
    ("she lives at 2701 W 18TH ST", "2701 W 18TH ST"),
    (
        "address:\n41086 Kiannonkatu 98\n Suite 464\n OULU\n\n Finland 80896",
        "41086 Kiannonkatu 98\n Suite 464\n OULU\n\n Finland 80896",
    ),
    ("Mail me at USS Lorenzen\nFPO AE 25990", "USS Lorenzen\nFPO AE 25990"),
    ("He lives at Vesterskovvej 79 with his mum", "Vesterskovvej 79"),
    ("meet at 20 rue de la Paix, 75002 Paris", "20 rue de la Paix, 75002 Paris"),
    (
        "address: 233 Erzsébet tér 19.\n Suite 282\n Domoszló\n Hungary 34796",
        "233 Erzsébet tér 19.\n Suite 282\n Domoszló\n Hungary 34796",
    ),
    ("come by 55 W. Monroe, Chicago, IL 60603", "55 W. Monroe, Chicago, IL 60603"),
    (
        "Our offices are located at the corner of Östbygatan 14 and Sigurmundsson Greens",
        "the corner of Östbygatan 14 and Sigurmundsson Greens",
    ),
    # a region item (code in any case, or a department number) between the place and the postcode
    ("What is your address? it is 5638 Lossi 43\nVaulruz, vd 78618", "5638 Lossi 43\nVaulruz, vd 78618"),
    (
        "The shop is located at 704 1436 Larch Drive\nCite Ennasr\n, 32\n 60810. Great food.",
        "704 1436 Larch Drive\nCite Ennasr\n, 32\n 60810",
    ),
    # ... or before the country
    (
        "The office is at 75 Fjordvegen 8 Suite 49\nMOLDE S\n, mr\n Norway 6509",
        "75 Fjordvegen 8 Suite 49\nMOLDE S\n, mr\n Norway 6509",
    ),
    # Icelandic three-digit postcode on the last line, after a region item
    (
        "Billing address:\n    64 Hafnarbraut 7 Apt. 2\n   Akureyri\n    AU\n    700",
        "64 Hafnarbraut 7 Apt. 2\n   Akureyri\n    AU\n    700",
    ),
    # Nordic: unit before the street line, "<CITY> <region> <postcode>" on the next line
    ("Mrs. Berg Suite 5 12 Furulia 3\nASKER ak 1386", "Suite 5 12 Furulia 3\nASKER ak 1386"),
    # a district line, then "<Place> <postcode>"
    (
        "send it to 17 Aspen Hill\n Suite 4\n Nuuk\n Sermersooq 3900? thanks",
        "17 Aspen Hill\n Suite 4\n Nuuk\n Sermersooq 3900",
    ),
    # a street line without its type, before a unit
    (
        "Please return to 2505 Brookmere Suite 620, Limassol, Cyprus 3025 in case of an issue.",
        "2505 Brookmere Suite 620, Limassol, Cyprus 3025",
    ),
    # lower case: "<number> <name> <number>" before a unit, with a locality
    ("user: 12 kedrou 34 apt. 5\nsaipan, mp 96950", "12 kedrou 34 apt. 5\nsaipan, mp 96950"),
    # Norwegian compound ending "-bakken", Danish "stræde" after the name
    ("He lives at Solbakken 12, 0371 Oslo", "Solbakken 12, 0371 Oslo"),
]


@pytest.mark.parametrize(("text", "value"), POSITIVES)
def test_positive_covers_the_whole_address(text: str, value: str) -> None:
    assert values(text) == [value]


def test_two_addresses_in_one_post_stay_apart() -> None:
    text = "I lived at 12 Oak Ave, Brooklyn, NY 11201, and now at 9 Elm Street, Boston, MA 02118."
    assert values(text) == ["12 Oak Ave, Brooklyn, NY 11201", "9 Elm Street, Boston, MA 02118"]


def test_region_item_is_never_a_stop_word() -> None:
    """ "Boston, the 2020 ...": "the" is not a region, so the city is not taken either."""
    assert values("we met at 12 Oak Ave\nBoston, the 2020 race was great") == ["12 Oak Ave"]


def test_short_postcode_only_at_the_end_of_a_line() -> None:
    text = "Address:\n12 Hafnarbraut 3\nAkureyri\nNE\n600 people came"
    assert values(text) == ["12 Hafnarbraut 3\nAkureyri\nNE"]


def test_evidence_raises_confidence() -> None:
    def conf(text: str) -> float:
        return max(h.confidence for h in DETECTOR.detect(ScanInput(text)))

    bare = conf("742 Evergreen Terrace")
    with_unit = conf("742 Evergreen Terrace Apt 4")
    with_locality = conf("742 Evergreen Terrace Apt 4, Springfield, IL 62704")
    assert bare < with_unit < with_locality


HARD_NEGATIVES = [
    "I walked 2 blocks down Main Street",
    "We scored 3 Grand Slam points",
    "the train leaves at 10 45 from Platform 9",
    "Buy 2 Get 1 Free at Main Street Mall",
    "Flight BA 2490 lands at 5 pm",
    "Apollo 13 and Apollo 11 were missions",
    "I paid $45 for 3 Park passes",
    "iPhone 12 Pro Max 256 GB",
    "watching Ocean's 11 and Ocean's 12 tonight",
    "Psalm 23 Verse 4",
    # a name before a unit word is weak without a locality
    "We booked 2 Queens Room 12 for the night",
    "Top 10 Hotels Suite 5 deals",
    # lower-case "<number> <word> <number> apt N" needs a locality, even next to a context word
    "moved 2 boxes 3 apt 4 today",
    "I have 3 kids 2 floor 5 dogs",
    # first names ending like a Nordic compound street
    "Sebastien 3 goals at home",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negative(text: str) -> None:
    assert values(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no digits here", False),
        ("12 Oak Ave", True),
        # digits but no address evidence: the detector is skipped
        ("I have 2 cats and 3 dogs", False),
        ("Top 10 movies of 2020 lol", False),
        ("score was 21-14 tonight", False),
        # each kind of evidence: a lexicon word, a compound ending, a postcode, a number + name
        ("Hauptstraße 5", True),
        ("Erzsébet tér 19", True),
        ("PO Box 1234", True),
        ("Springfield, IL 62704", True),
        ("London SW1A 2AA", True),
        ("20789 Allika 46", True),
        ("049 Langeskov-Centret 83", True),
        ("lives at Pagari 18", True),
        ("2505 brookmere suite 620", True),
    ],
)
def test_may_fire(text: str, expected: bool) -> None:
    assert DETECTOR.may_fire(text) is expected


def test_detect_without_may_fire_finds_the_same() -> None:
    """detect() checks the evidence itself, so calling it directly changes nothing."""
    text = "Send it to 1600 Pennsylvania Ave NW, Washington, DC 20500 please"
    fresh = AddressDetector(CONFIG)
    assert [(h.start, h.end) for h in fresh.detect(ScanInput(text))] == [
        (h.start, h.end) for h in DETECTOR.detect(ScanInput(text))
    ]
    assert list(fresh.detect(ScanInput("I have 2 cats and 3 dogs"))) == []


@pytest.mark.parametrize(
    "text",
    [
        "Q" + "wErTy9" * 3000 + "strasse 5",  # a long token-like string ending like a compound street
        "Abc " * 2000 + "tér 19",
        "ZZ" * 5000 + " NY 10001",
    ],
)
def test_long_token_like_strings_do_not_time_out(text: str) -> None:
    data = ScanInput(text, timeout=1.0)
    list(DETECTOR.detect(data))
    assert data.warnings == []


def test_malformed_lexicon_lists_its_problems(tmp_path: Path) -> None:
    shutil.copytree(CONFIG.patterns_dir / "lexicons", tmp_path / "lexicons")
    path = tmp_path / "lexicons" / "address.toml"
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"(?m)^designators = \[[^\]]*\]", "designators = []", source)
    source = source.replace("us_zip = '", "us_zip = '(", 1)
    path.write_text(source, encoding="utf-8")
    load_lexicon.cache_clear()
    with pytest.raises(PatternError) as info:
        AddressDetector(CONFIG.replace(patterns_dir=tmp_path))
    load_lexicon.cache_clear()
    assert len(info.value.problems) >= 2
    assert any("designators" in p for p in info.value.problems)
    assert any("us_zip" in p for p in info.value.problems)


# -- corpora ------------------------------------------------------------------------------

TEMPLATES = ("She lives at {} and I am going there.", "Meet me at {}", "new place: {} !!")


@pytest.mark.corpus
def test_usaddress_training_addresses_in_prose(shared_data: Path) -> None:
    root = ET.parse(shared_data / "usaddress" / "training_labeled.xml").getroot()
    addresses = []
    for node in root.iter("AddressString"):
        parts = list(node)
        if parts and parts[0].tag == "AddressNumber":  # street addresses, not bare names or boxes
            addresses.append(" ".join(p.text or "" for p in parts))
    assert len(addresses) > 1000
    found = 0
    for i, address in enumerate(addresses):
        text = TEMPLATES[i % len(TEMPLATES)].format(address)
        gold = (text.index(address), text.index(address) + len(address))
        spans = []
        for hit in DETECTOR.detect(ScanInput(text)):
            confidence = score(hit, text, CONFIG.context_boost)
            if confidence is not None and confidence >= CONFIG.min_confidence:
                spans.append((hit.start, hit.end))
        found += any(_iou(gold, s) >= 0.5 for s in spans)
    assert found / len(addresses) >= 0.77


def _merged_gold(record: dict[str, object]) -> list[tuple[int, int]]:
    """presidio_synth splits some multi-line addresses into number / street / unit / postcode
    spans with the city and country as GPE between them: merge those back into one span."""
    text = str(record["full_text"])
    raw = record["spans"]
    assert isinstance(raw, list)
    spans = sorted((s["start_position"], s["end_position"], s["entity_type"]) for s in raw)
    out: list[tuple[int, int]] = []
    current: list[int] | None = None  # start, end, end of the last joined span
    for start, end, kind in spans:
        joinable = current is not None and re.fullmatch(r"[\s,>?.]*", text[current[2]:start]) is not None
        if kind == "STREET_ADDRESS":
            if current is not None and joinable:
                current[1] = current[2] = end
            else:
                if current is not None:
                    out.append((current[0], current[1]))
                current = [start, end, end]
        elif kind in {"GPE", "ZIP_CODE"} and current is not None and joinable:
            current[2] = end
        elif current is not None:
            out.append((current[0], current[1]))
            current = None
    if current is not None:
        out.append((current[0], current[1]))
    return out


@pytest.mark.corpus
def test_presidio_synth_addresses(shared_data: Path) -> None:
    records = json.loads((shared_data / "presidio_synth" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
    n_gold = n_pred = gold_found = pred_right = 0
    for record in records:
        text = record["full_text"]
        gold = _merged_gold(record)
        pred = []
        for hit in DETECTOR.detect(ScanInput(text)):
            confidence = score(hit, text, CONFIG.context_boost)
            if confidence is not None and confidence >= CONFIG.min_confidence:
                pred.append((hit.start, hit.end))
        n_gold += len(gold)
        n_pred += len(pred)
        gold_found += sum(any(_iou(g, p) >= 0.5 for p in pred) for g in gold)
        pred_right += sum(any(_iou(g, p) >= 0.5 for g in gold) for p in pred)
    assert n_gold > 300
    assert gold_found / n_gold >= 0.90
    assert pred_right / n_pred >= 0.95


def test_the_standard_library_postcode_evidence_agrees_with_the_regex_pattern(shared_data: Path) -> None:
    from benchmarks import datasets

    lex = LEXICON
    assert isinstance(lex.gb_ca_evidence, re.Pattern)  # the shipped shapes compile with `re`
    texts = [r.text for r in datasets.load_presidio_synth(shared_data)]
    texts += [r.text for r in datasets.build_feed(shared_data, 1500, 3)]
    texts += [e for examples in lex.postcode_examples.values() for e in examples]
    texts += ["SW1A 2AA", "sw1a 2aa", "GIR 0AA", "K1A 0B1", "H2X1Y4", "M5V3L9x", "ＳＷ１Ａ ２ＡＡ", "AB12 3CD",
              "_M1 1AE"]
    hits = 0
    for text in texts:
        fast, full = lex.gb_ca_evidence.search(text), lex.gb_ca.search(text)
        assert (fast is None) == (full is None), text
        hits += fast is not None
    assert hits > 10


def test_every_gb_or_ca_postcode_has_a_digit_before_a_capital(shared_data: Path) -> None:
    """The evidence runs the GB/CA shapes only on texts where a digit is followed by a capital."""
    import random

    from benchmarks import datasets
    from scanner.detectors.address import _GB_CA_HINT

    texts = [e for key in ("gb", "ca") for e in LEXICON.postcode_examples[key]]
    texts += [r.text for r in datasets.load_presidio_synth(shared_data)]
    rng = random.Random(5)  # strings of capitals, digits and spaces: every shape of both patterns
    texts += ["".join(rng.choice("ABCEGHKMNRSTVWXYZ0123456789 ") for _ in range(rng.randint(5, 8)))
              for _ in range(200_000)]
    matched = 0
    for text in texts:
        for m in LEXICON.gb_ca.finditer(text):
            assert _GB_CA_HINT.search(m.group()), m.group()
            matched += 1
    assert matched > 1000


def test_word_lists_compiled_as_tries_match_like_plain_alternations(
    lexicon_word_texts: Callable[[Path, str], list[str]],
) -> None:
    """Every lexicon pattern finds the same matches (spans and groups) whether its word lists
    are tries (the default) or longest-first alternations: on the lexicon's examples and on
    each lexicon word in four casings inside address-like lines."""
    import dataclasses

    from scanner.detectors.address import LEXICON_FILE

    path = Path(CONFIG.patterns_dir) / LEXICON_FILE
    flat, trie = load_lexicon(path, flat=True), load_lexicon(path)
    texts = [text for text, _ in trie.examples_match] + list(trie.examples_no_match)
    texts += lexicon_word_texts(path, "Send it to 12 Oak {w} 4, Apt 5\n{w} Hill, {w} 90210 or {w} 7 Elm St.")
    pairs = [(name, a, b) for (name, a), (_, b) in zip(flat.anchors, trie.anchors, strict=True)]
    pairs += [(f.name, getattr(flat, f.name), getattr(trie, f.name)) for f in dataclasses.fields(flat)
              if hasattr(getattr(flat, f.name), "finditer")]
    assert len(texts) > 1000 and len(pairs) > 25
    assert sum(a.pattern != b.pattern for _, a, b in pairs) >= 20
    for name, a, b in pairs:
        for text in texts:
            got = [(m.span(), m.groupdict()) for m in b.finditer(text)]
            assert got == [(m.span(), m.groupdict()) for m in a.finditer(text)], (name, text)


def test_a_state_code_glued_to_a_word_is_no_state_before_a_zip_even_at_the_window_edge() -> None:
    # the state look-up reads the 40 characters before a ZIP; "TX" here starts exactly there
    for prefix, expected in (("Austin ", True), ("xyz", False)):
        text = f"{prefix}TX{' ' * 38}78701"
        zip_start = text.index("78701")
        assert zip_start - 40 == text.index("TX")
        assert DETECTOR._state_before(text, zip_start) is expected
