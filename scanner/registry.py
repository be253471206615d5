"""Detector registry: explicit registration of built-ins, rule families from data,
and third-party plugins from the entry-point group ``scanner.detectors``.

A code detector registers its class; a rule family registers the detector built from
its file. Registration checks the contract (versioned id, non-empty types, unique id)
at registration time. Selecting an unknown id fails with the list of known ids.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .config import ScannerConfig
from .detectors.base import DETECTOR_ID, Detector
from .errors import ConfigError, UnknownDetectorError
from .rules import KeywordIndex, RuleDetector, RuleFamily, load_families

ENTRY_POINT_GROUP = "scanner.detectors"

DetectorFactory = Callable[[ScannerConfig], Detector]


@dataclass(frozen=True)
class Registration:
    id: str
    types: frozenset[str]
    factory: DetectorFactory
    origin: str  # "builtin", "rules:<file>" or "plugin:<entry point>"


class DetectorRegistry:
    """Known detectors, by stable id."""

    def __init__(self) -> None:
        self._entries: dict[str, Registration] = {}

    def register(self, detector_id: str, types: Iterable[str], factory: DetectorFactory, origin: str) -> None:
        """Add a detector; fails on a malformed or duplicate id or an empty type set."""
        types = frozenset(types)
        if not DETECTOR_ID.match(detector_id):
            raise ConfigError(f"detector id {detector_id!r} must look like 'family.name/v1'")
        if not types:
            raise ConfigError(f"detector {detector_id!r} declares no finding types")
        if detector_id in self._entries:
            raise ConfigError(f"detector id {detector_id!r} registered twice ({origin})")
        self._entries[detector_id] = Registration(detector_id, types, factory, origin)

    def register_class(self, cls: type[Detector], origin: str = "builtin") -> None:
        """Register a code detector class (its class attributes carry id and types)."""
        if not (isinstance(cls, type) and issubclass(cls, Detector)):
            raise ConfigError(f"{origin}: {cls!r} is not a scanner Detector subclass")
        for attr in ("id", "types"):
            if not hasattr(cls, attr):
                raise ConfigError(f"{origin}: detector class {cls.__name__} lacks {attr!r}")
        self.register(cls.id, cls.types, cls, origin)

    def ids(self) -> list[str]:
        return sorted(self._entries)

    def __iter__(self) -> Iterator[Registration]:
        return iter([self._entries[i] for i in self.ids()])

    def __len__(self) -> int:
        return len(self._entries)

    def resolve(self, selector: str) -> Registration:
        """A registration by exact id, or by id without its version suffix."""
        if selector in self._entries:
            return self._entries[selector]
        matches = [r for i, r in self._entries.items() if i.split("/")[0] == selector]
        if len(matches) == 1:
            return matches[0]
        raise UnknownDetectorError(selector, self.ids())

    def select(self, config: ScannerConfig) -> list[Registration]:
        """The registrations enabled by ``config.detectors`` and ``config.disabled_detectors``."""
        chosen = [self.resolve(s) for s in config.detectors] if config.detectors is not None else list(self)
        disabled = {self.resolve(s).id for s in config.disabled_detectors}
        return [r for r in chosen if r.id not in disabled]


def _builtin_classes() -> list[type[Detector]]:
    from .detectors import builtin_detectors

    return builtin_detectors()


def _plugin_classes() -> list[tuple[str, object]]:
    found = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            found.append((ep.name, ep.load()))
        except Exception as exc:  # a broken plugin must say so, not vanish
            raise ConfigError(f"detector plugin {ep.name!r} failed to load: {type(exc).__name__}") from exc
    return found


def _rule_factory(family: RuleFamily, index: KeywordIndex) -> DetectorFactory:
    def factory(config: ScannerConfig) -> Detector:
        return RuleDetector(family, timeout=config.regex_timeout, keyword_index=index)

    return factory


def build_registry(config: ScannerConfig, *, plugins: bool = True) -> DetectorRegistry:
    """Built-in detectors, the rule families under ``config.patterns_dir/rules`` and plugins."""
    registry = DetectorRegistry()
    for cls in _builtin_classes():
        registry.register_class(cls)
    families = load_families(config.patterns_dir / "rules")
    index = KeywordIndex(k for family in families for rule in family.rules for k in rule.keywords)
    for family in families:
        registry.register(family.detector_id, {r.type for r in family.rules}, _rule_factory(family, index),
                          f"rules:{family.source}")
    if plugins:
        for name, obj in _plugin_classes():
            registry.register_class(obj, f"plugin:{name}")  # type: ignore[arg-type]
    return registry
