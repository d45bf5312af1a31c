"""``@legacy_loader``: a PEP 302 loader class given ``create_module``/``exec_module`` that run
its own ``load_module`` with ``wrap_legacy``'s guarantees (what ``rewrite --fallback shim``
puts on the loaders it cannot rewrite).

The differential scenarios (fresh imports, reloads, failures, packages, aliasing loaders) are
compared with CPython 3.11's fallback: the stored oracle everywhere, the live fallback on 3.11.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import types
import warnings
from types import FrameType
from typing import Any, ClassVar

import pytest

from loadermig.shim import legacy_loader, wrap_legacy

from . import differential

ORACLE = json.loads(differential.ORACLE.read_text())
BOOTSTRAP = "<frozen importlib._bootstrap>"
FALLBACK = sys.version_info < (3, 12)


@pytest.mark.parametrize("name", sorted(differential.SCENARIOS))
def test_decorated_loader_matches_cpython_311_fallback(name: str) -> None:
    assert differential.observe(name, "decorated") == ORACLE[name]


class Served:
    """A modern meta path finder handing out ``loader`` for the names it has sources for."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.loader.sources:
            return None
        return importlib.util.spec_from_loader(fullname, self.loader)


class DictLoader:
    """A textbook PEP 302 loader: guard, create, register, execute, clean up on failure."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.calls: list[str] = []
        self.stack: list[str] = []  # file names of the frames between it and the importer

    def load_module(self, fullname: str) -> Any:
        self.calls.append(fullname)
        frame: FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == BOOTSTRAP:
            self.stack.append(frame.f_code.co_name)
            frame = frame.f_back
        if fullname in sys.modules:
            module = sys.modules[fullname]
        else:
            module = types.ModuleType(fullname)
            sys.modules[fullname] = module
        module.__loader__ = self
        try:
            exec(self.sources[fullname], module.__dict__)
        except BaseException:
            del sys.modules[fullname]
            raise
        return module


def test_import_under_warnings_as_errors_runs_load_module_once() -> None:
    loader = legacy_loader(type("Loader", (DictLoader,), {}))({"lmll_fresh": "X = 1\n"})
    sys.meta_path.insert(0, Served(loader))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback ImportWarning, no DeprecationWarning
        module = importlib.import_module("lmll_fresh")
        assert importlib.reload(module) is module
    assert module.X == 1
    assert loader.calls == ["lmll_fresh", "lmll_fresh"]
    assert module.__loader__ is loader
    assert module.__spec__.loader is loader
    assert module.__package__ == ""


def test_failed_import_leaves_no_entry_and_failed_reload_keeps_the_module() -> None:
    loader = legacy_loader(type("Loader", (DictLoader,), {}))({"lmll_fail": "X = 1\n"})
    sys.meta_path.insert(0, Served(loader))
    module = importlib.import_module("lmll_fail")
    loader.sources["lmll_fail"] = "raise RuntimeError('boom')\n"
    with pytest.raises(RuntimeError):
        importlib.reload(module)
    assert sys.modules["lmll_fail"] is module
    loader.sources["lmll_other"] = "raise RuntimeError('boom')\n"
    with pytest.raises(RuntimeError):
        importlib.import_module("lmll_other")
    assert "lmll_other" not in sys.modules


def test_stack_walkers_pass_as_many_import_system_frames_as_under_the_fallback() -> None:
    frames = {}
    modes = ["decorated", *(["fallback"] if FALLBACK else [])]
    for mode in modes:
        cls = DictLoader if mode == "fallback" else legacy_loader(type("L", (DictLoader,), {}))
        loader = cls({f"lmll_stack_{mode}": "X = 1\n"})
        finder = Served(loader)
        sys.meta_path.insert(0, finder)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImportWarning)
            importlib.import_module(f"lmll_stack_{mode}")
        sys.meta_path.remove(finder)
        frames[mode] = loader.stack
    assert frames["decorated"][0] == "exec_through_load_module"
    if FALLBACK:
        assert frames["fallback"][0] == "_load_backward_compatible"
        assert len(frames["decorated"]) == len(frames["fallback"])


class ClassAsLoader:
    """The class itself is the finder and loader (static and class methods), as in hooks
    that put the class on ``sys.meta_path``."""

    sources: ClassVar[dict[str, str]] = {"lmll_cls": "Y = 2\n"}

    @classmethod
    def find_spec(cls, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname in cls.sources:
            return importlib.util.spec_from_loader(fullname, cls)
        return None

    @staticmethod
    def load_module(fullname: str) -> Any:
        module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
        exec(ClassAsLoader.sources[fullname], module.__dict__)
        return module


def test_class_used_as_loader_gets_classmethods() -> None:
    decorated = legacy_loader(ClassAsLoader)
    sys.meta_path.insert(0, decorated)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = importlib.import_module("lmll_cls")
    assert module.Y == 2
    assert module.__loader__ is ClassAsLoader


def test_subclass_load_module_is_the_one_run() -> None:
    base = legacy_loader(type("Base", (DictLoader,), {}))

    class Child(base):  # type: ignore[misc,valid-type]
        def load_module(self, fullname: str) -> Any:
            module = super().load_module(fullname)
            module.CHILD = True
            return module

    sys.meta_path.insert(0, Served(Child({"lmll_child": "X = 1\n"})))
    assert importlib.import_module("lmll_child").CHILD is True


def test_a_class_with_exec_module_is_left_as_it_is() -> None:
    class Modern(importlib.abc.InspectLoader):
        def get_source(self, fullname: str) -> str:
            return ""

        def load_module(self, fullname: str) -> Any:
            raise AssertionError("never called: the import system uses exec_module")

    assert legacy_loader(Modern) is Modern
    assert "create_module" not in vars(Modern) and "exec_module" not in vars(Modern)


def test_decorated_loader_is_modern_for_wrap_legacy() -> None:
    cls = legacy_loader(type("Loader", (DictLoader,), {}))
    loader = cls({})
    assert wrap_legacy(loader) is loader
    assert cls.load_module is DictLoader.load_module  # kept for callers


@pytest.mark.parametrize("target", [DictLoader({}), type("NoLoader", (), {})])
def test_no_class_or_no_load_module_is_a_type_error(target: Any) -> None:
    with pytest.raises(TypeError, match="legacy_loader"):
        legacy_loader(target)
