"""LM016: ``importlib.abc`` classes that left: ``Finder`` (3.12), the resource ABCs (3.14).

``importlib.abc.Finder``, the PEP 302 finder ABC, was deprecated in Python 3.3 in favour of
``MetaPathFinder`` and ``PathEntryFinder`` and removed in 3.12. ``ResourceReader``,
``Traversable`` and ``TraversableResources`` moved to ``importlib.resources.abc`` in 3.11; the
``importlib.abc`` names warn since 3.12 and were removed in 3.14. Every reference is reported
(import, base class, attribute). LM006 leaves a ``Finder`` base alone when it adds
``find_spec``, so the class still needs a new base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._report_only import Legacy, RemovedNamesRule, legacy_details

FINDER = Legacy(
    "importlib.abc.Finder",
    deprecated="3.3",
    removed="3.12",
    advice=(
        "derive from importlib.abc.MetaPathFinder for a sys.meta_path finder, with "
        "find_spec(fullname, path, target=None), or from importlib.abc.PathEntryFinder for "
        "the finders sys.path_hooks return, with find_spec(fullname, target=None)"
    ),
    where=("importlib.abc.Finder",),
)


def _moved(name: str) -> Legacy:
    """A resource ABC that moved to ``importlib.resources.abc``."""
    return Legacy(
        f"importlib.abc.{name}",
        deprecated="3.12",
        removed="3.14",
        advice=(
            f"import {name} from importlib.resources.abc (Python 3.11+; the same class), or "
            "from the importlib_resources backport's importlib_resources.abc before 3.11"
        ),
        where=(f"importlib.abc.{name}",),
    )


class RemovedAbcsRule(RemovedNamesRule):
    """Report every reference to the removed ``importlib.abc`` classes."""

    ID = "LM016"
    TITLE = (
        "`importlib.abc.Finder` (removed in 3.12), `ResourceReader`, `Traversable`, "
        "`TraversableResources` (removed in 3.14): reported"
    )
    # "Finder" as a word of its own, not part of MetaPathFinder/PathFinder: the bytes before
    # it in every spelling (`abc.Finder`, `import Finder`, `(Finder`, `, Finder`...).
    TRIGGERS = (
        *(bytes([before]) + b"Finder" for before in b" ,\t\r\n.("),
        b"ResourceReader",
        b"Traversable",
    )
    # Every reference goes through an import of importlib.abc (checked on the ast, no parse).
    NEEDS_IMPORT = ("importlib",)
    APIS: ClassVar[Mapping[str, Legacy]] = {
        api.name: api
        for api in (
            FINDER,
            _moved("ResourceReader"),
            _moved("Traversable"),
            _moved("TraversableResources"),
        )
    }
    DETAILS: ClassVar[Mapping[str, str]] = legacy_details(APIS)
    BEFORE = (
        "import importlib.abc\n"
        "\n"
        "class VendorImporter(importlib.abc.Finder):\n"
        "    def find_spec(self, fullname, path, target=None):\n"
        "        ...\n"
    )
    AFTER = "(unchanged; the finding says: derive from importlib.abc.MetaPathFinder)\n"
