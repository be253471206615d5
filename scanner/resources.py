"""Where the bundled data lives: ``patterns/`` in a source checkout, ``scanner/patterns`` in a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_patterns_dir() -> Path:
    """The ``patterns/`` folder shipped with this installation."""
    for candidate in (_PACKAGE_DIR / "patterns", _PACKAGE_DIR.parent / "patterns"):
        if (candidate / "rules").is_dir():
            return candidate
    raise FileNotFoundError("the scanner's patterns/ folder is missing from this installation")
