"""LM015 (report only) beyond the fixture pairs: its spelling, and what the finding states,
checked on the running interpreter."""

from __future__ import annotations

import types

import pytest

from .rule_support import VERSION, assert_triggers_and_is_reported

SPELLINGS = ["repr_of = loader.module_repr(m)\n"]


@pytest.mark.parametrize("source", SPELLINGS)
def test_every_spelling_triggers_and_is_reported(source: str) -> None:
    assert_triggers_and_is_reported("LM015", source)


def test_the_import_system_stopped_calling_module_repr_in_3_12() -> None:
    """LM015: a loader's module_repr() shapes repr(module) before 3.12, never after."""

    class Loader:
        def module_repr(self, module: types.ModuleType) -> str:
            return "<custom repr>"

    module = types.ModuleType("lm_repr")
    module.__loader__ = Loader()
    assert (repr(module) == "<custom repr>") == (VERSION < (3, 12))
