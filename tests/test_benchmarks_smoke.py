"""The benchmark harness: the matching rule, the loaders, and a smoke run of every suite.

The suites run on a few records (``preset("smoke")``) so the harness cannot rot;
Presidio parts are skipped when presidio-analyzer is not installed.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks import datasets, metrics, report
from benchmarks.accuracy import run_credentials
from benchmarks.datasets import Record, Span
from benchmarks.metrics import ANY, Counts, iou, match, score_corpus, score_record, trim
from benchmarks.settings import Progress, load_suites, preset
from benchmarks.speed import percentile
from benchmarks.systems import TYPE_MAP, System, map_type, presidio_available

# --- matching rule -----------------------------------------------------------------------


def test_iou_values() -> None:
    assert iou(Span("A", 10, 20), Span("A", 10, 18)) == pytest.approx(0.8)
    assert iou(Span("A", 0, 10), Span("A", 10, 20)) == 0.0
    assert iou(Span("A", 0, 4), Span("A", 2, 6)) == pytest.approx(2 / 6)


@pytest.mark.parametrize(
    ("gold", "pred", "rule", "matched"),
    [
        ((0, 10), (0, 10), "exact", True),
        ((0, 10), (0, 9), "exact", False),
        ((0, 10), (0, 9), "iou", True),
        ((0, 10), (0, 5), "iou", True),  # IoU exactly 0.5 counts
        ((0, 10), (0, 4), "iou", False),  # 0.4
        ((0, 10), (5, 15), "iou", False),  # 5 / 15
        ((0, 10), (20, 30), "iou", False),
    ],
)
def test_match_rule(gold: tuple[int, int], pred: tuple[int, int], rule: metrics.MatchRule, matched: bool) -> None:
    pairs = match([Span("PHONE_NUMBER", *gold)], [Span("PHONE_NUMBER", *pred)], rule)
    assert (pairs == [(0, 0)]) is matched


def test_match_is_typed_unless_agnostic() -> None:
    gold, pred = [Span("PERSON", 0, 10)], [Span("STREET_ADDRESS", 0, 10)]
    assert match(gold, pred, "exact") == []
    assert match(gold, pred, "exact", typed=False) == [(0, 0)]


def test_match_is_one_to_one_and_prefers_higher_iou() -> None:
    gold = [Span("A", 0, 10), Span("A", 10, 20)]
    pred = [Span("A", 0, 20), Span("A", 10, 19)]
    # pred 1 fits gold 1 best (0.9); pred 0 then takes gold 0 (0.5); never one prediction for two golds
    assert match(gold, pred, "iou") == [(0, 0), (1, 1)]
    assert match(gold, [Span("A", 0, 20)], "iou") == [(0, 0)]


def test_counts_and_f_beta() -> None:
    c = Counts(tp=8, fp=2, fn=4)
    assert c.precision == pytest.approx(0.8)
    assert c.recall == pytest.approx(8 / 12)
    p, r = 0.8, 8 / 12
    assert c.f1 == pytest.approx(2 * p * r / (p + r))
    assert c.f2 == pytest.approx(5 * p * r / (4 * p + r))
    assert Counts().precision is None and Counts().f2 is None
    assert Counts(fn=3).f2 == 0.0 and Counts(fn=3).precision is None


def test_score_record_ignores_out_of_scope_types_and_mentions() -> None:
    text = "@bob call Ann Lee at 555 0100 ok  "
    record = Record("r", text, (Span("PERSON", 10, 17), Span("PHONE_NUMBER", 21, 29)), ignore=((0, 4),))
    predicted = [
        Span("PERSON", 0, 4),  # on the @mention: not a false positive
        Span("PERSON", 10, 17),
        Span("PHONE_NUMBER", 21, 30),  # trailing space trimmed: exact match
        Span("GPS_COORDINATES", 0, 3),  # type outside the scored set: ignored
        Span("PERSON", 30, 32),  # a false positive
    ]
    scores = score_record(record, predicted, ("PERSON", "PHONE_NUMBER"), "exact")
    assert (scores["PERSON"].tp, scores["PERSON"].fp, scores["PERSON"].fn) == (1, 1, 0)
    assert (scores["PHONE_NUMBER"].tp, scores["PHONE_NUMBER"].fp) == (1, 0)
    assert (scores[ANY].tp, scores[ANY].fp, scores[ANY].fn) == (2, 1, 0)


def test_score_corpus_sums_and_checks_lengths() -> None:
    records = [Record("a", "x" * 20, (Span("US_SSN", 0, 11),)), Record("b", "y" * 20, ())]
    total = score_corpus(records, [[Span("US_SSN", 0, 11)], [Span("US_SSN", 2, 5)]], ("US_SSN",), "iou")
    assert (total["US_SSN"].tp, total["US_SSN"].fp, total["US_SSN"].fn) == (1, 1, 0)
    with pytest.raises(ValueError):
        score_corpus(records, [[]], ("US_SSN",), "iou")


def test_trim_whitespace() -> None:
    assert trim(Span("A", 0, 6), " ab c ") == Span("A", 1, 5)
    assert trim(Span("A", 0, 2), "  ") == Span("A", 0, 2)


def test_one_mapping_for_both_systems() -> None:
    assert map_type("DRIVER_LICENSE") == "US_DRIVER_LICENSE"
    assert map_type("LOCATION") == "STREET_ADDRESS"
    assert map_type("DATE_TIME") == "DATE_TIME"  # unmapped: ignored by scoring
    assert set(TYPE_MAP.values()) == set(datasets.SYNTH_TYPES)


def test_percentile() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([3.0], 99) == 3.0


# --- loaders and corpora -----------------------------------------------------------------


def test_conll_record_offsets_and_mentions() -> None:
    tokens = [("@ann", "B-PER"), ("met", "O"), ("John", "B-PER"), ("Smith", "I-PER"), ("@ibm", "B-ORG"), ("!", "O")]
    record = datasets.conll_record("x", tokens, "PER")
    assert record.text == "@ann met John Smith @ibm !"
    assert [record.text[s.start:s.end] for s in record.spans] == ["John Smith"]
    assert [record.text[a:b] for a, b in record.ignore] == ["@ann", "@ibm"]


def test_conll_record_sets_aside_handles_split_from_their_at_sign() -> None:
    tokens = [("@", "B-PER"), ("Theory_Versa", "B-PER"), ("and", "O"), ("Ann", "B-PER")]
    record = datasets.conll_record("x", tokens, "PER")
    assert [record.text[s.start:s.end] for s in record.spans] == ["Ann"]
    assert [record.text[a:b] for a, b in record.ignore] == ["@", "Theory_Versa"]


def test_merge_address_parts() -> None:
    text = "Ann Lee\n 28 Elm St Apt. 5\n Springfield\n 62704, and she loves Paris"
    spans = [
        Span("PERSON", 0, 7), Span("STREET_ADDRESS", 9, 18), Span("STREET_ADDRESS", 19, 25),
        Span("GPE", 27, 38), Span("ZIP_CODE", 40, 45), Span("GPE", 61, 66),
    ]
    merged = datasets.merge_address_parts(text, spans)
    assert [(s.type, text[s.start:s.end]) for s in merged] == [
        ("PERSON", "Ann Lee"),
        ("STREET_ADDRESS", "28 Elm St Apt. 5\n Springfield\n 62704"),
        ("GPE", "Paris"),  # a city alone, separated by words: not part of the address
    ]
    assert datasets.merge_address_parts("Paris, France", [Span("GPE", 0, 5), Span("GPE", 7, 13)]) == [
        Span("GPE", 0, 5), Span("GPE", 7, 13)
    ]


@pytest.mark.corpus
def test_presidio_synth_loader(shared_data: Path) -> None:
    records = datasets.load_presidio_synth(shared_data, merge_addresses=False)
    assert len(records) == 1500
    assert sum(1 for r in records for s in r.spans if s.type == "STREET_ADDRESS") == 598
    merged = datasets.load_presidio_synth(shared_data)
    assert sum(1 for r in merged for s in r.spans if s.type == "STREET_ADDRESS") == 367
    assert [r.text for r in merged] == [r.text for r in records]
    types = {s.type for r in records for s in r.spans}
    assert types <= set(datasets.SYNTH_TYPES) and "PERSON" in types
    raw = json.loads((shared_data / "presidio_synth" / "synth_dataset_v2.json").read_text(encoding="utf-8"))
    for record, row in zip(records[:200], raw[:200], strict=True):
        values = {(s["start_position"], s["end_position"]): s["entity_value"] for s in row["spans"]}
        for span in record.spans:
            assert record.text[span.start:span.end] == values[(span.start, span.end)]


@pytest.mark.corpus
def test_tweet_loaders(shared_data: Path) -> None:
    wnut = datasets.load_wnut17(shared_data)
    assert len(wnut) == 1009
    assert sum(len(r.spans) for r in wnut) == 470
    btc = datasets.load_btc(shared_data, "h")
    assert btc and any(r.ignore for r in btc)
    for record in btc[:300]:
        for span in record.spans:
            assert not record.text[span.start:span.end].startswith("@")


@pytest.mark.corpus
def test_speed_corpora(shared_data: Path) -> None:
    feed = datasets.build_feed(shared_data, 400, seed=7)
    assert len(feed) == 400
    assert sum(1 for r in feed if r.spans) == 20  # 5% PII sentences
    assert all(s.type in datasets.SYNTH_TYPES for r in feed for s in r.spans)
    assert [r.id for r in feed] == [r.id for r in datasets.build_feed(shared_data, 400, seed=7)]
    all_pii = datasets.build_all_pii(shared_data, 30, seed=7)
    assert len(all_pii) == 30 and all(any(s.type != "PERSON" for s in r.spans) for r in all_pii)
    assert len(datasets.build_long_text(feed, 10_000)) == 10_000


# --- smoke run of every suite ------------------------------------------------------------


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Any]:
    pytest.importorskip("matplotlib")
    from benchmarks.cli import build_systems, render, run_suite

    keys = ("ours-always", *(("presidio",) if presidio_available() else ()))
    out = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    settings = preset("smoke", data_dir=shared_data, out=out, systems=keys, cores=2, command="smoke")
    progress = Progress(False)
    systems = build_systems(keys, progress)
    for suite in ("accuracy", "speed", "profile"):
        run_suite(suite, settings, progress, systems)
    run_suite("memory", preset("smoke", data_dir=shared_data, out=out, systems=("ours-auto",)), progress)
    render(settings, True, progress)
    return {"out": out, "suites": load_suites(settings.cache_dir), "keys": keys}


@pytest.mark.slow
@pytest.mark.corpus
def test_smoke_accuracy(smoke_run: dict[str, Any]) -> None:
    acc = smoke_run["suites"]["accuracy"]
    for key in smoke_run["keys"]:
        scores = acc["synth"]["systems"][key]["iou"]
        assert set(scores) == {*datasets.SYNTH_TYPES, ANY}
        assert scores[ANY]["support"] > 0
    assert acc["person"]["corpora"]["wnut17-dev"]["records"] == 6
    assert "btc-all" in acc["person"]["systems"]["ours-always"]
    assert acc["credentials"]["status"] == "skipped"  # the hook has its own test below


@pytest.mark.slow
@pytest.mark.corpus
def test_smoke_speed(smoke_run: dict[str, Any]) -> None:
    speed = smoke_run["suites"]["speed"]
    for corpus in ("feed", "all_pii"):
        for key in smoke_run["keys"]:
            row = speed[corpus]["systems"][key]
            assert len(row["latencies_ms"]) == speed[corpus]["posts"]
            assert row["one_at_a_time"]["p99_ms"] >= row["one_at_a_time"]["p50_ms"] > 0
            assert row["batch_1"]["posts_per_s"] > 0 and row["batch_2"]["posts_per_s"] > 0
            assert row["p99_ms_per_pass"] == [row["one_at_a_time"]["p99_ms"]]  # the smoke preset makes one pass
    assert "seconds" in speed["long"]["systems"]["ours-always"]["10KB"]


@pytest.mark.slow
@pytest.mark.corpus
def test_smoke_memory_and_profile(smoke_run: dict[str, Any]) -> None:
    row, stream = smoke_run["suites"]["memory"]["rows"]
    assert row["system"] == "ours-auto" and row["error"] is None
    assert row["peak_rss_mb"] >= row["rss_after_load_mb"] > 0
    assert stream["workload"] == "stream" and stream["texts"] == 30 and stream["error"] is None
    assert [n for n, _rss in stream["rss_curve_mb"]] == [3 * i for i in range(1, 11)]
    assert "Workload `stream`: RSS (MB) after so many posts" in smoke_run["out"].read_text(encoding="utf-8")
    sessions = smoke_run["suites"]["profile"]["sessions"]
    assert set(sessions) == {"feed", "all_pii"} and sessions["feed"]["inclusive"]
    stage_groups = smoke_run["suites"]["profile"]["stages"]["groups"]
    assert sum(g["posts"] for name, g in stage_groups.items() if not name.startswith("around")) == 40
    assert "Where a post's time goes" in smoke_run["out"].read_text(encoding="utf-8")


def test_stage_timing_changes_no_report_and_adds_up() -> None:
    import scanner.scanner as scanner_module
    from benchmarks import stages
    from scanner import Scanner, redact, signals

    texts = ["lol what a game", "Jane Doe lives at 742 Evergreen Terrace, Springfield, call her at (503) 284-7731",
             "I know where you live and I'm posting it"]
    plain = [Scanner().scan(t).to_dict() for t in texts]
    timed_scanner = Scanner()
    per_post = stages.time_stages(timed_scanner, texts, passes=2)
    for name, home in (("detect_signals", signals), ("redact", redact)):
        assert getattr(scanner_module, name) is getattr(home, name)  # the timers are undone
    for post in per_post:
        assert post["total"] > 0 and all(v >= 0 for v in post.values())
        assert abs(sum(v for k, v in post.items() if k != "total") - post["total"]) < 1e-6
    assert per_post[1]["NER"] > 0 and per_post[1]["pii.address/v1"] > 0 and per_post[1]["signals"] > 0
    assert "NER" not in per_post[0]  # a clean post needs no names
    # the instrumented scanner still reports exactly what a plain one does
    assert [timed_scanner.scan(t).to_dict() for t in texts] == plain
    records = [datasets.Record(f"r{i}", t, ((datasets.Span("PERSON", 0, 4),) if i == 1 else ())) for i, t in
               enumerate(texts)]
    groups = stages.summarize(records, per_post)["groups"]
    assert groups["no private data"]["posts"] == 2 and groups["labeled private data"]["posts"] == 1
    (band,) = [g for name, g in groups.items() if name.startswith("around p99")]
    assert band["total_us"] == max(p["total"] for p in per_post) * 1e6


class _NoFindings(System):
    """Reports nothing: checks the credential hook's wiring without scanning for real."""

    key = "ours-never"
    label = "no findings"

    def scan(self, text: str) -> Any:
        return SimpleNamespace(findings=())

    def spans(self, result: Any) -> list[Span]:
        return []

    def scan_many(self, texts: Sequence[str], n_process: int = 1, batch_size: int = 64) -> list[list[Span]]:
        return [[] for _ in texts]

    def freeze(self) -> None:
        pass


@pytest.mark.corpus
def test_credentials_hook(shared_data: Path) -> None:
    if importlib.util.find_spec("benchmarks.credentials_eval") is None:
        pytest.skip("benchmarks/credentials_eval.py is not there yet")
    settings = preset("smoke", data_dir=shared_data, credentials_system="ours-never")
    result = run_credentials(settings, {"ours-never": _NoFindings()}, Progress(False))
    assert result["status"] == "ok"
    assert set(result["result"]) == {"detect_secrets", "noseyparker", "gitleaks"}
    assert all(row["true_positives"] == 0 and row["positives_in_scope"] > 0 for row in result["result"].values())
    text = report.credentials_section(result)
    assert "detect_secrets" in text and "gitleaks" in text


@pytest.mark.slow
@pytest.mark.corpus
def test_smoke_report_and_charts(smoke_run: dict[str, Any]) -> None:
    out: Path = smoke_run["out"]
    text = out.read_text(encoding="utf-8")
    for heading in ("## Targets", "## Accuracy", "## Speed", "## Memory", "## Profile", "## Method", "Machine:"):
        assert heading in text
    assert (out.parent / "f2_per_type.png").stat().st_size > 1000
    assert (out.parent / "latency.png").stat().st_size > 1000
    if "presidio" in smoke_run["keys"]:
        assert "vs Presidio" in text
    assert report.fmt(None) == "-"


def test_p99_of_every_pass_is_listed_when_there_are_several() -> None:
    from benchmarks import report

    systems = {"ours-auto": {"p99_ms_per_pass": [1.912, 1.86, 2.0]}, "presidio": {"p99_ms_per_pass": [10.77, 12.5, 11]}}
    line = report.p99_spread(systems)
    assert "ours (ner=auto) 1.91, 1.86, 2.00 ms; Presidio 10.77, 12.50, 11.00 ms" in line
    assert report.p99_spread({"ours-auto": {"p99_ms_per_pass": [1.9]}, "presidio": {}}) == ""


def test_intents_evaluation_renders_into_the_report() -> None:
    from benchmarks import intents_eval, report
    from scanner import Scanner, ScannerConfig

    posts = intents_eval.load_labeled()[:4]
    hatecheck = [{"test_case": "I will hurt you", "functionality": "threat_dir_h"}]
    result = intents_eval.evaluate_intents(intents_eval.scanner_scan(Scanner(ScannerConfig(ner="never"))),
                                           posts=posts, hatecheck=hatecheck)
    text = report.intents_section({"status": "ok", "result": result})
    assert "Verdict accuracy" in text and "HateCheck (1 rows)" in text
    rows = report.targets({"accuracy": {"intents": {"status": "ok", "result": result}}})
    assert any("intent F1" in r[0] for r in rows)


def test_recorded_commit_is_dirty_only_for_files_a_run_does_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import subprocess

    from benchmarks import machine

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    (tmp_path / "benchmarks").mkdir()
    for name in ("benchmarks/RESULTS.md", "benchmarks/latency.png", "benchmarks/speed.py"):
        (tmp_path / name).write_text("v1\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "c")
    monkeypatch.setattr(machine, "REPO_ROOT", tmp_path)
    assert "uncommitted" not in machine._git_commit()
    (tmp_path / "benchmarks/RESULTS.md").write_text("v2\n")
    (tmp_path / "benchmarks/latency.png").write_text("v2\n")
    assert "uncommitted" not in machine._git_commit()  # the run's own outputs
    (tmp_path / "benchmarks/speed.py").write_text("v2\n")
    assert machine._git_commit().endswith("(with uncommitted changes)")


class _Logged(System):
    """Records what it is asked to do, so the order of measurements can be checked."""

    def __init__(self, key: str, log: list[tuple[str, str]]) -> None:
        self.key, self.label, self._log = key, key, log

    def scan(self, text: str) -> Any:
        self._log.append((self.key, "scan"))
        return SimpleNamespace(findings=())

    def spans(self, result: Any) -> list[Span]:
        return []

    def scan_many(self, texts: Sequence[str], n_process: int = 1, batch_size: int = 64) -> list[list[Span]]:
        self._log.append((self.key, f"batch {n_process}"))
        return [[] for _ in texts]

    def freeze(self) -> None:
        self._log.append((self.key, "freeze"))


def test_systems_take_turns_pass_by_pass_and_batch_by_batch() -> None:
    from benchmarks.speed import _corpus_run

    log: list[tuple[str, str]] = []
    systems = {"a": _Logged("a", log), "b": _Logged("b", log)}
    records = [Record(f"r{i}", f"post {i}") for i in range(3)]
    settings = preset("smoke", passes=2, batch_repeats=2, cores=2, warmup=1)
    result = _corpus_run("test", records, systems, settings, Progress(False))
    runs = [who for who, _what in log[2:]]  # after one warm-up call each
    # two one-at-a-time passes of 3 posts, taking turns; then batch runs (1 and 2 processes), twice, taking turns
    assert runs[:12] == ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3
    assert log[14:] == [("a", "batch 1"), ("b", "batch 1"), ("a", "batch 2"), ("b", "batch 2")] * 2
    for row in result["systems"].values():
        assert len(row["p99_ms_per_pass"]) == 2 and row["batch_2"]["posts_per_s"] > 0


@pytest.mark.corpus
def test_systems_are_warmed_up_on_other_posts_then_frozen(shared_data: Path) -> None:
    from benchmarks.speed import warm_up_and_freeze

    log: list[tuple[str, str]] = []
    systems = {"a": _Logged("a", log), "b": _Logged("b", log)}
    settings = preset("smoke", data_dir=shared_data, warmup_posts=40)
    warm_up_and_freeze(systems, settings, Progress(False))
    assert log == [("a", "scan")] * 40 + [("a", "freeze")] + [("b", "scan")] * 40 + [("b", "freeze")]
    warm = {r.text for r in datasets.build_warmup(shared_data, 40, settings.seed)}
    feed = datasets.build_feed(shared_data, 400, settings.seed, warmup=40)
    all_pii = datasets.build_all_pii(shared_data, None, settings.seed, warmup=40)
    assert len(warm) == 40 and sum(1 for r in datasets.build_warmup(shared_data, 40, settings.seed) if r.spans) == 2
    assert not warm & {r.text for r in feed} and not warm & {r.text for r in all_pii}
    assert len(all_pii) == len(datasets.pii_sentences(shared_data)) - 2
    assert datasets.build_feed(shared_data, 400, settings.seed) != feed  # the held-out posts change the draw


def test_a_stream_repeats_the_posts_with_numbers_and_capitalised_words_redrawn() -> None:
    import re

    from benchmarks.memory import stream_texts

    records = [Record("a", "call Ann McKay at 555-0100 now"), Record("b", "no names here")]
    texts = stream_texts(records, 5, seed=1)
    assert len(texts) == 5 and texts[1] == texts[3] == "no names here"
    shapes = {re.sub("[A-Z]", "A", re.sub("[a-z]", "a", re.sub("[0-9]", "9", t))) for t in texts[0::2]}
    assert shapes == {"aaaa Aaa AaAaa aa 999-9999 aaa"}
    assert {t.split()[0] + t.split()[3] + t.split()[5] for t in texts[0::2]} == {"callatnow"}
    assert len({t.split()[1] for t in texts[0::2]}) == 3  # a new name each time
    assert stream_texts(records, 5, seed=1) == texts
