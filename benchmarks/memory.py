"""Memory suite: peak RSS of each system, each measured in a fresh Python subprocess.

A child process (``python -m benchmarks.memory <system> <texts.json>``) imports and
builds one system, records its RSS after loading, runs one workload with ``scan``
one post at a time, and prints JSON with its peak RSS (``VmHWM``, the high-water
mark of the whole process, interpreter and model included). Workloads:

- ``posts``: the feed corpus (a) followed by the all-PII corpus (b);
- ``1MB``: the speed suite's 1 MB text (feed posts joined) (for Presidio only with
  ``--presidio-1mb``: in a trial it took about 4 minutes and 3.5 GB);
- ``stream``: a long run of posts with words the process has not seen, as a service meets
  them: the all-PII posts over and over, each time with every digit and every letter of a
  capitalised word re-drawn (seeded, case kept), so numbers, names, streets, towns and
  e-mail addresses are new. spaCy keeps a lexeme for every distinct token it sees; the RSS
  is sampled ten times along the run to show whether memory levels off.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import string
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import REPO_ROOT, datasets
from .settings import Progress, Settings

WORKLOADS = ("posts", "1MB", "stream")
CURVE_POINTS = 10  # RSS samples along a run
RSS_TARGET_MB = 350.0
_NEW_WORD = re.compile(r"[0-9]+|\b[A-Z][A-Za-z]+")  # re-drawn in each post of the stream


def _status_mb(field: str) -> float | None:
    """A ``Vm*`` field of /proc/self/status in MB (Linux), else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mb() -> float:
    """The RSS high-water mark of this process.

    ``VmHWM`` where available: Linux keeps ``ru_maxrss`` across ``exec``, so a child
    started from a big parent would report the parent's peak.
    """
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def _current_rss_mb() -> float | None:
    return _status_mb("VmRSS")


def workload_texts(workload: str, settings: Settings) -> list[str]:
    """The texts of a workload (built by the parent, so the child holds only the texts)."""
    if workload == "1MB":  # the same text as the speed suite's 1 MB case
        speed_feed = datasets.build_feed(settings.data_dir, settings.feed_size, settings.seed,
                                         warmup=settings.warmup_posts)
        return [datasets.build_long_text(speed_feed, datasets.LONG_TEXT_SIZES["1MB"])]
    if workload == "stream":
        return stream_texts(datasets.build_all_pii(settings.data_dir, None, settings.seed), settings.stream_posts,
                            settings.seed)
    feed = datasets.build_feed(settings.data_dir, settings.memory_posts, settings.seed)
    all_pii = datasets.build_all_pii(settings.data_dir, max(settings.memory_posts // 5, 1), settings.seed)
    return [r.text for r in feed] + [r.text for r in all_pii]


def stream_texts(records: Sequence[datasets.Record], n: int, seed: int) -> list[str]:
    """``n`` posts: ``records`` over and over, each time with every digit and every letter of a
    capitalised word re-drawn (seeded; lower case stays lower case, upper case upper case)."""
    if not records:
        raise ValueError("no posts to build a stream from")
    rng = random.Random(seed)

    def redraw(match: re.Match[str]) -> str:
        return "".join(rng.choice(string.digits) if ch.isdigit() else
                       rng.choice(string.ascii_uppercase if ch.isupper() else string.ascii_lowercase)
                       for ch in match.group())

    return [_NEW_WORD.sub(redraw, records[i % len(records)].text) for i in range(n)]


def child(system_key: str, texts_file: Path) -> dict[str, Any]:
    """Runs inside the fresh subprocess."""
    from .systems import make_system

    texts: list[str] = json.loads(texts_file.read_text(encoding="utf-8"))
    before_load = _current_rss_mb()
    start = time.perf_counter()
    system = make_system(system_key)
    loaded = _current_rss_mb()
    error = None
    every = max(1, len(texts) // CURVE_POINTS)
    curve: list[tuple[int, float | None]] = []
    try:
        for i, text in enumerate(texts, start=1):
            system.scan(text)
            if i % every == 0:
                curve.append((i, _current_rss_mb()))
    except Exception as exc:  # report (class and first line only), do not crash the suite
        lines = str(exc).strip().splitlines()
        error = f"{type(exc).__name__}: {lines[0][:100]}" if lines else type(exc).__name__
    return {
        "system": system_key, "texts": len(texts), "chars": sum(map(len, texts)),
        "rss_before_load_mb": before_load, "rss_after_load_mb": loaded, "peak_rss_mb": _peak_rss_mb(),
        "seconds": round(time.perf_counter() - start, 2), "error": error, "rss_curve_mb": curve,
    }


def measure(system_key: str, workload: str, texts_file: Path) -> dict[str, Any]:
    """Run one child process and return what it reported."""
    cmd = [sys.executable, "-m", "benchmarks.memory", system_key, str(texts_file)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-1:] if proc.stderr.strip() else []
        return {"system": system_key, "workload": workload, "error": f"exit {proc.returncode}: {' '.join(tail)[:200]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    result["workload"] = workload
    return result


def run(settings: Settings, system_keys: Sequence[str], progress: Progress) -> dict[str, Any]:
    started = time.perf_counter()
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for workload in settings.memory_workloads:
        files[workload] = settings.cache_dir / f"memory-{workload}.json"
        files[workload].write_text(json.dumps(workload_texts(workload, settings)), encoding="utf-8")
    rows = []
    try:
        for key in system_keys:
            for workload in settings.memory_workloads:
                if key == "presidio" and workload == "1MB" and not settings.presidio_1mb:
                    rows.append({"system": key, "workload": workload, "error": "not run (needs --presidio-1mb)"})
                    continue
                progress(f"memory: {key} / {workload} in a fresh process")
                rows.append(measure(key, workload, files[workload]))
    finally:
        for path in files.values():
            path.unlink(missing_ok=True)
    return {"suite": "memory", "posts": settings.memory_posts, "stream_posts": settings.stream_posts, "rows": rows,
            "target_mb": RSS_TARGET_MB, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.memory", description="One peak-RSS measurement (the child of the memory suite)."
    )
    parser.add_argument("system", help="ours-auto | ours-always | presidio")
    parser.add_argument("texts_file", type=Path, help="JSON list of texts to scan one at a time")
    args = parser.parse_args(argv)
    print(json.dumps(child(args.system, args.texts_file)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
