"""LM008 beyond the fixture pairs: import-system semantics of the rewrites."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import types
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from loadermig.codemod.prefilter import rules_to_parse
from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.source import rewrite_source
from loadermig.shim import wrap_legacy_finder

from ..conftest import FIXTURES
from .behaviour import (
    FixtureFinder,
    assert_same_behaviour,
    describe,
    execute_fixture,
    write_tree,
)
from .rule_support import assert_gate_keeps_off_libcst

LM008 = FIXTURES / "codemod" / "LM008"
LM008_RULE = rule_by_id("LM008")


def rewritten(case: str) -> bytes:
    """The rewritten fixture ``case`` (all rules, as ``loadermig rewrite`` runs them)."""
    outcome = rewrite_source((LM008 / case).read_bytes(), case)
    assert outcome.error is None and outcome.rewritten is not None
    return outcome.rewritten


def loaders(case: str) -> tuple[types.ModuleType, types.ModuleType]:
    """The fixture executed as written (legacy) and as rewritten (modern)."""
    path = LM008 / case
    legacy = execute_fixture(path.read_bytes(), str(path), legacy=True)
    modern = execute_fixture(rewritten(case), str(path), legacy=False)
    return legacy, modern


def test_decorated_with_module_for_loader_is_left_to_lm004() -> None:
    source = (
        "from importlib.util import module_for_loader\n\n\nclass L:\n"
        "    @module_for_loader\n    def load_module(self, module):\n"
        "        return module\n"
    )
    outcome = rewrite_source(source.encode(), "case.py", [rule_by_id("LM008")])
    assert outcome.rewritten is None and outcome.findings == []


_WARNING_LOADER = (
    "import sys\nimport types\nimport warnings\n\n\nclass L:\n"
    "    def load_module(self, fullname):\n"
    "        warnings.warn('old ' + fullname, DeprecationWarning, stacklevel=2)\n"
    "        mod = types.ModuleType(fullname)\n"
    "        sys.modules[fullname] = mod\n"
    "        return mod\n"
)


@pytest.mark.parametrize(
    ("caller", "fixed", "reason"),
    [
        ("", True, "converted-new"),
        ("\n\nm = L().load_module('x')\n", False, "stacklevel"),
    ],
    ids=["not-called", "called"],
)
def test_stacklevel_counts_the_kept_load_modules_frame(
    caller: str, fixed: bool, reason: str
) -> None:
    """A load_module() kept for callers puts one frame under a warning's stacklevel=."""
    source = _WARNING_LOADER + caller
    outcome = rewrite_source(source.encode(), "case.py", [rule_by_id("LM008")])
    assert [(f.line, f.fixed, f.reason) for f in outcome.findings] == [(7, fixed, reason)]


def test_a_stack_read_in_a_helper_the_class_calls_keeps_it() -> None:
    source = (
        "import sys\nimport types\n\n\ndef caller_globals():\n"
        "    return sys._getframe(2).f_globals\n\n\nclass L:\n"
        "    def load_module(self, fullname):\n"
        "        mod = types.ModuleType(fullname)\n"
        "        sys.modules[fullname] = mod\n"
        "        mod.__dict__.update(self.context())\n"
        "        return mod\n\n"
        "    def context(self):\n"
        "        return caller_globals()\n"
    )
    outcome = rewrite_source(source.encode(), "case.py", [rule_by_id("LM008")])
    assert outcome.rewritten is None
    assert [(f.line, f.message, f.reason) for f in outcome.findings] == [
        (10, "kept: the class reads the call stack (line 6)", "stack")
    ]


# -- the alias shape ------------------------------------------------------------------------


class SpecFinder:
    """A modern meta path finder: ``spec_from_loader(name, loader)`` for names under prefix."""

    def __init__(self, prefix: str, loader: Any) -> None:
        self.prefix = prefix
        self.loader = loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith(self.prefix + "."):
            return None
        return importlib.util.spec_from_loader(fullname, self.loader)


@pytest.fixture
def real_tree(tmp_path: Path) -> Path:
    """``lm8real`` (a package with a submodule) and an empty ``lm8alias`` package on sys.path."""
    write_tree(
        tmp_path,
        {
            "lm8real/__init__.py": "COUNT = globals().get('COUNT', 0) + 1\n",
            "lm8real/part.py": "PART = True\n",
            "lm8alias/__init__.py": "",
        },
    )
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    return tmp_path


@pytest.mark.filterwarnings("error::ImportWarning")
@pytest.mark.parametrize("legacy", [False, True], ids=["rewritten", "legacy-under-shim"])
def test_alias_keeps_the_real_module_and_its_spec(real_tree: Path, legacy: bool) -> None:
    from loadermig.shim import wrap_legacy

    old, new = loaders("vendor_importer.py")
    module = old if legacy else new
    loader = module.VendorImporter("lm8alias", vendor_pkg="lm8vendor")
    if legacy:
        assert not hasattr(loader, "exec_module")
        loader = wrap_legacy(loader)
    else:
        assert not hasattr(loader, "load_module")
    sys.meta_path.insert(0, SpecFinder("lm8alias", loader))

    alias = importlib.import_module("lm8alias.lm8real")
    real = importlib.import_module("lm8real")
    assert alias is real
    assert sys.modules["lm8alias.lm8real"] is real
    assert real.__spec__.name == "lm8real"
    assert real.COUNT == 1
    assert importlib.reload(real) is real
    assert real.COUNT == 2
    assert importlib.import_module("lm8alias.lm8real.part") is importlib.import_module(
        "lm8real.part"
    )


@pytest.mark.filterwarnings("error::ImportWarning")
@pytest.mark.parametrize("legacy", [False, True], ids=["rewritten", "legacy-under-shim"])
def test_alias_that_drops_the_vendored_entry(real_tree: Path, legacy: bool) -> None:
    """setuptools 20-36: the vendored name's own entry goes, the alias stays, as before."""
    from loadermig.shim import wrap_legacy

    old, new = loaders("vendor_importer_drops_extant.py")
    loader = (old if legacy else new).VendorImporter("lm8alias", vendor_pkg="lm8vendor")
    sys.meta_path.insert(0, SpecFinder("lm8alias", wrap_legacy(loader) if legacy else loader))

    alias = importlib.import_module("lm8alias.lm8real")
    assert sys.modules["lm8alias.lm8real"] is alias
    assert "lm8real" not in sys.modules
    assert (alias.__name__, alias.__spec__.name, alias.COUNT) == ("lm8real", "lm8real", 1)
    again = importlib.import_module("lm8real")
    assert again is not alias
    assert again.COUNT == 1


@pytest.mark.filterwarnings("error::ImportWarning")
def test_why_create_module_must_not_return_the_alias(real_tree: Path) -> None:
    """The by-hand form (six 1.16, setuptools): the import system overwrites the real spec."""

    class ByHand:
        def create_module(self, spec: Any) -> Any:
            return importlib.import_module(spec.name.split(".", 1)[1])

        def exec_module(self, module: Any) -> None:
            pass

    sys.meta_path.insert(0, SpecFinder("lm8alias", ByHand()))
    alias = importlib.import_module("lm8alias.lm8real")
    assert alias is sys.modules["lm8real"]
    assert alias.__spec__.name == "lm8alias.lm8real"  # lost its own spec


# -- the execute shape ----------------------------------------------------------------------


def import_through(make_loader: Callable[[str, str], Any], root: Path) -> FixtureFinder:
    finder = FixtureFinder(make_loader, root)
    sys.meta_path.insert(0, finder)
    return finder


@pytest.mark.filterwarnings("error::ImportWarning")
@pytest.mark.parametrize(
    "case",
    [
        "early_return.py",
        "module_type.py",
        "setdefault_textbook.py",
        "package_loader.py",
        "reuse_or_create.py",
    ],
)
def test_reload_re_executes_in_the_same_object(case: str, tmp_path: Path) -> None:
    write_tree(tmp_path)
    _, modern = loaders(case)
    import_through(modern.make_loader, tmp_path)
    mod = importlib.import_module("lmfx.mod")
    leaf = importlib.import_module("lmfx.sub.leaf")
    assert (mod.VALUE, leaf.LEAF) == (42, 43)
    assert mod.__spec__.name == "lmfx.mod" and mod.__loader__ is mod.__spec__.loader
    (tmp_path / "lmfx" / "mod.py").write_text("VALUE = 7\n", encoding="utf-8")
    assert importlib.reload(mod) is mod
    assert mod.VALUE == 7
    assert sys.modules["lmfx.mod"] is mod


FAILING = {
    "lmfx/__init__.py": "",
    "lmfx/side.py": "SIDE = True\n",
    "lmfx/mod.py": "from lmfx import side\nraise RuntimeError('boom')\n",
}


@pytest.mark.filterwarnings("error::ImportWarning")
@pytest.mark.parametrize(
    "case", ["early_return.py", "module_type.py", "setdefault_textbook.py", "reuse_or_create.py"]
)
def test_failure_removes_only_the_failing_module(case: str, tmp_path: Path) -> None:
    results = []
    for index, module in enumerate(loaders(case)):
        root = tmp_path / str(index)
        write_tree(root, FAILING)
        finder = import_through(module.make_loader, root)
        with pytest.raises(RuntimeError, match="boom"):
            importlib.import_module("lmfx.mod")
        results.append({name: name in sys.modules for name in ("lmfx", "lmfx.side", "lmfx.mod")})
        sys.meta_path.remove(finder)
        for name in ("lmfx", "lmfx.side", "lmfx.mod"):
            sys.modules.pop(name, None)
    legacy, modern = results
    assert modern == legacy == {"lmfx": True, "lmfx.side": True, "lmfx.mod": False}


@pytest.mark.filterwarnings(
    "ignore:can't resolve package from __spec__ or __package__:ImportWarning"
)
def test_loader_that_sets_no_package_behaves_the_same(tmp_path: Path) -> None:
    """Without ``__package__`` the legacy module warns on relative imports (its __spec__ and
    __package__ are None while it executes; the fallback fills them in only afterwards); the
    rewritten one gets both from the spec first. The resulting modules are the same."""
    source = (LM008 / "module_type.py").read_text(encoding="utf-8")
    package_lines = (
        "            module.__package__ = fullname\n        else:\n"
        '            module.__package__ = fullname.rpartition(".")[0]\n'
    )
    assert package_lines in source
    case = tmp_path / "no_package.py"
    case.write_text(source.replace(package_lines, ""), encoding="utf-8")
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert outcome.error is None and outcome.rewritten is not None
    assert b"__package__" not in outcome.rewritten
    assert_same_behaviour(case, outcome.rewritten, tmp_path)


# -- load_module() kept for the file's own callers ------------------------------------------


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_kept_load_module_serves_old_callers_as_the_legacy_one_did(tmp_path: Path) -> None:
    """``load_plugin(loader, name)`` calls ``loader.load_module(name)``: the rewritten class
    answers it through exec_module(), without importlib's deprecated shim. (The module it
    returns also has a ``__spec__``, as from importlib's own shim; the legacy one had None.)"""
    write_tree(tmp_path)
    legacy, modern = loaders("called_elsewhere.py")
    assert "load_module" in vars(modern.TreeLoader) and "exec_module" in vars(modern.TreeLoader)
    seen = []
    for fixture in (legacy, modern):
        loader = fixture.TreeLoader(str(tmp_path))
        package = fixture.load_plugin(loader, "lmfx")
        mod = fixture.load_plugin(loader, "lmfx.mod")
        assert sys.modules["lmfx.mod"] is mod and mod.VALUE == 42
        seen.append([without_spec(m, tmp_path) for m in (package, mod)])
        (tmp_path / "lmfx" / "mod.py").write_text("VALUE = 7\n", encoding="utf-8")
        again = fixture.load_plugin(loader, "lmfx.mod")
        assert sys.modules["lmfx.mod"] is again and again.VALUE == 7
        if fixture is modern:
            assert again is mod  # executed again in place, as importlib's own shim does
        (tmp_path / "lmfx" / "mod.py").write_text("raise RuntimeError('boom')\n", "utf-8")
        del sys.modules["lmfx.mod"]
        with pytest.raises(RuntimeError, match="boom"):
            fixture.load_plugin(loader, "lmfx.mod")
        assert "lmfx.mod" not in sys.modules
        write_tree(tmp_path)
        for name in ("lmfx", "lmfx.mod"):
            sys.modules.pop(name, None)
    legacy_seen, modern_seen = seen
    assert modern_seen == legacy_seen


def without_spec(module: Any, root: Path) -> dict[str, Any]:
    """``describe`` less the spec (None for a module the legacy method made by hand)."""
    saved = module.__spec__
    module.__spec__ = importlib.util.spec_from_loader(module.__name__, None)
    try:
        described = describe(module, root)
    finally:
        module.__spec__ = saved
    del described["spec"]
    return described


@pytest.mark.filterwarnings("error::ImportWarning")
def test_cleanup_that_does_more_keeps_doing_it(tmp_path: Path) -> None:
    """The handler's other work stays; only its removal of the entry is the import system's."""
    fixtures = loaders("cleanup_does_more.py")
    for index, module in enumerate(fixtures):
        root = tmp_path / str(index)
        write_tree(root, FAILING)
        finder = import_through(module.make_loader, root)
        with pytest.raises(RuntimeError, match="boom"):
            importlib.import_module("lmfx.mod")
        assert "lmfx.mod" not in sys.modules and "lmfx.side" in sys.modules
        sys.meta_path.remove(finder)
        for name in ("lmfx", "lmfx.side", "lmfx.mod"):
            sys.modules.pop(name, None)
    assert [m.FAILED for m in fixtures] == [["lmfx.mod"], ["lmfx.mod"]]


def test_a_kept_load_module_is_not_reported_again() -> None:
    """Idempotent in findings too: the load_module() kept on exec_module() is modern code."""
    once = rewritten("called_elsewhere.py")
    again = rewrite_source(once, "called_elsewhere.py")
    assert again.rewritten is None
    assert [f.rule for f in again.findings] == ["LM014"]  # the file's own call, reported


# -- real aliasing and redirecting hooks, executed ------------------------------------------
#
# Each fixture (``fixtures/codemod/LM008/<case>.py``, cut from six 1.10, bottle 0.12, flask 0.12,
# future, IPython and pywin32-ctypes) defines ``install(root)``, which sets the hook up as its
# project does and returns the finder, and ``NAMES``, the modules to import through it. The
# legacy file runs under the interpreter's own ``load_module`` fallback where there is one
# (3.9-3.11), else under ``loadermig.shim.wrap_legacy_finder`` (3.11's semantics); the
# rewritten file runs bare, with ``ImportWarning`` and ``DeprecationWarning`` as errors. Both
# must leave the same modules in ``sys.modules`` with the same attributes, before and after
# ``importlib.reload``.

TREES: dict[str, dict[str, str]] = {
    "six_1_10.py": {},
    "bottle_redirect.py": {
        "lm8bottle_alpha.py": "ALPHA = 1\n",
        "lm8bottle_beta/__init__.py": "BETA = 2\n",
    },
    "flask_exthook.py": {
        "lm8flask_alpha.py": "ALPHA = 1\n",
        "lm8flaskext/__init__.py": "",
        "lm8flaskext/beta.py": "BETA = 2\n",
    },
    "future_rename.py": {"lm8ConfigParser.py": "SECTIONS = []\n"},
    "base_bound_in_except.py": {
        "lm8ctypes/__init__.py": "",
        "lm8ctypes/core/__init__.py": "",
        "lm8ctypes/backend/__init__.py": "",
        "lm8ctypes/backend/alpha.py": "ALPHA = 1\n",
    },
    "ipython_shim.py": {
        "lm8mirror/__init__.py": "",
        "lm8mirror/alpha.py": "ALPHA = 1\n",
        "lm8mirror/sub/__init__.py": "",
        "lm8mirror/sub/leaf.py": "from .. import alpha\n\nLEAF = alpha.ALPHA + 1\n",
    },
}
PREFIXES = ("lm8six", "lm8bottle", "lm8flask", "lm8ConfigParser", "lm8configparser", "lm8shim")
PREFIXES += ("lm8mirror", "lm8ctypes")


def describe_import(module: Any, root: Path) -> dict[str, Any]:
    """What an import gave: the object, its import attributes and its public globals."""

    def rel(value: Any) -> Any:
        return value.replace(str(root), "<root>") if isinstance(value, str) else value

    spec = getattr(module, "__spec__", None)
    return {
        "type": type(module).__name__,
        "__name__": module.__name__,
        "__file__": rel(getattr(module, "__file__", None)),
        "__path__": [rel(p) for p in getattr(module, "__path__", None) or []],
        "__package__": module.__package__,
        "__loader__": type(module.__loader__).__name__,
        "spec": None if spec is None else (spec.name, rel(spec.origin), spec.parent),
        "globals": sorted(name for name in vars(module) if not name.startswith("_")),
    }


def observe_hook(source: bytes, case: Path, root: Path, *, legacy: bool) -> list[Any]:
    """Import the fixture's NAMES through its hook, reload them; describe every step."""
    fixture = execute_fixture(source, str(case), legacy=legacy)
    finder = fixture.install(root)
    if legacy and sys.version_info >= (3, 12):
        finder = wrap_legacy_finder(finder, "meta")
    sys.meta_path.insert(0, finder)
    seen: list[Any] = []
    try:
        with warnings.catch_warnings():
            if legacy:
                warnings.simplefilter("ignore", ImportWarning)
            else:
                warnings.simplefilter("error", ImportWarning)
                warnings.simplefilter("error", DeprecationWarning)
            for category in [getattr(fixture, "ExtDeprecationWarning", None)]:
                if category is not None:  # flask's own notice about flask.ext
                    warnings.simplefilter("ignore", category)
            for name in fixture.NAMES:
                module = importlib.import_module(name)
                assert sys.modules[name] is module
                seen.append((name, describe_import(module, root)))
            for name in fixture.NAMES:
                module = importlib.reload(sys.modules[name])
                seen.append(("reload " + name, describe_import(module, root)))
                seen.append(("entry " + name, describe_import(sys.modules[name], root)))
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.startswith(PREFIXES)]:
            del sys.modules[name]
        importlib.invalidate_caches()
    return seen


@pytest.mark.parametrize("case", sorted(TREES))
def test_rewritten_hook_imports_what_the_legacy_one_did(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = LM008 / case
    outcome = rewrite_source(path.read_bytes(), case)
    assert outcome.error is None and outcome.rewritten is not None
    assert b"def load_module" not in outcome.rewritten
    assert b"def exec_module" in outcome.rewritten and b"def find_spec" in outcome.rewritten
    write_tree(tmp_path, TREES[case])
    monkeypatch.syspath_prepend(str(tmp_path))
    before = observe_hook(path.read_bytes(), path, tmp_path, legacy=True)
    after = observe_hook(outcome.rewritten, path, tmp_path, legacy=False)
    assert after == before


def test_six_lazy_modules_get_the_spec_the_fallback_gave_them(tmp_path: Path) -> None:
    """six's own modules have no __spec__ until the import fills it in: without the fill-ins
    ``importlib.util.find_spec("six.moves")`` raises ValueError (``__spec__ is None``)."""
    path = LM008 / "six_1_10.py"
    outcome = rewrite_source(path.read_bytes(), path.name)
    assert outcome.rewritten is not None
    fixture = execute_fixture(outcome.rewritten, str(path), legacy=False)
    finder = fixture.install(tmp_path)
    sys.meta_path.insert(0, finder)
    try:
        moves = importlib.import_module("lm8six.moves")
        assert isinstance(moves, types.ModuleType) and type(moves).__name__ == "_MovedItems"
        assert moves.__spec__.name == "lm8six.moves" and moves.__package__ == "lm8six.moves"
        assert importlib.util.find_spec("lm8six.moves") is moves.__spec__
        parse = importlib.import_module("lm8six.moves.urllib_parse")
        assert parse.__package__ == "lm8six.moves"
        entities = importlib.import_module("lm8six.moves.html_entities")
        assert entities is sys.modules["html.entities"]
        assert entities.__spec__.name == "html.entities"  # its own spec, untouched
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.startswith("lm8six")]:
            del sys.modules[name]


@pytest.mark.filterwarnings("ignore::ImportWarning")
def test_import_blocker_blocks_the_same_way() -> None:
    """IPython's ImportDenier only raises: the same ImportError, nothing left behind."""
    path = LM008 / "import_denier.py"
    outcome = rewrite_source(path.read_bytes(), path.name)
    assert outcome.rewritten is not None and b"def exec_module" in outcome.rewritten
    messages = []
    for source, legacy in ((path.read_bytes(), True), (outcome.rewritten, False)):
        fixture = execute_fixture(source, str(path), legacy=legacy)
        denier = fixture.ImportDenier()
        denier.forbid("lm8denied")
        finder = wrap_legacy_finder(denier, "meta") if legacy else denier
        sys.meta_path.insert(0, finder)
        try:
            with warnings.catch_warnings():
                if not legacy:
                    warnings.simplefilter("error", ImportWarning)
                    warnings.simplefilter("error", DeprecationWarning)
                with pytest.raises(ImportError) as raised:
                    importlib.import_module("lm8denied")
        finally:
            sys.meta_path.remove(finder)
        assert "lm8denied" not in sys.modules
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "disabled by IPython" in messages[0]


def test_a_converted_load_module_leaves_no_signature_comment_that_fails_to_parse() -> None:
    """Sphinx 1.6/1.7: a ``# type: (str) -> object`` signature comment of ``load_module``
    stood above the name line the conversion adds, where ``type_comments=True`` rejects it."""
    source = (LM008 / "type_comment.py").read_bytes()
    ast.parse(source, type_comments=True)
    outcome = rewrite_source(source, "type_comment.py")
    assert outcome.rewritten is not None
    ast.parse(outcome.rewritten, type_comments=True)
    assert b"# type:" not in outcome.rewritten


# -- the prefilter's ast check: only classes that may be import loaders reach libcst -------

_EMITS = "    def load_module(self, name):\n        return self.add(LoadStatic(name))\n"


@pytest.mark.parametrize(
    "source",
    [
        "class LowLevelIRBuilder:\n" + _EMITS,  # mypyc's IR builder emits a module load
        "from .base import Base\n\n\nclass Builder(Base):\n" + _EMITS,
        "class Builder:\n    def add_module(self):\n        def load_module(self, name): ...\n",
    ],
)
def test_a_class_that_shows_no_loader_never_reaches_libcst(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = source.encode()
    assert_gate_keeps_off_libcst(data, LM008_RULE, "NEEDS_LOADER_CLASS", False, monkeypatch)


@pytest.mark.parametrize(
    "source",
    [
        "class ModuleImporter:\n" + _EMITS,  # the class name
        "class Builder:\n    def get_source(self, name): ...\n\n" + _EMITS,  # a hook method
        "import sys\n\n\nclass Builder:\n"  # import machinery in load_module
        "    def load_module(self, name):\n        return sys.modules[name]\n",
        # a string part (ast sees one string, "__file__x", libcst two)
        "class Builder:\n    def load_module(self, name):\n"
        "        return self.get('__file__' 'x')\n",
        "import importlib.abc\n\n\nclass Builder(importlib.abc.Loader):\n" + _EMITS,  # a base
        "from importlib import abc\n\nBase = abc.Loader\n\n\nclass Builder(Base):\n" + _EMITS,
        "from importlib import abc\n\n\nclass Base(abc.Loader):\n    pass\n\n\n"
        "class Builder(Base):\n" + _EMITS,
    ],
)
def test_each_kind_of_loader_evidence_reaches_the_rule(source: str) -> None:
    data = source.encode()
    assert rules_to_parse(data, "loader.py", [LM008_RULE]) == [LM008_RULE]
    outcome = rewrite_source(data, "loader.py", [LM008_RULE])
    assert [finding.rule for finding in outcome.findings] == ["LM008"]
