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

from loadermig.codemod.rules.lm006_meta_path_finder import FIND_SPEC, MetaPathFinderRule
from loadermig.codemod.rules.lm007_path_entry_finder import PathEntryFinderRule
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


@pytest.mark.parametrize("rule", [MetaPathFinderRule, PathEntryFinderRule], ids=lambda r: r.ID)
def test_documented_example_is_what_the_rule_does(rule: Any) -> None:
    """The BEFORE -> AFTER pair ``loadermig rules`` shows, run through the rule itself."""
    outcome = rewrite_source(rule.BEFORE.encode(), "example.py", [rule])
    assert outcome.error is None
    assert outcome.rewritten is not None
    assert outcome.rewritten.decode() == rule.AFTER
    assert [f.rule for f in outcome.findings] == [rule.ID]


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


def test_lm006_finder_returning_itself_hands_over_the_converted_loader(root: Path) -> None:
    """LM006 and LM008 in one file: the spec's loader is the finder, now with exec_module."""
    case = LM006 / "finder_is_loader.py"
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_finder(str(root))
    spec = finder.find_spec("lmfx.mod", None)
    assert spec.loader is finder
    assert hasattr(finder, "exec_module") and not hasattr(finder, "load_module")
    with strict(), on_meta_path(finder):
        assert importlib.import_module("lmfx.mod").VALUE == 42


@pytest.mark.parametrize("name", ["classmethod_importer.py", "staticmethod_importer.py"])
def test_lm006_class_level_finders_get_a_classmethod_find_spec(name: str, root: Path) -> None:
    """Registered as the class itself, the finder's find_spec works without an instance."""
    case = LM006 / name
    modern = execute_fixture(rewritten(case), str(case), legacy=False)
    finder = modern.make_finder(str(root))
    assert isinstance(finder, type)
    spec = finder.find_spec("lmfx.sub", None)
    assert spec is not None
    assert spec.submodule_search_locations == [str(root / "lmfx" / "sub")]
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
