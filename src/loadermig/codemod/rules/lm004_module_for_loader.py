"""LM004: ``@module_for_loader`` ``load_module`` -> ``create_module`` + ``exec_module``.

``module_for_loader`` (removed in Python 3.12) turned ``load_module(self, module)`` into the
PEP 302 ``load_module(fullname)``: it reused ``sys.modules[fullname]`` or created, registered
and (on failure) removed a new module with ``__loader__`` and ``__package__`` set. For a loader
with ``exec_module`` the import system does all of that itself, so the method body becomes
``exec_module`` unchanged. Where that could change what runs, the rule refuses with a finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import (
    Assignment,
    ExpressionContext,
    ExpressionContextProvider,
    ScopeProvider,
)

from ._base import Problem
from ._decorators import (
    CLASS_DETAILS,
    MODULE_FOR_LOADER,
    ClassFacts,
    ExecModuleConversion,
    LoaderClasses,
    decorator_names,
    denotes,
    own_statements,
    removed_decorator,
)

NOT_DONE = "kept: "
_CONVERTED = (
    "The @module_for_loader load_module(self, module) became exec_module(self, module), plus "
    "create_module() returning None where the class has none: the import system reuses or "
    "creates, registers and on failure removes the module and sets __loader__ and "
    "__package__, as the decorator did. Stacked @set_loader / @set_package decorators are "
    "dropped too, for the same reason, and a final `return module` goes (exec_module's result "
    "is ignored)."
)
_BY_HAND = (
    " Convert by hand: exec_module(self, module) with the body, create_module(self, spec) "
    "returning None, or keep the decorator by importing it from loadermig.shim.compat."
)


@dataclass
class _Plan:
    """How one decorated method is rewritten."""

    final: cst.Return | None
    add_create_module: bool
    self_name: str


class ModuleForLoaderRule(ExecModuleConversion):
    """Rewrite ``@module_for_loader`` ``load_module(self, module)`` into ``exec_module``."""

    ID = "LM004"
    TITLE = "`@module_for_loader` `load_module(self, module)` -> `create_module` + `exec_module`"
    REMOVAL = "importlib.util.module_for_loader was removed in Python 3.12"
    TRIGGERS = (b"module_for_loader",)
    DETAILS: ClassVar[Mapping[str, str]] = {
        "converted": _CONVERTED
        + (
            " The class has no load_module() any more: code elsewhere that calls "
            "loader.load_module(name) must switch to importlib.import_module(name)."
        ),
        "converted-loader-base": _CONVERTED
        + (
            " load_module(name) now falls back to importlib.abc.Loader's deprecated one (gone "
            "in Python 3.15), so callers should switch to importlib.import_module(name)."
        ),
        **CLASS_DETAILS,
        "not-method": (
            "@module_for_loader decorates a function that is not a method defined directly in "
            "a class body, so there is no loader class to give exec_module()." + _BY_HAND
        ),
        "ambiguous": (
            "The decorator's name may also be bound to something else than importlib.util's "
            "decorator (another import or definition in some branch)." + _BY_HAND
        ),
        "decorated": (
            "load_module() has another decorator (or the same one twice); decide how it "
            "applies to exec_module(module)." + _BY_HAND
        ),
        "not-load-module": (
            "@module_for_loader decorates a method other than load_module(), which the import "
            "system never called as a loader method." + _BY_HAND
        ),
        "signature": (
            "The method is async or does not take exactly (self, module) without defaults, but "
            "exec_module(module) gets one argument." + _BY_HAND
        ),
        "generator": "The method is a generator, so its body never ran as a loader's." + _BY_HAND,
        "rebinds": (
            "The method rebinds or deletes its module parameter, so the module the decorator "
            "passed in and the one it ends with may differ." + _BY_HAND
        ),
        "returns-other": (
            "The method returns something else than its module parameter, and exec_module's "
            "result is ignored. Decide what that return was for, then convert by hand."
        ),
        "stacked-return": (
            "A stacked @set_loader / @set_package fails with AttributeError unless the module "
            "is returned, and some path returns None or falls off the end. Fix that path, "
            "then rerun."
        ),
        "package": (
            "The class sets __path__ but has no is_package(). After the conversion "
            "package-ness and __package__ would come from the module spec, which without "
            "is_package() marks no module as a package. Add is_package(fullname), then rerun."
        ),
        "called": (
            "Code in this file uses load_module (a call, an attribute, a getattr string), which "
            "the class would no longer define after the conversion. Switch that code to "
            "importlib.import_module(name), then rerun."
        ),
        "other-use": (
            "module_for_loader is used other than as the decorator of a load_module method "
            "(passed around, called, wrapped); it was removed from importlib.util in Python "
            "3.12. Rewrite that code to exec_module(module) by hand, or import "
            "module_for_loader from loadermig.shim.compat."
        ),
    }
    BEFORE = (
        "from importlib.util import module_for_loader\n"
        "\n"
        "class Loader:\n"
        "    @module_for_loader\n"
        "    def load_module(self, module):\n"
        "        exec(self.get_code(module.__name__), module.__dict__)\n"
        "        return module\n"
    )
    AFTER = (
        "class Loader:\n"
        "    def create_module(self, spec):\n"
        "        return None\n"
        "\n"
        "    def exec_module(self, module):\n"
        "        exec(self.get_code(module.__name__), module.__dict__)\n"
    )

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._plans: dict[cst.FunctionDef, _Plan] = {}
        self._bare_returns: set[cst.Return] = set()
        self._handled: set[cst.CSTNode] = set()

    def visit_Module(self, node: cst.Module) -> None:
        """Index the module's classes and its uses of ``load_module``."""
        self._classes = LoaderClasses(self, node)

    # -- deciding -------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Decide about a function decorated with ``module_for_loader``."""
        names = [decorator_names(self, d) for d in node.decorators]
        ours = [denotes(found, MODULE_FOR_LOADER) for found in names]
        if not any(ours):
            return
        anchor = node.decorators[ours.index(True)]
        self._handled.update(d.decorator for d, mine in zip(node.decorators, ours) if mine)
        kinds = [removed_decorator(found) for found in names]
        problem = self._problem(node, kinds)
        if problem is not None:
            self.report(anchor, NOT_DONE + problem, fixed=False, reason=problem.reason)
            return
        owner = self._classes.owner(node)
        assert owner is not None
        facts = self._classes.facts(owner)
        plan = self._plan(node, facts)
        self._plans[node] = plan
        if plan.add_create_module:
            self._create_module_before[node] = plan.self_name
        reason = "converted-loader-base" if facts.loader_base else "converted"
        self.report(anchor, self._done_message(node, kinds, plan, facts), fixed=True, reason=reason)

    def _problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> Problem | None:
        """Why converting ``node`` could change behaviour (None when it cannot)."""
        return (
            self._stack_problem(node, kinds)
            or self._body_problem(node, kinds)
            or self._class_problem(node)
        )

    def _stack_problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> Problem | None:
        """Where the method is, what else decorates it, and its signature."""
        owner = self._classes.owner(node)
        if owner is None:
            return Problem("@module_for_loader decorates a function, not a method", "not-method")
        for decorator, kind in zip(node.decorators, kinds):
            code = self._classes.code(decorator.decorator)
            if kind == "?":
                return Problem(f"@{code} may be bound to something else", "ambiguous")
            if kind is None:
                return Problem(f"load_module() also has the decorator @{code}", "decorated")
        if max(Counter(kinds).values()) > 1:
            return Problem("the same decorator appears twice on load_module()", "decorated")
        if node.name.value != "load_module":
            return Problem(
                f"the decorated method is {node.name.value}(), not load_module()", "not-load-module"
            )
        if node.asynchronous is not None:
            return Problem("load_module() is async", "signature")
        if _module_param(node) is None:
            return Problem("load_module() does not take exactly (self, module)", "signature")
        return None

    def _body_problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> Problem | None:
        """Generators, a rebound module parameter, and returns of anything but the module."""
        param = _module_param(node)
        assert param is not None
        own = own_statements(node)
        if own.yields:
            line = self._classes.line(own.yields[0])
            return Problem(f"load_module() is a generator (yield on line {line})", "generator")
        wanted = self.qualified_names(param.name)
        scope = self.get_metadata(ScopeProvider, param.name)
        for assignment in scope.assignments[param.name.value] if scope else ():
            if isinstance(assignment, Assignment) and assignment.node is not param:
                return Problem(
                    f"load_module() rebinds its parameter {param.name.value} (line "
                    f"{self._classes.line(assignment.node)})",
                    "rebinds",
                )
        for delete in own.deletes:
            if self.qualified_names(delete.target) & wanted:
                line = self._classes.line(delete)
                return Problem(f"load_module() deletes {param.name.value} (line {line})", "rebinds")
        returns_none = []
        for statement in own.returns:
            if statement.value is None or self.refers_to(statement.value, "builtins.None"):
                returns_none.append(statement)
            elif not (
                isinstance(statement.value, cst.Name)
                and self.qualified_names(statement.value) & wanted
            ):
                return Problem(
                    f"line {self._classes.line(statement)} returns something else than "
                    f"{param.name.value}",
                    "returns-other",
                )
        stacked = sorted({kind for kind in kinds if kind and kind != MODULE_FOR_LOADER})
        if stacked and (returns_none or not _ends_in_return_or_raise(node)):
            where = (
                f"line {self._classes.line(returns_none[0])} returns None"
                if returns_none
                else "load_module() may end without returning it"
            )
            return Problem(
                f"@{stacked[0]} needs the module returned, but {where}", "stacked-return"
            )
        return None

    def _class_problem(self, node: cst.FunctionDef) -> Problem | None:
        """The class and its relatives, and other code using ``load_module``."""
        owner = self._classes.owner(node)
        assert owner is not None
        facts = self._classes.facts(owner)
        if facts.problem is not None:
            return facts.problem
        if not facts.has_is_package and facts.mentions_path:
            return Problem("the class sets __path__ but has no is_package()", "package")
        use = self._classes.first_load_module_use()
        if use is not None:
            return Problem(f"load_module is used on line {self._classes.line(use)}", "called")
        return None

    def _plan(self, node: cst.FunctionDef, facts: ClassFacts) -> _Plan:
        param = _module_param(node)
        assert param is not None
        wanted = self.qualified_names(param.name)
        final = _final_return(node)
        for statement in own_statements(node).returns:
            value = statement.value
            if statement is not final and value and self.qualified_names(value) & wanted:
                self._bare_returns.add(statement)
        if final is not None and (
            final.value is None or not self.qualified_names(final.value) & wanted
        ):
            final = None  # a final ``return`` / ``return None`` stays as it is
        self_param = [*node.params.posonly_params, *node.params.params][0]
        return _Plan(final, not facts.has_create_module, self_param.name.value)

    def _done_message(
        self,
        node: cst.FunctionDef,
        kinds: Sequence[str | None],
        plan: _Plan,
        facts: ClassFacts,
    ) -> str:
        message = "load_module() converted to exec_module()"
        if plan.add_create_module:
            message += ", create_module() added"
        stacked = sorted({kind for kind in kinds if kind and kind != MODULE_FOR_LOADER})
        if stacked:
            message += f", @{'/@'.join(stacked)} dropped"
        return message

    # -- rewriting ------------------------------------------------------------------------

    def visit_Name(self, node: cst.Name) -> None:
        """Report ``module_for_loader`` used other than as a method decorator."""
        self._other_use(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Report ``util.module_for_loader`` used other than as a method decorator."""
        self._other_use(node)

    def _other_use(self, node: cst.Name | cst.Attribute) -> None:
        if node in self._handled or not denotes(self.qualified_names(node), MODULE_FOR_LOADER):
            return
        if self.get_metadata(ExpressionContextProvider, node, None) is not ExpressionContext.LOAD:
            return  # a binding (def, assignment target), not a use
        self.report(
            node,
            "kept: module_for_loader is used other than as a load_module() decorator",
            fixed=False,
            reason="other-use",
        )

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        """An early ``return module`` becomes a bare ``return``."""
        if original_node not in self._bare_returns:
            return updated_node
        return updated_node.with_changes(
            value=None, whitespace_after_return=cst.MaybeSentinel.DEFAULT
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        """``load_module`` becomes ``exec_module``: no decorators, no final ``return``."""
        plan = self._plans.get(original_node)
        if plan is None:
            return updated_node
        for decorator in original_node.decorators:
            self.remove_unused_import_by_node(decorator)
        returns = updated_node.returns
        if returns is not None and original_node.returns is not None:
            self.remove_unused_import_by_node(original_node.returns)
            returns = returns.with_changes(annotation=cst.Name("None"))
        body = updated_node.body
        if plan.final is not None:
            body = _without_last_statement(body)
        return updated_node.with_changes(
            leading_lines=_decorator_comments(updated_node),
            decorators=(),
            lines_after_decorators=(),
            name=updated_node.name.with_changes(value="exec_module"),
            returns=returns,
            body=body,
        )


def _module_param(node: cst.FunctionDef) -> cst.Param | None:
    """The module parameter of ``def load_module(self, module)``; None for other signatures."""
    params = node.params
    positional = [*params.posonly_params, *params.params]
    plain = (
        not node.asynchronous
        and len(positional) == 2
        and all(param.default is None for param in positional)
        and isinstance(params.star_arg, cst.MaybeSentinel)
        and not params.kwonly_params
        and params.star_kwarg is None
    )
    return positional[1] if plain else None


def _last_small_statement(node: cst.FunctionDef) -> cst.BaseSmallStatement | None:
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body[-1]
    assert isinstance(body, cst.IndentedBlock)
    last = body.body[-1]
    return last.body[-1] if isinstance(last, cst.SimpleStatementLine) else None


def _final_return(node: cst.FunctionDef) -> cst.Return | None:
    """The ``return`` that is the method's last statement, if any."""
    last = _last_small_statement(node)
    return last if isinstance(last, cst.Return) else None


def _ends_in_return_or_raise(node: cst.FunctionDef) -> bool:
    """Whether no path can fall off the end of the method."""
    return isinstance(_last_small_statement(node), (cst.Return, cst.Raise))


def _decorator_comments(node: cst.FunctionDef) -> list[cst.EmptyLine]:
    """The def's leading lines plus the comment lines among its decorators.

    A comment at the end of a decorator's own line goes with that line.
    """
    lines = list(node.leading_lines)
    for decorator in node.decorators:
        lines.extend(decorator.leading_lines)
    lines.extend(node.lines_after_decorators)
    return lines


def _without_last_statement(body: cst.BaseSuite) -> cst.BaseSuite:
    """``body`` without its last small statement (the final ``return``).

    Comment lines above a removed line stay (at the end of the block); a comment at the end
    of the removed line goes with it.
    """
    if isinstance(body, cst.SimpleStatementSuite):
        return body.with_changes(body=_drop_last(body.body))
    assert isinstance(body, cst.IndentedBlock)
    lines = list(body.body)
    last = lines.pop()
    assert isinstance(last, cst.SimpleStatementLine)
    if len(last.body) > 1:
        return body.with_changes(body=[*lines, last.with_changes(body=_drop_last(last.body))])
    kept = [line for line in last.leading_lines if line.comment is not None]
    return body.with_changes(
        body=lines or [cst.SimpleStatementLine([cst.Pass()])], footer=[*kept, *body.footer]
    )


def _drop_last(
    statements: Sequence[cst.BaseSmallStatement],
) -> list[cst.BaseSmallStatement]:
    kept = list(statements[:-1])
    if not kept:
        return [cst.Pass()]
    kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return kept
