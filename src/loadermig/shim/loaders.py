"""Loader adapters: PEP 302 ``load_module`` <-> PEP 451 ``create_module``/``exec_module``."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib.machinery import ModuleSpec
from typing import Any, TypeVar

from . import _adapter
from ._adapter import Adapter
from ._frames import BOOTSTRAP, import_system_frame

_MISSING = object()
_PLACEHOLDER = "<loadermig: set by the legacy loader, if at all>"


def placeholder_module(loader: Any, spec: ModuleSpec) -> types.ModuleType:
    """``create_module`` for a loader whose ``exec_module`` runs a legacy ``load_module``.

    A plain new module, which :func:`exec_through_load_module` takes out of ``sys.modules``
    again. It carries ``__file__`` and a placeholder ``__cached__`` so that
    ``module_from_spec`` does not compute ``spec.cached`` (a ``cache_from_source`` call per
    import).
    """
    module = types.ModuleType(spec.name)
    if spec.has_location:
        module.__file__ = spec.origin
        module.__dict__["__cached__"] = _PLACEHOLDER
    return module


@import_system_frame(BOOTSTRAP)
def exec_through_load_module(loader: Any, module: types.ModuleType) -> None:
    """``exec_module`` for a PEP 302 loader: run its ``load_module`` once for ``module``'s name.

    ``loader`` is a :class:`LegacyLoaderAdapter` (the legacy loader is the one it wraps) or a
    legacy loader itself (a class given ``exec_module`` by :func:`legacy_loader`). A fresh
    load takes the entry the import system prepared out of ``sys.modules`` and calls
    ``load_module`` once, as the fallback does; the import then returns whatever the loader
    left in ``sys.modules``. The legacy method is called from this very frame, which reads as
    the import system's: between the import system's ``_load_unlocked`` and ``load_module``
    lies one such frame, as under the fallback (``_load_backward_compatible``).
    """
    spec = getattr(module, "__spec__", None)
    name = spec.name if spec is not None else module.__name__
    legacy = loader._wrapped if isinstance(loader, LegacyLoaderAdapter) else loader
    recorder = _adapter.recorder
    if recorder is not None and legacy is not loader:
        recorder("loader", legacy, name)
    registered = sys.modules.get(name, _MISSING)
    if registered is module and not getattr(spec, "_initializing", False):  # a reload
        try:
            legacy.load_module(name)
        except BaseException:
            # A failed reload leaves the module in place, even if the loader removed it.
            sys.modules.setdefault(name, module)
            raise
        if legacy is not loader and getattr(module, "__loader__", None) is loader:
            # importlib.reload() stored the spec's loader (the adapter); the fallback would
            # have stored the legacy loader itself.
            module.__loader__ = legacy
        return
    if registered is module:
        # Under the fallback load_module runs with no sys.modules entry for the name, so the
        # PEP 302 guard ("if fullname in sys.modules: return sys.modules[fullname]") does not
        # fire and a loader creates its own module. Other threads that find no entry wait on
        # the module lock the import system holds for the whole load.
        del sys.modules[name]
    elif registered is not _MISSING:
        raise ImportError(
            f"cannot execute a detached {name!r} module through the legacy loader "
            f"{legacy!r}: sys.modules[{name!r}] holds another object, and "
            "load_module() only ever loads into sys.modules",
            name=name,
        )
    try:
        legacy.load_module(name)
        final = sys.modules.get(name, _MISSING)
        if final is _MISSING:
            raise ImportError(f"loader {legacy!r} did not put {name!r} into sys.modules", name=name)
    except BaseException:
        if registered is _MISSING:
            # Called by hand (module_from_spec + exec_module): clean up as the import system
            # would if loading fails.
            sys.modules.pop(name, None)
        raise
    _fill_missing_attrs(final, name, spec, legacy)
    if final is not module:
        # Another thread may already hold `module` (it saw it initialising and waited); let
        # attribute lookups on that stale object reach the real module.
        module.__dict__["__getattr__"] = _ForwardTo(final)


class LegacyLoaderAdapter(Adapter):
    """A PEP 451 loader that drives a PEP 302 ``load_module(fullname)`` loader.

    Built by :func:`wrap_legacy`; see there for the behaviour it guarantees.
    """

    __slots__ = ()

    # spec_from_loader asks for these on every import; a property is a much cheaper lookup
    # than a miss that ends in Adapter.__getattr__. Absent on the loader, absent here too:
    # the AttributeError sends the lookup on to __getattr__, which raises it again.
    @property
    def get_filename(self) -> Any:
        """The wrapped loader's ``get_filename``."""
        return self._wrapped.get_filename

    @property
    def is_package(self) -> Any:
        """The wrapped loader's ``is_package``."""
        return self._wrapped.is_package

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        """A plain new module: the import system's placeholder entry, never the loader's.

        :meth:`exec_module` takes it out of ``sys.modules`` before the legacy loader runs, as
        under the fallback, so the loader never sees it.
        """
        return placeholder_module(self, spec)

    #: Runs the legacy ``load_module`` once for the module's name: a fresh load or a reload.
    #: The function itself, not a method calling it: one frame between the import system and
    #: ``load_module``, as under the fallback.
    exec_module = exec_through_load_module


class _ForwardTo:
    """Module-level ``__getattr__`` that reads attributes from the module that won."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        self._target = target

    def __call__(self, attr: str) -> Any:
        return getattr(self._target, attr)


def _fill_missing_attrs(
    module: Any, name: str, spec: ModuleSpec | None, legacy_loader: Any
) -> None:
    """Set what CPython 3.11's ``_load_backward_compatible`` sets, and only when it is unset."""
    if getattr(module, "__loader__", None) is None:
        with suppress(AttributeError):
            module.__loader__ = legacy_loader
    if getattr(module, "__package__", None) is None:
        try:
            module.__package__ = module.__name__
            if not hasattr(module, "__path__"):
                module.__package__ = name.rpartition(".")[0]
        except AttributeError:
            pass
    if spec is not None and getattr(module, "__spec__", None) is None:
        with suppress(AttributeError):
            module.__spec__ = spec


def wrap_legacy(loader: Any) -> Any:
    """Give a PEP 302 loader (``load_module(fullname)``) the PEP 451 loader protocol.

    The result has ``create_module(spec)`` / ``exec_module(module)`` driving the old
    ``load_module``, so the import system never takes its deprecated fallback (an
    ImportWarning since 3.10, gone in 3.15). A loader that already has ``exec_module`` is
    returned unchanged, so wrapping is idempotent.

    Guarantees, with CPython 3.11's own fallback as the reference:

    * the import returns the object the loader left in ``sys.modules``, with ``__name__``,
      ``__file__``, ``__path__`` and ``__package__`` as the loader set them; ``__loader__``,
      ``__package__`` and ``__spec__`` are filled in only where the loader left them unset;
    * a module the loader aliases into ``sys.modules[fullname]`` (six, VendorImporter) keeps
      its own ``__spec__``, so reloading it under its own name still works;
    * on failure only the failing module leaves ``sys.modules``; a failed reload leaves the
      module in place;
    * ``load_module`` runs exactly once per import and, as under the fallback, finds no
      ``sys.modules`` entry for the name (so the PEP 302 "already imported" guard does not
      fire); other threads that find no entry wait on the module lock the import system
      holds for the whole load, as under the fallback;
    * ``get_source``, ``get_code``, ``get_data``, ``get_filename``, ``is_package``,
      ``get_resource_reader`` and any other attribute are forwarded, so tracebacks,
      ``inspect.getsource``, ``pkgutil.get_data`` and ``importlib.resources`` keep working.

    Raises TypeError when ``loader`` has neither ``load_module`` nor ``exec_module``.
    """
    if callable(getattr(loader, "exec_module", None)):
        return loader
    if not callable(getattr(loader, "load_module", None)):
        raise TypeError(
            f"wrap_legacy() needs a PEP 302 loader: {type(loader).__name__!r} object has no "
            "callable load_module(fullname) (and no exec_module(module))"
        )
    return LegacyLoaderAdapter(loader)


_C = TypeVar("_C", bound=type)


def legacy_loader(cls: _C) -> _C:
    """Class decorator: give a PEP 302 loader class (``load_module(fullname)``) the PEP 451
    protocol, running its own ``load_module`` with :func:`wrap_legacy`'s guarantees.

    Adds ``create_module(spec)`` and ``exec_module(module)`` to the class, so instances (and
    subclasses) need neither the interpreter's deprecated fallback (an ImportWarning since
    3.10, announced for removal in 3.15) nor an adapter: ``load_module`` runs once per import,
    finds no ``sys.modules`` entry for its name, and whatever it leaves in ``sys.modules`` is
    what the import returns, with ``__loader__``, ``__package__`` and ``__spec__`` filled in
    only where it left them unset; a failed load takes only its module out of
    ``sys.modules``, a failed reload leaves it in place. Between the import system and
    ``load_module`` lies one frame that reads as the import system's, as under the fallback,
    so hooks that walk the call stack find the same importing code. ``load_module`` itself
    stays, for callers that use it.

    When ``load_module`` is a ``staticmethod`` or ``classmethod`` (the class itself is put on
    ``sys.meta_path``), the two methods are classmethods. A class that already has a callable
    ``exec_module`` (its own or inherited) is returned as it is: the import system uses that
    one and never its ``load_module``. Raises TypeError for something that is no class or
    has no callable ``load_module``.
    """
    if not isinstance(cls, type):
        raise TypeError(f"@legacy_loader decorates a class, not {type(cls).__name__!r}")
    if callable(getattr(cls, "exec_module", None)):
        return cls
    method = inspect.getattr_static(cls, "load_module", None)
    if method is None or not callable(getattr(cls, "load_module", None)):
        raise TypeError(
            f"@legacy_loader needs a PEP 302 loader class: {cls.__name__!r} has no callable "
            "load_module(fullname)"
        )
    create: Any = placeholder_module
    execute: Any = exec_through_load_module
    if isinstance(method, (staticmethod, classmethod)):
        create, execute = classmethod(create), classmethod(execute)
    cls.create_module = create  # type: ignore[attr-defined]
    cls.exec_module = execute  # type: ignore[attr-defined]
    return cls


class ModernLoaderAdapter(Adapter):
    """A loader with ``load_module(fullname)`` for legacy callers, on top of ``exec_module``.

    Built by :func:`wrap_modern`.
    """

    __slots__ = ("_spec",)

    def __init__(self, loader: Any, spec: ModuleSpec | None = None) -> None:
        super().__init__(loader)
        object.__setattr__(self, "_spec", spec)

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        """Forward to the wrapped loader's ``create_module`` (None when it has none)."""
        create = getattr(self._wrapped, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        """Forward to the wrapped loader's ``exec_module``."""
        self._wrapped.exec_module(module)

    def load_module(self, fullname: str) -> Any:
        """Load (or reload) ``fullname`` the PEP 302 way and return ``sys.modules[fullname]``."""
        return load_module_via_exec(self, fullname, self._spec_for(fullname))

    def _spec_for(self, fullname: str) -> ModuleSpec:
        found = self._spec
        if found is None or found.name != fullname:
            spec = importlib.util.spec_from_loader(fullname, self)
            assert spec is not None
            return spec
        adapter: Any = self  # a loader by protocol, not by the typeshed Loader class
        spec = ModuleSpec(
            fullname,
            adapter,
            origin=found.origin,
            loader_state=found.loader_state,
            is_package=found.submodule_search_locations is not None,
        )
        spec.submodule_search_locations = found.submodule_search_locations
        spec.has_location = found.has_location
        if found.has_location:
            spec.cached = found.cached
        return spec


def wrap_modern(loader: Any, spec: ModuleSpec | None = None) -> Any:
    """Give a PEP 451 loader a PEP 302 ``load_module(fullname)`` for legacy callers.

    ``load_module`` follows PEP 302 with today's import semantics: a new module is created from
    a spec (``spec`` when given and its name matches, else ``spec_from_loader``), registered in
    ``sys.modules`` before it executes, removed again if execution fails; a name already in
    ``sys.modules`` is re-executed in place (a reload) and stays there even if that fails. It
    does not use the interpreter's own deprecated ``load_module`` shim (removed in 3.15) and
    emits no DeprecationWarning. A loader that has only ``load_module`` is returned unchanged;
    an adapter made by this function is returned unchanged.

    Raises TypeError when ``loader`` has neither ``exec_module`` nor ``load_module``.
    """
    if isinstance(loader, ModernLoaderAdapter):
        return loader
    if callable(getattr(loader, "exec_module", None)):
        return ModernLoaderAdapter(loader, spec)
    if callable(getattr(loader, "load_module", None)):
        return loader
    raise TypeError(
        f"wrap_modern() needs a PEP 451 loader: {type(loader).__name__!r} object has no "
        "callable exec_module(module) (and no load_module(fullname))"
    )


def load_module_via_exec(loader: Any, fullname: str, spec: ModuleSpec) -> Any:
    """PEP 302 ``load_module`` semantics for a loader with ``exec_module``.

    Shared by :class:`ModernLoaderAdapter` and the ``loadermig.shim.compat`` ABCs.
    """
    with _module_lock(fullname):
        existing = sys.modules.get(fullname)
        if existing is not None:
            _set_spec_attrs(spec, existing)
            try:
                loader.exec_module(existing)
            finally:
                sys.modules.setdefault(fullname, existing)
            return sys.modules[fullname]
        module = importlib.util.module_from_spec(spec)
        # Set before the module becomes visible: the C import fast path lets other threads
        # wait only for modules whose spec says it is initialising.
        spec._initializing = True  # type: ignore[attr-defined]
        try:
            sys.modules[fullname] = module
            try:
                loader.exec_module(module)
            except BaseException:
                sys.modules.pop(fullname, None)
                raise
            # Honour a module that replaced itself in sys.modules, moving it to the end.
            module = sys.modules.pop(fullname)
            sys.modules[fullname] = module
        finally:
            spec._initializing = False  # type: ignore[attr-defined]
        return module


def _set_spec_attrs(spec: ModuleSpec, module: Any) -> None:
    """What ``importlib.reload`` sets from the spec before re-executing a module.

    Like CPython's ``_init_module_attrs``, an attribute the object refuses is skipped.
    """
    values: dict[str, Any] = {
        "__name__": spec.name,
        "__loader__": spec.loader,
        "__package__": spec.parent,
        "__spec__": spec,
    }
    if spec.submodule_search_locations is not None:
        values["__path__"] = spec.submodule_search_locations
    if spec.has_location:
        values["__file__"] = spec.origin
        if spec.cached is not None:
            values["__cached__"] = spec.cached
    for attr, value in values.items():
        with suppress(AttributeError):
            setattr(module, attr, value)


_fallback_locks: dict[str, threading.RLock] = {}
_fallback_locks_guard = threading.Lock()


@contextmanager
def _module_lock(name: str) -> Iterator[None]:
    """Hold the import system's own per-module lock, the one concurrent imports wait on.

    ``importlib._bootstrap._ModuleLockManager`` is private but present from 3.4 through 3.14;
    without it a private reentrant lock per name still serialises ``load_module`` callers.
    """
    bootstrap = sys.modules.get("importlib._bootstrap")
    manager = getattr(bootstrap, "_ModuleLockManager", None)
    if manager is not None:
        with manager(name):
            yield
        return
    with _fallback_locks_guard:
        lock = _fallback_locks.setdefault(name, threading.RLock())
    with lock:
        yield
