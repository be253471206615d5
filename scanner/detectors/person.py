"""PERSON: spaCy's PERSON entities, repaired for social-media text.

Candidate names come from:

1. ``PERSON`` entities of ``data.doc`` (the scanner's NER-only pipeline);
2. cue rules from ``patterns/lexicons/person.toml``, which need no model: an
   honorific ("Ms. Jones" gives "Jones"); a naming phrase ("my name is ana",
   where a lower-case name is accepted); a relation or credit phrase ("my son
   Lukas", "directed by: ...", capitalised names only); a form or chat label
   ("User: ...", "Account holder: ..."); a lower-case job title ("songwriter
   Zoe Young"); a quote attribution ('"...!" said Ana to Ben'); a human verb
   after a name ("Jacob lives ..."); "<Name> is a [adj] person / nurse" and
   "A and B were engineers"; a possessive before a kin noun ("Amanda's
   daughter"); speaker labels of a dialog ("Ana: Who are you?"); a line that is
   only "First [M.] Last" in a multi-line post; the "First M. Last" shape;
3. lists: "A, B and C" of single capitalised words holding one found person
   makes the other members persons.

Vetoes: a candidate ending in an organisation suffix ("Palantir Technologies",
"Hall Orchestra") or a lone job title ("Salesperson") is dropped, and so is
any candidate inside a firm-like list ("Thomas and Sons", "Clark, Romero and
Hall Orchestra", "Lopez, Santos and Coleman is ..."), right after a place cue
("flew to Austin") or the subject of "is a ... agency / city".

Every candidate is cleaned: cut at a line break, a colon or a quote; possessive
"'s" and punctuation trimmed; never-name words ("Monday", "Apple", "lol", "Apt")
and an "ex-" descriptor ("ex-Beatle Lennon") trimmed from the ends. It is
dropped if it is an @handle or #hashtag (handles are account names, not PERSON
findings), holds a digit, a URL or an e-mail, or is part of a street
("3482 Via Franscini", "Crown St", "Joaquin Suarez 2906").
Overlapping candidates keep the longest span.

Lower-case posts: a second NER pass over a title-cased copy was measured and
rejected (on WNUT-17 dev it added 19 true and 133 false names); lower-case
names are found only after naming phrases.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from ..errors import PatternError
from ..findings import Hit
from ..nlp import entity_spans
from ..phrase_trie import WordGate, literal_alternation, literal_trie_regex
from .base import Detector, ScanInput

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from ..config import ScannerConfig

LEXICON_FILE = "lexicons/person.toml"

CONFIDENCE_NER = 0.7
CONFIDENCE_CUE = 0.75
CONFIDENCE_INITIAL = 0.7
CONFIDENCE_PROPAGATED = 0.6
CONFIDENCE_NAME_LINE = 0.55

_L = r"\p{L}\p{M}"
_CAP = rf"\p{{Lu}}[{_L}'’\-]*"
_TITLE = rf"\p{{Lu}}\p{{Ll}}[{_L}'’\-]*"  # Titlecase, not ALL CAPS
_INITIAL = r"\p{Lu}\.?"
_LOWER = rf"\p{{Ll}}[{_L}'’\-]*"
_WORD_RE = regex.compile(rf"[{_L}][{_L}'’\-]*")
_CONTRACTION = regex.compile(r"['’](?:s|re|ll|ve|d|m|t)$|n['’]t$")
_FIRST_M_LAST = regex.compile(
    rf"(?<![{_L}])({_TITLE})[ \t]+(\p{{Lu}}\.|[B-HJ-NP-Z])[ \t]+({_TITLE})(?![{_L}])"  # "A", "I", "O" need a period
)
_LIST_ITEM = _TITLE
# A list of single capitalised words, not part of a longer capitalised phrase ("Prince William and ...").
_LIST = regex.compile(
    rf"(?<!\p{{Lu}}[{_L}'’\-]*[ \t]+)(?<![{_L}])({_LIST_ITEM})(?:,[ \t]*{_LIST_ITEM}){{0,8}},?[ \t]+(?:and|&|or)[ \t]+"
    rf"{_LIST_ITEM}(?![{_L}])(?![ \t]+(?:\p{{Lu}}|of\b))"
)
_LIST_MEMBER = regex.compile(_LIST_ITEM)
_IS_A = regex.compile(r"[ \t](?:is|was)[ \t]+an?[ \t]")  # in every veto_kind match, found faster
_LIST_JOIN = regex.compile(r"[ \t](?:and|&|or)[ \t]")  # in every _LIST match, found faster
_MIDDLE_INITIAL = regex.compile(r"[ \t](?:\p{Lu}\.|[B-HJ-NP-Z])[ \t]")  # in every _FIRST_M_LAST match, found faster
# "Name: <speech>" at the start of a line (a chat or dialog transcript).
_SPEAKER = regex.compile(rf"(?m)^[ \t>]*(?P<name>{_TITLE}):[ \t]*[\"“]?\p{{Lu}}[^\n]*\p{{Ll}}")
# A line that is only "First [M.] Last" (signatures, contact blocks), in a multi-line post.
_NAME_LINE = regex.compile(
    rf"(?m)^[ \t>]*(?P<name>{_TITLE}[ \t]+(?:\p{{Lu}}\.?[ \t]+)?{_TITLE})[ \t]*$"
)
# A house number right before a name ("3482 Via Franscini", "15 rue Victor Hugo"): a number standing alone, then at
# most one word, capitalised or a street type; not "F 1 driver Michael", "m8 Michael", "born 1816 that Anthony".
_HOUSE_NUMBER_BEFORE = regex.compile(rf"(?<![{_L}\d])\d{{1,5}}[ \t]+(?:(?P<word>[{_L}]+)\.?[ \t]+)?$")
_NUMBER_AFTER = regex.compile(r"[ \t]+\d{1,5}\b")  # "Joaquin Suarez 2906"
_POSSESSIVE = regex.compile(r"['’]s?$")
_POSSESSIVE_ENDS = ("'", "’", "'s", "’s")  # what a _POSSESSIVE match at the end of a text without "\n" is
_EX_PREFIX = regex.compile(r"(?i)ex[-‐–]")  # "ex-Beatle Paul": the descriptor is not part of the name
# A list of capitalised words that may be a firm ("Thomas and Sons", "Clark, Romero and Hall Orchestra",
# "Lopez, Santos and Coleman is ..."): the word after it decides (see PersonDetector._firms).
_FIRM = regex.compile(
    rf"(?<![{_L}])(?P<first>{_TITLE})(?P<more>(?:,[ \t]*{_TITLE})*),?[ \t]+(?:and|&)[ \t]+(?P<last>{_TITLE})"
    rf"(?:[ \t]+(?P<next>[{_L}]+))?"
)
_SINGULAR_VERBS = frozenset({"is", "was", "has"})
_CUT = regex.compile(r"[\n:\"“”]")
_URL = regex.compile(r"https?:|www\.|\.com\b")
_DIGIT = regex.compile(r"\d")
_WORD_AFTER = regex.compile(r"[ \t]+(\p{L}+)\.?")
_BAD = regex.compile(r"https?:|www\.|[@#/\\]|\.com\b|\d")
_BAD_CHARS = frozenset(":.@#/\\")  # one is in every match of _BAD but a digit


@dataclass(frozen=True)
class PersonLexicon:
    honorific: regex.Pattern[str]
    cue: regex.Pattern[str]
    relation: regex.Pattern[str]
    subject: regex.Pattern[str]
    described: regex.Pattern[str]
    label: regex.Pattern[str]
    said: regex.Pattern[str]
    titled: regex.Pattern[str]
    veto: regex.Pattern[str]  # veto_place | veto_kind
    veto_place: regex.Pattern[str]
    veto_kind: regex.Pattern[str]
    possessor: regex.Pattern[str]
    gate: WordGate  # which of the patterns above may match a text, by their cue words
    gate_any_text: bool  # the gate may judge a non-ASCII text by an ASCII copy (see _ruled_out)
    never: frozenset[str]
    org_suffixes: frozenset[str]
    titles: frozenset[str]
    function_words: frozenset[str]
    street_types: frozenset[str]
    examples_match: tuple[tuple[str, str], ...]
    examples_no_match: tuple[str, ...]


def _words(data: dict[str, Any], section: str, key: str, problems: list[str], source: str) -> list[str]:
    value = data.get(section, {}).get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"{source}: [{section}].{key} must be a non-empty list of strings")
        return []
    return list(value)


def _trie_i(words: Iterable[str]) -> str:
    """A word trie for use under ``(?i)`` (ASCII words lower-cased first)."""
    return literal_trie_regex(words, fold_ascii=True)


def _key_is_ascii_prefix(word: str) -> bool:
    """The gate looks for a word by its case-folded text up to the first non-ASCII character: true
    when that is the word's own ASCII prefix, lower-cased (not so for "Straße": "strasse")."""
    for ch in word:
        if not ch.isascii():
            return not ch.casefold()[:1].isascii()
    return True


@functools.lru_cache(maxsize=8)
def load_lexicon(patterns_dir: Path, *, flat: bool = False) -> PersonLexicon:
    """Read ``person.toml``; raise PatternError listing every problem.

    ``flat`` builds the word lists as plain alternations instead of tries (for tests).
    """
    _alt, _alt_i = (literal_alternation, literal_alternation) if flat else (literal_trie_regex, _trie_i)
    problems: list[str] = []
    try:
        data: dict[str, Any] = tomllib.loads((patterns_dir / LEXICON_FILE).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PatternError(LEXICON_FILE, [f"cannot read lexicon: {exc}"]) from None
    honorifics = _words(data, "honorifics", "words", problems, LEXICON_FILE)
    naming = _words(data, "cues", "naming", problems, LEXICON_FILE)
    relation = _words(data, "cues", "relation", problems, LEXICON_FILE)
    never = _words(data, "never", "words", problems, LEXICON_FILE)
    function_words = _words(data, "function_words", "words", problems, LEXICON_FILE)
    verbs = _words(data, "cues", "human_verbs", problems, LEXICON_FILE)
    person_nouns = _words(data, "cues", "person_nouns", problems, LEXICON_FILE)
    labels = _words(data, "cues", "labels", problems, LEXICON_FILE)
    org_suffixes = _words(data, "organisations", "suffixes", problems, LEXICON_FILE)
    titles = _words(data, "titles", "words", problems, LEXICON_FILE)
    places = _words(data, "places", "cues", problems, LEXICON_FILE)
    kinds = _words(data, "organisations", "kinds", problems, LEXICON_FILE)
    kin = _words(data, "cues", "kin_nouns", problems, LEXICON_FILE)
    streets = _words(data, "streets", "words", problems, LEXICON_FILE)
    examples = data.get("examples", {})
    matches: list[tuple[str, str]] = []
    for i, item in enumerate(examples.get("match", [])):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or item.get("value") not in item["text"]:
            problems.append(f"{LEXICON_FILE}: [examples].match[{i}] needs text and a value that is a substring of it")
            continue
        matches.append((item["text"], item["value"]))
    no_match = examples.get("no_match", [])
    if not matches or not isinstance(no_match, list) or not all(isinstance(x, str) for x in no_match):
        problems.append(f"{LEXICON_FILE}: [examples] needs non-empty match and a no_match list of strings")
    if problems:
        raise PatternError(LEXICON_FILE, problems)
    # every pattern needs one of its cue words, after a non-letter (the gate's premise)
    gate_words = {
        "honorific": honorifics, "cue": naming, "relation": relation, "subject": verbs,
        "described": [*person_nouns, *titles], "label": labels, "said": ["said"], "titled": titles,
        "veto_place": places, "veto_kind": kinds, "possessor": kin,
    }
    gate = WordGate(gate_words)
    name = rf"(?P<name>{_TITLE}(?:[ \t]+(?:{_INITIAL}|{_TITLE})){{0,2}})"
    short_name = rf"(?P<name>{_TITLE}(?:[ \t]+(?:{_INITIAL}[ \t]+)?{_TITLE})?)"
    lower_name = rf"(?P<lname>{_LOWER}(?:[ \t]+{_LOWER})?)"
    # a place after a place cue ("flew to Austin"); "<Name> is a ... agency"
    veto_place = rf"(?i:(?<![{_L}])(?:{_alt_i(places)}))[ \t]+(?P<x>{_CAP}(?:[ \t]+{_CAP})?)"
    veto_kind = (
        rf"(?<![{_L}][ \t]?)(?<![{_L}])(?P<x>{_TITLE}(?:[ \t]+{_TITLE}){{0,2}})[ \t]+(?:is|was)[ \t]+an?[ \t]+"
        rf"(?:[{_L}\-]+[ \t]+){{0,3}}(?i:{_alt_i(kinds)})(?![{_L}])"
    )
    return PersonLexicon(
        honorific=regex.compile(rf"(?<![{_L}])(?:{_alt(honorifics)})\.?[ \t]+{short_name}(?![{_L}])"),
        cue=regex.compile(rf"(?i:(?<![{_L}])(?:{_alt_i(naming)}))[ \t]+(?:{name}|{lower_name})(?![{_L}])"),
        relation=regex.compile(rf"(?i:(?<![{_L}])(?:{_alt_i(relation)}))[ \t]*:?[ \t]+{name}(?![{_L}])"),
        subject=regex.compile(rf"(?<![{_L}][ \t]?)(?<![{_L}]){short_name}[ \t]+(?i:{_alt_i(verbs)})(?![{_L}])"),
        described=regex.compile(
            rf"(?<![{_L}][ \t]?)(?<![{_L}]){short_name}(?:[ \t]+and[ \t]+(?P<other>{_TITLE}))?[ \t]+"
            rf"(?:(?:is|was)[ \t]+an?|are|were)[ \t]+(?:\p{{Ll}}+[ \t]+){{0,2}}"
            rf"(?:{_alt([*person_nouns, *titles])})s?(?![{_L}])"
        ),
        # '"...!" said Ana to Ben': a quote attribution
        said=regex.compile(
            rf"(?<=[!?,.;:\"”’'][ \t]{{0,3}})said[ \t]+{short_name}"
            rf"(?:[ \t]+to[ \t]+(?P<other>{_TITLE}(?:[ \t]+{_TITLE})?))?(?![{_L}])"
        ),
        titled=regex.compile(rf"(?<![{_L}])(?:{_alt(titles)})[ \t]+{name}(?![{_L}])"),
        veto=regex.compile(f"{veto_place}|{veto_kind}"),
        veto_place=regex.compile(veto_place),
        veto_kind=regex.compile(veto_kind),
        label=regex.compile(rf"(?i:(?<![{_L}])(?:{_alt_i(labels)})):[ \t]+{name}(?![{_L}])"),
        possessor=regex.compile(rf"(?<![{_L}]){short_name}['’]s?[ \t]+(?i:{_alt_i(kin)})(?![{_L}])"),
        gate=gate,
        gate_any_text=all(_key_is_ascii_prefix(w) for words in gate_words.values() for w in words),
        never=frozenset(w.lower() for w in never),
        org_suffixes=frozenset(w.lower() for w in org_suffixes),
        titles=frozenset(w.lower() for w in titles),
        function_words=frozenset(w.lower() for w in function_words),
        street_types=frozenset(w.lower() for w in streets),
        examples_match=tuple(matches),
        examples_no_match=tuple(no_match),
    )


@dataclass(frozen=True, slots=True)
class _Cand:
    start: int
    end: int
    confidence: float
    rule: str


class PersonDetector(Detector):
    """Person names: spaCy NER plus cue, shape and propagation rules, cleaned for posts."""

    id = "pii.person/v1"
    types = frozenset({"PERSON"})
    needs_doc = True

    def __init__(self, config: ScannerConfig) -> None:
        super().__init__(config)
        self.lexicon = load_lexicon(Path(config.patterns_dir))

    def may_fire(self, text: str) -> bool:
        return any(ch.isalpha() for ch in text)

    def may_fire_beside(self, text: str) -> bool:
        """A name the policy links to an identifier needs a word beside it that is neither a
        never-name word nor a function word ("Phone:", "it's at"), and in text with capitals a
        capitalised one (the small model tags almost no lower-case word of such text PERSON)."""
        lex = self.lexicon
        capitals = any(ch.isupper() for ch in text)
        for m in _WORD_RE.finditer(text):
            word = m.group()
            if capitals and not word[0].isupper():
                continue
            lowered = _CONTRACTION.sub("", word.lower())  # "it's" -> "it", "Ana's" -> "ana"
            if lowered not in lex.never and lowered not in lex.function_words:
                return True
        return False

    def detect(self, data: ScanInput) -> Iterable[Hit]:
        text = data.text
        ents = _entities(data.doc)  # Doc.ents walks every token: read it once
        cands = [_Cand(s, e, CONFIDENCE_NER, "pii.person.ner") for s, e, label in ents if label == "PERSON"]
        blocked = [(s, e) for s, e, label in ents if label in _NOT_PERSON_LABELS]
        ruled_out = _ruled_out(self.lexicon, text)
        cands.extend(
            c for c in self.cue_candidates(text, ruled_out)
            if c.rule != "pii.person.line" or not any(s < c.end and c.start < e for s, e in blocked)
        )
        cleaned = [c for c in (self._clean(text, c) for c in cands) if c is not None]
        cleaned.extend(self._propagate(text, cleaned, blocked))
        vetoed = self._firms(text)
        vetoed.extend(self._vetoes(text, ruled_out))
        if vetoed:  # organisations and places
            cleaned = [c for c in cleaned if not any(s < c.end and c.start < e for s, e in vetoed)]
        for c in _resolve(cleaned):
            yield Hit(type="PERSON", start=c.start, end=c.end, confidence=c.confidence, rule=c.rule)

    # -- sources -----------------------------------------------------------------

    def cue_candidates(self, text: str, ruled_out: frozenset[str] = frozenset()) -> Iterator[_Cand]:
        """Names found by the cue rules (no model needed); ``ruled_out``: the lexicon patterns that
        cannot match (``_ruled_out(lexicon, text)``), not scanned."""
        lex = self.lexicon
        if "'" not in text and "’" not in text:
            ruled_out = ruled_out | {"possessor"}  # "Amanda's daughter": no apostrophe, no match

        def scan(name: str) -> Iterator[regex.Match[str]]:
            if name not in ruled_out:
                yield from getattr(lex, name).finditer(text)

        for m in scan("honorific"):
            yield _Cand(m.start("name"), m.end("name"), CONFIDENCE_CUE, "pii.person.honorific")
        for m in (*scan("cue"), *scan("relation"), *scan("label"), *scan("titled")):
            group = "name" if m.group("name") else "lname"
            start, end = m.span(group)
            # a cue name stops at the first function word ("my name is not important")
            words = list(_WORD_RE.finditer(text, start, end))
            kept: list[regex.Match[str]] = []
            for w in words:
                lowered = w.group().lower()
                if kept and group == "name" and len(lowered) == 1 and lowered != "i":
                    kept.append(w)  # a middle initial ("Joana A Ferreira"), even if "a" is a never-word
                    continue
                if lowered in lex.never or (lowered in lex.function_words and (group == "lname" or len(lowered) > 1)):
                    break
                kept.append(w)
            while len(kept) > 1 and len(kept[-1].group()) == 1:
                kept.pop()  # an initial ends no name
            if kept:
                yield _Cand(kept[0].start(), kept[-1].end(), CONFIDENCE_CUE, "pii.person.cue")
        for name, rule in (
            ("subject", "pii.person.subject"), ("described", "pii.person.subject"),
            ("possessor", "pii.person.possessor"), ("said", "pii.person.said"),
        ):
            for m in scan(name):
                for group in ("name", "other"):
                    value = m.groupdict().get(group)
                    if value and value.split()[0].lower() not in lex.function_words | lex.never:
                        yield _Cand(m.start(group), m.end(group), CONFIDENCE_CUE, rule)
        # every speaker label holds a colon of its own: two need two
        speakers = [m for m in _SPEAKER.finditer(text) if m.group("name").lower() not in lex.never] \
            if text.count(":") >= 2 else []
        if len(speakers) >= 2:  # a dialog: "Ana: Who are you?\nBen: ..."
            for m in speakers:
                yield _Cand(m.start("name"), m.end("name"), CONFIDENCE_CUE, "pii.person.speaker")
        for m in _NAME_LINE.finditer(text) if "\n" in text else ():
            if not {w.lower() for w in m.group("name").split()} & (lex.function_words | lex.never):
                yield _Cand(m.start("name"), m.end("name"), CONFIDENCE_NAME_LINE, "pii.person.line")
        for m in _FIRST_M_LAST.finditer(text) if _MIDDLE_INITIAL.search(text) else ():
            if not {m.group(1).lower(), m.group(3).lower()} & (lex.function_words | lex.never):
                yield _Cand(m.start(), m.end(), CONFIDENCE_INITIAL, "pii.person.initial")

    def _propagate(self, text: str, found: list[_Cand], other: list[tuple[int, int]]) -> Iterator[_Cand]:
        """Other members of a list ("A, B and C") that holds a found person (``other``: non-person entities)."""
        if not found or not _LIST_JOIN.search(text):
            return  # no found person to propagate, or no list
        spans = {(c.start, c.end) for c in found}
        for m in _LIST.finditer(text):
            members = [(x.start(), x.end()) for x in _LIST_MEMBER.finditer(text, m.start(), m.end())]
            if not any(any(s <= ms and me <= e for s, e in spans) for ms, me in members):
                continue
            for ms, me in members:
                if any(s < me and ms < e for s, e in other):
                    continue
                cand = self._clean(text, _Cand(ms, me, CONFIDENCE_PROPAGATED, "pii.person.list"))
                if cand is not None:
                    yield cand

    def _vetoes(self, text: str, ruled_out: frozenset[str]) -> list[tuple[int, int]]:
        """The places and organisations the veto pattern finds; one of its two branches is scanned
        alone when the other cannot match anywhere in ``text`` (same matches, several times faster)."""
        lex = self.lexicon
        place = "veto_place" not in ruled_out
        kind = "veto_kind" not in ruled_out and _IS_A.search(text) is not None
        pattern = lex.veto if place and kind else lex.veto_place if place else lex.veto_kind if kind else None
        return [] if pattern is None else [m.span("x") for m in pattern.finditer(text)]

    def _firms(self, text: str) -> list[tuple[int, int]]:
        """Lists of capitalised words that name one organisation: the last word or the word after it is an
        organisation suffix ("Thomas and Sons", "Clark, Romero and Hall Orchestra"), or a list of three or more
        takes a singular verb ("Lopez, Santos and Coleman is a design agency")."""
        # every match holds "&" or "and" between blanks (spaces or tabs)
        if "&" not in text and " and " not in text and "\tand" not in text and "and\t" not in text:
            return []
        out = []
        suffixes = self.lexicon.org_suffixes
        for m in _FIRM.finditer(text):
            nxt = (m.group("next") or "").lower()
            if m.group("last").lower() in suffixes or nxt in suffixes or (m.group("more") and nxt in _SINGULAR_VERBS):
                out.append((m.start(), m.end("last")))
        return out

    # -- cleaning ----------------------------------------------------------------

    def _clean(self, text: str, c: _Cand) -> _Cand | None:
        start, end = c.start, c.end
        span = text[start:end]
        if ("." in span or ":" in span) and _URL.search(span):  # every URL shape holds one
            return None
        while start < end and text[start].isspace():
            start += 1
        cut = _CUT.search(text, start, end)  # names hold no line break, colon or quote
        if cut:
            end = cut.start()
        value = text[start:end].rstrip(" \t.,;:!?\"')]}")
        if value.endswith(_POSSESSIVE_ENDS):  # no line break left in it: "$" is its end
            value = _POSSESSIVE.sub("", value)
        end = start + len(value)
        # trim never-name words (and anything that is not a word) from both ends
        words = list(_WORD_RE.finditer(text, start, end))
        while words and (words[0].group().lower() in self.lexicon.never or not words[0].group()[:1].isalpha()
                         or _EX_PREFIX.match(words[0].group())):
            words.pop(0)
        while words and words[-1].group().lower() in self.lexicon.never:
            words.pop()
        if not words or words[-1].group().lower() in self.lexicon.org_suffixes:
            return None  # "Palantir Technologies", "Hall Orchestra"
        if len(words) == 1 and words[0].group().lower() in self.lexicon.titles:
            return None  # "Awarded Salesperson of the Month"
        start, end = words[0].start(), words[-1].end()
        token_end = end
        while token_end < len(text) and not text[token_end].isspace():
            token_end += 1
        if _DIGIT.search(text, start, token_end):
            return None  # "John2020", "Box 12"
        if end < len(text) and text[end:end + 1] == "." and end - start <= 2:
            return None
        value = text[start:end]
        if (not _BAD_CHARS.isdisjoint(value) and _BAD.search(value)) or (start > 0 and text[start - 1] in "@#"):
            return None  # (it holds no digit: the rest of _BAD needs one of _BAD_CHARS)
        if start > 1 and text[start - 2:start] in {"@ ", "# "}:
            return None  # tokenised "@ handle"
        if sum(ch.isalpha() for ch in value) < 2:
            return None
        if self._in_address(text, start, end):
            return None
        return _Cand(start, end, c.confidence, c.rule)

    def _in_address(self, text: str, start: int, end: int) -> bool:
        """A name part of a street: "<number> Name" before it or a street type right after it."""
        house = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 16), start)
        if house and (not house.group("word") or house.group("word")[0].isupper()
                      or house.group("word").lower() in self.lexicon.street_types):
            return True
        if end < len(text) and text[end] in " \t":  # what both patterns after the name begin with
            if _NUMBER_AFTER.match(text, end, end + 8):
                return True
            after = _WORD_AFTER.match(text, end, end + 20)
            if after and after.group(1).lower() in self.lexicon.street_types:
                return True
        last = text[start:end].split()[-1].rstrip(".").lower()
        return len(text[start:end].split()) > 1 and last in self.lexicon.street_types


# spaCy labels that veto a rule-based name (a signature line, a list member) on the same words.
_NOT_PERSON_LABELS = frozenset({
    "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "GPE", "LOC", "NORP", "FAC",
    "EVENT", "LAW", "LANGUAGE",
})  # not ORG / PRODUCT / WORK_OF_ART: the small model files many unknown names there


# The non-ASCII characters that the regex module's case-insensitive matching equates with an ASCII
# letter (dotted and dotless i, long s, Kelvin sign); a test checks the list against every
# character up to U+2FFFF (none above has a case mapping).
FOLDS_TO_ASCII = frozenset("\u0130\u0131\u017f\u212a")


def _ruled_out(lexicon: PersonLexicon, text: str) -> frozenset[str]:
    """The lexicon patterns that cannot match ``text``, also for non-ASCII text.

    The gate answers only for ASCII text. Another text is judged by an ASCII copy with every other
    character replaced by "?" (not a letter), unless it holds a character of FOLDS_TO_ASCII: the
    part of a cue word the gate looks for is the word's ASCII prefix (``gate_any_text``), which only
    ASCII characters of the text can match, and those the copy keeps; a letter before the match can
    only turn into a non-letter, which the gate counts as a possible match.
    """
    if text.isascii():
        return lexicon.gate.ruled_out(text)
    if not lexicon.gate_any_text or not FOLDS_TO_ASCII.isdisjoint(text):
        return frozenset()
    return lexicon.gate.ruled_out(text.encode("ascii", "replace").decode("ascii"))


def _entities(doc: Doc | None) -> list[tuple[int, int, str]]:
    return [] if doc is None else entity_spans(doc)


def _resolve(cands: list[_Cand]) -> list[_Cand]:
    """Overlapping candidates: keep the longest span (then the highest confidence)."""
    out: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), -c.confidence, c.start)):
        if all(c.end <= o.start or c.start >= o.end for o in out):
            out.append(c)
    return sorted(out, key=lambda c: c.start)
