"""LM011 (report only) beyond the fixture pairs: its spellings, and the deprecation the
finding states, checked on the running interpreter."""

from __future__ import annotations

import pkgutil

import pytest

from .rule_support import VERSION, assert_triggers_and_is_reported, warns

SPELLINGS = [
    "import pkgutil\npkgutil.ImpImporter()\n",
    "from pkgutil import ImpLoader as L\nL(1, 2, 3, 4)\n",
]


@pytest.mark.parametrize("source", SPELLINGS)
def test_every_spelling_triggers_and_is_reported(source: str) -> None:
    assert_triggers_and_is_reported("LM011", source)


@pytest.mark.skipif(VERSION >= (3, 12), reason="removed in 3.12")
def test_pkgutil_emulation_warns_that_it_is_deprecated() -> None:
    messages = warns(lambda: pkgutil.ImpImporter())  # type: ignore[attr-defined]
    assert any("deprecated" in m for m in messages)
