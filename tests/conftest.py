"""Shared fixtures: legacy samples importable, import state restored after every test."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
PLUGIN_HOST = FIXTURES / "legacy_projects" / "plugin_host"

for entry in (FIXTURES, PLUGIN_HOST):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))


@pytest.fixture(autouse=True)
def import_state() -> Iterator[None]:
    """Restore sys.meta_path, sys.path_hooks, sys.path, the importer cache and sys.modules."""
    from loadermig import shim

    meta_path = list(sys.meta_path)
    path_hooks = list(sys.path_hooks)
    path = list(sys.path)
    cache = dict(sys.path_importer_cache)
    modules = set(sys.modules)
    try:
        yield
    finally:
        shim.uninstall()
        sys.meta_path[:] = meta_path
        sys.path_hooks[:] = path_hooks
        sys.path[:] = path
        sys.path_importer_cache.clear()
        sys.path_importer_cache.update(cache)
        for name in set(sys.modules) - modules:
            del sys.modules[name]
        importlib.invalidate_caches()
