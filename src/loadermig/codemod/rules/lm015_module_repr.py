"""LM015: ``module_repr()`` methods on loaders, and calls of ``.module_repr(...)``.

A loader's ``module_repr(module)`` used to decide ``repr(module)``. It was deprecated in
Python 3.4 (the import system builds the repr from the module spec); in 3.12 the import system
stopped calling it and ``importlib.abc.Loader``, ``BuiltinImporter`` and ``FrozenImporter``
lost theirs. A ``module_repr`` defined in a class body is dead code from 3.12 on, and a call
``x.module_repr(m)`` fails there unless ``x`` is an object of this file that defines one (such
calls are left alone; the definition is reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._report_only import DEFINED_REASON, Legacy, MethodCallsRule, legacy_details

MODULE_REPR = Legacy(
    "module_repr() of importlib.abc.Loader and the standard library's loaders",
    deprecated="3.4",
    removed="3.12",
    advice="use repr(module), which the import system builds from module.__spec__",
    where=(
        "importlib.abc.Loader.module_repr",
        "importlib.machinery.BuiltinImporter.module_repr",
        "importlib.machinery.FrozenImporter.module_repr",
    ),
)
DEFINED = (
    "the import system has not called loaders' module_repr() since Python 3.12 (deprecated "
    "since 3.4): repr(module) comes from module.__spec__ (the name, and the origin or the "
    "loader), so give the spec the origin the repr should show, then delete this method"
)


class ModuleReprRule(MethodCallsRule):
    """Report ``def module_repr`` in class bodies and calls of ``.module_repr(...)``."""

    ID = "LM015"
    TITLE = "`module_repr()` methods and calls (no longer used or present since 3.12)"
    TRIGGERS = (b"module_repr",)
    METHODS: ClassVar[Mapping[str, Legacy]] = {"module_repr": MODULE_REPR}
    DETAILS: ClassVar[Mapping[str, str]] = {
        **legacy_details(METHODS),
        DEFINED_REASON: DEFINED[:1].upper() + DEFINED[1:] + ".",
    }
    BEFORE = (
        "class Loader:\n"
        "    def module_repr(self, module):\n"
        "        return '<plugin %r>' % module.__name__\n"
    )
    AFTER = "(unchanged; the finding explains that repr(module) comes from module.__spec__)\n"

    @classmethod
    def definition_message(cls, method: str, class_name: str) -> str | None:
        """A ``module_repr`` method is dead code since Python 3.12."""
        if method != "module_repr":
            return None
        return f"kept: {class_name}.module_repr() is never called since Python 3.12"
