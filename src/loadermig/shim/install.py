"""``install()`` / ``uninstall()``: adapt the legacy hooks the import system already holds."""

from __future__ import annotations

import sys
import threading
import zipimport
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import TracebackType
from typing import Any

from ._adapter import Adapter
from ._frames import BOOTSTRAP, BOOTSTRAP_EXTERNAL, import_system_frame
from .finders import (
    LegacyMetaPathFinderAdapter,
    LegacyPathEntryFinderAdapter,
    wrap_legacy_finder,
)


def _is_legacy_finder(finder: Any) -> bool:
    # 3.9's zipimporter has find_loader/find_module but no find_spec (added in 3.10). The
    # interpreter serves it faithfully (3.9 has no warning for that), and pkgutil dispatches
    # on its type (iter_importer_modules), so it is left as it is.
    return (
        not callable(getattr(finder, "find_spec", None))
        and (
            callable(getattr(finder, "find_module", None))
            or callable(getattr(finder, "find_loader", None))
        )
        and not isinstance(finder, zipimport.zipimporter)
    )


class PathHookAdapter(Adapter):
    """A ``sys.path_hooks`` entry whose legacy path entry finders come out adapted."""

    __slots__ = ()

    @import_system_frame(BOOTSTRAP_EXTERNAL)
    def __call__(self, path: str) -> Any:
        finder = self._wrapped(path)
        return wrap_legacy_finder(finder, "path") if _is_legacy_finder(finder) else finder


class MetaPathWatcher:
    """First entry of ``sys.meta_path`` while installed: adapts legacy hooks added later.

    Each lookup first swaps any new legacy finder in ``sys.meta_path`` for its adapter, in its
    position. The import system iterates that same list, so finders after the watcher are
    seen adapted by the very import that found them; finders inserted before the watcher (which
    this import has already passed) are asked here, in their order, so they are not skipped.
    A hook added to ``sys.path_hooks`` since the last lookup is wrapped in its position too
    (and legacy finders already cached in ``sys.path_importer_cache`` are adapted), before
    ``PathFinder`` can consult it.
    """

    @import_system_frame(BOOTSTRAP)
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: Any = None
    ) -> ModuleSpec | None:
        """Adapt new legacy finders; answer for those that stand before the watcher."""
        path_hooks = sys.path_hooks
        for hook in path_hooks:
            if type(hook) is not PathHookAdapter:
                _adapt_path_hooks()
                break
        meta_path = sys.meta_path
        ahead: list[Any] = []
        passed_self = False
        for index, finder in enumerate(meta_path):
            if finder is self:
                passed_self = True
            elif _is_legacy_finder(finder):
                adapter = wrap_legacy_finder(finder, "meta")
                meta_path[index] = adapter
                if not passed_self:
                    ahead.append(adapter)
        for adapter in ahead:
            spec = adapter.find_spec(fullname, path, target)
            if spec is not None:
                return spec  # type: ignore[no-any-return]
        return None

    def invalidate_caches(self) -> None:
        """Nothing cached here."""


class LegacyFinderFallbackHook:
    """Up to 3.11: adapt a legacy finder the moment the import system falls back to it.

    A legacy finder inserted *ahead* of the watcher is reached before the watcher runs. Python
    3.9-3.11 then call ``importlib._bootstrap._find_spec_legacy`` (looked up at call time; it
    does not exist from 3.12 on, where such finders are skipped and the watcher answers for
    them). While installed, that function is replaced by this one: it swaps the finder for its
    adapter in place and asks the adapter, so no ImportWarning and no fallback semantics.
    """

    def __init__(self, bootstrap: Any) -> None:
        self.bootstrap = bootstrap
        self.original = bootstrap._find_spec_legacy

    @import_system_frame(BOOTSTRAP)
    def __call__(self, finder: Any, name: str, path: Any) -> ModuleSpec | None:
        adapter = wrap_legacy_finder(finder, "meta")
        meta_path = sys.meta_path
        for index, entry in enumerate(meta_path):
            if entry is finder:
                meta_path[index] = adapter
        return adapter.find_spec(name, path)  # type: ignore[no-any-return]

    @classmethod
    def install(cls) -> LegacyFinderFallbackHook | None:
        """Put the hook in place where the interpreter has the fallback; None elsewhere."""
        bootstrap = sys.modules.get("importlib._bootstrap")
        if not hasattr(bootstrap, "_find_spec_legacy"):
            return None
        hook = cls(bootstrap)
        bootstrap._find_spec_legacy = hook  # type: ignore[union-attr]
        return hook

    def uninstall(self) -> None:
        """Give the interpreter its own function back."""
        self.bootstrap._find_spec_legacy = self.original


class Installation:
    """What :func:`install` returns: a context manager that uninstalls on exit.

    Only the call that actually installed uninstalls on exit, so nested ``with install():``
    blocks leave the shim in place until the outermost one ends.
    """

    def __init__(self, owner: bool) -> None:
        self.owner = owner

    @property
    def active(self) -> bool:
        """Whether the shim is installed right now."""
        return _state.watcher is not None

    def __enter__(self) -> Installation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.owner:
            uninstall()


class _State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.watcher: MetaPathWatcher | None = None
        self.fallback_hook: LegacyFinderFallbackHook | None = None


_state = _State()


def install() -> Installation:
    """Adapt, in place and in order, every legacy hook the import system knows of.

    Legacy finders on ``sys.meta_path`` become :class:`LegacyMetaPathFinderAdapter`; every
    ``sys.path_hooks`` entry is wrapped so legacy path entry finders it makes come out
    adapted; legacy finders cached in ``sys.path_importer_cache`` are adapted; legacy
    finders appended to ``sys.meta_path`` later are adapted at the next import. Modern finders
    and loaders are left as they are. Idempotent: a second call changes nothing. Returns an
    :class:`Installation`, usable as ``with install(): ...``.
    """
    with _state.lock:
        if _state.watcher is not None:
            return Installation(owner=False)
        watcher = MetaPathWatcher()
        for index, finder in enumerate(sys.meta_path):
            if _is_legacy_finder(finder):
                sys.meta_path[index] = wrap_legacy_finder(finder, "meta")
        sys.meta_path.insert(0, watcher)
        _adapt_path_hooks()
        _state.watcher = watcher
        _state.fallback_hook = LegacyFinderFallbackHook.install()
        return Installation(owner=True)


def _adapt_path_hooks() -> None:
    """Wrap every ``sys.path_hooks`` entry; adapt legacy finders cached from earlier hooks."""
    hooks = sys.path_hooks
    for index, hook in enumerate(hooks):
        if not isinstance(hook, PathHookAdapter):
            hooks[index] = PathHookAdapter(hook)
    for entry, cached in list(sys.path_importer_cache.items()):
        if cached is not None and _is_legacy_finder(cached):
            sys.path_importer_cache[entry] = wrap_legacy_finder(cached, "path")


def uninstall() -> None:
    """Undo :func:`install`: put the original finders and hooks back where they stand now."""
    with _state.lock:
        watcher = _state.watcher
        if watcher is None:
            return
        sys.meta_path[:] = [
            _original(finder, LegacyMetaPathFinderAdapter)
            for finder in sys.meta_path
            if finder is not watcher
        ]
        sys.path_hooks[:] = [_original(hook, PathHookAdapter) for hook in sys.path_hooks]
        for entry, cached in list(sys.path_importer_cache.items()):
            if isinstance(cached, LegacyPathEntryFinderAdapter):
                sys.path_importer_cache[entry] = cached.wrapped
        _state.watcher = None
        if _state.fallback_hook is not None:
            _state.fallback_hook.uninstall()
            _state.fallback_hook = None


def _original(obj: Any, adapter_type: type[Adapter]) -> Any:
    return obj.wrapped if isinstance(obj, adapter_type) else obj


def is_installed() -> bool:
    """Whether :func:`install` is in effect."""
    return _state.watcher is not None


__all__ = ["Installation", "install", "is_installed", "uninstall"]
