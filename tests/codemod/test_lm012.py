"""LM012 (report only) beyond the fixture pairs: its spellings, and the deprecations the
findings state, checked on the running interpreter."""

from __future__ import annotations

import importlib
import pkgutil
from functools import partial

import pytest

from .rule_support import VERSION, assert_triggers_and_is_reported, warns

SPELLINGS = [
    "import pkgutil as p\np.get_loader('x')\n",
    "from importlib import find_loader\nfind_loader('x')\n",
    "from pkgutil import (\n    find_loader,\n)\nfind_loader('x')\n",
]


@pytest.mark.parametrize("source", SPELLINGS)
def test_every_spelling_triggers_and_is_reported(source: str) -> None:
    assert_triggers_and_is_reported("LM012", source)


@pytest.mark.skipif(VERSION >= (3, 12), reason="removed in 3.12")
def test_importlib_find_loader_says_deprecated_since_3_4() -> None:
    messages = warns(lambda: importlib.find_loader("json"))  # type: ignore[attr-defined]
    assert any("3.4" in m for m in messages)


@pytest.mark.skipif(not (3, 12) <= VERSION < (3, 14), reason="warned in 3.12 and 3.13")
def test_pkgutil_loader_functions_warn_from_3_12_until_3_14() -> None:
    for function in (pkgutil.find_loader, pkgutil.get_loader):
        assert any("3.14" in m for m in warns(partial(function, "json"))), function
