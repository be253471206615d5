"""The Scanner: normalise, detect (cheap work first), refine, and report."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .config import ScannerConfig
from .detectors.base import Detector, ScanInput
from .errors import InputError
from .findings import Finding, Hit, Report, fingerprint
from .intents import Intent, IntentDetector
from .ner_scope import ner_sentences
from .nlp import (
    VocabBudget,
    drop_plain_whitespace_special_cases,
    limit_blas_threads_for_process,
    limit_lexeme_attributes,
    same_tokenizer,
    single_threaded_blas,
    use_fast_tokenizer,
)
from .normalize import NormalizedText, normalize
from .policy import Policy
from .redact import redact
from .refine import resolve_overlaps, score
from .registry import DetectorRegistry, build_registry
from .rules import RuleDetector, count_digits
from .signals import ContextLexicon, PostContext, detect_signals

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger("scanner")

DEFAULT_BATCH_SIZE = 64
MAX_WAITING_BATCHES = 16
POSTS_PER_TASK_BATCHES = 4  # a worker task holds this many batches of posts: fuller spaCy batches, still balanced
NER_CHUNK_CHARS = 10_000
"""Long texts go to spaCy (and the intent matcher) in line-aligned pieces of at most this size:
time stays linear and memory bounded (a 100,000-character piece peaked at +335 MB of RSS in NER,
a 10,000-character piece at +35 MB)."""


ContextLike = PostContext | Mapping[str, Any] | None
Post = str | tuple[str, ContextLike]
"""An item of ``scan_many`` / ``scan_batch``: a text, or a (text, context) pair."""


@dataclass
class _Pending:
    """A post between the cheap phase and the spaCy phase."""

    norm: NormalizedText
    context: PostContext | None = None
    hits: list[tuple[str, Hit, float]] = field(default_factory=list)  # refined: (detector id, hit, confidence)
    warnings: list[str] = field(default_factory=list)
    intents: tuple[Intent, ...] = ()
    ner_pieces: list[tuple[int, str]] = field(default_factory=list)  # (offset, text) that NER reads
    intents_from_docs: bool = False  # the intents are found on the NER Docs in _finish (one tokenization)

    @property
    def needs_doc(self) -> bool:
        return bool(self.ner_pieces)


class Scanner:
    """Scans post text for private information and decides what the posting flow should do.

    >>> report = Scanner().scan("call me at +44 20 7946 0958")
    >>> [f.type for f in report.findings], report.verdict
    (['PHONE_NUMBER'], 'allow')
    """

    def __init__(self, config: ScannerConfig | None = None, *, registry: DetectorRegistry | None = None) -> None:
        self.config = config if config is not None else ScannerConfig()
        self.registry = registry if registry is not None else build_registry(self.config)
        self.detectors: tuple[Detector, ...] = tuple(r.factory(self.config) for r in self.registry.select(self.config))
        self._cheap = tuple(d for d in self.detectors if not d.needs_doc)
        # Rule families share one keyword index: one lookup per post (and its digit count) says which
        # families can fire; (detector, slot, digits needed without a keyword), slot None: always ask
        indexes = {id(d.keyword_index): d.keyword_index for d in self._cheap if isinstance(d, RuleDetector)}
        self._keyword_index = next(iter(indexes.values())) if len(indexes) == 1 else None
        self._cheap_plan: tuple[tuple[Detector, int | None, float], ...] = tuple(
            (d, d.keyword_slot, d.unkeyed_min_digits) if self._keyword_index is not None and isinstance(d, RuleDetector)
            else (d, None, 0.0)
            for d in self._cheap
        )
        self._doc_detectors = tuple(d for d in self.detectors if d.needs_doc)
        self._nlp: Language | None = None
        self._ner: _NerEngine | None = None
        self._ner_budget: VocabBudget | None = None
        self._doc_intents: IntentDetector | None = None
        self._doc_intents_checked = False
        self._vocab_frozen = False
        self._load_lock = threading.RLock()  # threads of one scanner load the model and its budget once
        import spacy

        # intent patterns use tokenizer attributes only: a blank English pipeline is enough
        blank = spacy.blank("en")
        drop_plain_whitespace_special_cases(blank)
        use_fast_tokenizer(blank)
        self.intents = IntentDetector(self.config.patterns_dir, blank, vocab_limit=self.config.vocab_limit)
        limit_lexeme_attributes(blank, self.intents.lexeme_attributes)  # nothing else reads its lexemes
        self.lexicon = ContextLexicon.load(self.config.patterns_dir)
        policy_path = self.config.policy_path or self.config.patterns_dir / "policies" / "default.toml"
        self.policy = Policy.load(policy_path)

    def __repr__(self) -> str:
        return f"Scanner(detectors={len(self.detectors)}, ner={self.config.ner!r})"

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline (loaded on first use, NER component only)."""
        with self._load_lock:
            if self._nlp is None:
                from .nlp import load_pipeline

                self._nlp = load_pipeline(self.config.spacy_model, matmul=self.config.spacy_matmul)
            return self._nlp

    @property
    def ner_budget(self) -> VocabBudget:
        """The bound on the NER pipeline's vocabulary (loads the pipeline)."""
        with self._load_lock:
            nlp = self.nlp
            _ = self.ner_engine  # its load-time check tokenizes probe sentences: before a freeze applies
            if self._ner_budget is None or self._ner_budget.nlp is not nlp:
                self._ner_budget = VocabBudget(nlp, self.config.vocab_limit)
                if self._vocab_frozen:
                    self._ner_budget.freeze()
            return self._ner_budget

    @property
    def ner_engine(self) -> _NerEngine:
        """What turns text into Docs with entities: the fused NumPy NER when the pipeline allows it, else spaCy."""
        with self._load_lock:
            if self._ner is None:
                from .fused_ner import FusedNer

                fused = FusedNer.from_pipeline(self.nlp) if self.config.ner_engine == "fused" else None
                if fused is not None:  # nothing else reads this pipeline's lexemes but the intent matcher
                    limit_lexeme_attributes(self.nlp, {*fused.lexeme_attributes, *self.intents.lexeme_attributes})
                self._ner = fused if fused is not None else _SpacyNer(self.nlp)
            return self._ner

    @property
    def doc_intents(self) -> IntentDetector | None:
        """The intent matcher on the NER pipeline, for posts that run NER anyway: it matches on
        their NER Docs instead of tokenizing them again. None when that pipeline's tokenizer
        does not split text as the intent matcher's own (a custom pipeline): those posts are
        then tokenized twice."""
        with self._load_lock:
            if not self._doc_intents_checked:
                _ = self.ner_engine  # its lexemes get the attributes the intent patterns read
                if same_tokenizer(self.nlp, self.intents.nlp):
                    self._doc_intents = IntentDetector(self.config.patterns_dir, self.nlp)
                self._doc_intents_checked = True
            return self._doc_intents

    def freeze_vocabulary(self) -> None:
        """Keep spaCy's vocabularies as they are now: later calls free the lexemes they make.

        As when ``vocab_limit`` is reached (see ``scanner.nlp.VocabBudget``), but at once: for
        a service that warms a scanner on typical posts before it takes traffic, and for
        benchmarks that time posts as a warmed-up service first sees them.
        """
        self._vocab_frozen = True
        if self.intents.budget is not None:
            self.intents.budget.freeze()
        if self._ner_budget is not None:
            self._ner_budget.freeze()

    # -- public API -------------------------------------------------------------------

    def scan(self, text: str, context: ContextLike = None) -> Report:
        """Scan one post. ``context`` (a PostContext or its dict form) is optional facts about it."""
        pending = self._cheap_phase(self._check_text(text), self._context(context))
        if not pending.needs_doc:
            return self._finish(pending, [])
        ner = self.ner_engine
        pieces = pending.ner_pieces
        with self.ner_budget.session(sum(len(chunk) for _, chunk in pieces)):  # the Docs are used up inside
            with single_threaded_blas():  # several pieces (sentences) go to NER as one batch
                made = ner.pipe(chunk for _, chunk in pieces) if len(pieces) > 1 else [ner(pieces[0][1])]
                docs = [(offset, chunk, doc) for (offset, chunk), doc in zip(pieces, made, strict=True)]
            return self._finish(pending, docs)

    def scan_many(
        self, posts: Iterable[Post], *, n_process: int = 1, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> Iterator[Report]:
        """Scan many posts (texts or (text, context) pairs), yielding reports in input order.

        spaCy runs over the posts that need it, ``batch_size`` texts at a time; with
        ``n_process`` > 1, tasks of ``batch_size * POSTS_PER_TASK_BATCHES`` posts go to worker
        processes.
        """
        if n_process < 1:
            raise ValueError("n_process must be at least 1")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if n_process == 1:
            yield from self._scan_in_process(posts, batch_size)
            return
        yield from self._scan_in_pool(_batched(posts, batch_size * POSTS_PER_TASK_BATCHES), n_process)

    def _scan_in_process(self, posts: Iterable[Post], batch_size: int) -> Iterator[Report]:
        """The cheap phase post by post; spaCy once ``batch_size`` of the waiting posts need it.

        In a feed only a few posts need NER: collecting them across many posts gives spaCy full
        batches (per text, a batch of 3 costs 1.5x a batch of 32). At most ``batch_size *
        MAX_WAITING_BATCHES`` posts wait for their report.
        """
        waiting: list[_Pending] = []
        need_doc = 0
        for post in posts:
            try:
                pending = self._cheap_post(post)
            except Exception:
                yield from self._finish_all(waiting)  # the reports before a bad post are not lost
                raise
            waiting.append(pending)
            need_doc += pending.needs_doc
            if need_doc >= batch_size or len(waiting) >= batch_size * MAX_WAITING_BATCHES:
                yield from self._finish_all(waiting)
                waiting, need_doc = [], 0
        yield from self._finish_all(waiting)

    def _scan_in_pool(self, batches: Iterator[list[Post]], n_process: int) -> Iterator[Report]:
        """Worker processes: forked from this scanner where possible (no reload), else spawned."""
        if "fork" in multiprocessing.get_all_start_methods():
            if self.config.ner != "never" and self._doc_detectors:
                _ = self.ner_engine  # load once, before forking, so workers share it
            ctx = multiprocessing.get_context("fork")
            _WORKER["scanner"] = self
            try:
                with ctx.Pool(n_process, initializer=limit_blas_threads_for_process) as pool:
                    for reports in pool.imap(_worker_scan, batches):
                        yield from reports
            finally:
                _WORKER.pop("scanner", None)
            return
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(n_process, initializer=_worker_init, initargs=(self.config,)) as pool:
            for reports in pool.imap(_worker_scan, batches):
                yield from reports

    def scan_batch(self, posts: Sequence[Post]) -> list[Report]:
        """Scan a list of posts in this process, with spaCy batched over those that need it."""
        return self._finish_all([self._cheap_post(post) for post in posts])

    def _finish_all(self, pendings: Sequence[_Pending]) -> list[Report]:
        """NER over the posts that need it (one ``pipe`` call of the NER engine), then each post's report."""
        jobs = [(i, offset, chunk) for i, p in enumerate(pendings) for offset, chunk in p.ner_pieces]
        docs: list[list[tuple[int, str, Doc]]] = [[] for _ in pendings]
        # the Docs are used up inside the session
        with self.ner_budget.session(sum(len(c) for _, _, c in jobs)) if jobs else contextlib.nullcontext():
            if jobs:
                ner = self.ner_engine
                with single_threaded_blas():
                    for (i, offset, chunk), doc in zip(jobs, ner.pipe(chunk for _, _, chunk in jobs), strict=True):
                        docs[i].append((offset, chunk, doc))
            return [self._finish(p, d) for p, d in zip(pendings, docs, strict=True)]

    # -- phases -----------------------------------------------------------------------

    def _check_text(self, text: object, name: str = "text") -> str:
        if not isinstance(text, str):
            raise TypeError(f"{name} must be str, not {type(text).__name__}")
        if len(text) > self.config.max_text_chars:
            raise InputError(f"{name} has {len(text)} characters, over max_text_chars={self.config.max_text_chars}")
        return text

    def _context(self, context: ContextLike) -> PostContext | None:
        if context is not None and not isinstance(context, PostContext | Mapping):
            raise TypeError(f"context must be a PostContext or a mapping, not {type(context).__name__}")
        if context is None and not self.config.public_figures:
            return None
        ctx = PostContext.from_dict(context) if isinstance(context, Mapping) else (context or PostContext())
        if self.config.public_figures:
            ctx = dataclasses.replace(ctx, public_figures=ctx.public_figures + self.config.public_figures)
        return ctx

    def _cheap_post(self, post: Post) -> _Pending:
        """The cheap phase of one item of ``scan_many`` / ``scan_batch``."""
        text, context = post if isinstance(post, tuple) else (post, None)
        return self._cheap_phase(self._check_text(text, "posts[]"), self._context(context))

    def _cheap_phase(self, text: str, context: PostContext | None) -> _Pending:
        norm = normalize(text)
        pending = _Pending(norm, context)
        if not norm.text.strip():
            return pending
        data = ScanInput(norm.text, timeout=self.config.regex_timeout, warnings=pending.warnings)
        keyed = self._keyword_index.candidates(norm.text) if self._keyword_index is not None else {}
        digits = count_digits(norm.text)
        for detector, slot, unkeyed_digits in self._cheap_plan:
            if slot is not None and slot not in keyed and digits < unkeyed_digits:
                continue
            if detector.may_fire(norm.text):
                pending.hits.extend(self._refined(norm.text, detector.id, detector.detect(data)))
        if self._doc_detectors and self.config.ner == "always" and self.doc_intents is not None:
            pending.ner_pieces = ner_chunks(norm.text)
            pending.intents_from_docs = True  # the intents wait for the NER Docs
            return pending
        found = self._find_intents(norm)  # cheap without a cue word: detect() checks it first
        pending.intents = self._locate_intents(norm, found)
        if self._doc_detectors:
            pending.ner_pieces = self._ner_pieces(pending, found)
        return pending

    def _ner_pieces(self, pending: _Pending, intents: Sequence[Intent]) -> list[tuple[int, str]]:
        """What NER reads of the post: (offset, text) pieces of at most NER_CHUNK_CHARS.

        ``always``: the whole post. ``auto``: the sentences where a name matters, around
        identifiers (hits that survived refinement: a context-less shape is no identifier)
        and intents (``scanner/ner_scope.py``). ``intents`` have offsets into the normalised text.
        """
        mode, text = self.config.ner, pending.norm.text
        if mode == "always":
            return ner_chunks(text)
        if mode != "auto" or not (pending.hits or intents):
            return []
        sentences = ner_sentences(text, [(hit.start, hit.end) for _, hit, _ in pending.hits],
                                  [intent.start for intent in intents], self._may_hold_name)
        return [(start + offset, piece) for start, end in sentences for offset, piece in ner_chunks(text[start:end])]

    def _may_hold_name(self, text: str) -> bool:
        return any(detector.may_fire_beside(text) for detector in self._doc_detectors)

    def _refined(self, text: str, detector_id: str, hits: Iterable[Hit]) -> Iterator[tuple[str, Hit, float]]:
        """The hits whose confidence after context scoring reaches ``min_confidence``, with it."""
        boost, floor = self.config.context_boost, self.config.min_confidence
        for hit in hits:
            confidence = score(hit, text, boost)
            if confidence is not None and confidence >= floor:
                yield detector_id, hit, confidence

    def _finish(self, pending: _Pending, docs: list[tuple[int, str, Doc]]) -> Report:
        """The report of a post from its cheap-phase hits and its spaCy Docs: (offset, chunk text, Doc)."""
        norm = pending.norm
        hits = pending.hits
        for offset, chunk, doc in docs:  # the chunk is doc.text, which spaCy rebuilds token by token
            data = ScanInput(chunk, doc=doc, nlp=self._nlp, timeout=self.config.regex_timeout,
                             warnings=pending.warnings)
            for detector in self._doc_detectors:
                if detector.may_fire(chunk):
                    shifted = (_shift(h, offset) for h in detector.detect(data))
                    hits.extend(self._refined(norm.text, detector.id, shifted))
        findings = [f for f in (self._to_finding(norm, *item) for item in hits) if f is not None]
        resolved = tuple(resolve_overlaps(findings))
        warnings = tuple(pending.warnings)
        intents = self._locate_intents(norm, self._find_intents(norm, docs)) if pending.intents_from_docs \
            else pending.intents
        if not resolved and not intents:  # nothing for the policy layer to judge
            return Report(text=norm.original, warnings=warnings, context=pending.context, redacted_text=norm.original)
        signals = detect_signals(norm.original, resolved, intents, pending.context, self.lexicon)
        decision = self.policy.evaluate(resolved, intents, signals, pending.context)
        return Report(text=norm.original, findings=resolved, warnings=warnings, intents=intents, signals=signals,
                      context=pending.context, violations=decision.violations, verdict=decision.verdict,
                      redacted_text=redact(norm.original, resolved))

    def _find_intents(self, norm: NormalizedText, docs: list[tuple[int, str, Doc]] | None = None) -> list[Intent]:
        """Intents in the normalised text (line-aligned chunks), with offsets into it; matched on
        the chunks' NER ``docs`` when given (they cover the whole text: see :attr:`doc_intents`)."""
        found: Iterable[tuple[int, tuple[Intent, ...]]]
        if docs is None:
            found = ((offset, self.intents.detect(chunk)) for offset, chunk in ner_chunks(norm.text))
        else:
            detector = self.doc_intents
            assert detector is not None  # posts wait for NER Docs only when it exists
            found = ((offset, detector.detect_in_doc(doc, chunk)) for offset, chunk, doc in docs)
        return [dataclasses.replace(intent, start=intent.start + offset, end=intent.end + offset) if offset else intent
                for offset, intents in found for intent in intents]

    @staticmethod
    def _locate_intents(norm: NormalizedText, intents: Iterable[Intent]) -> tuple[Intent, ...]:
        """The intents with offsets into the original text."""
        out = []
        for intent in intents:
            start, end = norm.span(intent.start, intent.end)
            out.append(dataclasses.replace(intent, start=start, end=end))
        return tuple(out)

    def _to_finding(self, norm: NormalizedText, detector_id: str, hit: Hit, confidence: float) -> Finding | None:
        start, end = norm.span(hit.start, hit.end)
        if start >= end:
            return None
        return Finding(
            type=hit.type,
            start=start,
            end=end,
            confidence=round(confidence, 4),
            detector=detector_id,
            rule=hit.rule,
            subtype=hit.subtype,
            fingerprint=fingerprint(norm.original[start:end], self.config.fingerprint_salt),
            preview=hit.preview,
            attributes=hit.attributes,
        )


class _NerEngine(Protocol):
    def __call__(self, text: str) -> Doc: ...
    def pipe(self, texts: Iterable[str]) -> Iterator[Doc]: ...


class _SpacyNer:
    """spaCy's own pipeline as a NER engine."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def __call__(self, text: str) -> Doc:
        return self.nlp(text)

    def pipe(self, texts: Iterable[str]) -> Iterator[Doc]:
        return iter(self.nlp.pipe(texts))


def ner_chunks(text: str, size: int = NER_CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split ``text`` into (offset, chunk) pieces of at most ``size`` characters for spaCy.

    Cuts fall on the last line break (else white space) before the limit, so that long
    texts are processed in linear time and within spaCy's ``max_length``.
    """
    chunks = []
    start = 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = window.rfind("\n")
        if cut < size // 2:
            cut = max(window.rfind(" "), cut)
        end = start + (cut + 1 if cut > 0 else size)
        chunks.append((start, text[start:end]))
        start = end
    chunks.append((start, text[start:]))
    return chunks


def _shift(hit: Hit, offset: int) -> Hit:
    return dataclasses.replace(hit, start=hit.start + offset, end=hit.end + offset) if offset else hit


def _batched(items: Iterable[Post], size: int) -> Iterator[list[Post]]:
    batch: list[Post] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_WORKER: dict[str, Any] = {}


def _worker_init(config: ScannerConfig) -> None:
    limit_blas_threads_for_process()
    _WORKER["scanner"] = Scanner(config)


def _worker_scan(batch: list[Post]) -> list[Report]:
    scanner: Scanner = _WORKER["scanner"]
    return scanner.scan_batch(batch)
