"""Fixtures of the codemod tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .finder_support import write_finder_tree


@pytest.fixture
def finder_root(tmp_path: Path) -> Path:
    """A directory holding the ``lmfx`` tree and the ``lmns`` namespace package, which the
    LM006/LM007 finders serve."""
    write_finder_tree(tmp_path)
    return tmp_path
