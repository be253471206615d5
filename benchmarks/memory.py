"""Memory suite: peak RSS of each system, each measured in a fresh Python subprocess.

A child process (``python -m benchmarks.memory <system> <workload> ...``) imports and
builds one system, records its RSS after loading, runs one workload with ``scan``
one post at a time, and prints JSON with its peak RSS (``ru_maxrss``, the high-water
mark of the whole process, interpreter and model included). Workloads:

- ``posts``: the feed corpus (a) followed by the all-PII corpus (b);
- ``1MB``: one 1 MB text built from the feed posts.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import REPO_ROOT, datasets
from .settings import Progress, Settings

WORKLOADS = ("posts", "1MB")
RSS_TARGET_MB = 350.0


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _current_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def child(system_key: str, workload: str, data_dir: Path, posts: int, seed: int) -> dict[str, Any]:
    """Runs inside the fresh subprocess."""
    from .systems import make_system

    feed = datasets.build_feed(data_dir, posts, seed)
    texts = [r.text for r in feed]
    if workload == "posts":
        texts += [r.text for r in datasets.build_all_pii(data_dir, max(posts // 5, 1), seed)]
    else:
        texts = [datasets.build_long_text(feed, datasets.LONG_TEXT_SIZES["1MB"])]
    before_load = _current_rss_mb()
    start = time.perf_counter()
    system = make_system(system_key)
    loaded = _current_rss_mb()
    error = None
    try:
        for text in texts:
            system.scan(text)
    except Exception as exc:  # report, do not crash the suite
        error = type(exc).__name__
    return {
        "system": system_key, "workload": workload, "texts": len(texts), "chars": sum(map(len, texts)),
        "rss_before_load_mb": before_load, "rss_after_load_mb": loaded, "peak_rss_mb": _peak_rss_mb(),
        "seconds": round(time.perf_counter() - start, 2), "error": error,
    }


def measure(system_key: str, workload: str, settings: Settings) -> dict[str, Any]:
    """Run one child process and return what it reported."""
    cmd = [
        sys.executable, "-m", "benchmarks.memory", system_key, workload,
        "--data-dir", str(settings.data_dir), "--posts", str(settings.memory_posts), "--seed", str(settings.seed),
    ]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-1:] if proc.stderr.strip() else []
        return {"system": system_key, "workload": workload, "error": f"exit {proc.returncode}: {' '.join(tail)[:200]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run(settings: Settings, system_keys: Sequence[str], progress: Progress) -> dict[str, Any]:
    started = time.perf_counter()
    rows = []
    for key in system_keys:
        for workload in WORKLOADS:
            progress(f"memory: {key} / {workload} in a fresh process")
            rows.append(measure(key, workload, settings))
    return {"suite": "memory", "posts": settings.memory_posts, "rows": rows,
            "target_mb": RSS_TARGET_MB, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description="One peak-RSS measurement (child).")
    parser.add_argument("system", help="ours-auto | ours-always | presidio")
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(child(args.system, args.workload, args.data_dir, args.posts, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
