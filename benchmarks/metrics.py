"""Span-level scoring: the matching rule and precision / recall / F1 / F2.

Matching rule (the same for every system and corpus):

1. Both gold and predicted spans are trimmed of leading/trailing whitespace first.
2. A predicted span can match a gold span of the **same type** (per-type scores) or of
   any in-scope type (the entity-agnostic "any private data" score, ``ANY``).
3. ``exact``: the two spans have the same start and end.
   ``iou``: character-level intersection over union >= 0.5
   (``|overlap| / |union|``; e.g. gold ``[10, 20)`` and prediction ``[10, 18)``: 0.8).
4. Matching is one-to-one and greedy: candidate pairs are taken in order of decreasing
   IoU (ties: earlier gold span, then earlier prediction); a gold span and a prediction
   are each used at most once. Matched pairs are true positives, unmatched predictions
   false positives, unmatched gold spans false negatives.
5. An unmatched prediction that overlaps an *ignore region* of the record (``@mentions``
   in tweets) is dropped instead of counted as a false positive.

Scores: P = TP / (TP + FP), R = TP / (TP + FN),
F_beta = (1 + b^2) TP / ((1 + b^2) TP + b^2 FN + FP), with F1 (b = 1) and F2 (b = 2,
recall weighted higher, as in Presidio's own evaluation). A score whose denominator
is zero is undefined (``None``, shown as a dash).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .datasets import Record, Span

MatchRule = Literal["exact", "iou"]
MATCH_RULES: tuple[MatchRule, ...] = ("exact", "iou")
IOU_THRESHOLD = 0.5
ANY = "ANY"


def iou(a: Span, b: Span) -> float:
    """Character-level intersection over union of two spans."""
    overlap = min(a.end, b.end) - max(a.start, b.start)
    if overlap <= 0:
        return 0.0
    union = max(a.end, b.end) - min(a.start, b.start)
    return overlap / union


def _pair_score(gold: Span, pred: Span, rule: MatchRule) -> float:
    if rule == "exact":
        return 1.0 if (gold.start, gold.end) == (pred.start, pred.end) else 0.0
    value = iou(gold, pred)
    return value if value >= IOU_THRESHOLD else 0.0


def match(gold: Sequence[Span], pred: Sequence[Span], rule: MatchRule, typed: bool = True) -> list[tuple[int, int]]:
    """One-to-one greedy matching; returns ``(gold index, prediction index)`` pairs."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if typed and g.type != p.type:
                continue
            score = _pair_score(g, p, rule)
            if score > 0.0:
                candidates.append((-score, gi, pi))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return sorted(pairs)


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the derived scores."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def f_beta(self, beta: float) -> float | None:
        b2 = beta * beta
        denominator = (1 + b2) * self.tp + b2 * self.fn + self.fp
        return (1 + b2) * self.tp / denominator if denominator else None

    @property
    def f1(self) -> float | None:
        return self.f_beta(1.0)

    @property
    def f2(self) -> float | None:
        return self.f_beta(2.0)

    @property
    def support(self) -> int:
        """Number of gold spans."""
        return self.tp + self.fn

    def to_dict(self) -> dict[str, float | int | None]:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "support": self.support,
            "precision": self.precision, "recall": self.recall, "f1": self.f1, "f2": self.f2,
        }


def trim(span: Span, text: str) -> Span:
    """The span without leading/trailing whitespace (unchanged if it is all whitespace)."""
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return span if start == end else Span(span.type, start, end)


def _overlaps_any(span: Span, regions: Iterable[tuple[int, int]]) -> bool:
    return any(span.start < end and start < span.end for start, end in regions)


def score_record(
    record: Record, predicted: Sequence[Span], types: Sequence[str], rule: MatchRule
) -> dict[str, Counts]:
    """Counts per type in ``types`` plus ``ANY`` for one record; predictions of other types are ignored."""
    scored = frozenset(types)
    gold = [trim(s, record.text) for s in record.spans if s.type in scored]
    pred = [trim(s, record.text) for s in predicted if s.type in scored]
    out: dict[str, Counts] = {}
    for typ in types:
        g = [s for s in gold if s.type == typ]
        p = [s for s in pred if s.type == typ]
        out[typ] = _counts(g, p, record.ignore, rule, typed=True)
    out[ANY] = _counts(gold, pred, record.ignore, rule, typed=False)
    return out


def _counts(
    gold: Sequence[Span], pred: Sequence[Span], ignore: Sequence[tuple[int, int]], rule: MatchRule, typed: bool
) -> Counts:
    pairs = match(gold, pred, rule, typed=typed)
    matched_pred = {pi for _, pi in pairs}
    fp = sum(1 for pi, p in enumerate(pred) if pi not in matched_pred and not _overlaps_any(p, ignore))
    return Counts(tp=len(pairs), fp=fp, fn=len(gold) - len(pairs))


def score_corpus(
    records: Sequence[Record], predictions: Sequence[Sequence[Span]], types: Sequence[str], rule: MatchRule
) -> dict[str, Counts]:
    """Counts per type plus ``ANY``, summed over a corpus (micro average)."""
    if len(records) != len(predictions):
        raise ValueError("one prediction list per record is required")
    total = {typ: Counts() for typ in (*types, ANY)}
    for record, predicted in zip(records, predictions, strict=True):
        for typ, counts in score_record(record, predicted, types, rule).items():
            total[typ].add(counts)
    return total
