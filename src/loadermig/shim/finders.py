"""Finder adapters: PEP 302 ``find_module``/``find_loader`` <-> PEP 451 ``find_spec``."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import Any, Literal, TypeVar

from . import _adapter
from ._adapter import Adapter
from ._frames import BOOTSTRAP, BOOTSTRAP_EXTERNAL, import_system_copy, import_system_frame
from .loaders import wrap_legacy, wrap_modern

FinderKind = Literal["meta", "path"]


class LegacyMetaPathFinderAdapter(Adapter):
    """``find_spec(fullname, path, target)`` for a meta path finder with ``find_module``."""

    __slots__ = ()

    #: Asks ``find_module`` and describes its loader the way CPython 3.11's fallback did.
    find_spec = None  # set below: meta_find_spec, a function whose frames read as bootstrap's


class LegacyPathEntryFinderAdapter(Adapter):
    """``find_spec(fullname, target)`` for a ``find_loader``/``find_module`` path entry finder."""

    __slots__ = ()

    #: Asks ``find_loader`` (namespace portions included) or ``find_module``.
    find_spec = None  # set below: path_entry_find_spec


def _spec_for_legacy_loader(fullname: str, loader: Any) -> ModuleSpec | None:
    # Built as CPython's own fallback built it, from the loader itself (get_filename,
    # is_package), so origin and package-ness are the same; the adapter, which forwards
    # those methods anyway, only takes the loader's place. Asking the loader directly
    # avoids a forwarding lookup per method on every import.
    spec = importlib.util.spec_from_loader(fullname, loader)
    if spec is None or not callable(getattr(loader, "load_module", None)):
        # Not a PEP 302 loader (or already a PEP 451 one): the fallback put whatever
        # find_module returned into the spec, and importlib.find_loader() hands it back.
        return spec
    adapter = wrap_legacy(loader)
    if adapter is not loader:
        spec.loader = adapter
    return spec


# spec_from_loader calls the legacy loader's is_package/get_filename from this function: its
# frames read as those of the import-system module that built the spec under the fallback.
_meta_path_spec = import_system_copy(_spec_for_legacy_loader, BOOTSTRAP)
_path_entry_spec = import_system_copy(_spec_for_legacy_loader, BOOTSTRAP_EXTERNAL)


@import_system_frame(BOOTSTRAP)
def meta_find_spec(
    finder: Any, fullname: str, path: Sequence[str] | None = None, target: Any = None
) -> ModuleSpec | None:
    """``find_spec`` for a meta path finder with ``find_module(fullname, path)``.

    ``finder`` is a :class:`LegacyMetaPathFinderAdapter` (the finder is the one it wraps) or
    a legacy finder itself (a class given ``find_spec`` by :func:`legacy_finder`). The spec
    describes ``find_module``'s loader the way CPython 3.11's fallback did; its frame sits
    where the fallback's ``_find_spec_legacy`` did.
    """
    legacy = finder._wrapped if isinstance(finder, LegacyMetaPathFinderAdapter) else finder
    loader = legacy.find_module(fullname, path)
    if loader is None:
        return None
    recorder = _adapter.recorder
    if recorder is not None and legacy is not finder:
        recorder("meta_path_finder", legacy, fullname)
    return _meta_path_spec(fullname, loader)


@import_system_frame(BOOTSTRAP_EXTERNAL)
def path_entry_find_spec(finder: Any, fullname: str, target: Any = None) -> ModuleSpec | None:
    """``find_spec`` for a path entry finder with ``find_loader(fullname)`` (namespace
    portions included) or ``find_module(fullname)``; ``finder`` as for
    :func:`meta_find_spec`. Its frame sits where the fallback's ``_legacy_get_spec`` did."""
    legacy = finder._wrapped if isinstance(finder, LegacyPathEntryFinderAdapter) else finder
    if callable(getattr(legacy, "find_loader", None)):
        loader, portions = legacy.find_loader(fullname)
    else:
        loader, portions = legacy.find_module(fullname), []
    recorder = _adapter.recorder
    if recorder is not None and legacy is not finder and (loader is not None or portions):
        recorder("path_entry_finder", legacy, fullname)
    if loader is not None:
        return _path_entry_spec(fullname, loader)
    if portions:
        spec = ModuleSpec(fullname, None)
        spec.submodule_search_locations = list(portions)
        return spec
    return None


LegacyMetaPathFinderAdapter.find_spec = meta_find_spec  # type: ignore[assignment]
LegacyPathEntryFinderAdapter.find_spec = path_entry_find_spec  # type: ignore[assignment]

_C = TypeVar("_C", bound=type)


def legacy_finder(cls: _C) -> _C:
    """Class decorator: give a PEP 302 finder class ``find_spec``, built on its own
    ``find_module``/``find_loader`` as :func:`wrap_legacy_finder` builds it.

    A meta path finder (``find_module(fullname, path)``) gets ``find_spec(fullname, path,
    target)``, a path entry finder (``find_loader(fullname)`` or ``find_module(fullname)``)
    ``find_spec(fullname, target)``, told apart by the signature as :func:`finder_kind`
    does. The spec is CPython 3.11's fallback's, its loader wrapped with :func:`wrap_legacy`
    where it is a legacy one; between the import system and the legacy method lies one frame
    that reads as the import system's, as under the fallback. ``find_module`` stays for its
    callers. A ``staticmethod``/``classmethod`` finder method gives a classmethod. A class
    that already has a callable ``find_spec`` is returned as it is. Raises TypeError for
    something that is no class or has neither method.
    """
    if not isinstance(cls, type):
        raise TypeError(f"@legacy_finder decorates a class, not {type(cls).__name__!r}")
    if callable(getattr(cls, "find_spec", None)):
        return cls
    name = "find_loader" if callable(getattr(cls, "find_loader", None)) else "find_module"
    method = inspect.getattr_static(cls, name, None)
    if method is None or not callable(getattr(cls, name, None)):
        raise TypeError(
            f"@legacy_finder needs a PEP 302 finder class: {cls.__name__!r} has no callable "
            "find_module() or find_loader()"
        )
    bound = isinstance(method, (staticmethod, classmethod))
    function = method.__func__ if bound else method
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    if not isinstance(method, staticmethod):
        parameters = parameters[1:]
    meta = name == "find_module" and (
        any(p.name == "path" or p.kind is p.VAR_POSITIONAL for p in parameters)
        or len(parameters) >= 2
    )
    find_spec: Any = meta_find_spec if meta else path_entry_find_spec
    cls.find_spec = classmethod(find_spec) if bound else find_spec  # type: ignore[attr-defined]
    return cls


class ModernMetaPathFinderAdapter(Adapter):
    """``find_module(fullname, path)`` for legacy callers of a ``find_spec`` meta path finder."""

    __slots__ = ()

    def find_module(self, fullname: str, path: Sequence[str] | None = None) -> Any:
        """Return a loader with ``load_module`` for ``fullname``, or None."""
        spec = self._wrapped.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        return wrap_modern(spec.loader, spec)


class ModernPathEntryFinderAdapter(Adapter):
    """``find_module(fullname)`` / ``find_loader(fullname)`` on a path entry finder."""

    __slots__ = ()

    def find_loader(self, fullname: str) -> tuple[Any, list[str]]:
        """Return ``(loader or None, namespace portions)`` as PEP 420 path entry finders did."""
        spec = self._wrapped.find_spec(fullname)
        if spec is None:
            return None, []
        if spec.loader is None:
            return None, list(spec.submodule_search_locations or [])
        return wrap_modern(spec.loader, spec), []

    def find_module(self, fullname: str) -> Any:
        """Return a loader with ``load_module`` for ``fullname``, or None."""
        return self.find_loader(fullname)[0]


def finder_kind(finder: Any) -> FinderKind:
    """Tell a meta path finder from a path entry finder by its methods' signatures.

    A ``find_loader`` method, or a ``find_spec``/``find_module`` without a ``path``
    parameter, marks a path entry finder; anything else is taken for a meta path finder.
    Pass ``kind=`` to the wrap functions where this guess is wrong.
    """
    if callable(getattr(finder, "find_loader", None)) and not callable(
        getattr(finder, "find_spec", None)
    ):
        return "path"
    method = getattr(finder, "find_spec", None) or getattr(finder, "find_module", None)
    if method is None:
        return "path"
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return "meta"
    return "meta" if "path" in parameters or len(parameters) >= 3 else "path"


def wrap_legacy_finder(finder: Any, kind: FinderKind | None = None) -> Any:
    """Give a PEP 302 finder the ``find_spec`` protocol; its loaders come back wrapped.

    Meta path finders (``find_module(fullname, path)``) get ``find_spec(fullname, path,
    target)``; path entry finders (``find_loader(fullname)`` with namespace portions, or
    ``find_module(fullname)``) get ``find_spec(fullname, target)``. ``kind`` ("meta" or
    "path") overrides the guess made by :func:`finder_kind`. Specs are built with
    ``importlib.util.spec_from_loader`` on the wrapped loader, so origin and package-ness come
    from the loader's ``get_filename``/``is_package`` as in CPython's fallback. A finder that
    already has ``find_spec`` is returned unchanged.

    Raises TypeError when ``finder`` has none of ``find_spec``, ``find_module``,
    ``find_loader``.
    """
    if callable(getattr(finder, "find_spec", None)):
        return finder
    if not (
        callable(getattr(finder, "find_module", None))
        or callable(getattr(finder, "find_loader", None))
    ):
        raise TypeError(
            f"wrap_legacy_finder() needs a PEP 302 finder: {type(finder).__name__!r} object "
            "has no callable find_module() or find_loader() (and no find_spec())"
        )
    if (kind or finder_kind(finder)) == "meta":
        return LegacyMetaPathFinderAdapter(finder)
    return LegacyPathEntryFinderAdapter(finder)


def wrap_modern_finder(finder: Any, kind: FinderKind | None = None) -> Any:
    """Give a PEP 451 finder the PEP 302 methods for legacy callers.

    Meta path finders get ``find_module(fullname, path=None)``; path entry finders get
    ``find_module(fullname)`` and ``find_loader(fullname)``. Returned loaders are wrapped with
    :func:`~loadermig.shim.wrap_modern`, so they have ``load_module`` on every Python and keep
    the spec's origin and search locations. ``find_spec`` and everything else is forwarded.
    An adapter made by this function is returned unchanged.

    Raises TypeError when ``finder`` has no ``find_spec``.
    """
    if isinstance(finder, (ModernMetaPathFinderAdapter, ModernPathEntryFinderAdapter)):
        return finder
    if not callable(getattr(finder, "find_spec", None)):
        raise TypeError(
            f"wrap_modern_finder() needs a PEP 451 finder: {type(finder).__name__!r} object "
            "has no callable find_spec()"
        )
    if (kind or finder_kind(finder)) == "meta":
        return ModernMetaPathFinderAdapter(finder)
    return ModernPathEntryFinderAdapter(finder)
