"""Profile suite: stage timing and pyinstrument over our scanner, one post at a time.

Stage timing (:mod:`benchmarks.stages`): the mean time per post of each stage of a scan,
on the feed (a) with ``ner="auto"``, for clean posts, posts with private data, and the
posts around the 99th percentile of its latencies; it runs first, in a fresh process.

Two sessions: ``ner="auto"`` over the feed corpus (a) and ``ner="always"`` over the
all-PII corpus (b), each after a warm-up. For each session the report lists the
functions with the most self time and the inclusive time per component (a module of
``scanner/``, a third-party package, or the standard library); the full profiles are
saved as HTML next to the results cache (``.cache/profile-*.html``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import REPO_ROOT, datasets, speed, stages
from .settings import Progress, Settings
from .systems import OurScanner, System, make_system

TOP = 15
ENTRY = "scanner/scanner.py"  # time is attributed from the Scanner's entry points down


def component(path: str | None) -> str:
    """A readable owner for a source file: ``scanner/x.py``, a third-party package, or ``stdlib``."""
    if not path or path.startswith("<"):
        return "<builtin>"
    p = Path(path)
    if not p.is_absolute():  # compiled modules report paths such as thinc/backends/numpy_ops.pyx
        return p.parts[0]
    if "site-packages" in p.parts:
        i = p.parts.index("site-packages")
        return p.parts[i + 1].removesuffix(".py") if i + 1 < len(p.parts) else "site-packages"
    try:
        return str(p.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return "stdlib"


def summarize(root: Any) -> dict[str, Any]:
    """Inside ``Scanner`` calls only: inclusive time per component (each sample once) and top self times.

    C functions (``<builtin>``) are shown with the component that called them.
    """
    self_time: dict[tuple[str, str], float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)
    in_scanner = 0.0

    def walk(frame: Any, inside: bool, active: frozenset[str], parent: str) -> None:
        nonlocal in_scanner
        comp = component(frame.file_path)
        if not inside and comp == ENTRY:
            inside = True
            in_scanner += frame.time
        real_children = [c for c in frame.children if not c.is_synthetic]
        if inside:
            own = frame.time - sum(c.time for c in real_children)
            where = f"{parent} (C)" if comp == "<builtin>" else f"{comp}:{frame.line_no or '?'}"
            self_time[(frame.function, where)] += own
            if comp != "<builtin>" and comp not in active:
                inclusive[comp] += frame.time
                active = active | {comp}
        for child in real_children:
            walk(child, inside, active, comp if comp != "<builtin>" else parent)

    if root is not None:
        walk(root, False, frozenset(), "?")
    total = in_scanner or 1e-12
    top_self = sorted(self_time.items(), key=lambda kv: -kv[1])[:TOP]
    top_incl = sorted(inclusive.items(), key=lambda kv: -kv[1])[:TOP]
    return {
        "in_scanner_s": in_scanner,
        "self": [{"function": f, "where": w, "seconds": s, "share": s / total} for (f, w), s in top_self],
        "inclusive": [{"component": c, "seconds": s, "share": s / total} for c, s in top_incl],
    }


def profile_system(system: System, texts: Sequence[str], warmup: int, html: Path | None) -> dict[str, Any]:
    from pyinstrument import Profiler

    for text in texts[:warmup]:
        system.scan(text)
    profiler = Profiler(interval=0.0005)
    start = time.perf_counter()
    profiler.start()
    for text in texts:
        system.scan(text)
    session = profiler.stop()
    seconds = time.perf_counter() - start
    if html is not None:
        html.write_text(profiler.output_html(), encoding="utf-8")
    out = summarize(session.root_frame())
    out.update({"posts": len(texts), "seconds": seconds, "html": str(html) if html else None})
    return out


def run_stages(settings: Settings, progress: Progress) -> dict[str, Any]:
    """Stage timing (see :mod:`benchmarks.stages`) on the feed (a), on a Scanner of its own
    (warmed up and frozen as the speed suite's systems are)."""
    records = datasets.build_feed(settings.data_dir, settings.feed_size, settings.seed, warmup=settings.warmup_posts)
    progress(f"profile: stage timing, ours (ner=auto) on (a) feed ({len(records)} posts, {settings.passes} passes)")
    system = OurScanner("auto")
    speed.warm_up_and_freeze({system.key: system}, settings, progress)
    per_post = stages.time_stages(system.scanner, [r.text for r in records], settings.passes)
    return {**stages.summarize(records, per_post), "passes": settings.passes}


def run(settings: Settings, progress: Progress, systems: Mapping[str, System] | None = None) -> dict[str, Any]:
    started = time.perf_counter()
    stage_times = run_stages(settings, progress)
    warmup = settings.warmup_posts
    feed = [r.text for r in datasets.build_feed(settings.data_dir, settings.profile_posts, settings.seed,
                                                warmup=warmup)]
    all_pii = [r.text for r in datasets.build_all_pii(settings.data_dir, settings.profile_posts, settings.seed,
                                                      warmup=warmup)]
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    sessions: dict[str, Any] = {}
    for name, key, texts in (("feed", "ours-auto", feed), ("all_pii", "ours-always", all_pii)):
        progress(f"profile: {key} on {name} ({len(texts)} posts)")
        system = systems[key] if systems and key in systems else make_system(key)
        speed.warm_up_and_freeze({key: system}, settings, progress)
        html = settings.cache_dir / f"profile-{name}-{key}.html"
        sessions[name] = {"system": key, **profile_system(system, texts, settings.warmup, html)}
    return {"suite": "profile", "stages": stage_times, "sessions": sessions,
            "seconds": round(time.perf_counter() - started, 1)}
