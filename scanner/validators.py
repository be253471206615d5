"""Named value checks used by rules in ``patterns/``.

Two registries, referenced by name from rule files:

* ``VALIDATORS``: ``name -> (value) -> bool``; True means the value is plausible
  (checksums, issuer prefixes, valid ranges). Every validator a rule names must pass.
* ``FILTERS``: ``name -> (value) -> bool``; True means the value is a known false
  positive (placeholder, sequential string, ...). Any filter that fires drops the hit.

Checksums are written once here (or taken from python-stdnum) and reused by name.
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum import luhn

Check = Callable[[str], bool]

VALIDATORS: dict[str, Check] = {}
FILTERS: dict[str, Check] = {}


def validator(name: str) -> Callable[[Check], Check]:
    """Register ``func`` as the validator ``name``."""

    def register(func: Check) -> Check:
        if name in VALIDATORS:
            raise ValueError(f"validator {name!r} registered twice")
        VALIDATORS[name] = func
        return func

    return register


def false_positive_filter(name: str) -> Callable[[Check], Check]:
    """Register ``func`` as the false-positive filter ``name``."""

    def register(func: Check) -> Check:
        if name in FILTERS:
            raise ValueError(f"filter {name!r} registered twice")
        FILTERS[name] = func
        return func

    return register


def digits(value: str) -> str:
    """The ASCII digits of ``value``."""
    return "".join(c for c in value if "0" <= c <= "9")


@validator("luhn")
def _luhn(value: str) -> bool:
    d = digits(value)
    return bool(d) and luhn.is_valid(d)
