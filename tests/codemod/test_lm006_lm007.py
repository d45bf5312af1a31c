"""LM006/LM007 behaviour: the finder a fixture rewrite produces imports like the legacy one.

Executable fixtures define ``make_finder(root)`` (LM006: a meta path finder serving the ``lmfx``
tree under ``root``) or ``make_path_finder(path)`` (LM007: a path entry finder for directory
``path``). Their loaders already have ``exec_module``, so only the finder is under test. The
rewritten finder is registered bare, with ``ImportWarning`` and ``DeprecationWarning`` as
errors, so on 3.12+ it proves the import system uses its new ``find_spec``. The expectation is
the legacy finder run through ``loadermig.shim.wrap_legacy_finder`` (CPython 3.11's fallback
semantics) and, on 3.9-3.11, the legacy finder run bare through the interpreter's own fallback.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import pytest

from loadermig.codemod.source import rewrite_source
from loadermig.shim import wrap_legacy_finder

from ..conftest import FIXTURES
from .behaviour import NAMES, TREE, describe, execute_fixture, write_tree

LM006 = FIXTURES / "codemod" / "LM006"
LM007 = FIXTURES / "codemod" / "LM007"
META_CASES = sorted(p for p in LM006.glob("*.py") if b"def make_finder(" in p.read_bytes())
PATH_CASES = sorted(p for p in LM007.glob("*.py") if b"def make_path_finder(" in p.read_bytes())
NAMESPACE_TREE = {"lmns/part.py": "PART = 'ns'\n", "lmns/more/deep.py": "DEEP = 1\n"}
NAMESPACE_NAMES = ("lmns", "lmns.part", "lmns.more", "lmns.more.deep")
PREFIXES = ("lmfx", "lmns")
LEGACY_FALLBACK = sys.version_info < (3, 12)


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def rewritten(case: Path) -> bytes:
    """The fixture's rewrite (which must exist)."""
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert outcome.error is None
    assert outcome.rewritten is not None
    return outcome.rewritten


def forget_modules() -> None:
    for name in [n for n in sys.modules if n.split(".")[0] in PREFIXES]:
        del sys.modules[name]
    importlib.invalidate_caches()


@contextmanager
def strict() -> Iterator[None]:
    """ImportWarning and DeprecationWarning are errors (the 3.15 stand-in)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImportWarning)
        warnings.simplefilter("error", DeprecationWarning)
        yield


@contextmanager
def quiet() -> Iterator[None]:
    """The interpreter's own fallback warns; that is expected for the legacy finder."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def describe_any(module: types.ModuleType, root: Path) -> dict[str, Any]:
    """``behaviour.describe``, without source for namespace packages (they have none)."""
    if getattr(module, "__file__", None) is not None:
        return describe(module, root)
    spec = module.__spec__
    return {
        "__name__": module.__name__,
        "__path__": [p.replace(str(root), "<root>") for p in module.__path__],
        "__package__": module.__package__,
        "spec": (spec.name, spec.origin, spec.parent, spec.loader is None),
    }


def import_and_describe(names: tuple[str, ...], root: Path) -> dict[str, Any]:
    """Import ``names``, describe them, then reload the first plain module in place."""
    found = {name: describe_any(importlib.import_module(name), root) for name in names}
    module = sys.modules[names[1]]
    assert importlib.reload(module) is module
    found["reloaded"] = describe(module, root)
    return found


@contextmanager
def on_meta_path(finder: Any) -> Iterator[None]:
    forget_modules()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        forget_modules()


@contextmanager
def on_path_hooks(factory: Callable[[str], Any], root: Path) -> Iterator[None]:
    """``factory`` serves ``root`` and the directories below it through a path hook."""

    def hook(entry: str) -> Any:
        if entry != str(root) and not entry.startswith(str(root) + "/"):
            raise ImportError("not under the test root")
        return factory(entry)

    def clear_cache() -> None:
        for entry in [e for e in sys.path_importer_cache if e.startswith(str(root))]:
            del sys.path_importer_cache[entry]

    forget_modules()
    sys.path_hooks.insert(0, hook)
    sys.path.insert(0, str(root))
    clear_cache()
    try:
        yield
    finally:
        sys.path.remove(str(root))
        sys.path_hooks.remove(hook)
        clear_cache()
        forget_modules()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_tree(tmp_path, {**TREE, **NAMESPACE_TREE})
    return tmp_path


@pytest.mark.parametrize("case", META_CASES, ids=case_id)
def test_lm006_rewritten_meta_finder_imports_like_legacy(case: Path, root: Path) -> None:
    legacy = execute_fixture(case.read_bytes(), str(case), legacy=True)
    with on_meta_path(wrap_legacy_finder(legacy.make_finder(str(root)), "meta")):
        expected = import_and_describe(NAMES, root)
    if LEGACY_FALLBACK:
        with quiet(), on_meta_path(legacy.make_finder(str(root))):
            assert import_and_describe(NAMES, root) == expected
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_finder(str(root))
    with strict(), on_meta_path(finder):
        assert import_and_describe(NAMES, root) == expected
    assert finder.find_spec("lmfx.missing", None) is None
    assert finder.find_spec("elsewhere", None, None) is None


@pytest.mark.parametrize("case", PATH_CASES, ids=case_id)
def test_lm007_rewritten_path_finder_imports_like_legacy(case: Path, root: Path) -> None:
    data = case.read_bytes()
    names = NAMES + (NAMESPACE_NAMES if b"def find_loader(" in data else ())
    legacy = execute_fixture(data, str(case), legacy=True)

    def adapted(entry: str) -> Any:
        return wrap_legacy_finder(legacy.make_path_finder(entry), "path")

    with on_path_hooks(adapted, root):
        expected = import_and_describe(names, root)
    if LEGACY_FALLBACK:
        with quiet(), on_path_hooks(legacy.make_path_finder, root):
            assert import_and_describe(names, root) == expected
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    with strict(), on_path_hooks(modern.make_path_finder, root):
        assert import_and_describe(names, root) == expected


@pytest.mark.parametrize("case", PATH_CASES, ids=case_id)
def test_lm007_find_spec_matches_legacy_get_spec(case: Path, root: Path) -> None:
    """Direct calls, including names the finder does not have (3.11's empty portion spec)."""
    data = case.read_bytes()
    legacy = wrap_legacy_finder(
        execute_fixture(data, str(case), legacy=True).make_path_finder(str(root)), "path"
    )
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_path_finder(str(root))
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


@pytest.mark.parametrize("name", ["six_importer.py", "vendor_importer.py"])
def test_lm006_self_returning_finders_give_the_fallback_spec(name: str) -> None:
    """six / VendorImporter return themselves: the spec is 3.11's, loader included."""
    case = LM006 / name
    source = rewritten(case).replace(b"sys.meta_path.append(_importer)", b"")
    source = source.replace(b"VendorImporter(__name__, names).install()", b"")
    module = execute_fixture(source, str(case), legacy=False)
    if name == "six_importer.py":
        finder = module._SixMetaPathImporter("six")
        finder._add_module(types.ModuleType("six.moves"), "moves")
        wanted, other = "six.moves", "six.other"
    else:
        finder = module.VendorImporter("pkg.extern", ("packaging",))
        wanted, other = "pkg.extern.packaging", "pkg.extern.other"
    with strict():
        spec = finder.find_spec(wanted, None)
        assert finder.find_spec(other, None) is None
    assert spec is not None
    assert spec.loader is finder
    expected = importlib.util.spec_from_loader(wanted, finder)
    assert expected is not None
    assert (spec.name, spec.origin, spec.submodule_search_locations) == (
        expected.name,
        expected.origin,
        expected.submodule_search_locations,
    )
