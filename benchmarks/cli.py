"""Command line: ``python -m benchmarks accuracy|speed|memory|profile|all|report``."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import REPO_ROOT, default_data_dir
from .settings import DEFAULT_OUT, DEFAULT_SEED, Progress, Settings, load_suites, preset, save_suite
from .systems import SYSTEM_KEYS, System, make_system, presidio_available

SUITES = ("accuracy", "speed", "memory", "profile")

DESCRIPTION = """\
Benchmark this scanner side by side with Presidio (default AnalyzerEngine on the same
spaCy model) on the labeled corpora in ../shared/data, and write benchmarks/RESULTS.md
with tables, pass/fail against the speed, memory and accuracy targets, and two PNG
charts (f2_per_type.png, latency.png) next to it.

suites:
  accuracy  span P/R/F1/F2 per type (exact and IoU >= 0.5) on presidio_synth,
            PERSON on WNUT-17 dev and the Broad Twitter Corpus, credential sets
  speed     posts/s (one at a time, batch with 1 and N processes), p50/p90/p99
            latency on (a) a realistic feed, (b) all-PII posts; long texts of
            10 KB, 100 KB, 1 MB (linearity)
  memory    peak RSS per system, each in a fresh subprocess
  profile   time per stage of a scan on (a), and pyinstrument on (a) and (b), into RESULTS.md
  all       the four suites above, each in its own process, then the report
  report    only rewrite RESULTS.md and the charts from the stored suite results

Each suite stores its results in <out dir>/.cache/<suite>.json; RESULTS.md is
rebuilt from all stored suites after every run. Progress goes to stderr."""

EPILOG = """\
examples:
  python -m benchmarks all                 # full run (about 10-20 minutes on 2 cores)
  python -m benchmarks all --quick         # subsampled corpora, a few minutes
  python -m benchmarks accuracy --systems ours-always
  python -m benchmarks report              # re-render from .cache/*.json"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("suite", choices=[*SUITES, "all", "report"], help="what to run (see above)")
    parser.add_argument("--quick", action="store_true",
                        help="subsample every corpus for a fast iteration run (default: full corpora)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="the report to write; charts and .cache/ go next to it (default: %(default)s)")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="the shared labeled corpora, read in place (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help="seed for every subsample and shuffle (default: %(default)s)")
    parser.add_argument("--systems", default=",".join(SYSTEM_KEYS),
                        help="comma-separated systems to run, from: %(default)s (default: all)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                        help="processes for the multi-process batch runs (default: all cores, %(default)s)")
    parser.add_argument("--presidio-1mb", action="store_true",
                        help="also time Presidio on the 1 MB text and measure its memory there (minutes, GBs)")
    parser.add_argument("--no-charts", action="store_true", help="do not write the PNG charts")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--recorded-command", help=argparse.SUPPRESS)  # set by `all` for its child processes
    return parser


def settings_from_args(args: argparse.Namespace, argv: Sequence[str]) -> Settings:
    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    unknown = [s for s in systems if s not in SYSTEM_KEYS]
    if unknown:
        raise SystemExit(f"unknown system(s): {', '.join(unknown)}; known: {', '.join(SYSTEM_KEYS)}")
    if "presidio" in systems and not presidio_available():
        print("presidio-analyzer is not installed (pip install -e '.[bench]'); running without it", file=sys.stderr)
        systems = tuple(s for s in systems if s != "presidio")
    command = args.recorded_command or "python -m benchmarks " + " ".join(shlex.quote(a) for a in argv)
    return preset(
        "quick" if args.quick else "full", data_dir=args.data_dir.resolve(), out=args.out.resolve(), seed=args.seed,
        systems=systems, cores=max(args.cores, 1), progress=not args.quiet, command=command,
        presidio_1mb=args.presidio_1mb,
    )


def build_systems(keys: Sequence[str], progress: Progress) -> dict[str, System]:
    systems = {}
    for key in keys:
        progress(f"loading {key}")
        systems[key] = make_system(key)
    return systems


def run_suite(
    suite: str, settings: Settings, progress: Progress, systems: Mapping[str, System] | None = None
) -> dict[str, Any]:
    """Run one suite in this process, store its results, and return them (``systems``: prebuilt, optional)."""
    from . import accuracy, memory, profiling, speed
    from .machine import machine_info

    if suite in {"accuracy", "speed"} and systems is None:
        systems = build_systems(settings.systems, progress)
    if suite == "accuracy":
        assert systems is not None
        result = accuracy.run(settings, systems, progress)
    elif suite == "speed":
        assert systems is not None
        result = speed.run(settings, systems, progress)
    elif suite == "memory":
        result = memory.run(settings, settings.systems, progress)
    elif suite == "profile":
        result = profiling.run(settings, progress, systems)
    else:
        raise ValueError(f"unknown suite {suite!r}")
    result["meta"] = {"mode": settings.mode, "command": settings.command, "machine": machine_info(),
                      "settings": settings.to_dict()}
    save_suite(settings, suite, result)
    return result


def render(settings: Settings, charts: bool, progress: Progress) -> Path:
    from .report import write_report

    suites = load_suites(settings.cache_dir)
    if charts:
        from .charts import write_charts

        for path in write_charts(suites, settings.out.parent):
            progress(f"wrote {path}")
    path = write_report(suites, settings.out)
    progress(f"wrote {path}")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    settings = settings_from_args(args, argv)
    progress = Progress(settings.progress)
    if not settings.data_dir.is_dir():
        print(f"data directory not found: {settings.data_dir} (pass --data-dir)", file=sys.stderr)
        return 2
    if args.suite == "all":
        for suite in SUITES:
            progress(f"=== suite {suite} (own process) ===")
            child_argv = [suite if a == "all" else a for a in argv]
            child_argv += ["--no-charts", "--recorded-command", settings.command]
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
            code = subprocess.run([sys.executable, "-m", "benchmarks", *child_argv], env=env, check=False).returncode
            if code != 0:
                print(f"suite {suite} failed with exit code {code}", file=sys.stderr)
                return code
    elif args.suite != "report":
        run_suite(args.suite, settings, progress)
    render(settings, not args.no_charts, progress)
    return 0
