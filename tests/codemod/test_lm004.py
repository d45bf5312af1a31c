"""LM004 beyond the fixture pairs: import forms, and the import system's semantics around
``exec_module`` compared with ``module_for_loader``'s (failure, reload, CPython's own)."""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from ..conftest import FIXTURES
from .behaviour import (
    FixtureFinder,
    execute_fixture,
    observe,
    removed_apis_restored,
    write_tree,
)
from .rule_support import DECORATED_LOADER, rewrite

LM004_FIXTURES = FIXTURES / "codemod" / "LM004"


MFL_FORMS = {
    "from": ("from importlib.util import module_for_loader", "module_for_loader"),
    "from-as": ("from importlib.util import module_for_loader as mfl", "mfl"),
    "import": ("import importlib.util", "importlib.util.module_for_loader"),
    "import-as": ("import importlib.util as u", "u.module_for_loader"),
    "from-importlib": ("from importlib import util", "util.module_for_loader"),
    "from-importlib-two": ("from importlib import abc, util as u", "u.module_for_loader"),
    "import-importlib": ("import importlib", "importlib.util.module_for_loader"),
    "shim": ("from loadermig.shim.compat import module_for_loader", "module_for_loader"),
    "shim-module": ("from loadermig.shim import compat", "compat.module_for_loader"),
    "shim-import": ("import loadermig.shim.compat", "loadermig.shim.compat.module_for_loader"),
}


@pytest.mark.parametrize("form", sorted(MFL_FORMS))
def test_lm004_every_import_form(form: str) -> None:
    imports, decorator = MFL_FORMS[form]
    result, findings = rewrite(
        DECORATED_LOADER.format(imports=imports, decorator=decorator), "LM004"
    )
    assert "def exec_module(self, module):" in result
    assert "module_for_loader" not in result and "load_module" not in result
    assert len(findings) == 1 and findings[0].endswith("[fixed]")
    if form == "from-importlib-two":
        assert result.startswith("from importlib import abc\n")
    else:
        assert result.startswith("class Loader:")  # the import went with its last use


def test_lm004_keeps_an_import_still_used() -> None:
    source = DECORATED_LOADER.format(
        imports="import importlib.util", decorator="importlib.util.module_for_loader"
    )
    source += "\n\nSPEC = importlib.util.spec_from_loader\n"
    result, _ = rewrite(source, "LM004")
    assert result.startswith("import importlib.util\n")


def test_lm004_leaves_an_authors_empty_try_alone() -> None:
    source = (
        "try:\n    pass\nexcept ImportError:\n    pass\n"
        "try:\n    from importlib.util import module_for_loader\n"
        "except ImportError:\n    from loadermig.shim.compat import module_for_loader\n"
    ) + DECORATED_LOADER.format(imports="", decorator="module_for_loader")
    result, _ = rewrite(source, "LM004")
    assert "def exec_module" in result
    assert result.count("try:") == 2  # the author's one stays, so the emptied one does too
    compile(result, "case.py", "exec")


def test_lm004_drops_the_try_it_emptied() -> None:
    source = (
        "try:\n    from importlib.util import module_for_loader\n"
        "except ImportError:\n    from loadermig.shim.compat import module_for_loader\n"
    ) + DECORATED_LOADER.format(imports="", decorator="module_for_loader")
    result, _ = rewrite(source, "LM004")
    assert "try" not in result and "module_for_loader" not in result


# -- what the import system does around exec_module, compared with module_for_loader -------


def _finder(case: Path, root: Path, *, legacy: bool) -> Any:
    source = case.read_bytes() if legacy else case.with_name(case.name + ".expected").read_bytes()
    fixture = execute_fixture(source, str(case), legacy=legacy)
    return FixtureFinder(fixture.make_loader, root)


def _import_twice(case: Path, root: Path, *, legacy: bool) -> dict[str, Any]:
    """Import a failing module, then import, edit and reload a good one."""
    finder = _finder(case, root, legacy=legacy)
    sys.meta_path.insert(0, finder)
    seen: dict[str, Any] = {}
    try:
        with pytest.raises(ZeroDivisionError):
            importlib.import_module("lmfx.broken")
        seen["broken left in sys.modules"] = "lmfx.broken" in sys.modules
        module = importlib.import_module("lmfx.mod")
        seen["loader"] = type(module.__loader__).__name__
        seen["package"] = module.__package__
        (root / "lmfx" / "mod.py").write_text("VALUE = 43\n", encoding="utf-8")
        seen["reload keeps the object"] = importlib.reload(module) is module
        seen["value after reload"] = module.VALUE
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.partition(".")[0] == "lmfx"]:
            del sys.modules[name]
        (root / "lmfx" / "mod.py").write_text("VALUE = 42\n", encoding="utf-8")
    return seen


@pytest.mark.parametrize("name", ["from_import.py", "stacked.py", "from_importlib_multi.py"])
def test_lm004_failure_and_reload_behave_as_before(name: str, tmp_path: Path) -> None:
    write_tree(tmp_path)
    (tmp_path / "lmfx" / "broken.py").write_text("1 / 0\n", encoding="utf-8")
    case = LM004_FIXTURES / name
    with removed_apis_restored():
        before = _import_twice(case, tmp_path, legacy=True)
    after = _import_twice(case, tmp_path, legacy=False)
    assert after == before
    assert after["broken left in sys.modules"] is False
    assert after["value after reload"] == 43


@pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="CPython's own module_for_loader exists only up to 3.11; "
    "the compat-based behavioural tests cover 3.12+",
)
@pytest.mark.parametrize(
    "name", ["from_import.py", "stacked.py", "from_importlib_multi.py", "modules_only.py"]
)
def test_lm004_matches_cpythons_own_fallback(name: str, tmp_path: Path) -> None:
    """Against CPython's real module_for_loader and load_module fallback (no shim at all)."""
    write_tree(tmp_path)
    case = LM004_FIXTURES / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", ImportWarning)
        legacy = execute_fixture(case.read_bytes(), str(case), legacy=False)
        before = observe(legacy.make_loader, tmp_path, wrap=False)
    modern = execute_fixture(
        case.with_name(name + ".expected").read_bytes(), str(case), legacy=False
    )
    assert observe(modern.make_loader, tmp_path, wrap=False) == before
