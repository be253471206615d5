"""Reading input records for the command line: plain text lines or JSONL objects.

Each physical line is one record. A record that cannot be scanned becomes an error
record (its line number and a message without the line's content); the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

InputFormat = Literal["text", "jsonl", "auto"]

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


@dataclass(frozen=True, slots=True)
class Record:
    """One input record: ``text`` is None when ``error`` says why it cannot be scanned."""

    id: Any
    line: int
    source: str
    text: str | None = None
    context: dict[str, Any] | None = None
    error: str | None = None

    def __repr__(self) -> str:
        return f"Record(id={self.id!r}, line={self.line}, source={self.source!r}, error={self.error!r})"


def detect_format(name: str, first_line: bytes | None) -> Literal["text", "jsonl"]:
    """``auto``: by extension for files; for stdin, JSONL when the first non-empty line is an object."""
    if name != "-":
        return "jsonl" if name.lower().endswith(JSONL_SUFFIXES) else "text"
    if first_line is None:
        return "text"
    try:
        return "jsonl" if isinstance(json.loads(first_line), dict) else "text"
    except ValueError:
        return "text"


def _decode(raw: bytes) -> str:
    line = raw.decode("utf-8")  # strict: invalid UTF-8 becomes an error record
    return line[:-1] if line.endswith("\n") else line


def read_records(stream: IO[bytes], source: str, fmt: InputFormat, max_bytes: int) -> Iterator[Record]:
    """Records from a binary stream; blank lines are skipped but still counted."""
    lines = iter(stream)
    buffered: list[bytes] = []
    if fmt == "auto":
        first = None
        for raw in lines:
            buffered.append(raw)
            if raw.strip():
                first = raw
                break
        resolved = detect_format(source, first)
    else:
        resolved = fmt
    parse = _parse_jsonl if resolved == "jsonl" else _parse_text

    def all_lines() -> Iterator[bytes]:
        yield from buffered
        yield from lines

    for number, raw in enumerate(all_lines(), start=1):
        if not raw.strip():
            continue
        if len(raw) > max_bytes:
            yield Record(number, number, source, error=f"record is {len(raw)} bytes, over the limit of {max_bytes}")
            continue
        try:
            line = _decode(raw)
        except UnicodeDecodeError as exc:
            yield Record(number, number, source, error=f"invalid UTF-8 at byte {exc.start}")
            continue
        yield parse(line, number, source)


def _parse_text(line: str, number: int, source: str) -> Record:
    return Record(number, number, source, text=line.rstrip("\r"))


def _parse_jsonl(line: str, number: int, source: str) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return Record(number, number, source, error=f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(obj, dict):
        return Record(number, number, source, error="a JSONL record must be an object with a 'text' field")
    rid = obj.get("id", number)
    if not isinstance(rid, str | int) or isinstance(rid, bool):
        rid = number
    text = obj.get("text")
    if not isinstance(text, str):
        return Record(rid, number, source, error="record has no 'text' string")
    context = obj.get("context")
    if context is not None and not isinstance(context, dict):
        return Record(rid, number, source, error="'context' must be an object")
    return Record(rid, number, source, text=text, context=context)
