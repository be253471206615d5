"""Built-in code detectors. Regex rule families are data (``patterns/rules``)."""

from __future__ import annotations

import importlib

from .base import Detector, ScanInput

__all__ = ["Detector", "ScanInput", "builtin_detectors"]

# module -> class name; registered explicitly, in this order.
_BUILTINS = (
    ("phone", "PhoneDetector"),
    ("address", "AddressDetector"),
    ("person", "PersonDetector"),
)


def builtin_detectors() -> list[type[Detector]]:
    """The built-in detector classes that are present in this installation."""
    classes = []
    for module_name, class_name in _BUILTINS:
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module_name}":
                raise
            continue
        classes.append(getattr(module, class_name))
    return classes
