"""LM014 (report only) beyond the fixture pairs: its spellings, and the deprecation the
finding states, checked on the running interpreter."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import types
import zipimport
from pathlib import Path

import pytest

from .rule_support import VERSION, assert_triggers_and_is_reported, warns, zip_archive

SPELLINGS = ["loader.load_module ()\n", "(\n    loader\n    .load_module('x')\n)\n"]


@pytest.mark.parametrize("source", SPELLINGS)
def test_every_spelling_triggers_and_is_reported(source: str) -> None:
    assert_triggers_and_is_reported("LM014", source)


def _source(tmp_path: Path) -> str:
    path = tmp_path / "lm_loaded.py"
    path.write_text("X = 1\n", encoding="utf-8")
    return str(path)


@pytest.mark.skipif(VERSION < (3, 10), reason="the warnings came with 3.10")
def test_the_standard_loaders_warn_on_load_module_since_3_10(tmp_path: Path) -> None:
    """LM014: "they all warn since 3.10" (and still have load_module before 3.15)."""

    class Loader(importlib.abc.Loader):
        def exec_module(self, module: types.ModuleType) -> None:
            """Nothing to run."""

    source = importlib.machinery.SourceFileLoader("lm_loaded", _source(tmp_path))
    calls = {
        "importlib.abc.Loader": lambda: Loader().load_module("lm_abc_loaded"),
        "SourceFileLoader": lambda: source.load_module(),
        "zipimporter": lambda: zipimport.zipimporter(zip_archive(tmp_path)).load_module(
            "lm_zipped"
        ),
    }
    for name, call in calls.items():
        assert any("load_module" in m for m in warns(call)), name
