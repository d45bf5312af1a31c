"""LM016 (report only) beyond the fixture pairs: its spellings, and the deprecations the
findings state, checked on the running interpreter."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from .rule_support import VERSION, assert_triggers_and_is_reported

SPELLINGS = [
    "from importlib.abc import Finder\nclass F(Finder): pass\n",
    "from importlib.abc import MetaPathFinder,Finder\nclass F(Finder): pass\n",
    "from importlib.abc import (Finder)\nclass F(Finder): pass\n",
    "from importlib.abc import (\n    Finder,\n)\nclass F(Finder): pass\n",
    "from importlib.abc import (\n\tFinder,\n)\nclass F(Finder): pass\n",
    "from importlib import abc\nclass F(abc .Finder): pass\n",
    "import importlib.abc\nclass F(importlib.abc.Finder): pass\n",
    "from importlib.abc import Finder\r\nclass F(Finder): pass\r\n",
    "from importlib.abc import Traversable\nT = Traversable\n",
    "import importlib.abc as a\nR = a.ResourceReader\n",
]


@pytest.mark.parametrize("source", SPELLINGS)
def test_every_spelling_triggers_and_is_reported(source: str) -> None:
    assert_triggers_and_is_reported("LM016", source)


@pytest.mark.skipif(not (3, 12) <= VERSION < (3, 14), reason="warned in 3.12 and 3.13")
@pytest.mark.parametrize("name", ["ResourceReader", "Traversable", "TraversableResources"])
def test_moved_resource_abcs_warn_from_3_12_until_3_14(name: str) -> None:
    # A fresh interpreter: importlib.abc warns on the first access only (it caches the name).
    code = f"import importlib.abc; importlib.abc.{name}"
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "removal in Python 3.14" in done.stderr


@pytest.mark.skipif(not (3, 11) <= VERSION < (3, 14), reason="both names exist in 3.11-3.13")
def test_moved_resource_abcs_are_the_same_classes() -> None:
    import importlib.abc
    import importlib.resources.abc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in ("ResourceReader", "Traversable", "TraversableResources"):
            assert getattr(importlib.abc, name) is getattr(importlib.resources.abc, name)
