"""Finder adapters in both directions, for meta path and path entry finders."""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest
from plugin_host.importer import LegacyDirImporter, PluginFinder

from loadermig.shim import install, wrap_legacy_finder, wrap_modern, wrap_modern_finder
from loadermig.shim.finders import (
    LegacyMetaPathFinderAdapter,
    LegacyPathEntryFinderAdapter,
    ModernMetaPathFinderAdapter,
    ModernPathEntryFinderAdapter,
    finder_kind,
)
from loadermig.shim.loaders import LegacyLoaderAdapter, ModernLoaderAdapter

from ..conftest import PLUGIN_HOST

PLUGIN_FILES = PLUGIN_HOST / "plugin_files"
TOOLS = PLUGIN_FILES / "tools.legacy"


def test_legacy_meta_path_finder_gets_find_spec_with_origin_and_package_ness() -> None:
    finder = wrap_legacy_finder(PluginFinder("plugins", str(PLUGIN_FILES)))
    assert isinstance(finder, LegacyMetaPathFinderAdapter)
    package = finder.find_spec("plugins.greet", None)
    module = finder.find_spec("plugins.greet.hello", None, None)
    assert package.origin == str(PLUGIN_FILES / "greet" / "__init__.py")
    assert package.submodule_search_locations == [str(PLUGIN_FILES / "greet")]
    assert module.origin == str(PLUGIN_FILES / "greet" / "hello.py")
    assert module.submodule_search_locations is None
    assert isinstance(module.loader, LegacyLoaderAdapter)
    assert finder.find_spec("elsewhere", None) is None


def test_import_through_a_wrapped_legacy_meta_path_finder() -> None:
    sys.meta_path.insert(0, wrap_legacy_finder(PluginFinder("plugins", str(PLUGIN_FILES))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from plugins.greet import hello  # type: ignore[import-not-found]
    assert hello.greet("you") == "Hello from a legacy importer, you!"
    assert hello.__package__ == "plugins.greet"
    assert sys.modules["plugins.greet"].__path__ == [str(PLUGIN_FILES / "greet")]


def test_legacy_path_entry_finder_gets_find_spec_with_namespace_portions() -> None:
    finder = wrap_legacy_finder(LegacyDirImporter(str(TOOLS)))
    assert isinstance(finder, LegacyPathEntryFinderAdapter)
    calc = finder.find_spec("calc")
    assert calc.origin == str(TOOLS / "calc.py")
    portion = finder.find_spec("ns_part", None)
    assert portion.loader is None
    assert portion.submodule_search_locations == [str(TOOLS / "ns_part")]
    assert finder.find_spec("missing") is None


def test_path_entry_finder_with_only_find_module() -> None:
    class OnlyFindModule:
        def __init__(self, inner: LegacyDirImporter) -> None:
            self.inner = inner

        def find_module(self, fullname: str) -> Any:
            return self.inner.find_module(fullname)

    finder = wrap_legacy_finder(OnlyFindModule(LegacyDirImporter(str(TOOLS))))
    assert isinstance(finder, LegacyPathEntryFinderAdapter)
    assert finder.find_spec("calc").origin == str(TOOLS / "calc.py")
    assert finder.find_spec("ns_part") is None


def test_kind_detection_and_override() -> None:
    assert finder_kind(PluginFinder("p", ".")) == "meta"
    assert finder_kind(LegacyDirImporter(str(TOOLS))) == "path"
    assert finder_kind(importlib.machinery.PathFinder) == "meta"
    assert finder_kind(importlib.machinery.FileFinder(".")) == "path"
    forced = wrap_legacy_finder(PluginFinder("p", "."), kind="path")
    assert isinstance(forced, LegacyPathEntryFinderAdapter)


def test_wrapping_finders_is_idempotent_and_checks_its_input() -> None:
    modern = importlib.machinery.PathFinder
    assert wrap_legacy_finder(modern) is modern
    legacy = wrap_legacy_finder(PluginFinder("p", "."))
    assert wrap_legacy_finder(legacy) is legacy
    back = wrap_modern_finder(modern)
    assert wrap_modern_finder(back) is back
    with pytest.raises(TypeError, match="find_module"):
        wrap_legacy_finder(object())
    with pytest.raises(TypeError, match="find_spec"):
        wrap_modern_finder(object())


def test_modern_meta_path_finder_serves_legacy_callers(tmp_path: Path) -> None:
    (tmp_path / "lm_pkg").mkdir()
    (tmp_path / "lm_pkg" / "__init__.py").write_text("P = 1\n")
    (tmp_path / "lm_pkg" / "mod.py").write_text("M = __name__\n")
    sys.path.insert(0, str(tmp_path))
    finder = wrap_modern_finder(importlib.machinery.PathFinder)
    assert isinstance(finder, ModernMetaPathFinderAdapter)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        package_loader = finder.find_module("lm_pkg")
        package = package_loader.load_module("lm_pkg")
        module = finder.find_module("lm_pkg.mod", package.__path__).load_module("lm_pkg.mod")
    assert isinstance(package_loader, ModernLoaderAdapter)
    assert package.__path__ == [str(tmp_path / "lm_pkg")]
    assert package.__file__ == str(tmp_path / "lm_pkg" / "__init__.py")
    assert module.M == "lm_pkg.mod"
    assert module.__spec__.loader is module.__loader__
    assert finder.find_module("lm_absent") is None


def test_modern_path_entry_finder_serves_legacy_callers(tmp_path: Path) -> None:
    (tmp_path / "ns_only").mkdir()
    (tmp_path / "plain.py").write_text("X = 1\n")
    finder = wrap_modern_finder(
        importlib.machinery.FileFinder(
            str(tmp_path), (importlib.machinery.SourceFileLoader, [".py"])
        )
    )
    assert isinstance(finder, ModernPathEntryFinderAdapter)
    loader, portions = finder.find_loader("plain")
    assert portions == []
    assert loader.load_module("plain").X == 1
    assert finder.find_loader("ns_only") == (None, [str(tmp_path / "ns_only")])
    assert finder.find_module("ns_only") is None
    assert finder.find_loader("nothing") == (None, [])


def test_wrap_modern_load_module_semantics(tmp_path: Path) -> None:
    source = tmp_path / "lm_modern.py"
    source.write_text("import lm_side_effect\nN = globals().get('N', 0) + 1\n")
    (tmp_path / "lm_side_effect.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    loader = wrap_modern(importlib.machinery.SourceFileLoader("lm_modern", str(source)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # never the interpreter's deprecated shim
        module = loader.load_module("lm_modern")
        assert sys.modules["lm_modern"] is module
        assert module.__file__ == str(source)
        assert module.__loader__ is loader and module.__spec__.loader is loader
        assert loader.load_module("lm_modern") is module  # a reload: same object
        assert module.N == 2
        source.write_text("raise ValueError('reload fails')\n")
        importlib.invalidate_caches()
        with pytest.raises(ValueError):
            loader.load_module("lm_modern")
        assert sys.modules["lm_modern"] is module  # a failed reload keeps the module
        del sys.modules["lm_modern"]
        with pytest.raises(ValueError):
            loader.load_module("lm_modern")
    assert "lm_modern" not in sys.modules  # a failed load does not
    assert "lm_side_effect" in sys.modules


def test_wrap_modern_is_idempotent_and_checks_its_input() -> None:
    class LegacyOnly:
        def load_module(self, fullname: str) -> None: ...

    legacy = LegacyOnly()
    assert wrap_modern(legacy) is legacy
    adapter = wrap_modern(importlib.machinery.SourceFileLoader("x", "x.py"))
    assert wrap_modern(adapter) is adapter
    with pytest.raises(TypeError, match="exec_module"):
        wrap_modern(object())


def test_modern_loader_adapter_still_serves_the_import_system(tmp_path: Path) -> None:
    source = tmp_path / "lm_both.py"
    source.write_text("X = 3\n")
    adapter = wrap_modern(importlib.machinery.SourceFileLoader("lm_both", str(source)))
    spec = importlib.util.spec_from_loader("lm_both", adapter)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    adapter.exec_module(module)
    assert module.X == 3


def test_wrap_modern_reload_skips_attributes_the_module_refuses(tmp_path: Path) -> None:
    class ReadOnlyFile(types.ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            if name == "__file__":
                raise AttributeError("read-only __file__")
            super().__setattr__(name, value)

    source = tmp_path / "lm_readonly.py"
    source.write_text("N = globals().get('N', 0) + 1\n")
    module = ReadOnlyFile("lm_readonly")
    sys.modules["lm_readonly"] = module
    loader = wrap_modern(importlib.machinery.SourceFileLoader("lm_readonly", str(source)))
    assert loader.load_module("lm_readonly") is module
    assert module.N == 1
    assert not hasattr(module, "__file__")
    assert module.__spec__.origin == str(source)


class NotALoaderFinder:
    """CPython's own test mock shape: find_module returns something that is no loader."""

    @staticmethod
    def find_module(fullname: str, path: Any = None) -> Any:
        return fullname, path


def test_find_module_result_that_is_no_loader_goes_into_the_spec_as_is() -> None:
    # CPython's fallback builds the spec around whatever it got (spec_from_loader).
    spec = wrap_legacy_finder(NotALoaderFinder).find_spec("lm_notloader", ["p"])
    assert spec is not None
    assert spec.loader == ("lm_notloader", ["p"])


@pytest.mark.parametrize("mode", [*(["fallback"] if sys.version_info < (3, 12) else []), "install"])
def test_find_spec_and_find_loader_hand_back_a_non_loader_as_the_fallback_does(mode: str) -> None:
    if mode == "install":
        install()
    sys.meta_path.insert(0, NotALoaderFinder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        spec = importlib.util.find_spec("lm_notloader")
        assert spec is not None
        assert spec.loader == ("lm_notloader", None)
        if sys.version_info < (3, 12):  # importlib.find_loader, with only this finder
            warnings.simplefilter("ignore", DeprecationWarning)
            sys.meta_path[:] = [NotALoaderFinder]
            find_loader = importlib.find_loader  # type: ignore[attr-defined]
            assert find_loader("lm_notloader") == ("lm_notloader", None)
