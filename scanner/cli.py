"""The ``scanner`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from . import __version__
from .config import ScannerConfig
from .errors import InputError, ScannerError
from .findings import Report
from .policy import verdict_at_least
from .records import Record, read_records
from .scanner import DEFAULT_BATCH_SIZE, MAX_WAITING_BATCHES, Post, Scanner
from .signals import PostContext

EXIT_OK = 0
EXIT_FAIL_ON = 1
EXIT_USAGE = 2

DEFAULT_MAX_BYTES = 2_000_000

DESCRIPTION = """\
Scan social-media posts for private information (personal identifiers and secrets)
before they are published. Scanning happens locally: no network access.
"""

SCAN_EPILOG = """\
input:
  text   one post per line; the record id is the line number
  jsonl  one object per line: {"id": ..., "text": "...", "context": {...}}
  auto   (default) JSONL for *.jsonl/*.ndjson/*.json files; for stdin, JSONL when the
         first non-empty line is a JSON object, else text

output (one output record per input record, in input order):
  table  verdict, reasons, findings and redacted text (default when stdout is a terminal)
  jsonl  one JSON object per line (default otherwise):
         {"id": ..., "findings": [{"type", "start", "end", "confidence", "detector",
          "rule", "fingerprint", ...}], "intents": [...], "signals": [...],
          "violations": [...], "verdict": "allow|warn|review|block", "redacted_text": "..."}
         a record that cannot be scanned gives {"id": ..., "line": N, "error": "..."}
  json   one JSON array of those objects

exit status: 0 done; 1 a verdict reached --fail-on; 2 usage or configuration error

examples:
  scanner scan posts.jsonl --format jsonl > results.jsonl
  scanner scan draft.txt --input text --fail-on review   # pre-publish hook
  echo "call me at +44 20 7946 0958" | scanner scan -
"""


class _Progress:
    """A one-line progress indicator on stderr (only when stderr is a terminal)."""

    def __init__(self, path: Path | None, enabled: bool) -> None:
        self.total = path.stat().st_size if (enabled and path is not None) else 0
        self.enabled = enabled and self.total > 0
        self.count = 0

    def update(self, stream: IO[bytes]) -> None:
        self.count += 1
        if self.enabled and self.count % 50 == 0:
            done = stream.tell() if stream.seekable() else 0
            pct = 100 * done / self.total
            sys.stderr.write(f"\r  {self.count} records, {pct:5.1f}%")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write(f"\r  {self.count} records, done.   \n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scanner", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"scanner {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="TOML file with a [scanner] table (see the README's configuration reference)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log warnings (rule time-outs) to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser("scan", help="scan posts from files or stdin", description="Scan posts for private "
                          "information.", epilog=SCAN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("files", nargs="*", default=["-"], metavar="FILE", help="input files, or - for stdin (default)")
    scan.add_argument("--input", choices=["text", "jsonl", "auto"], default="auto", help="input format (default: auto)")
    scan.add_argument("--format", choices=["table", "json", "jsonl"], default=None,
                      help="output format (default: table on a terminal, jsonl otherwise)")
    scan.add_argument("--ner", choices=["auto", "always", "never"], default=None,
                      help="when to run spaCy NER for names: auto (only on the sentences of other private data "
                           "or of an intent, where a name matters; default), always (the whole post), never")
    scan.add_argument("--detectors", metavar="IDS", help="comma-separated detector ids to run (default: all)")
    scan.add_argument("--disable", metavar="IDS", help="comma-separated detector ids to skip")
    scan.add_argument("--min-confidence", type=float, metavar="X", help="drop findings below X (default 0.5)")
    scan.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, metavar="N",
                      help=f"records longer than N bytes become error records (default {DEFAULT_MAX_BYTES})")
    scan.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                      help=f"texts per spaCy batch (default {DEFAULT_BATCH_SIZE}); in one process up to "
                           f"{MAX_WAITING_BATCHES}x as many records are read ahead to fill it")
    scan.add_argument("--processes", type=int, default=1, metavar="N", help="worker processes (default 1)")
    scan.add_argument("--no-progress", action="store_true", help="no progress indicator on stderr")
    scan.add_argument("--fail-on", choices=["warn", "review", "block"], default=None, metavar="LEVEL",
                      help="exit with status 1 when any post's verdict is LEVEL or stricter "
                           "(warn < review < block); for pre-publish hooks")

    det = sub.add_parser("detectors", help="list detectors with ids, types and whether enabled",
                         description="List the registered detectors.")
    det.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    return parser


def _split(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _config(args: argparse.Namespace) -> ScannerConfig:
    config = ScannerConfig.from_toml(args.config) if args.config else ScannerConfig()
    changes: dict[str, Any] = {}
    if getattr(args, "ner", None):
        changes["ner"] = args.ner
    if getattr(args, "detectors", None) is not None:
        changes["detectors"] = _split(args.detectors)
    if getattr(args, "disable", None) is not None:
        changes["disabled_detectors"] = _split(args.disable)
    if getattr(args, "min_confidence", None) is not None:
        changes["min_confidence"] = args.min_confidence
    return config.replace(**changes) if changes else config


def _record_output(record: Record, report: Report | None, multi: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": record.id}
    if multi:
        out["source"] = record.source
    if report is None:
        out["line"] = record.line
        out["error"] = record.error
        return out
    out.update(report.to_dict())
    return out


def _scan_records(scanner: Scanner, records: Iterator[Record], batch_size: int, processes: int
                  ) -> Iterator[tuple[Record, Report | None]]:
    """Pair every record with its report (None for error records), in input order."""
    if processes > 1:
        pending: deque[Record] = deque()

        def posts() -> Iterator[Post]:
            for rec in map(_with_context, records):
                pending.append(rec)
                if rec.error is None and rec.text is not None:
                    yield rec.text, rec.context

        for report in scanner.scan_many(posts(), n_process=processes, batch_size=batch_size):
            while pending[0].error is not None or pending[0].text is None:
                yield pending.popleft(), None
            yield pending.popleft(), report
        while pending:
            yield pending.popleft(), None
        return
    # only a few posts of a feed need spaCy: read ahead so that its batches fill up
    read_ahead = batch_size * MAX_WAITING_BATCHES
    batch: list[Record] = []
    for rec in records:
        batch.append(rec)
        if len(batch) >= read_ahead:
            yield from _scan_batch(scanner, batch)
            batch = []
    yield from _scan_batch(scanner, batch)


def _with_context(rec: Record) -> Record:
    """Check a record's context object; a bad one turns the record into an error record."""
    if rec.context is None:
        return rec
    try:
        PostContext.from_dict(rec.context)
    except InputError as exc:
        return Record(rec.id, rec.line, rec.source, error=f"bad 'context': {exc}")
    return rec


def _scan_batch(scanner: Scanner, batch: list[Record]) -> Iterator[tuple[Record, Report | None]]:
    batch = [_with_context(r) for r in batch]
    posts: list[Post] = [(r.text, r.context) for r in batch if r.text is not None and r.error is None]
    try:
        reports = iter(scanner.scan_batch(posts))
    except Exception:  # one bad post must not lose the batch: rescan one at a time
        reports = None
    for rec in batch:
        if rec.text is None or rec.error is not None:
            yield rec, None
        elif reports is not None:
            yield rec, next(reports)
        else:
            try:
                yield rec, scanner.scan(rec.text, rec.context)
            except Exception as exc:
                yield Record(rec.id, rec.line, rec.source, error=f"scan failed: {type(exc).__name__}"), None


def _print_table(out: IO[str], item: dict[str, Any], text: str | None) -> None:
    rid = item["id"]
    if "error" in item:
        out.write(f"{rid}: ERROR {item['error']}\n")
        return
    findings = item["findings"]
    verdict = item.get("verdict")
    head = f"{rid}: {verdict.upper()}" if verdict else f"{rid}:"
    out.write(f"{head} {len(findings)} finding(s)\n")
    for reason in item.get("violations", []):
        out.write(f"    ! {reason['rule']}: {reason['explanation']}\n")
    for intent in item.get("intents", []):
        span = f"{intent['start']:>5}-{intent['end']:<5}"
        out.write(f"    ~ intent {intent['type']:<21} {span} {intent['confidence']:.2f}\n")
    for f in findings:
        sub = f"/{f['subtype']}" if f.get("subtype") else ""
        source = f["rule"] or f["detector"]
        out.write(f"    {f['type'] + sub:<28} {f['start']:>5}-{f['end']:<5} {f['confidence']:.2f}  {source}\n")
    if findings and text is not None and item.get("redacted_text") is not None:
        out.write(f"    redacted: {item['redacted_text']}\n")


def _open_inputs(files: Sequence[str]) -> Iterator[tuple[str, IO[bytes], Path | None]]:
    for name in files:
        if name == "-":
            yield "-", sys.stdin.buffer, None
        else:
            path = Path(name)
            with path.open("rb") as stream:
                yield name, stream, path


def _cmd_scan(args: argparse.Namespace) -> int:
    for name in args.files:
        if name != "-" and not Path(name).is_file():
            print(f"scanner: no such file: {name}", file=sys.stderr)
            return EXIT_USAGE
    if args.batch_size < 1 or args.processes < 1 or args.max_bytes < 1:
        print("scanner: --batch-size, --processes and --max-bytes must be positive", file=sys.stderr)
        return EXIT_USAGE
    scanner = Scanner(_config(args))
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    out = sys.stdout
    multi = len(args.files) > 1
    counts = {"records": 0, "errors": 0, "flagged": 0, "failed": 0}
    collected: list[dict[str, Any]] = []
    show_progress = not args.no_progress and sys.stderr.isatty()
    for name, stream, path in _open_inputs(args.files):
        progress = _Progress(path, show_progress)
        records = read_records(stream, name, args.input, args.max_bytes)
        for record, report in _scan_records(scanner, records, args.batch_size, args.processes):
            progress.update(stream)
            item = _record_output(record, report, multi)
            counts["records"] += 1
            counts["errors"] += report is None
            counts["flagged"] += bool(report is not None and report.verdict != "allow")
            counts["failed"] += bool(report is not None and args.fail_on and verdict_at_least(report.verdict,
                                                                                              args.fail_on))
            if fmt == "jsonl":
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
            elif fmt == "json":
                collected.append(item)
            else:
                _print_table(out, item, record.text)
        progress.close()
    if fmt == "json":
        json.dump(collected, out, ensure_ascii=False, indent=2)
        out.write("\n")
    if fmt == "table" or counts["errors"]:
        print(f"scanned {counts['records']} record(s): {counts['flagged']} not allowed, "
              f"{counts['errors']} error(s)", file=sys.stderr)
    if counts["failed"]:
        print(f"scanner: {counts['failed']} post(s) at or above --fail-on {args.fail_on}", file=sys.stderr)
        return EXIT_FAIL_ON
    return EXIT_OK


def _cmd_detectors(args: argparse.Namespace) -> int:
    config = _config(args)
    scanner = Scanner(config)
    enabled = {d.id for d in scanner.detectors}
    rows: list[dict[str, Any]] = [
        {"id": r.id, "types": sorted(r.types), "enabled": r.id in enabled, "origin": r.origin}
        for r in scanner.registry
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    width = max((len(r["id"]) for r in rows), default=2)
    print(f"{'id':<{width}}  enabled  types")
    for r in rows:
        print(f"{r['id']:<{width}}  {'yes' if r['enabled'] else 'no ':<7}  {', '.join(r['types'])}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.verbose else logging.ERROR, format="scanner: %(message)s")
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "scan":
            return _cmd_scan(args)
        return _cmd_detectors(args)
    except ScannerError as exc:
        print(f"scanner: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
