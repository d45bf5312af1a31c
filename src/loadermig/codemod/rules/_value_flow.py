"""The small value analysis LM002 and LM003 use to prove that a loader method's result is,
say, ``self.source_path(fullname)``: :class:`Flow` tells what each expression of one method
may evaluate to, as a set of :class:`Kind`.
"""

from __future__ import annotations

from enum import Enum

import libcst as cst
from libcst.metadata import Assignment, Scope, ScopeProvider

from ._base import Rule
from ._cst_helpers import assigned_value, body_statements, referents, walk

CACHE_FROM_SOURCE = ("importlib.util.cache_from_source", "imp.cache_from_source")


class Kind(Enum):
    """What an expression inside a loader method evaluates to."""

    FULLNAME = "the module name argument"
    SOURCE = "self.source_path(fullname)"
    FILENAME = "self.get_filename(fullname)"
    BYTECODE = "self.bytecode_path(fullname)"
    CACHE = "importlib.util.cache_from_source(self.source_path(fullname))"
    NONE = "None"
    OTHER = "something else"


_SELF_CALLS = {"source_path": Kind.SOURCE, "get_filename": Kind.FILENAME}


class Flow:
    """Values of the expressions in one method ``def m(self, fullname, ...)``, flow-insensitive.

    A local assigned (once or more, each time by a plain ``name = value``) has the union of
    the values assigned to it; anything not understood is ``Kind.OTHER``. Attribute calls on
    ``self`` are assumed to be deterministic (``self.source_path(fullname)`` called twice gives
    the same path), which is what the legacy ABCs themselves assumed.
    """

    def __init__(self, rule: Rule, func: cst.FunctionDef, *, bytecode_is_cache: bool = False):
        self.rule = rule
        self.func = func
        self.bytecode_is_cache = bytecode_is_cache
        self.scope: Scope | None = rule.get_metadata(ScopeProvider, func.body.body[0], None)
        self.params = self._plain_params(func)
        self._values: dict[cst.CSTNode, frozenset[Kind]] = {}
        self.returns: list[cst.Return] = []
        self.raises: list[cst.Raise] = []
        self.is_generator = False
        for node in walk(func.body, nested=False):
            if isinstance(node, cst.Return):
                self.returns.append(node)
            elif isinstance(node, cst.Raise):
                self.raises.append(node)
            elif isinstance(node, (cst.Yield, cst.Await)):
                self.is_generator = True

    @staticmethod
    def _plain_params(func: cst.FunctionDef) -> list[cst.Param]:
        """The parameters when all are plain positional ones without defaults, else []."""
        params = func.params
        if (
            params.posonly_params
            or params.kwonly_params
            or params.star_kwarg is not None
            or not isinstance(params.star_arg, cst.MaybeSentinel)
            or any(param.default is not None for param in params.params)
        ):
            return []
        return list(params.params)

    def is_plain(self, arity: int) -> bool:
        """Whether the method is a plain ``def m(self, a, ...)`` with ``arity`` parameters."""
        return (
            self.scope is not None
            and len(self.params) == arity
            and not self.func.decorators
            and self.func.asynchronous is None
            and not self.is_generator
            and all(len(self.assignments_of(param.name)) == 1 for param in self.params)
        )

    def assignments_of(self, name: cst.Name) -> set[Assignment]:
        """The assignments of a local name of this method."""
        if self.scope is None:
            return set()
        return {a for a in self.scope.assignments[name.value] if isinstance(a, Assignment)}

    def param_accesses(self, index: int) -> list[cst.Name]:
        """Every place the ``index``-th parameter is read (nested scopes included)."""
        found: list[cst.Name] = []
        for assignment in self.assignments_of(self.params[index].name):
            found.extend(a.node for a in assignment.references if isinstance(a.node, cst.Name))
        return found

    def referents(self, name: cst.Name) -> set[Assignment] | None:
        """The assignments a read of ``name`` may see (see :func:`referents`)."""
        return referents(self.rule, name)

    def is_param(self, name: cst.BaseExpression, index: int) -> bool:
        """Whether ``name`` reads the ``index``-th parameter."""
        if not isinstance(name, cst.Name) or len(self.params) <= index:
            return False
        referents = self.referents(name)
        return bool(referents) and referents == self.assignments_of(self.params[index].name)

    def value(self, node: cst.BaseExpression) -> frozenset[Kind]:
        """What ``node`` may evaluate to."""
        if node not in self._values:
            self._values[node] = frozenset({Kind.OTHER})  # guards against cycles
            self._values[node] = self._value(node)
        return self._values[node]

    def _value(self, node: cst.BaseExpression) -> frozenset[Kind]:
        if isinstance(node, cst.Name):
            return self._name_value(node)
        if isinstance(node, cst.IfExp):
            return self.value(node.body) | self.value(node.orelse)
        if isinstance(node, cst.Call):
            return frozenset({self._call_value(node)})
        return frozenset({Kind.OTHER})

    def _name_value(self, node: cst.Name) -> frozenset[Kind]:
        if node.value == "None":
            return frozenset({Kind.NONE})
        if self.is_param(node, 1):
            return frozenset({Kind.FULLNAME})
        referents = self.referents(node)
        if not referents or any(r.scope is not self.scope for r in referents):
            return frozenset({Kind.OTHER})
        values: frozenset[Kind] = frozenset()
        for referent in referents:
            assigned = assigned_value(self.rule, referent)
            values |= self.value(assigned) if assigned is not None else {Kind.OTHER}
        return values

    def _call_value(self, call: cst.Call) -> Kind:
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return Kind.OTHER
        argument = self.value(call.args[0].value)
        func = call.func
        if isinstance(func, cst.Attribute) and self.is_param(func.value, 0):
            if argument != {Kind.FULLNAME}:
                return Kind.OTHER
            if func.attr.value == "bytecode_path":
                return Kind.CACHE if self.bytecode_is_cache else Kind.BYTECODE
            return _SELF_CALLS.get(func.attr.value, Kind.OTHER)
        if self.rule.refers_to(func, *CACHE_FROM_SOURCE) and argument == {Kind.SOURCE}:
            return Kind.CACHE
        return Kind.OTHER

    def return_values(self) -> frozenset[Kind]:
        """Everything the method may return (None included when it can fall off its end)."""
        values: frozenset[Kind] = frozenset()
        for node in self.returns:
            values |= self.value(node.value) if node.value is not None else {Kind.NONE}
        if self.falls_through():
            values |= {Kind.NONE}
        return values

    def falls_through(self) -> bool:
        """Whether the body may end without ``return``/``raise`` (conservative)."""
        statements = body_statements(self.func)
        last = statements[-1] if statements else None
        return not (
            isinstance(last, cst.SimpleStatementLine)
            and isinstance(last.body[-1], (cst.Return, cst.Raise))
        )
