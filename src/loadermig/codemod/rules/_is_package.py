"""``is_package()`` for an LM004 loader that has none but sets ``module.__path__``.

Under ``module_for_loader`` such a loader made a package by setting ``__path__`` while it ran.
After the conversion the import system decides package-ness before ``exec_module`` runs, from
``is_package(fullname)``, so the class gets one that answers what ``load_module`` would have
done: ``True`` when the method sets ``__path__`` on every run, the ``if`` test when it sets it
under one ``if`` whose test reads nothing but ``self`` and module-level names (so it has the
same value before the method runs). Any other shape has no such method.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment, ClassScope, FunctionScope, ScopeProvider

from ._base import Rule
from ._cst_helpers import body_statements, walk


def sets_path(statement: cst.CSTNode, module: str) -> bool:
    """Whether ``statement`` is the line ``<module>.__path__ = value``."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return False
    assign = statement.body[0]
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
        return False
    target = assign.targets[0].target
    return (
        isinstance(target, cst.Attribute)
        and target.attr.value == "__path__"
        and isinstance(target.value, cst.Name)
        and target.value.value == module
    )


def _path_mentions(node: cst.CSTNode) -> int:
    return sum(
        (isinstance(n, cst.Name) and n.value == "__path__")
        or (isinstance(n, cst.SimpleString) and n.evaluated_value == "__path__")
        for n in walk(node)
    )


def package_test(
    rule: Rule, owner: cst.ClassDef, method: cst.FunctionDef
) -> cst.BaseExpression | None:
    """What ``is_package`` should return for ``owner``, else None (no faithful one).

    ``method`` is ``load_module(self, module)``; it must be the only place of the class that
    mentions ``__path__``.
    """
    params = [*method.params.posonly_params, *method.params.params]
    if len(params) != 2 or _path_mentions(owner) != 1:
        return None
    self_name, module = (param.name.value for param in params)
    if _assigns_attribute_of(method, self_name):
        return None
    for statement in body_statements(method):
        if sets_path(statement, module):
            return cst.Name("True")
        if (
            isinstance(statement, cst.If)
            and statement.orelse is None
            and any(sets_path(line, module) for line in body_statements_of(statement))
        ):
            return statement.test if _reads_only_self(rule, statement.test, self_name) else None
    return None


def _assigns_attribute_of(method: cst.FunctionDef, name: str) -> bool:
    """Whether ``method`` assigns ``name.attr = ...`` anywhere."""
    for node in walk(method.body):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [target.target for target in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for inner in walk(target):
                if (
                    isinstance(inner, cst.Attribute)
                    and isinstance(inner.value, cst.Name)
                    and inner.value.value == name
                ):
                    return True
    return False


def body_statements_of(statement: cst.If) -> list[cst.BaseStatement]:
    """The statements directly in an ``if`` block."""
    body = statement.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _reads_only_self(rule: Rule, test: cst.BaseExpression, self_name: str) -> bool:
    """Whether ``test`` reads only ``self`` (never rebound) and names bound outside methods."""
    for node in walk(test):
        if isinstance(node, (cst.Lambda, cst.NamedExpr, cst.Await, cst.Yield)):
            return False
        if isinstance(node, cst.Attribute):
            continue
        if not isinstance(node, cst.Name) or node.value == "fullname":
            if isinstance(node, cst.Name):
                return False
            continue
        scope = rule.get_metadata(ScopeProvider, node, None)
        if scope is None:
            continue  # an attribute's name, a keyword argument's name
        for access in scope.accesses[node]:
            if access.node is not node:
                continue
            for referent in access.referents:
                if not isinstance(referent, Assignment):
                    continue  # a builtin
                local = isinstance(referent.scope, (FunctionScope, ClassScope))
                if local and not _is_self_param(referent, self_name, scope):
                    return False
    return True


def _is_self_param(referent: Assignment, self_name: str, scope: object) -> bool:
    return (
        referent.name == self_name
        and isinstance(referent.node, cst.Param)
        and referent.scope is scope
        and len(referent.scope.assignments[self_name]) == 1
    )


def is_package_method(
    test: cst.BaseExpression, self_name: str, indent: str | None
) -> cst.FunctionDef:
    """``def is_package(self, fullname): return <test>``."""
    return cst.FunctionDef(
        name=cst.Name("is_package"),
        params=cst.Parameters(
            params=[cst.Param(cst.Name(self_name)), cst.Param(cst.Name("fullname"))]
        ),
        body=cst.IndentedBlock(
            body=[cst.SimpleStatementLine([cst.Return(test.deep_clone())])], indent=indent
        ),
        leading_lines=[cst.EmptyLine(indent=False)],
    )
