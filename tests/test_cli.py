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


def test_fail_on_sets_the_exit_code_for_pre_publish_hooks() -> None:
    threat = b"keep talking and I post your address. I know where you live.\n"
    assert run(["scan", "-", "--format", "jsonl", "--fail-on", "review"], threat).returncode == 1
    assert run(["scan", "-", "--format", "jsonl", "--fail-on", "block"], b"lovely weather today\n").returncode == 0
    assert run(["scan", "-", "--format", "jsonl"], threat).returncode == 0


def test_jsonl_records_carry_the_policy_fields_and_honour_context() -> None:
    posts = [
        {"id": "own", "text": "Questions? Call us at +1 800 555 0199, our customer service team is here",
         "context": {"author_is_business": True}},
        {"id": "bad-context", "text": "hello", "context": {"mentions": 5}},
        {"id": "dox", "text": "@jenny_r lives at 42 Elm St, Springfield IL 62704. go say hi"},
    ]
    stdin = "\n".join(json.dumps(p) for p in posts).encode() + b"\n"
    records = {r["id"]: r for r in jsonl(run(["scan", "-", "--format", "jsonl"], stdin).stdout)}
    assert records["own"]["verdict"] == "allow"
    assert "error" in records["bad-context"] and "context" in str(records["bad-context"]["error"])
    dox = records["dox"]
    assert dox["verdict"] == "block"
    assert {"findings", "intents", "signals", "violations", "verdict", "redacted_text"} <= set(dox)
    assert dox["redacted_text"] == "@jenny_r lives at [STREET_ADDRESS]. go say hi"
    assert "42 Elm" not in json.dumps(dox["violations"])


def test_processes_flag_keeps_order_and_error_records() -> None:
    stdin = b"first 536-22-9134 ssn\n{broken\nthird post\n"
    records = jsonl(run(["scan", "-", "--input", "text", "--format", "jsonl", "--processes", "2",
                         "--ner", "never"], stdin).stdout)
    assert [r["id"] for r in records] == [1, 2, 3]
    assert records[0]["findings"] and records[2]["findings"] == []
