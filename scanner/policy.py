"""The policy layer: findings + intents + context signals -> violations and a verdict.

The policy is data (``patterns/policies/default.toml``; a platform may load its own with
:meth:`Policy.load`). :meth:`Policy.evaluate` is a pure function of its inputs. See the
header of the default policy file and the README for the format and the evaluation order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .errors import PatternError
from .findings import Located
from .intents import INTENT_TYPES
from .resources import read_toml
from .signals import SIGNAL_TYPES, PostContext

VERDICTS: tuple[str, ...] = ("allow", "warn", "review", "block")
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
LOWER = "lower"
KNOWN_FINDING_TYPES: frozenset[str] = frozenset({
    "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "STREET_ADDRESS", "GPS_COORDINATES", "US_SSN", "NATIONAL_ID",
    "PASSPORT_NUMBER", "DRIVER_LICENSE", "CREDIT_CARD", "CARD_SECURITY_CODE", "CARD_EXPIRY", "IBAN_CODE",
    "BANK_ACCOUNT", "CRYPTO_WALLET", "DATE_OF_BIRTH", "IP_ADDRESS", "CREDENTIAL",
})
DEFAULT_POLICY = "default.toml"

_RULE_KEYS = {
    "id", "category", "severity", "explanation", "findings", "intents", "action", "escalate", "exceptions",
    "min_confidence", "examples",
}
_FILE_KEYS = {
    "kind", "name", "version", "description", "min_confidence", "harassment_intents", "harassment_voids",
    "categories", "extra_finding_types", "rules",
}
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
_SIGNAL_LABELS: Mapping[str, str] = {
    "SELF_DISCLOSURE": "the author's own details",
    "BUSINESS_CONTACT": "business or public-office contact",
    "PUBLIC_FIGURE": "public figure",
    "NEWS_OR_REPORT": "news, report or condemnation",
    "QUOTE": "quotation",
    "NEGATION": "negated",
    "HYPOTHETICAL": "hypothetical",
    "QUESTION": "question",
    "TARGET": "linked to a person named in the post",
}
_INTENT_LABELS: Mapping[str, str] = {
    "THREAT_TO_EXPOSE": "alongside a threat to expose",
    "BOUNTY": "alongside a bounty",
    "EXTORTION": "alongside extortion",
    "PRIVATE_MEDIA": "alongside private-media sharing",
}


def verdict_rank(verdict: str) -> int:
    """The order of verdicts (allow 0 < warn 1 < review 2 < block 3); ValueError for an unknown one."""
    return VERDICTS.index(verdict)


def verdict_at_least(verdict: str, level: str) -> bool:
    """True when ``verdict`` is ``level`` or stricter (for ``--fail-on``)."""
    return verdict_rank(verdict) >= verdict_rank(level)




class _SignalLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def about(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Violation:
    """One policy rule broken by a post, with the ids of the findings/intents behind it."""

    rule: str
    category: str
    severity: str
    evidence: tuple[str, ...]
    explanation: str
    action: str = "block"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "action": self.action,
            "evidence": list(self.evidence),
            "explanation": self.explanation,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The violations of a post and the verdict for the posting flow."""

    violations: tuple[Violation, ...]
    verdict: str

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(v.explanation for v in self.violations)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "violations": [v.to_dict() for v in self.violations]}


@dataclass(frozen=True, slots=True)
class PolicyExamples:
    match: tuple[str, ...] = field(repr=False)
    no_match: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True, slots=True)
class PolicyRule:
    id: str
    category: str
    severity: str
    explanation: str
    findings: frozenset[str]
    intents: frozenset[str]
    action: str
    escalate: Mapping[str, str]
    exceptions: Mapping[str, str]
    min_confidence: float | None
    examples: PolicyExamples


@dataclass(frozen=True, slots=True)
class _Outcome:
    action: str
    raised_by: tuple[str, ...]
    lowered_by: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """A loaded policy file."""

    name: str
    version: int
    rules: tuple[PolicyRule, ...]
    categories: Mapping[str, str]
    min_confidence: float = 0.5
    harassment_intents: frozenset[str] = frozenset(INTENT_TYPES)
    harassment_voids: frozenset[str] = frozenset({"PUBLIC_FIGURE"})
    source: str = field(default="<memory>", compare=False)

    @classmethod
    def default(cls) -> Policy:
        from .resources import default_patterns_dir

        return cls.load(default_patterns_dir() / "policies" / DEFAULT_POLICY)

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """Load a policy file; a malformed one raises PatternError listing every problem."""
        path = Path(path)
        return cls.from_mapping(read_toml(path, "policy file"), source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<memory>") -> Policy:
        return _build(data, source)

    # -- evaluation -----------------------------------------------------------------------

    def evaluate(
        self,
        findings: Iterable[Located],
        intents: Iterable[Located],
        signals: Iterable[_SignalLike],
        post_context: PostContext | None = None,
    ) -> Decision:
        """Violations and verdict for one post (pure: same inputs, same decision)."""
        findings = tuple(findings)
        intents = tuple(intents)
        about, post_wide = _index_signals(signals, post_context)
        outcomes: dict[str, list[tuple[Located, _Outcome]]] = {}
        intent_rules = {t: r for r in self.rules for t in r.intents}
        active: set[str] = set()
        for intent in intents:
            rule = intent_rules.get(intent.type)
            if rule is None or intent.confidence < self._threshold(rule):
                continue
            outcome = self._outcome(rule, about.get(intent.id, set()) | post_wide, frozenset(), harassed=False)
            outcomes.setdefault(rule.id, []).append((intent, outcome))
            if outcome.action != "allow":
                active.add(intent.type)
        harassed = bool(active & self.harassment_intents)
        finding_rules = {t: r for r in self.rules for t in r.findings}
        for finding in findings:
            rule = finding_rules.get(finding.type)
            if rule is None or finding.confidence < self._threshold(rule):
                continue
            outcome = self._outcome(rule, about.get(finding.id, set()) | post_wide, frozenset(active), harassed)
            outcomes.setdefault(rule.id, []).append((finding, outcome))
        violations = []
        for rule in self.rules:
            kept = [(item, o) for item, o in outcomes.get(rule.id, []) if o.action != "allow"]
            if kept:
                violations.append(self._violation(rule, kept))
        verdict = max((v.action for v in violations), key=verdict_rank, default="allow")
        return Decision(tuple(violations), verdict)

    def active_intents(
        self, intents: Iterable[Located], signals: Iterable[_SignalLike], post_context: PostContext | None = None
    ) -> tuple[Any, ...]:
        """The intents that count after negation, reporting, quotes and hypotheticals."""
        intents = tuple(intents)
        decision = self.evaluate((), intents, signals, post_context)
        evidence = {e for v in decision.violations for e in v.evidence}
        return tuple(i for i in intents if i.id in evidence)

    def _threshold(self, rule: PolicyRule) -> float:
        return rule.min_confidence if rule.min_confidence is not None else self.min_confidence

    def _outcome(self, rule: PolicyRule, signals: set[str], active: frozenset[str], harassed: bool) -> _Outcome:
        rank = verdict_rank(rule.action)
        raised = []
        for key, action in rule.escalate.items():
            if key in signals or key in active:
                raised.append(key)
                rank = max(rank, verdict_rank(action))
        lowered = []
        cap = rank
        steps = 0
        for key, effect in rule.exceptions.items():
            if key not in signals or (harassed and key in self.harassment_voids):
                continue
            lowered.append(key)
            if effect == LOWER:
                steps += 1
            else:
                cap = min(cap, verdict_rank(effect))
        final = max(0, min(cap, rank) - steps)
        return _Outcome(VERDICTS[final], tuple(raised), tuple(lowered))

    def _violation(self, rule: PolicyRule, kept: Sequence[tuple[Located, _Outcome]]) -> Violation:
        action = max((o.action for _, o in kept), key=verdict_rank)
        items = sorted(kept, key=lambda pair: (pair[0].start, pair[0].id))
        raised = sorted({k for _, o in kept if o.action == action for k in o.raised_by})
        lowered = sorted({k for _, o in kept if o.action == action for k in o.lowered_by})
        notes = [_SIGNAL_LABELS.get(k) or _INTENT_LABELS.get(k, k.lower()) for k in raised]
        if lowered:
            notes.append("lowered: " + ", ".join(_SIGNAL_LABELS.get(k, k.lower()) for k in lowered))
        types = sorted({item.type for item, _ in kept})
        count = f"{len(kept)} item{'s' if len(kept) != 1 else ''}: {', '.join(types)}"
        explanation = f"{rule.explanation} ({count}{'; ' + '; '.join(notes) if notes else ''})"
        return Violation(
            rule=rule.id, category=rule.category, severity=rule.severity,
            evidence=tuple(item.id for item, _ in items), explanation=explanation, action=action,
        )


def _index_signals(
    signals: Iterable[_SignalLike], post_context: PostContext | None
) -> tuple[dict[str, set[str]], set[str]]:
    about: dict[str, set[str]] = {}
    post_wide: set[str] = set()
    for s in signals:
        if s.about is None:
            post_wide.add(s.type)
        else:
            about.setdefault(s.about, set()).add(s.type)
    if post_context is not None and post_context.is_public_figure:
        post_wide.add("PUBLIC_FIGURE")
    return about, post_wide


# -- loading ----------------------------------------------------------------------------


def _build(data: Mapping[str, Any], source: str) -> Policy:
    problems: list[str] = []
    if data.get("kind") != "policy":
        problems.append("kind must be 'policy'")
    for key in sorted(set(data) - _FILE_KEYS):
        problems.append(f"unknown key {key!r}")
    name = data.get("name", "policy")
    if not isinstance(name, str) or not name:
        problems.append("name must be a non-empty string")
        name = "policy"
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        problems.append("version must be an integer")
        version = 1
    min_conf = _number(data.get("min_confidence", 0.5), "min_confidence", problems)
    harassment = _names(data.get("harassment_intents", list(INTENT_TYPES)), "harassment_intents",
                        set(INTENT_TYPES), problems)
    voids = _names(data.get("harassment_voids", ["PUBLIC_FIGURE"]), "harassment_voids", set(SIGNAL_TYPES), problems)
    extra = data.get("extra_finding_types", [])
    if not isinstance(extra, list) or not all(isinstance(t, str) and re.match(r"^[A-Z][A-Z0-9_]*$", t) for t in extra):
        problems.append("extra_finding_types must be a list of UPPER_CASE type names")
        extra = []
    finding_types = KNOWN_FINDING_TYPES | set(extra)
    categories = data.get("categories", {})
    if not isinstance(categories, dict) or not all(
        isinstance(k, str) and _CATEGORY.match(k) and isinstance(v, str) and v for k, v in categories.items()
    ):
        problems.append("[categories] must map lower_case ids to non-empty labels")
        categories = {}
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("rules must be a non-empty array of tables")
        raw_rules = []
    rules: list[PolicyRule] = []
    seen_ids: set[str] = set()
    owner: dict[str, str] = {}
    for index, spec in enumerate(raw_rules):
        raw_id = spec.get("id") if isinstance(spec, dict) else None
        if isinstance(raw_id, str) and raw_id in seen_ids:
            problems.append(f"rules[{index}]: duplicate id {raw_id!r}")
        if isinstance(raw_id, str):
            seen_ids.add(raw_id)
        rule = _rule(index, spec, categories, finding_types, problems)
        if rule is None:
            continue
        for covered in sorted(rule.findings | rule.intents):
            if covered in owner:
                problems.append(f"rules[{index}] ({rule.id}): {covered} is already covered by {owner[covered]}")
            owner[covered] = rule.id
        rules.append(rule)
    if problems:
        raise PatternError(source, problems)
    return Policy(
        name=name, version=version, rules=tuple(rules), categories=dict(categories),
        min_confidence=min_conf if min_conf is not None else 0.5, harassment_intents=frozenset(harassment),
        harassment_voids=frozenset(voids), source=source,
    )


def _rule(
    index: int, spec: Any, categories: Mapping[str, str], finding_types: frozenset[str] | set[str],
    problems: list[str],
) -> PolicyRule | None:
    where = f"rules[{index}]"
    if not isinstance(spec, dict):
        problems.append(f"{where}: must be a table")
        return None
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        problems.append(f"{where}: id must look like 'group.name' (lower case), not {rule_id!r}")
        rule_id = None
    else:
        where = f"{where} ({rule_id})"
    before = len(problems)
    for key in sorted(set(spec) - _RULE_KEYS):
        problems.append(f"{where}: unknown key {key!r}")
    category = spec.get("category")
    if not isinstance(category, str) or not _CATEGORY.match(category):
        problems.append(f"{where}: category must be a lower_case id")
    elif categories and category not in categories:
        problems.append(f"{where}: category {category!r} is not listed in [categories]")
    severity = spec.get("severity")
    if severity not in SEVERITIES:
        problems.append(f"{where}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    explanation = spec.get("explanation")
    if not isinstance(explanation, str) or not explanation.strip() or "\n" in explanation:
        problems.append(f"{where}: explanation must be one non-empty line")
    findings = _names(spec.get("findings", []), f"{where}: findings", set(finding_types), problems)
    intents = _names(spec.get("intents", []), f"{where}: intents", set(INTENT_TYPES), problems)
    if not findings and not intents:
        problems.append(f"{where}: must cover at least one finding type or intent")
    action = spec.get("action")
    if action not in VERDICTS or action == "allow":
        problems.append(f"{where}: action must be one of warn, review, block, not {action!r}")
    escalate = _effects(spec.get("escalate", {}), f"{where}: escalate", set(SIGNAL_TYPES) | set(INTENT_TYPES),
                        set(VERDICTS), problems)
    exceptions = _effects(spec.get("exceptions", {}), f"{where}: exceptions", set(SIGNAL_TYPES),
                          set(VERDICTS) | {LOWER}, problems)
    min_conf = _number(spec["min_confidence"], f"{where}: min_confidence", problems) \
        if "min_confidence" in spec else None
    examples = spec.get("examples")
    if not isinstance(examples, dict) or set(examples) != {"match", "no_match"} or not all(
        isinstance(v, list) and v and all(isinstance(t, str) for t in v) for v in examples.values()
    ):
        problems.append(f"{where}: examples.match and examples.no_match must be non-empty lists of strings")
        examples = None
    if len(problems) > before or rule_id is None or examples is None:
        return None
    assert isinstance(category, str) and isinstance(severity, str) and isinstance(explanation, str)
    assert isinstance(action, str)
    return PolicyRule(
        id=rule_id, category=category, severity=severity, explanation=explanation.strip(),
        findings=frozenset(findings), intents=frozenset(intents), action=action, escalate=escalate,
        exceptions=exceptions, min_confidence=min_conf,
        examples=PolicyExamples(tuple(examples["match"]), tuple(examples["no_match"])),
    )


def _names(value: Any, where: str, allowed: set[str], problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where} must be a list of names")
        return []
    unknown = sorted(set(value) - allowed)
    if unknown:
        problems.append(f"{where}: unknown name(s) {', '.join(unknown)}")
        return []
    return list(value)


def _effects(value: Any, where: str, keys: set[str], effects: set[str], problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(f"{where} must be a table")
        return {}
    out: dict[str, str] = {}
    for key, effect in value.items():
        if key not in keys:
            problems.append(f"{where}: unknown signal or intent {key!r}")
        elif effect not in effects:
            problems.append(f"{where}: {key} must map to one of {', '.join(sorted(effects))}, not {effect!r}")
        else:
            out[key] = effect
    return out


def _number(value: Any, where: str, problems: list[str]) -> float | None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        problems.append(f"{where} must be a number within 0..1")
        return None
    return float(value)
