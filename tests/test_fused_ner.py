"""The fused NumPy NER gives spaCy's own entities, and the scanner falls back to spaCy when it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import datasets
from scanner import Scanner, ScannerConfig, fused_ner
from scanner.fused_ner import PROBES, FusedNer, UnsupportedPipeline
from scanner.nlp import load_pipeline
from scanner.scanner import _SpacyNer


def entities(doc: Any) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in doc.ents]


def iob(doc: Any) -> list[str]:
    return [t.ent_iob_ for t in doc]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return Scanner().nlp


@pytest.fixture(scope="module")
def fused(nlp: Any) -> FusedNer:
    engine = FusedNer.from_pipeline(nlp)
    assert engine is not None, "the default pipeline must be supported"
    return engine


def test_default_scanner_uses_the_fused_engine(scanner: Scanner) -> None:
    assert isinstance(scanner.ner_engine, FusedNer)


def test_probes_agree(fused: FusedNer) -> None:
    assert fused.agrees_with_spacy(PROBES)
    assert entities(fused("Mike Ross met Jessica Pearson in New York."))  # the probes are not all entity-free


def test_same_entities_as_spacy_on_the_labeled_corpora(shared_data: Path, nlp: Any, fused: FusedNer) -> None:
    texts = [r.text for r in datasets.load_presidio_synth(shared_data)]
    texts += [r.text for r in datasets.load_btc(shared_data, "a")]
    texts += [r.text for r in datasets.load_wnut17(shared_data)]
    assert len(texts) > 3000
    theirs = [(entities(d), iob(d)) for d in nlp.pipe(texts)]
    ours = [(entities(d), iob(d)) for d in fused.pipe(texts)]
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    assert differ == []
    assert sum(len(e) for e, _ in ours) > 3000


words = st.sampled_from([
    "Jane", "Doe", "jane", "Acme", "Corp", "New", "York", "on", "Monday", "at", "the", "3", "March", "2025",
    "$", "200", ".", ",", "!", "?", "'s", "Dr.", "Smith", "IBM", "and", "@alice", "#tbt", "lol", "Paris",
    "\n", "\n\n", "  ", "\t", "555-0132", "https://x.co/a", "Barack", "Obama", "U.S.", "😀", "Ørsted", "Mr",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(words, max_size=40), st.sampled_from([" ", "", "  "]))
def test_same_entities_as_spacy_on_generated_text(nlp: Any, fused: FusedNer, parts: list[str], sep: str) -> None:
    text = sep.join(parts)
    ours, theirs = fused(text), nlp(text)
    assert (entities(ours), iob(ours)) == (entities(theirs), iob(theirs))


@pytest.mark.parametrize("text", [
    "Apt. 512\n Lillehammer", "Apt. 77\n Zoetermeer",  # "\n " would score best as B
    "thanks to dave ! Hahaha", "now ! # TwitterOff",  # the last token would score best as B: U instead
    "YORK I love ya",  # ... and O instead
])
def test_moves_a_token_cannot_take_give_way_as_in_spacy(nlp: Any, fused: FusedNer, text: str) -> None:
    """A space is outside, and a last token's B move gives way to its best other move."""
    ours, theirs = fused(text), nlp(text)
    assert (entities(ours), iob(ours)) == (entities(theirs), iob(theirs))


def test_pipe_equals_one_at_a_time_and_keeps_order(fused: FusedNer) -> None:
    texts = ["", "Jane Doe lives in Paris.", "   ", "x", "Barack Obama met Angela Merkel in Berlin on Monday."] * 3
    piped = [entities(d) for d in fused.pipe(texts)]
    assert piped == [entities(fused(t)) for t in texts]
    assert [d.text for d in fused.pipe(texts)] == texts


def test_pipe_across_several_token_batches_equals_one_at_a_time(
        fused: FusedNer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long texts go through pipe() in batches of about _BATCH_TOKENS tokens; the cut changes nothing."""
    monkeypatch.setattr(fused_ner, "_BATCH_TOKENS", 7)
    texts = ["Jane Doe lives in Paris.", "Barack Obama met Angela Merkel in Berlin on Monday.", "x", ""] * 3
    assert [entities(d) for d in fused.pipe(texts)] == [entities(fused(t)) for t in texts]


def test_preset_entities_are_refused(nlp: Any, fused: FusedNer) -> None:
    doc = nlp("Jane Doe lives in Paris.")
    with pytest.raises(ValueError, match="preset entities"):
        fused.annotate([doc])


def test_other_pipelines_fall_back_to_spacy() -> None:
    import spacy

    assert FusedNer.from_pipeline(spacy.blank("en")) is None
    untrained = spacy.blank("en")
    untrained.add_pipe("ner")
    with pytest.raises(UnsupportedPipeline):
        FusedNer(untrained)
    extra = load_pipeline(ScannerConfig().spacy_model)
    extra.add_pipe("sentencizer", first=True)
    assert FusedNer.from_pipeline(extra) is None


def test_a_disagreeing_engine_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FusedNer, "agrees_with_spacy", lambda self, texts: False)
    assert isinstance(Scanner(ScannerConfig(ner="always")).ner_engine, _SpacyNer)


def test_reports_are_the_same_with_either_engine(scanner_always: Scanner) -> None:
    spacy_scanner = Scanner(ScannerConfig(ner="always", ner_engine="spacy"))
    assert isinstance(spacy_scanner.ner_engine, _SpacyNer)
    posts = [
        "Jane Doe lives at 1428 Elm Street, Springfield, IL 62704",
        "call Mike Ross on (503) 284-7731 tonight",
        "Barack Obama's office number is +1 202-456-1111",
        "nothing private here, just a walk in the park",
    ]
    for post in posts:
        a, b = scanner_always.scan(post), spacy_scanner.scan(post)
        assert a.to_dict() == b.to_dict()
    batched = [r.to_dict() for r in scanner_always.scan_many(posts)]
    assert batched == [r.to_dict() for r in spacy_scanner.scan_many(posts)]


def test_entity_spans_equal_those_of_the_iob_tags(nlp: Any, fused: FusedNer) -> None:
    from spacy.attrs import ENT_IOB, ENT_TYPE, IDX, LENGTH

    from scanner.nlp import entity_spans

    def from_tags(doc: Any) -> list[tuple[int, int, str]]:  # B (3) then I (1) tags, read from arrays
        table = doc.to_array([ENT_IOB, ENT_TYPE, IDX, LENGTH]).tolist() if len(doc) else []
        out = []
        for start, (iob, label, _idx, _length) in enumerate(table):
            if iob == 3:
                end = start + 1
                while end < len(table) and table[end][0] == 1:
                    end += 1
                out.append((table[start][2], table[end - 1][2] + table[end - 1][3], doc.vocab.strings[label]))
        return out

    texts = ["", "x", "Barack Obama met Angela Merkel in Berlin on Monday, 3 March.", "  Jane   Doe\n\nParis  "]
    for doc in [*fused.pipe(texts), *nlp.pipe(texts)]:
        assert entity_spans(doc) == from_tags(doc)
    assert entity_spans(fused(texts[2]))  # not vacuous


def _feature_ids(fused: FusedNer, texts: list[str]) -> Any:
    import numpy as np

    docs = [fused._nlp.make_doc(t) for t in texts]
    return np.concatenate([d.to_array(fused._columns) for d in docs]).astype(np.uint64)


def test_first_layer_rows_from_the_cache_equal_computed_ones(nlp: Any, shared_data: Path) -> None:
    """A token's first-layer row is the same bits whether computed alone, in a batch or read
    from the cache; a cache too small for a batch, or one that starts over, gives the same rows."""
    import numpy as np

    engine = FusedNer(nlp)
    texts = [r.text for r in datasets.load_presidio_synth(shared_data)][:300]
    ids = _feature_ids(engine, texts)
    computed = engine._compute_first_layer(ids)
    assert np.array_equal(engine._first_layer(ids), computed)  # cold: all computed
    assert 0 < len(engine._first_index) < len(ids)  # repeated words are stored once
    assert np.array_equal(engine._first_layer(ids), computed)  # warm: all read from the table
    assert np.array_equal(engine._first_layer(ids[::-1]), computed[::-1])
    one_by_one = np.concatenate([engine._compute_first_layer(ids[i:i + 1]) for i in range(0, len(ids), 97)])
    assert np.array_equal(one_by_one, computed[::97])
    small = FusedNer(nlp)
    small._first_rows = small._first_rows[:50]  # fewer rows than one batch holds: nothing is stored
    assert np.array_equal(small._first_layer(ids), computed) and not small._first_index
    for start in range(0, 200, 20):  # batches that fill the table and make it start over
        assert np.array_equal(small._first_layer(ids[start:start + 20]), computed[start:start + 20])
    assert 0 < len(small._first_index) <= 50


def test_threads_sharing_the_engine_get_the_same_entities(nlp: Any, shared_data: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    engine = FusedNer(nlp)
    engine._first_rows = engine._first_rows[:200]  # a small table, so that it starts over often
    texts = [r.text for r in datasets.load_presidio_synth(shared_data)][:400]
    expected = [entities(d) for d in nlp.pipe(texts)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda t: entities(engine(t)), texts))
    assert got == expected


def _reference_features(engine: FusedNer, ids: Any) -> tuple[Any, Any, Any]:
    """The window layers as thinc runs them (every pad row through every layer, one product per
    layer), then the lower layer (all three features) and the closed-state scores."""
    import numpy as np

    from scanner.fused_ner import _PAD, _max_pieces

    X = engine._compute_first_layer(ids)
    padded = np.zeros((len(ids) + 2 * _PAD, X.shape[1]), dtype=np.float32)
    padded[_PAD:-_PAD] = X
    for layer in engine._maxouts[1:]:
        window = np.concatenate((padded[:-2], padded[1:-1], padded[2:]), axis=1)
        padded[1:-1] += layer.finish(np.dot(window, layer.W_T))
    W, b = engine._project
    T = np.dot(padded[_PAD:-_PAD], W.T)
    T += b
    nF, nO, nP = engine._lower_shape
    lower_W = np.concatenate((engine._lower_first_W, engine._lower_rest_W), axis=1)
    lower = np.dot(T, lower_W).reshape((len(ids), nF, nP, nO))
    unmaxed = lower[:, 0] + engine._lower_pad[1]
    unmaxed += engine._lower_pad[2]
    unmaxed += engine._lower_b
    return T, lower, engine._scores(_max_pieces(unmaxed))


def test_features_equal_the_layers_run_over_every_row(nlp: Any, fused: FusedNer) -> None:
    """Skipping pad rows that cannot reach a token, the first layer's all-pad rows taken from
    load time, products split into blocks of rows and the lower layer's features computed in
    parts give the same bits as the plain layers."""
    import numpy as np

    from scanner.fused_ner import _ENTITY_ROWS

    words = ["Jane", "Doe", ",", "12", "Elm", "St", ",", "Paris", "75001", ";", "call", "+33", "1", "23", "45",
             "67", "89", "or", "jane@x.co", "."] * 20
    # 2 to ~300 tokens (one token makes numpy multiply matrices by a vector, unlike thinc's padded rows)
    texts = [" ".join(words[:n]) for n in [*range(2, 40), *range(40, 300, 7)]]
    lengths = set()
    for text in texts:
        ids = _feature_ids(fused, [text])
        lengths.add(len(ids))
        hidden, lower, closed = fused._features(ids, [len(ids)])
        T, reference, scores = _reference_features(fused, ids)
        assert np.array_equal(hidden, T) and np.array_equal(closed, scores), len(ids)
        assert np.array_equal(lower, reference[:, 0]), len(ids)
        for start in range(len(ids)):  # the other features, as the decoder computes them for entities
            base, rest = fused._lower_rest(hidden, start)
            assert base == min(start, len(ids) - 2) and 2 <= len(rest) <= _ENTITY_ROWS
            assert np.array_equal(rest, reference[base:base + len(rest), 1:]), (len(ids), start)
    assert min(lengths) == 2 and max(lengths) > 256 and len(lengths) > 70


def test_split_products_equal_one_product(fused: FusedNer) -> None:
    import numpy as np

    from scanner.fused_ner import _matmul

    rng = np.random.default_rng(7)
    for W in (fused._maxouts[1].W_T, fused._lower_first_W, fused._lower_rest_W):
        for rows in [*range(1, 80), 255, 256, 257]:  # 13 and 25 rows: no block of one row
            X = rng.standard_normal((rows, W.shape[0]), dtype=np.float32)
            assert np.array_equal(_matmul(X, W), np.dot(X, W)), (W.shape, rows)
