"""LM013 (report only) beyond the fixture pairs: its spellings, the deprecation the finding
states (checked on the running interpreter), and which calls it leaves alone."""

from __future__ import annotations

import importlib.machinery
import zipimport
from pathlib import Path
from typing import Callable

import pytest

from loadermig.codemod.rules import rule_by_id

from .rule_support import (
    VERSION,
    assert_triggers_and_is_reported,
    findings,
    warns,
    zip_archive,
)

SPELLINGS = ["finder.find_module ('x')\n", "finder\\\n    .find_loader('x')\n"]


@pytest.mark.parametrize("source", SPELLINGS)
def test_every_spelling_triggers_and_is_reported(source: str) -> None:
    assert_triggers_and_is_reported("LM013", source)


@pytest.mark.skipif(not (3, 10) <= VERSION < (3, 12), reason="warned from 3.10, gone in 3.12")
def test_the_standard_finders_warn_on_find_module_and_find_loader(tmp_path: Path) -> None:
    """LM013: "they all warn since 3.10" (until 3.12 removed them)."""
    archive = zipimport.zipimporter(zip_archive(tmp_path))
    file_finder = importlib.machinery.FileFinder(str(tmp_path))
    calls: list[Callable[[], object]] = [
        lambda: archive.find_module("lm_zipped"),
        lambda: archive.find_loader("lm_zipped"),
        lambda: file_finder.find_module("lm_loaded"),
        lambda: file_finder.find_loader("lm_loaded"),
        lambda: importlib.machinery.PathFinder.find_module("json"),  # type: ignore[attr-defined]
        lambda: importlib.machinery.BuiltinImporter.find_module("sys"),  # type: ignore[attr-defined]
    ]
    for call in calls:
        assert warns(call)


# -- which calls certainly reach a method of this file ----------------------------------------

OWN = (
    "class Own:\n"
    "    def find_spec(self, n, p=None, t=None):\n"
    "        return None\n"
    "\n"
    "    def find_module(self, n, p=None):\n"
    "        return None\n"
    "\n"
    "\n"
)
RECEIVERS = {
    "self in a nested function": (
        "    def outer(self):\n        def inner():\n            return self.find_module('x')\n",
        False,
    ),
    "a base of unknown origin": (
        "class Sub(Unknown):\n    def m(self):\n        return self.find_module('x')\n",
        True,
    ),
    "a staticmethod's first parameter": (
        "class Sub(Own):\n    @staticmethod\n    def m(other):\n"
        "        return other.find_module('x')\n",
        True,
    ),
    "a name bound twice": (
        "def f(flag):\n    finder = Own()\n    if flag:\n        finder = make()\n"
        "    return finder.find_module('x')\n",
        True,
    ),
    "an instance of a subclass": (
        "class Sub(Own):\n    pass\n\n\nresult = Sub().find_module('x')\n",
        False,
    ),
    "super() past a base of this file without it": (
        "class Mid(object):\n    pass\n\n\nclass Sub(Mid, Own):\n"
        "    def m(self):\n        return super().find_module('x')\n",
        False,
    ),
    "super() reaching a base from elsewhere first": (
        "class Sub(Base, Own):\n    def m(self):\n        return super().find_module('x')\n",
        True,
    ),
}


@pytest.mark.parametrize("case", list(RECEIVERS))
def test_calls_reaching_this_files_methods_are_left_alone(case: str) -> None:
    tail, reported = RECEIVERS[case]
    source = "from elsewhere import Base, Unknown, make\n\n\n" + OWN
    source += tail if tail.startswith("    ") else "\n\n" + tail
    found = findings(source, [rule_by_id("LM013")])
    assert bool(found) is reported, found
