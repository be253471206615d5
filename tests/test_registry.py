from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable

import pytest

from scanner import ConfigError, Detector, ScanInput, ScannerConfig, UnknownDetectorError
from scanner.findings import Hit
from scanner.registry import DetectorRegistry, build_registry


class Demo(Detector):
    id = "demo.word/v1"
    types = frozenset({"DEMO"})

    def detect(self, data: ScanInput) -> Iterable[Hit]:
        return ()


def test_unknown_id_lists_known_ids() -> None:
    registry = DetectorRegistry()
    registry.register_class(Demo)
    with pytest.raises(UnknownDetectorError) as info:
        registry.resolve("nope/v1")
    assert "demo.word/v1" in str(info.value)
    assert isinstance(info.value, KeyError)


def test_resolve_without_version() -> None:
    registry = DetectorRegistry()
    registry.register_class(Demo)
    assert registry.resolve("demo.word").id == "demo.word/v1"


@pytest.mark.parametrize(
    ("detector_id", "types", "message"),
    [("Bad Id", {"X"}, "must look like"), ("demo.x/v1", set(), "no finding types"), ("demo.word/v1", {"X"}, "twice")],
)
def test_registration_checks_the_contract(detector_id: str, types: set[str], message: str) -> None:
    registry = DetectorRegistry()
    registry.register_class(Demo)
    with pytest.raises(ConfigError, match=message):
        registry.register(detector_id, types, Demo, "test")


def test_non_detector_class_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a scanner Detector"):
        DetectorRegistry().register_class(dict)  # type: ignore[arg-type]


def test_builtin_registry_has_rule_families_and_code_detectors() -> None:
    registry = build_registry(ScannerConfig(), plugins=False)
    ids = registry.ids()
    assert any(i.startswith("rules.") for i in ids)
    for registration in registry:
        assert registration.types


def test_selection_and_disabling() -> None:
    registry = DetectorRegistry()
    registry.register_class(Demo)
    config = ScannerConfig(detectors=("demo.word",))
    assert [r.id for r in registry.select(config)] == ["demo.word/v1"]
    assert registry.select(config.replace(disabled_detectors=("demo.word/v1",))) == []
    with pytest.raises(UnknownDetectorError):
        registry.select(ScannerConfig(disabled_detectors=("ghost",)))


def test_entry_point_plugins_are_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeEntryPoint:
        name = "demo"

        def load(self) -> type[Detector]:
            return Demo

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [FakeEntryPoint()])
    registry = build_registry(ScannerConfig())
    assert "demo.word/v1" in registry.ids()
    assert registry.resolve("demo.word/v1").origin == "plugin:demo"


def test_broken_plugin_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        name = "broken"

        def load(self) -> object:
            raise ImportError("boom")

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [Broken()])
    with pytest.raises(ConfigError, match="broken"):
        build_registry(ScannerConfig())
