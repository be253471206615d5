"""PNG charts next to RESULTS.md: F2 per type for both systems, and the latency distribution."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .metrics import ANY
from .systems import LABELS

COLORS = {"ours-auto": "#7fb3d5", "ours-always": "#1f618d", "presidio": "#d35400"}
F2_CHART = "f2_per_type.png"
LATENCY_CHART = "latency.png"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def f2_chart(accuracy: Mapping[str, Any], path: Path, rule: str = "iou") -> Path | None:
    """Grouped bars: F2 per in-scope type and ANY on presidio_synth, ours (ner=always) vs Presidio."""
    synth = accuracy.get("synth", {})
    systems = [k for k in ("ours-always", "presidio") if k in synth.get("systems", {})]
    if not systems:
        return None
    plt = _pyplot()
    types = [*synth["types"], ANY]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(systems)
    for i, key in enumerate(systems):
        scores = synth["systems"][key][rule]
        values = [scores[t]["f2"] or 0.0 for t in types]
        xs = [x + (i - (len(systems) - 1) / 2) * width for x in range(len(types))]
        bars = ax.bar(xs, values, width, label=LABELS.get(key, key), color=COLORS.get(key))
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    ax.set_xticks(range(len(types)))
    ax.set_xticklabels([t.replace("_", "_\n", 1) if len(t) > 10 else t for t in types], fontsize=8)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel(f"F2 (span match: {'IoU >= 0.5' if rule == 'iou' else 'exact'})")
    ax.set_title(f"presidio_synth, {synth['records']} sentences: F2 per type")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def latency_chart(speed: Mapping[str, Any], path: Path) -> Path | None:
    """Empirical CDF of one-at-a-time latency per system on corpora (a) and (b), log scale."""
    panels = [(name, speed[name]) for name in ("feed", "all_pii") if name in speed]
    if not panels:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(11, 4.2), squeeze=False)
    titles = {"feed": "(a) realistic feed", "all_pii": "(b) all posts hold private data"}
    for ax, (name, corpus) in zip(axes[0], panels, strict=True):
        for key, row in corpus["systems"].items():
            values = sorted(max(v, 1e-4) for v in row.get("latencies_ms", []))
            if not values:
                continue
            ys = [(i + 1) / len(values) for i in range(len(values))]
            p99 = row["one_at_a_time"]["p99_ms"]
            ax.plot(values, ys, label=f"{LABELS.get(key, key)} (p99 {p99:.2f} ms)", color=COLORS.get(key))
        ax.set_xscale("log")
        ax.axhline(0.99, color="grey", linewidth=0.6, linestyle=":")
        ax.set_xlabel("latency per post, ms (log scale)")
        ax.set_ylabel("share of posts")
        ax.set_title(f"{titles[name]}, {corpus['posts']} posts", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_charts(suites: Mapping[str, Any], out_dir: Path) -> list[Path]:
    written = []
    if "accuracy" in suites and (p := f2_chart(suites["accuracy"], out_dir / F2_CHART)):
        written.append(p)
    if "speed" in suites and (p := latency_chart(suites["speed"], out_dir / LATENCY_CHART)):
        written.append(p)
    return written
