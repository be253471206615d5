"""Exceptions raised by the scanner.

Every exception derives from :class:`ScannerError` and also from the builtin it
refines, so callers may catch either::

    ScannerError
    ├── ConfigError(ScannerError, ValueError)        bad configuration value or file
    ├── PatternError(ScannerError, ValueError)       malformed rule/lexicon/policy data
    ├── UnknownDetectorError(ScannerError, KeyError) detector id not registered
    ├── InputError(ScannerError, ValueError)         a record the CLI cannot scan
    └── DependencyError(ScannerError, ImportError)   a model or optional extra is missing

Messages never contain the text being scanned, nor any matched value.
"""

from __future__ import annotations


class ScannerError(Exception):
    """Root of all scanner errors."""


class ConfigError(ScannerError, ValueError):
    """A configuration value or file is invalid."""


class PatternError(ScannerError, ValueError):
    """Rule, lexicon or policy data is malformed. ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s):\n{lines}")


class UnknownDetectorError(ScannerError, KeyError):
    """A detector id is not registered."""

    def __init__(self, detector_id: str, known: list[str]) -> None:
        self.detector_id = detector_id
        self.known = sorted(known)
        super().__init__(f"unknown detector {detector_id!r}; known detectors: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0])


class InputError(ScannerError, ValueError):
    """An input record cannot be scanned (not JSON, no text, too large, bad encoding)."""


class DependencyError(ScannerError, ImportError):
    """A spaCy model or an optional extra is not installed."""
