"""Run settings: corpus sizes for the full, quick and smoke modes, paths, seed, progress output."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import REPO_ROOT, default_data_dir

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "RESULTS.md"
DEFAULT_SEED = 20240517


@dataclass(frozen=True)
class Settings:
    """What to run and how much of each corpus. ``None`` as a limit means the whole corpus."""

    mode: str = "full"
    data_dir: Path = field(default_factory=default_data_dir)
    out: Path = DEFAULT_OUT
    seed: int = DEFAULT_SEED
    systems: tuple[str, ...] = ("ours-auto", "ours-always", "presidio")
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    batch_size: int = 64
    warmup: int = 20  # untimed calls on each corpus's first posts before it is timed (code paths, not words)
    # posts of their own (none in the timed corpora) each system scans before it is frozen (System.freeze)
    warmup_posts: int = 1500
    # accuracy
    synth_limit: int | None = None
    tweets_limit: int | None = None  # per tweet corpus (WNUT-17, each BTC section)
    credentials: bool = True
    credentials_system: str = "ours-always"
    # speed
    feed_size: int = 3000
    batch_repeats: int = 3  # batch runs are timed this many times; the fastest counts (as timeit does)
    passes: int = 3  # one-at-a-time passes over each corpus; the fastest pass is reported
    all_pii_size: int | None = None
    # odd counts: the median is a run, not the slower of two (a first run meets words no earlier run did)
    long_repeats: dict[str, int] = field(default_factory=lambda: {"10KB": 5, "100KB": 3, "1MB": 3})
    presidio_long_sizes: tuple[str, ...] = ("10KB", "100KB")
    presidio_1mb: bool = False  # Presidio on 1 MB takes minutes and GBs: opt in
    # memory / profile
    memory_posts: int = 1000
    memory_workloads: tuple[str, ...] = ("posts", "1MB", "stream")
    stream_posts: int = 20_000
    profile_posts: int = 1500
    progress: bool = True
    command: str = ""

    @property
    def cache_dir(self) -> Path:
        """Where each suite stores its JSON results (next to the report)."""
        return self.out.parent / ".cache"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["data_dir"] = str(self.data_dir)
        data["out"] = str(self.out)
        return data


def preset(mode: str, **overrides: Any) -> Settings:
    """``full`` (default sizes), ``quick`` (subsamples for iteration) or ``smoke`` (a few records, for tests)."""
    if mode == "full":
        return Settings(mode=mode, **overrides)
    if mode == "quick":
        values: dict[str, Any] = dict(
            synth_limit=300, tweets_limit=150, feed_size=600, all_pii_size=200, batch_repeats=1, passes=1,
            long_repeats={"10KB": 3, "100KB": 1, "1MB": 1}, presidio_long_sizes=("10KB", "100KB"),
            memory_posts=300, stream_posts=1000, profile_posts=300,
        )
    elif mode == "smoke":
        values = dict(
            synth_limit=12, tweets_limit=6, credentials=False, feed_size=40, all_pii_size=8, warmup=2, warmup_posts=20,
            batch_repeats=1, passes=1,
            long_repeats={"10KB": 1}, presidio_long_sizes=("10KB",),
            memory_posts=10, memory_workloads=("posts", "stream"), stream_posts=30, profile_posts=20, batch_size=8,
            progress=False,
        )
    else:
        raise ValueError(f"unknown mode {mode!r}; known: full, quick, smoke")
    values.update(overrides)
    return Settings(mode=mode, **values)


class Progress:
    """Progress lines on stderr with the elapsed time, silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            print(f"[bench {time.perf_counter() - self.t0:7.1f}s] {message}", file=sys.stderr, flush=True)


def save_suite(settings: Settings, suite: str, result: dict[str, Any]) -> Path:
    """Store one suite's results as ``<cache>/<suite>.json``."""
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    path = settings.cache_dir / f"{suite}.json"
    path.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return path


def load_suites(cache_dir: Path) -> dict[str, dict[str, Any]]:
    """All stored suite results, by suite name."""
    out: dict[str, dict[str, Any]] = {}
    for suite in ("accuracy", "speed", "memory", "profile"):
        path = cache_dir / f"{suite}.json"
        if path.is_file():
            out[suite] = json.loads(path.read_text(encoding="utf-8"))
    return out
