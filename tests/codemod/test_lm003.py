"""LM003 beyond the fixture pairs: a shadowed local, bytecode behaviour, the loader's methods.

The bytecode tests run every rewritten LM003 fixture (``*.py.expected`` defining
``make_loader``) on the bare interpreter: bytecode must be written where the legacy loader wrote
it, reused on the next import, shared with the legacy loader in both directions, and a cache
directory that cannot be written must never break an import.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import marshal
import os
import sys
import types
from pathlib import Path
from typing import Any, Callable

import pytest

from loadermig.codemod.rules.lm003_pypycloader import PyPycLoaderRule
from loadermig.codemod.source import rewrite_source

from .behaviour import (
    NAMES,
    PACKAGE,
    FixtureFinder,
    execute_fixture,
    removed_apis_restored,
    write_tree,
)
from .rule_support import (
    assert_loader_methods_answer_as_before,
    case_id,
    executable_fixtures,
    outcome,
)

LM003_EXECUTABLE = executable_fixtures("LM003")
#: Rewritten onto SourceLoader's path hooks (bytecode at cache_from_source(source)).
LM003_REWRITTEN = [path for path in LM003_EXECUTABLE if not path.name.startswith("getcode_")]
#: Rewritten with PyPycLoader's get_code added (bytecode wherever bytecode_path() says).
LM003_GET_CODE = [path for path in LM003_EXECUTABLE if path.name.startswith("getcode_")]


SHADOWED = """\
import os
from importlib.abc import PyPycLoader
from importlib.util import cache_from_source


class Loader(PyPycLoader):
    def source_path(self, fullname):
        return self.paths.get(fullname)

    def source_mtime(self, fullname):
        path = self.source_path(fullname)  # where the source is
        stat = lambda path: os.stat(path)
        return int(stat(path).st_mtime)

    def bytecode_path(self, fullname):
        return None

    def write_bytecode(self, fullname, bytecode):
        target = cache_from_source(self.source_path(fullname))
        try:
            with open(target, "wb") as f:
                f.write(bytecode)
        except OSError:
            return False
        return True
"""


def test_a_local_shadowed_in_a_lambda_does_not_become_the_parameter() -> None:
    outcome = rewrite_source(SHADOWED.encode(), "shadow.py", [PyPycLoaderRule])
    assert outcome.rewritten is not None
    text = outcome.rewritten.decode()
    assert "    def path_mtime(self, source_path):\n        path = source_path  # where" in text
    assert "        stat = lambda path: os.stat(path)\n" in text
    assert "    def set_data(self, target, bytecode):\n        try:\n" in text
    assert compile(text, "shadow.py", "exec")


# -- bytecode behaviour of the rewritten PyPycLoader subclasses ---------------------------


class Recorder:
    """Which paths the loaders of one fixture module read and wrote."""

    def __init__(self, module: types.ModuleType) -> None:
        self.reads: list[str] = []
        self.module = module
        self.make_loader: Callable[[str, str], Any] = module.make_loader
        for cls in [obj for obj in vars(module).values() if isinstance(obj, type)]:
            if cls.__module__ == module.__name__ and "get_data" in cls.__dict__:
                cls.get_data = self._recording(cls.__dict__["get_data"])

    def _recording(self, get_data: Callable[[Any, str], bytes]) -> Callable[[Any, str], bytes]:
        def recorded(loader: Any, path: str) -> bytes:
            self.reads.append(path)
            return get_data(loader, path)

        return recorded

    def import_all(self, root: Path) -> dict[str, types.ModuleType]:
        """Import the tree through this fixture's loaders, then forget it again."""
        finder = FixtureFinder(self.make_loader, root)
        sys.meta_path.insert(0, finder)
        try:
            return {name: importlib.import_module(name) for name in NAMES}
        finally:
            sys.meta_path.remove(finder)
            for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
                del sys.modules[name]


def cached(modules: dict[str, types.ModuleType]) -> list[Path]:
    """The sources of the modules loaded by a (former) PyPycLoader, which cache bytecode."""
    return [
        Path(module.__file__)
        for module in modules.values()
        if module.__file__ and hasattr(module.__loader__, "bytecode_path")
    ]


def read_source(recorder: Recorder, modules: dict[str, types.ModuleType]) -> bool:
    """Whether ``recorder``'s loaders read the source of a caching module."""
    return any(Path(read) in cached(modules) for read in recorder.reads)


def cache_of(source: Path) -> Path:
    """Where the import system keeps the bytecode of ``source`` (PEP 3147)."""
    return Path(importlib.util.cache_from_source(str(source)))


def rewritten(case: Path) -> Recorder:
    """The loaders of ``case``'s expected output, on the bare interpreter."""
    data = case.with_name(case.name + ".expected").read_bytes()
    return Recorder(execute_fixture(data, str(case), legacy=False))


def legacy(case: Path) -> Recorder:
    """The loaders of ``case`` itself; call it with the removed APIs restored."""
    return Recorder(execute_fixture(case.read_bytes(), str(case), legacy=True))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package tree, with bytecode writing enabled (PYTHONDONTWRITEBYTECODE is set here)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    root = tmp_path / "tree"
    write_tree(root)
    return root


def test_the_lm003_fixtures_are_found() -> None:
    assert len(LM003_REWRITTEN) >= 8


@pytest.mark.parametrize("case", LM003_REWRITTEN, ids=lambda path: path.name)
def test_bytecode_is_written_at_the_standard_place_and_reused(case: Path, tree: Path) -> None:
    loaders = rewritten(case)
    first = loaders.import_all(tree)
    assert cached(first)
    for source in cached(first):
        assert cache_of(source).is_file(), f"no bytecode written for {source}"
    loaders.reads.clear()
    second = loaders.import_all(tree)
    assert not read_source(loaders, second), "the second import read source, not bytecode"
    assert second["lmfx.sub.leaf"].LEAF == first["lmfx.sub.leaf"].LEAF == 43
    assert second["lmfx.mod"].f.__code__.co_filename == str(tree / "lmfx" / "mod.py")


@pytest.mark.parametrize("case", LM003_REWRITTEN, ids=lambda path: path.name)
def test_bytecode_is_shared_with_the_legacy_loader(case: Path, tree: Path) -> None:
    with removed_apis_restored():
        old = legacy(case)
        modules = old.import_all(tree)  # the legacy loader writes the cache
    new = rewritten(case)
    new.import_all(tree)
    assert not read_source(new, modules)

    for source in cached(modules):
        cache_of(source).unlink()
    new.import_all(tree)  # the rewritten loader writes it
    with removed_apis_restored():
        old.reads.clear()
        old.import_all(tree)
    assert old.reads and not read_source(old, modules)


@pytest.mark.parametrize("case", LM003_REWRITTEN, ids=lambda path: path.name)
def test_stale_bytecode_is_replaced(case: Path, tree: Path) -> None:
    loaders = rewritten(case)
    loaders.import_all(tree)
    mod = tree / "lmfx" / "mod.py"
    mod.write_text("VALUE = 7\n\n\ndef f():\n    return VALUE\n", encoding="utf-8")
    stat = mod.stat()
    os.utime(mod, (stat.st_atime, stat.st_mtime + 10))
    modules = loaders.import_all(tree)
    assert modules["lmfx.mod"].VALUE == 7 and modules["lmfx.sub.leaf"].LEAF == 8
    assert loaders.import_all(tree)["lmfx.mod"].f() == 7


@pytest.mark.parametrize("case", LM003_REWRITTEN, ids=lambda path: path.name)
def test_an_unwritable_cache_directory_does_not_break_imports(case: Path, tree: Path) -> None:
    for package in (tree / "lmfx", tree / "lmfx" / "sub"):
        (package / "__pycache__").write_text("not a directory")
    modules = rewritten(case).import_all(tree)
    assert modules["lmfx.sub.leaf"].LEAF == 43
    assert not list(tree.rglob("*.pyc"))


@pytest.mark.parametrize("case", LM003_REWRITTEN, ids=lambda path: path.name)
def test_a_read_only_directory_does_not_break_imports(
    case: Path, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = builtins.open

    def read_only_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+") and str(file).startswith(str(tree)):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", read_only_open)
    modules = rewritten(case).import_all(tree)
    assert modules["lmfx.sub.leaf"].LEAF == 43
    assert not list(tree.rglob("*.pyc"))


@pytest.mark.parametrize("case", LM003_REWRITTEN, ids=lambda path: path.name)
def test_dont_write_bytecode_is_honoured(
    case: Path, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    rewritten(case).import_all(tree)
    assert not list(tree.rglob("*.pyc"))


# -- PyPycLoader's get_code added: bytecode where the class keeps it -----------------------


def stored(store: dict[str, bytes]) -> dict[str, tuple[bytes, Any]]:
    """Each pyc's header and code (marshal's bytes for the same code vary on some Pythons)."""
    return {name: (data[:16], marshal.loads(data[16:])) for name, data in store.items()}


def test_the_get_code_fixtures_are_found() -> None:
    assert LM003_GET_CODE


@pytest.mark.parametrize("case", LM003_GET_CODE, ids=lambda path: path.name)
def test_get_code_form_writes_and_reuses_the_same_bytecode(case: Path, tree: Path) -> None:
    with removed_apis_restored():
        old = legacy(case)
        old.import_all(tree)
        old.reads.clear()
        old_second = old.import_all(tree)
    new = rewritten(case)
    new.import_all(tree)
    new.reads.clear()
    new_second = new.import_all(tree)
    assert new.module.STORE and stored(new.module.STORE) == stored(old.module.STORE)
    assert not read_source(new, new_second) and not read_source(old, old_second)
    assert new.reads == old.reads


@pytest.mark.parametrize("case", LM003_GET_CODE, ids=lambda path: path.name)
def test_get_code_form_loads_bytecode_without_source(case: Path, tree: Path) -> None:
    def without_source(recorder: Recorder) -> Any:
        recorder.import_all(tree)
        source = (tree / "lmfx" / "mod.py").read_bytes()
        (tree / "lmfx" / "mod.py").unlink()
        try:
            module = recorder.import_all(tree)["lmfx.mod"]
            return (
                module.VALUE,
                module.__file__,
                outcome(lambda: module.__loader__.get_source("lmfx.mod")),
            )
        finally:
            (tree / "lmfx" / "mod.py").write_bytes(source)

    with removed_apis_restored():
        expected = without_source(legacy(case))
    assert (
        without_source(rewritten(case))
        == expected
        == (42, "<bytecode lmfx.mod>", ("returns", None))
    )


@pytest.mark.parametrize("case", LM003_EXECUTABLE, ids=case_id)
def test_the_loader_methods_answer_as_before(case: Path, tmp_path: Path) -> None:
    assert_loader_methods_answer_as_before(case, tmp_path, get_source_added=case in LM003_GET_CODE)
