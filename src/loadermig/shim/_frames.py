"""Adapter frames that read as the import system's own, for hooks that walk the stack.

Some legacy finders and loaders walk up from their own method and skip every frame whose
``f_code.co_filename`` is the import system's (``"<frozen importlib._bootstrap>"``) to reach
the importing code, e.g. to import from a variable of the caller (``from ctx import name``).
Under the interpreter's fallback only import-system frames lie in between; under the shim the
adapter functions that call the legacy method do too. Those functions are therefore given the
file name of the import-system module that calls the legacy method under the fallback, so such
a hook skips them exactly as it skips ``_find_spec_legacy`` or ``_load_backward_compatible``.

The interpreter treats these frames as its own in one more place: it trims import-system
frames from the traceback of an ImportError, as it does under the fallback. Tracebacks show
no source line for them, as for any frozen module.
"""

from __future__ import annotations

import types
from typing import Any, Callable, TypeVar

BOOTSTRAP = "<frozen importlib._bootstrap>"
BOOTSTRAP_EXTERNAL = "<frozen importlib._bootstrap_external>"

_F = TypeVar("_F", bound=Callable[..., Any])


def _relabel(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(
        _relabel(const, filename) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def import_system_frame(filename: str) -> Callable[[_F], _F]:
    """Decorate a function so that its frames carry ``filename`` (BOOTSTRAP or its external).

    Only for functions that sit between the import system and a legacy hook's method.
    """

    def relabel(function: _F) -> _F:
        function.__code__ = _relabel(function.__code__, filename)
        return function

    return relabel


def import_system_copy(function: _F, filename: str) -> _F:
    """A copy of ``function`` whose frames carry ``filename``; ``function`` stays as it is."""
    code: types.CodeType = function.__code__
    copy = types.FunctionType(
        _relabel(code, filename),
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__doc__ = function.__doc__
    return copy  # type: ignore[return-value]
