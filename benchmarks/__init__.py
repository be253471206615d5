"""Benchmark harness: accuracy, speed and memory of this scanner side by side with Presidio.

Run ``python -m benchmarks --help`` (or ``make bench``). The suites:

- ``accuracy``: span-level precision / recall / F1 / F2 per type (see :mod:`benchmarks.metrics`
  for the matching rule) on presidio_synth, PERSON on WNUT-17 dev and the Broad Twitter
  Corpus, and the credential sets;
- ``speed``: posts per second and per-post latency on three corpora built from the shared
  data (:mod:`benchmarks.datasets`), plus long texts (10 KB, 100 KB, 1 MB);
- ``memory``: peak RSS of each system, each measured in a fresh subprocess;
- ``profile``: pyinstrument over our scanner on the feed and all-PII corpora.

Each suite stores its results as JSON next to the report (``.cache/<suite>.json``) and
``benchmarks/RESULTS.md`` is rewritten from every stored suite after each run.
Third-party data is read from ``../shared/data`` (``--data-dir``), never copied.
"""

from __future__ import annotations

__all__ = ["REPO_ROOT", "default_data_dir"]

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """``../shared/data`` relative to the repository root."""
    return REPO_ROOT.parent / "shared" / "data"
