"""Generic libcst helpers the rules share.

Walking a tree without entering nested scopes, the statements of a body and what stands
before them, what a name reads and what a plain assignment assigns (scope metadata read
through a rule), the only small statement of a line, the returns/yields/dels of one function,
a class body with its methods and bindings, and parsing a method written in 4-space source
into a module's own newline and indent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
from libcst.metadata import Assignment, ParentNodeProvider, Scope, ScopeProvider

from ._base import Rule
from ._cst_walk import children, visit_without_rebuild

_NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_T = TypeVar("_T", bound=cst.CSTNode)


def walk(node: cst.CSTNode, *, nested: bool = True) -> Iterator[cst.CSTNode]:
    """``node`` and everything below it, in source order (``nested=False``: not into defs)."""
    yield node
    for child in children(node):
        if nested or not isinstance(child, _NESTED_SCOPES):
            yield from walk(child, nested=nested)


def body_statements(node: cst.ClassDef | cst.FunctionDef) -> Sequence[cst.BaseStatement]:
    """The statements of an indented body (none for a one-line body)."""
    body = node.body
    return body.body if isinstance(body, cst.IndentedBlock) else ()


def leading_lines(statement: cst.CSTNode) -> Sequence[cst.EmptyLine]:
    """The blank and comment lines before a statement."""
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return statement.leading_lines
    return ()


def has_docstring(statements: Sequence[cst.BaseStatement]) -> bool:
    """Whether the first statement is a docstring."""
    first = statements[0] if statements else None
    return (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def referents(rule: Rule, name: cst.Name) -> set[Assignment] | None:
    """The assignments a read of ``name`` may see, None when one is not a plain one."""
    scope = rule.get_metadata(ScopeProvider, name, None)
    if scope is None:
        return None
    found: set[Assignment] = set()
    for access in scope.accesses[name]:
        if access.node is name:
            for referent in access.referents:
                if not isinstance(referent, Assignment):
                    return None
                found.add(referent)
    return found


def assigned_value(rule: Rule, assignment: Assignment) -> cst.BaseExpression | None:
    """The value of ``name = value`` for the assignment of ``name``, else None."""
    target = assignment.node
    parent = rule.get_metadata(ParentNodeProvider, target, None)
    if not isinstance(parent, cst.AssignTarget) or parent.target is not target:
        return None
    statement = rule.get_metadata(ParentNodeProvider, parent, None)
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return None
    return statement.value


def only_small_statement(node: cst.CSTNode | None, kind: type[_T]) -> _T | None:
    """The only small statement of a one-statement line or block, if it is a ``kind``."""
    if isinstance(node, cst.IndentedBlock) and len(node.body) == 1:
        node = node.body[0]
    if (
        isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
        and len(node.body) == 1
    ):
        small = node.body[0]
        return small if isinstance(small, kind) else None
    return None


def is_name(node: cst.CSTNode | None, name: str) -> bool:
    """Whether ``node`` is the name ``name``."""
    return isinstance(node, cst.Name) and node.value == name


class OwnStatements(cst.CSTVisitor):
    """The ``return``, ``yield`` and ``del`` nodes of one function body, not of nested ones."""

    def __init__(self) -> None:
        self.returns: list[cst.Return] = []
        self.yields: list[cst.CSTNode] = []
        self.deletes: list[cst.Del] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        """Nested functions have their own returns."""
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        """So do the methods of nested classes."""
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        """And lambdas (a ``yield`` in one is its own)."""
        return False

    def visit_Return(self, node: cst.Return) -> None:
        """Collect."""
        self.returns.append(node)

    def visit_Yield(self, node: cst.Yield) -> None:
        """Collect."""
        self.yields.append(node)

    def visit_Del(self, node: cst.Del) -> None:
        """Collect."""
        self.deletes.append(node)


def own_statements(function: cst.FunctionDef) -> OwnStatements:
    """Scan ``function``'s body (without nested scopes)."""
    found = OwnStatements()
    visit_without_rebuild(function.body, found)
    return found


@dataclass
class ClassBody:
    """A class statement, the scope of its body and the methods its body defines directly
    (the first ``def`` of each name)."""

    node: cst.ClassDef
    body_scope: Scope | None
    #: Filled in by whoever builds it (no default, so that subclasses can add fields that
    #: have none on Python 3.9, which has no ``kw_only``).
    methods: dict[str, cst.FunctionDef]

    def binds(self, name: str) -> bool:
        """Whether the class body itself binds ``name`` (def, assignment, import...)."""
        return self.body_scope is not None and name in self.body_scope.assignments

    def binds_once(self, name: str) -> bool:
        """Whether the class body binds ``name`` exactly once."""
        return self.body_scope is not None and len(self.body_scope.assignments[name]) == 1

    def plain_def(self, name: str) -> cst.FunctionDef | None:
        """``name``'s def when it is the one binding of ``name``, directly in the body."""
        return self.methods.get(name) if self.binds_once(name) else None

    def statement_of(self, name: str) -> cst.BaseStatement | None:
        """The class body statement ``def name(...)``, if there is one."""
        method = self.methods.get(name)
        return method if method in body_statements(self.node) else None


class _Reindent(cst.CSTTransformer):
    def __init__(self, indent: str | None) -> None:
        self.indent = indent

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(indent=self.indent)


def parse_method(
    module: cst.Module, lines: Sequence[str], body_indent: str | None = None
) -> cst.FunctionDef:
    """Parse a method written with 4-space indents, in ``module``'s newline and indent.

    ``body_indent`` is the indent of the class body it goes into (None: the module's own).
    """
    text = "".join(
        module.default_indent * ((len(line) - len(line.lstrip(" "))) // 4)
        + line.lstrip(" ")
        + module.default_newline
        for line in lines
    )
    statement = cst.parse_statement(text, config=module.config_for_parsing)
    assert isinstance(statement, cst.FunctionDef)
    method = statement.visit(_Reindent(body_indent))
    assert isinstance(method, cst.FunctionDef)
    return method
