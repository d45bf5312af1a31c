"""Differential harness: legacy loaders under CPython's fallback vs. through ``wrap_legacy``.

Every scenario imports through one legacy idiom from ``fixtures/legacy_importers/idioms.py``
and returns a JSON-able observation. In mode ``"fallback"`` the finder hands the import system
the legacy loader itself (CPython's ``_load_backward_compatible`` runs it); in mode
``"wrapped"`` it hands ``wrap_legacy(loader)``; in mode ``"decorated"`` it hands the loader
itself, made an instance of a subclass under ``@legacy_loader``. The fallback observations of
CPython 3.11 are stored in ``fixtures/shim/oracle-cpython-3.11.json``; regenerate them with

    python3.11 tests/shim/differential.py --write
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
ORACLE = ROOT / "fixtures" / "shim" / "oracle-cpython-3.11.json"
sys.path.insert(0, str(ROOT / "fixtures"))

from legacy_importers import idioms  # noqa: E402

from loadermig.shim import legacy_loader, wrap_legacy  # noqa: E402

MISSING = "<missing>"
Observation = dict[str, Any]


class PrefixFinder:
    """A modern meta path finder that serves every name under ``prefix`` from ``loader``."""

    def __init__(self, prefix: str, loader: Any, mode: str) -> None:
        self.prefix = prefix
        if mode == "decorated":
            legacy = type(loader)
            loader.__class__ = legacy_loader(type(legacy.__name__, (legacy,), {}))
        self.loader = wrap_legacy(loader) if mode == "wrapped" else loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == self.prefix or fullname.startswith(self.prefix + "."):
            return importlib.util.spec_from_loader(fullname, self.loader)
        return None


class Scenario:
    """One run: a finder on sys.meta_path, a scratch dir on sys.path, cleanup afterwards."""

    def __init__(self, name: str, mode: str) -> None:
        self.prefix = "lmd_" + name
        self.mode = mode
        self.scratch = Path(tempfile.mkdtemp(prefix="lmd-"))
        self.finders: list[PrefixFinder] = []

    def serve(self, loader: Any, prefix: str = "") -> Any:
        finder = PrefixFinder(prefix or self.prefix, loader, self.mode)
        self.finders.append(finder)
        sys.meta_path.insert(0, finder)
        return loader

    def real_module(self, name: str, source: str) -> None:
        (self.scratch / f"{name}.py").write_text(source)

    def rel(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(str(self.scratch), "<scratch>")
        return value

    def describe(self, obj: Any) -> Observation:
        spec = getattr(obj, "__spec__", None)
        path = getattr(obj, "__path__", MISSING)
        return {
            "type": type(obj).__name__,
            "__name__": getattr(obj, "__name__", MISSING),
            "__file__": self.rel(getattr(obj, "__file__", MISSING)),
            "__path__": path if path is MISSING else [self.rel(p) for p in path],
            "__package__": getattr(obj, "__package__", MISSING),
            "spec": None
            if spec is None
            else {"name": spec.name, "origin": self.rel(spec.origin), "parent": spec.parent},
        }

    def ours(self) -> list[str]:
        """Names in sys.modules that this scenario owns."""
        return sorted(n for n in sys.modules if n.startswith((self.prefix, "lmreal_")))

    def attempt(self, name: str) -> Observation:
        """Import ``name`` and describe the outcome, success or failure."""
        try:
            module = importlib.import_module(name)
        except Exception as error:
            return {"error": type(error).__name__, "modules": self.ours()}
        return {
            "module": self.describe(module),
            "is_registered": sys.modules.get(name) is module,
            "modules": self.ours(),
        }


@contextmanager
def scenario(name: str, mode: str) -> Iterator[Scenario]:
    run = Scenario(name, mode)
    sys.path.insert(0, str(run.scratch))
    before = set(sys.modules)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImportWarning)
            yield run
    finally:
        sys.path.remove(str(run.scratch))
        for finder in run.finders:
            sys.meta_path.remove(finder)
        for added in set(sys.modules) - before:
            del sys.modules[added]
        importlib.invalidate_caches()


def setdefault(run: Scenario) -> Observation:
    run.serve(idioms.SetdefaultLoader({run.prefix: "X = 1"}))
    return run.attempt(run.prefix)


def early_return(run: Scenario) -> Observation:
    loader = run.serve(idioms.EarlyReturnLoader({run.prefix: "X = 1"}))
    result = run.attempt(run.prefix)
    result["executions"] = loader.executions
    return result


def always_new(run: Scenario) -> Observation:
    run.serve(idioms.AlwaysNewLoader({run.prefix: "X = 1"}))
    return run.attempt(run.prefix)


def bare_with_get_filename(run: Scenario) -> Observation:
    # get_filename/is_package give the spec an origin and search locations; under the
    # fallback the module itself gets neither __file__ nor __path__, so it is no package.
    run.serve(idioms.BareLoader({run.prefix: "X = 1", run.prefix + ".sub": "Y = 2"}))
    result = run.attempt(run.prefix)
    result["sub"] = run.attempt(run.prefix + ".sub")
    return result


def non_module_object(run: Scenario) -> Observation:
    run.serve(idioms.NonModuleLoader())
    result = run.attempt(run.prefix)
    result["answer"] = getattr(sys.modules.get(run.prefix), "ANSWER", None)
    return result


def alias_vendored(run: Scenario) -> Observation:
    run.real_module("lmreal_vendored", "COUNT = globals().get('COUNT', 0) + 1\n")
    # The parent package comes from a plain loader; the alias finder is consulted first.
    run.serve(idioms.SetdefaultLoader({run.prefix: "", run.prefix + ".x": ""}))
    run.serve(
        idioms.AliasLoader(run.prefix + ".vendored", "lmreal_vendored"), run.prefix + ".vendored"
    )
    result = run.attempt(run.prefix + ".vendored")
    real = sys.modules["lmreal_vendored"]
    result["alias_is_real_module"] = sys.modules.get(run.prefix + ".vendored") is real
    result["real"] = run.describe(real)
    reloaded = importlib.reload(real)
    result["reload_real"] = {"same": reloaded is real, "count": real.COUNT}
    return result


def six_moves(run: Scenario) -> Observation:
    run.real_module("lmreal_six_target", "VALUE = 'moved'\n")
    run.serve(idioms.SixStyleLoader({run.prefix: "lmreal_six_target"}))
    result = run.attempt(run.prefix)
    result["value"] = getattr(sys.modules.get(run.prefix), "VALUE", None)
    real = sys.modules["lmreal_six_target"]
    result["real_spec_name"] = real.__spec__.name
    result["reload_alias"] = importlib.reload(sys.modules[run.prefix]) is real
    return result


def package_with_submodule(run: Scenario) -> Observation:
    sources = {run.prefix: "PKG = True", run.prefix + ".child": "from . import sibling\nC = 1"}
    sources[run.prefix + ".sibling"] = "S = 1"
    run.serve(idioms.SetdefaultLoader(sources))
    result = run.attempt(run.prefix + ".child")
    package = sys.modules.get(run.prefix)
    result["package"] = run.describe(package)
    result["child_bound_on_package"] = hasattr(package, "child")
    result["sibling"] = run.describe(sys.modules.get(run.prefix + ".sibling"))
    return result


def imports_other_modules(run: Scenario) -> Observation:
    run.real_module("lmreal_helper", "H = 1\n")
    sources = {run.prefix: "import lmreal_helper\nimport json\nX = lmreal_helper.H"}
    run.serve(idioms.EarlyReturnLoader(sources))
    return run.attempt(run.prefix)


def module_for_loader_style(run: Scenario) -> Observation:
    sources = {run.prefix: "", run.prefix + ".leaf": "X = __name__"}
    run.serve(idioms.ModuleForLoaderStyle(sources))
    result = run.attempt(run.prefix + ".leaf")
    result["package"] = run.describe(sys.modules.get(run.prefix))
    return result


def refuses_with_import_error(run: Scenario) -> Observation:
    run.real_module("lmreal_before", "")
    importlib.import_module("lmreal_before")
    run.serve(idioms.RefusingLoader())
    return run.attempt(run.prefix)


def fails_in_module_code(run: Scenario) -> Observation:
    run.real_module("lmreal_side_effect", "")
    sources = {run.prefix: "import lmreal_side_effect\n1 / 0\n"}
    run.serve(idioms.EarlyReturnLoader(sources))
    return run.attempt(run.prefix)


def reload_setdefault(run: Scenario) -> Observation:
    loader = run.serve(idioms.SetdefaultLoader({run.prefix: "N = globals().get('N', 0) + 1"}))
    first = importlib.import_module(run.prefix)
    second = importlib.reload(first)
    return {
        "same_object": second is first and sys.modules[run.prefix] is first,
        "N": first.N,
        "executions": loader.executions,
        "module": run.describe(first),
    }


def reload_early_return(run: Scenario) -> Observation:
    loader = run.serve(idioms.EarlyReturnLoader({run.prefix: "N = globals().get('N', 0) + 1"}))
    first = importlib.import_module(run.prefix)
    second = importlib.reload(first)
    return {
        "same_object": second is first,
        "N": first.N,
        "executions": loader.executions,
        "module": run.describe(first),
    }


SCENARIOS: dict[str, Callable[[Scenario], Observation]] = {
    f.__name__: f
    for f in (
        setdefault,
        early_return,
        always_new,
        bare_with_get_filename,
        non_module_object,
        alias_vendored,
        six_moves,
        package_with_submodule,
        imports_other_modules,
        module_for_loader_style,
        refuses_with_import_error,
        fails_in_module_code,
        reload_setdefault,
        reload_early_return,
    )
}


def observe(name: str, mode: str) -> Observation:
    """Run scenario ``name`` in ``mode`` ("fallback", "wrapped", "decorated"); what it saw."""
    with scenario(name, mode) as run:
        return SCENARIOS[name](run)


def observe_all(mode: str) -> dict[str, Observation]:
    """Every scenario's observation in ``mode``."""
    return {name: observe(name, mode) for name in SCENARIOS}


if __name__ == "__main__":
    observations = observe_all("fallback")
    text = json.dumps(observations, indent=2, sort_keys=True) + "\n"
    if "--write" in sys.argv:
        if sys.version_info[:2] != (3, 11):
            sys.exit("the oracle is CPython 3.11's fallback: run this with python3.11")
        ORACLE.parent.mkdir(parents=True, exist_ok=True)
        ORACLE.write_text(text)
    else:
        sys.stdout.write(text)
