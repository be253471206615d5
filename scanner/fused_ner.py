"""spaCy's small-pipeline NER, run as whole-array NumPy operations.

The ``ner`` component of spaCy's CNN pipelines (``en_core_web_sm`` and its kin: a
``Tok2Vec.v2`` of ``MultiHashEmbed.v2`` and ``MaxoutWindowEncoder.v2`` under a greedy
``TransitionBasedParser.v2``) spends most of a short post's ~2 ms in thinc's per-layer
Python calls and a per-token loop in C. :class:`FusedNer` runs the same model, with the
trained weights of the loaded component, as about thirty NumPy operations per batch of
documents plus a short Python loop that only does vector work inside entities:

- the encoder: hash embeddings (thinc's own ``hash`` / ``gather_add``), maxout + layer
  norm, and the residual window layers over each document padded as thinc pads it (only
  the pad rows that reach a token; the first layer's all-pad rows are one vector from load);
- the transition model: while no entity is open, a state's features depend only on the
  token, so every token's action scores come from one matrix product, and the BILUO
  validity rules of ``spacy/pipeline/_parser_internals/ner.pyx`` (for documents without
  preset entities) are a mask plus two checks on the few tokens whose best move is not O;
  inside an entity the next step is scored on its own, with the lower layer's other two
  features computed for the rows the entity covers.

Products of a short post run in blocks of rows small enough for OpenBLAS's small-matrix
kernels (see ``_matmul``), which skip packing the weights.

:meth:`FusedNer.from_pipeline` accepts a pipeline only when its layers are exactly this
architecture and a self-check on probe sentences gives spaCy's own entities; otherwise it
returns None and the scanner calls spaCy. Matrix products run through numpy's BLAS, so
scores can differ from spaCy's in the last bits of a float32; entities are compared in
``tests/test_fused_ner.py`` on thousands of sentences.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger("scanner")

_PAD = 4  # rows thinc's with_array puts around each document before the window layers (checked at load)
# tokens per whole-array pass in pipe(): bounds the per-token arrays (a 1 MB text with
# ner="always" peaked at 336 MB RSS with 20,000, 282 MB with 8,000, at the same speed)
_BATCH_TOKENS = 8_000
_FIRST_CACHE_ROWS = 20_000  # first-layer vectors kept by token features (see FusedNer._first_layer)
# OpenBLAS multiplies small matrices (M * N * K <= 1e6 on AVX-512 CPUs) without first copying the
# weights into its packed layout; a product of up to _SPLIT_ROWS rows is split into blocks of rows
# that small (see _matmul)
_SMALL_PRODUCT = 1_000_000
_SPLIT_ROWS = 256
_ENTITY_ROWS = 4  # tokens of an entity whose lower-layer features are computed at a time

_LEAVES_HEAD = ["extract_features", "list2ragged"] + ["ints-getitem", "hashembed"] * 4 + [
    "maxout", "layernorm", "dropout", "ragged2list"]
_LEAVES_LAYER = ["expand_window", "maxout", "layernorm", "dropout"]
_RESIDUAL = "residual(expand_window>>maxout>>layernorm>>dropout)"
_LEAVES_TAIL = ["list2array", "linear", "precomputable_affine", "linear"]

PROBES = (
    "Call Jane Doe at the Acme Corp office in New York on Monday, 3 March 2025.",
    "Mike Ross and Harvey Specter met Jessica Pearson at Pearson Hardman.\n\nThey left at 5pm.",
    "  my friend tom smith lives in  London , UK  ",
    "Name: Emilie Broberg\nPhone: 72 128 827\nDate: 1980-07-28",
    "Dr. Martin Luther King Jr. spoke to 250,000 people in Washington D.C. in August 1963.",
    "The Eiffel Tower, Paris; the Golden Gate Bridge, San Francisco. Barack Obama",
    "x",
    "",
)


class UnsupportedPipeline(Exception):
    """The pipeline's NER is not the architecture FusedNer implements."""


class _Maxout:
    """thinc's Maxout (``nP`` pieces) then LayerNorm, with the weight rows grouped piece by piece.

    Grouping rows by piece makes the max over pieces a few element-wise maxima of
    contiguous blocks (numpy's ``max(axis=2)`` over a length-3 axis is 20x slower).
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, G: np.ndarray, beta: np.ndarray) -> None:
        nO, nP, nI = W.shape
        self.W_T = np.ascontiguousarray(W.transpose(1, 0, 2).reshape((nP * nO, nI)).T)  # (nI, nP * nO)
        self.b = np.ascontiguousarray(b.T.reshape(-1))
        self.G, self.beta, self.nO, self.nP = G, beta, nO, nP

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.finish(_matmul(X, self.W_T))

    def finish(self, Y: np.ndarray) -> np.ndarray:
        """Bias, max over pieces and layer norm of the pre-activations ``Y`` (N, nP * nO)."""
        Y += self.b
        nO = self.nO
        out = Y[:, :nO]
        for piece in range(1, self.nP):
            out = np.maximum(out, Y[:, piece * nO:(piece + 1) * nO])
        # thinc's LayerNorm, with numpy's mean and var spelled out (the same operations, minus their wrappers)
        width = np.float32(nO)
        mu = np.add.reduce(out, axis=1, keepdims=True)
        mu /= width
        centred = out - mu
        var = np.add.reduce(centred * centred, axis=1, keepdims=True)
        var /= width
        var += 1e-08
        out = centred * var ** (-1.0 / 2.0)
        out *= self.G
        out += self.beta
        return out


class FusedNer:
    """Entity recognition with the weights of a loaded spaCy ``ner`` component, as NumPy work.

    ``FusedNer(nlp)(text)`` and ``pipe(texts)`` return Docs from ``nlp``'s tokenizer with
    ``doc.ents`` set as spaCy's ``nlp(text)`` would set them. Thread-safe: weights are
    read-only and every call has its own arrays.
    """

    def __init__(self, nlp: Language) -> None:
        from thinc.api import NumpyOps

        self._nlp = nlp
        self._ops = NumpyOps(use_blis=False)
        try:
            self._load(nlp)
        except (KeyError, ValueError, AttributeError, IndexError, TypeError) as exc:  # e.g. an uninitialised model
            raise UnsupportedPipeline(f"the NER model could not be read ({type(exc).__name__})") from None

    def __repr__(self) -> str:
        return f"FusedNer(labels={len(self._labels)})"

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_pipeline(cls, nlp: Language) -> FusedNer | None:
        """A FusedNer for ``nlp``, or None when its NER is another architecture or disagrees on the probes."""
        try:
            fused = cls(nlp)
        except UnsupportedPipeline as exc:
            log.info("spaCy's own NER is used: %s", exc)
            return None
        if not fused.agrees_with_spacy(PROBES):
            log.warning("spaCy's own NER is used: the fused NER disagreed with it on a probe sentence")
            return None
        return fused

    def _load(self, nlp: Language) -> None:
        if list(nlp.pipe_names) != ["ner"]:
            raise UnsupportedPipeline(f"the pipeline runs {nlp.pipe_names}, not only 'ner'")
        ner: Any = nlp.get_pipe("ner")
        model = ner.model
        if getattr(ner, "cfg", {}).get("beam_width", 1) != 1:
            raise UnsupportedPipeline("beam search")
        if model.name != "parser_model" or not model.attrs.get("has_upper") or model.attrs.get("unseen_classes"):
            raise UnsupportedPipeline("not a greedy transition-based model with an output layer")
        leaves = [layer.name for layer in model.walk(order="dfs_pre") if not layer.layers]
        depth = (len(leaves) - len(_LEAVES_HEAD) - len(_LEAVES_TAIL)) // len(_LEAVES_LAYER)
        if depth < 1 or leaves != _LEAVES_HEAD + _LEAVES_LAYER * depth + _LEAVES_TAIL:
            raise UnsupportedPipeline("the NER model's layers are not Tok2Vec.v2 + TransitionBasedParser.v2")
        layers = {name: [layer for layer in model.walk(order="dfs_pre") if layer.name == name]
                  for name in ("extract_features", "hashembed", "maxout", "layernorm", "expand_window",
                               "linear", "precomputable_affine")}
        residuals = [layer for layer in model.walk() if layer.name == _RESIDUAL]
        if len(residuals) != depth or any(w.attrs.get("window_size") != 1 for w in layers["expand_window"]):
            raise UnsupportedPipeline("the encoder is not residual window-1 maxout layers")
        if depth > _PAD:
            raise UnsupportedPipeline(f"{depth} window layers reach across the {_PAD} pad rows between documents")
        pads = [layer.attrs.get("pad") for layer in model.walk() if layer.name.startswith("with_array(residual")]
        if pads != [_PAD]:
            raise UnsupportedPipeline(f"the encoder pads documents with {pads} rows, not {_PAD}")
        from spacy.attrs import ENT_IOB, ENT_TYPE, IDS, IS_SPACE, SENT_START

        self._columns = list(layers["extract_features"][0].attrs["columns"])
        self._column_ids = [IDS[c] if isinstance(c, str) else int(c) for c in self._columns]
        self._token_attrs = [*self._column_ids, IS_SPACE, SENT_START, ENT_IOB]  # what annotate reads
        self._entity_attrs = [ENT_IOB, ENT_TYPE]  # what _decode writes
        self._embeds = []
        for column, embed in enumerate(layers["hashembed"]):
            if embed.attrs.get("column") != column:
                raise UnsupportedPipeline("hash embeddings out of column order")
            table = embed.get_param("E")
            self._embeds.append((table, int(embed.attrs["seed"]), table.shape[0]))
        self._maxouts = [_Maxout(m.get_param("W"), m.get_param("b"), n.get_param("G"), n.get_param("b"))
                         for m, n in zip(layers["maxout"], layers["layernorm"], strict=True)]
        # The first maxout is linear in the four embeddings, each a sum of four table rows: its
        # pre-activation is one gather-add over the tables multiplied through by its weights.
        first = self._maxouts[0]
        blocks, offsets = [], [0]
        for k, (table, _seed, rows) in enumerate(self._embeds):
            width = table.shape[1]
            blocks.append(np.dot(table, first.W_T[k * width:(k + 1) * width]))
            offsets.append(offsets[-1] + rows)
        self._first_table = np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)
        # a column's hashed keys are rows of its block: (hash % rows) + offset, shaped (columns, 1)
        self._seeds = [seed for _table, seed, _rows in self._embeds]
        self._table_rows = np.array([[rows] for _table, _seed, rows in self._embeds], dtype=np.uint32)
        self._key_offsets = np.array(offsets[:-1], dtype=np.uint32)[:, None]
        self._first_index: dict[bytes, int] = {}  # feature row (32 bytes) -> row of _first_rows
        self._first_rows = np.empty((_FIRST_CACHE_ROWS, self._maxouts[0].nO), dtype=np.float32)
        self._first_lock = threading.Lock()
        self._row_key = np.dtype(f"S{8 * len(self._columns)}")
        # the first window layer's output on a row of zero pad rows (see _features)
        window = self._maxouts[1]
        self._pad_row = np.zeros((1, window.nO), dtype=np.float32)
        self._pad_row += window(np.zeros((1, window.W_T.shape[0]), dtype=np.float32))
        project, upper = layers["linear"]
        self._project = (project.get_param("W"), project.get_param("b"))
        lower = layers["precomputable_affine"][0]
        nF, nO, nP, nI = (lower.get_dim(d) for d in ("nF", "nO", "nP", "nI"))
        if nF != 3 or ner.moves.__class__.__name__ != "BiluoPushDown":
            raise UnsupportedPipeline("not the 3-feature BILUO entity recogniser")
        # rows grouped (feature, piece, hidden) so that pieces are contiguous blocks; every token
        # needs the first feature (the token itself), only entities the others (see _entity_end)
        lower_W = lower.get_param("W").transpose(0, 2, 1, 3).reshape((nF * nP * nO, nI)).T  # (nI, nF * nP * nO)
        self._lower_first_W = np.ascontiguousarray(lower_W[:, :nP * nO])
        self._lower_rest_W = np.ascontiguousarray(lower_W[:, nP * nO:])
        self._lower_b = np.ascontiguousarray(lower.get_param("b").T)  # (nP, nO)
        self._lower_pad = np.ascontiguousarray(lower.get_param("pad")[0].transpose(0, 2, 1))  # (nF, nP, nO)
        self._lower_shape = (nF, nO, nP)
        self._upper_W = upper.get_param("W")  # (classes, nO)
        self._upper_b = upper.get_param("b")
        self._load_moves(ner.moves)

    def _load_moves(self, moves: Any) -> None:
        n = moves.n_moves
        kinds = np.zeros(n, dtype="U1")
        labels: list[str] = []
        for i in range(n):
            name = moves.get_class_name(i)
            kind, _, label = name.partition("-")
            if kind not in {"B", "I", "L", "U", "O"} or (kind == "O") != (name == "O"):
                raise UnsupportedPipeline(f"unknown NER move {name!r}")
            kinds[i] = kind
            labels.append(label)
        self._labels = labels
        self._kinds = kinds
        self._kind_list = [str(k) for k in kinds]
        strings = self._nlp.vocab.strings
        self._label_ids = [strings.add(label) if label else 0 for label in labels]
        self._outside = self._index("O", "")
        named = np.array([bool(label) for label in labels])
        is_begin = (kinds == "B") & named
        is_unit = (kinds == "U") & named  # "U-" without a label is valid only over preset entities
        # the moves valid in a closed state on a non-space token (a space is outside: B and U
        # need a non-space token), and without B (B needs a following token in the same sentence)
        self._closed_valid = is_begin | is_unit | (kinds == "O")
        self._closed_valid_no_begin = self._closed_valid & ~is_begin
        self._inside = {label: (i, self._index("L", label)) for i, label in enumerate(labels)
                        if kinds[i] == "I" and label}

    def _index(self, kind: str, label: str) -> int:
        for i, (k, lab) in enumerate(zip(self._kinds, self._labels, strict=True)):
            if k == kind and lab == label:
                return i
        raise UnsupportedPipeline(f"no {kind}-{label} move")

    # -- public API ---------------------------------------------------------------------

    def __call__(self, text: str) -> Doc:
        doc = self._nlp.make_doc(text)
        self.annotate([doc])
        return doc

    def pipe(self, texts: Iterable[str]) -> Iterator[Doc]:
        """Docs for ``texts`` in order, annotated in batches of about ``_BATCH_TOKENS`` tokens."""
        batch: list[Doc] = []
        tokens = 0
        for text in texts:
            doc = self._nlp.make_doc(text)
            batch.append(doc)
            tokens += len(doc)
            if tokens >= _BATCH_TOKENS:
                self.annotate(batch)
                yield from batch
                batch, tokens = [], 0
        if batch:
            self.annotate(batch)
            yield from batch

    @property
    def lexeme_attributes(self) -> tuple[int, ...]:
        """The spaCy attribute ids this engine reads from lexemes: the model's feature columns and IS_SPACE."""
        from spacy.attrs import IS_SPACE

        return (*self._column_ids, IS_SPACE)

    def agrees_with_spacy(self, texts: Sequence[str]) -> bool:
        """True when every text gets the same entities (and token IOB tags) from spaCy and from us."""
        ner = self._nlp.get_pipe("ner")
        for text in texts:
            ours = self(text)
            theirs = ner(self._nlp.make_doc(text))
            if _entities(ours) != _entities(theirs) or [t.ent_iob for t in ours] != [t.ent_iob for t in theirs]:
                return False
        return True

    # -- the model ------------------------------------------------------------------------

    def annotate(self, docs: Sequence[Doc]) -> None:
        """Set ``doc.ents`` on fresh Docs (made by the pipeline's tokenizer, no entities yet)."""
        todo = [doc for doc in docs if len(doc)]
        if not todo:
            return
        arrays = [doc.to_array(self._token_attrs) for doc in todo]
        table = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
        if table[:, -1].any():
            raise ValueError("FusedNer.annotate needs Docs without preset entities")
        lengths = [len(doc) for doc in todo]
        hidden, lower, closed = self._features(table[:, : len(self._columns)], lengths)
        space = table[:, -3] == 1
        sent_start = table[:, -2] == 1
        # each token's best move while no entity is open, as if it could begin one (see _decode)
        best = np.where(self._closed_valid, closed, -np.inf).argmax(axis=1)
        start = 0
        for doc, n in zip(todo, lengths, strict=True):
            rows = slice(start, start + n)
            self._decode(doc, hidden[rows], lower[rows], closed[rows], best[rows], space[rows], sent_start[rows])
            start += n

    def _features(self, ids: np.ndarray, lengths: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per token: the encoder's output projected (N, nI of the lower layer), the lower layer's
        first feature (N, nP, nO) and the scores of the moves in a closed state (N, classes)."""
        X = self._first_layer(ids)
        # the window layers see each document between _PAD zero rows, as thinc's with_array(pad=4) gives them
        total = sum(lengths) + _PAD * (len(lengths) + 1)
        padded = np.zeros((total, X.shape[1]), dtype=X.dtype)
        index: slice | np.ndarray
        if len(lengths) == 1:
            index = slice(_PAD, _PAD + lengths[0])
        else:
            starts = np.cumsum([0, *lengths[:-1]]) + _PAD * np.arange(1, len(lengths) + 1)
            index = np.concatenate([np.arange(n) + start for n, start in zip(lengths, starts.tolist(), strict=True)])
        padded[index] = X
        # The outer pad rows matter to the tokens' final vectors only within (layers left) rows of
        # a token: each layer updates a shrinking middle slice (its window reads one row more each side)
        windows = self._maxouts[1:]
        for depth, layer in enumerate(windows, start=1):
            lo = _PAD - (len(windows) - depth)
            hi = total - lo
            # the first layer's outer pad rows with only pad rows beside them: one vector for any text
            same = depth == 1 and lo < _PAD - 1
            start, end = (_PAD - 1, total - _PAD + 1) if same else (lo, hi)
            # each row beside its neighbours (thinc's seq2col with a window of 1, as three views)
            window = np.concatenate((padded[start - 1:end - 1], padded[start:end], padded[start + 1:end + 1]), axis=1)
            padded[start:end] += layer(window)
            if same:
                padded[lo:start] = padded[end:hi] = self._pad_row
        X = padded[index]
        W, b = self._project
        T = np.dot(X, W.T)
        T += b
        _nF, nO, nP = self._lower_shape
        lower = _matmul(T, self._lower_first_W).reshape((X.shape[0], nP, nO))
        pad = self._lower_pad
        unmaxed = lower + pad[1]
        unmaxed += pad[2]
        unmaxed += self._lower_b
        return T, lower, self._scores(_max_pieces(unmaxed))

    def _first_layer(self, ids: np.ndarray) -> np.ndarray:
        """The first layer's output per token (N, nO), from its feature ids (N, 4).

        It depends on the token's features alone, so it is computed once per distinct feature
        row and then copied from a table (a post's words are mostly words seen before): this
        skips the hashing and the gather from the 12.7 MB folded table, ~0.1 ms per post.
        The table holds ``_FIRST_CACHE_ROWS`` rows (~10 MB with the keys) and starts over
        when full. Like the vocabulary, it learns nothing inside a spaCy memory zone (see
        ``scanner.nlp.VocabBudget``): the words seen then are the rare ones.
        """
        # each row's ids as one bytes key ("S" drops trailing zero bytes: rows of one width stay distinct)
        keys = np.ascontiguousarray(ids, dtype=np.uint64).view(self._row_key).ravel().tolist()
        with self._first_lock:
            index, table = self._first_index, self._first_rows
            pos = [index.get(key, -1) for key in keys]
            out = table[pos]
            missing = [i for i, p in enumerate(pos) if p < 0]
            if not missing:
                return out
            out[missing] = self._compute_first_layer(ids[missing])  # (new rows read the last row above)
            vocab: Any = self._nlp.vocab  # spaCy's stubs leave in_memory_zone out
            if vocab.in_memory_zone:
                return out
            new = {keys[i]: i for i in missing}  # distinct new rows, each with one token showing it
            if len(index) + len(new) > len(table):
                index.clear()
            if len(new) <= len(table):
                start = len(index)
                index.update(zip(new, range(start, start + len(new)), strict=True))
                table[start:start + len(new)] = out[list(new.values())]
            return out

    def _compute_first_layer(self, ids: np.ndarray) -> np.ndarray:
        ops = self._ops
        columns = np.ascontiguousarray(ids.T)
        keys = np.concatenate([ops.hash(columns[c], seed) for c, seed in enumerate(self._seeds)], axis=1)
        by_column = keys.reshape((len(ids), len(self._seeds), -1))  # a view: each column's 4 keys
        by_column %= self._table_rows
        by_column += self._key_offsets
        out: np.ndarray = self._maxouts[0].finish(ops.gather_add(self._first_table, keys))
        return out

    def _scores(self, hidden: np.ndarray) -> np.ndarray:
        scores: np.ndarray = np.dot(hidden, self._upper_W.T)
        scores += self._upper_b
        return scores

    def _decode(self, doc: Doc, hidden: np.ndarray, lower: np.ndarray, closed: np.ndarray, best: np.ndarray,
                space: np.ndarray, sent_start: np.ndarray) -> None:
        """Greedy BILUO decoding of one document (spaCy's ``ner.pyx`` rules without preset entities).

        ``best`` is each token's best move in a closed state among the moves valid on a
        non-space token with a next token in its sentence (``closed`` has the scores); a space
        is outside, and a B move elsewhere gives way to the best other move. An entity opened
        by a B move is scored step by step until its L move.
        """
        n = len(doc)
        moves = best.tolist()
        kinds, labels = self._kind_list, self._labels
        iob = [2] * n  # O
        types = [0] * n
        end = 0  # tokens before it are decoded
        for i in np.flatnonzero(best != self._outside).tolist():
            if i < end or space[i]:
                continue
            action = moves[i]
            if kinds[action] == "B" and (i + 1 == n or sent_start[i + 1]):
                action = int(np.where(self._closed_valid_no_begin, closed[i], -np.inf).argmax())
                if action == self._outside:
                    continue
            iob[i] = 3  # B
            types[i] = self._label_ids[action]
            if kinds[action] == "U":
                end = i + 1
                continue
            end = self._entity_end(hidden, lower, i, labels[action], sent_start)
            iob[i + 1:end] = [1] * (end - i - 1)  # I
            types[i + 1:end] = [types[i]] * (end - i - 1)
        values: Any = np.array([iob, types], dtype=np.uint64).T  # spaCy's stubs want thinc's Ints2d
        doc.from_array(self._entity_attrs, values)

    def _entity_end(self, hidden: np.ndarray, lower: np.ndarray, first: int, label: str,
                    sent_start: np.ndarray) -> int:
        """The end of the entity a B move opens at token ``first``: each next token is its I or L move.

        A step's state is the token, the entity's first token and the previous token: the lower
        layer's first feature of the token (``lower``) and the other two of rows computed here.
        """
        n = len(lower)
        inside, last = self._inside[label]
        W, b = self._upper_W, self._upper_b
        base, rest = self._lower_rest(hidden, first)
        opened = rest[0, 0]
        i = first + 1
        while True:
            if i - 1 >= base + len(rest):
                base, rest = self._lower_rest(hidden, i - 1)
            unmaxed = lower[i] + opened
            unmaxed += rest[i - 1 - base, 1]
            unmaxed += self._lower_b
            h = unmaxed[0]
            for piece in range(1, len(unmaxed)):
                h = np.maximum(h, unmaxed[piece])
            score_last = float(np.dot(W[last], h) + b[last])
            if i + 1 < n and not sent_start[i + 1]:
                score_inside = float(np.dot(W[inside], h) + b[inside])
                # spaCy's arg-max keeps the lower class index on a tie
                if score_inside > score_last or (score_inside == score_last and inside < last):
                    i += 1
                    continue
            return i + 1

    def _lower_rest(self, hidden: np.ndarray, start: int) -> tuple[int, np.ndarray]:
        """The first row and the lower layer's other features (k, nF - 1, nP, nO) of rows from ``start``.

        Up to _ENTITY_ROWS rows, at least two (the block starts earlier at the last token):
        numpy would multiply one row as a vector, with other sums.
        """
        start = min(start, len(hidden) - 2)
        _nF, nO, nP = self._lower_shape
        rest = _matmul(hidden[start:start + _ENTITY_ROWS], self._lower_rest_W)
        return start, rest.reshape((len(rest), -1, nP, nO))


def _matmul(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """``X @ W``; a short ``X`` in blocks of rows that OpenBLAS multiplies with its small-matrix kernels.

    A window layer's product on a ~30-token post takes ~20% less time in three blocks: the
    packed path copies all 288 x 288 weights first. With ``W`` C-contiguous the blocks give
    the same values as one product (checked for 1-299 rows with this model's weights); other
    BLAS libraries and CPUs just multiply block by block.
    """
    n = len(X)
    rows = _SMALL_PRODUCT // (W.shape[0] * W.shape[1])
    if n <= rows or n > _SPLIT_ROWS or rows < 3:
        product: np.ndarray = np.dot(X, W)
        return product
    starts = list(range(0, n, rows))
    if n - starts[-1] == 1:
        starts[-1] -= 1  # no block of one row: numpy would multiply it as a vector, with other sums
    out = np.empty((n, W.shape[1]), dtype=np.result_type(X, W))
    for start, end in itertools.pairwise([*starts, n]):
        np.dot(X[start:end], W, out=out[start:end])
    return out


def _max_pieces(unmaxed: np.ndarray) -> np.ndarray:
    """(N, nP, nO) -> (N, nO): the max over pieces as element-wise maxima."""
    out = unmaxed[:, 0]
    for piece in range(1, unmaxed.shape[1]):
        out = np.maximum(out, unmaxed[:, piece])
    return out


def _entities(doc: Doc) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in doc.ents]
