"""Where the bundled data lives: ``patterns/`` in a source checkout, ``scanner/patterns`` in a wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .errors import PatternError

_PACKAGE_DIR = Path(__file__).resolve().parent


def default_patterns_dir() -> Path:
    """The ``patterns/`` folder shipped with this installation."""
    for candidate in (_PACKAGE_DIR / "patterns", _PACKAGE_DIR.parent / "patterns"):
        if (candidate / "rules").is_dir():
            return candidate
    raise FileNotFoundError("the scanner's patterns/ folder is missing from this installation")


def read_toml(path: Path, what: str = "file") -> dict[str, Any]:
    """A data file's content; a missing or malformed one raises PatternError naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PatternError(str(path), [f"{what} not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PatternError(str(path), [f"not valid TOML: {exc}"]) from None
