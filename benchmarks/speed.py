"""Speed suite: throughput and per-post latency on corpora (a) feed, (b) all-PII, (c) long texts.

For each system, on each corpus, after a warm-up of a few untimed calls (the systems take
turns pass by pass and batch run by batch run, so that a slow spell of the shared machine
does not fall on one system only):

- one-at-a-time: ``scan(text)`` per post, each call timed with ``time.perf_counter``;
  gives p50 / p90 / p99 latency and the one-at-a-time posts per second, from the
  fastest of ``passes`` passes (by total time); the p99 of every pass is kept too;
- batch, one process: ``scan_many(texts, n_process=1)`` timed as a whole;
- batch, ``n_process`` = cores: the same with one worker per core (worker start-up
  included, as an application would pay it per batch job).

The one-at-a-time results on (b) are also scored (IoU rule, ``ANY`` and per type) so
the throughput ratio on (b) comes with the F2 of the same run.
Long texts (c) are timed with ``scan`` (median of a few repeats) at 10 KB, 100 KB
and 1 MB (characters), built from the feed posts; linearity = t(1 MB) / t(100 KB).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Mapping, Sequence
from typing import Any

from . import datasets
from .datasets import Record, Span
from .metrics import score_corpus
from .settings import Progress, Settings
from .systems import System


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between order statistics."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def one_at_a_time(system: System, texts: Sequence[str]) -> tuple[list[float], list[list[Span]]]:
    """Seconds per call and the spans of each call."""
    latencies: list[float] = []
    spans: list[list[Span]] = []
    gc.collect()
    for text in texts:
        start = time.perf_counter()
        result = system.scan(text)
        latencies.append(time.perf_counter() - start)
        spans.append(system.spans(result))
    return latencies, spans


def batch_seconds(system: System, texts: Sequence[str], n_process: int, batch_size: int) -> float:
    """Seconds of one ``scan_many`` call over ``texts`` (worker start-up included)."""
    gc.collect()
    start = time.perf_counter()
    system.scan_many(texts, n_process=n_process, batch_size=batch_size)
    return time.perf_counter() - start


def latency_summary(latencies: Sequence[float]) -> dict[str, float]:
    ms = [x * 1000.0 for x in latencies]
    return {
        "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90), "p99_ms": percentile(ms, 99),
        "max_ms": max(ms), "mean_ms": sum(ms) / len(ms),
        "posts_per_s": len(ms) / (sum(latencies) or 1e-12),
    }


def _corpus_run(
    name: str, records: Sequence[Record], systems: Mapping[str, System], settings: Settings, progress: Progress
) -> dict[str, Any]:
    texts = [r.text for r in records]
    result: dict[str, Any] = {
        "posts": len(texts), "with_pii": sum(1 for r in records if r.spans),
        "mean_chars": round(sum(map(len, texts)) / max(len(texts), 1), 1), "systems": {},
    }
    for system in systems.values():
        progress(f"speed: corpus {name} ({len(texts)} posts) with {system.label}: warm-up")
        for text in texts[: settings.warmup]:
            system.scan(text)
    # Passes and batch repeats take turns between the systems, so that a slow spell of the shared
    # machine falls on every system instead of on one system's whole measurement.
    n_passes = max(1, settings.passes)
    passes: dict[str, list[tuple[list[float], list[list[Span]]]]] = {key: [] for key in systems}
    for i in range(n_passes):
        for key, system in systems.items():
            progress(f"speed: corpus {name} with {system.label}: one-at-a-time, pass {i + 1} of {n_passes}")
            passes[key].append(one_at_a_time(system, texts))
    modes = [1, *([settings.cores] if settings.cores > 1 else [])]
    n_repeats = max(1, settings.batch_repeats)
    best: dict[tuple[str, int], float] = {}
    for i in range(n_repeats):
        for n_process in modes:
            for key, system in systems.items():
                progress(f"speed: corpus {name} with {system.label}: batch, {n_process} process"
                         f"{'es' if n_process > 1 else ''}, run {i + 1} of {n_repeats}")
                seconds = batch_seconds(system, texts, n_process, settings.batch_size)
                best[(key, n_process)] = min(best.get((key, n_process), float("inf")), seconds)
    for key in systems:
        latencies, spans = min(passes[key], key=lambda run: sum(run[0]))
        row: dict[str, Any] = {"one_at_a_time": latency_summary(latencies)}
        # how much p99 moves from pass to pass, for the reader to weigh the reported (fastest) pass
        row["p99_ms_per_pass"] = [percentile([x * 1000.0 for x in run[0]], 99) for run in passes[key]]
        row["latencies_ms"] = [round(x * 1000.0, 4) for x in latencies]
        scored = score_corpus(records, spans, datasets.SYNTH_TYPES, "iou")
        row["accuracy_iou"] = {typ: c.to_dict() for typ, c in scored.items() if c.support or c.fp}
        for n_process in modes:
            seconds = best[(key, n_process)]
            row[f"batch_{n_process}"] = {"seconds": seconds, "posts_per_s": len(texts) / seconds}
        result["systems"][key] = row
    return result


def _time_long(system: System, text: str, repeats: int) -> dict[str, Any]:
    times = []
    try:
        for _ in range(repeats):
            gc.collect()
            start = time.perf_counter()
            system.scan(text)
            times.append(time.perf_counter() - start)
    except Exception as exc:  # report the failure (class and first line only), keep going
        first_line = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        return {"error": f"{type(exc).__name__}: {first_line}", "times_s": times}
    ordered = sorted(times)
    return {"seconds": ordered[len(ordered) // 2], "times_s": times}


def long_texts(
    feed: Sequence[Record], systems: Mapping[str, System], settings: Settings, progress: Progress
) -> dict[str, Any]:
    sizes = {label: size for label, size in datasets.LONG_TEXT_SIZES.items() if label in settings.long_repeats}
    texts = {label: datasets.build_long_text(feed, size) for label, size in sizes.items()}
    out: dict[str, Any] = {"sizes": sizes, "systems": {}}
    for key, system in systems.items():
        rows: dict[str, Any] = {}
        system.scan(texts[min(texts, key=lambda label: sizes[label])])  # warm-up on the smallest
        for label, text in texts.items():
            if key == "presidio" and label not in settings.presidio_long_sizes and not (
                label == "1MB" and settings.presidio_1mb
            ):
                rows[label] = {"skipped": "not run (--presidio-1mb)" if label == "1MB" else "not run in this mode"}
                continue
            progress(f"speed: long text {label} with {system.label} (x{settings.long_repeats[label]})")
            rows[label] = _time_long(system, text, settings.long_repeats[label])
        small, big = rows.get("100KB", {}), rows.get("1MB", {})
        if "seconds" in small and "seconds" in big:
            rows["linearity_1MB_over_100KB"] = big["seconds"] / small["seconds"]
        out["systems"][key] = rows
    return out


def warm_up_and_freeze(systems: Mapping[str, System], settings: Settings, progress: Progress) -> None:
    """Each system scans ``settings.warmup_posts`` posts of their own (as a service has seen many
    posts before), then learns nothing more (:meth:`System.freeze`): every timed post then costs
    what a warmed-up service pays on first sight, in every pass."""
    warm = [r.text for r in datasets.build_warmup(settings.data_dir, settings.warmup_posts, settings.seed)]
    for system in systems.values():
        progress(f"speed: warming {system.label} up on {len(warm)} other posts, then freezing it")
        for text in warm:
            system.scan(text)
        system.freeze()


def run(settings: Settings, systems: Mapping[str, System], progress: Progress) -> dict[str, Any]:
    started = time.perf_counter()
    feed = datasets.build_feed(settings.data_dir, settings.feed_size, settings.seed, warmup=settings.warmup_posts)
    all_pii = datasets.build_all_pii(settings.data_dir, settings.all_pii_size, settings.seed,
                                     warmup=settings.warmup_posts)
    warm_up_and_freeze(systems, settings, progress)
    out: dict[str, Any] = {"suite": "speed", "cores": settings.cores, "batch_size": settings.batch_size,
                           "warmup_posts": settings.warmup_posts}
    out["feed"] = _corpus_run("(a) feed", feed, systems, settings, progress)
    out["all_pii"] = _corpus_run("(b) all-PII", all_pii, systems, settings, progress)
    out["long"] = long_texts(feed, systems, settings, progress)
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out
