"""scanner: tells a posting flow whether a post exposes someone's private information.

>>> from scanner import Scanner
>>> report = Scanner().scan("text of a post")
"""

from __future__ import annotations

from .config import ScannerConfig
from .detectors.base import Detector, ScanInput
from .errors import (
    ConfigError,
    DependencyError,
    InputError,
    PatternError,
    ScannerError,
    UnknownDetectorError,
)
from .findings import Finding, Hit, Report
from .scanner import Scanner

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DependencyError",
    "Detector",
    "Finding",
    "Hit",
    "InputError",
    "PatternError",
    "Report",
    "ScanInput",
    "Scanner",
    "ScannerConfig",
    "ScannerError",
    "UnknownDetectorError",
    "__version__",
]
