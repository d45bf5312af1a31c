"""wrap_legacy: the behaviour the import system promises, for PEP 302 loaders."""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import inspect
import linecache
import pkgutil
import sys
import threading
import traceback
import types
import warnings
from pathlib import Path
from typing import Any

import pytest
from legacy_importers import idioms
from plugin_host.importer import PluginFinder, PluginLoader

from loadermig.shim import wrap_legacy
from loadermig.shim.loaders import LegacyLoaderAdapter

from ..conftest import PLUGIN_HOST


class ServeWrapped:
    """Meta path finder serving names under ``prefix`` from ``wrap_legacy(loader)``."""

    def __init__(self, prefix: str, loader: Any) -> None:
        self.prefix = prefix
        self.loader = wrap_legacy(loader)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == self.prefix or fullname.startswith(self.prefix + "."):
            return importlib.util.spec_from_loader(fullname, self.loader)
        return None


def serve(prefix: str, loader: Any) -> Any:
    sys.meta_path.insert(0, ServeWrapped(prefix, loader))
    return loader


def serve_plugins(tmp_path: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    finder = PluginFinder("lmplugins", str(tmp_path))
    sys.meta_path.insert(0, ServeWrapped("lmplugins", _LoaderOf(finder)))


class _LoaderOf:
    """A legacy loader that asks a legacy finder for the real loader of each name."""

    def __init__(self, finder: PluginFinder) -> None:
        self.finder = finder

    def loader(self, fullname: str) -> PluginLoader:
        found = self.finder.find_module(fullname)
        if found is None:
            raise ImportError(fullname, name=fullname)
        return found  # type: ignore[no-any-return]

    def load_module(self, fullname: str) -> Any:
        return self.loader(fullname).load_module(fullname)

    def get_source(self, fullname: str) -> str:
        return self.loader(fullname).get_source(fullname)  # type: ignore[no-any-return]

    def get_filename(self, fullname: str) -> str:
        return self.loader(fullname).get_filename(fullname)  # type: ignore[no-any-return]

    def is_package(self, fullname: str) -> bool:
        return self.loader(fullname).is_package(fullname)  # type: ignore[no-any-return]

    def get_data(self, path: str) -> bytes:
        return Path(path).read_bytes()


# --- the API's contract ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thing", "missing"),
    [(object(), "load_module"), (types.SimpleNamespace(load_module=None), "load_module")],
)
def test_wrapping_a_non_loader_raises_type_error_naming_what_is_missing(
    thing: Any, missing: str
) -> None:
    with pytest.raises(TypeError, match=missing):
        wrap_legacy(thing)


def test_wrapping_is_idempotent_and_leaves_modern_loaders_alone() -> None:
    legacy = idioms.SetdefaultLoader({})
    wrapped = wrap_legacy(legacy)
    assert isinstance(wrapped, LegacyLoaderAdapter)
    assert wrap_legacy(wrapped) is wrapped
    modern = importlib.machinery.SourceFileLoader("x", "x.py")
    assert wrap_legacy(modern) is modern


def test_adapter_has_exactly_the_optional_protocols_of_the_loader() -> None:
    bare = wrap_legacy(idioms.EarlyReturnLoader({}))
    rich = wrap_legacy(PluginLoader("p", "/nowhere/p.py", False))
    for protocol in ("get_source", "get_code", "get_data", "get_filename", "is_package"):
        assert not hasattr(bare, protocol)
        assert getattr(rich, protocol).__self__ is rich.wrapped
    assert hasattr(bare, "exec_module") and hasattr(bare, "create_module")


def test_adapter_compares_equal_to_the_loader_it_wraps() -> None:
    legacy = idioms.SetdefaultLoader({})
    assert wrap_legacy(legacy) == legacy
    assert legacy == wrap_legacy(legacy)
    assert wrap_legacy(legacy) == legacy
    assert wrap_legacy(legacy) != idioms.SetdefaultLoader({})
    assert hash(wrap_legacy(legacy)) == hash(legacy)


# --- sys.modules across failure and reload --------------------------------------------------


def test_failure_removes_only_the_failing_module() -> None:
    importlib.import_module("json")  # present before
    serve("lm_side", idioms.SetdefaultLoader({"lm_side": "S = 1"}))
    loader = serve("lm_leaky", idioms.LeakyFailingLoader({"lm_leaky": "import lm_side\n1/0"}))
    with pytest.raises(ZeroDivisionError):
        importlib.import_module("lm_leaky")
    assert loader.executions == {"lm_leaky": 1}
    assert "lm_leaky" not in sys.modules  # the loader left it there; the import system did not
    assert "lm_side" in sys.modules
    assert "json" in sys.modules


def test_reload_re_executes_in_the_same_object(tmp_path: Path) -> None:
    serve_plugins(tmp_path, {"__init__.py": "", "counter.py": "N = globals().get('N', 0) + 1"})
    module = importlib.import_module("lmplugins.counter")
    assert importlib.reload(module) is module
    assert module.N == 2
    assert sys.modules["lmplugins.counter"] is module


def test_failed_reload_leaves_the_module_in_place(tmp_path: Path) -> None:
    # PluginLoader removes the module from sys.modules when execution fails; under CPython's
    # fallback a failed reload then loses the module and raises KeyError instead.
    serve_plugins(tmp_path, {"__init__.py": "", "flaky.py": "X = 1"})
    module = importlib.import_module("lmplugins.flaky")
    (tmp_path / "flaky.py").write_text("X = 2\nraise ValueError('second run fails')\n")
    with pytest.raises(ValueError, match="second run fails"):
        importlib.reload(module)
    assert sys.modules["lmplugins.flaky"] is module


def test_alias_keeps_the_real_modules_spec_and_reload_works() -> None:
    importlib.import_module("json.decoder")
    real = sys.modules["json.decoder"]
    own_spec = real.__spec__
    serve("lm_vendor", idioms.SetdefaultLoader({"lm_vendor": "", "lm_vendor.x": ""}))
    serve("lm_vendor.decoder", idioms.AliasLoader("lm_vendor.decoder", "json.decoder"))
    assert importlib.import_module("lm_vendor.decoder") is real
    assert real.__spec__ is own_spec
    assert real.__name__ == "json.decoder"
    assert importlib.reload(real) is real


def test_loader_that_registers_nothing_gets_a_clear_import_error() -> None:
    class Forgetful:
        def load_module(self, fullname: str) -> types.ModuleType:
            return types.ModuleType(fullname)

    serve("lm_forgetful", Forgetful())
    with pytest.raises(ImportError, match=r"did not put 'lm_forgetful' into sys\.modules"):
        importlib.import_module("lm_forgetful")


def test_exec_module_by_hand_loads_once_and_the_given_module_reads_as_the_loaded_one() -> None:
    legacy = idioms.SetdefaultLoader({"lm_manual": "X = 1"})
    loader = wrap_legacy(legacy)
    spec = importlib.util.spec_from_loader("lm_manual", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    assert legacy.executions == {"lm_manual": 1}
    assert sys.modules["lm_manual"].X == 1  # the loader's own module, as under the fallback
    assert module.X == 1


def test_exec_module_by_hand_refuses_when_another_module_holds_the_name() -> None:
    loader = wrap_legacy(idioms.SetdefaultLoader({"lm_taken": "X = 1"}))
    sys.modules["lm_taken"] = types.ModuleType("lm_taken")
    spec = importlib.util.spec_from_loader("lm_taken", loader)
    assert spec is not None
    with pytest.raises(ImportError, match="holds another object"):
        loader.exec_module(importlib.util.module_from_spec(spec))


def test_a_stale_prepared_module_forwards_to_the_module_the_loader_made() -> None:
    # What a thread holds when it waited on a module the loader then replaced.
    loader = wrap_legacy(idioms.EarlyReturnLoader({"lm_stale": "X = 'real'"}))
    spec = importlib.util.spec_from_loader("lm_stale", loader)
    assert spec is not None
    prepared = importlib.util.module_from_spec(spec)
    sys.modules["lm_stale"] = prepared
    spec._initializing = True  # type: ignore[attr-defined]
    loader.exec_module(prepared)
    real = sys.modules["lm_stale"]
    assert real is not prepared
    assert prepared.X == "real"


# --- protocols forwarded: tracebacks, inspect, linecache, data, resources -------------------


def test_source_lines_inspect_and_data_work_through_the_adapter() -> None:
    finder = PluginFinder("plugins", str(PLUGIN_HOST / "plugin_files"))
    sys.meta_path.insert(0, ServeWrapped("plugins", _LoaderOf(finder)))
    hello = importlib.import_module("plugins.greet.hello")
    greet = sys.modules["plugins.greet"]
    assert isinstance(greet.__spec__.loader, LegacyLoaderAdapter)
    assert greet.GREETING == "Hello from a legacy importer"  # __loader__.get_data at import
    assert pkgutil.get_data("plugins.greet", "greeting.txt") == b"Hello from a legacy importer\n"
    assert 'raise RuntimeError("shown with its source line")' in inspect.getsource(hello.fail)
    with pytest.raises(RuntimeError) as caught:
        hello.fail()
    rendered = "".join(traceback.format_exception(caught.type, caught.value, caught.tb))
    assert 'raise RuntimeError("shown with its source line")' in rendered
    assert linecache.getline(hello.__file__, 4) == "def greet(name):\n"


def test_get_resource_reader_is_forwarded(tmp_path: Path) -> None:
    (tmp_path / "res.txt").write_text("from the reader")

    class Reader:
        """Both reader protocols: files() (3.10+) and open_resource() (what 3.9 asks)."""

        def files(self) -> Path:
            return tmp_path

        def open_resource(self, resource: str) -> Any:
            return (tmp_path / resource).open("rb")

        def is_resource(self, name: str) -> bool:
            return (tmp_path / name).is_file()

    class WithReader(idioms.SetdefaultLoader):
        def is_package(self, fullname: str) -> bool:
            return self.is_pkg(fullname)

        def get_resource_reader(self, fullname: str) -> Reader:
            return Reader()

    serve("lm_res", WithReader({"lm_res": "", "lm_res.x": ""}))
    importlib.import_module("lm_res")
    if sys.version_info >= (3, 10):
        text = importlib.resources.files("lm_res").joinpath("res.txt").read_text()
    else:  # 3.9's files() ignores readers; its read_text() goes through one
        text = importlib.resources.read_text("lm_res", "res.txt")
    assert text == "from the reader"


def test_no_loader_mismatch_deprecation_warning_from_wrapped_modules() -> None:
    serve("lm_warns", idioms.SetdefaultLoader({"lm_warns": "X = 1"}))
    module = importlib.import_module("lm_warns")
    assert module.__loader__ is not module.__spec__.loader  # legacy loader vs its adapter

    def categories(globals_: dict[str, Any]) -> list[type[Warning]]:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            warnings.warn_explicit("probe", UserWarning, "f.py", 1, module_globals=globals_)
        return [w.category for w in seen]

    assert categories(vars(module)) == [UserWarning]
    if sys.version_info >= (3, 12):  # the probe does detect a real mismatch
        mismatched = dict(vars(module), __loader__=idioms.SetdefaultLoader({}))
        assert DeprecationWarning in categories(mismatched)


# --- threads --------------------------------------------------------------------------------

SLOW_MODULE = "import time\nSTARTED = True\ntime.sleep(0.3)\nDONE = True\n"


class ServeRaw(ServeWrapped):
    """The same finder handing the import system the legacy loader itself (its fallback)."""

    def __init__(self, prefix: str, loader: Any) -> None:
        self.prefix = prefix
        self.loader = loader


MODES = ["wrapped", "fallback"] if sys.version_info < (3, 12) else ["wrapped"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "loader_type", [idioms.SetdefaultLoader, idioms.ModuleForLoaderStyle, PluginLoader]
)
def test_threads_importing_at_once_end_with_the_module_executed_once(
    loader_type: type, mode: str, tmp_path: Path
) -> None:
    # As under the fallback: load_module runs once, with no sys.modules entry for the name;
    # threads that import meanwhile wait on the module lock, or get the loader's module as it
    # stands (the loader registered it before executing it), which is executed by the end.
    name = f"lm_threads_{loader_type.__name__.lower()}_{mode}"
    if loader_type is PluginLoader:
        source = tmp_path / f"{name}.py"
        source.write_text(SLOW_MODULE + "import builtins\nbuiltins.lm_runs.append(1)\n")
        loader: Any = PluginLoader(name, str(source), False)
        import builtins

        builtins.lm_runs = []  # type: ignore[attr-defined]
    else:
        loader = loader_type({name: SLOW_MODULE})
    sys.meta_path.insert(0, (ServeWrapped if mode == "wrapped" else ServeRaw)(name, loader))

    barrier = threading.Barrier(8)
    modules: list[Any] = []

    def worker(index: int) -> None:
        barrier.wait()
        if index % 2:
            module = importlib.import_module(name)
        else:
            namespace: dict[str, Any] = {}
            exec(f"import {name} as module", namespace)  # the C fast path of `import`
            module = namespace["module"]
        modules.append(module)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)  # the fallback's
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [getattr(module, "DONE", False) for module in modules] == [True] * 8
    if loader_type is PluginLoader:
        import builtins

        assert builtins.lm_runs == [1]  # type: ignore[attr-defined]
        del builtins.lm_runs  # type: ignore[attr-defined]
    else:
        assert loader.executions == {name: 1}
