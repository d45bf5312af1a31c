"""LM013: calls of ``find_module(...)`` / ``find_loader(...)`` on any object.

Python 3.12 removed both methods from every finder of the standard library: the
``importlib.abc`` finder ABCs, ``importlib.machinery``'s ``PathFinder``, ``FileFinder``,
``BuiltinImporter`` and ``FrozenImporter``, and ``zipimport.zipimporter`` (deprecated since
3.4, zipimporter's since 3.10; all of them warn since 3.10). Code that asks a finder directly
(``zipimporter(path).find_module(name)``, ``for finder in sys.meta_path:
finder.find_module(name)``) gets AttributeError there. The object's type is unknown, so every
such call is reported, except calls that certainly reach a method of a class of this file
(``self.find_module(...)`` in a finder that defines it; the definitions are LM006's and
LM007's) and functions of imported modules (``imp.find_module`` is LM010's,
``importlib.find_loader`` and ``pkgutil.find_loader`` LM012's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._report_only import Legacy, MethodCallsRule, legacy_details

_FINDERS = (
    "importlib.machinery.PathFinder",
    "importlib.machinery.FileFinder",
    "importlib.machinery.BuiltinImporter",
    "importlib.machinery.FrozenImporter",
    "zipimport.zipimporter",
)
FIND_MODULE = Legacy(
    "find_module() of the standard library's finders (importlib.abc's and "
    "importlib.machinery's, zipimport.zipimporter)",
    deprecated="3.4",
    removed="3.12",
    deprecation_note="zipimporter's since 3.10; they all warn since 3.10",
    advice=(
        "call find_spec instead, finder.find_spec(fullname, path) on a meta path finder and "
        "finder.find_spec(fullname) on a path entry finder or zipimporter, and take "
        "spec.loader (find_spec, too, returns None when nothing is found); "
        "importlib.util.find_spec(fullname) asks all of sys.meta_path. A find_module() of "
        "your own still works when called, but the import system no longer calls it (LM006)"
    ),
    where=(
        "importlib.abc.MetaPathFinder.find_module",
        "importlib.abc.PathEntryFinder.find_module",
        *(f"{finder}.find_module" for finder in _FINDERS),
    ),
)
FIND_LOADER = Legacy(
    "find_loader() of the standard library's path entry finders "
    "(importlib.abc.PathEntryFinder, importlib.machinery.FileFinder, zipimport.zipimporter)",
    deprecated="3.4",
    removed="3.12",
    deprecation_note="zipimporter's since 3.10; they all warn since 3.10",
    advice=(
        "call finder.find_spec(fullname) instead: spec.loader is the loader; for a namespace "
        "portion spec.loader is None and spec.submodule_search_locations holds the portions "
        "(find_spec returns None where find_loader returned (None, [])). A find_loader() of "
        "your own still works when called, but the import system no longer calls it (LM007)"
    ),
    where=(
        "importlib.abc.PathEntryFinder.find_loader",
        "importlib.machinery.FileFinder.find_loader",
        "zipimport.zipimporter.find_loader",
    ),
)


class FinderMethodCallsRule(MethodCallsRule):
    """Report ``x.find_module(...)`` and ``x.find_loader(...)`` calls."""

    ID = "LM013"
    TITLE = "calls of `.find_module()` / `.find_loader()` (removed from all finders in 3.12)"
    TRIGGERS = (b"find_module", b"find_loader")
    NEEDS_METHOD_CALL = ("find_module", "find_loader")
    METHODS: ClassVar[Mapping[str, Legacy]] = {
        "find_module": FIND_MODULE,
        "find_loader": FIND_LOADER,
    }
    DETAILS: ClassVar[Mapping[str, str]] = legacy_details(METHODS)
    # modulefinder.ModuleFinder has find_module/load_module of its own, not deprecated.
    UNAFFECTED = frozenset({"modulefinder.ModuleFinder"})
    BEFORE = (
        "from zipimport import zipimporter\n\nloader = zipimporter(archive).find_module('plugin')\n"
    )
    AFTER = "(unchanged; the finding says: zipimporter(archive).find_spec('plugin').loader)\n"
