"""LM006: meta path finder ``find_module(fullname, path)`` -> plus a delegating ``find_spec``.

Since Python 3.12 the import system never calls ``find_module`` on ``sys.meta_path`` entries.
The rule keeps ``find_module`` for old callers and adds ``find_spec(fullname, path=None,
target=None)`` that calls it as CPython 3.4-3.11's fallback (``_find_spec_legacy``) did,
``find_module(fullname, path)``, and returns ``importlib.util.spec_from_loader(fullname,
loader)`` or None, as that fallback did. Any ``find_module`` that takes those two positional
arguments qualifies, whatever its parameters are called; a ``@staticmethod`` or
``@classmethod`` one gets a ``@classmethod find_spec``. A finder also used as a path entry
finder is converted only when its ``find_module`` ignores ``path`` (``PathFinder`` calls
``find_spec(fullname, target)``).

A ``find_module`` that reads the call stack must see the frames it saw before: where it only
skips the import system's frames by name and returns ``self`` or None, its body is moved into
``find_spec`` (called straight from the import system, as ``find_module`` was called from
``_find_spec_legacy``); otherwise the class is kept. So is a ``find_module`` that reaches
``importlib.abc``'s defaults (``super()``), which call ``find_spec`` and would recurse.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from ._base import KEPT, Problem, fitted
from ._cst_helpers import ClassBody, has_docstring, walk
from ._finders import (
    BY_HAND,
    FINDER_DETAILS,
    LOADER_NOTE,
    NEUTRAL_BASES,
    FinderRule,
    FindSpecPlan,
    accepts_positional,
    arity,
    reads_parameter,
    receiver_kind,
)
from ._node_finding import NodeFinding

FIND_SPEC = (
    "def find_spec(self, fullname, path=None, target=None):",
    '    """Spec for the loader find_module() returns, built as Python 3.4-3.11 did."""',
    "    loader = self.find_module(fullname, path)",
    "    if loader is None:",
    "        return None",
    "    return importlib.util.spec_from_loader(fullname, loader)",
)
#: For a ``@staticmethod`` or ``@classmethod`` ``find_module``.
FIND_SPEC_ON_CLASS = (
    "@classmethod",
    "def find_spec(cls, fullname, path=None, target=None):",
    '    """Spec for the loader find_module() returns, built as Python 3.4-3.11 did."""',
    "    loader = cls.find_module(fullname, path)",
    "    if loader is None:",
    "        return None",
    "    return importlib.util.spec_from_loader(fullname, loader)",
)


#: What a moved ``find_module`` body starts with: a subclass overriding ``find_module``
#: (which 3.4-3.11 called instead of this body) gets the delegating form.
SUBCLASS_GUARD = (
    "# a subclass's own find_module() is what Python 3.4-3.11 called: hand over to it",
    "if type({receiver}).find_module is not __class__.find_module:",
    "    loader = {receiver}.find_module({fullname}, {path})",
    "    if loader is None:",
    "        return None",
    "    return importlib.util.spec_from_loader({fullname}, loader)",
)
_NAMES_THE_GUARD_USES = frozenset(
    {"target", "locals", "vars", "loader", "type", "__class__", "importlib"}
)


class MetaPathFinderRule(FinderRule):
    """Add ``find_spec`` to classes with a meta path ``find_module(fullname, path)``."""

    NOT_DONE = KEPT
    DETAILS: ClassVar[Mapping[str, str]] = {
        "added": (
            "find_spec(fullname, path=None, target=None) was added: it returns "
            "importlib.util.spec_from_loader(fullname, loader) for the loader find_module() "
            "returns, else None, as Python 3.4-3.11 did. find_module() stays for old callers. "
            "A @staticmethod or @classmethod find_module() gets a @classmethod find_spec()."
            + LOADER_NOTE
        ),
        "moved": (
            "find_spec(fullname, path, target=None) was added with find_module()'s own body, "
            "each return of the finder turned into importlib.util.spec_from_loader(fullname, "
            "loader), so a method that walks the call stack past the import system's frames "
            "finds the same frames as under Python 3.4-3.11. It first hands the call to the "
            "find_module() of a subclass that overrides it. find_module() stays for old "
            "callers." + LOADER_NOTE
        ),
        **FINDER_DETAILS,
        "signature": (
            "find_module() can be called neither as (fullname, path) like a meta path finder "
            "nor takes (self, fullname) like a path entry finder." + BY_HAND
        ),
        "path-hooks": (
            "The class is also used on sys.path_hooks, where the import system calls "
            "find_module(fullname) and find_spec(fullname, target) with one argument fewer. "
            "One find_spec() serves both only when find_module() does not read path and is not "
            "decorated. Add find_spec() by hand for the way it is used."
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

    @classmethod
    def may_act_on_class(cls, node: ast.ClassDef, bound: frozenset[str]) -> bool:
        """A class without ``def find_spec`` that may bind ``find_module`` (see :meth:`plan`)."""
        return "find_module" in bound and super().may_act_on_class(node, bound)

    def plan(self, view: ClassBody) -> FindSpecPlan | NodeFinding | None:
        """Own classes binding ``find_module`` but no ``find_loader`` (LM007's)."""
        if not view.binds("find_module") or view.binds("find_loader"):
            return None
        node = view.plain_def("find_module")
        cls = view.node.name.value
        if node is None:
            return NodeFinding(
                view.node,
                self.NOT_DONE + f"{cls} binds find_module other than by one plain def",
                "binding",
            )
        kind = receiver_kind(node)
        if kind == "instance" and node.asynchronous is None and arity(node) == 2:
            return None  # find_module(self, fullname): a path entry finder (LM007)
        problem = None
        if kind is None and not self.only_instances_on_meta_path(view.node):
            # the decorator hides the signature and whether the class itself is registered
            problem = self.decoration_problem(node)
        if node.asynchronous is not None:
            problem = Problem("find_module() is async", "async")
        if kind is None:
            kind = "decorated"  # an instance is registered: called as (fullname, path) before
        elif problem is None and not accepts_positional(node, 2, receiver=kind != "static"):
            problem = Problem(
                fitted(
                    f"{cls}.find_module() cannot be called as (fullname, path)",
                    "find_module() cannot be called as (fullname, path)",
                    after=KEPT,
                ),
                "signature",
            )
        problem = problem or self.delegation_problem(node, view)
        if problem is None and self.on_path_hooks(view.node):
            path_index = 0 if kind == "static" else 1
            if kind == "decorated":
                problem = Problem("also a path hook, and find_module() is decorated", "path-hooks")
            elif reads_parameter(node, path_index + 1):
                problem = Problem("also a path hook, and find_module() reads path", "path-hooks")
        if problem is not None:
            return NodeFinding(node, self.NOT_DONE + problem, problem.reason)
        stack = self.stack_problem(view, node)
        if stack is not None:
            moved = self.moved_body(view, node) if kind == "instance" else None
            if moved is None:
                return NodeFinding(node, self.NOT_DONE + stack, stack.reason)
            message = fitted(
                f"find_spec() added to {cls}, with find_module()'s body",
                "find_spec() added, with find_module()'s body",
            )
            return FindSpecPlan(node, (), ("importlib.util",), message, "moved", moved)
        lines = FIND_SPEC_ON_CLASS if kind in ("static", "class") else FIND_SPEC
        return FindSpecPlan(
            node, lines, ("importlib.util",), f"find_spec() added to {cls}", "added"
        )

    def moved_body(self, view: ClassBody, node: cst.FunctionDef) -> cst.FunctionDef | None:
        """``find_spec`` with ``node``'s own body, where that keeps the frames it sees.

        Only for a stack walker that skips the import system's frames by name (however many
        there are) and returns ``self`` or None; the spec is 3.4-3.11's for that loader.
        """
        params = node.params
        if (
            params.posonly_params
            or len(params.params) != 3
            or params.star_arg is not cst.MaybeSentinel.DEFAULT
            or params.kwonly_params
            or params.star_kwarg is not None
            or not self.stack_readers.skips_importlib_frames(node, view.methods)
        ):
            return None
        receiver, fullname, path = (param.name.value for param in params.params)
        attributes = {id(c.attr) for c in walk(node.body) if isinstance(c, cst.Attribute)}
        for child in walk(node.body):
            if (
                isinstance(child, cst.Name)
                and child.value in _NAMES_THE_GUARD_USES
                and id(child) not in attributes
            ):
                return None
            if isinstance(child, (cst.Yield, cst.Await)):
                return None
            if _assigns(child, fullname):
                return None
        returns = _ReturnsToSpecs(receiver, fullname)
        body = node.body.visit(returns)
        if returns.unknown or not isinstance(body, cst.IndentedBlock):
            return None
        guard = cst.parse_statement(
            "\n".join(SUBCLASS_GUARD).format(receiver=receiver, fullname=fullname, path=path)
            + "\n",
            config=self.module_node.config_for_parsing,
        )
        statements = list(body.body)
        at = 1 if statements and has_docstring(statements) else 0
        body = body.with_changes(body=[*statements[:at], guard, *statements[at:]])
        no_space = cst.SimpleWhitespace("")
        target = cst.Param(
            cst.Name("target"),
            default=cst.Name("None"),
            equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
        )
        return node.with_changes(
            name=cst.Name("find_spec"),
            params=params.with_changes(params=[*params.params, target]),
            body=body,
            leading_lines=(),
        )

    def neutral_bases(self, view: ClassBody) -> frozenset[str]:
        """Plain bases plus the meta path finder ABCs (whose find_module is overridden)."""
        return NEUTRAL_BASES | {"importlib.abc.MetaPathFinder", "importlib.abc.Finder"}


def _assigns(node: cst.CSTNode, name: str) -> bool:
    """Whether ``node`` binds ``name`` (assignment, loop, ``with``, ``except``, walrus, del)."""
    targets: list[cst.CSTNode] = []
    if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr)):
        targets.append(node.target)
    elif isinstance(node, cst.AsName):
        targets.append(node.name)
    elif isinstance(node, cst.Del):
        targets.append(node.target)
    elif isinstance(node, (cst.Global, cst.Nonlocal)):
        return any(item.name.value == name for item in node.names)
    return any(
        isinstance(child, cst.Name) and child.value == name
        for target in targets
        for child in walk(target)
    )


class _ReturnsToSpecs(cst.CSTTransformer):
    """``return self`` -> ``return importlib.util.spec_from_loader(fullname, self)``; notes
    any other returned value (``unknown``). Nested functions and classes are left alone."""

    def __init__(self, receiver: str, fullname: str) -> None:
        super().__init__()
        self.receiver = receiver
        self.spec = cst.parse_expression(f"importlib.util.spec_from_loader({fullname}, {receiver})")
        self.unknown = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        value = updated_node.value
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            return updated_node
        if isinstance(value, cst.Name) and value.value == self.receiver:
            return updated_node.with_changes(value=self.spec)
        self.unknown = True
        return updated_node
