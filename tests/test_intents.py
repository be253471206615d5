"""Intent patterns: every rule's examples, the cue pre-check, resolution, and the loader."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import spacy

from scanner.errors import PatternError
from scanner.intents import INTENT_TYPES, Intent, IntentDetector

REPO = Path(__file__).resolve().parents[1]
PATTERNS = REPO / "patterns"


@pytest.fixture(scope="module")
def detector() -> IntentDetector:
    return IntentDetector(PATTERNS, spacy.blank("en"))


def _rule_examples(kind: str) -> list[tuple[str, str]]:
    det = IntentDetector(PATTERNS, spacy.blank("en"))
    out: list[tuple[str, str]] = []
    for rule in det.rules.values():
        texts = rule.examples.match if kind == "match" else rule.examples.no_match
        out.extend((rule.id, text) for text in texts)
    return out


MATCH = _rule_examples("match")
NO_MATCH = _rule_examples("no_match")


@pytest.mark.parametrize(("rule_id", "text"), MATCH, ids=[f"{r}:{i}" for i, (r, _) in enumerate(MATCH)])
def test_rule_matches_its_examples(detector: IntentDetector, rule_id: str, text: str) -> None:
    assert rule_id in {m.rule for m in detector.rule_matches(text)}


@pytest.mark.parametrize(("rule_id", "text"), NO_MATCH, ids=[f"{r}:{i}" for i, (r, _) in enumerate(NO_MATCH)])
def test_rule_ignores_its_hard_negatives(detector: IntentDetector, rule_id: str, text: str) -> None:
    assert rule_id not in {m.rule for m in detector.rule_matches(text)}


def test_every_intent_type_has_rules(detector: IntentDetector) -> None:
    assert {r.intent for r in detector.rules.values() if r.kind != "part"} == set(INTENT_TYPES)


@pytest.mark.parametrize(("rule_id", "text"), MATCH, ids=[f"{r}:{i}" for i, (r, _) in enumerate(MATCH)])
def test_cue_check_never_misses_a_match(detector: IntentDetector, rule_id: str, text: str) -> None:
    # has_cue is a sound pre-filter: whenever a rule that yields an intent matches, it says True
    if any(detector.rules[m.rule].kind != "part" for m in detector.rule_matches(text)):
        assert detector.has_cue(text)


def test_cue_check_is_sound_on_the_labeled_posts(detector: IntentDetector) -> None:
    import json

    with (REPO / "tests" / "data" / "labeled_posts.jsonl").open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    found = [t for t in texts if detector.detect_doc(detector.tokenize(t))]
    assert len(found) > 60
    assert all(detector.has_cue(t) for t in found)


@pytest.mark.parametrize("text", ["good morning everyone", "I love this song so much", "see you at 5"])
def test_cue_check_rejects_plain_text(detector: IntentDetector, text: str) -> None:
    assert not detector.has_cue(text)
    assert detector.detect(text) == ()


@pytest.mark.parametrize("text", ["gonna d0x you", "I will doxx you", "you're getting dox3d", "doxxing u tonight",
                                  "d0xxing @someone rn"])
def test_obfuscated_dox(detector: IntentDetector, text: str) -> None:
    assert [i.type for i in detector.detect(text)] == ["THREAT_TO_EXPOSE"]


@pytest.mark.parametrize(("text", "phrase"), [
    ("ok so I know where you live, buddy", "know where you live"),
    ("lol your address is going up tonight", "your address is going up"),
])
def test_offsets_cover_the_triggering_phrase(detector: IntentDetector, text: str, phrase: str) -> None:
    (intent,) = detector.detect(text)
    assert text[intent.start:intent.end] == phrase


def test_extortion_subsumes_the_threat_inside_it(detector: IntentDetector) -> None:
    text = "send $500 in bitcoin or I will leak your nudes"
    assert [i.type for i in detector.detect(text)] == ["EXTORTION"]
    assert "threat.expose_info" in {m.rule for m in detector.rule_matches(text)}


def test_bounty_and_private_media_can_both_hold(detector: IntentDetector) -> None:
    assert {i.type for i in detector.detect("DM me her pics for BTC")} == {"BOUNTY", "PRIVATE_MEDIA"}


def test_parts_alone_are_not_intents(detector: IntentDetector) -> None:
    assert detector.detect("Join our bug bounty program, we pay well") == ()
    assert detector.detect("anyone got his number? I found his wallet") == ()


def test_intent_repr_and_dict_hold_no_text(detector: IntentDetector) -> None:
    text = "I'll leak Jessica's nudes"
    (intent, *_) = detector.detect(text)
    assert "Jessica" not in repr(intent)
    assert "Jessica" not in str(intent.to_dict())
    assert intent.to_dict()["id"] == intent.id == f"{intent.type}@{intent.start}-{intent.end}"


def test_intent_is_frozen() -> None:
    intent = Intent("BOUNTY", 0, 3, 0.9, "bounty.x")
    with pytest.raises(AttributeError):
        intent.start = 1  # type: ignore[misc]


def test_detect_doc_matches_detect(detector: IntentDetector) -> None:
    text = "pay me or I leak it"
    assert detector.detect_doc(detector.tokenize(text)) == detector.detect(text) != ()


@pytest.mark.corpus
def test_hatecheck_threats_are_not_threats_to_expose(detector: IntentDetector, shared_data: Path) -> None:
    with (shared_data / "hatecheck" / "test_suite_cases.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    threats = [r["test_case"] for r in rows if r["functionality"].startswith("threat_")]
    assert len(threats) > 200
    flagged = [t for t in threats if any(i.type == "THREAT_TO_EXPOSE" for i in detector.detect(t))]
    assert len(flagged) <= 0.02 * len(threats)
    any_intent = sum(1 for r in rows if detector.detect(r["test_case"]))
    assert any_intent <= 0.02 * len(rows)


# -- loader ---------------------------------------------------------------------------------


def _copy_patterns(tmp_path: Path) -> Path:
    target = tmp_path / "intents"
    shutil.copytree(PATTERNS / "intents", target)
    return target


def test_malformed_files_list_every_problem(tmp_path: Path) -> None:
    folder = _copy_patterns(tmp_path)
    (folder / "broken.toml").write_text(
        'kind = "intent"\nintent = "THREAT_TO_EXPOSE"\n'
        '[[patterns]]\nid = "Bad Id"\ntokens = ["@nope"]\nconfidence = 2\n'
        '[[patterns]]\nid = "broken.no_cue"\ntokens = ["hello", "world"]\nconfidence = 0.5\n'
        'examples.match = ["hello world"]\nexamples.no_match = ["bye"]\n'
        '[[patterns]]\nid = "broken.bad_attr"\ntokens = ["@dox", {LOWERR = "x"}]\nconfidence = 0.5\n'
        'examples.match = ["x"]\nexamples.no_match = ["y"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PatternError) as info:
        IntentDetector(tmp_path, spacy.blank("en"))
    problems = "\n".join(info.value.problems)
    assert "id must look like" in problems
    assert "confidence must be" in problems
    assert "examples.match and examples.no_match are required" in problems
    assert "cue word list" in problems
    assert "invalid token pattern" in problems
    assert len(info.value.problems) >= 5


def test_unknown_lexicon_and_slot_are_reported(tmp_path: Path) -> None:
    folder = _copy_patterns(tmp_path)
    (folder / "broken.toml").write_text(
        'kind = "intent"\nintent = "BOUNTY"\n'
        '[[patterns]]\nid = "broken.slot"\ntokens = ["$nowhere", "@reward"]\nconfidence = 0.5\n'
        'examples.match = ["x"]\nexamples.no_match = ["y"]\n'
        '[[combine]]\nid = "broken.combine"\nparts = ["a", "b"]\nwindow = 5\nconfidence = 0.5\n'
        'examples.match = ["x"]\nexamples.no_match = ["y"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PatternError) as info:
        IntentDetector(tmp_path, spacy.blank("en"))
    problems = "\n".join(info.value.problems)
    assert "unknown alternatives slot 'nowhere'" in problems
    assert "no pattern defines part(s) a, b" in problems


def test_bad_kind_and_toml_are_reported(tmp_path: Path) -> None:
    folder = _copy_patterns(tmp_path)
    (folder / "a.toml").write_text('kind = "whatever"\n', encoding="utf-8")
    (folder / "b.toml").write_text("not = [valid\n", encoding="utf-8")
    with pytest.raises(PatternError) as info:
        IntentDetector(folder, spacy.blank("en"))
    assert len(info.value.problems) == 2


def test_intents_folder_itself_is_accepted() -> None:
    assert IntentDetector(PATTERNS / "intents", spacy.blank("en")).rules


def test_running_only_candidate_patterns_finds_what_the_full_matcher_finds(detector: IntentDetector) -> None:
    """detect() runs a Matcher holding only the patterns whose required words occur; it must
    agree with the full Matcher on every labeled post and every pattern example."""
    import json

    lines = (REPO / "tests" / "data" / "labeled_posts.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    for rule in detector.rules.values():
        texts += [*rule.examples.match, *rule.examples.no_match]
    assert len(texts) > 300
    for text in texts:
        assert detector.detect(text) == detector.detect_doc(detector.tokenize(text)), text[:40]


def test_indexed_candidates_equal_checking_every_rule(detector: IntentDetector) -> None:
    # the word index only skips work: the candidates are those a check of every rule finds
    from spacy.attrs import LOWER

    required = detector._required
    texts = [t for _, t in MATCH + NO_MATCH]
    lines = (REPO / "tests" / "data" / "labeled_posts.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(line)["text"] for line in lines if line.strip()]
    found = 0
    for text in texts:
        doc, lowered = detector.tokenize(text), text.lower()
        tokens = set(doc.to_array(LOWER).tolist())
        expected = {rid for rid, variants in required.rules.items()
                    if any(all(required.met(r, tokens, lowered) for r in v) for v in variants)}
        assert required.candidates(doc, lowered) == expected, text[:40]
        found += bool(expected)
    assert found > 50


def test_every_rule_has_its_matcher_from_the_start(detector: IntentDetector) -> None:
    matchers = dict(detector._rule_matchers)
    assert set(matchers) == set(detector._patterns)
    found = [detector.detect(text) for _, text in MATCH[::5]]  # new sets of candidate rules build nothing
    assert sum(map(bool, found)) >= 10
    assert detector._rule_matchers == matchers
