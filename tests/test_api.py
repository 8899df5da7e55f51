"""The public API: exactly these names are exported from ``assistant`` (httpx's
test_exported_members). Adding or removing one is a deliberate change to this list."""

from __future__ import annotations

import importlib
import types

import assistant

EXPECTED = [
    "Answer",
    "Assistant",
    "AssistantError",
    "BackendError",
    "Chunk",
    "Citation",
    "ConfigError",
    "DocInfo",
    "Document",
    "Hit",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexReport",
    "InputError",
    "LoadError",
    "Sentence",
    "Settings",
    "Turn",
]


def test_all_is_the_expected_list() -> None:
    assert assistant.__all__ == EXPECTED


def test_every_exported_name_is_importable_and_public() -> None:
    module = importlib.import_module("assistant")
    for name in assistant.__all__:
        value = getattr(module, name)
        assert getattr(value, "__module__", "").startswith("assistant."), name
        exec(f"from assistant import {name}", {})  # the import statement itself


def test_no_other_public_names_leak_from_the_package() -> None:
    public = {
        name
        for name, value in vars(assistant).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(EXPECTED)


def test_errors_share_one_root() -> None:
    for name in EXPECTED:
        if name.endswith("Error"):
            assert issubclass(getattr(assistant, name), assistant.AssistantError), name
