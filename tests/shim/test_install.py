"""install() / uninstall(): legacy hooks already registered keep working, and come back intact."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from pathlib import Path

from plugin_host.importer import LegacyDirImporter, PluginFinder, register

import loadermig
from loadermig.shim import install, is_installed, uninstall
from loadermig.shim.finders import LegacyMetaPathFinderAdapter, LegacyPathEntryFinderAdapter
from loadermig.shim.install import MetaPathWatcher, PathHookAdapter

from ..conftest import PLUGIN_HOST

PLUGIN_FILES = PLUGIN_HOST / "plugin_files"
TOOLS = PLUGIN_FILES / "tools.legacy"


def strict() -> warnings.catch_warnings:  # type: ignore[type-arg]
    """No ImportWarning/DeprecationWarning may escape: the import system's fallback is unused."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error", ImportWarning)
    warnings.simplefilter("error", DeprecationWarning)
    return context


def test_unmodified_legacy_application_imports_everything() -> None:
    register(str(PLUGIN_FILES))
    sys.path.append(str(TOOLS))
    context = strict()
    try:
        with install():
            import calc  # type: ignore[import-not-found]
            import ns_part.mod  # type: ignore[import-not-found]
            from plugins.greet import hello  # type: ignore[import-not-found]
    finally:
        context.__exit__(None, None, None)
    assert hello.greet("x") == "Hello from a legacy importer, x!"
    assert calc.add(1, 2) == 3
    assert ns_part.mod.VALUE == "namespace portion"
    assert list(ns_part.__path__) == [str(TOOLS / "ns_part")]


def test_install_adapts_in_place_and_in_order_and_uninstall_restores() -> None:
    first, second = PluginFinder("a", "."), PluginFinder("b", ".")
    sys.meta_path[1:1] = [first]
    sys.meta_path.append(second)
    cached = LegacyDirImporter(str(TOOLS))
    sys.path_importer_cache["lm-entry"] = cached
    sys.path_importer_cache["lm-none"] = None
    before_meta = list(sys.meta_path)
    before_hooks = list(sys.path_hooks)

    install()
    assert isinstance(sys.meta_path[0], MetaPathWatcher)
    adapted = sys.meta_path[1:]
    assert [getattr(f, "wrapped", f) for f in adapted] == before_meta
    assert isinstance(adapted[1], LegacyMetaPathFinderAdapter) and adapted[1].wrapped is first
    assert isinstance(adapted[-1], LegacyMetaPathFinderAdapter) and adapted[-1].wrapped is second
    untouched = [f for f, orig in zip(adapted, before_meta) if f is orig]
    assert len(untouched) == len(before_meta) - 2  # the modern finders are the same objects
    assert all(isinstance(hook, PathHookAdapter) for hook in sys.path_hooks)
    assert isinstance(sys.path_importer_cache["lm-entry"], LegacyPathEntryFinderAdapter)
    assert sys.path_importer_cache["lm-none"] is None

    uninstall()
    assert sys.meta_path == before_meta
    assert all(a is b for a, b in zip(sys.meta_path, before_meta))
    assert all(a is b for a, b in zip(sys.path_hooks, before_hooks))
    assert sys.path_importer_cache["lm-entry"] is cached
    assert not is_installed()


def test_install_is_idempotent_and_nests_as_a_context_manager() -> None:
    sys.meta_path.append(PluginFinder("a", "."))
    with install() as outer:
        snapshot = list(sys.meta_path)
        with install() as inner:
            assert list(sys.meta_path) == snapshot
            assert all(a is b for a, b in zip(sys.meta_path, snapshot))
            assert inner.active
        assert is_installed()  # the inner block did not install, so it does not uninstall
        assert outer.active
    assert not is_installed()
    assert not any(
        isinstance(f, (MetaPathWatcher, LegacyMetaPathFinderAdapter)) for f in sys.meta_path
    )


def test_legacy_finders_added_after_install_are_adapted_in_their_position() -> None:
    with install():
        appended = PluginFinder("plugins", str(PLUGIN_FILES))
        sys.meta_path.append(appended)
        context = strict()
        try:
            greet = importlib.import_module("plugins.greet")
        finally:
            context.__exit__(None, None, None)
        assert greet.GREETING.startswith("Hello")
        assert isinstance(sys.meta_path[-1], LegacyMetaPathFinderAdapter)
        assert sys.meta_path[-1].wrapped is appended
    assert sys.meta_path[-1] is appended


def test_legacy_finder_inserted_ahead_of_the_watcher_is_adapted_at_once() -> None:
    # 3.12+ skip such a finder and the watcher, next in line, answers for it; 3.9-3.11 reach it
    # through their fallback (_find_spec_legacy), which install() hooks while installed.
    with install():
        ahead = PluginFinder("plugins", str(PLUGIN_FILES))
        sys.meta_path.insert(0, ahead)
        context = strict()
        try:
            greet = importlib.import_module("plugins.greet")
        finally:
            context.__exit__(None, None, None)
        assert greet.GREETING.startswith("Hello")
        assert isinstance(sys.meta_path[0], LegacyMetaPathFinderAdapter)
        assert isinstance(greet.__spec__.loader, loadermig.shim.loaders.LegacyLoaderAdapter)
    assert sys.meta_path[0] is ahead


def test_uninstall_gives_the_interpreter_its_fallback_back() -> None:
    bootstrap = sys.modules["importlib._bootstrap"]
    before = getattr(bootstrap, "_find_spec_legacy", None)
    with install():
        if before is not None:  # 3.9-3.11
            assert bootstrap._find_spec_legacy is not before
    assert getattr(bootstrap, "_find_spec_legacy", None) is before


def test_path_hooks_keep_their_identity_for_callers(tmp_path: Path) -> None:
    hook = LegacyDirImporter
    sys.path_hooks.insert(0, hook)
    with install():
        assert hook in sys.path_hooks  # the adapter compares equal to its hook
        sys.path_hooks.remove(hook)
        assert hook not in sys.path_hooks
        sys.path_hooks.insert(0, hook)
    assert sys.path_hooks[0] is hook


def test_modern_imports_are_unaffected(tmp_path: Path) -> None:
    (tmp_path / "lm_plain.py").write_text("X = 1\n")
    sys.path.insert(0, str(tmp_path))
    with install():
        module = importlib.import_module("lm_plain")
    assert type(module.__spec__.loader).__name__ == "SourceFileLoader"
