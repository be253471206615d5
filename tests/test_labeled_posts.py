"""The labeled posts (tests/data/labeled_posts.jsonl): the table itself, the scoring layer on the
posts without identifiers, and end-to-end verdicts through ``scanner.Scanner``.

Aggregate targets rather than per-post asserts: the table keeps held-out phrasings that the
patterns were not written from, so a few posts are expected to miss (see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import spacy

from benchmarks.intents_eval import LABELED, _score, acted_intents, load_labeled
from scanner.intents import INTENT_TYPES, IntentDetector
from scanner.policy import VERDICTS, Policy
from scanner.redact import redact
from scanner.signals import ContextLexicon, PostContext, detect_signals

REPO = Path(__file__).resolve().parents[1]
POSTS = load_labeled(LABELED)
# groups written without any identifier: the scoring layer alone decides them
NO_IDENTIFIERS = ("threat", "bounty", "extortion", "media", "lookalike", "report", "negation", "hypothetical",
                  "question", "quote")

INTENT_F1 = 0.90
VERDICT_ACCURACY = 0.90


def group(post: dict[str, Any]) -> str:
    return str(post["id"]).split("-")[0]


# -- the table ----------------------------------------------------------------------------------


def test_table_shape() -> None:
    assert len(POSTS) >= 200
    assert len({p["id"] for p in POSTS}) == len(POSTS)
    for post in POSTS:
        assert set(post) <= {"id", "text", "context", "intents", "verdict", "note"}, post["id"]
        assert post["text"].strip() and post["note"].strip(), post["id"]
        assert post["verdict"] in VERDICTS, post["id"]
        assert set(post["intents"]) <= set(INTENT_TYPES), post["id"]
        if "context" in post:
            PostContext.from_dict(post["context"])


def test_table_covers_every_intent_verdict_and_exception() -> None:
    intents = Counter(t for p in POSTS for t in p["intents"])
    assert all(intents[t] >= 10 for t in INTENT_TYPES), intents
    assert set(Counter(p["verdict"] for p in POSTS)) == set(VERDICTS)
    groups = Counter(group(p) for p in POSTS)
    for name in (*NO_IDENTIFIERS, "address", "identity", "contact", "financial", "other", "credential"):
        assert groups[name] >= 5, name
    assert groups["lookalike"] + groups["report"] + groups["negation"] >= 60


# -- scoring layer without identifiers ----------------------------------------------------------


@pytest.fixture(scope="module")
def layer() -> Any:
    detector = IntentDetector(REPO / "patterns", spacy.blank("en"))
    lexicon = ContextLexicon.load(REPO / "patterns")
    policy = Policy.load(REPO / "patterns" / "policies" / "default.toml")

    def run(text: str, context: dict[str, Any] | None) -> Any:
        ctx = PostContext.from_dict(context) if context else None
        intents = detector.detect(text)
        signals = detect_signals(text, (), intents, ctx, lexicon)
        decision = policy.evaluate((), intents, signals, ctx)
        return dataclasses.make_dataclass("R", ["intents", "violations", "verdict"])(
            intents, decision.violations, decision.verdict)

    return run


def test_layer_on_posts_without_identifiers(layer: Any) -> None:
    posts = [p for p in POSTS if group(p) in NO_IDENTIFIERS]
    reports = [layer(p["text"], p.get("context")) for p in posts]
    scores = _score((set(p["intents"]), acted_intents(r)) for p, r in zip(posts, reports, strict=True))
    assert scores["micro"]["f1"] >= INTENT_F1, scores
    accuracy = sum(r.verdict == p["verdict"] for p, r in zip(posts, reports, strict=True)) / len(posts)
    assert accuracy >= VERDICT_ACCURACY
    wrongly_blocked = [p["id"] for p, r in zip(posts, reports, strict=True)
                       if p["verdict"] == "allow" and r.verdict == "block"]
    assert len(wrongly_blocked) <= 0.02 * len(posts), wrongly_blocked


# -- end to end through the Scanner -------------------------------------------------------------


@pytest.fixture(scope="module")
def reports() -> list[Any]:
    from scanner import Scanner

    scanner = Scanner()
    return [scanner.scan(p["text"], context=p.get("context")) for p in POSTS]


def test_intent_f1(reports: list[Any]) -> None:
    scores = _score((set(p["intents"]), acted_intents(r)) for p, r in zip(POSTS, reports, strict=True))
    assert scores["micro"]["f1"] >= INTENT_F1, scores
    assert all(scores[t]["f1"] >= 0.85 for t in INTENT_TYPES), scores


def test_verdict_accuracy(reports: list[Any]) -> None:
    correct = sum(r.verdict == p["verdict"] for p, r in zip(POSTS, reports, strict=True))
    assert correct / len(POSTS) >= VERDICT_ACCURACY
    wrongly_blocked = [p["id"] for p, r in zip(POSTS, reports, strict=True)
                       if p["verdict"] == "allow" and r.verdict == "block"]
    assert len(wrongly_blocked) <= 0.02 * len(POSTS), wrongly_blocked


def test_redacted_text(reports: list[Any]) -> None:
    for post, report in zip(POSTS, reports, strict=True):
        assert report.redacted_text == redact(post["text"], report.findings), post["id"]


def _policy_examples(kind: str) -> list[tuple[str, str]]:
    policy = Policy.load(REPO / "patterns" / "policies" / "default.toml")
    return [(rule.id, text) for rule in policy.rules
            for text in (rule.examples.match if kind == "match" else rule.examples.no_match)]


@pytest.fixture(scope="module")
def scanner_instance() -> Any:
    from scanner import Scanner

    return Scanner()


@pytest.mark.parametrize(("rule_id", "text"), _policy_examples("match"))
def test_policy_rule_examples_violate(scanner_instance: Any, rule_id: str, text: str) -> None:
    assert rule_id in {v.rule for v in scanner_instance.scan(text).violations}


@pytest.mark.parametrize(("rule_id", "text"), _policy_examples("no_match"))
def test_policy_rule_hard_negatives_do_not_violate(scanner_instance: Any, rule_id: str, text: str) -> None:
    assert rule_id not in {v.rule for v in scanner_instance.scan(text).violations}
