"""Every rule in patterns/rules carries examples; each one is checked here.

A match example must yield a finding of that rule (covering exactly ``value`` when
given) after normalisation, validators, filters, context and the default threshold;
a no-match example must yield none.
"""

from __future__ import annotations

from typing import Any

import pytest

from scanner import ScannerConfig
from scanner.detectors.base import ScanInput
from scanner.normalize import normalize
from scanner.refine import score
from scanner.rules import Example, Rule, load_families, longest_digit_run

CONFIG = ScannerConfig()
FAMILIES = load_families(CONFIG.patterns_dir / "rules")
RULES = [rule for family in FAMILIES for rule in family.rules]


def spans(rule: Rule, text: str) -> list[tuple[int, int]]:
    norm = normalize(text)
    out = []
    for hit in rule.hits(ScanInput(norm.text)):
        confidence = score(hit, norm.text, CONFIG.context_boost)
        if confidence is not None and confidence >= CONFIG.min_confidence:
            out.append(norm.span(hit.start, hit.end))
    return out


def _cases(kind: str) -> list[Any]:
    cases = []
    for rule in RULES:
        examples: tuple[Example, ...] = rule.matches if kind == "match" else rule.no_matches
        for i, ex in enumerate(examples):
            cases.append(pytest.param(rule, ex, id=f"{rule.id}[{i}]"))
    return cases


def test_there_are_rules() -> None:
    assert len(RULES) >= 1


@pytest.mark.parametrize(("rule", "example"), _cases("match"))
def test_match_example(rule: Rule, example: Example) -> None:
    found = spans(rule, example.text)
    assert found, f"{rule.id} did not flag its match example"
    if example.value is not None:
        values = [example.text[s:e] for s, e in found]
        assert example.value in values, f"{rule.id} covered {len(values)} span(s), none exactly the expected value"


@pytest.mark.parametrize(("rule", "example"), _cases("no_match"))
def test_no_match_example(rule: Rule, example: Example) -> None:
    assert spans(rule, example.text) == [], f"{rule.id} flagged its no-match example"


@pytest.mark.parametrize(("rule", "example"), _cases("match"))
def test_match_example_passes_the_pre_check(rule: Rule, example: Example) -> None:
    # the keyword / digit pre-check must not rule out a text the rule is meant to flag
    text = normalize(example.text).text
    present = frozenset(k for k in rule.keywords if k in text.lower())
    digits, run = sum(c.isdigit() for c in text), longest_digit_run(text)
    assert rule.may_fire(present, digits, run), f"{rule.id}: pre-check rules out a match example"
    assert rule.prefilter is None or rule.prefilter.search(text), f"{rule.id}: prefilter rules out a match example"


@pytest.mark.parametrize("rule", [r for r in RULES if r.requires_context], ids=lambda r: r.id)
def test_every_required_context_phrase_holds_a_keyword(rule: Rule) -> None:
    # a context phrase without any keyword in it could never be found: the pre-check stops the rule first
    missing = [phrase for phrase in rule.context if not any(k in phrase.lower() for k in rule.keywords)]
    assert not missing, f"{rule.id}: context phrases without a keyword: {missing}"
