"""Shared fixtures: legacy samples importable, import state restored after every test."""

from __future__ import annotations

import importlib
import os
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

import loadermig

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
PLUGIN_HOST = FIXTURES / "legacy_projects" / "plugin_host"

for entry in (FIXTURES, PLUGIN_HOST):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--regen-fixtures``: write the current outputs into the expected-output files instead
    of comparing them (then review the diff with git)."""
    parser.addoption(
        "--regen-fixtures",
        action="store_true",
        help="write the current rewrites and findings into the fixtures' .expected and "
        ".findings files (fixtures/codemod, fixtures/codemod_shim) instead of comparing",
    )


@pytest.fixture
def regen_fixtures(request: pytest.FixtureRequest) -> bool:
    """Whether the run writes expected outputs instead of comparing them."""
    return bool(request.config.getoption("--regen-fixtures"))


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
            if not _installed(sys.modules[name]):
                del sys.modules[name]
        importlib.invalidate_caches()


_INSTALLED = tuple(
    os.path.realpath(directory) + os.sep
    for directory in {
        *sysconfig.get_paths().values(),
        os.path.dirname(os.path.dirname(loadermig.__file__)),
    }
)


def _installed(module: object) -> bool:
    """Whether ``module`` is the standard library's, an installed package's or loadermig's
    own: those stay imported after a test. Forgetting them would split modules in two
    (``concurrent.futures`` would hand worker processes functions its re-import no longer
    knows). What tests import from fixtures and temporary directories goes."""
    location = getattr(module, "__file__", None)
    return isinstance(location, str) and os.path.realpath(location).startswith(_INSTALLED)
