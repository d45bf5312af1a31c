"""The transparent wrapper shared by every loader and finder adapter."""

from __future__ import annotations

from typing import Any, Callable

#: Off (None) by default. :mod:`loadermig.audit` sets a ``callable(role, legacy_object,
#: fullname)`` here; the legacy adapters call it where a legacy hook serves an import
#: (``role`` is "meta_path_finder", "path_entry_finder" or "loader"). Modern imports never
#: reach the check, and the legacy path pays one ``is not None`` test while it is off.
recorder: Callable[[str, Any, str], None] | None = None


class Adapter:
    """Wrap an import-system object, forwarding every attribute the wrapper does not define.

    Attribute lookups that miss on the adapter go to the wrapped object, so optional protocols
    (``get_source``, ``get_data``, ``iter_modules``, ``invalidate_caches``, ...) are present on
    the adapter exactly when the wrapped object has them: ``hasattr`` checks in the import
    system and in ``importlib.util.spec_from_loader`` see the wrapped object's capabilities.

    An adapter compares equal to (and hashes like) the object it wraps. CPython 3.12+ warns
    when ``module.__loader__ != module.__spec__.loader``; modules loaded through an adapter
    keep the original loader in ``__loader__`` while the spec holds the adapter, and equality
    keeps that warning away. It also lets ``sys.meta_path.remove(original)`` still work after
    :func:`loadermig.install` swapped the original for its adapter.
    """

    __slots__ = ("__weakref__", "_wrapped")

    def __init__(self, wrapped: Any) -> None:
        object.__setattr__(self, "_wrapped", wrapped)

    @property
    def wrapped(self) -> Any:
        """The object this adapter stands for."""
        return self._wrapped

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(self._wrapped, name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Adapter):
            return other._wrapped is self._wrapped
        return other is self._wrapped

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        try:
            return hash(self._wrapped)
        except TypeError:
            return id(self._wrapped)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} for {self._wrapped!r}>"
