"""Immutable result types: what detectors emit and what a scan returns.

None of these types stores a matched value. A finding carries offsets into the
original text, a salted fingerprint of the value and, for secrets, a masked
preview; ``Report.text`` holds the scanned text but is left out of its repr.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hashlib import _Hash

    from .intents import Intent
    from .policy import Violation
    from .signals import PostContext, Signal

AttrValue = str | int | float | bool


def fingerprint(value: str, salt: str) -> str:
    """A salted, non-reversible fingerprint of a matched value (16 hex chars): HMAC-SHA256, salt as key."""
    inner, outer = _hmac_pads(salt)
    digest = inner.copy()  # RFC 2104 from copies of the keyed pad states: no HMAC object per value
    digest.update(value.encode("utf-8"))
    result = outer.copy()
    result.update(digest.digest())
    return result.hexdigest()[:16]


_SHA256_BLOCK = 64


@functools.lru_cache(maxsize=16)
def _hmac_pads(salt: str) -> tuple[_Hash, _Hash]:
    """SHA-256 states after the salt's inner and outer HMAC pads (RFC 2104)."""
    key = salt.encode("utf-8")
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in key)), hashlib.sha256(bytes(b ^ 0x5C for b in key))


def mask(value: str, keep_start: int = 4, keep_end: int = 2) -> str:
    """A masked preview such as ``ghp_****...Xy``; short values are fully masked."""
    if len(value) < keep_start + keep_end + 8:
        return "*" * min(len(value), 8)
    return f"{value[:keep_start]}****...{value[len(value) - keep_end:]}"


class Spanned(Protocol):
    """A typed span of a text: all that redaction needs."""

    @property
    def type(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class Located(Spanned, Protocol):
    """Anything the policy layers can cite: a Finding or an Intent (id, type and span)."""

    @property
    def id(self) -> str: ...
    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector's raw candidate, in offsets of the text the detector was given.

    ``context`` / ``negative_context`` are words that raise / lower confidence when
    they occur near the hit; ``requires_context`` drops the hit when none occurs.
    ``preview`` is a masked form of the value (set for secrets only).
    """

    type: str
    start: int
    end: int
    confidence: float
    rule: str | None = None
    subtype: str | None = None
    context: tuple[str, ...] = ()
    negative_context: tuple[str, ...] = ()
    requires_context: bool = False
    context_window: int = 6
    preview: str | None = None
    attributes: Mapping[str, AttrValue] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """One identifier or secret found in a post, with offsets into the original text."""

    type: str
    start: int
    end: int
    confidence: float
    detector: str
    rule: str | None = None
    subtype: str | None = None
    fingerprint: str = ""
    preview: str | None = None
    attributes: Mapping[str, AttrValue] = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        """A stable id within one report, used as violation evidence."""
        return f"{self.type}@{self.start}-{self.end}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (no matched value; secrets only as a masked preview)."""
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 3),
            "detector": self.detector,
            "rule": self.rule,
        }
        if self.subtype is not None:
            out["subtype"] = self.subtype
        out["fingerprint"] = self.fingerprint
        if self.preview is not None:
            out["preview"] = self.preview
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        return out


@dataclass(frozen=True, slots=True)
class Report:
    """The result of scanning one post. ``text`` is excluded from the repr."""

    text: str = field(repr=False)
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    intents: tuple[Intent, ...] = ()
    signals: tuple[Signal, ...] = ()
    context: PostContext | None = None
    violations: tuple[Violation, ...] = ()
    verdict: str = "allow"
    redacted_text: str = field(default="", repr=False)

    def types(self) -> frozenset[str]:
        """The set of finding types present."""
        return frozenset(f.type for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the report (see the README for the schema)."""
        out: dict[str, Any] = {
            "findings": [f.to_dict() for f in self.findings],
            "intents": [i.to_dict() for i in self.intents],
            "signals": [s.to_dict() for s in self.signals],
            "violations": [v.to_dict() for v in self.violations],
            "verdict": self.verdict,
            "redacted_text": self.redacted_text,
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out
