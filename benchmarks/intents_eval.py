"""Intent and verdict accuracy on the labeled posts, and false positives on HateCheck.

``python -m benchmarks.intents_eval`` prints the table. :func:`evaluate_intents` takes a
``scan(text, context) -> report`` callable whose report has ``intents``, ``signals``,
``violations`` and ``verdict`` (the wired :class:`scanner.Scanner`, or
:func:`layered_scan` which composes the scoring layer over any Scanner's findings).

Two intent scores are reported per intent type, set-based per post:
- ``acted``: intents that count, i.e. that a policy violation cites as evidence (after
  negation, reporting, quotes and hypotheticals) -- the labeled ``intents`` field means this;
- ``matched``: every intent the detector matched, before context.
HateCheck rows are all hard negatives: a row is a false positive when any intent matches
(and, separately, when a THREAT_TO_EXPOSE matches on a ``threat_*`` row).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.intents import INTENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
LABELED = ROOT / "tests" / "data" / "labeled_posts.jsonl"
HATECHECK = ROOT.parent / "shared" / "data" / "hatecheck" / "test_suite_cases.csv"
VERDICTS = ("allow", "warn", "review", "block")

ScanFn = Callable[[str, Any], Any]


def load_labeled(path: Path = LABELED) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_hatecheck(path: Path = HATECHECK) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def to_dict(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(p, 3), "recall": round(r, 3),
                "f1": round(f1, 3)}


def acted_intents(report: Any) -> set[str]:
    """Intent types that some violation cites as evidence."""
    evidence = {e for v in report.violations for e in v.evidence}
    return {i.type for i in report.intents if i.id in evidence}


def matched_intents(report: Any) -> set[str]:
    return {i.type for i in report.intents}


def _score(pairs: Iterable[tuple[set[str], set[str]]]) -> dict[str, dict[str, Any]]:
    counts = {t: _Counts() for t in INTENT_TYPES}
    for expected, predicted in pairs:
        for t in INTENT_TYPES:
            if t in expected and t in predicted:
                counts[t].tp += 1
            elif t in predicted:
                counts[t].fp += 1
            elif t in expected:
                counts[t].fn += 1
    total = _Counts(sum(c.tp for c in counts.values()), sum(c.fp for c in counts.values()),
                    sum(c.fn for c in counts.values()))
    out = {t: c.to_dict() for t, c in counts.items()}
    out["micro"] = total.to_dict()
    return out


def evaluate_intents(
    scan: ScanFn,
    posts: Sequence[Mapping[str, Any]] | None = None,
    hatecheck: Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Precision / recall / F1 per intent, verdict accuracy, and HateCheck false positives."""
    posts = load_labeled() if posts is None else posts
    acted_pairs = []
    matched_pairs = []
    confusion: Counter[tuple[str, str]] = Counter()
    errors = []
    for post in posts:
        report = scan(post["text"], post.get("context"))
        expected = set(post["intents"])
        acted, matched = acted_intents(report), matched_intents(report)
        acted_pairs.append((expected, acted))
        matched_pairs.append((expected, matched))
        confusion[(post["verdict"], report.verdict)] += 1
        if report.verdict != post["verdict"] or acted != expected:
            errors.append({"id": post["id"], "expected": post["verdict"], "got": report.verdict,
                           "intents_expected": sorted(expected), "intents_got": sorted(acted)})
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    out: dict[str, Any] = {
        "posts": len(posts),
        "intents_acted": _score(acted_pairs),
        "intents_matched": _score(matched_pairs),
        "verdict_accuracy": round(correct / len(posts), 3) if posts else 0.0,
        "verdict_confusion": {f"{w}->{g}": n for (w, g), n in sorted(confusion.items())},
        "errors": errors,
    }
    if hatecheck is None:
        rows: Sequence[Mapping[str, str]] = load_hatecheck() if HATECHECK.exists() else []
    else:
        rows = hatecheck
    if rows:
        out["hatecheck"] = _hatecheck(scan, rows)
    return out


def _hatecheck(scan: ScanFn, rows: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    threat_rows = flagged_threat = flagged_any = flagged_acted = 0
    for row in rows:
        report = scan(row["test_case"], None)
        matched = matched_intents(report)
        if row["functionality"].startswith("threat_"):
            threat_rows += 1
            flagged_threat += "THREAT_TO_EXPOSE" in matched
        flagged_any += bool(matched)
        flagged_acted += bool(acted_intents(report))
    return {
        "rows": len(rows),
        "threat_rows": threat_rows,
        "threat_rows_flagged_threat_to_expose": flagged_threat,
        "rows_with_any_intent": flagged_any,
        "rows_with_any_acted_intent": flagged_acted,
        "false_positive_rate": round(flagged_any / len(rows), 4) if rows else 0.0,
    }


def scanner_scan(scanner: Any = None) -> ScanFn:
    """``scan(text, context)`` through a Scanner (the default one unless given)."""
    from scanner import Scanner

    scanner = Scanner() if scanner is None else scanner
    return lambda text, context: scanner.scan(text, context=context)


def format_table(result: Mapping[str, Any]) -> str:
    lines = [f"labeled posts: {result['posts']}", "", "intent (acted = cited by a violation; matched = detector)"]
    lines.append(f"{'type':<18} {'P':>6} {'R':>6} {'F1':>6}   {'P':>6} {'R':>6} {'F1':>6}  (tp/fp/fn acted)")
    for t in (*INTENT_TYPES, "micro"):
        a, m = result["intents_acted"][t], result["intents_matched"][t]
        lines.append(f"{t:<18} {a['precision']:>6.3f} {a['recall']:>6.3f} {a['f1']:>6.3f}   "
                     f"{m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}  ({a['tp']}/{a['fp']}/{a['fn']})")
    lines += ["", f"verdict accuracy: {result['verdict_accuracy']:.3f}", "confusion (expected->got):"]
    lines += [f"  {k}: {v}" for k, v in result["verdict_confusion"].items()]
    if "hatecheck" in result:
        h = result["hatecheck"]
        lines += ["", f"HateCheck: {h['rows']} rows; threat rows {h['threat_rows']}, flagged THREAT_TO_EXPOSE "
                      f"{h['threat_rows_flagged_threat_to_expose']}; rows with any intent {h['rows_with_any_intent']} "
                      f"(false-positive rate {h['false_positive_rate']:.4f}); acted {h['rows_with_any_acted_intent']}"]
    if result["errors"]:
        lines += ["", "errors (id: expected verdict -> got; intents expected / got):"]
        lines += [f"  {e['id']}: {e['expected']} -> {e['got']}; {e['intents_expected']} / {e['intents_got']}"
                  for e in result["errors"]]
    return "\n".join(lines)


def main() -> int:
    result = evaluate_intents(scanner_scan())
    print(format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
