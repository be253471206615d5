"""Stage timing: where a post's time goes, measured without a profiler's distortion.

A sampling or tracing profiler slows Python code far more than NumPy's matrix products,
so its shares overstate the detectors against NER. Here a dedicated ``Scanner`` has its
stages wrapped with ``time.perf_counter`` timers, and the feed (a) is scanned one post
at a time with ``ner="auto"``, ``passes`` times; each post keeps the stages of its
fastest pass. The stages:

- each detector (its pre-check ``may_fire`` and its ``detect``, findings consumed);
  rule families are summed as one stage;
- ``intents`` (the intent matcher), ``NER`` (tokenizer and entity recogniser),
  ``signals`` (context signals), ``policy``, ``redaction``;
- ``other``: the rest of ``scan()`` (normalisation, the shared keyword and digit
  pre-checks, confidence scoring, findings and overlaps, building the report), and the
  timers themselves (a few microseconds per post).

Groups: the feed's posts without labeled private data, those with it, and the posts
around the 99th percentile of the one-at-a-time latencies (ranked between the slowest
``P99_BAND[0]`` and ``P99_BAND[1]`` of all posts: ranks 15 to 45 of 3,000).
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from .datasets import Record

P99_BAND = (0.005, 0.015)
OTHER = "other"
Timings = dict[str, float]


class StageClock:
    """Seconds per stage for the post being scanned."""

    def __init__(self) -> None:
        self.current: Timings = defaultdict(float)

    def timed(self, stage: str, fn: Callable[..., Any], *, eager: bool = False) -> Callable[..., Any]:
        """``fn`` with its time added to ``stage``; ``eager`` consumes a returned iterable inside the timer."""
        clock = time.perf_counter

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                result = fn(*args, **kwargs)
                return list(result) if eager else result
            finally:
                self.current[stage] += clock() - start

        return wrapper

    def take(self) -> Timings:
        out, self.current = dict(self.current), defaultdict(float)
        return out


class _TimedNer:
    """A NER engine whose calls are timed as the ``NER`` stage."""

    def __init__(self, engine: Any, clock: StageClock) -> None:
        self._call = clock.timed("NER", engine)
        self._pipe = clock.timed("NER", engine.pipe, eager=True)

    def __call__(self, text: str) -> Any:
        return self._call(text)

    def pipe(self, texts: Iterable[str]) -> Iterator[Any]:
        return iter(self._pipe(texts))


class _Overriding:
    """``target`` with some attributes replaced (for objects that do not allow setting them)."""

    def __init__(self, target: Any, **overrides: Any) -> None:
        self._target = target
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


def stage_name(detector_id: str) -> str:
    """The stage a detector's time goes to: its id, with every rule family as one ``rules``."""
    return "rules" if detector_id.startswith("rules.") else detector_id


def instrument(scanner: Any, clock: StageClock) -> Callable[[], None]:
    """Wrap the stages of ``scanner`` (a dedicated instance) with timers; returns the undo."""
    import scanner.scanner as scanner_module

    for detector in scanner.detectors:
        stage = stage_name(detector.id)
        detector.may_fire = clock.timed(stage, detector.may_fire)
        detector.detect = clock.timed(stage, detector.detect, eager=True)
    scanner.intents = _Overriding(scanner.intents, detect=clock.timed("intents", scanner.intents.detect))
    if scanner.doc_intents is not None:  # the intent matcher on the NER Docs (private: benchmark only)
        scanner._doc_intents = _Overriding(scanner.doc_intents,
                                           detect_in_doc=clock.timed("intents", scanner.doc_intents.detect_in_doc))
    scanner.policy = _Overriding(scanner.policy, evaluate=clock.timed("policy", scanner.policy.evaluate))
    scanner._ner = _TimedNer(scanner.ner_engine, clock)  # the engine ``scan`` calls (private: benchmark only)
    module_stages = {"detect_signals": "signals", "redact": "redaction"}  # functions scan() calls by module name
    originals = {name: getattr(scanner_module, name) for name in module_stages}
    for name, stage in module_stages.items():
        setattr(scanner_module, name, clock.timed(stage, originals[name]))

    def undo() -> None:
        for name, fn in originals.items():
            setattr(scanner_module, name, fn)

    return undo


def time_stages(scanner: Any, texts: Sequence[str], passes: int) -> list[Timings]:
    """Per post, the stage seconds (and ``total``) of its fastest of ``passes`` one-at-a-time passes."""
    clock = StageClock()
    undo = instrument(scanner, clock)
    best: list[Timings] = [{"total": float("inf")} for _ in texts]
    try:
        for text in texts[:20]:  # warm-up
            scanner.scan(text)
            clock.take()
        for _ in range(max(1, passes)):
            gc.collect()
            for i, text in enumerate(texts):
                start = time.perf_counter()
                scanner.scan(text)
                total = time.perf_counter() - start
                stages = clock.take()
                if total < best[i]["total"]:
                    stages[OTHER] = max(0.0, total - sum(stages.values()))
                    stages["total"] = total
                    best[i] = stages
    finally:
        undo()
    return best


def summarize(records: Sequence[Record], per_post: Sequence[Timings]) -> dict[str, Any]:
    """Mean microseconds per stage for the groups of posts (see the module docstring)."""
    ranked = sorted(range(len(per_post)), key=lambda i: -per_post[i]["total"])
    low, high = (int(len(ranked) * share) for share in P99_BAND)
    groups = {
        "no private data": [i for i, r in enumerate(records) if not r.spans],
        "labeled private data": [i for i, r in enumerate(records) if r.spans],
        f"around p99 (ranks {low + 1}-{max(high, low + 1)})": sorted(ranked[low:max(high, low + 1)]),
    }
    stages = sorted({s for t in per_post for s in t} - {"total"})
    out: dict[str, Any] = {"posts": len(per_post), "groups": {}}
    for name, members in groups.items():
        if not members:
            continue
        mean_us = {s: 1e6 * sum(per_post[i].get(s, 0.0) for i in members) / len(members) for s in stages}
        out["groups"][name] = {
            "posts": len(members),
            "total_us": 1e6 * sum(per_post[i]["total"] for i in members) / len(members),
            "stages_us": dict(sorted(mean_us.items(), key=lambda kv: -kv[1])),
            "with_pii": sum(1 for i in members if records[i].spans),
        }
    return out
