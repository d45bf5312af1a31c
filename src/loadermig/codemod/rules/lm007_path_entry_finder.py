"""LM007: path entry finder ``find_loader(fullname)`` / ``find_module(fullname)`` -> ``find_spec``.

Since Python 3.12 ``PathFinder`` no longer falls back to ``find_loader`` / ``find_module`` on
path entry finders. The rule keeps the legacy method for old callers and adds
``find_spec(fullname, target=None)`` that mirrors CPython 3.4-3.11's
``PathFinder._legacy_get_spec``: a loader becomes ``importlib.util.spec_from_loader(fullname,
loader)``; ``find_loader``'s namespace portions become a ``ModuleSpec(fullname, None)`` with
those ``submodule_search_locations`` (exactly as 3.11 built it). A ``find_module`` finder
returns None where it found nothing, which ``PathFinder`` treats like 3.11's spec with no
portions. A legacy method that calls ``super()`` (``importlib.abc``'s defaults call
``find_spec``, which would recurse) or reads the call stack is kept, as is anything else
whose meaning could change, with a finding.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import ClassVar

from ._base import KEPT, Problem
from ._cst_helpers import ClassBody
from ._finders import (
    BY_HAND,
    FINDER_DETAILS,
    LOADER_NOTE,
    NEUTRAL_BASES,
    FinderRule,
    FindSpecPlan,
    arity,
    plain_defs_on_ast,
)
from ._node_finding import NodeFinding

FROM_FIND_LOADER = (
    "def find_spec(self, fullname, target=None):",
    '    """Spec from find_loader()\'s loader or namespace portions, as Python 3.4-3.11 did."""',
    "    loader, portions = self.find_loader(fullname)",
    "    if loader is not None:",
    "        return importlib.util.spec_from_loader(fullname, loader)",
    "    spec = importlib.machinery.ModuleSpec(fullname, None)",
    "    spec.submodule_search_locations = portions",
    "    return spec",
)
FROM_FIND_MODULE = (
    "def find_spec(self, fullname, target=None):",
    '    """Spec for the loader find_module() returns, built as Python 3.4-3.11 did."""',
    "    loader = self.find_module(fullname)",
    "    if loader is None:",
    "        return None",
    "    return importlib.util.spec_from_loader(fullname, loader)",
)


class PathEntryFinderRule(FinderRule):
    """Add ``find_spec`` to classes with ``find_loader(self, fullname)`` / ``find_module``."""

    NOT_DONE = KEPT
    DETAILS: ClassVar[Mapping[str, str]] = {
        "added-find-loader": (
            "find_spec(fullname, target=None) was added: it calls find_loader() and returns "
            "importlib.util.spec_from_loader(fullname, loader) for a loader, else a "
            "ModuleSpec(fullname, None) carrying the namespace portions, as Python 3.4-3.11's "
            "PathFinder did. find_loader() stays for old callers." + LOADER_NOTE
        ),
        "added-find-module": (
            "find_spec(fullname, target=None) was added: it returns "
            "importlib.util.spec_from_loader(fullname, loader) for the loader find_module() "
            "returns, else None (which PathFinder treats like the empty namespace spec of "
            "Python 3.4-3.11). find_module() stays for old callers." + LOADER_NOTE
        ),
        **FINDER_DETAILS,
        "signature": (
            "find_loader() does not take (self, fullname), the only way PathFinder called it."
            + BY_HAND
        ),
        "inherits-find-loader": (
            "The class inherits find_loader() from importlib.abc.PathEntryFinder, which Python "
            "3.4-3.11 called instead of this find_module() (and which found nothing). Decide "
            "which should run, then add find_spec() by hand."
        ),
    }
    ID = "LM007"
    TITLE = "path entry finder `find_loader`/`find_module(fullname)` -> plus a `find_spec`"
    REMOVAL = "Python 3.12 stopped calling find_loader() and find_module() on path entry finders"
    TRIGGERS = (b"find_module", b"find_loader")
    PATTERN = re.compile(rb"(?<![.\w])find_(?:module|loader)\b")  # bound, not only an attribute
    NEEDS_CLASS_BINDING = ("find_module", "find_loader")
    BEFORE = (
        "class DirImporter:\n"
        "    def find_module(self, fullname):\n"
        "        return self.loader_for(fullname)\n"
    )
    AFTER = (
        "import importlib.util\n"
        "\n"
        "class DirImporter:\n"
        "    def find_module(self, fullname):\n"
        "        return self.loader_for(fullname)\n"
        "\n" + "".join(f"    {line}\n" for line in FROM_FIND_MODULE)
    )

    @classmethod
    def may_act_on_class(cls, node: ast.ClassDef, bound: frozenset[str]) -> bool:
        """A class without ``def find_spec`` that may bind ``find_loader``, or defines a
        plain ``find_module(self, fullname)`` (see :meth:`plan`)."""
        return (
            "find_loader" in bound or plain_defs_on_ast(node, "find_module", 2)
        ) and super().may_act_on_class(node, bound)

    def plan(self, view: ClassBody) -> FindSpecPlan | NodeFinding | None:
        """Own classes with ``find_loader``, or with an undecorated 1-argument ``find_module``."""
        cls = view.node.name.value
        if view.binds("find_loader"):
            node = view.plain_def("find_loader")
            if node is None:
                return NodeFinding(
                    view.node,
                    self.NOT_DONE + f"{cls} binds find_loader other than by one plain def",
                    "binding",
                )
            problem = self.decoration_problem(node)
            if problem is None and arity(node) != 2:
                problem = Problem(
                    f"{cls}.find_loader() does not take (self, fullname)", "signature"
                )
            problem = (
                problem or self.delegation_problem(node, view) or self.stack_problem(view, node)
            )
            if problem is not None:
                return NodeFinding(node, self.NOT_DONE + problem, problem.reason)
            return FindSpecPlan(
                node,
                FROM_FIND_LOADER,
                ("importlib.util", "importlib.machinery"),
                f"find_spec() added to {cls}, built on find_loader()",
                "added-find-loader",
            )
        node = view.plain_def("find_module")
        if node is None or node.decorators or node.asynchronous or arity(node) != 2:
            return None  # LM006 reports every other find_module
        for base in view.node.bases:
            if self.refers_to(base.value, "importlib.abc.PathEntryFinder"):
                return NodeFinding(
                    node,
                    self.NOT_DONE + f"{cls} inherits find_loader() from PathEntryFinder",
                    "inherits-find-loader",
                )
        problem = self.delegation_problem(node, view) or self.stack_problem(view, node)
        if problem is not None:
            return NodeFinding(node, self.NOT_DONE + problem, problem.reason)
        return FindSpecPlan(
            node,
            FROM_FIND_MODULE,
            ("importlib.util",),
            f"find_spec() added to {cls}",
            "added-find-module",
        )

    def neutral_bases(self, view: ClassBody) -> frozenset[str]:
        """Plain bases; PathEntryFinder too when the class overrides its find_loader()."""
        if view.binds("find_loader"):
            return NEUTRAL_BASES | {"importlib.abc.PathEntryFinder"}
        return NEUTRAL_BASES
