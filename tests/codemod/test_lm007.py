"""LM007 behaviour: the path entry finder a fixture rewrite produces imports like the legacy
one, and its ``find_spec`` answers like 3.11's ``_legacy_get_spec``.

Executable fixtures define ``make_path_finder(path)``: a path entry finder for directory
``path``. See ``finder_support.py`` for how legacy and rewritten finders are compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loadermig.codemod.rules import rule_by_id
from loadermig.shim import wrap_legacy_finder

from ..conftest import FIXTURES
from .behaviour import NAMES, execute_fixture
from .finder_support import (
    LEGACY_FALLBACK,
    NAMESPACE_NAMES,
    import_and_describe,
    on_path_hooks,
    quiet,
    rewritten,
    strict,
)
from .rule_support import FINDERS_LEFT_ALONE, assert_gate_keeps_off_libcst, case_id

LM007 = FIXTURES / "codemod" / "LM007"
PATH_CASES = sorted(p for p in LM007.glob("*.py") if b"def make_path_finder(" in p.read_bytes())


@pytest.mark.parametrize("case", PATH_CASES, ids=case_id)
def test_lm007_rewritten_path_finder_imports_like_legacy(case: Path, finder_root: Path) -> None:
    data = case.read_bytes()
    names = NAMES + (NAMESPACE_NAMES if b"def find_loader(" in data else ())
    legacy = execute_fixture(data, str(case), legacy=True)

    def adapted(entry: str) -> Any:
        return wrap_legacy_finder(legacy.make_path_finder(entry), "path")

    with on_path_hooks(adapted, finder_root):
        expected = import_and_describe(names, finder_root)
    if LEGACY_FALLBACK:
        with quiet(), on_path_hooks(legacy.make_path_finder, finder_root):
            assert import_and_describe(names, finder_root) == expected
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    with strict(), on_path_hooks(modern.make_path_finder, finder_root):
        assert import_and_describe(names, finder_root) == expected


@pytest.mark.parametrize("case", PATH_CASES, ids=case_id)
def test_lm007_find_spec_matches_legacy_get_spec(case: Path, finder_root: Path) -> None:
    """Direct calls, including names the finder does not have (3.11's empty portion spec)."""
    data = case.read_bytes()
    legacy = wrap_legacy_finder(
        execute_fixture(data, str(case), legacy=True).make_path_finder(str(finder_root)), "path"
    )
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_path_finder(str(finder_root))
    for name in ("lmfx", "lmfx.mod", "lmns", "nothing_here"):
        with strict():
            spec = finder.find_spec(name)
        want = legacy.find_spec(name)
        if want is None:
            # 3.11 made ModuleSpec(name, None) with no portions, which PathFinder skips
            # like None; the find_module form returns None, the find_loader form the spec.
            assert spec is None or (spec.loader is None and not spec.submodule_search_locations)
            continue
        assert spec is not None
        assert (spec.name, spec.origin, spec.submodule_search_locations, spec.parent) == (
            want.name,
            want.origin,
            want.submodule_search_locations,
            want.parent,
        )


# -- the prefilter's ast check: classes the rule leaves alone never reach libcst ------------

LM007_LEFT_ALONE = {
    **FINDERS_LEFT_ALONE,
    "meta path find_module": (
        "class Mounter:\n    def find_module(self, fullname, path=None):\n        return self\n"
    ),
}


@pytest.mark.parametrize("source", LM007_LEFT_ALONE.values(), ids=LM007_LEFT_ALONE.keys())
def test_lm007_a_class_it_leaves_alone_never_reaches_libcst(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = rule_by_id("LM007")
    assert_gate_keeps_off_libcst(source.encode(), rule, "NEEDS_CLASS_CHECK", False, monkeypatch)
