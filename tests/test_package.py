from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import scanner

REPO = Path(__file__).resolve().parents[1]


def test_all_is_sorted_and_complete() -> None:
    assert scanner.__all__ == sorted(scanner.__all__)
    for name in scanner.__all__:
        assert hasattr(scanner, name)


def test_py_typed_marker() -> None:
    assert (REPO / "scanner" / "py.typed").exists()


def test_error_tree_subclasses_builtins() -> None:
    assert issubclass(scanner.ConfigError, ValueError) and issubclass(scanner.ConfigError, scanner.ScannerError)
    assert issubclass(scanner.PatternError, ValueError)
    assert issubclass(scanner.UnknownDetectorError, KeyError)
    assert issubclass(scanner.InputError, ValueError)
    assert issubclass(scanner.DependencyError, ImportError)


def test_no_network_while_importing_and_scanning() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise SystemExit('network access attempted')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
        "import scanner\n"
        "s = scanner.Scanner(scanner.ScannerConfig(ner='always'))\n"
        "s.scan('John Smith, 42 Elm St, Springfield IL 62704, +1 217 555 0143, j@example.com')\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False)
    assert result.stdout.strip() == "ok", result.stderr[-2000:]


@pytest.mark.slow
def test_installed_wheel_finds_patterns(tmp_path: Path) -> None:
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
                            str(REPO)], capture_output=True, text=True, timeout=600, check=False)
    if build.returncode != 0 and "No module named build" in build.stderr:
        pytest.skip("the 'build' package is not installed (dev extra)")
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("scanner-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("scanner/patterns/rules/") and n.endswith(".toml") for n in names)
    target = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                              str(target), str(wheel)], capture_output=True, text=True, timeout=600, check=False)
    assert install.returncode == 0, install.stderr[-2000:]
    code = (
        "import scanner, scanner.resources as r; from pathlib import Path\n"
        f"assert Path(scanner.__file__).resolve().is_relative_to(Path({str(target)!r}).resolve()), scanner.__file__\n"
        "d = r.default_patterns_dir(); print(d)\n"
        "s = scanner.Scanner(scanner.ScannerConfig(ner='never')); print(len(s.detectors))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False,
                         cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    patterns_dir, n_detectors = run.stdout.split()
    assert Path(patterns_dir).resolve().is_relative_to(target.resolve())
    assert int(n_detectors) > 0
