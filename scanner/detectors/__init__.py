"""Built-in code detectors. Regex rule families are data (``patterns/rules``)."""

from __future__ import annotations

from .base import Detector, ScanInput

__all__ = ["Detector", "ScanInput", "builtin_detectors"]


def builtin_detectors() -> list[type[Detector]]:
    """The built-in code detector classes, registered explicitly in this order."""
    from .address import AddressDetector
    from .person import PersonDetector
    from .phone import PhoneDetector

    return [PhoneDetector, AddressDetector, PersonDetector]
