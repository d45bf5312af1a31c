"""LM012: ``importlib.find_loader``, ``pkgutil.find_loader`` and ``pkgutil.get_loader``.

All three return a loader for a module name, which is what ``importlib.util.find_spec``
(Python 3.4+) returns in ``.loader`` of a module spec. ``importlib.find_loader`` was deprecated
in 3.4 and removed in 3.12; the two ``pkgutil`` functions warn since 3.12 and were removed in
3.14. Each use is reported with the spec-based equivalent; they differ in small ways (which
errors become ImportError, whether an imported module's ``__loader__`` comes first), so
nothing is rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._report_only import Legacy, RemovedNamesRule, legacy_details

_LOADER = "its .loader is the loader (find_spec returns None for a module that does not exist)"
IMPORTLIB_FIND_LOADER = Legacy(
    "importlib.find_loader",
    deprecated="3.4",
    removed="3.12",
    advice=(
        "use importlib.util.find_spec(name) (for a list of directories, "
        f"importlib.machinery.PathFinder.find_spec(name, path)); {_LOADER}; unlike "
        "find_loader it imports the parent package of a dotted name, and for a module already "
        "imported find_loader returned sys.modules[name].__loader__, which is "
        "sys.modules[name].__spec__.loader"
    ),
    where=("importlib.find_loader",),
)
PKGUTIL_FIND_LOADER = Legacy(
    "pkgutil.find_loader",
    deprecated="3.12",
    removed="3.14",
    advice=(
        f"use importlib.util.find_spec(fullname); {_LOADER}; find_loader turned the errors "
        "find_spec raises for a bad name into ImportError"
    ),
    where=("pkgutil.find_loader",),
)
PKGUTIL_GET_LOADER = Legacy(
    "pkgutil.get_loader",
    deprecated="3.12",
    removed="3.14",
    advice=(
        "for a module object use module.__spec__.loader; for a name, "
        f"importlib.util.find_spec(name); {_LOADER}; get_loader gave an imported module's "
        "__loader__ first"
    ),
    where=("pkgutil.get_loader",),
)


class FindLoaderFunctionsRule(RemovedNamesRule):
    """Report every use of the loader-returning functions replaced by ``find_spec``."""

    ID = "LM012"
    TITLE = (
        "`importlib.find_loader` (removed in 3.12), `pkgutil.find_loader` / `get_loader` "
        "(removed in 3.14): reported"
    )
    TRIGGERS = (b"find_loader", b"get_loader")
    # Every reference goes through an import of the module (checked on the ast, no parse).
    NEEDS_IMPORT = ("importlib", "pkgutil")
    APIS: ClassVar[Mapping[str, Legacy]] = {
        api.name: api for api in (IMPORTLIB_FIND_LOADER, PKGUTIL_FIND_LOADER, PKGUTIL_GET_LOADER)
    }
    DETAILS: ClassVar[Mapping[str, str]] = legacy_details(APIS)
    BEFORE = "import pkgutil\n\nloader = pkgutil.get_loader('plugins.greet')\n"
    AFTER = (
        "(unchanged; the finding says: spec = importlib.util.find_spec('plugins.greet'),\n"
        "then spec.loader)\n"
    )
