"""``@legacy_finder``: a PEP 302 finder class given ``find_spec`` built on its own
``find_module``/``find_loader`` (what ``rewrite --fallback shim`` puts on finders that LM006 and
LM007 keep), compared with the interpreter's fallback where it exists (3.9-3.11)."""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

import pytest

from loadermig.shim import legacy_finder, legacy_loader, wrap_legacy_finder

BOOTSTRAP = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")
FALLBACK = sys.version_info < (3, 12)


class MetaFinder:
    """A meta path finder and loader; find_module counts the import-system frames above it."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.sources = sources
        self.frames: list[str] = []

    def find_module(self, fullname: str, path: Any = None) -> Any:
        frame: FrameType | None = sys._getframe(1)
        self.frames = []
        while frame is not None and frame.f_code.co_filename in BOOTSTRAP:
            self.frames.append(frame.f_code.co_name)
            frame = frame.f_back
        return self if fullname in self.sources else None

    def load_module(self, fullname: str) -> Any:
        module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
        module.__loader__ = self
        exec(self.sources[fullname], module.__dict__)
        return module


def test_meta_path_finder_imports_without_warnings_and_as_deep_as_the_fallback() -> None:
    modes = ["decorated", *(["fallback"] if FALLBACK else [])]
    frames = {}
    for mode in modes:
        cls = MetaFinder
        if mode == "decorated":
            cls = legacy_finder(legacy_loader(type("Meta", (MetaFinder,), {})))
        finder = cls({f"lmlf_{mode}": "X = 1\n"})
        sys.meta_path.insert(0, finder)
        with warnings.catch_warnings():
            warnings.simplefilter("error" if mode == "decorated" else "ignore")
            assert importlib.import_module(f"lmlf_{mode}").X == 1
        sys.meta_path.remove(finder)
        frames[mode] = finder.frames
    assert frames["decorated"][0] == "meta_find_spec"
    if FALLBACK:
        assert frames["fallback"][0] == "_find_spec_legacy"
        assert len(frames["decorated"]) == len(frames["fallback"])


class PortionFinder:
    """A path entry finder with find_loader: a namespace portion per directory."""

    def __init__(self, path: str) -> None:
        self.path = path

    def find_loader(self, fullname: str) -> Any:
        candidate = Path(self.path) / fullname.rpartition(".")[2]
        if candidate.is_dir():
            return None, [str(candidate)]
        return None, []


def test_path_entry_finder_gives_namespace_portions(tmp_path: Path) -> None:
    for part in ("one", "two"):
        (tmp_path / part / "lmlf_ns").mkdir(parents=True)
        (tmp_path / part / "lmlf_ns" / f"{part}.py").write_text(f"NAME = {part!r}\n")
    cls = legacy_finder(type("Portions", (PortionFinder,), {}))
    prefix = str(tmp_path / "hook-")

    def hook(path: str) -> Any:
        if not path.startswith(prefix):
            raise ImportError(path)
        return cls(str(tmp_path / path[len(prefix) :]))

    sys.path_hooks.insert(0, hook)
    sys.path[:0] = [prefix + "one", prefix + "two", str(tmp_path / "one"), str(tmp_path / "two")]
    sys.path_importer_cache.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        package = importlib.import_module("lmlf_ns")
    assert [Path(p).parent.name for p in package.__path__][:2] == ["one", "two"]


class StaticFinder:
    sources: ClassVar[dict[str, str]] = {"lmlf_static": "Y = 2\n"}

    @staticmethod
    def find_module(fullname: str, path: Any = None) -> Any:
        return StaticFinder if fullname in StaticFinder.sources else None

    @classmethod
    def load_module(cls, fullname: str) -> Any:
        module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
        exec(cls.sources[fullname], module.__dict__)
        return module


def test_class_registered_itself_gets_a_classmethod() -> None:
    decorated = legacy_finder(legacy_loader(StaticFinder))
    sys.meta_path.insert(0, decorated)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert importlib.import_module("lmlf_static").Y == 2


def test_a_finder_with_find_spec_is_left_and_the_decorated_one_is_not_wrapped() -> None:
    class Modern:
        def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
            return None

        def find_module(self, fullname: str, path: Any = None) -> Any:
            raise AssertionError("never called")

    assert legacy_finder(Modern) is Modern and "find_spec" in vars(Modern)
    finder = legacy_finder(type("Meta", (MetaFinder,), {}))({})
    assert wrap_legacy_finder(finder) is finder


@pytest.mark.parametrize("target", [MetaFinder({}), type("NoFinder", (), {})])
def test_no_class_or_no_finder_method_is_a_type_error(target: Any) -> None:
    with pytest.raises(TypeError, match="legacy_finder"):
        legacy_finder(target)
