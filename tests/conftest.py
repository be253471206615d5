from __future__ import annotations

from pathlib import Path

import pytest

from scanner import Scanner, ScannerConfig

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


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
