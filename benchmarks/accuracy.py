"""Accuracy suite: span P / R / F1 / F2 per type on presidio_synth, PERSON on tweets, credentials.

presidio_synth is scored with addresses merged into whole-address spans (the headline,
see :func:`benchmarks.datasets.merge_address_parts`) and, for reference, as labeled.

Ours runs with ``ner="always"`` (all names found, the redaction operating point);
``ner="auto"`` is scored on presidio_synth too, to show what the default mode leaves
out. Predictions come from each system's single-process batch call.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import datasets
from .datasets import Record, Span
from .metrics import MATCH_RULES, score_corpus
from .settings import Progress, Settings
from .systems import System, make_system

PERSON_ONLY = ("PERSON",)
CREDENTIALS_HOOK = "benchmarks.credentials_eval"


def predict(system: System, records: Sequence[Record], settings: Settings) -> list[list[Span]]:
    """One span list per record (single-process batch)."""
    return system.scan_many([r.text for r in records], n_process=1, batch_size=settings.batch_size)


def _score(records: Sequence[Record], predictions: Sequence[Sequence[Span]], types: Sequence[str]) -> dict[str, Any]:
    return {
        rule: {typ: counts.to_dict() for typ, counts in score_corpus(records, predictions, types, rule).items()}
        for rule in MATCH_RULES
    }


def tweet_corpora(settings: Settings) -> dict[str, list[Record]]:
    corpora = {"wnut17-dev": datasets.load_wnut17(settings.data_dir)}
    for section in datasets.BTC_SECTIONS:
        corpora[f"btc-{section}"] = datasets.load_btc(settings.data_dir, section)
    return {
        name: datasets.subsample(records, settings.tweets_limit, settings.seed) for name, records in corpora.items()
    }


def run(settings: Settings, systems: Mapping[str, System], progress: Progress) -> dict[str, Any]:
    started = time.perf_counter()
    out: dict[str, Any] = {"suite": "accuracy"}

    synth = datasets.subsample(datasets.load_presidio_synth(settings.data_dir), settings.synth_limit, settings.seed)
    as_labeled = datasets.subsample(
        datasets.load_presidio_synth(settings.data_dir, merge_addresses=False), settings.synth_limit, settings.seed
    )
    out["synth"] = {"records": len(synth), "types": list(datasets.SYNTH_TYPES), "systems": {}}
    out["synth_as_labeled"] = {"records": len(as_labeled), "systems": {}}
    for key, system in systems.items():
        progress(f"accuracy: presidio_synth ({len(synth)} records) with {system.label}")
        predictions = predict(system, synth, settings)
        out["synth"]["systems"][key] = _score(synth, predictions, datasets.SYNTH_TYPES)
        out["synth_as_labeled"]["systems"][key] = _score(as_labeled, predictions, datasets.SYNTH_TYPES)

    tweets = tweet_corpora(settings)
    out["person"] = {"corpora": {}, "systems": {}}
    for name, records in tweets.items():
        out["person"]["corpora"][name] = {
            "records": len(records), "spans": sum(len(r.spans) for r in records),
            "ignored_mentions": sum(len(r.ignore) for r in records),
        }
    for key, system in systems.items():
        if key == "ours-auto":
            continue  # PERSON recall on tweets is a ner=always measure
        all_records: list[Record] = []
        all_predictions: list[list[Span]] = []
        per_corpus: dict[str, Any] = {}
        for name, records in tweets.items():
            progress(f"accuracy: PERSON on {name} ({len(records)} records) with {system.label}")
            predictions = predict(system, records, settings)
            per_corpus[name] = _score(records, predictions, PERSON_ONLY)
            if name.startswith("btc-"):
                all_records.extend(records)
                all_predictions.extend(predictions)
        per_corpus["btc-all"] = _score(all_records, all_predictions, PERSON_ONLY)
        out["person"]["systems"][key] = per_corpus

    out["credentials"] = run_credentials(settings, systems, progress) if settings.credentials else {"status": "skipped"}
    out["intents"] = run_intents(settings, progress) if settings.credentials else {"status": "skipped"}
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def run_intents(settings: Settings, progress: Progress) -> dict[str, Any]:
    """Intents and verdicts on tests/data/labeled_posts.jsonl, HateCheck rows as hard negatives (ours only)."""
    from benchmarks import intents_eval
    from scanner import Scanner

    progress("accuracy: intents and verdicts on the labeled posts, HateCheck hard negatives")
    hatecheck_path = settings.data_dir / "hatecheck" / "test_suite_cases.csv"
    hatecheck = intents_eval.load_hatecheck(hatecheck_path) if hatecheck_path.exists() else []
    result = intents_eval.evaluate_intents(intents_eval.scanner_scan(Scanner()), hatecheck=hatecheck)
    result.pop("errors", None)
    return {"status": "ok", "result": result}


def run_credentials(settings: Settings, systems: Mapping[str, System], progress: Progress) -> dict[str, Any]:
    """HOOK into ``benchmarks/credentials_eval.py``: ``evaluate_credentials(data_dir / "credentials", scan)``.

    ``scan(text)`` returns ``(type, start, end)`` tuples from our scanner
    (``settings.credentials_system``, ``ours-always`` by default). Presidio has no
    credential recognizer and is not run on these sets.
    """
    try:
        module = importlib.import_module(CREDENTIALS_HOOK)
    except ModuleNotFoundError as exc:
        if exc.name != CREDENTIALS_HOOK:
            raise
        return {"status": "pending: benchmarks/credentials_eval.py does not exist yet"}
    evaluate: Callable[..., Any] = module.evaluate_credentials
    key = settings.credentials_system
    if not key.startswith("ours-"):
        return {"status": f"skipped: {key} is not our scanner"}
    ours = systems[key] if key in systems else make_system(key)

    def scan(text: str) -> list[tuple[str, int, int]]:
        return [(f.type, f.start, f.end) for f in ours.scan(text).findings]

    progress(f"accuracy: credential sets with {ours.label}")
    result = evaluate(settings.data_dir / "credentials", scan)
    return {"status": "ok", "system": key, "result": result}
