"""LM006 behaviour: the meta path finder a fixture rewrite produces imports like the legacy
one, and the shapes that need more than a delegating ``find_spec`` (finders returning
themselves, stack walkers, super() calls, class-level finders, decorated ``find_module``).

Executable fixtures define ``make_finder(root)``: a meta path finder serving the ``lmfx`` tree
under ``root``. See ``finder_support.py`` for how legacy and rewritten finders are compared.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.rules.lm006_meta_path_finder import FIND_SPEC
from loadermig.codemod.source import rewrite_source
from loadermig.shim import wrap_legacy_finder

from ..conftest import FIXTURES
from .behaviour import NAMES, execute_fixture
from .finder_support import (
    LEGACY_FALLBACK,
    import_and_describe,
    on_meta_path,
    quiet,
    rewritten,
    strict,
)
from .rule_support import FINDERS_LEFT_ALONE, assert_gate_keeps_off_libcst, case_id

LM006 = FIXTURES / "codemod" / "LM006"
META_CASES = sorted(p for p in LM006.glob("*.py") if b"def make_finder(" in p.read_bytes())


@pytest.mark.parametrize("case", META_CASES, ids=case_id)
def test_lm006_rewritten_meta_finder_imports_like_legacy(case: Path, finder_root: Path) -> None:
    legacy = execute_fixture(case.read_bytes(), str(case), legacy=True)
    with on_meta_path(wrap_legacy_finder(legacy.make_finder(str(finder_root)), "meta")):
        expected = import_and_describe(NAMES, finder_root)
    if LEGACY_FALLBACK:
        with quiet(), on_meta_path(legacy.make_finder(str(finder_root))):
            assert import_and_describe(NAMES, finder_root) == expected
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_finder(str(finder_root))
    with strict(), on_meta_path(finder):
        assert import_and_describe(NAMES, finder_root) == expected
    assert finder.find_spec("lmfx.missing", None) is None
    assert finder.find_spec("elsewhere", None, None) is None


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


SH_CASE = LM006 / "sh_variable_importer.py"
#: Code importing names from sh contexts held in its own variables (module and function).
SH_USER = """
lmsh_ctx = SelfWrapper("lmsh_ctx", "sh")
from lmsh_ctx import echo, ls

def in_function():
    lmsh_local = SelfWrapper("lmsh_local", "fn")
    from lmsh_local import cat
    return cat("x")

lmsh_other = 5
try:
    from lmsh_other import nothing
except ImportError as error:
    missing = type(error).__name__

result = (echo("hi"), ls("-l"), in_function(), missing)
"""


def import_from_variables(module: types.ModuleType) -> tuple[str, ...]:
    """Run ``SH_USER`` with the fixture's importer first on ``sys.meta_path``."""
    importer = module.ModuleImporterFromVariables(restrict_to=["SelfWrapper"])
    namespace = {"SelfWrapper": module.SelfWrapper}
    sys.meta_path.insert(0, importer)
    try:
        with quiet():  # sh's load_module stays (LM008 keeps it): the fallback warns
            exec(compile(SH_USER, "<sh user>", "exec"), namespace)
    finally:
        sys.meta_path.remove(importer)
        for name in ("lmsh_ctx", "lmsh_local", "lmsh_other"):
            sys.modules.pop(name, None)
    result: tuple[str, ...] = namespace["result"]
    return result


def test_lm006_stack_walking_finder_imports_the_same_names() -> None:
    """sh's importer reads the importing frame; find_spec() has find_module()'s body, so the
    frames above it are the import system's, as they were above find_module()."""
    expected = ("sh echo hi", "sh ls -l", "fn cat x", "ModuleNotFoundError")
    if LEGACY_FALLBACK:
        legacy = execute_fixture(SH_CASE.read_bytes(), str(SH_CASE), legacy=True)
        assert import_from_variables(legacy) == expected
    source = rewritten(SH_CASE)
    moved = source.split(b"def find_spec")[1]
    assert b"\n        parent_frame = inspect.currentframe().f_back" in moved
    modern = execute_fixture(source, str(SH_CASE), legacy=False)
    assert import_from_variables(modern) == expected


def test_lm006_a_delegating_find_spec_would_break_the_stack_walker() -> None:
    """Why the body is moved: the delegating form walks into find_spec()'s own frame."""
    modern = execute_fixture(rewritten(SH_CASE), str(SH_CASE), legacy=False)
    namespace: dict[str, Any] = {"importlib": importlib}
    exec("\n".join(FIND_SPEC), namespace)
    modern.ModuleImporterFromVariables.find_spec = namespace["find_spec"]
    with pytest.raises(ImportError):
        import_from_variables(modern)


def test_lm006_super_calling_find_module_is_kept_and_does_not_recurse() -> None:
    """CPython 3.11's MetaPathFinderDefaultsTests shape: a find_spec calling find_module,
    which calls importlib.abc's default, which calls find_spec, would recurse forever."""
    case = LM006 / "super_delegation.py"
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert outcome.rewritten is not None
    kept = {f.line for f in outcome.findings if f.rule == "LM006" and not f.fixed}
    assert kept == {8, 14, 39, 47, 57}
    modern = execute_fixture(outcome.rewritten, str(case), legacy=False)
    assert "find_spec" not in vars(modern.MetaPathFinder)
    finder = modern.QuietPluginFinder("lmplug.")
    with strict():
        spec = finder.find_spec("lmplug.x", None)
        assert finder.find_spec("lmplug.x_test", None) is None
    assert spec is not None and spec.loader is finder


def test_lm006_finder_returning_itself_hands_over_the_converted_loader(finder_root: Path) -> None:
    """LM006 and LM008 in one file: the spec's loader is the finder, now with exec_module."""
    case = LM006 / "finder_is_loader.py"
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_finder(str(finder_root))
    spec = finder.find_spec("lmfx.mod", None)
    assert spec.loader is finder
    assert hasattr(finder, "exec_module") and not hasattr(finder, "load_module")
    with strict(), on_meta_path(finder):
        assert importlib.import_module("lmfx.mod").VALUE == 42


@pytest.mark.parametrize("name", ["classmethod_importer.py", "staticmethod_importer.py"])
def test_lm006_class_level_finders_get_a_classmethod_find_spec(
    name: str, finder_root: Path
) -> None:
    """Registered as the class itself, the finder's find_spec works without an instance."""
    case = LM006 / name
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_finder(str(finder_root))
    assert isinstance(finder, type)
    spec = finder.find_spec("lmfx.sub", None)
    assert spec is not None
    assert spec.submodule_search_locations == [str(finder_root / "lmfx" / "sub")]
    assert finder().find_spec("lmfx.nothing", None) is None


def test_lm006_pyximport_importer_calls_its_stored_base_without_recursion(tmp_path: Path) -> None:
    """PyImporter's find_module calls PyxImporter's through self.super: both get find_spec."""
    case = LM006 / "pyximport_importers.py"
    (tmp_path / "lmpyx_plain.py").write_text("X = 1\n")
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    importer = modern.PyImporter()
    with strict():
        spec = importer.find_spec("lmpyx_plain", [str(tmp_path)])
        assert importer.find_spec("lmpyx_missing", [str(tmp_path)]) is None
    assert spec is not None
    assert spec.loader.path == str(tmp_path / "lmpyx_plain.py")
    assert importer.blocked_modules[-1] == "distutils"


def test_lm006_moved_body_hands_a_subclass_find_module_the_call() -> None:
    """A subclass overriding find_module() (elsewhere, without its own find_spec) is what
    3.4-3.11 called; the moved body must not bypass it."""
    modern = execute_fixture(rewritten(SH_CASE), str(SH_CASE), legacy=False)

    class Everything(modern.ModuleImporterFromVariables):  # type: ignore[misc,name-defined]
        def find_module(self, fullname: str, path: Any = None) -> Any:
            return self if fullname.startswith("lmsh_") else None

    finder = Everything()
    with strict():
        spec = finder.find_spec("lmsh_anything", None)
        assert finder.find_spec("other", None) is None
    assert spec is not None and spec.loader is finder


def test_lm006_decorated_find_module_of_a_registered_instance(tmp_path: Path) -> None:
    """wrapt's @synchronized(lock) find_module: find_spec calls it as the import system did,
    through the decorator, and wraps the real loader the same way."""
    case = LM006 / "wrapt_post_import_finder.py"
    (tmp_path / "lmwrapt_target.py").write_text("X = 1\n")
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    modern._post_import_hooks["lmwrapt_target"] = [print]
    finder = modern.ImportHookFinder()
    sys.path.insert(0, str(tmp_path))
    try:
        with strict():
            spec = finder.find_spec("lmwrapt_target", None)
            assert finder.find_spec("lmwrapt_other", None) is None
    finally:
        sys.path.remove(str(tmp_path))
        importlib.invalidate_caches()
    assert spec is not None
    assert isinstance(spec.loader, modern._ImportHookChainedLoader)
    assert spec.loader.loader.path == str(tmp_path / "lmwrapt_target.py")
    assert finder.in_progress == {}


# -- the prefilter's ast check: classes the rule leaves alone never reach libcst ------------

LM006_LEFT_ALONE = {**FINDERS_LEFT_ALONE}


@pytest.mark.parametrize("source", LM006_LEFT_ALONE.values(), ids=LM006_LEFT_ALONE.keys())
def test_lm006_a_class_it_leaves_alone_never_reaches_libcst(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = rule_by_id("LM006")
    assert_gate_keeps_off_libcst(source.encode(), rule, "NEEDS_CLASS_CHECK", False, monkeypatch)
