"""``python -m benchmarks``: see :mod:`benchmarks.cli` or run with ``--help``."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
