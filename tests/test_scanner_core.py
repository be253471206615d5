"""Scanner behaviour with small test detectors (independent of the built-in rules)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import pytest
import regex

from scanner import Detector, Report, ScanInput, Scanner, ScannerConfig
from scanner.findings import Hit
from scanner.registry import DetectorRegistry
from scanner.rules import RuleDetector, parse_family


class Digits(Detector):
    """Flags runs of 6+ digits (stands in for any cheap detector)."""

    id = "test.digits/v1"
    types = frozenset({"DIGITS"})
    pattern = regex.compile(r"\d{6,}")

    def may_fire(self, text: str) -> bool:
        return any(c.isdigit() for c in text)

    def detect(self, data: ScanInput) -> Iterator[Hit]:
        for m in data.finditer(self.pattern, "test.digits"):
            yield Hit("DIGITS", m.start(), m.end(), 0.9)


class Names(Detector):
    """Records whether it was given a doc, and flags capitalised words."""

    id = "test.names/v1"
    types = frozenset({"NAME"})
    needs_doc = True
    calls: ClassVar[int] = 0

    def detect(self, data: ScanInput) -> Iterable[Hit]:
        assert data.doc is not None
        type(self).calls += 1
        return [Hit("NAME", t.idx, t.idx + len(t), 0.8) for t in data.doc if t.text.istitle()]


def _constant(detector: Detector) -> Callable[[ScannerConfig], Detector]:
    return lambda config: detector


def make_scanner(ner: str = "auto", extra: list[Any] | None = None, **config: Any) -> Scanner:
    registry = DetectorRegistry()
    registry.register_class(Digits)
    registry.register_class(Names)
    for item in extra or []:
        registry.register(item.family.detector_id, item.types, _constant(item), "test")
    scanner = Scanner(ScannerConfig(ner=ner, **config), registry=registry)  # type: ignore[arg-type]
    import spacy

    scanner._nlp = spacy.blank("en")  # the trained model is not the point here
    return scanner


def test_non_str_input_is_a_type_error_naming_the_argument() -> None:
    scanner = make_scanner()
    with pytest.raises(TypeError, match="text must be str"):
        scanner.scan(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="posts"):
        list(scanner.scan_many(["ok", 3]))  # type: ignore[list-item]


def test_empty_text_gives_empty_report() -> None:
    report = make_scanner(ner="always").scan("")
    assert report.findings == ()
    assert make_scanner().scan("   \n").findings == ()


def test_ner_auto_runs_only_when_something_else_fired() -> None:
    scanner = make_scanner("auto")
    Names.calls = 0
    assert scanner.scan("Hello Alice").findings == ()
    assert Names.calls == 0
    report = scanner.scan("Alice 1234567")
    assert Names.calls == 1
    assert [f.type for f in report.findings] == ["NAME", "DIGITS"]


def test_ner_auto_ignores_hits_that_refinement_drops() -> None:
    scanner = make_scanner("auto", min_confidence=0.95)  # the digit hits (0.9) are dropped
    Names.calls = 0
    assert scanner.scan("Alice 1234567").findings == ()
    assert Names.calls == 0


def test_ner_never_and_always() -> None:
    Names.calls = 0
    assert [f.type for f in make_scanner("never").scan("Alice 1234567").findings] == ["DIGITS"]
    assert Names.calls == 0
    assert [f.type for f in make_scanner("always").scan("Hello Alice").findings] == ["NAME", "NAME"]


def test_offsets_point_at_original_text_after_normalisation() -> None:
    text = "id: １２３４５６７ ok"
    report = make_scanner().scan(text)
    (finding,) = report.findings
    assert text[finding.start:finding.end] == "１２３４５６７"


def test_scan_many_matches_scan_and_keeps_order() -> None:
    scanner = make_scanner("always")
    texts = [f"Post {i} number {i * 1111111}" for i in range(10)] + [""]
    batched = list(scanner.scan_many(texts, batch_size=3))
    single = [scanner.scan(t) for t in texts]
    assert [r.findings for r in batched] == [r.findings for r in single]


def test_bad_scan_many_arguments() -> None:
    with pytest.raises(ValueError, match="n_process"):
        list(make_scanner().scan_many(["x"], n_process=0))


def test_report_and_finding_reprs_hold_no_text() -> None:
    secret = "Alice 987654321"
    report = make_scanner("always").scan(secret)
    assert report.findings
    for shown in (repr(report), str(report), repr(report.findings), str(report.to_dict())):
        assert "987654321" not in shown and "Alice" not in shown


def test_fingerprint_is_salted_and_stable() -> None:
    a = make_scanner().scan("x 1234567").findings[0].fingerprint
    b = make_scanner().scan("y 1234567").findings[0].fingerprint
    c = make_scanner(fingerprint_salt="other").scan("x 1234567").findings[0].fingerprint
    assert a == b != c
    assert len(a) == 16


def test_fingerprint_is_hmac_sha256_of_the_value_keyed_by_the_salt() -> None:
    # the documented format: stored fingerprints stay comparable across versions
    import hashlib
    import hmac

    from scanner.findings import fingerprint

    salts = ("s", "other", "k" * 64, "k" * 65, "ß" * 40)  # keys longer than SHA-256's block are hashed first
    pairs = [(salt, value) for salt in salts for value in ("1234567", "Zoë 742 Evergreen", "")]
    for salt, value in pairs:
        expected = hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()[:16]
        assert fingerprint(value, salt) == expected


def _slow_rule_detector() -> RuleDetector:
    family = parse_family(
        {
            "family": "slow",
            "rules": [{
                "id": "slow.catastrophic",
                "type": "SLOW",
                "regex": r"(a|aa)+$",
                "confidence": 0.9,
                "examples": {"match": ["aa"], "no_match": ["b"]},
            }],
        },
        "slow.toml",
    )
    return RuleDetector(family, timeout=0.05)


def test_a_rule_that_times_out_is_skipped_with_a_warning_naming_the_rule(caplog: pytest.LogCaptureFixture) -> None:
    scanner = make_scanner(extra=[_slow_rule_detector()], regex_timeout=0.05)
    text = "a" * 40 + "! 1234567"
    with caplog.at_level(logging.WARNING, logger="scanner"):
        report = scanner.scan(text)
    assert [f.type for f in report.findings] == ["DIGITS"]  # the rest of the scan went on
    assert report.warnings and "slow.catastrophic" in report.warnings[0]
    assert "aaaa" not in caplog.text and "slow.catastrophic" in caplog.text


def test_one_megabyte_post_is_scanned() -> None:
    text = ("lorem ipsum 1234567 dolor " * 40_000)[:1_000_000]
    report = make_scanner("never").scan(text)
    assert len(report.findings) == text.count("1234567")


def test_no_network_while_scanning(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    scanner = Scanner(ScannerConfig(ner="always"))
    report = scanner.scan("Call John Smith at +1 217 555 0143 or mail john@example.com")
    assert isinstance(report, Report)


def test_text_over_the_limit_is_an_input_error() -> None:
    from scanner import InputError

    with pytest.raises(InputError, match="max_text_chars=10"):
        make_scanner(max_text_chars=10).scan("x" * 11)


def test_long_texts_are_cut_into_chunks_for_ner() -> None:
    from scanner.scanner import ner_chunks

    text = ("word " * 30 + "\n") * 100
    chunks = ner_chunks(text, size=1000)
    assert "".join(c for _, c in chunks) == text
    assert all(len(c) <= 1000 for _, c in chunks)
    assert all(text[o:o + len(c)] == c for o, c in chunks)
    assert all(c.endswith("\n") for _, c in chunks[:-1])
    assert ner_chunks("short") == [(0, "short")]
    assert "".join(c for _, c in ner_chunks("x" * 2500, size=1000)) == "x" * 2500


def test_names_found_across_chunks_keep_original_offsets() -> None:
    import scanner.scanner as module

    text = "Alice 1234567 " + "filler " * 20_000 + " Bob 7654321"
    report = make_scanner("always").scan(text)
    names = [text[f.start:f.end] for f in report.findings if f.type == "NAME"]
    assert names == ["Alice", "Bob"]
    assert len(text) > module.NER_CHUNK_CHARS


def test_intents_in_a_text_longer_than_spacy_max_length_are_found() -> None:
    from scanner import ScannerConfig

    filler = "nothing to see here, lovely weather.\n" * 28_000
    text = filler + "keep talking and I post your address. gonna dox you\n" + "ｆｕｌｌ ｗｉｄｔｈ\n" * 20
    assert len(text) > 1_000_000
    report = Scanner(ScannerConfig(ner="never")).scan(text)
    assert {i.type for i in report.intents} == {"THREAT_TO_EXPOSE"}
    assert all(i.start >= len(filler) for i in report.intents)
    assert report.verdict == "block"


def test_ner_runs_with_single_threaded_blas_and_restores_it() -> None:
    from threadpoolctl import threadpool_info

    from scanner.nlp import single_threaded_blas

    def blas_threads() -> list[int]:
        return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with single_threaded_blas():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_scan_many_collects_ner_posts_across_batches_and_keeps_order() -> None:
    scanner = make_scanner("auto")
    calls: list[int] = []
    real_pipe = scanner.nlp.pipe

    def counting_pipe(texts: Iterable[str], **kwargs: Any) -> Iterator[Any]:
        batch = list(texts)
        calls.append(len(batch))
        return real_pipe(batch, **kwargs)

    scanner.nlp.pipe = counting_pipe  # type: ignore[method-assign,assignment]
    posts = [f"Alice {1000000 + i}" if i % 10 == 0 else f"plain post {i}" for i in range(100)]
    reports = list(scanner.scan_many(posts, batch_size=4))
    assert [r.text for r in reports] == posts
    assert [len(r.findings) for r in reports] == [2 if i % 10 == 0 else 0 for i in range(100)]
    assert calls == [4, 4, 2]  # 10 posts need NER: spaCy batches of 4, not one call per 4 posts


def test_scan_many_yields_the_reports_before_a_bad_post() -> None:
    scanner = make_scanner("never")
    out = []
    with pytest.raises(TypeError, match="posts"):
        for report in scanner.scan_many(["Alice 1234567", "ok", 3, "never reached"]):  # type: ignore[list-item]
            out.append(report)
    assert [r.text for r in out] == ["Alice 1234567", "ok"]


def test_one_scanner_gives_the_same_reports_from_several_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info

    scanner = Scanner(ScannerConfig(ner="auto"))
    posts = [
        "call me at +44 20 7946 0958", "Jane Doe lives at 42 Elm Street, Springfield, IL 62704",
        "nothing to see here", "her ssn is 078-05-1120", "email bob.smith@example.org now",
        "card 4532 0151 1283 0366 exp 04/27", "gonna dox you", "plain words only",
    ] * 25

    def summary(text: str) -> tuple[tuple[str, int, int], ...]:
        return tuple((f.type, f.start, f.end) for f in scanner.scan(text).findings)

    before = [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]
    expected = [summary(p) for p in posts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(summary, posts)) == expected
    assert [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"] == before


def test_the_shared_keyword_lookup_skips_no_family_that_could_fire(scanner: Scanner, shared_data: Any) -> None:
    """Scanning with the per-post keyword lookup gives what asking every family's may_fire gives."""
    import json
    from pathlib import Path

    plain = Scanner()
    plain._keyword_index = None
    plain._cheap_plan = tuple((d, None, 0.0) for d in plain._cheap)
    keyed = [d for d, slot, _ in scanner._cheap_plan if slot is not None]
    assert keyed and all(isinstance(d, RuleDetector) for d in keyed)
    examples = Path(__file__).resolve().parents[1] / "examples" / "posts.jsonl"
    posts = [json.loads(line)["text"] for line in examples.read_text(encoding="utf-8").splitlines() if line.strip()]
    from benchmarks.credentials_eval import load_rows

    posts += [row.text for row in load_rows(shared_data / "credentials")[::5]]
    posts += ["my ssn is 536-22-8147", "IBAN DE89 3704 0044 0532 0130 00", "536-22-8147", "DE89 3704 0044 0532 0130 00",
              "api_key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'"]
    found = 0
    for post in posts:
        a, b = scanner.scan(post), plain.scan(post)
        assert a.to_dict() == b.to_dict()
        found += bool(a.findings)
    assert found >= 10


@pytest.mark.parametrize("found_order", [sorted, lambda keys: sorted(keys, reverse=True)])
def test_rules_run_in_their_family_order_whatever_order_the_keywords_are_found_in(
    found_order: Callable[[Iterable[str]], list[str]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two rules that find the same span with the same confidence: the one listed first is
    reported. (The keywords found in a post form a set, whose order changes between processes.)"""
    from scanner.rules import KeywordIndex

    rules = [
        {"id": f"tie.{name}", "type": "TIE", "regex": r"k\d{4}", "confidence": 0.9, "keywords": [keyword],
         "examples": {"match": ["k1234"], "no_match": ["k12"]}}
        for name, keyword in (("first", "zulu"), ("second", "alpha"), ("third", "mike"))
    ]
    detector = RuleDetector(parse_family({"family": "tie", "rules": rules}, "tie.toml"))
    present = KeywordIndex.present
    monkeypatch.setattr(KeywordIndex, "present", lambda self, text: found_order(present(self, text)))
    text = "alpha mike zulu k1234"
    assert [r.id for r in detector._runnable(text)] == ["tie.first", "tie.second", "tie.third"]
    assert [h.rule for h in detector.detect(ScanInput(text))] == ["tie.first", "tie.second", "tie.third"]
    report = make_scanner(extra=[detector]).scan(text)
    assert [(f.rule, f.start) for f in report.findings if f.type == "TIE"] == [("tie.first", 16)]
