"""LM014: calls of ``load_module(...)`` on any object.

The import system has loaded modules through ``exec_module`` since Python 3.4; the
``load_module()`` methods left on the standard library's loaders (``importlib.abc.Loader``,
``importlib.machinery``'s file, builtin and frozen loaders, ``zipimport.zipimporter``) have
been deprecated since then (some only since 3.6 or 3.10), warn since 3.10, and are scheduled
for removal in Python 3.15. Code calling ``loader.load_module(name)`` itself
(``SourceFileLoader(name, path).load_module()``) is reported with the spec-based way to load a
module. Left alone: calls that certainly reach a ``load_module`` of a class of this file (its
definition is LM008's), functions of imported modules (``imp.load_module`` is LM010's), and
calls inside ``PyLoader``/``PyPycLoader`` subclasses, which LM002/LM003 report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._report_only import Legacy, MethodCallsRule, legacy_details
from ._sourceloader_conversion import legacy_names

_LOADERS = (
    "importlib.machinery.SourceFileLoader",
    "importlib.machinery.SourcelessFileLoader",
    "importlib.machinery.ExtensionFileLoader",
    "importlib.machinery.BuiltinImporter",
    "importlib.machinery.FrozenImporter",
    "zipimport.zipimporter",
)
LOAD_MODULE = Legacy(
    "load_module() of the standard library's loaders (importlib.abc.Loader, "
    "importlib.machinery's, zipimport.zipimporter)",
    deprecated="3.4",
    removed="3.15",
    scheduled=True,
    deprecation_note="some loaders' only since 3.6 or 3.10; they all warn since 3.10",
    advice=(
        "to import by name use importlib.import_module(name); to load through a given loader, "
        "spec = importlib.util.spec_from_loader(name, loader) (or "
        "importlib.util.spec_from_file_location(name, path)), module = "
        "importlib.util.module_from_spec(spec), sys.modules[name] = module, "
        "spec.loader.exec_module(module). A load_module() of your own still works when "
        "called, but the import system uses exec_module() (LM008)"
    ),
    where=("importlib.abc.Loader.load_module", *(f"{loader}.load_module" for loader in _LOADERS)),
)
#: The legacy ABCs whose subclasses LM002/LM003 check (every load_module use included).
_LEGACY_ABCS = frozenset(
    name for legacy in ("PyLoader", "PyPycLoader") for name in legacy_names(legacy)
)


class LoadModuleCallsRule(MethodCallsRule):
    """Report ``x.load_module(...)`` calls."""

    ID = "LM014"
    TITLE = "calls of `.load_module()` (deprecated, removal scheduled for 3.15)"
    TRIGGERS = (b"load_module",)
    NEEDS_METHOD_CALL = ("load_module",)
    METHODS: ClassVar[Mapping[str, Legacy]] = {"load_module": LOAD_MODULE}
    DETAILS: ClassVar[Mapping[str, str]] = legacy_details(METHODS)
    # modulefinder.ModuleFinder has find_module/load_module of its own, not deprecated.
    UNAFFECTED = frozenset({"modulefinder.ModuleFinder"})
    LEFT_TO_SUBCLASSES_OF = _LEGACY_ABCS
    BEFORE = (
        "from importlib.machinery import SourceFileLoader\n"
        "\n"
        "config = SourceFileLoader('config', path).load_module()\n"
    )
    AFTER = (
        "(unchanged; the finding says: spec = importlib.util.spec_from_file_location(...),\n"
        "module_from_spec(spec), spec.loader.exec_module(module))\n"
    )
