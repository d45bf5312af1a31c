"""LM006: meta path finder ``find_module(fullname, path)`` -> plus a delegating ``find_spec``.

Since Python 3.12 the import system never calls ``find_module`` on ``sys.meta_path`` entries.
The rule keeps ``find_module`` for old callers and adds ``find_spec(fullname, path=None,
target=None)`` that calls it and returns ``importlib.util.spec_from_loader(fullname, loader)``
or None: exactly what CPython 3.4-3.11's fallback (``_find_spec_legacy``) did with it. Classes
whose ``find_module`` has another shape, or whose bases or attributes could change what the
import system calls, are left alone with a finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from ._base import KEPT, fitted
from ._finders import (
    BY_HAND,
    FINDER_DETAILS,
    LOADER_NOTE,
    NEUTRAL_BASES,
    ClassView,
    FinderRule,
    Plan,
    Refusal,
    arity,
)

FIND_SPEC = (
    "def find_spec(self, fullname, path=None, target=None):",
    '    """Spec for the loader find_module() returns, built as Python 3.4-3.11 did."""',
    "    loader = self.find_module(fullname, path)",
    "    if loader is None:",
    "        return None",
    "    return importlib.util.spec_from_loader(fullname, loader)",
)


class MetaPathFinderRule(FinderRule):
    """Add ``find_spec`` to classes with a meta path ``find_module(self, fullname, path)``."""

    NOT_DONE = KEPT
    DETAILS: ClassVar[Mapping[str, str]] = {
        "added": (
            "find_spec(fullname, path=None, target=None) was added: it returns "
            "importlib.util.spec_from_loader(fullname, loader) for the loader find_module() "
            "returns, else None, as Python 3.4-3.11 did. find_module() stays for old callers."
            + LOADER_NOTE
        ),
        **FINDER_DETAILS,
        "signature": (
            "find_module() takes neither (self, fullname, path) like a meta path finder nor "
            "(self, fullname) like a path entry finder." + BY_HAND
        ),
        "path-hooks": (
            "The class is also mentioned next to sys.path_hooks, where the import system calls "
            "find_module(fullname) and find_spec(fullname, target) with one argument fewer. "
            "Add find_spec() by hand for the way it is used."
        ),
    }
    ID = "LM006"
    TITLE = "meta path finder `find_module(fullname, path)` -> plus a delegating `find_spec`"
    REMOVAL = "Python 3.12 stopped calling find_module() on sys.meta_path finders"
    TRIGGERS = (b"find_module",)
    PATTERN = re.compile(rb"(?<![.\w])find_module\b")  # bound somewhere, not only `x.find_module`
    NEEDS_CLASS_BINDING = ("find_module",)
    BEFORE = (
        "class VendorImporter:\n"
        "    def find_module(self, fullname, path=None):\n"
        "        if fullname.startswith(self.root_name + '.'):\n"
        "            return self\n"
    )
    AFTER = (
        "import importlib.util\n"
        "\n"
        "class VendorImporter:\n"
        "    def find_module(self, fullname, path=None):\n"
        "        if fullname.startswith(self.root_name + '.'):\n"
        "            return self\n"
        "\n" + "".join(f"    {line}\n" for line in FIND_SPEC)
    )

    def plan(self, view: ClassView) -> Plan | Refusal | None:
        """Own classes binding ``find_module`` but no ``find_loader`` (LM007's)."""
        if not view.binds("find_module") or view.binds("find_loader"):
            return None
        node = view.plain_def("find_module")
        cls = view.node.name.value
        if node is None:
            return Refusal(
                view.node,
                self.NOT_DONE + f"{cls} binds find_module other than by one plain def",
                "binding",
            )
        problem = self.decoration_problem(node)
        if problem is not None:
            return Refusal(node, self.NOT_DONE + problem, problem.reason)
        count = arity(node)
        if count == 2:
            return None  # find_module(self, fullname): a path entry finder (LM007)
        if count != 3:
            return Refusal(
                node,
                fitted(
                    f"{KEPT}{cls}.find_module() takes neither (self, fullname, path) "
                    "nor (self, fullname)",
                    f"{KEPT}find_module() takes neither (self, fullname, path) "
                    "nor (self, fullname)",
                ),
                "signature",
            )
        if self.on_path_hooks(view.node):
            return Refusal(
                node,
                self.NOT_DONE + f"{cls} is also mentioned next to sys.path_hooks",
                "path-hooks",
            )
        return Plan(node, FIND_SPEC, ("importlib.util",), f"find_spec() added to {cls}", "added")

    def neutral_bases(self, view: ClassView) -> frozenset[str]:
        """Plain bases plus the meta path finder ABCs (whose find_module is overridden)."""
        return NEUTRAL_BASES | {"importlib.abc.MetaPathFinder", "importlib.abc.Finder"}
