"""loadermig.shim.compat: the removed importlib APIs, held to their documented contracts."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import inspect
import linecache
import marshal
import os
import sys
import traceback
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from loadermig.shim.compat import (
    PyLoader,
    PyPycLoader,
    module_for_loader,
    set_loader,
    set_package,
)

# Not on disk: linecache and inspect can only reach this source through loader.get_source().
ROOT = "/virtual-lmcompat"
MAGIC = importlib.util.MAGIC_NUMBER


@contextmanager
def strict() -> Iterator[None]:
    """Every warning is an error inside: a DeprecationWarning or ImportWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.fixture(autouse=True)
def clean_import_state() -> Iterator[None]:
    """Undo what a test did to sys.meta_path, sys.modules and linecache."""
    meta_path = list(sys.meta_path)
    modules = set(sys.modules)
    try:
        yield
    finally:
        sys.meta_path[:] = meta_path
        for name in set(sys.modules) - modules:
            del sys.modules[name]
        linecache.clearcache()


@pytest.fixture
def bytecode_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytecode writing on, whatever PYTHONDONTWRITEBYTECODE says."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def source_file(fullname: str, package: bool = False) -> str:
    base = ROOT + "/" + fullname.replace(".", "/")
    return base + "/__init__.py" if package else base + ".py"


def pyc(code: types.CodeType, mtime: int = 0, size: int = 0) -> bytes:
    """A timestamp pyc for the running interpreter."""
    header = MAGIC + bytes(4) + mtime.to_bytes(4, "little") + size.to_bytes(4, "little")
    return header + marshal.dumps(code)


class MemoryPyLoader(PyLoader):
    """A PyLoader over a dict of path -> bytes; it records every get_data() path."""

    def __init__(self, files: dict[str, bytes], packages: tuple[str, ...] = ()) -> None:
        self.files = dict(files)
        self.packages = set(packages)
        self.reads: list[str] = []

    def source_path(self, fullname: str) -> str | None:
        path = source_file(fullname, fullname in self.packages)
        return path if path in self.files else None

    def get_data(self, path: str) -> bytes:
        self.reads.append(path)
        try:
            return self.files[path]
        except KeyError:
            raise OSError(path) from None

    def is_package(self, fullname: str) -> bool:
        return fullname in self.packages


class MemoryPycLoader(MemoryPyLoader, PyPycLoader):
    """Adds bytecode at ``<source path>c`` and a settable source mtime per module."""

    def __init__(self, files: dict[str, bytes], packages: tuple[str, ...] = ()) -> None:
        super().__init__(files, packages)
        self.mtimes: dict[str, int] = {}
        self.writes: list[tuple[str, bytes]] = []

    def pyc_path(self, fullname: str) -> str:
        return source_file(fullname, fullname in self.packages) + "c"

    def source_mtime(self, fullname: str) -> int | None:
        return None if self.source_path(fullname) is None else self.mtimes.get(fullname, 1000)

    def bytecode_path(self, fullname: str) -> str | None:
        path = self.pyc_path(fullname)
        return path if path in self.files else None

    def write_bytecode(self, fullname: str, bytecode: bytes) -> bool:
        self.writes.append((fullname, bytes(bytecode)))
        self.files[self.pyc_path(fullname)] = bytes(bytecode)
        return True


class DiskPycLoader(PyPycLoader):
    """The classic 3.1-era loader: ``<dir>/<name>.py`` with ``<name>.pyc`` beside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def source_path(self, fullname: str) -> str | None:
        path = self.directory / (fullname + ".py")
        return str(path) if path.exists() else None

    def get_data(self, path: str) -> bytes:
        with open(path, "rb") as file:
            return file.read()

    def is_package(self, fullname: str) -> bool:
        return False

    def source_mtime(self, fullname: str) -> int | None:
        path = self.source_path(fullname)
        return None if path is None else int(os.stat(path).st_mtime)

    def bytecode_path(self, fullname: str) -> str | None:
        path = self.directory / (fullname + ".pyc")
        return str(path) if path.exists() else None

    def write_bytecode(self, fullname: str, bytecode: bytes) -> bool:
        (self.directory / (fullname + ".pyc")).write_bytes(bytecode)
        return True


class Serve:
    """Meta path finder: ``spec_from_loader(name, loader)`` for the names it serves."""

    def __init__(self, loader: Any, names: tuple[str, ...]) -> None:
        self.loader = loader
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in self.names:
            return importlib.util.spec_from_loader(fullname, self.loader)
        return None


def serve(loader: Any, *names: str) -> Any:
    sys.meta_path.insert(0, Serve(loader, names))
    return loader


def reimport(name: str) -> Any:
    del sys.modules[name]
    return importlib.import_module(name)


# --- module_for_loader ------------------------------------------------------------------------


class DecoratedLoader:
    """A 3.3-style legacy loader written with @module_for_loader; records what it was given."""

    def __init__(self, packages: tuple[str, ...] = (), error: BaseException | None = None):
        self.packages = packages
        self.error = error
        self.seen: list[tuple[types.ModuleType, Any]] = []

    def is_package(self, fullname: str) -> bool:
        return fullname in self.packages

    @module_for_loader
    def load_module(self, module: types.ModuleType) -> types.ModuleType:
        """Legacy load_module body."""
        self.seen.append((module, sys.modules.get(module.__name__)))
        if self.error is not None:
            raise self.error
        module.loaded = True  # type: ignore[attr-defined]
        return module


@pytest.mark.parametrize(
    ("name", "packages", "package"),
    [("lmc_top", (), ""), ("lmc_pkg.mod", (), "lmc_pkg"), ("lmc_pkg", ("lmc_pkg",), "lmc_pkg")],
)
def test_module_for_loader_builds_and_registers_a_new_module(
    name: str, packages: tuple[str, ...], package: str
) -> None:
    loader = DecoratedLoader(packages)
    with strict():
        module = loader.load_module(name)
    assert isinstance(module, types.ModuleType)
    assert loader.seen == [(module, module)]  # in sys.modules before the body ran
    assert sys.modules[name] is module
    assert module.__name__ == name
    assert module.__loader__ is loader
    assert module.__package__ == package
    assert module.loaded is True


class RaisingIsPackage(DecoratedLoader):
    def is_package(self, fullname: str) -> bool:
        raise ImportError(fullname)


class NoIsPackage:
    @module_for_loader
    def load_module(self, module: types.ModuleType) -> types.ModuleType:
        return module


@pytest.mark.parametrize("loader", [RaisingIsPackage(), NoIsPackage()])
def test_module_for_loader_leaves_package_unset_without_a_usable_is_package(loader: Any) -> None:
    with strict():
        module = loader.load_module("lmc_nopkg.mod")
    assert module.__loader__ is loader
    assert module.__package__ is None


def test_module_for_loader_passes_an_existing_module_in_as_is() -> None:
    existing = types.ModuleType("lmc_existing")
    sys.modules["lmc_existing"] = existing
    loader = DecoratedLoader()
    with strict():
        assert loader.load_module("lmc_existing") is existing
    assert loader.seen == [(existing, existing)]
    # Documented: passed in as is. (CPython 3.4-3.11 also set these two on a reload.)
    assert existing.__loader__ is None
    assert existing.__package__ is None


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt()])
def test_module_for_loader_removes_only_a_module_it_added(error: BaseException) -> None:
    loader = DecoratedLoader(error=error)
    with strict(), pytest.raises(type(error)):
        loader.load_module("lmc_fails")
    assert loader.seen[0][1] is loader.seen[0][0]  # it was registered while loading
    assert "lmc_fails" not in sys.modules

    existing = types.ModuleType("lmc_fails")
    sys.modules["lmc_fails"] = existing
    with strict(), pytest.raises(type(error)):
        loader.load_module("lmc_fails")
    assert sys.modules["lmc_fails"] is existing


def test_decorators_keep_the_wrapped_method_metadata() -> None:
    for decorator in (module_for_loader, set_loader, set_package):

        def load_module(self: Any, fullname: str) -> None:
            """Original docstring."""

        wrapped = decorator(load_module)
        assert wrapped.__name__ == "load_module"
        assert wrapped.__doc__ == "Original docstring."
        assert wrapped.__wrapped__ is load_module  # type: ignore[attr-defined]


# --- set_loader / set_package -----------------------------------------------------------------


class Returns:
    """A legacy loader method that returns a prepared module."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    @set_loader
    def load_module(self, fullname: str) -> types.ModuleType:
        return self.module


def test_set_loader_sets_a_missing_or_none_loader_only() -> None:
    fresh = types.ModuleType("lmc_a")
    removed = types.ModuleType("lmc_b")
    del removed.__loader__
    kept = types.ModuleType("lmc_c")
    kept.__loader__ = sentinel = object()
    with strict():
        for module in (fresh, removed):
            loader = Returns(module)
            assert loader.load_module(module.__name__) is module
            assert module.__loader__ is loader
        assert Returns(kept).load_module("lmc_c") is kept
    assert kept.__loader__ is sentinel


@set_package
def returning(module: types.ModuleType) -> types.ModuleType:
    return module


def module_with(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for attr, value in attrs.items():
        setattr(module, attr, value)
    return module


@pytest.mark.parametrize(
    ("module", "package"),
    [
        (module_with("lmc_a.b.c"), "lmc_a.b"),
        (module_with("lmc_top"), ""),
        (module_with("lmc_a.pkg", __path__=[]), "lmc_a.pkg"),
        (module_with("lmc_top_pkg", __path__=["/x"]), "lmc_top_pkg"),
        (module_with("lmc_a.b", __package__="keep"), "keep"),
        (module_with("lmc_a.b", __package__=""), ""),
    ],
)
def test_set_package_fills_in_an_unset_package(module: types.ModuleType, package: str) -> None:
    with strict():
        assert returning(module) is module
    assert module.__package__ == package


def test_set_package_changes_the_returned_module_not_sys_modules() -> None:
    in_sys_modules = types.ModuleType("lmc_a.b")
    sys.modules["lmc_a.b"] = in_sys_modules
    returned = types.ModuleType("lmc_a.b")
    with strict():
        returning(returned)
    assert returned.__package__ == "lmc_a"
    assert in_sys_modules.__package__ is None


# --- PyLoader ---------------------------------------------------------------------------------


def test_pyloader_is_an_execution_loader_with_the_pep_451_protocol() -> None:
    loader = MemoryPyLoader({})
    assert isinstance(loader, importlib.abc.ExecutionLoader)
    assert isinstance(loader, importlib.abc.InspectLoader)
    assert loader.create_module(importlib.util.spec_from_loader("lmc_x", loader)) is None  # type: ignore[arg-type]


def test_pyloader_imports_a_module() -> None:
    path = source_file("lmc_mod")
    loader = serve(MemoryPyLoader({path: b"VALUE = 42\nNAME = __name__\n"}), "lmc_mod")
    with strict():
        module = importlib.import_module("lmc_mod")
        assert "lmc_mod" in repr(module)
    assert (module.VALUE, module.NAME) == (42, "lmc_mod")
    assert module.__file__ == path
    assert module.__spec__.origin == path
    assert module.__loader__ is loader
    assert module.__spec__.loader is loader
    assert module.__package__ == ""
    assert not hasattr(module, "__path__")


def test_pyloader_imports_a_package_and_its_submodule() -> None:
    init, sub = source_file("lmc_pkg", package=True), source_file("lmc_pkg.sub")
    files = {init: b"from . import sub\nPACKAGE = __package__\n", sub: b"PACKAGE = __package__\n"}
    serve(MemoryPyLoader(files, packages=("lmc_pkg",)), "lmc_pkg", "lmc_pkg.sub")
    with strict():
        package = importlib.import_module("lmc_pkg")
    assert package.__file__ == init
    assert package.__spec__.origin == init
    assert package.__path__ == [os.path.dirname(init)] == [ROOT + "/lmc_pkg"]
    assert package.__package__ == package.PACKAGE == "lmc_pkg"
    assert package.sub is sys.modules["lmc_pkg.sub"]
    assert package.sub.__file__ == package.sub.__spec__.origin == sub
    assert package.sub.__package__ == package.sub.PACKAGE == "lmc_pkg"


def test_load_module_for_legacy_callers() -> None:
    init = source_file("lmc_legacy", package=True)
    source = b"RUNS = globals().get('RUNS', 0) + 1\n"
    loader = MemoryPyLoader({init: source}, packages=("lmc_legacy",))
    with strict():
        module = loader.load_module("lmc_legacy")
        assert sys.modules["lmc_legacy"] is module
        assert module.__file__ == module.__spec__.origin == init
        assert module.__path__ == [os.path.dirname(init)]
        assert module.__package__ == "lmc_legacy"
        assert module.__loader__ is loader
        assert module.RUNS == 1
        # A second call reloads into the module already in sys.modules.
        assert loader.load_module("lmc_legacy") is module
        assert module.RUNS == 2
        serve(loader, "lmc_legacy")  # importlib.reload() asks the finders for a spec
        assert importlib.reload(module) is module
        assert module.RUNS == 3


def test_load_module_sets_path_to_the_documented_dirname() -> None:
    """``[os.path.dirname(__file__)]`` as documented (CPython 3.2 split on the last separator)."""
    init = ROOT + "/lmc_slashes//__init__.py"

    class DoubleSlash(MemoryPyLoader):
        def source_path(self, fullname: str) -> str | None:
            return init

    loader = DoubleSlash({init: b"VALUE = 1\n"}, packages=("lmc_slashes",))
    with strict():
        module = loader.load_module("lmc_slashes")
    assert module.__file__ == init
    assert module.__path__ == [os.path.dirname(init)] == [ROOT + "/lmc_slashes"]


def test_load_module_failure_removes_only_a_new_module() -> None:
    path = source_file("lmc_broken")
    loader = MemoryPyLoader({path: b"VALUE = 1 / 0\n"})
    with strict(), pytest.raises(ZeroDivisionError):
        loader.load_module("lmc_broken")
    assert "lmc_broken" not in sys.modules

    loader.files[path] = b"VALUE = 1\n"
    with strict():
        module = loader.load_module("lmc_broken")
    loader.files[path] = b"VALUE = 1 / 0\n"
    with strict(), pytest.raises(ZeroDivisionError):
        loader.load_module("lmc_broken")
    assert sys.modules["lmc_broken"] is module


def test_exec_module_without_a_spec_uses_the_module_name() -> None:
    loader = MemoryPyLoader({source_file("lmc_bare"): b"VALUE = __name__\n"})
    module = types.ModuleType("lmc_bare")
    with strict():
        loader.exec_module(module)
    assert module.VALUE == "lmc_bare"


SOURCE_WITH_A_FAILURE = b'''"""A module whose function fails."""


def fail():
    raise RuntimeError("raised in the loaded module")  # the real line
'''


def check_failure_shows_the_real_source(module: types.ModuleType, path: str) -> None:
    with pytest.raises(RuntimeError) as info:
        module.fail()
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno, last.name) == (path, 5, "fail")
    assert last.line == 'raise RuntimeError("raised in the loaded module")  # the real line'
    formatted = "".join(traceback.format_exception(type(info.value), info.value, info.tb))
    assert f'File "{path}", line 5, in fail' in formatted
    assert "# the real line" in formatted
    assert inspect.getsource(module.fail) == SOURCE_WITH_A_FAILURE.decode().split("\n\n\n")[1]
    assert linecache.getline(path, 4, module.__dict__) == "def fail():\n"


def test_pyloader_tracebacks_inspect_and_linecache_show_the_real_source() -> None:
    path = source_file("lmc_tb")
    serve(MemoryPyLoader({path: SOURCE_WITH_A_FAILURE}), "lmc_tb")
    with strict():
        module = importlib.import_module("lmc_tb")
        check_failure_shows_the_real_source(module, path)


def test_get_source_decodes_a_pep_263_latin_1_file() -> None:
    path = source_file("lmc_latin1")
    raw = b"# -*- coding: latin-1 -*-\r\nWORD = 'caf\xe9'\r\n"
    loader = serve(MemoryPyLoader({path: raw}), "lmc_latin1")
    with strict():
        assert loader.get_source("lmc_latin1") == "# -*- coding: latin-1 -*-\nWORD = 'café'\n"
        assert importlib.import_module("lmc_latin1").WORD == "café"


def test_get_source_of_an_unreadable_source_raises_import_error() -> None:
    class Unreadable(MemoryPyLoader):
        def source_path(self, fullname: str) -> str | None:
            return source_file(fullname)

    with strict(), pytest.raises(ImportError):
        Unreadable({}).get_source("lmc_gone")


def test_no_source_path_means_import_error() -> None:
    loader = serve(MemoryPyLoader({}), "lmc_missing")
    with strict():
        assert loader.get_source("lmc_missing") is None
        with pytest.raises(ImportError):
            loader.get_filename("lmc_missing")
        with pytest.raises(ImportError):
            loader.get_code("lmc_missing")
        with pytest.raises(ImportError):
            importlib.import_module("lmc_missing")
        assert "lmc_missing" not in sys.modules
        with pytest.raises(ImportError):
            loader.load_module("lmc_missing")
    assert "lmc_missing" not in sys.modules


@pytest.mark.parametrize("base", [MemoryPyLoader, MemoryPycLoader])
def test_load_module_asks_get_code_before_is_package(base: type) -> None:
    # The documented order (3.2 PyLoader.load_module: get_code, then get_filename, then
    # is_package): a module without source is an ImportError, whatever is_package would do.
    calls: list[str] = []

    class Recording(base):  # type: ignore[misc, valid-type]
        def get_code(self, fullname: str) -> Any:
            calls.append("get_code")
            return super().get_code(fullname)

        def is_package(self, fullname: str) -> bool:
            calls.append("is_package")
            if fullname == "lmc_sourceless":
                raise KeyError(fullname)  # cannot answer for a module it has no file of
            return super().is_package(fullname)  # type: ignore[no-any-return]

    loader = Recording({source_file("lmc_order"): b"X = 1\n"})
    with strict():
        with pytest.raises(ImportError):
            loader.load_module("lmc_sourceless")
        assert calls == ["get_code"]
        assert "lmc_sourceless" not in sys.modules
        calls.clear()
        assert loader.load_module("lmc_order").X == 1
    assert calls == ["get_code", "is_package"]
    assert loader.reads.count(source_file("lmc_order")) == 1  # compiled once


def complete_methods(base: type) -> dict[str, Any]:
    methods: dict[str, Any] = {
        "source_path": lambda self, fullname: None,
        "get_data": lambda self, path: b"",
        "is_package": lambda self, fullname: False,
    }
    if issubclass(base, PyPycLoader):
        methods["source_mtime"] = lambda self, fullname: None
        methods["bytecode_path"] = lambda self, fullname: None
        methods["write_bytecode"] = lambda self, fullname, bytecode: False
    return methods


@pytest.mark.parametrize(
    ("base", "missing"),
    [(PyLoader, name) for name in ("source_path", "get_data", "is_package")]
    + [
        (PyPycLoader, name)
        for name in (
            "source_path",
            "get_data",
            "is_package",
            "source_mtime",
            "bytecode_path",
            "write_bytecode",
        )
    ],
)
def test_a_subclass_missing_an_abstract_method_cannot_be_instantiated(
    base: type, missing: str
) -> None:
    methods = complete_methods(base)
    type("Complete", (base,), methods)()
    del methods[missing]
    incomplete = type("Incomplete", (base,), methods)
    with pytest.raises(TypeError, match=missing):
        incomplete()


# --- PyPycLoader ------------------------------------------------------------------------------


@pytest.mark.usefixtures("bytecode_enabled")
def test_pypycloader_writes_bytecode_then_reuses_it() -> None:
    path = source_file("lmc_pyc")
    source = b"VALUE = 'first'\n"
    loader = serve(MemoryPycLoader({path: source}), "lmc_pyc")
    loader.mtimes["lmc_pyc"] = 1234
    with strict():
        assert importlib.import_module("lmc_pyc").VALUE == "first"
    [(name, written)] = loader.writes
    assert name == "lmc_pyc"
    assert written[:4] == MAGIC
    assert written[4:8] == bytes(4)  # flags: timestamp-based
    assert written[8:12] == (1234).to_bytes(4, "little")
    assert written[12:16] == len(source).to_bytes(4, "little")
    assert marshal.loads(written[16:]).co_filename == path

    # New source bytes, same mtime: the bytecode is trusted and the source is never read.
    loader.files[path] = b"VALUE = 'second'\n"
    loader.reads.clear()
    with strict():
        module = reimport("lmc_pyc")
    assert module.VALUE == "first"
    assert path not in loader.reads
    assert loader.reads == [path + "c"]
    assert len(loader.writes) == 1
    assert module.__file__ == path  # get_filename prefers the source path
    assert loader.get_filename("lmc_pyc") == path


@pytest.mark.usefixtures("bytecode_enabled")
def test_pypycloader_recompiles_stale_bytecode() -> None:
    path = source_file("lmc_stale")
    loader = serve(MemoryPycLoader({path: b"VALUE = 'old'\n"}), "lmc_stale")
    with strict():
        importlib.import_module("lmc_stale")
        loader.files[path] = b"VALUE = 'new'\n"
        loader.mtimes["lmc_stale"] = 2000
        assert reimport("lmc_stale").VALUE == "new"
        assert len(loader.writes) == 2
        assert loader.writes[1][1][8:12] == (2000).to_bytes(4, "little")
        assert reimport("lmc_stale").VALUE == "new"
    assert len(loader.writes) == 2


@pytest.mark.usefixtures("bytecode_enabled")
def test_pypycloader_compares_the_mtime_masked_to_32_bits() -> None:
    path = source_file("lmc_y2106")
    loader = serve(MemoryPycLoader({path: b"VALUE = 'compiled'\n"}), "lmc_y2106")
    loader.mtimes["lmc_y2106"] = 2**32 + 7
    with strict():
        importlib.import_module("lmc_y2106")
        assert loader.writes[0][1][8:12] == (7).to_bytes(4, "little")
        loader.files[path] = b"VALUE = 'changed'\n"
        assert reimport("lmc_y2106").VALUE == "compiled"


VALID = compile("VALUE = 'from bytecode'\n", source_file("lmc_bad"), "exec")


@pytest.mark.usefixtures("bytecode_enabled")
@pytest.mark.parametrize(
    "bad",
    [
        b"\x00\x00\r\n" + pyc(VALID, mtime=1000)[4:],  # wrong magic
        MAGIC + b"\x01\x00\x00\x00" + pyc(VALID, mtime=1000)[8:],  # hash-based flags
        pyc(VALID, mtime=1000)[:12],  # truncated header
        pyc(VALID, mtime=1000)[:-5],  # truncated marshal data
        pyc(VALID, mtime=1000)[:16] + marshal.dumps(42),  # not a code object
    ],
    ids=["magic", "flags", "header", "marshal", "not-code"],
)
def test_pypycloader_ignores_invalid_bytecode(bad: bytes) -> None:
    path = source_file("lmc_bad")
    loader = serve(MemoryPycLoader({path: b"VALUE = 'from source'\n", path + "c": bad}), "lmc_bad")
    with strict():
        assert importlib.import_module("lmc_bad").VALUE == "from source"
    [(_, rewritten)] = loader.writes
    assert rewritten[:8] == MAGIC + bytes(4)


@pytest.mark.usefixtures("bytecode_enabled")
def test_pypycloader_loads_bytecode_only_modules_and_packages() -> None:
    mod_pyc = source_file("lmc_only") + "c"
    pkg_pyc = source_file("lmc_onlypkg", package=True) + "c"
    files = {
        mod_pyc: pyc(compile("VALUE = 'no source'\n", "<orig>", "exec"), mtime=5),
        pkg_pyc: pyc(compile("PACKAGE = __package__\n", "<orig>", "exec")),
    }
    loader = serve(MemoryPycLoader(files, ("lmc_onlypkg",)), "lmc_only", "lmc_onlypkg")
    with strict():
        module = importlib.import_module("lmc_only")
        package = importlib.import_module("lmc_onlypkg")
        assert loader.get_source("lmc_only") is None
        assert loader.get_filename("lmc_only") == mod_pyc
    assert module.VALUE == "no source"
    assert module.__file__ == module.__spec__.origin == mod_pyc
    assert package.__path__ == [os.path.dirname(pkg_pyc)]
    assert package.__package__ == package.PACKAGE == "lmc_onlypkg"
    assert loader.writes == []


def test_pypycloader_without_source_or_valid_bytecode_raises_import_error() -> None:
    bad_pyc = source_file("lmc_badonly") + "c"
    loader = serve(MemoryPycLoader({bad_pyc: b"garbage" * 4}), "lmc_badonly", "lmc_nothing")
    with strict():
        with pytest.raises(ImportError):
            importlib.import_module("lmc_badonly")
        with pytest.raises(ImportError):
            loader.load_module("lmc_badonly")
        with pytest.raises(ImportError):
            loader.get_filename("lmc_nothing")
        with pytest.raises(ImportError):
            loader.get_code("lmc_nothing")
        with pytest.raises(ImportError):
            importlib.import_module("lmc_nothing")
    assert "lmc_badonly" not in sys.modules
    assert "lmc_nothing" not in sys.modules


def test_pypycloader_honours_dont_write_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    loader = serve(MemoryPycLoader({source_file("lmc_nowrite"): b"VALUE = 1\n"}), "lmc_nowrite")
    with strict():
        assert importlib.import_module("lmc_nowrite").VALUE == 1
    assert loader.writes == []


@pytest.mark.usefixtures("bytecode_enabled")
def test_pypycloader_source_without_mtime_is_compiled_and_not_cached() -> None:
    class NoMtime(MemoryPycLoader):
        def source_mtime(self, fullname: str) -> int | None:
            return None

    path = source_file("lmc_nomtime")
    stale = pyc(compile("VALUE = 'bytecode'\n", path, "exec"))
    loader = serve(NoMtime({path: b"VALUE = 'source'\n", path + "c": stale}), "lmc_nomtime")
    with strict():
        assert importlib.import_module("lmc_nomtime").VALUE == "source"
    assert loader.writes == []


@pytest.mark.usefixtures("bytecode_enabled")
def test_pypycloader_on_disk_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "lmc_disk.py"
    source.write_bytes(SOURCE_WITH_A_FAILURE + b"VALUE = 'first'\n")
    os.utime(source, (1_600_000_000, 1_600_000_000))
    loader = serve(DiskPycLoader(tmp_path), "lmc_disk")
    with strict():
        module = importlib.import_module("lmc_disk")
        assert (tmp_path / "lmc_disk.pyc").exists()
        check_failure_shows_the_real_source(module, str(source))

        # Same mtime, different bytes: the bytecode is used, tracebacks still show the file.
        source.write_bytes(SOURCE_WITH_A_FAILURE + b"VALUE = 'other'\n")
        os.utime(source, (1_600_000_000, 1_600_000_000))
        module = reimport("lmc_disk")
        assert module.VALUE == "first"
        check_failure_shows_the_real_source(module, str(source))

        os.utime(source, (1_600_000_100, 1_600_000_100))
        assert reimport("lmc_disk").VALUE == "other"
        assert loader.get_filename("lmc_disk") == str(source)


@pytest.mark.usefixtures("bytecode_enabled")
def test_nothing_warns_even_where_the_import_system_swallows_warnings() -> None:
    """Record every warning, including ones an ``except Exception`` would hide under "error"."""
    init = source_file("lmc_quiet", package=True)
    files = {init: b"VALUE = 1\n", source_file("lmc_quiet.mod"): b"from . import VALUE\n"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loader = serve(MemoryPycLoader(files, ("lmc_quiet",)), "lmc_quiet", "lmc_quiet.mod")
        module = importlib.import_module("lmc_quiet.mod")
        repr(module)
        repr(sys.modules["lmc_quiet"])
        importlib.reload(module)
        reimport("lmc_quiet.mod")
        loader.load_module("lmc_quiet.mod")
        inspect.getsource(module)
        DecoratedLoader().load_module("lmc_quiet_decorated")
        repr(sys.modules["lmc_quiet_decorated"])
        returning(Returns(types.ModuleType("lmc_quiet_returned")).load_module("x"))
    assert [f"{w.category.__name__}: {w.message}" for w in caught] == []
