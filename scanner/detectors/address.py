"""STREET_ADDRESS: street-line anchors from a lexicon, extended over unit, city, state, postcode.

How an address is found (word lists live in ``patterns/lexicons/address.toml``):

0. *Evidence* (``may_fire``, reused by ``detect``): a digit plus a lexicon word found by a set
   lookup of the post's lower-cased words, a compound street ending, a "<number> <Name>" shape
   or a postcode (GB/CA, or a ZIP with a state just before it). Only the anchors with evidence run.
1. *Street lines* (anchors), each one regex built from the lexicon:
   ``<number> <name> <type>`` with an English street type ("742 Evergreen Terrace");
   a type written before the name ("Rua Augusta 120", "ul. Grochowa 80");
   a compound or separate type after the name ("Hauptstraße 5", "Erzsébet tér 19");
   ``<number> <Name> <number>`` (continental order behind a house number, weak alone);
   ``<number> <Name>`` right before a unit ("2505 Brookmere Suite 620", weak alone) and,
   in lower case, ``<number> <name> <number>`` before a unit (kept only with a locality);
   P.O. boxes and US military mail; "the corner of X and Y"; and "<Name> <number>"
   right after a cue such as "lives at".
2. *Tail*: from the end of a street line, unit designators ("Apt. 4B"), place names,
   state codes, countries and postcodes are taken while they follow address order,
   on the same line or on the next lines of a multi-line address. After a place, a short
   region item (a code in any case or a department number) is taken when a postcode or
   a country follows it ("Vaulruz, vd 78618", "Akureyri\\n AU\\n 700"), and so is a
   "<Place> <postcode>" line ("Nuuk\\n Sermersooq 3900").
3. *Postcode anchors*: a GB or CA postcode, or a US state followed by a ZIP, is
   extended backwards over the street line with ``usaddress.parse``, keeping the
   longest run of address labels that ends at the postcode.

Overlapping candidates are merged, so a finding covers the whole address. Confidence
grows with the evidence: the kind of street line, a house number, a unit, a
locality tail. Weak shapes stay below the threshold unless a context word
("address", "lives", ...) is near.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex
import usaddress

from ..errors import PatternError
from ..findings import Hit
from ..phrase_trie import literal_alternation, literal_trie_regex
from .base import Detector, ScanInput

if TYPE_CHECKING:
    from ..config import ScannerConfig

LEXICON_FILE = "lexicons/address.toml"

# Base confidence per kind of street line, and bonuses for the evidence around it.
BASE = {
    "suffix": 0.55,  # "742 Evergreen Terrace"
    "suffix_weak": 0.35,  # "12 Hyde Park": needs a unit, a locality or a context word
    "prefix": 0.5,  # "Rua Augusta 120"
    "prefix_named": 0.35,  # "Rue de Virton" (no number after it)
    "prefix_lower": 0.45,  # "33 avenue de Provence"
    "prefix_lower_num": 0.45,  # "688 rue du centre 320"
    "compound": 0.45,  # "Hauptstraße 5"
    "postfix": 0.4,  # "Erzsébet tér 19"
    "numbered": 0.2,  # "20789 Allika 46": weak alone
    "unit_named": 0.2,  # "2505 Brookmere Suite 620": weak alone
    "numbered_lower": 0.1,  # "0605 πεντέλης 210 apt. 999": needs the unit, a locality and a postcode
    "directional": 0.3,  # "55 W. Cermak"
    "cue": 0.4,  # "lives at Pagari 18"
    "po_box": 0.55,
    "military": 0.85,
    "corner": 0.5,
    "postcode": 0.6,  # street line found backwards from a GB/CA postcode or a US state + ZIP
}
BONUS_HOUSE_NUMBER = 0.1
BONUS_UNIT = 0.15
BONUS_LOCALITY = 0.2
BONUS_POSTCODE = 0.1
MAX_CONFIDENCE = 0.95
MAX_TAIL_ITEMS = 8

# usaddress labels that belong to an address (Recipient, NotAddress, LandmarkName do not).
ADDRESS_LABELS = frozenset(usaddress.LABELS) - {"Recipient", "NotAddress", "LandmarkName"}

_L = r"\p{L}\p{M}"
# Words are taken whole (possessive): on a long token-like string they cannot backtrack.
_CAPW = rf"\p{{Lu}}[{_L}'’\-]*+"
_LOWW = rf"\p{{Ll}}[{_L}'’\-]*+"
_WORD = rf"[{_L}][{_L}'’\-]*+"
# Start of a word: no letter, apostrophe or hyphen before it (patterns start only at word starts).
_WSTART = rf"(?<![{_L}'’\-])"
# Atomic: a shorter match of a house number ("12" of "12-14") is followed by "-" or "/", never by
# what the patterns put after a number (a space, a unit, the end): backtracking into it is wasted.
_NUM = r"(?>\d{1,6}(?:[A-Za-z](?![\p{L}\d]))?(?:[-/]\d{1,5})?(?![\w]))"
_ORD = r"\d{1,3}(?i:st|nd|rd|th)(?![\w])"
_SP = r"[ \t]+"
# Between tail items: a comma, and at most one line break (plus one blank line), with
# quoting marks such as ">" at the start of the next line.
_SEP = r"\.?[ \t]*,?[ \t]*(?:\r?\n(?:[ \t]*\r?\n)?[ \t]*(?:[>•·*?\-]{1,3}[ \t]*)?,?[ \t]*)?"
_SEP_RE = regex.compile(_SEP)


_WORDS = regex.compile(r"[\p{L}\p{M}]+")
_DIGIT = regex.compile(r"\d")
_NUMBER_NAME = regex.compile(r"(?<![\w.])\d{1,6}[A-Za-z]?[ \t]+\p{Lu}[\p{L}\p{M}'’\-]*+[ \t]")
_COMMA_GAP = regex.compile(r"[ \t,]+")
# Every GB or CA postcode shape of the lexicon holds a digit followed by a capital ("SW1A 2AA",
# "K1A 0B1"; checked in the tests): a scan for that pair is ~9x cheaper than for the shapes.
_GB_CA_HINT = re.compile(r"[0-9][A-Z]")
# Longest street line looked at before a postcode (usaddress labels this window only).
POSTCODE_LOOKBACK = 160


def _alt(words: Iterable[str], *, boundary: bool = True, fold: bool = False, flat: bool = False) -> str:
    """A regex alternation of literal words, the longest that matches preferred.

    By default a trie (an offset is rejected on its first character, see
    :mod:`scanner.phrase_trie`); ``fold`` (for use under ``(?i)``) lower-cases ASCII words
    first, so that no two sibling branches differ only in case. ``flat`` gives the plain
    longest-first alternation (the reference form, for tests).
    """
    body = literal_alternation(words) if flat else literal_trie_regex(words, fold_ascii=fold)
    if not boundary:
        return f"(?:{body})"
    return rf"(?:{body})(?![{_L}\d])"


@dataclass(frozen=True)
class AddressLexicon:
    """The compiled lexicon: anchor patterns, tail items and word sets."""

    anchors: tuple[tuple[str, regex.Pattern[str]], ...]
    unit: regex.Pattern[str]
    unit_before: regex.Pattern[str]
    country: regex.Pattern[str]
    state: regex.Pattern[str]
    postcode_any: regex.Pattern[str]
    place: regex.Pattern[str]
    place_lower: regex.Pattern[str]
    region_code: regex.Pattern[str]
    state_zip_lower: regex.Pattern[str]
    unit_word: regex.Pattern[str]
    cue: regex.Pattern[str]
    stop_words: frozenset[str]
    particles: frozenset[str]
    context: tuple[str, ...]
    negative_context: tuple[str, ...]
    examples_match: tuple[tuple[str, str], ...]
    examples_no_match: tuple[str, ...]
    postcode_shapes: dict[str, regex.Pattern[str]]
    postcode_examples: dict[str, tuple[str, ...]]
    # Cheap evidence (see AddressDetector.evidence): lower-cased words that let an anchor run.
    triggers: tuple[tuple[str, frozenset[str]], ...]
    directions: frozenset[str]
    compound_endings: tuple[str, ...]
    gb_ca: regex.Pattern[str]
    box_words: frozenset[str]  # the words of the P.O. box phrases, lower case, without dots and commas
    # the same pattern compiled by the standard library when it can (2.5x faster here; used for the
    # evidence check, which needs no time limit: these shapes hold no nested repetition)
    gb_ca_evidence: re.Pattern[str] | regex.Pattern[str]
    us_zip: regex.Pattern[str]
    state_before: regex.Pattern[str]
    # "<region> <postcode>" (or a region before a country) after a place; group "region" is the region.
    region_then: regex.Pattern[str]
    # "<Place> <postcode>" on its own line after another place.
    place_postcode: regex.Pattern[str]


def _strings(data: dict[str, Any], section: str, key: str, problems: list[str]) -> list[str]:
    value = data.get(section, {}).get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"[{section}].{key} must be a non-empty list of strings")
        return []
    return list(value)


def _compile(source: str, name: str, problems: list[str], flags: int = 0) -> regex.Pattern[str]:
    try:
        return regex.compile(source, flags | regex.VERSION0)
    except regex.error as exc:
        problems.append(f"{name}: regex does not compile: {exc}")
        return regex.compile(r"(?!)")


def _compile_stdlib(source: str) -> re.Pattern[str] | None:
    """``source`` compiled by the ``re`` module, or None when it uses syntax only ``regex`` knows."""
    try:
        return re.compile(source)
    except re.error:
        return None


def _keywords(items: Iterable[str], *, first_only: bool = False, last_only: bool = False) -> frozenset[str]:
    """The lower-cased words of lexicon entries (one per entry with ``first_only`` / ``last_only``)."""
    out: set[str] = set()
    for item in items:
        words = _WORDS.findall(item.lower())
        if words:
            out.update(words[:1] if first_only else words[-1:] if last_only else words)
    return frozenset(out)


@functools.lru_cache(maxsize=8)
def load_lexicon(path: Path, *, flat: bool = False) -> AddressLexicon:
    """Read and compile ``address.toml``; raise PatternError listing every problem.

    ``flat`` compiles the word lists as plain alternations instead of tries (for tests).
    """
    alt = functools.partial(_alt, flat=flat)
    alt_i = functools.partial(_alt, flat=flat, fold=True)  # for word lists under (?i)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PatternError(str(path), [f"cannot read lexicon: {exc}"]) from None
    problems: list[str] = []
    st = functools.partial(_strings, data, problems=problems)
    strong, weak = st("street_types", "strong"), st("street_types", "weak")
    prefixes, postfix = st("street_types", "prefixes"), st("street_types", "postfix_words")
    cased_only = {w.lower() for w in st("street_types", "prefixes_cased_only")}
    endings, directions = st("street_types", "compound_endings"), st("street_types", "directions")
    particles = st("street_types", "particles")
    units = st("units", "designators")
    boxes, mil_unit = st("po_box", "box"), st("po_box", "military_unit")
    mil_post, mil_zone = st("po_box", "military_post"), st("po_box", "military_zone")
    ships = st("po_box", "ship_prefixes")
    states = st("regions", "us_state_codes") + st("regions", "ca_province_codes") + st("regions", "au_state_codes")
    state_names = st("regions", "us_state_names") + st("regions", "ca_province_names")
    countries = st("countries", "names")
    cues = st("cues", "phrases")
    context, negative = st("context", "words"), st("context", "negative")
    stop_words = st("stop_words", "words")

    shapes: dict[str, regex.Pattern[str]] = {}
    shape_examples: dict[str, tuple[str, ...]] = {}
    pc = data.get("postcodes", {})
    for key in ("gb", "ca", "us_zip", "other", "region_before_postcode", "short"):
        if not isinstance(pc.get(key), str):
            problems.append(f"[postcodes].{key} must be a regex string")
            continue
        shapes[key] = _compile(pc[key], f"[postcodes].{key}", problems)
    for key, value in pc.get("examples", {}).items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            shape_examples[key] = tuple(value)
        else:
            problems.append(f"[postcodes.examples].{key} must be a list of strings")

    examples = data.get("examples", {})
    match_examples: list[tuple[str, str]] = []
    for i, item in enumerate(examples.get("match", [])):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or item.get("value") not in item["text"]:
            problems.append(f"[examples].match[{i}] needs text and a value that is a substring of it")
            continue
        match_examples.append((item["text"], item["value"]))
    no_match = examples.get("no_match", [])
    if not match_examples or not isinstance(no_match, list) or not all(isinstance(x, str) for x in no_match):
        problems.append("[examples] needs non-empty match and a no_match list of strings")
    if problems:
        raise PatternError(str(path), problems)

    num, sp, capw, loww, word, ordn = _NUM, _SP, _CAPW, _LOWW, _WORD, _ORD
    dirs = rf"{alt(directions)}\.?"
    part = alt(particles)
    name_tok = rf"(?:{capw}\.?|{ordn}|{loww})"
    # One or two house numbers. The cheap look-behind first (it fails inside a digit run); the
    # spaces possessive: what follows a lead never starts with a space.
    lead = rf"(?<![\w.])(?<![/#\-][ \t]?)(?:{num}[ \t]++){{1,2}}"
    suffix_strong = rf"(?i:{alt_i(strong)})\.?"
    suffix_weak = rf"(?i:{alt_i(weak)})\.?"
    pre = alt(prefixes, boundary=False)
    # Prefix types: after a house number any case; alone, as written in the lexicon.
    # (a lead ends with a space, so the look-behind is only needed without it: an alternation is
    # faster than an optional lead followed by the look-behind)
    prefix = rf"(?:{lead}|(?<![{_L}\d.])){pre}(?={sp}(?:{part}{sp}|\p{{Ll}}['’])?\p{{Lu}})"
    prefix_lower = rf"{lead}(?i:{alt_i([p for p in prefixes if p.lower() not in cased_only], boundary=False)})(?={sp})"
    ending = alt_i(endings, boundary=False)
    postfix_alt = alt_i(postfix, boundary=False)

    unit_ahead = rf"(?i:{alt_i(units)})\.?[ \t]*#?\d"
    anchors_src = {
        "suffix": (
            rf"{lead}(?:{dirs}{sp})?(?:{name_tok}{sp}){{0,4}}{name_tok}{sp}{suffix_strong}(?:{sp}{dirs})?(?![{_L}\d])"
        ),
        "suffix_weak": (
            rf"{lead}(?:{dirs}{sp})?(?:{name_tok}{sp}){{0,3}}{capw}{sp}{suffix_weak}(?:{sp}{dirs})?(?![{_L}\d])"
        ),
        "prefix": rf"{prefix}(?:{sp}(?:{capw}|{part}|{loww})){{0,5}}?{sp}{num}",
        "prefix_named": rf"{prefix}(?:{sp}(?:{capw}|{part}|{loww})){{1,5}}",
        "prefix_lower": rf"{prefix_lower}(?:{sp}(?:{capw}|{loww})){{1,5}}",
        "prefix_lower_num": rf"{prefix_lower}(?:{sp}(?:{capw}|{loww})){{1,5}}?{sp}{num}",
        "compound": (
            rf"(?:{lead}(?:{word}{sp}){{0,2}}{_WSTART}[{_L}][{_L}\-]{{0,40}}?"
            rf"|{_WSTART}(?:{capw}{sp}){{0,2}}{_WSTART}\p{{Lu}}[{_L}\-]{{0,40}}?)"
            rf"(?i:{ending}){sp}{num}"
        ),
        "postfix": (
            rf"(?:{lead}(?:{word}{sp}){{1,3}}|{_WSTART}{capw}{sp}(?:{word}{sp}){{0,2}})"
            rf"{_WSTART}(?i:{postfix_alt})(?:{sp}|(?<=\.)){num}"
        ),
        "numbered": rf"{lead}(?:(?:{capw}|{part}){sp}){{0,3}}{capw}{sp}{num}",
        # "2505 Brookmere Suite 620": a US street line written without its type, before a unit
        "unit_named": rf"{lead}(?:(?:{capw}|{part}){sp}){{0,2}}{capw}(?={sp}{unit_ahead})",
        # lower-case posts: "<number> <name> <number>" right before a unit
        "numbered_lower": rf"{lead}(?:{loww}{sp}){{0,2}}{loww}{sp}{num}(?=[ \t]*,?[ \t]*{unit_ahead})",
        "directional": rf"{lead}{dirs}{sp}(?:{capw}\.?{sp}){{0,2}}{capw}(?![{_L}\d])",
        "po_box": rf"(?:{num}{sp})?(?<![{_L}])(?i:{alt_i(boxes)})(?:{sp})?#?\d{{1,6}}(?!\d)",
        "military": (
            rf"(?i:(?:{alt_i(mil_unit)}){sp}\d{{1,5}},?{sp}box{sp}\d{{1,5}}|(?:{alt_i(ships)}){sp}{word}(?:{sp}{capw})?)"
            rf"[ \t]*,?[ \t]*\r?\n?[ \t]*(?i:{alt_i(mil_post)}){sp}(?i:{alt_i(mil_zone)}){sp}\d{{5}}(?!\d)"
        ),
        "corner": (
            rf"(?i:(?:the{sp})?corner{sp}of){sp}(?:{name_tok}|{num}\.?)(?:{sp}(?:{name_tok}|{num}\.?)){{0,5}}?"
            rf"{sp}(?:and|&){sp}(?:{name_tok}|{num}\.?)(?:{sp}(?:{name_tok}|{num}\.?)){{0,4}}"
        ),
    }
    anchors = tuple((name, _compile(src, f"anchor {name}", problems)) for name, src in anchors_src.items())
    prefix_words = _keywords(prefixes)
    triggers = {
        "suffix": _keywords(strong),
        "suffix_weak": _keywords(weak),
        "prefix": prefix_words,
        "prefix_named": prefix_words,
        "prefix_lower": prefix_words,
        "prefix_lower_num": prefix_words,
        "postfix": _keywords(postfix),
        "po_box": _keywords(boxes, last_only=True),
        "military": _keywords(mil_post),
        "corner": frozenset({"corner"}),
        "cue": _keywords(cues, first_only=True),
        "unit_named": _keywords(units),
        "numbered_lower": _keywords(units),
    }
    unit_src = (
        rf"(?:(?i:{alt_i(units)})\.?[ \t]*(?:(?i:no)\.?[ \t]*|#[ \t]*)?[A-Za-z]?\d{{1,6}}[A-Za-z]?"
        rf"|#[ \t]?\d{{1,6}}[A-Za-z]?)(?![\w])"
    )
    postcode_any = "|".join(f"(?:{shapes[k].pattern})" for k in ("gb", "ca", "us_zip", "other") if k in shapes)
    place_tok = rf"(?:{capw}|(?i:{part}))"
    country_src = rf"(?i:{alt_i(countries)})(?:[ \t]*\([{_L} ]{{1,20}}\))?"
    region_then = (
        rf"(?P<region>{shapes['region_before_postcode'].pattern}){_SEP}"
        rf"(?:(?:{postcode_any}|{shapes['short'].pattern})(?![\w])|(?={country_src}))"
    )
    gb_ca = f"(?P<gb>{shapes['gb'].pattern})|(?P<ca>{shapes['ca'].pattern})"
    lexicon = AddressLexicon(
        anchors=anchors,
        unit=_compile(unit_src, "unit", problems),
        unit_before=_compile(rf"(?:{unit_src}[ \t]*,?|(?i:{alt_i(units)})\.?)[ \t]*$", "unit_before", problems),
        country=_compile(country_src, "country", problems),
        state=_compile(rf"(?:{alt(states)}|(?i:{alt_i(state_names)}))(?![{_L}])", "state", problems),
        postcode_any=_compile(postcode_any, "postcode", problems),
        place=_compile(rf"{capw}(?:[ \t\-]{place_tok}){{0,5}}(?:[ \t]*\([{_L} ]{{1,30}}\))?", "place", problems),
        place_lower=_compile(rf"{loww}(?:[ \t\-]{loww}){{0,3}}", "place_lower", problems),
        region_code=_compile(r"\p{Lu}{2,3}(?![\p{L}\d])", "region_code", problems),
        state_zip_lower=_compile(
            rf"(?i:{alt_i(states)}|{alt_i(state_names)}),?{sp}{shapes['us_zip'].pattern}", "state_zip", problems
        ),
        unit_word=_compile(rf"(?i:{alt_i(units)})\.?$", "unit_word", problems),
        cue=_compile(
            rf"(?i:{alt_i(cues)})[ \t]*(?:\r?\n[ \t]*)?(?P<addr>(?:(?:{capw}|{part}){sp}){{0,3}}{capw}{sp}{num})",
            "cue",
            problems,
        ),
        stop_words=frozenset(w.lower() for w in stop_words),
        particles=frozenset(w.lower() for w in particles),
        context=tuple(context),
        negative_context=tuple(negative),
        examples_match=tuple(match_examples),
        examples_no_match=tuple(no_match),
        postcode_shapes=shapes,
        postcode_examples=shape_examples,
        triggers=tuple(triggers.items()),
        directions=frozenset(directions),
        compound_endings=tuple(e.lower() for e in endings),
        gb_ca=_compile(gb_ca, "gb_ca", problems),
        box_words=frozenset(w.strip(",.").lower() for phrase in boxes for w in phrase.split()),
        gb_ca_evidence=_compile_stdlib(gb_ca) or _compile(gb_ca, "gb_ca", problems),
        us_zip=shapes["us_zip"],
        state_before=_compile(
            rf"(?<![{_L}])(?:{alt(states)}|(?i:{alt_i(state_names)})),?{sp}$", "state_before", problems
        ),
        region_then=_compile(region_then, "region_then", problems),
        place_postcode=_compile(
            rf"{capw}(?:[ \t]{place_tok}){{0,3}}[ \t]*,?[ \t]*(?:{postcode_any})(?![\w])", "place_postcode", problems
        ),
    )
    if problems:
        raise PatternError(str(path), problems)
    return lexicon


@dataclass
class _Span:
    start: int
    end: int
    confidence: float
    rule: str


@dataclass
class _Memo:
    """Results of pure helpers for one post, by offset: a unit written before a start, a tail after an end."""

    unit_before: dict[int, int | None] = field(default_factory=dict)
    tails: dict[int, tuple[int, bool, bool, bool]] = field(default_factory=dict)


_TOKEN = regex.compile(r"\S+")
_CORNER_OF = regex.compile(r"(?i)(?:the\s+)?corner\s+of\s+")
# End of a clause: ! ? ; : or a full stop after a lower-case word (not "St." or "N.").
_CLAUSE_END = regex.compile(r"(?:[!?;:]|(?<=\p{Ll}{3})\.)(?:\s|$)")
_TOKEN_END = regex.compile(r"\S+(?=\s|$)")
_STOP_PUNCT = regex.compile(r"[.!?;:]\s*$")


class AddressDetector(Detector):
    """Street addresses: US, GB, CA and continental formats, single- or multi-line."""

    id = "pii.address/v1"
    types = frozenset({"STREET_ADDRESS"})

    def __init__(self, config: ScannerConfig) -> None:
        super().__init__(config)
        self.lexicon = load_lexicon(Path(config.patterns_dir) / LEXICON_FILE)
        self._last: tuple[str, frozenset[str]] = ("", frozenset())  # may_fire's evidence, reused by detect

    def evidence(self, text: str) -> frozenset[str]:
        """The anchors worth running on ``text``: cheap word-set lookups, no pattern tried at every offset.

        Every anchor needs a digit; most need one of their lexicon words; postcode anchors
        need a GB/CA postcode or a ZIP right after a state.
        """
        last = self._last  # read once: another thread may replace it
        if text is last[0]:
            return last[1]
        run = self._evidence(text)
        self._last = (text, run)
        return run

    def _evidence(self, text: str) -> frozenset[str]:
        if not _DIGIT.search(text):
            return frozenset()
        lex = self.lexicon
        words = _WORDS.findall(text)
        lower = {w.lower() for w in words}
        run = {name for name, trig in lex.triggers if not trig.isdisjoint(lower)}
        if any(w.endswith(lex.compound_endings) for w in lower):
            run.add("compound")
        if not lex.directions.isdisjoint(words):
            run.add("directional")
        if _NUMBER_NAME.search(text):
            run.add("numbered")
        if self._has_postcode(text):
            run.add("postcode")
        return frozenset(run)

    def _has_postcode(self, text: str) -> bool:
        """A GB or CA postcode, or a ZIP right after a state."""
        lex = self.lexicon
        if _GB_CA_HINT.search(text) and lex.gb_ca_evidence.search(text):
            return True
        return any(self._state_before(text, m.start()) for m in lex.us_zip.finditer(text))

    def _state_before(self, text: str, pos: int) -> bool:
        # searched in place (not in a slice): its look-behind sees the letter before a glued state code
        return self.lexicon.state_before.search(text, max(0, pos - 40), pos) is not None

    def may_fire(self, text: str) -> bool:
        return bool(self.evidence(text))

    def detect(self, data: ScanInput) -> Iterable[Hit]:
        text = data.text
        run = self.evidence(text)
        if not run:
            return
        spans = list(self._street_spans(data, run))
        if "postcode" in run:
            spans.extend(self._postcode_spans(data))
        for span in _merge(spans):
            start, end = _trim(text, span.start, span.end)
            if end <= start:
                continue
            yield Hit(
                type="STREET_ADDRESS",
                start=start,
                end=end,
                confidence=round(min(span.confidence, MAX_CONFIDENCE), 3),
                rule=f"pii.address.{span.rule}",
                context=self.lexicon.context,
                negative_context=self.lexicon.negative_context,
                context_window=8,
            )

    # -- street lines and their tails -------------------------------------------------

    def _street_spans(self, data: ScanInput, run: frozenset[str]) -> Iterator[_Span]:
        text = data.text
        lex = self.lexicon
        memo = _Memo()  # street lines of one post often share their start or their tail
        for name, pattern in lex.anchors:
            if name not in run:
                continue
            for m in data.finditer(pattern, f"{self.id}:{name}"):
                start, end = m.span()
                if name in {"suffix", "suffix_weak"} and self._mixed_case_name(m.group()):
                    continue
                if name in {"numbered", "unit_named", "numbered_lower"} and (
                    not self._plausible_name([w for w in m.group().split() if not w[:1].isdigit()])
                    or any(w.lower() in lex.stop_words for w in m.group().split()[1:-1])
                ):
                    continue
                if name in {"prefix_named", "prefix_lower", "corner", "suffix", "suffix_weak"}:
                    end = self._cut_at_stop_word(text, start, end, name)
                    if end is None:
                        continue
                elif self._has_stop_word(text[start:end]) or self._has_unit_word(text[start:end]):
                    continue
                span = self._extend(text, start, end, name, memo)
                if name == "numbered_lower" and span.confidence < BASE[name] + BONUS_UNIT + BONUS_LOCALITY - 1e-9:
                    continue  # a lower-case shape needs its unit and a locality, whatever the context
                yield span
        for m in data.finditer(lex.cue, f"{self.id}:cue") if "cue" in run else ():
            start, end = m.span("addr")
            if not self._has_stop_word(text[start:end]):
                yield self._extend(text, start, end, "cue", memo)

    def _is_stop(self, token: str) -> bool:
        word = token.strip(".,").lower()
        lex = self.lexicon
        return token[:1].islower() and word in lex.stop_words and word not in lex.particles

    def _has_stop_word(self, segment: str) -> bool:
        return any(self._is_stop(tok) for tok in segment.split())

    def _plausible_name(self, words: list[str]) -> bool:
        """A street name has a real word in it: not one-letter tokens or short all-caps codes ("KT", "FEW")."""
        words = [w for w in words if w[:1].isalpha() and w.lower() not in self.lexicon.particles]
        if any(len(w) < 2 for w in words):
            return False
        return any(len(w) >= 4 or (len(w) >= 3 and not w.isupper()) for w in words)

    def _mixed_case_name(self, street: str) -> bool:
        """True when the name words between the house number and the street type mix cases."""
        words = [w for w in street.split()[:-1] if not w[:1].isdigit() and w.lower() not in self.lexicon.particles]
        return any(w[:1].isupper() for w in words) and any(w[:1].islower() for w in words)

    def _has_unit_word(self, segment: str) -> bool:
        return any(self.lexicon.unit_word.match(tok) for tok in segment.split()[1:] if not tok[:1].isdigit())

    def _cut_at_stop_word(self, text: str, start: int, end: int, name: str) -> int | None:
        """Cut a name run at its first stop word or unit designator; None if nothing is left."""
        last_good = None
        skip = 0
        if name == "corner":  # "the corner of" is part of the finding
            lead_in = _CORNER_OF.match(text, start, end)
            skip = lead_in.end() - start if lead_in else 0
        for tok in _TOKEN.finditer(text, start + skip, end):
            word = tok.group()
            if self._is_stop(word) or (last_good is not None and self.lexicon.unit_word.match(word)):
                if name in {"suffix", "suffix_weak"}:
                    return None
                break
            last_good = tok.end()
        if last_good is None:
            return None
        # Drop trailing particles ("Rue de" -> "Rue").
        while True:
            head, _, tail = text[start:last_good].rpartition(" ")
            if head and tail.lower() in self.lexicon.particles:
                last_good = start + len(head.rstrip())
            else:
                break
        return last_good

    def _extend(self, text: str, start: int, end: int, name: str, memo: _Memo) -> _Span:
        confidence = BASE[name]
        if name in {"prefix", "prefix_named", "compound", "postfix", "cue", "prefix_lower", "prefix_lower_num"} and (
            text[start].isdigit()
        ):
            confidence += BONUS_HOUSE_NUMBER * (2 if name == "prefix_named" else 1)
        if start not in memo.unit_before:
            before = self.lexicon.unit_before.search(text, max(0, start - 30), start)
            memo.unit_before[start] = before.start() if before else None
        unit_start = memo.unit_before[start]
        if unit_start is not None:
            start = unit_start
            confidence += BONUS_UNIT
        if end not in memo.tails:
            memo.tails[end] = self._tail(text, end)
        tail_end, unit, locality, postcode = memo.tails[end]
        confidence += BONUS_UNIT * unit + BONUS_LOCALITY * locality + BONUS_POSTCODE * postcode
        return _Span(start, tail_end, confidence, name)

    def _tail(self, text: str, pos: int) -> tuple[int, bool, bool, bool]:
        """Extend over unit / place / state / country / postcode items after a street line."""
        lex = self.lexicon
        end = pos
        unit = locality = postcode = False
        prev = "street"
        for _ in range(MAX_TAIL_ITEMS):
            s = _SEP_RE.match(text, end)
            at = s.end() if s else end
            between = text[end:at]
            if at == end and end < len(text) and not text[end].isspace():
                break  # glued to the street line: not a separate item
            broke = "," in between or "\n" in between
            m = lex.unit.match(text, at)
            if m:
                end, unit, prev = m.end(), True, "unit"
                continue
            m = lex.country.match(text, at)
            if m and not _letter_follows(text, m.end()):
                end, locality, prev = m.end(), True, "country"
                continue
            if prev == "place":
                m = lex.region_then.match(text, at)
                if m and self._region_ok(m.group("region")):
                    end, prev = m.end("region"), "state"
                    if m.end() > m.end("region") and text[m.end() - 1].isdigit():
                        end, postcode, prev = m.end(), True, "postcode"
                    continue
                m = lex.place_postcode.match(text, at)
                if m and "\n" in between and not self._has_stop_word(m.group()):
                    end, postcode, prev = m.end(), True, "postcode"
                    continue
            m = lex.state.match(text, at) or (lex.region_code.match(text, at) if prev == "place" and broke else None)
            if m and (broke or prev == "place") and not _letter_follows(text, m.end()):
                end, locality, prev = m.end(), True, "state"
                continue
            m = lex.postcode_any.match(text, at)
            if m and (broke or prev in {"place", "state", "country"}) and not _letter_follows(text, m.end()):
                end, postcode, prev = m.end(), True, "postcode"
                continue
            m = lex.place.match(text, at)
            if m and not self._has_stop_word(m.group()) and prev != "place":
                place_end = m.end()
                rest = text[place_end:].strip()
                if self._confirms(text, place_end) or not rest or (broke and rest[:1] in {".", "?", "!"}):
                    end, locality, prev = place_end, True, "place"
                    continue
            m = lex.place_lower.match(text, at)
            if m and prev != "place" and m.group().split()[0].lower() not in lex.particles:
                # a lower-case place only when a postcode, country or state + ZIP confirms it
                for cut in _TOKEN_END.finditer(m.group()):
                    place_end = at + cut.end()
                    if self._has_stop_word(text[at:place_end]):
                        break
                    if self._confirms(text, place_end, strict=True):
                        end, locality, prev = place_end, True, "place"
                        break
                if prev == "place":
                    continue
            m = lex.state_zip_lower.match(text, at)
            if m and prev in {"street", "unit", "place"} and not _letter_follows(text, m.end()):
                end, locality, postcode, prev = m.end(), True, True, "postcode"
                continue
            break
        return end, unit, locality, postcode

    def _region_ok(self, region: str) -> bool:
        """A region item is a code or a number, never a stop word ("the 2020")."""
        return region.lower() not in self.lexicon.stop_words and region.lower() not in self.lexicon.particles

    def _confirms(self, text: str, pos: int, strict: bool = False) -> bool:
        """True if a state, postcode, country or unit (strict: postcode, country, state + ZIP) follows ``pos``."""
        lex = self.lexicon
        s = _SEP_RE.match(text, pos)
        at = s.end() if s else pos
        if at == pos and pos < len(text) and not text[pos].isspace():
            return False
        pats = (lex.postcode_any, lex.country, lex.state_zip_lower) if strict else (
            lex.state, lex.postcode_any, lex.country, lex.unit, lex.region_code if "," in text[pos:at] else None)
        for pat in pats:
            m = pat.match(text, at) if pat is not None else None
            if m and not _letter_follows(text, m.end()):
                return True
        if not strict:  # "Vaulruz, vd 78618": a region item, then a postcode or a country
            m = lex.region_then.match(text, at)
            if m and self._region_ok(m.group("region")):
                return True
        if not strict:  # "Qasigiannguit\n Greenland 07609": another place, then a postcode
            m = lex.place.match(text, at)
            if m and "\n" not in m.group():
                p = _COMMA_GAP.match(text, m.end(), m.end() + 3)
                if p:
                    pc = lex.postcode_any.match(text, p.end())
                    if pc and not _letter_follows(text, pc.end()):
                        return True
        return False

    # -- postcode anchors, extended backwards with usaddress --------------------------

    def _postcode_anchors(self, data: ScanInput) -> Iterator[tuple[int, int]]:
        """GB/CA postcodes, and "<state> <ZIP>" found from the ZIP digits looking back for the state."""
        text = data.text
        lex = self.lexicon
        for m in data.finditer(lex.gb_ca, f"{self.id}:postcode"):
            yield m.span()
        for m in data.finditer(lex.us_zip, f"{self.id}:postcode"):
            before = lex.state_before.search(text[max(0, m.start() - 40):m.start()])
            if before:
                yield m.start() - (len(text[max(0, m.start() - 40):m.start()]) - before.start()), m.end()

    def _postcode_spans(self, data: ScanInput) -> Iterator[_Span]:
        text = data.text
        for a_start, a_end in sorted(set(self._postcode_anchors(data))):
            line_start = text.rfind("\n", 0, a_start) + 1
            prev_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1 if line_start else 0
            window_start = prev_start if text[line_start:a_start].strip(" ,\t") == "" or text[
                max(0, line_start - 2):line_start].strip() == "," else line_start
            if window_start < a_start - POSTCODE_LOOKBACK:  # start at a word boundary inside the window
                cut = text.find(" ", a_start - POSTCODE_LOOKBACK, a_start)
                window_start = cut + 1 if cut >= 0 else a_start
            start = self._usaddress_start(text, window_start, a_start, a_end)
            if start is None:
                continue
            yield _Span(start, a_end, BASE["postcode"] + BONUS_LOCALITY, "postcode")

    def _usaddress_start(self, text: str, window_start: int, anchor_start: int, anchor_end: int) -> int | None:
        """Earliest start of the run of usaddress address labels that ends at the postcode."""
        # Only the clause holding the postcode: cut at sentence punctuation before it.
        seg_start = window_start
        for p in _CLAUSE_END.finditer(text, window_start, anchor_start):
            seg_start = p.end()
        tokens = [t for t in _TOKEN.finditer(text, seg_start, anchor_end)]
        if len(tokens) < 2:
            return None
        try:
            parsed = usaddress.parse(text[seg_start:anchor_end])
        except Exception:  # a CRF failure must not stop the scan
            return None
        labels = [label for _, label in parsed]
        if len(labels) != len(tokens):
            return None
        first = len(tokens)
        for i in range(len(tokens) - 1, -1, -1):
            word = tokens[i].group().strip(",.").lower()
            if labels[i] not in ADDRESS_LABELS or (tokens[i].group()[:1].islower() and word in self.lexicon.stop_words):
                break
            first = i
        # The run must hold a street line: a house number or a box before the postcode anchor.
        run = labels[first:]
        if not any(lbl in {"AddressNumber", "USPSBoxID", "StreetNamePostType"} for lbl in run):
            return None
        while first < len(tokens) and labels[first] not in {
            "AddressNumber", "USPSBoxType", "OccupancyType", "SubaddressType", "BuildingName", "StreetNamePreType",
        }:
            first += 1
        # usaddress may take the word before a box phrase as part of its type ("hey P.O. Box 45")
        while (first + 1 < len(tokens) and labels[first] == labels[first + 1] == "USPSBoxType"
               and tokens[first].group().strip(",.").lower() not in self.lexicon.box_words):
            first += 1
        if first >= len(tokens) or tokens[first].start() >= anchor_start:
            return None
        start: int = tokens[first].start()
        return start


def _letter_follows(text: str, pos: int) -> bool:
    return pos < len(text) and (text[pos].isalnum())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " \t\r\n,;:>":
        end -= 1
    while start < end and text[start] in " \t\r\n,;:>":
        start += 1
    return start, end


def _merge(spans: Sequence[_Span]) -> list[_Span]:
    """Union of overlapping spans; the merged span keeps the highest confidence."""
    out: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and span.start < out[-1].end:
            last = out[-1]
            last.end = max(last.end, span.end)
            if span.confidence > last.confidence:
                last.confidence, last.rule = span.confidence, span.rule
        else:
            out.append(_Span(span.start, span.end, span.confidence, span.rule))
    return out
