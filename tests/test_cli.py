from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "scanner.cli", *args], input=stdin, capture_output=True,
                          cwd=REPO, timeout=300, check=False)


def jsonl(out: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def test_help_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--help"], ["scan", "--help"], ["detectors", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0
    out = capsys.readouterr().out
    for word in ("scan", "detectors", "--format", "--input", "--ner", "--max-bytes", "jsonl", "examples"):
        assert word in out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_one_output_record_per_input_record_with_error_records(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "hello there"}),
        "{not json",
        json.dumps({"id": "b"}),
        json.dumps({"id": "c", "text": "x" * 200}),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"id": "d", "text": "call me", "context": {"author": "me"}}),
    ]
    path = tmp_path / "posts.jsonl"
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe bad utf8\n")
    result = run(["scan", str(path), "--format", "jsonl", "--max-bytes", "150"])
    assert result.returncode == 0, result.stderr
    records = jsonl(result.stdout)
    assert [r["id"] for r in records] == ["a", 2, "b", 4, 5, "d", 8]  # oversize: not parsed, so line number
    errors = {r["id"]: r["error"] for r in records if "error" in r}
    assert set(errors) == {2, "b", 4, 5, 8}
    assert "not valid JSON" in str(errors[2]) and "'text'" in str(errors["b"])
    assert "over the limit" in str(errors[4]) and "UTF-8" in str(errors[8])
    assert all("findings" in r for r in records if "error" not in r)
    assert b"bad utf8" not in result.stdout + result.stderr


def test_stdin_auto_detects_jsonl_and_text() -> None:
    as_jsonl = run(["scan", "-", "--format", "jsonl"], b'\n{"id": 7, "text": "hi"}\n')
    assert [r["id"] for r in jsonl(as_jsonl.stdout)] == [7]
    as_text = run(["scan", "-", "--format", "jsonl"], b"first post\nsecond post\n")
    assert [r["id"] for r in jsonl(as_text.stdout)] == [1, 2]


def test_json_format_is_one_array() -> None:
    result = run(["scan", "-", "--format", "json"], b"one\ntwo\n")
    data = json.loads(result.stdout)
    assert isinstance(data, list) and len(data) == 2


def test_table_format() -> None:
    result = run(["scan", "-", "--format", "table", "--ner", "never"], b"nothing here\n")
    assert result.returncode == 0
    assert b"1:" in result.stdout


def test_missing_file_and_bad_options_exit_2() -> None:
    assert run(["scan", "no/such/file.jsonl"]).returncode == 2
    bad = run(["scan", "-", "--detectors", "ghost.detector"], b"x\n")
    assert bad.returncode == 2
    assert b"unknown detector" in bad.stderr and b"known detectors" in bad.stderr


def test_detectors_lists_ids_types_and_enabled() -> None:
    result = run(["detectors", "--format", "json"])
    rows = json.loads(result.stdout)
    assert rows and all({"id", "types", "enabled"} <= set(r) for r in rows)
    assert all(r["enabled"] for r in rows)
    some = rows[0]["id"]
    disabled = run(["--config", "/dev/null", "detectors"]).stdout.decode()
    assert some in disabled
