"""Backports of import APIs that CPython removed, for legacy import hooks.

Change one import line and unmodified legacy code runs on Python 3.9 and later::

    from loadermig.shim.compat import module_for_loader, set_loader, set_package
    from loadermig.shim.compat import PyLoader, PyPycLoader

``module_for_loader``, ``set_loader`` and ``set_package`` were ``importlib.util`` decorators
(removed in 3.12); ``PyLoader`` and ``PyPycLoader`` were ``importlib.abc`` classes (removed in
3.3 and 3.4). Each follows its documented 3.2-3.11 contract; where CPython's last implementation
differed from its documentation, the docstring says so and the documentation wins. Nothing here
emits a DeprecationWarning or ImportWarning, and nothing relies on the interpreter's deprecated
``load_module`` machinery, so it keeps working after Python 3.15 removes it.
"""

from __future__ import annotations

import abc
import functools
import importlib.abc
import importlib.util
import marshal
import os
import sys
import types
from importlib.machinery import ModuleSpec
from typing import Any, Callable, TypeVar

from .loaders import load_module_via_exec

__all__ = ["PyLoader", "PyPycLoader", "module_for_loader", "set_loader", "set_package"]

_T = TypeVar("_T")


def module_for_loader(fxn: Callable[..., _T]) -> Callable[..., _T]:
    """Decorate ``load_module(self, module)`` so callers pass a module *name* instead.

    As documented for Python 3.3: when ``fullname`` is not in ``sys.modules`` a new module is
    created with ``__name__`` = ``fullname``, ``__loader__`` = ``self`` and, when ``self`` has an
    ``is_package`` that does not raise ImportError for the name, ``__package__``; it is put in
    ``sys.modules`` before ``fxn`` runs and removed again if ``fxn`` raises. A module already in
    ``sys.modules`` (a reload) is passed in as is and left there if ``fxn`` raises.

    Where CPython 3.4-3.11 differed from this documentation, the documentation wins: an
    existing module is not given ``__loader__``/``__package__``; any exception (not only an
    ``Exception``) removes the new module; an AttributeError raised inside ``is_package`` is
    not swallowed. Unlike CPython, no DeprecationWarning is emitted.
    """

    @functools.wraps(fxn)
    def module_for_loader_wrapper(self: Any, fullname: str, *args: Any, **kwargs: Any) -> _T:
        if fullname in sys.modules:
            return fxn(self, sys.modules[fullname], *args, **kwargs)
        module = types.ModuleType(fullname)
        module.__loader__ = self
        is_package = getattr(self, "is_package", None)
        if callable(is_package):
            try:
                package = fullname if is_package(fullname) else fullname.rpartition(".")[0]
            except ImportError:
                pass
            else:
                module.__package__ = package
        sys.modules[fullname] = module
        try:
            return fxn(self, module, *args, **kwargs)
        except BaseException:
            sys.modules.pop(fullname, None)
            raise

    return module_for_loader_wrapper


def set_loader(fxn: Callable[..., _T]) -> Callable[..., _T]:
    """Decorate a loader method: set ``__loader__`` = ``self`` on the module it returns.

    The attribute is only set when it is missing or None (every module has ``__loader__``;
    None is how "not set" reads on a fresh module).
    """

    @functools.wraps(fxn)
    def set_loader_wrapper(self: Any, *args: Any, **kwargs: Any) -> _T:
        module = fxn(self, *args, **kwargs)
        if getattr(module, "__loader__", None) is None:
            module.__loader__ = self  # type: ignore[attr-defined]
        return module

    return set_loader_wrapper


def set_package(fxn: Callable[..., _T]) -> Callable[..., _T]:
    """Decorate a loader method: set ``__package__`` on the module it returns.

    Only when ``__package__`` is missing or None: a package (a module with ``__path__``) gets
    its own ``__name__``, any other module its parent's name (``''`` for a top-level module).
    The returned module is changed, not the one in ``sys.modules``.
    """

    @functools.wraps(fxn)
    def set_package_wrapper(*args: Any, **kwargs: Any) -> _T:
        module: Any = fxn(*args, **kwargs)
        if getattr(module, "__package__", None) is None:
            name = module.__name__
            module.__package__ = name if hasattr(module, "__path__") else name.rpartition(".")[0]
        return module  # type: ignore[no-any-return]

    return set_package_wrapper


class PyLoader(importlib.abc.ExecutionLoader):
    """Loader ABC for Python source, as documented for 3.2 (``importlib.abc.PyLoader``).

    Subclasses implement ``source_path``, ``get_data`` and ``is_package``. The class is also a
    PEP 451 loader (``create_module``/``exec_module``), so the import system never needs its
    deprecated ``load_module`` fallback; ``load_module`` remains for legacy callers.

    It inherits ``importlib.abc.ExecutionLoader`` but not ``ResourceLoader`` (documented as
    deprecated since 3.7; its constructor warns in 3.14.0, gh-121604), so subclasses are not
    ``ResourceLoader`` instances; ``get_data`` is declared abstract here instead.
    """

    @abc.abstractmethod
    def source_path(self, fullname: str) -> str | None:
        """Return the path to the module's source, None if it has no source.

        Raise ImportError if the loader knows it cannot handle the module.
        """

    @abc.abstractmethod
    def get_data(self, path: str) -> bytes:
        """Return the bytes stored at ``path``; raise OSError if there is nothing there."""

    @abc.abstractmethod
    def is_package(self, fullname: str) -> bool:
        """Return whether ``fullname`` is a package."""

    def get_filename(self, fullname: str) -> str:
        """Return ``source_path(fullname)``; raise ImportError when that is None."""
        path = self.source_path(fullname)
        if path is None:
            raise ImportError(f"no source path for {fullname!r}", name=fullname)
        return path

    def get_source(self, fullname: str) -> str | None:
        """Return the module's source decoded as PEP 263 says, with universal newlines.

        None when ``source_path`` is None (the ``InspectLoader.get_source`` contract for a
        module without source, and what 3.2 did). An OSError from ``get_data`` becomes an
        ImportError (3.2 returned, rather than raised, an ImportError instance).
        """
        path = self.source_path(fullname)
        if path is None:
            return None
        try:
            data = self.get_data(path)
        except OSError as exc:
            raise ImportError(f"source of {fullname!r} is unreadable", name=fullname) from exc
        return importlib.util.decode_source(data)

    def get_code(self, fullname: str) -> types.CodeType:
        """Compile the source; its path becomes the code's filename, so tracebacks show it.

        Raise ImportError when ``source_path`` is None.
        """
        path = PyLoader.get_filename(self, fullname)
        return compile(self.get_data(path), path, "exec", dont_inherit=True)

    def create_module(self, spec: ModuleSpec) -> None:
        """Return None: the import system creates the module."""
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        """Execute the module's code (``get_code``) in the module's namespace."""
        spec = getattr(module, "__spec__", None)
        exec(self.get_code(module.__name__ if spec is None else spec.name), module.__dict__)

    def load_module(self, fullname: str) -> types.ModuleType:
        """Load (or reload into ``sys.modules[fullname]``) and return the module, PEP 302 style.

        In the documented order: ``get_code`` first (so a module without source raises
        ImportError before anything else is asked), then ``get_filename`` for ``__file__``,
        then ``is_package``; a package gets ``__path__`` = ``[os.path.dirname(__file__)]`` as
        documented (CPython 3.2 actually split ``__file__`` on its own separator). The code is
        compiled once. Does not use CPython's deprecated ``_load_module_shim``.
        """
        code = self.get_code(fullname)
        spec = importlib.util.spec_from_loader(fullname, self)
        assert spec is not None  # spec_from_loader returns None only without a loader
        if spec.submodule_search_locations is not None and spec.origin is not None:
            spec.submodule_search_locations = [os.path.dirname(spec.origin)]
        return load_module_via_exec(_CompiledCode(code), fullname, spec)  # type: ignore[no-any-return]


class _CompiledCode:
    """Executes code already compiled: ``load_module`` asks ``get_code`` only once."""

    def __init__(self, code: types.CodeType) -> None:
        self.code = code

    def exec_module(self, module: types.ModuleType) -> None:
        """Execute the code in the module's namespace."""
        exec(self.code, module.__dict__)


_FLAGS_TIMESTAMP = bytes(4)  # pyc flags field: a timestamp-based pyc (PEP 552)


def _u32(value: int) -> bytes:
    return (int(value) & 0xFFFFFFFF).to_bytes(4, "little")


class PyPycLoader(PyLoader):
    """Loader ABC for Python source and bytecode, as documented for 3.2.

    Subclasses add ``source_mtime``, ``bytecode_path`` and ``write_bytecode`` to PyLoader's.

    The 3.2 documentation is silent on the bytecode format and on staleness; this class uses
    today's timestamp pyc layout for the running interpreter: ``importlib.util.MAGIC_NUMBER``,
    4 bytes of flags (0), the source mtime and the source size (each 32-bit little-endian),
    then the marshalled code. Bytecode whose magic, flags or marshal data are wrong is ignored.
    """

    @abc.abstractmethod
    def source_mtime(self, fullname: str) -> int | None:
        """Return the source's modification time as an integer, None if there is no source."""

    @abc.abstractmethod
    def bytecode_path(self, fullname: str) -> str | None:
        """Return the path to the module's bytecode, None if there is none (yet)."""

    @abc.abstractmethod
    def write_bytecode(self, fullname: str, bytecode: bytes) -> bool:
        """Store ``bytecode`` for later use; return whether it was written."""

    def get_filename(self, fullname: str) -> str:
        """Return ``source_path``, else ``bytecode_path``; ImportError when both are None."""
        path = self.source_path(fullname)
        if path is None:
            path = self.bytecode_path(fullname)
        if path is None:
            raise ImportError(f"no source or bytecode path for {fullname!r}", name=fullname)
        return path

    def get_code(self, fullname: str) -> types.CodeType:
        """Return code from valid bytecode, else compile the source and write its bytecode.

        With source, bytecode is used only when its mtime field equals ``source_mtime()``
        (masked to 32 bits; the size field is written but not checked, since checking it would
        mean reading the source); a source without an mtime is always compiled and no bytecode
        is written for it. Without source, valid bytecode is used and anything else raises
        ImportError. ``write_bytecode`` is not called when ``sys.dont_write_bytecode`` is set.
        CPython 3.2 instead rejected only bytecode *older* than the source.
        """
        source_path = self.source_path(fullname)
        mtime = self.source_mtime(fullname)
        bytecode_path = self.bytecode_path(fullname)
        if bytecode_path is not None and (source_path is None or mtime is not None):
            code = self._read_bytecode(bytecode_path, None if source_path is None else mtime)
            if code is not None:
                return code
        if source_path is None:
            raise ImportError(f"no source or valid bytecode for {fullname!r}", name=fullname)
        source = self.get_data(source_path)
        code = compile(source, source_path, "exec", dont_inherit=True)
        if mtime is not None and not sys.dont_write_bytecode:
            header = importlib.util.MAGIC_NUMBER + _FLAGS_TIMESTAMP + _u32(mtime)
            self.write_bytecode(fullname, header + _u32(len(source)) + marshal.dumps(code))
        return code

    def _read_bytecode(self, path: str, mtime: int | None) -> types.CodeType | None:
        """The code in the pyc at ``path`` if valid (and its mtime matches ``mtime``), else None."""
        try:
            data = self.get_data(path)
        except OSError:
            return None
        header = importlib.util.MAGIC_NUMBER + _FLAGS_TIMESTAMP
        if len(data) < 16 or data[:8] != header:
            return None
        if mtime is not None and data[8:12] != _u32(mtime):
            return None
        try:
            code = marshal.loads(data[16:])
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, types.CodeType) else None
