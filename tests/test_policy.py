"""The policy layer, with hand-built findings, intents and signals."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import PatternError
from scanner.findings import Finding
from scanner.intents import Intent
from scanner.policy import VERDICTS, Decision, Policy, Violation, verdict_at_least, verdict_rank
from scanner.signals import PostContext, Signal

REPO = Path(__file__).resolve().parents[1]
POLICY = Policy.load(REPO / "patterns" / "policies" / "default.toml")


def finding(kind: str, start: int = 10, confidence: float = 0.9) -> Finding:
    return Finding(kind, start, start + 8, confidence, "test")


def intent(kind: str, start: int = 0, confidence: float = 0.9) -> Intent:
    return Intent(kind, start, start + 5, confidence, "test")


def about(kind: str, item: Finding | Intent | None) -> Signal:
    return Signal(kind, 0, 1, None if item is None else item.id, "test")


# (finding type, signal types about the finding, verdict)
FINDING_CASES = [
    ("STREET_ADDRESS", [], "review"),
    ("STREET_ADDRESS", ["TARGET"], "block"),
    ("STREET_ADDRESS", ["SELF_DISCLOSURE"], "allow"),
    ("STREET_ADDRESS", ["BUSINESS_CONTACT"], "allow"),
    ("STREET_ADDRESS", ["TARGET", "PUBLIC_FIGURE"], "review"),
    ("STREET_ADDRESS", ["TARGET", "NEWS_OR_REPORT"], "review"),
    ("STREET_ADDRESS", ["TARGET", "NEWS_OR_REPORT", "QUOTE"], "warn"),
    ("GPS_COORDINATES", ["TARGET"], "block"),
    ("US_SSN", [], "review"),
    ("US_SSN", ["TARGET"], "block"),
    ("US_SSN", ["SELF_DISCLOSURE"], "warn"),
    ("NATIONAL_ID", ["BUSINESS_CONTACT"], "review"),
    ("PASSPORT_NUMBER", ["TARGET", "PUBLIC_FIGURE"], "block"),
    ("DRIVER_LICENSE", ["NEWS_OR_REPORT"], "warn"),
    ("PHONE_NUMBER", [], "warn"),
    ("PHONE_NUMBER", ["TARGET"], "review"),
    ("PHONE_NUMBER", ["SELF_DISCLOSURE"], "allow"),
    ("PHONE_NUMBER", ["BUSINESS_CONTACT"], "allow"),
    ("EMAIL_ADDRESS", ["TARGET", "PUBLIC_FIGURE"], "warn"),
    ("EMAIL_ADDRESS", ["QUOTE"], "allow"),
    ("CREDIT_CARD", [], "review"),
    ("CREDIT_CARD", ["TARGET"], "block"),
    ("IBAN_CODE", ["SELF_DISCLOSURE"], "warn"),
    ("BANK_ACCOUNT", ["BUSINESS_CONTACT"], "warn"),
    ("DATE_OF_BIRTH", [], "warn"),
    ("DATE_OF_BIRTH", ["TARGET"], "review"),
    ("IP_ADDRESS", ["SELF_DISCLOSURE"], "allow"),
    ("CREDENTIAL", [], "review"),
    ("CREDENTIAL", ["TARGET"], "block"),
    ("CREDENTIAL", ["SELF_DISCLOSURE"], "warn"),
    ("CREDENTIAL", ["QUOTE"], "review"),
    ("PERSON", ["TARGET"], "allow"),
    ("CRYPTO_WALLET", [], "allow"),
]


@pytest.mark.parametrize(("kind", "signal_types", "verdict"), FINDING_CASES)
def test_finding_rules(kind: str, signal_types: list[str], verdict: str) -> None:
    f = finding(kind)
    decision = POLICY.evaluate([f], [], [about(s, f) for s in signal_types])
    assert decision.verdict == verdict
    if verdict == "allow":
        assert decision.violations == ()
    else:
        (violation,) = decision.violations
        assert violation.evidence == (f.id,)
        assert violation.action == verdict


# (intent type, signal types about the intent, verdict)
INTENT_CASES = [
    ("THREAT_TO_EXPOSE", [], "block"),
    ("THREAT_TO_EXPOSE", ["NEGATION"], "allow"),
    ("THREAT_TO_EXPOSE", ["HYPOTHETICAL"], "allow"),
    ("THREAT_TO_EXPOSE", ["NEWS_OR_REPORT"], "allow"),
    ("THREAT_TO_EXPOSE", ["QUOTE"], "allow"),
    ("THREAT_TO_EXPOSE", ["QUESTION"], "review"),
    ("THREAT_TO_EXPOSE", ["PUBLIC_FIGURE"], "block"),
    ("BOUNTY", [], "block"),
    ("BOUNTY", ["QUESTION"], "block"),
    ("BOUNTY", ["QUOTE"], "allow"),
    ("EXTORTION", [], "block"),
    ("EXTORTION", ["NEWS_OR_REPORT"], "allow"),
    ("PRIVATE_MEDIA", [], "block"),
    ("PRIVATE_MEDIA", ["NEGATION"], "allow"),
    ("PRIVATE_MEDIA", ["QUESTION"], "block"),
]


@pytest.mark.parametrize(("kind", "signal_types", "verdict"), INTENT_CASES)
def test_intent_rules(kind: str, signal_types: list[str], verdict: str) -> None:
    i = intent(kind)
    decision = POLICY.evaluate([], [i], [about(s, i) for s in signal_types])
    assert decision.verdict == verdict
    assert (i in POLICY.active_intents([i], [about(s, i) for s in signal_types])) == (verdict != "allow")


def test_each_category_of_the_spec_has_a_rule() -> None:
    assert {r.category for r in POLICY.rules} == {
        "home_address", "identity_documents", "contact_information", "financial_account_information",
        "other_private_information", "private_media", "threat_to_expose", "sharing_access", "bounty", "extortion",
    }


def test_active_threat_escalates_identifiers_and_voids_public_figure() -> None:
    phone, threat = finding("PHONE_NUMBER", 30), intent("THREAT_TO_EXPOSE")
    decision = POLICY.evaluate([phone], [threat], [about("PUBLIC_FIGURE", None)])
    assert decision.verdict == "block"
    assert [v.rule for v in decision.violations] == ["private_info.contact_information", "behaviour.threat_to_expose"]
    assert decision.violations[0].action == "block"
    # without the threat the public figure lowers the same number
    assert POLICY.evaluate([phone], [], [about("PUBLIC_FIGURE", None)]).verdict == "allow"


def test_negated_threat_does_not_escalate() -> None:
    phone, threat = finding("PHONE_NUMBER", 30), intent("THREAT_TO_EXPOSE")
    decision = POLICY.evaluate([phone], [threat], [about("NEGATION", threat)])
    assert decision.verdict == "warn"
    assert [v.rule for v in decision.violations] == ["private_info.contact_information"]


def test_post_wide_signals_apply_to_every_item() -> None:
    a, b = finding("PHONE_NUMBER", 0), finding("EMAIL_ADDRESS", 20)
    assert POLICY.evaluate([a, b], [], [about("BUSINESS_CONTACT", None)]).verdict == "allow"
    assert POLICY.evaluate([a, b], [], [about("BUSINESS_CONTACT", a)]).verdict == "warn"


def test_post_context_public_figure_flag() -> None:
    f = finding("STREET_ADDRESS")
    assert POLICY.evaluate([f], [], [about("TARGET", f)], PostContext(is_public_figure=True)).verdict == "review"


def test_low_confidence_items_are_ignored() -> None:
    decision = POLICY.evaluate([finding("US_SSN", confidence=0.3)], [intent("BOUNTY", confidence=0.2)], [])
    assert decision.verdict == "allow"


def test_one_violation_per_rule_with_all_evidence_in_order() -> None:
    a, b = finding("PHONE_NUMBER", 40), finding("EMAIL_ADDRESS", 5)
    decision = POLICY.evaluate([a, b], [], [about("TARGET", a)])
    (violation,) = decision.violations
    assert violation.evidence == (b.id, a.id)
    assert violation.action == "review"
    assert "2 items" in violation.explanation


def test_explanation_is_one_line_without_private_data() -> None:
    text = "her number is 415-867-5309"
    f = Finding("PHONE_NUMBER", 14, 26, 0.9, "test")
    decision = POLICY.evaluate([f], [], [Signal("TARGET", 0, 10, f.id, "t")])
    (violation,) = decision.violations
    assert "\n" not in violation.explanation
    assert text[14:26] not in violation.explanation
    assert "linked to a person" in violation.explanation


def test_evaluate_is_pure() -> None:
    f, i = finding("STREET_ADDRESS"), intent("THREAT_TO_EXPOSE")
    signals = [about("TARGET", f)]
    first = POLICY.evaluate([f], [i], signals)
    assert POLICY.evaluate([f], [i], signals) == first
    assert signals == [about("TARGET", f)]


def test_decision_and_violation_to_dict() -> None:
    decision = POLICY.evaluate([finding("US_SSN")], [], [])
    data = decision.to_dict()
    assert data["verdict"] == "review"
    assert set(data["violations"][0]) == {"rule", "category", "severity", "action", "evidence", "explanation"}
    assert isinstance(decision, Decision) and isinstance(decision.violations[0], Violation)
    assert decision.reasons == (decision.violations[0].explanation,)


def test_verdict_order() -> None:
    assert [verdict_rank(v) for v in VERDICTS] == [0, 1, 2, 3]
    assert verdict_at_least("block", "review") and verdict_at_least("warn", "warn")
    assert not verdict_at_least("allow", "warn")
    with pytest.raises(ValueError):
        verdict_rank("maybe")


def test_default_is_the_shipped_file() -> None:
    assert Policy.default() == POLICY


# -- loading ----------------------------------------------------------------------------------


def test_malformed_policy_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        'kind = "policy"\nname = "x"\nsurprise = 1\nharassment_voids = ["NOPE"]\n'
        '[categories]\nhome = "home"\n'
        '[[rules]]\nid = "a.one"\ncategory = "home"\nseverity = "huge"\nexplanation = "x"\n'
        'findings = ["PHONE", "STREET_ADDRESS"]\naction = "allow"\n'
        'escalate = { TARGET = "explode" }\nexceptions = { SOMETHING = "allow" }\n'
        '[[rules]]\nid = "a.two"\ncategory = "elsewhere"\nseverity = "low"\nexplanation = "y"\n'
        'intents = ["BOUNTY"]\naction = "warn"\n'
        'examples.match = ["a"]\nexamples.no_match = ["b"]\n'
        '[[rules]]\nid = "a.two"\ncategory = "home"\nseverity = "low"\nexplanation = "z"\n'
        'intents = ["BOUNTY"]\naction = "warn"\n'
        'examples.match = ["a"]\nexamples.no_match = ["b"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PatternError) as info:
        Policy.load(path)
    problems = "\n".join(info.value.problems)
    for expected in ("unknown key 'surprise'", "harassment_voids", "severity must be", "unknown name(s) PHONE",
                     "action must be", "TARGET must map", "unknown signal or intent 'SOMETHING'", "examples.match",
                     "not listed in [categories]", "duplicate id 'a.two'"):
        assert expected in problems, expected
    assert len(info.value.problems) >= 10


def test_a_type_covered_twice_is_an_error(tmp_path: Path) -> None:
    rule = ('[[rules]]\nid = "a.{n}"\ncategory = "c"\nseverity = "low"\nexplanation = "x"\nfindings = ["US_SSN"]\n'
            'action = "warn"\nexamples.match = ["a"]\nexamples.no_match = ["b"]\n')
    path = tmp_path / "p.toml"
    path.write_text('kind = "policy"\n' + rule.format(n="one") + rule.format(n="two"), encoding="utf-8")
    with pytest.raises(PatternError, match="already covered"):
        Policy.load(path)


def test_custom_finding_types_must_be_declared(tmp_path: Path) -> None:
    body = ('[[rules]]\nid = "a.one"\ncategory = "c"\nseverity = "low"\nexplanation = "x"\nfindings = ["MEDICAL"]\n'
            'action = "warn"\nexamples.match = ["a"]\nexamples.no_match = ["b"]\n')
    path = tmp_path / "p.toml"
    path.write_text('kind = "policy"\n' + body, encoding="utf-8")
    with pytest.raises(PatternError):
        Policy.load(path)
    path.write_text('kind = "policy"\nextra_finding_types = ["MEDICAL"]\n' + body, encoding="utf-8")
    policy = Policy.load(path)
    assert policy.evaluate([finding("MEDICAL")], [], []).verdict == "warn"


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(PatternError, match="not found"):
        Policy.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("rules = [", encoding="utf-8")
    with pytest.raises(PatternError, match="not valid TOML"):
        Policy.load(bad)
