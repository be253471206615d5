from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner import Scanner, ScannerConfig

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def lexicon_word_texts() -> Callable[[Path, str], list[str]]:
    """``build(lexicon_toml, template)``: the template with ``{w}`` replaced by every word of the
    lexicon's lists, each as written, lower-cased, upper-cased and title-cased."""

    def build(path: Path, template: str) -> list[str]:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        words = {w for section in data.values() if isinstance(section, dict)
                 for value in section.values() if isinstance(value, list) for w in value if isinstance(w, str)}
        return [template.replace("{w}", form) for word in sorted(words)
                for form in (word, word.lower(), word.upper(), word.title())]

    return build


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    """The default scanner (ner='auto'), shared by the session."""
    return Scanner()


@pytest.fixture(scope="session")
def scanner_always() -> Scanner:
    """A scanner that always runs NER."""
    return Scanner(ScannerConfig(ner="always"))


@pytest.fixture(scope="session")
def scanner_no_ner() -> Scanner:
    return Scanner(ScannerConfig(ner="never"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the pass share per type of the Presidio recognizer cases when they ran."""
    import sys

    module = sys.modules.get("tests.test_presidio_cases") or sys.modules.get("test_presidio_cases")
    results = getattr(module, "RESULTS", None)
    if not results:
        return
    terminalreporter.section("Presidio recognizer cases: pass share per type")
    for type_ in sorted(results):
        cells = []
        for kind in ("positive", "weak positive", "negative"):
            values = results[type_].get(kind, [])
            if values:
                cells.append(f"{kind} {sum(values)}/{len(values)} ({sum(values) / len(values):.2f})")
        terminalreporter.write_line(f"{type_:<16} " + ", ".join(cells))
