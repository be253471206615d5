"""The detector plugin contract.

A detector has a stable, versioned ``id`` (``family.name/vN``), the finding
``types`` it can emit, whether it ``needs_doc`` (a spaCy ``Doc``, built once per
post and only if some selected detector needs it), a cheap ``may_fire`` prefilter
and one ``detect`` method yielding :class:`~scanner.findings.Hit` objects with
offsets into ``ScanInput.text`` (the normalised text; the scanner maps them back
to the original).
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

from ..findings import Hit

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from ..config import ScannerConfig

log = logging.getLogger("scanner")

DETECTOR_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*/v[0-9]+$")


@dataclass(slots=True)
class ScanInput:
    """What a detector sees for one post.

    ``doc`` is the spaCy Doc of ``text`` (only for detectors with ``needs_doc``) and
    ``nlp`` the pipeline that made it, for detectors that need a second pass.
    """

    text: str
    doc: Doc | None = None
    nlp: Language | None = None
    timeout: float = 1.0
    warnings: list[str] = field(default_factory=list)

    def finditer(
        self, pattern: regex.Pattern[str], rule_id: str, text: str | None = None
    ) -> Iterator[regex.Match[str]]:
        """All matches of a compiled ``regex`` pattern, under the configured time limit.

        A pattern that times out is skipped with a warning naming the rule (never the text).
        """
        try:
            matches = list(pattern.finditer(self.text if text is None else text, timeout=self.timeout))
        except TimeoutError:
            message = f"rule {rule_id} timed out after {self.timeout}s and was skipped"
            log.warning(message)
            self.warnings.append(message)
            return iter(())
        return iter(matches)


class Detector(ABC):
    """Base class of every detector plugin."""

    id: str  # stable and versioned, e.g. "pii.phone/v1"; set on the class (or per instance)
    types: frozenset[str]
    needs_doc: bool = False

    def __init__(self, config: ScannerConfig) -> None:
        self.config = config

    def may_fire(self, text: str) -> bool:
        """Cheap pre-check: False means ``detect`` cannot find anything in ``text``."""
        return True

    def may_fire_beside(self, text: str) -> bool:
        """Pre-check for ``ner="auto"`` (detectors with ``needs_doc``): False when nothing that
        ``detect`` could find in ``text``, the words of a sentence beside its identifiers, can
        matter to them. Defaults to :meth:`may_fire`."""
        return self.may_fire(text)

    @abstractmethod
    def detect(self, data: ScanInput) -> Iterable[Hit]:
        """Yield hits with offsets into ``data.text``."""

    def describe(self) -> dict[str, Any]:
        """A summary for ``scanner detectors``."""
        return {"id": self.id, "types": sorted(self.types), "needs_doc": self.needs_doc}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"
