"""Intent detection: threats to expose, bounties, extortion and private-media trading.

The patterns are data (``patterns/intents/*.toml``): spaCy ``Matcher`` token patterns
written in a small string syntax over shared word lists, so that only the tokenizer
runs (``nlp.make_doc``); no tagger or parser is needed. The syntax of one token:

==================  ================================================================
``word``            ``{LOWER: word}``
``a|b|@list``       ``{LOWER: {IN: [a, b, *list]}}``
``@list``           a word list (``IN``), a regex (``REGEX`` on ``LOWER``) or a full token
                    pattern, by the kind of lexicon entry ``list`` is
``_``               any token
``$slot``           one of the token sequences of ``[alternatives.slot]`` (the pattern is
                    expanded into one variant per alternative; ``$slot?`` adds the empty one)
suffix              ``?`` ``*`` ``+`` or ``{n,m}``: the spaCy ``OP``
inline table        a raw spaCy token pattern; ``"@list"`` values are expanded
==================  ================================================================

A file holds either shared word lists (``kind = "lexicon"``) or the patterns of one
intent (``kind = "intent"``): ``[[patterns]]`` (``id``, ``tokens``, ``confidence``,
optional ``part``, ``not_after`` (words that must not occur in the three tokens before),
``end_guard`` (the next token must be punctuation, the end, or in ``after_object``),
``examples.match`` / ``examples.no_match``) and
``[[combine]]`` rules that emit the intent when all their ``parts`` occur within
``window`` tokens. ``subsumes`` lists intent types that an overlapping match of this
intent replaces (an extortion contains a threat to expose). Files with
``kind = "context"`` belong to :mod:`scanner.signals` and are skipped here.

Negation, reporting, quotes, hypotheticals and questions do not stop a match: they are
context signals (:mod:`scanner.signals`) that the policy weighs.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import itertools
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from .errors import PatternError
from .nlp import VocabBudget
from .prefilter import first_chars
from .token_words import TokenWords, is_run, word_runs

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.strings import StringStore
    from spacy.tokens import Doc

INTENT_TYPES: tuple[str, ...] = ("THREAT_TO_EXPOSE", "BOUNTY", "EXTORTION", "PRIVATE_MEDIA")

_OP = re.compile(r"(\?|\*|\+|\{\d*,?\d*\})$")
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_MAX_VARIANTS = 512
_MAX_PART_MATCHES = 16
# A match ending on "her" is dropped when the next token is a word outside this list:
# "leaked pics of her" (object) versus "photos of her wedding" (possessive).
_AMBIGUOUS_OBJECT = "her"
_AFTER_OBJECT_LEXICON = "after_object"
_POSSESSIVE = frozenset({"'s", "’s"})

_PATTERN_KEYS = {"id", "tokens", "confidence", "part", "not_after", "end_guard", "description", "examples"}
_COMBINE_KEYS = {"id", "parts", "window", "confidence", "description", "examples"}
_INTENT_FILE_KEYS = {"kind", "intent", "description", "version", "subsumes", "patterns", "combine"}
_LEXICON_FILE_KEYS = {"kind", "description", "cues", "words", "regex", "tokens", "alternatives"}


@dataclass(frozen=True, slots=True)
class Intent:
    """An intent found in a post: its type, the offsets of the phrase that triggered it, and the rule."""

    type: str
    start: int
    end: int
    confidence: float
    rule: str

    @property
    def id(self) -> str:
        """A stable id within one report, used as violation evidence and by signals' ``about``."""
        return f"{self.type}@{self.start}-{self.end}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 3),
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Examples:
    match: tuple[str, ...] = field(repr=False)
    no_match: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class IntentRule:
    """One pattern or combine rule, as loaded (for tests and explanations)."""

    id: str
    intent: str
    kind: str  # "pattern" | "part" | "combine"
    confidence: float
    examples: Examples
    part: str | None = None
    parts: tuple[str, ...] = ()
    window: int = 0
    not_after: frozenset[str] = frozenset()
    end_guard: bool = False


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A raw match of one rule, before overlaps and subsumption are resolved (token offsets)."""

    rule: str
    start: int
    end: int


@dataclass
class _Lexicon:
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    regex: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    alternatives: dict[str, list[list[Any]]] = field(default_factory=dict)
    cues: set[str] = field(default_factory=set)

    def names(self) -> set[str]:
        return set(self.words) | set(self.regex) | set(self.tokens)

    def is_cue_word(self, word: str) -> bool:
        return any(word in self.words[c] for c in self.cues if c in self.words)


class IntentDetector:
    """Finds intents in post text with spaCy token patterns loaded from ``patterns/intents``.

    ``patterns_dir`` is the ``patterns/`` folder (or its ``intents/`` subfolder); ``nlp``
    any pipeline whose tokenizer is English (only ``nlp.make_doc`` is used). With
    ``vocab_limit``, :meth:`detect` keeps ``nlp``'s vocabulary within that many lexemes
    (``scanner.nlp.VocabBudget``).
    """

    def __init__(self, patterns_dir: Path, nlp: Language, vocab_limit: int | None = None) -> None:
        from spacy.matcher import Matcher

        self._nlp = nlp
        self.budget = VocabBudget(nlp, vocab_limit) if vocab_limit is not None else None
        folder = Path(patterns_dir)
        if (folder / "intents").is_dir():
            folder = folder / "intents"
        self.source = folder
        files = _read_files(folder)
        problems: list[str] = []
        self._lex = _load_lexicon(files, problems)
        self._matcher = Matcher(nlp.vocab, validate=True)
        self.rules: dict[str, IntentRule] = {}
        self._subsumes: dict[str, frozenset[str]] = {}
        cue_parts: dict[tuple[str, str], bool] = {}
        for name, data in files:
            if data.get("kind") == "intent":
                self._load_intent_file(name, data, problems, cue_parts)
        self._check_combines(problems, cue_parts)
        if problems:
            raise PatternError(str(folder), problems)
        self._after_object = frozenset(self._lex.words.get(_AFTER_OBJECT_LEXICON, ()))
        self._cue = _CueIndex(self._lex)
        self._patterns = {rid: self._matcher.get(rid)[1] for rid in self.rules if rid in self._matcher}
        self._required = _RequiredWords(self._patterns, nlp.vocab.strings, frozenset(nlp.Defaults.stop_words))
        self._token_words = TokenWords(nlp.tokenizer)
        # one Matcher per rule, built now: a post runs those of its candidate rules (a Matcher per
        # set of candidates, built on first use, cost the first post of each new set ~1-3 ms)
        self._rule_matchers: dict[str, Matcher] = {}
        for rule_id, patterns in self._patterns.items():
            matcher = Matcher(nlp.vocab)
            matcher.add(rule_id, patterns)
            self._rule_matchers[rule_id] = matcher

    def __repr__(self) -> str:
        return f"IntentDetector(rules={len(self.rules)}, source={str(self.source)!r})"

    @property
    def nlp(self) -> Language:
        """The pipeline whose tokenizer and vocabulary the patterns match on."""
        return self._nlp

    @property
    def lexeme_attributes(self) -> frozenset[int]:
        """The spaCy attribute ids read from lexemes: those the patterns name, and LOWER and IS_ALPHA
        (read by the candidate index and the end-of-match checks)."""
        from spacy.attrs import IDS, IS_ALPHA, LOWER

        named = {key for patterns in self._patterns.values() for pattern in patterns for token in pattern
                 for key in token}
        return frozenset({LOWER, IS_ALPHA, *(IDS[key] for key in named if key in IDS)})

    # -- public API ---------------------------------------------------------------------

    def has_cue(self, text: str) -> bool:
        """Cheap check: False means :meth:`detect` cannot find any intent in ``text``."""
        lowered = text.lower()
        return self._cue.search(lowered, word_runs(lowered))

    def detect(self, text: str) -> tuple[Intent, ...]:
        """The intents in ``text``, ordered by position, with offsets into ``text``.

        Only the rules whose required words are all tokens of the post are run (each has its
        own Matcher, built with the detector); the others cannot match. A post is tokenized
        only when every required word of some rule may be one of its tokens (``TokenWords``).
        """
        lowered = text.lower()
        runs = word_runs(lowered)
        if not self._cue.search(lowered, runs) or not self._required.may_match(lowered, runs, self._token_words):
            return ()
        with self.budget.session(len(text)) if self.budget is not None else contextlib.nullcontext():
            return self._detect_candidates(self._nlp.make_doc(text), lowered)

    def detect_in_doc(self, doc: Doc, text: str) -> tuple[Intent, ...]:
        """As :meth:`detect`, on a Doc of ``text`` made elsewhere by this detector's pipeline
        (such as the scanner's NER Doc: the post is then tokenized once, not twice)."""
        lowered = text.lower()
        if not self._cue.search(lowered, word_runs(lowered)):
            return ()
        return self._detect_candidates(doc, lowered)

    def _detect_candidates(self, doc: Doc, lowered: str) -> tuple[Intent, ...]:
        candidates = self._required.candidates(doc, lowered)
        if not candidates:
            return ()
        return self.detect_doc(doc, [self._rule_matchers[rule_id] for rule_id in sorted(candidates)])

    def tokenize(self, text: str) -> Doc:
        """The Doc that :meth:`detect` matches on (tokenizer only)."""
        return self._nlp.make_doc(text)

    def detect_doc(self, doc: Doc, matchers: Sequence[Matcher] | None = None) -> tuple[Intent, ...]:
        """The intents in a Doc already tokenized by the same pipeline (all rules, or ``matchers``)."""
        candidates: list[Intent] = []
        for m in self.rule_matches_doc(doc, matchers):
            rule = self.rules[m.rule]
            if rule.kind == "part":
                continue
            span = doc[m.start:m.end]
            candidates.append(Intent(rule.intent, span.start_char, span.end_char, rule.confidence, rule.id))
        return _resolve(candidates, self._subsumes)

    def rule_matches(self, text: str) -> list[RuleMatch]:
        """Every raw rule match (patterns, parts and combines) in ``text``, in token offsets."""
        return self.rule_matches_doc(self._nlp.make_doc(text))

    def rule_matches_doc(self, doc: Doc, matchers: Sequence[Matcher] | None = None) -> list[RuleMatch]:
        strings = self._nlp.vocab.strings
        raw: list[RuleMatch] = []
        seen: set[tuple[str, int, int]] = set()
        found = [m for matcher in (matchers if matchers is not None else [self._matcher]) for m in matcher(doc)]
        for match_id, start, end in found:
            rule_id = strings[match_id]
            if (rule_id, start, end) in seen or not self._accept(self.rules[rule_id], doc, start, end):
                continue
            seen.add((rule_id, start, end))
            raw.append(RuleMatch(rule_id, start, end))
        raw.extend(self._combine(raw))
        raw.sort(key=lambda m: (m.start, m.end, m.rule))
        return raw

    # -- matching -----------------------------------------------------------------------

    def _accept(self, rule: IntentRule, doc: Doc, start: int, end: int) -> bool:
        if end < len(doc):
            nxt = doc[end]
            if nxt.lower_ in _POSSESSIVE:  # "pics of @x's album": the object is something else
                return False
            guarded = rule.end_guard or doc[end - 1].lower_ == _AMBIGUOUS_OBJECT
            if guarded and nxt.is_alpha and nxt.lower_ not in self._after_object:
                return False
        if rule.not_after:
            before = {t.lower_ for t in doc[max(0, start - 3):start]}
            if before & rule.not_after:
                return False
        return True

    def _combine(self, raw: Sequence[RuleMatch]) -> list[RuleMatch]:
        by_part: dict[tuple[str, str], list[RuleMatch]] = {}
        for m in raw:
            rule = self.rules[m.rule]
            if rule.kind == "part" and rule.part is not None:
                by_part.setdefault((rule.intent, rule.part), []).append(m)
        out: list[RuleMatch] = []
        for rule in self.rules.values():
            if rule.kind != "combine":
                continue
            lists = [sorted(by_part.get((rule.intent, p), []), key=lambda m: m.start) for p in rule.parts]
            if not all(lists):
                continue
            starts = [[m.start for m in ms] for ms in lists]
            spans = set()
            for first in lists[0]:  # only the part matches within the window of this one
                lo, hi = first.end - rule.window, first.start + rule.window
                near = [
                    [m for m in ms[bisect.bisect_left(st, lo):bisect.bisect_right(st, hi)] if m.end <= hi]
                    [:_MAX_PART_MATCHES]
                    for ms, st in zip(lists[1:], starts[1:], strict=True)
                ]
                for rest in itertools.product(*near):
                    combo = (first, *rest)
                    start = min(m.start for m in combo)
                    end = max(m.end for m in combo)
                    if end - start <= rule.window and not _overlapping(combo):
                        spans.add((start, end))
            kept: list[tuple[int, int]] = []  # the tightest combinations that do not overlap
            for start, end in sorted(spans, key=lambda s: (s[1] - s[0], s[0])):
                if not any(start < b and a < end for a, b in kept):
                    kept.append((start, end))
            out.extend(RuleMatch(rule.id, start, end) for start, end in kept)
        return out

    # -- loading ------------------------------------------------------------------------

    def _load_intent_file(
        self, name: str, data: Mapping[str, Any], problems: list[str], cue_parts: dict[tuple[str, str], bool]
    ) -> None:
        where = name
        for key in sorted(set(data) - _INTENT_FILE_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        intent = data.get("intent")
        if intent not in INTENT_TYPES:
            problems.append(f"{where}: intent must be one of {', '.join(INTENT_TYPES)}, not {intent!r}")
            return
        subsumes = data.get("subsumes", [])
        if not _str_list(subsumes) or not set(subsumes) <= set(INTENT_TYPES):
            problems.append(f"{where}: subsumes must be a list of intent types")
        else:
            self._subsumes[intent] = frozenset(subsumes)
        patterns = data.get("patterns", [])
        if not isinstance(patterns, list) or not patterns:
            problems.append(f"{where}: patterns must be a non-empty array of tables")
            patterns = []
        for index, spec in enumerate(patterns):
            self._load_pattern(intent, f"{where} patterns[{index}]", spec, problems, cue_parts)
        combines = data.get("combine", [])
        if not isinstance(combines, list):
            problems.append(f"{where}: combine must be an array of tables")
            combines = []
        for index, spec in enumerate(combines):
            self._load_combine(intent, f"{where} combine[{index}]", spec, problems)

    def _load_pattern(
        self, intent: str, where: str, spec: Any, problems: list[str], cue_parts: dict[tuple[str, str], bool]
    ) -> None:
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be a table")
            return
        rule_id = self._check_id(where, spec, problems)
        where = f"{where} ({rule_id})" if rule_id else where
        for key in sorted(set(spec) - _PATTERN_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        confidence = _confidence(where, spec, problems)
        examples = _examples(where, spec, problems)
        part = spec.get("part")
        if part is not None and (not isinstance(part, str) or not part):
            problems.append(f"{where}: part must be a non-empty string")
            part = None
        end_guard = spec.get("end_guard", False)
        if not isinstance(end_guard, bool):
            problems.append(f"{where}: end_guard must be true or false")
            end_guard = False
        not_after = spec.get("not_after", [])
        if not _str_list(not_after):
            problems.append(f"{where}: not_after must be a list of words")
            not_after = []
        tokens = spec.get("tokens")
        if not isinstance(tokens, list) or not tokens:
            problems.append(f"{where}: tokens must be a non-empty array")
            return
        before = len(problems)
        variants = _expand(tokens, self._lex, problems, where)
        if len(problems) > before or rule_id is None or confidence is None or examples is None:
            return
        anchored = all(a for _, a in variants)
        if part is None and not anchored:
            problems.append(
                f"{where}: every variant needs a required token from a cue word list ({_cue_hint(self._lex)})"
            )
        if part is not None:
            key = (intent, part)
            cue_parts[key] = cue_parts.get(key, True) and anchored
        try:
            self._matcher.add(rule_id, [v for v, _ in variants])
        except Exception as exc:  # spaCy's MatchPatternError / ValueError, with the attribute at fault
            problems.append(f"{where}: invalid token pattern: {_first_line(exc)}")
            return
        self.rules[rule_id] = IntentRule(
            id=rule_id, intent=intent, kind="part" if part else "pattern", confidence=confidence,
            examples=examples, part=part, not_after=frozenset(w.lower() for w in not_after), end_guard=end_guard,
        )

    def _load_combine(self, intent: str, where: str, spec: Any, problems: list[str]) -> None:
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be a table")
            return
        rule_id = self._check_id(where, spec, problems)
        where = f"{where} ({rule_id})" if rule_id else where
        for key in sorted(set(spec) - _COMBINE_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        confidence = _confidence(where, spec, problems)
        examples = _examples(where, spec, problems)
        raw_parts = spec.get("parts")
        parts: list[str] | None = raw_parts if _str_list(raw_parts) and len(raw_parts) >= 2 else None
        if parts is None:
            problems.append(f"{where}: parts must list at least two part names")
        window = spec.get("window")
        if not isinstance(window, int) or isinstance(window, bool) or window <= 0:
            problems.append(f"{where}: window must be a positive integer (tokens)")
            window = None
        if rule_id is None or confidence is None or examples is None or parts is None or window is None:
            return
        self.rules[rule_id] = IntentRule(
            id=rule_id, intent=intent, kind="combine", confidence=confidence, examples=examples,
            parts=tuple(parts), window=window,
        )

    def _check_combines(self, problems: list[str], cue_parts: Mapping[tuple[str, str], bool]) -> None:
        for rule in self.rules.values():
            if rule.kind != "combine":
                continue
            missing = [p for p in rule.parts if (rule.intent, p) not in cue_parts]
            if missing:
                problems.append(f"combine {rule.id}: no pattern defines part(s) {', '.join(missing)}")
            elif not any(cue_parts[(rule.intent, p)] for p in rule.parts):
                problems.append(f"combine {rule.id}: no part is anchored on cue words in every pattern")

    def _check_id(self, where: str, spec: Mapping[str, Any], problems: list[str]) -> str | None:
        rule_id = spec.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            problems.append(f"{where}: id must look like 'family.name' (lower case), not {rule_id!r}")
            return None
        if rule_id in self.rules:
            problems.append(f"{where}: duplicate id {rule_id!r}")
            return None
        return rule_id


# -- resolution -------------------------------------------------------------------------


def _overlapping(combo: Iterable[RuleMatch]) -> bool:
    spans = sorted((m.start, m.end) for m in combo)
    return any(b[0] < a[1] for a, b in itertools.pairwise(spans))


class _Spans:
    """Disjoint spans kept sorted, with an overlap test in O(log n)."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self._spans, (end, end))
        return index > 0 and self._spans[index - 1][1] > start

    def add(self, start: int, end: int) -> None:
        bisect.insort(self._spans, (start, end))


def _resolve(candidates: list[Intent], subsumes: Mapping[str, frozenset[str]]) -> tuple[Intent, ...]:
    """Keep the best of overlapping intents of one type, then drop those a wider intent subsumes."""
    kept: list[Intent] = []
    by_type: dict[str, _Spans] = {}
    for intent in sorted(candidates, key=lambda i: (-i.confidence, -(i.end - i.start), i.start)):
        spans = by_type.setdefault(intent.type, _Spans())
        if not spans.overlaps(intent.start, intent.end):
            spans.add(intent.start, intent.end)
            kept.append(intent)
    final = [
        i for i in kept
        if not any(i.type in subsumes.get(t, ()) and spans.overlaps(i.start, i.end) for t, spans in by_type.items())
    ]
    return tuple(sorted(final, key=lambda i: (i.start, i.end, i.type)))


# -- loading helpers --------------------------------------------------------------------


def _read_files(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    if not folder.is_dir():
        raise PatternError(str(folder), ["intent patterns folder not found"])
    files: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: not valid TOML: {exc}")
            continue
        if data.get("kind") not in {"lexicon", "intent", "context"}:
            problems.append(f"{path.name}: kind must be 'lexicon', 'intent' or 'context'")
            continue
        files.append((path.name, data))
    if problems:
        raise PatternError(str(folder), problems)
    return files


def _load_lexicon(files: Sequence[tuple[str, Mapping[str, Any]]], problems: list[str]) -> _Lexicon:
    lex = _Lexicon()
    for name, data in files:
        if data.get("kind") != "lexicon":
            continue
        for key in sorted(set(data) - _LEXICON_FILE_KEYS):
            problems.append(f"{name}: unknown key {key!r}")
        for section, target in (("words", lex.words), ("regex", lex.regex), ("tokens", lex.tokens)):
            table = data.get(section, {})
            if not isinstance(table, dict):
                problems.append(f"{name}: [{section}] must be a table")
                continue
            for entry, value in table.items():
                if entry in lex.names() or entry in target:
                    problems.append(f"{name}: lexicon entry {entry!r} is defined twice")
                    continue
                checked = _check_entry(f"{name} [{section}.{entry}]", section, value, problems)
                if checked is not None:
                    target[entry] = checked
        alternatives = data.get("alternatives", {})
        if not isinstance(alternatives, dict):
            problems.append(f"{name}: [alternatives] must be a table")
            alternatives = {}
        for entry, value in alternatives.items():
            if not isinstance(value, list) or not value or not all(isinstance(v, list) and v for v in value):
                problems.append(f"{name} [alternatives.{entry}]: must be a list of non-empty token lists")
                continue
            lex.alternatives[entry] = value
        cues = data.get("cues", [])
        if not _str_list(cues):
            problems.append(f"{name}: cues must be a list of word-list names")
            continue
        lex.cues.update(cues)
    for cue in sorted(lex.cues):
        if cue not in lex.words and cue not in lex.regex:
            problems.append(f"cues: {cue!r} is not a [words] or [regex] entry")
    return lex


def _check_entry(where: str, section: str, value: Any, problems: list[str]) -> Any:
    if section == "words":
        if not _str_list(value) or not value:
            problems.append(f"{where}: must be a non-empty list of strings")
            return None
        bad = [w for w in value if not w or w != w.lower() or any(c.isspace() for c in w)]
        if bad:
            problems.append(f"{where}: entries must be single lower-case tokens ({len(bad)} are not)")
            return None
        return tuple(dict.fromkeys(value))
    if section == "regex":
        if not isinstance(value, str):
            problems.append(f"{where}: must be a string")
            return None
        try:
            re.compile(value)
        except re.error as exc:
            problems.append(f"{where}: invalid regex: {exc}")
            return None
        return value
    if not isinstance(value, dict) or not value:
        problems.append(f"{where}: must be an inline table (a spaCy token pattern)")
        return None
    return value


def _expand(
    tokens: Sequence[Any], lex: _Lexicon, problems: list[str], where: str
) -> list[tuple[list[dict[str, Any]], bool]]:
    """The spaCy patterns a token list stands for, each with whether a required token is a cue."""
    choices: list[list[tuple[list[dict[str, Any]], bool]]] = []
    for spec in tokens:
        if isinstance(spec, str) and spec.startswith("$"):
            optional = spec.endswith("?")
            slot = spec[1:-1] if optional else spec[1:]
            alternatives = lex.alternatives.get(slot)
            if alternatives is None:
                problems.append(f"{where}: unknown alternatives slot {slot!r}")
                return []
            options = []
            for alt in alternatives:
                parsed = [_token(t, lex, problems, where) for t in alt]
                options.append(([t for t, _ in parsed], any(a for _, a in parsed)))
            if optional:
                options.append(([], False))
            choices.append(options)
        else:
            tok, anchored = _token(spec, lex, problems, where)
            choices.append([([tok], anchored)])
    total = 1
    for options in choices:
        total *= len(options)
    if total > _MAX_VARIANTS:
        problems.append(f"{where}: expands to {total} variants (at most {_MAX_VARIANTS})")
        return []
    variants = []
    for combo in itertools.product(*choices):
        pattern = [t for toks, _ in combo for t in toks]
        if pattern:
            variants.append((pattern, any(a for _, a in combo)))
    return variants


def _token(spec: Any, lex: _Lexicon, problems: list[str], where: str) -> tuple[dict[str, Any], bool]:
    if isinstance(spec, dict):
        return _expand_values(spec, lex, problems, where), False
    if not isinstance(spec, str) or not spec:
        problems.append(f"{where}: a token must be a non-empty string or an inline table")
        return {}, False
    op_match = _OP.search(spec) if len(spec) > 1 else None
    op = op_match.group(1) if op_match else None
    body = spec[: op_match.start()] if op_match else spec
    required = op in (None, "+") or bool(op and op.startswith("{") and not op.startswith(("{0", "{,")))
    anchored = False
    if body == "_":
        tok: dict[str, Any] = {}
    elif "|" in body or (body.startswith("@") and body[1:] in lex.words):
        words: list[str] = []
        cue_members = True
        for part in body.split("|"):
            if part.startswith("@"):
                name = part[1:]
                if name not in lex.words:
                    problems.append(f"{where}: {part!r} is not a [words] list (only word lists can be joined with |)")
                    return {}, False
                words.extend(lex.words[name])
                cue_members = cue_members and name in lex.cues
            elif part:
                words.append(part.lower())
                cue_members = cue_members and lex.is_cue_word(part.lower())
            else:
                problems.append(f"{where}: empty alternative in {spec!r}")
        tok = {"LOWER": {"IN": sorted(set(words))}}
        anchored = cue_members
    elif body.startswith("@"):
        name = body[1:]
        if name in lex.regex:
            tok = {"LOWER": {"REGEX": lex.regex[name]}}
            anchored = name in lex.cues
        elif name in lex.tokens:
            tok = copy.deepcopy(lex.tokens[name])
        else:
            problems.append(f"{where}: unknown lexicon entry {name!r}")
            return {}, False
    else:
        tok = {"LOWER": body.lower()}
        anchored = lex.is_cue_word(body.lower())
    if op is not None:
        tok["OP"] = op
    return tok, anchored and required


def _expand_values(spec: Mapping[str, Any], lex: _Lexicon, problems: list[str], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if isinstance(value, str) and value.startswith("@") and len(value) > 1:
            name = value[1:]
            if name in lex.words:
                out[key] = {"IN": list(lex.words[name])}
            elif name in lex.regex:
                out[key] = {"REGEX": lex.regex[name]}
            else:
                problems.append(f"{where}: unknown lexicon entry {name!r}")
        elif isinstance(value, dict):
            out[key] = {
                k: _expand_list(v, lex, problems, where) if k in {"IN", "NOT_IN"} else v for k, v in value.items()
            }
        else:
            out[key] = value
    return out


def _expand_list(values: Any, lex: _Lexicon, problems: list[str], where: str) -> Any:
    if not isinstance(values, list):
        return values
    out: list[Any] = []
    for v in values:
        if isinstance(v, str) and v.startswith("@") and len(v) > 1:
            if v[1:] not in lex.words:
                problems.append(f"{where}: {v!r} is not a [words] list")
                continue
            out.extend(lex.words[v[1:]])
        else:
            out.append(v)
    return out


Requirement = frozenset[str] | re.Pattern[str]


class _RequiredWords:
    """Which patterns can possibly match a Doc, from the Matcher patterns themselves.

    A token pattern whose ``LOWER`` is a word or an ``IN`` list, and that must occur (no
    ``?`` / ``*`` / ``!`` / ``{0,n}`` operator), can only match a token whose ``LOWER`` is
    one of those words; a required ``LOWER`` regex can only match if it matches somewhere in
    the lower-cased post. A rule is a candidate when one of its patterns has every
    requirement met. Words are compared as vocabulary keys, as ``Doc.to_array(LOWER)``
    gives them (a hash, or a symbol's id: "number" is 432).
    """

    def __init__(
        self, patterns: Mapping[str, Sequence[Sequence[Mapping[str, Any]]]], strings: StringStore,
        stop_words: frozenset[str] = frozenset(),
    ) -> None:
        self.rules: dict[str, list[tuple[Requirement, ...]]] = {}
        self._keys: dict[frozenset[str], frozenset[int]] = {}
        for rule_id, variants in patterns.items():
            reqs = [tuple(r for r in map(self._requirement, v) if r is not None) for v in variants]
            self.rules[rule_id] = reqs
            for req in reqs:
                for words in req:
                    if isinstance(words, frozenset) and words not in self._keys:
                        self._keys[words] = frozenset(strings.add(w) for w in words)
        # each pattern is indexed under the words of one of its word requirements, the one
        # least likely in any post (fewest stop words such as "the", then fewest words, then the
        # longest shortest word): only patterns whose anchor word occurs need their other checks
        self._by_key: dict[int, list[tuple[str, int]]] = {}
        self._by_word: dict[str, list[tuple[str, int]]] = {}  # the same index by word, for may_match
        self._unanchored: list[tuple[str, int]] = []
        for rule_id, reqs in self.rules.items():
            for index, req in enumerate(reqs):
                word_reqs = [r for r in req if isinstance(r, frozenset)]
                if not word_reqs:
                    self._unanchored.append((rule_id, index))
                    continue
                anchor = min(word_reqs, key=lambda r: (len(r & stop_words), len(r), -min(map(len, r))))
                for key in self._keys[anchor]:
                    self._by_key.setdefault(key, []).append((rule_id, index))
                for word in anchor:
                    self._by_word.setdefault(word, []).append((rule_id, index))
        # required words that are not runs of letters and digits: may_match looks for them as substrings
        self._not_runs = tuple(sorted({w for words in self._keys for w in words if not is_run(w)}))

    @staticmethod
    def _requirement(token: Mapping[str, Any]) -> Requirement | None:
        op = str(token.get("OP", ""))
        lower = token.get("LOWER")
        if lower is None or op in {"?", "*", "!"} or op.startswith(("{0", "{,")):
            return None
        if isinstance(lower, str):
            return frozenset({lower})
        if isinstance(lower, Mapping) and set(lower) == {"IN"}:
            return frozenset(str(w) for w in lower["IN"])
        if isinstance(lower, Mapping) and set(lower) == {"REGEX"}:
            return re.compile(str(lower["REGEX"]).removeprefix("^").removesuffix("$"))
        return None

    def met(self, req: Requirement, tokens: set[int], lowered: str) -> bool:
        """Whether one requirement holds for a Doc with these ``LOWER`` keys and lower-cased text."""
        if isinstance(req, frozenset):
            return not self._keys[req].isdisjoint(tokens)
        return req.search(lowered) is not None

    def candidates(self, doc: Doc, lowered: str) -> frozenset[str]:
        """The rules that may match ``doc`` (``lowered``: its text, lower-cased)."""
        from spacy.attrs import LOWER

        tokens = set(doc.to_array(LOWER).tolist())
        by_key, keys = self._by_key, self._keys
        anchored = (p for key in tokens if key in by_key for p in by_key[key])
        return frozenset(self._met_rules(anchored, lambda words: not keys[words].isdisjoint(tokens), lowered))

    def may_match(self, lowered: str, runs: list[str], token_words: TokenWords) -> bool:
        """False when no rule can be a candidate of any tokenization of ``lowered`` (its text,
        lower-cased, with its ``word_runs``): the words its tokens may be (a superset) meet no
        rule's requirements."""
        present = token_words.possible(lowered, runs)
        present.update(w for w in self._not_runs if w in lowered)
        by_word = self._by_word
        anchored = (p for word in present if word in by_word for p in by_word[word])
        met = self._met_rules(anchored, lambda words: not words.isdisjoint(present), lowered)
        return next(met, None) is not None

    def _met_rules(self, anchored: Iterable[tuple[str, int]], has_word: Callable[[frozenset[str]], bool],
                   lowered: str) -> Iterator[str]:
        """Each rule once whose pattern (``anchored`` ones, then the unanchored) has every
        requirement met: word lists by ``has_word``, regexes searched in ``lowered``."""
        known: dict[int, bool] = {}  # patterns share their word lists: each is checked once per post

        def met(req: Requirement) -> bool:
            result = known.get(id(req))
            if result is None:
                result = known[id(req)] = (has_word(req) if isinstance(req, frozenset)
                                           else req.search(lowered) is not None)
            return result

        found: set[str] = set()
        for rule_id, index in itertools.chain(anchored, self._unanchored):
            if rule_id not in found and all(map(met, self.rules[rule_id][index])):
                found.add(rule_id)
                yield rule_id


class _CueIndex:
    """Every cue word of the lexicon, found in the lower-cased text.

    A cue word that starts (ends) with a letter or digit must not be preceded (followed) by
    one: the tokenizer only splits between two letters or digits in special cases ("gon|na",
    "can|not") that involve no cue word, so this never misses a token the Matcher sees.
    Plain words (letters and digits only) are looked up in a set of the text's maximal
    letter-digit runs, which is the same test; the few other cues form one regex.
    """

    def __init__(self, lex: _Lexicon) -> None:
        plain: set[str] = set()
        pieces: set[str] = set()
        for name in lex.cues:
            if name in lex.words:
                for w in lex.words[name]:
                    if is_run(w):
                        plain.add(w)
                    else:
                        pieces.add(_bounded(re.escape(w), w[0].isalnum(), w[-1].isalnum()))
            elif name in lex.regex:
                body = lex.regex[name].removeprefix("^").removesuffix("$")
                pieces.add(_bounded(f"(?:{body})", True, True))
        self.words = frozenset(plain)
        self.pattern = _alternation_with_first_char_check(sorted(pieces, key=lambda p: (-len(p), p)))

    def search(self, lowered: str, runs: list[str]) -> bool:
        """Whether ``lowered`` (a lower-cased text, with its ``word_runs``) holds a cue word."""
        if not self.words.isdisjoint(runs):
            return True
        return self.pattern is not None and self.pattern.search(lowered) is not None


def _alternation_with_first_char_check(pieces: list[str]) -> re.Pattern[str] | None:
    """The alternation of ``pieces``, led by a look-ahead for the characters its matches can start
    with when those are known: offsets that cannot start a match are then passed over at once
    instead of trying every piece's look-behind (5.2 -> 1.8 us per feed post)."""
    if not pieces:
        return None
    body = "|".join(pieces)
    first = first_chars(body)
    return re.compile(f"(?=[{first}])(?:{body})" if first else body)


def _bounded(piece: str, start: bool, end: bool) -> str:
    return ("(?<![a-z0-9])" if start else "") + piece + ("(?![a-z0-9])" if end else "")


def _cue_hint(lex: _Lexicon) -> str:
    return ", ".join(sorted(lex.cues))


def _confidence(where: str, spec: Mapping[str, Any], problems: list[str]) -> float | None:
    value = spec.get("confidence")
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 < value <= 1.0:
        problems.append(f"{where}: confidence must be a number in (0, 1]")
        return None
    return float(value)


def _examples(where: str, spec: Mapping[str, Any], problems: list[str]) -> Examples | None:
    examples = spec.get("examples")
    if not isinstance(examples, dict):
        problems.append(f"{where}: examples.match and examples.no_match are required")
        return None
    unknown = sorted(set(examples) - {"match", "no_match"})
    if unknown:
        problems.append(f"{where}: unknown examples key(s) {', '.join(unknown)}")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("match", "no_match"):
        value = examples.get(key)
        if not _str_list(value) or not value:
            problems.append(f"{where}: examples.{key} must be a non-empty list of strings")
        else:
            lists[key] = tuple(value)
    return Examples(lists["match"], lists["no_match"]) if len(lists) == 2 else None


def _str_list(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip().startswith("-")]
    return lines[0].lstrip("- ") if lines else type(exc).__name__
