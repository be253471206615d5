"""Regex rules as data: the schema of ``patterns/rules/*.toml`` and their loader.

One file per family. Top-level keys: ``family`` (detector id becomes
``rules.<family>/v<version>``), ``version``, ``description`` and an array of
``[[rules]]`` tables with these keys:

=================  ========  =====================================================
key                required  meaning
=================  ========  =====================================================
id                 yes       stable rule id, unique across all files (``family.name``)
type               yes       finding type (``EMAIL_ADDRESS``, ``CREDENTIAL``, ...)
subtype            no        finding subtype (``GB_NINO``, ``API_KEY``, ...)
regex              yes       pattern for the ``regex`` module
flags              no        flag names: IGNORECASE, MULTILINE, DOTALL, VERBOSE, ASCII, UNICODE
group              no        named group whose span is the finding (default: whole match)
confidence         yes       base confidence, 0..1
keywords           no        lower-case substrings; the rule runs only if the lower-cased
                             text contains one (empty: always runs). Cheap pre-check. A rule
                             with ``requires_context`` and no keywords gets the first word
                             of each context phrase as keywords (an error if one is a single letter).
min_digits         no        the rule runs only if the text has at least this many digits
min_digit_run      no        the rule runs only if the text has this many digits in a row (``\\d``
                             as the ``regex`` module reads it); one digit-run search per post
                             serves every rule
prefilter          no        a shape every text the rule can flag contains, searched without a
                             time limit (none needed: see :mod:`scanner.prefilter`) before the
                             rule's own regex
context            no        words/phrases near the hit that raise confidence
negative_context   no        words/phrases near the hit that lower confidence
requires_context   no        drop the hit unless a ``context`` word is near (default false)
context_window     no        words looked at on each side of the hit (default 6)
validators         no        names in ``scanner.validators.VALIDATORS``; all must pass
filters            no        names in ``scanner.validators.FILTERS``; any that fires drops the hit
entropy_min        no        Shannon entropy floor (bits per char) of the value
preview            no        keep a masked preview of the value (secrets); default false
annotator          no        name in ``scanner.validators.ANNOTATORS``: per-value attributes
attributes         no        table of constant attributes copied onto each finding
examples.match     yes       texts the rule must flag: a string, or ``{text=..., value=...}``
                             where ``value`` is the exact substring the finding must cover
examples.no_match  yes       texts the rule must not flag (hard negatives)
=================  ========  =====================================================

A malformed file raises :class:`~scanner.errors.PatternError` listing every problem.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import regex

from . import credential_checks  # noqa: F401  (registers credential checks by name)
from .detectors.base import Detector, ScanInput
from .errors import PatternError
from .findings import AttrValue, Hit, mask
from .prefilter import compile_prefilter
from .resources import read_toml
from .validators import ANNOTATORS, FILTERS, VALIDATORS

FLAG_NAMES: Mapping[str, int] = {
    "IGNORECASE": regex.IGNORECASE,
    "MULTILINE": regex.MULTILINE,
    "DOTALL": regex.DOTALL,
    "VERBOSE": regex.VERBOSE,
    "ASCII": regex.ASCII,
    "UNICODE": regex.UNICODE,
}

_KNOWN_KEYS = {
    "id", "type", "subtype", "regex", "flags", "group", "confidence", "keywords", "context",
    "negative_context", "requires_context", "context_window", "validators", "filters",
    "entropy_min", "preview", "attributes", "annotator", "min_digits", "min_digit_run", "prefilter", "examples",
}


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    value: str | None = None


@dataclass(frozen=True, eq=False)
class Rule:
    """One compiled regex rule."""

    id: str
    type: str
    pattern: regex.Pattern[str] = field(repr=False)
    confidence: float
    subtype: str | None = None
    group: str | None = None
    keywords: frozenset[str] = frozenset()
    min_digits: int = 0
    min_digit_run: int = 0
    prefilter: regex.Pattern[str] | None = field(default=None, repr=False)
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    requires_context: bool = False
    context_window: int = 6
    validators: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    entropy_min: float = 0.0
    preview: bool = False
    attributes: Mapping[str, AttrValue] = field(default_factory=dict)
    annotator: str | None = None
    matches: tuple[Example, ...] = field(default=(), repr=False)
    no_matches: tuple[Example, ...] = field(default=(), repr=False)

    def may_fire(self, present: frozenset[str], digits: int, digit_run: int | None = None) -> bool:
        """Whether the rule can match a text with these keywords present, this many digits and
        this longest run of digits (None: not checked)."""
        return (digits >= self.min_digits and (digit_run is None or digit_run >= self.min_digit_run)
                and (not self.keywords or not self.keywords.isdisjoint(present)))

    def accepts(self, value: str) -> bool:
        """Validators, filters and entropy floor for a matched value."""
        if self.entropy_min and shannon_entropy(value) < self.entropy_min:
            return False
        if not all(VALIDATORS[name](value) for name in self.validators):
            return False
        return not any(FILTERS[name](value) for name in self.filters)

    def hits(self, data: ScanInput) -> Iterator[Hit]:
        if self.prefilter is not None and self.prefilter.search(data.text) is None:
            return
        for match in data.finditer(self.pattern, self.id):
            start, end = match.span(self.group) if self.group else match.span()
            if start < 0 or start == end:
                continue
            value = data.text[start:end]
            if not self.accepts(value):
                continue
            yield Hit(
                type=self.type,
                start=start,
                end=end,
                confidence=self.confidence,
                rule=self.id,
                subtype=self.subtype,
                context=self.context,
                negative_context=self.negative_context,
                requires_context=self.requires_context,
                context_window=self.context_window,
                preview=mask(value) if self.preview else None,
                attributes={**self.attributes, **ANNOTATORS[self.annotator](value)} if self.annotator
                else self.attributes,
            )


@dataclass(frozen=True)
class RuleFamily:
    family: str
    version: int
    description: str
    rules: tuple[Rule, ...]
    source: str

    @property
    def detector_id(self) -> str:
        return f"rules.{self.family}/v{self.version}"


@functools.lru_cache(maxsize=8)
def lower(text: str) -> str:
    """``text.lower()``, computed once per post for all rule families' keyword checks."""
    return text.lower()


@functools.lru_cache(maxsize=8)
def count_digits(text: str) -> int:
    """The number of ASCII digits in ``text`` (once per post).

    Counted as bytes of its UTF-8 form, where no other character holds a byte below 0x80
    (lone surrogates included), by deleting them: 5x faster than ten ``str.count`` calls.
    """
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, b"0123456789"))


# Linear (one character class, no backtracking into it), so it needs no time limit; the regex
# module's \d, not the standard library's, which misses digits of newer Unicode versions
_DIGIT_RUN = regex.compile(r"\d+", regex.VERSION0)


@functools.lru_cache(maxsize=8)
def longest_digit_run(text: str) -> int:
    """The length of the longest run of digits in ``text`` (once per post, when a rule asks)."""
    return max(map(len, _DIGIT_RUN.findall(text)), default=0)


def _context_words(phrase: str) -> list[str]:
    words: list[str] = regex.findall(r"[\w'’]+", phrase.lower())
    return words


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _str_list(raw: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.append(f"{where}: must be a list of strings")
        return ()
    return tuple(raw)


def _examples(raw: Any, where: str, problems: list[str]) -> tuple[Example, ...]:
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list")
        return ()
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            out.append(Example(item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            value = item.get("value")
            if value is not None and (not isinstance(value, str) or value not in item["text"]):
                problems.append(f"{where}[{i}]: value must be a substring of text")
                continue
            out.append(Example(item["text"], value))
        else:
            problems.append(f"{where}[{i}]: must be a string or a table with 'text' (and optional 'value')")
    return tuple(out)


def _parse_rule(raw: Any, where: str, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a table")
        return None
    before = len(problems)
    rid = raw.get("id")
    if not isinstance(rid, str) or not regex.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_-]+)+", rid):
        problems.append(f"{where}: 'id' must look like 'family.name' (lower case)")
        rid = "?"
    where = f"{where} ({rid})"
    for key in sorted(set(raw) - _KNOWN_KEYS):
        problems.append(f"{where}: unknown key {key!r}")
    rtype = raw.get("type")
    if not isinstance(rtype, str) or not regex.fullmatch(r"[A-Z][A-Z0-9_]*", rtype):
        problems.append(f"{where}: 'type' must be an upper-case type name")
    conf = raw.get("confidence")
    if not isinstance(conf, int | float) or not 0 <= conf <= 1:
        problems.append(f"{where}: 'confidence' must be a number in 0..1")
    flags = 0
    for name in _str_list(raw.get("flags"), f"{where}.flags", problems):
        if name not in FLAG_NAMES:
            problems.append(f"{where}: unknown flag {name!r} (known: {', '.join(FLAG_NAMES)})")
        else:
            flags |= FLAG_NAMES[name]
    pattern = None
    source = raw.get("regex")
    if not isinstance(source, str) or not source:
        problems.append(f"{where}: 'regex' must be a non-empty string")
    else:
        try:
            pattern = regex.compile(source, flags | regex.VERSION0)
        except regex.error as exc:
            problems.append(f"{where}: regex does not compile: {exc}")
    group = raw.get("group")
    if group is not None and (pattern is None or group not in pattern.groupindex):
        problems.append(f"{where}: 'group' {group!r} is not a named group of the regex")
    validators = _str_list(raw.get("validators"), f"{where}.validators", problems)
    for name in validators:
        if name not in VALIDATORS:
            problems.append(f"{where}: unknown validator {name!r}")
    filters = _str_list(raw.get("filters"), f"{where}.filters", problems)
    for name in filters:
        if name not in FILTERS:
            problems.append(f"{where}: unknown filter {name!r}")
    keywords = _str_list(raw.get("keywords"), f"{where}.keywords", problems)
    if any(k != k.lower() for k in keywords):
        problems.append(f"{where}: keywords must be lower case")
    context = _str_list(raw.get("context"), f"{where}.context", problems)
    negative = _str_list(raw.get("negative_context"), f"{where}.negative_context", problems)
    requires_context = raw.get("requires_context", False)
    if not isinstance(requires_context, bool):
        problems.append(f"{where}: 'requires_context' must be true or false")
    if requires_context and not context:
        problems.append(f"{where}: 'requires_context' needs a 'context' list")
    min_digits = raw.get("min_digits", 0)
    if not isinstance(min_digits, int) or isinstance(min_digits, bool) or min_digits < 0:
        problems.append(f"{where}: 'min_digits' must be a non-negative integer")
    min_digit_run = raw.get("min_digit_run", 0)
    if not isinstance(min_digit_run, int) or isinstance(min_digit_run, bool) or min_digit_run < 0:
        problems.append(f"{where}: 'min_digit_run' must be a non-negative integer")
    if requires_context and not keywords:
        keywords = tuple(sorted({words[0] for words in (_context_words(c) for c in context) if words}))
        if any(len(k) < 2 for k in keywords):  # "a" (from "a/c") is in nearly every post: it rules out nothing
            problems.append(f"{where}: a context phrase starts with a one-letter word; give 'keywords' explicitly")
    prefilter = None
    if raw.get("prefilter") is not None:
        if not isinstance(raw["prefilter"], str):
            problems.append(f"{where}: 'prefilter' must be a string")
        else:
            try:
                prefilter = compile_prefilter(raw["prefilter"])
            except ValueError as exc:
                problems.append(f"{where}: 'prefilter' {exc}")
    window = raw.get("context_window", 6)
    if not isinstance(window, int) or not 1 <= window <= 50:
        problems.append(f"{where}: 'context_window' must be an integer in 1..50")
    entropy_min = raw.get("entropy_min", 0.0)
    if not isinstance(entropy_min, int | float) or entropy_min < 0:
        problems.append(f"{where}: 'entropy_min' must be a non-negative number")
    preview = raw.get("preview", False)
    if not isinstance(preview, bool):
        problems.append(f"{where}: 'preview' must be true or false")
    attributes = raw.get("attributes", {})
    scalar = str | int | float | bool
    if not isinstance(attributes, dict) or not all(isinstance(v, scalar) for v in attributes.values()):
        problems.append(f"{where}: 'attributes' must be a table of scalars")
    annotator = raw.get("annotator")
    if annotator is not None and annotator not in ANNOTATORS:
        problems.append(f"{where}: unknown annotator {annotator!r} (known: {', '.join(sorted(ANNOTATORS))})")
    subtype = raw.get("subtype")
    if subtype is not None and not isinstance(subtype, str):
        problems.append(f"{where}: 'subtype' must be a string")
    examples = raw.get("examples")
    matches: tuple[Example, ...] = ()
    no_matches: tuple[Example, ...] = ()
    if not isinstance(examples, dict) or "match" not in examples or "no_match" not in examples:
        problems.append(f"{where}: needs examples.match and examples.no_match")
    else:
        matches = _examples(examples["match"], f"{where}.examples.match", problems)
        no_matches = _examples(examples["no_match"], f"{where}.examples.no_match", problems)
        if not matches:
            problems.append(f"{where}: examples.match must not be empty")
    if len(problems) > before or pattern is None:
        return None
    return Rule(
        id=rid,
        type=rtype,  # type: ignore[arg-type]
        pattern=pattern,
        confidence=float(conf),  # type: ignore[arg-type]
        subtype=subtype,
        group=group,
        keywords=frozenset(keywords),
        min_digits=min_digits,
        min_digit_run=min_digit_run,
        prefilter=prefilter,
        context=context,
        negative_context=negative,
        requires_context=requires_context,
        context_window=window,
        validators=validators,
        filters=filters,
        entropy_min=float(entropy_min),
        preview=preview,
        attributes=dict(attributes),
        annotator=annotator,
        matches=matches,
        no_matches=no_matches,
    )


def parse_family(data: Mapping[str, Any], source: str) -> RuleFamily:
    """Validate and compile one rule file's content; raise PatternError listing every problem."""
    problems: list[str] = []
    family = data.get("family")
    if not isinstance(family, str) or not regex.fullmatch(r"[a-z0-9_]+", family):
        problems.append("'family' must be a lower-case name")
        family = "?"
    version = data.get("version", 1)
    if not isinstance(version, int) or version < 1:
        problems.append("'version' must be a positive integer")
        version = 1
    for key in sorted(set(data) - {"family", "version", "description", "rules"}):
        problems.append(f"unknown top-level key {key!r}")
    raw_rules = data.get("rules")
    rules: list[Rule] = []
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("'rules' must be a non-empty array of tables")
    else:
        seen: set[str] = set()
        for i, raw in enumerate(raw_rules):
            rule = _parse_rule(raw, f"rules[{i}]", problems)
            if rule is None:
                continue
            if rule.id in seen:
                problems.append(f"rules[{i}]: duplicate id {rule.id!r}")
            seen.add(rule.id)
            rules.append(rule)
    if problems:
        raise PatternError(source, problems)
    return RuleFamily(family, version, str(data.get("description", "")), tuple(rules), source)


def load_family(path: Path) -> RuleFamily:
    """Load one rule file."""
    return parse_family(read_toml(path, "rule file"), path.name)


def load_families(directory: Path) -> list[RuleFamily]:
    """Every ``*.toml`` rule file under ``directory`` (recursively), sorted by path."""
    families = [load_family(p) for p in sorted(directory.rglob("*.toml"))]
    ids = Counter(r.id for f in families for r in f.rules)
    dupes = sorted(i for i, n in ids.items() if n > 1)
    if dupes:
        raise PatternError(str(directory), [f"rule id {i!r} defined in more than one file" for i in dupes])
    return families


class KeywordIndex:
    """The keywords of many rule families, found in one Aho-Corasick pass per text and
    shared by the families (gitleaks' pre-check).

    Families :meth:`subscribe` their rules by keyword; :meth:`candidates` then gives, for
    one text, each family's rules whose keyword occurs, computed once for all families.
    """

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = tuple(sorted(set(keywords)))
        self._automaton = ahocorasick.Automaton()
        for keyword in self.keywords:
            self._automaton.add_word(keyword, keyword)
        if self.keywords:
            self._automaton.make_automaton()
        self._subscribers: dict[str, list[tuple[int, list[Rule]]]] = {}
        self._slots = 0
        self._candidates_memo: tuple[str, dict[int, list[Rule]]] = ("", {})

    def present(self, text: str) -> frozenset[str]:
        """The keywords that occur in the lower-cased ``text``."""
        return frozenset(k for _, k in self._automaton.iter(lower(text))) if self.keywords else frozenset()

    def subscribe(self, by_keyword: Mapping[str, list[Rule]]) -> int:
        """Register one family's rules by keyword; returns its slot for :meth:`candidates`."""
        slot = self._slots
        self._slots += 1
        for keyword, rules in by_keyword.items():
            if keyword not in self.keywords:
                raise ValueError(f"keyword {keyword!r} is not in this index")
            self._subscribers.setdefault(keyword, []).append((slot, rules))
        self._candidates_memo = ("", {})
        return slot

    def candidates(self, text: str) -> dict[int, list[Rule]]:
        """Slot -> the rules (possibly repeated) whose keyword occurs in ``text`` (memoised for the last text)."""
        memo = self._candidates_memo  # read once: another thread may replace it (same for every memo here)
        if memo[0] is text:
            return memo[1]
        out: dict[int, list[Rule]] = {}
        for keyword in self.present(text):
            for slot, rules in self._subscribers.get(keyword, ()):
                out.setdefault(slot, []).extend(rules)
        self._candidates_memo = (text, out)
        return out


def _digits_suffice(rule: Rule, text: str, digits: int) -> bool:
    """The rule's digit count and digit run checks on ``text`` (the run searched only if needed)."""
    return digits >= rule.min_digits and (not rule.min_digit_run or longest_digit_run(text) >= rule.min_digit_run)


class RuleDetector(Detector):
    """A detector running one family of regex rules, keyword-prefiltered."""

    def __init__(self, family: RuleFamily, timeout: float = 1.0, keyword_index: KeywordIndex | None = None) -> None:
        # Rule detectors are built from data, so their id and types are per instance.
        self.id = family.detector_id
        self.types = frozenset(r.type for r in family.rules)
        self.family = family
        self.rules = family.rules
        self.timeout = timeout
        self._unkeyed = tuple(r for r in family.rules if not r.keywords)
        self._position = {id(r): i for i, r in enumerate(family.rules)}
        by_keyword: dict[str, list[Rule]] = {}
        for rule in family.rules:
            for keyword in rule.keywords:
                by_keyword.setdefault(keyword, []).append(rule)
        self.keyword_index = keyword_index if keyword_index is not None else KeywordIndex(by_keyword)
        self._slot = self.keyword_index.subscribe(by_keyword)
        self._memo: tuple[str, list[Rule]] = ("", [])

    def _runnable(self, text: str) -> list[Rule]:
        """The rules whose keyword, digit and digit-run pre-checks pass (memoised for the last text)."""
        memo = self._memo
        if memo[0] is text:
            return memo[1]
        keyed = self.keyword_index.candidates(text).get(self._slot)
        runnable: list[Rule] = []
        if keyed or self._unkeyed:
            candidates = [*self._unkeyed, *keyed] if keyed else list(self._unkeyed)
            digits = count_digits(text)
            runnable = [r for r in dict.fromkeys(candidates) if _digits_suffice(r, text, digits)]
            if keyed:  # in the family's order, whatever the order the keywords were found in
                runnable.sort(key=lambda r: self._position[id(r)])
        self._memo = (text, runnable)
        return runnable

    @property
    def keyword_slot(self) -> int:
        """This family's slot in :attr:`keyword_index`."""
        return self._slot

    @property
    def unkeyed_min_digits(self) -> float:
        """The fewest digits a text needs for one of the rules without keywords to run (inf: none)."""
        return min((r.min_digits for r in self._unkeyed), default=float("inf"))

    def may_fire(self, text: str) -> bool:
        return bool(self._runnable(text))

    def detect(self, data: ScanInput) -> Iterable[Hit]:
        for rule in self._runnable(data.text):
            yield from rule.hits(data)

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["rules"] = len(self.rules)
        out["source"] = self.family.source
        return out
