"""LM004's other shapes of ``module_for_loader``: a helper, and assignments in a class body.

* A helper: ``@module_for_loader def _load_module(self, module)`` called by nothing but a
  ``def load_module(self, fullname): return self._load_module(fullname)`` of the same class
  (CPython 3.2's own ``_LoaderBasics``). The helper becomes ``exec_module`` and the delegating
  ``load_module`` goes.
* An assignment: ``load_module = module_for_loader(func)`` in a class body, or
  ``load_module = func`` where ``func`` is a module-level ``@module_for_loader`` function used
  nowhere else. It becomes ``exec_module = func``; ``func``'s body is not touched (the import
  system ignores what ``exec_module`` returns, as it ignored what ``load_module`` returned).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import Assignment, ParentNodeProvider, ScopeProvider

from ._base import KEPT, Problem, Rule
from ._cst_walk import visit_without_rebuild
from ._decorators import MODULE_FOR_LOADER, decorator_names, denotes, removed_decorator
from ._exec_module_conversion import ExecModuleConversion, LoaderClasses


def _plain_params(node: cst.FunctionDef, count: int) -> list[str] | None:
    """The parameter names of ``def f(a, b, ...)`` with exactly ``count`` plain ones."""
    params = node.params
    positional = [*params.posonly_params, *params.params]
    if (
        node.asynchronous is not None
        or len(positional) != count
        or any(param.default is not None for param in positional)
        or not isinstance(params.star_arg, cst.MaybeSentinel)
        or params.kwonly_params
        or params.star_kwarg is not None
    ):
        return None
    return [param.name.value for param in positional]


def _statements_without_docstring(node: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = node.body
    if not isinstance(body, cst.IndentedBlock):
        return []
    statements = list(body.body)
    first = statements[0] if statements else None
    if (
        isinstance(first, cst.SimpleStatementLine)
        and isinstance(first.body[0], cst.Expr)
        and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        statements = statements[1:]
    return statements


def delegated_helper(node: cst.FunctionDef) -> str | None:
    """The ``helper`` of ``def load_module(self, fullname): return self.helper(fullname)``.

    A docstring may come first; nothing else may be in the body, and no comment may be
    around the method (it is deleted).
    """
    params = _plain_params(node, 2)
    statements = _statements_without_docstring(node)
    if params is None or node.decorators or len(statements) != 1:
        return None
    if any(line.comment is not None for line in node.leading_lines):
        return None
    line = statements[0]
    if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1):
        return None
    if line.trailing_whitespace.comment is not None:
        return None
    returned = line.body[0]
    call = returned.value if isinstance(returned, cst.Return) else None
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and isinstance(call.func.value, cst.Name)
        and call.func.value.value == params[0]
        and len(call.args) == 1
        and call.args[0].keyword is None
        and not call.args[0].star
        and isinstance(call.args[0].value, cst.Name)
        and call.args[0].value.value == params[1]
    ):
        return None
    return call.func.attr.value


class NameUses(cst.CSTVisitor):
    """Every place a module mentions a name: ``name``, ``x.name`` or the string ``"name"``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.uses: list[cst.CSTNode] = []

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        """``x.name``; the attribute's own Name is not a separate use."""
        if node.attr.value == self.name:
            self.uses.append(node)
        visit_without_rebuild(node.value, self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        """A bare ``name`` (definitions included)."""
        if node.value == self.name:
            self.uses.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """``getattr(x, "name")`` and the like."""
        if node.evaluated_value == self.name:
            self.uses.append(node)


def name_uses(module: cst.Module, name: str) -> list[cst.CSTNode]:
    """See :class:`NameUses`."""
    found = NameUses(name)
    visit_without_rebuild(module, found)
    return found.uses


@dataclass(eq=False)
class Assigned:
    """``load_module = ...`` in a class body, to become ``exec_module = function``."""

    owner: cst.ClassDef
    statement: cst.SimpleStatementLine
    #: The name of the function (the value that ``exec_module`` gets).
    function_name: cst.Name
    #: The function itself.
    function: cst.FunctionDef
    #: The ``module_for_loader(...)`` call, or None when the function is decorated.
    call: cst.Call | None


def load_module_assignment(rule: Rule, statement: cst.CSTNode) -> cst.BaseExpression | None:
    """The value of a ``load_module = value`` class-body line, else None."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    assign = statement.body[0]
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
        return None
    target = assign.targets[0].target
    if not (isinstance(target, cst.Name) and target.value == "load_module"):
        return None
    return assign.value


def function_of(rule: Rule, name: cst.Name) -> cst.FunctionDef | None:
    """The only ``def`` a read of ``name`` can see, if it is one."""
    scope = rule.get_metadata(ScopeProvider, name, None)
    if scope is None:
        return None
    referents: set[cst.CSTNode] = set()
    for access in scope.accesses[name]:
        if access.node is name:
            for referent in access.referents:
                if not isinstance(referent, Assignment):
                    return None
                referents.add(referent.node)
    if len(referents) != 1:
        return None
    node = referents.pop()
    return node if isinstance(node, cst.FunctionDef) else None


def assignment_problem(
    rule: Rule, value: cst.BaseExpression
) -> tuple[Assigned | None, Problem | None]:
    """What ``load_module = value`` assigns, or why it is not a form LM004 converts (None
    for neither: not LM004's business)."""
    call = None
    if isinstance(value, cst.Call):
        mfl = removed_decorator(rule.qualified_names(value.func))
        if mfl != MODULE_FOR_LOADER:
            return None, None
        if len(value.args) != 1 or value.args[0].keyword or value.args[0].star:
            return None, Problem(
                f"{KEPT}module_for_loader() is not called with one function", "assigned-call"
            )
        call, value = value, value.args[0].value
    if not isinstance(value, cst.Name):
        return None, Problem(
            f"{KEPT}load_module = module_for_loader(...) of something not a function name",
            "assigned-call",
        )
    function = function_of(rule, value)
    if function is None:
        return None, None if call is None else Problem(
            f"{KEPT}`{value.value}` is not one def", "assigned-call"
        )
    kinds = [removed_decorator(decorator_names(rule, d)) for d in function.decorators]
    decorated = kinds == [MODULE_FOR_LOADER]
    if call is None and not decorated:
        return None, None  # not a module_for_loader function: none of LM004's business
    if call is not None and function.decorators:
        return None, Problem(f"{KEPT}`{value.value}` is decorated too", "decorated")
    if _plain_params(function, 2) is None:
        return None, Problem(f"{KEPT}{value.value}() does not take (self, module)", "signature")
    if call is None and not _module_level(rule, function):
        return None, Problem(
            f"{KEPT}@module_for_loader {value.value}() is not a module-level function",
            "assigned-nested",
        )
    return Assigned(_owner(rule, value), _statement(rule, value), value, function, call), None


def _module_level(rule: Rule, function: cst.FunctionDef) -> bool:
    return isinstance(rule.get_metadata(ParentNodeProvider, function, None), cst.Module)


def _statement(rule: Rule, node: cst.CSTNode) -> cst.SimpleStatementLine:
    while not isinstance(node, cst.SimpleStatementLine):
        node = rule.get_metadata(ParentNodeProvider, node)
    return node


def _owner(rule: Rule, node: cst.CSTNode) -> cst.ClassDef:
    while not isinstance(node, cst.ClassDef):
        node = rule.get_metadata(ParentNodeProvider, node)
    return node


def only_assigned(rule: Rule, function: cst.FunctionDef, assigned: Sequence[Assigned]) -> bool:
    """Whether a module-level function's name is read nowhere but in ``assigned``."""
    scope = rule.get_metadata(ScopeProvider, function, None)
    if scope is None:
        return False
    reads = {
        access.node
        for assignment in scope.assignments[function.name.value]
        if isinstance(assignment, Assignment)
        for access in assignment.references
    }
    return reads == {a.function_name for a in assigned if a.function is function}


def exec_module_assignment(
    statement: cst.SimpleStatementLine, function_name: cst.Name
) -> cst.SimpleStatementLine:
    """``load_module = ...`` rewritten to ``exec_module = function_name``."""
    assign = statement.body[0]
    assert isinstance(assign, cst.Assign)
    target = assign.targets[0].with_changes(target=cst.Name("exec_module"))
    return statement.with_changes(body=[assign.with_changes(targets=[target], value=function_name)])


def denotes_module_for_loader(rule: Rule, node: cst.CSTNode) -> bool:
    """Whether ``node`` names ``module_for_loader``."""
    return denotes(rule.qualified_names(node), MODULE_FOR_LOADER)


class AssignedLoadModules(ExecModuleConversion):
    """LM004's handling of ``load_module = ...`` in class bodies (see the module docstring).

    The rule deriving from it supplies ``_owner_problem`` and sets ``_classes`` in
    ``visit_Module`` before calling :meth:`_decide_assignments`.
    """

    METADATA_DEPENDENCIES = (*ExecModuleConversion.METADATA_DEPENDENCIES, ParentNodeProvider)
    _classes: LoaderClasses

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        #: ``module_for_loader`` references already decided about (not reported again).
        self._handled: set[cst.CSTNode] = set()
        #: Class-body lines to rewrite, module-level functions to undecorate.
        self._assigned: dict[cst.SimpleStatementLine, Assigned] = {}
        self._undecorate: set[cst.FunctionDef] = set()
        #: Module-level decorated functions decided about here, not as methods.
        self._decided: set[cst.FunctionDef] = set()

    def _owner_problem(
        self,
        owner: cst.ClassDef,
        function: cst.FunctionDef | None = None,
        method: cst.FunctionDef | None = None,
    ) -> Problem | None:
        """Why the class ``owner`` cannot trade load_module for exec_module (None: it can)."""
        raise NotImplementedError

    def _decide_assignments(self) -> None:
        """Decide about every ``load_module = ...`` line of a class body."""
        found: list[Assigned] = []
        for cls in self._classes.classes:
            for statement in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
                value = load_module_assignment(self, statement)
                if value is None:
                    continue
                assigned, refused = assignment_problem(self, value)
                if isinstance(value, cst.Call) and (assigned or refused):
                    self._handled.add(value.func)
                if assigned is not None:
                    found.append(assigned)
                elif refused is not None:
                    self.report(statement, refused, fixed=False, reason=refused.reason)
        problems = {a: self._assigned_problem(a, found) for a in found}
        for function in {a.function for a in found if a.call is None}:
            self._decided.add(function)
            self._handled.update(d.decorator for d in function.decorators)
            group = [a for a in found if a.function is function]
            kept = [a for a in group if problems[a]]
            for a in group if kept else ():
                line = self._classes.line(kept[0].statement)
                problems[a] = problems[a] or Problem(
                    f"{KEPT}{function.name.value}() stays for line {line}", "assigned-shared"
                )
        for assigned in found:
            problem = problems[assigned]
            if problem is not None:
                self.report(assigned.statement, problem, fixed=False, reason=problem.reason)
                continue
            self._assigned[assigned.statement] = assigned
            if assigned.call is None:
                self._undecorate.add(assigned.function)
            if not self._classes.facts(assigned.owner).has_create_module:
                self._create_module_before[assigned.statement] = "self"
            name = assigned.function_name.value
            self.report(
                assigned.statement,
                f"load_module converted to exec_module = {name}",
                fixed=True,
                reason="converted-assigned",
            )

    def _assigned_problem(self, assigned: Assigned, found: list[Assigned]) -> Problem | None:
        """Why ``exec_module = function`` in that class could change behaviour (None if not)."""
        name = assigned.function_name.value
        if assigned.call is None and not only_assigned(self, assigned.function, found):
            return Problem(
                f"{KEPT}{name}() is used other than as load_module of classes", "assigned-used"
            )
        problem = self._owner_problem(assigned.owner, assigned.function)
        if problem is None:
            return None
        return Problem(KEPT + problem, problem.reason)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        """``load_module = ...`` becomes ``exec_module = function``."""
        assigned = self._assigned.get(original_node)
        if assigned is None:
            return updated_node
        if assigned.call is not None:
            self.remove_unused_import_by_node(assigned.call.func)
        return exec_module_assignment(updated_node, assigned.function_name)
