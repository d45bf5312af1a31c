"""LM004: ``@module_for_loader`` ``load_module`` -> ``create_module`` + ``exec_module``.

``module_for_loader`` (removed in Python 3.12) turned ``load_module(self, module)`` into the
PEP 302 ``load_module(fullname)``: it reused ``sys.modules[fullname]`` or created, registered
and (on failure) removed a new module with ``__loader__`` and ``__package__`` set. For a loader
with ``exec_module`` the import system does all of that itself, so the method body becomes
``exec_module`` unchanged. Where that could change what runs, the rule refuses with a finding.
A decorated helper called only by ``load_module`` and ``load_module = ...`` lines in class
bodies are :mod:`._module_for_loader_forms`'s; the ``is_package`` a class that only sets
``__path__`` gets is :mod:`._is_package`'s; the edits of the method body
:mod:`._exec_module_body`'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import (
    Assignment,
    ExpressionContext,
    ExpressionContextProvider,
    ScopeProvider,
)

from ._classes import walk
from ._decorators import (
    MODULE_FOR_LOADER,
    PLAIN_BASES,
    ClassFacts,
    LoaderClasses,
    decorator_names,
    denotes,
    own_statements,
    removed_decorator,
)
from ._exec_module_body import (
    decorator_comments,
    ends_in_return_or_raise,
    final_return,
    module_param,
    without_last_statement,
)
from ._is_package import is_package_method, package_test
from ._module_for_loader_forms import AssignedLoadModules, delegated_helper, name_uses

NOT_DONE = "@module_for_loader load_module() not converted: "


@dataclass
class _Plan:
    """How one decorated method is rewritten."""

    final: cst.Return | None
    add_create_module: bool
    self_name: str


class ModuleForLoaderRule(AssignedLoadModules):
    """Rewrite ``@module_for_loader`` ``load_module(self, module)`` into ``exec_module``."""

    ID = "LM004"
    TITLE = "`@module_for_loader` `load_module(self, module)` -> `create_module` + `exec_module`"
    REMOVAL = "importlib.util.module_for_loader was removed in Python 3.12"
    TRIGGERS = (b"module_for_loader",)
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
        #: Helper form: the delegating ``load_module`` of each converted helper, to delete.
        self._delegates: dict[cst.FunctionDef, cst.FunctionDef] = {}
        #: What the is_package() added before each converted method returns.
        self._is_package_before: dict[cst.FunctionDef, cst.BaseExpression] = {}

    def visit_Module(self, node: cst.Module) -> None:
        """Index the module's classes and its uses of ``load_module``; decide about the
        ``load_module = ...`` lines of class bodies."""
        self._classes = LoaderClasses(self, node)
        self._decide_assignments()

    # -- deciding -------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Decide about a function decorated with ``module_for_loader``."""
        names = [decorator_names(self, d) for d in node.decorators]
        ours = [denotes(found, MODULE_FOR_LOADER) for found in names]
        if not any(ours) or node in self._decided:
            return
        anchor = node.decorators[ours.index(True)]
        self._handled.update(d.decorator for d, mine in zip(node.decorators, ours) if mine)
        kinds = [removed_decorator(found) for found in names]
        problem = self._problem(node, kinds)
        if problem is not None:
            prefix = "" if problem.startswith("kept:") else NOT_DONE
            self.report(anchor, prefix + problem, fixed=False)
            return
        owner = self._classes.owner(node)
        assert owner is not None
        facts = self._classes.facts(owner)
        plan = self._plan(node, facts)
        self._plans[node] = plan
        if plan.add_create_module:
            self._create_module_before[node] = plan.self_name
        self.report(anchor, self._done_message(node, kinds, plan, facts), fixed=True)

    def _problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> str | None:
        """Why converting ``node`` could change behaviour (None when it cannot)."""
        return (
            self._stack_problem(node, kinds)
            or self._body_problem(node, kinds)
            or self._class_problem(node)
        )

    def _stack_problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> str | None:
        """Where the method is, what else decorates it, and its signature."""
        owner = self._classes.owner(node)
        if owner is None:
            return (
                "it decorates a function that is not a method defined directly in a class "
                "body; convert it to exec_module(self, module) by hand"
            )
        for decorator, kind in zip(node.decorators, kinds):
            code = self._classes.code(decorator.decorator)
            if kind == "?":
                return (
                    f"@{code} may also be bound to something else than importlib.util's "
                    "decorator; convert by hand"
                )
            if kind is None:
                return f"kept: @{code} wraps load_module(fullname), not exec_module(module)"
        if max(Counter(kinds).values()) > 1:
            return "the same decorator appears twice on the method; convert by hand"
        if node.name.value != "load_module":
            return self._helper_problem(owner, node)
        if node.asynchronous is not None:
            return "the method is async; convert by hand"
        if module_param(node) is None:
            return (
                "the method does not take exactly (self, module) without defaults, but "
                "exec_module(module) gets one argument; convert by hand"
            )
        return None

    def _body_problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> str | None:
        """Generators, a rebound module parameter, and returns of anything but the module."""
        param = module_param(node)
        assert param is not None
        own = own_statements(node)
        if own.yields:
            line = self._classes.line(own.yields[0])
            return f"the method is a generator (yield on line {line}); convert by hand"
        wanted = self.qualified_names(param.name)
        scope = self.get_metadata(ScopeProvider, param.name)
        for assignment in scope.assignments[param.name.value] if scope else ():
            if isinstance(assignment, Assignment) and assignment.node is not param:
                return (
                    f"the method rebinds its parameter {param.name.value} (line "
                    f"{self._classes.line(assignment.node)}); convert by hand"
                )
        for delete in own.deletes:
            if self.qualified_names(delete.target) & wanted:
                line = self._classes.line(delete)
                return f"the method deletes {param.name.value} (line {line}); convert by hand"
        returns_none = []
        for statement in own.returns:
            if statement.value is None or self.refers_to(statement.value, "builtins.None"):
                returns_none.append(statement)
            elif not (
                isinstance(statement.value, cst.Name)
                and self.qualified_names(statement.value) & wanted
            ):
                return (
                    f"line {self._classes.line(statement)} returns something else than its "
                    f"parameter {param.name.value}, and exec_module's result is ignored; "
                    "decide what that return was for, then convert by hand"
                )
        stacked = sorted({kind for kind in kinds if kind and kind != MODULE_FOR_LOADER})
        if stacked and (returns_none or not ends_in_return_or_raise(node)):
            where = (
                f"line {self._classes.line(returns_none[0])} returns None"
                if returns_none
                else "the method can end without returning the module"
            )
            return (
                f"the stacked @{stacked[0]} fails with AttributeError unless the module is "
                f"returned, and {where}; fix that path, then rerun"
            )
        return None

    def _helper_problem(self, owner: cst.ClassDef, node: cst.FunctionDef) -> str | None:
        """Whether ``node`` is a helper whose only caller is ``load_module``; notes it."""
        name = node.name.value
        delegates = [
            method
            for method in owner.body.body
            if isinstance(method, cst.FunctionDef) and method.name.value == "load_module"
        ]
        if len(delegates) != 1 or delegated_helper(delegates[0]) != name:
            return f"kept: {name}() is not only called by a load_module() that returns it"
        uses = name_uses(self._classes.module, name)
        inside = set(walk(delegates[0]))
        other = [use for use in uses if use is not node.name and use not in inside]
        if other or len(uses) != 2:
            line = self._classes.line(other[0] if other else node)
            return f"kept: {name}() is also used on line {line}"
        self._delegates[node] = delegates[0]
        return None

    def _class_problem(self, node: cst.FunctionDef) -> str | None:
        """The class and its relatives, and other code using ``load_module``."""
        owner = self._classes.owner(node)
        assert owner is not None
        return self._owner_problem(owner, method=node)

    def _owner_problem(
        self,
        owner: cst.ClassDef,
        function: cst.FunctionDef | None = None,
        method: cst.FunctionDef | None = None,
    ) -> str | None:
        """Why the class ``owner`` cannot trade load_module for exec_module (None: it can).

        ``function`` is the module-level function it is to get as ``exec_module``,
        ``method`` the decorated method that is to become ``exec_module``.
        """
        facts = self._classes.facts(owner)
        if facts.problem is not None:
            return facts.problem
        mentions_path = facts.mentions_path or (
            function is not None and self._classes.mentions_path(function)
        )
        if not facts.has_is_package and mentions_path and method is not None:
            test = self._package_test(owner, method)
            if test is not None:
                self._is_package_before[method] = test
                mentions_path = False
        if not facts.has_is_package and mentions_path:
            return "kept: no is_package(), and only loading tells whether __path__ is set"
        use = self._classes.first_load_module_use()
        if use is not None:
            return (
                f"line {self._classes.line(use)} uses load_module, which this class would no "
                "longer define; switch that code to importlib.import_module(name), then rerun"
            )
        return None

    def _package_test(
        self, owner: cst.ClassDef, method: cst.FunctionDef
    ) -> cst.BaseExpression | None:
        """What an added is_package() returns (see :mod:`._is_package`); None: no such one."""
        plain = all(
            not base.keyword and self.qualified_names(base.value) <= PLAIN_BASES
            for base in owner.bases
        )
        return package_test(self, owner, method) if plain else None

    def _plan(self, node: cst.FunctionDef, facts: ClassFacts) -> _Plan:
        param = module_param(node)
        assert param is not None
        wanted = self.qualified_names(param.name)
        final = final_return(node)
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
        if node in self._delegates:
            name = node.name.value
            return f"{name}() converted to exec_module(), load_module() calling it removed"
        param = module_param(node)
        assert param is not None
        name = param.name.value
        parts = [f"converted load_module(self, {name}) to exec_module(self, {name})"]
        if plan.add_create_module:
            parts[0] += " plus create_module() returning None"
        if node in self._is_package_before:
            parts.append("is_package() added: what made the module a package")
        stacked = sorted({kind for kind in kinds if kind and kind != MODULE_FOR_LOADER})
        if stacked:
            dropped = " and @".join(stacked)
            parts.append(
                f"dropped @{dropped} too (the import system sets __loader__ and __package__)"
            )
        if facts.loader_base:
            parts.append(
                "load_module(name) now falls back to importlib.abc.Loader's deprecated one "
                "(gone in Python 3.15), so callers should switch to importlib.import_module(name)"
            )
        else:
            parts.append(
                "the class has no load_module() any more: code elsewhere that calls "
                "loader.load_module(name) must switch to importlib.import_module(name)"
            )
        return "; ".join(parts)

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
            "module_for_loader (removed in Python 3.12) is used here other than as the "
            "decorator of a load_module method; rewrite it to exec_module(module) by hand",
            fixed=False,
        )

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        """An early ``return module`` becomes a bare ``return``."""
        if original_node not in self._bare_returns:
            return updated_node
        return updated_node.with_changes(
            value=None, whitespace_after_return=cst.MaybeSentinel.DEFAULT
        )

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Delete the ``load_module`` methods that only called a converted helper."""
        dropped = {self._delegates[plan] for plan in self._plans if plan in self._delegates}
        if isinstance(original_node.body, cst.IndentedBlock) and isinstance(
            updated_node.body, cst.IndentedBlock
        ):
            pairs = [
                (before, after)
                for before, after in zip(original_node.body.body, updated_node.body.body)
                if before not in dropped
            ]
            for index in reversed(range(len(pairs))):
                before = pairs[index][0]
                if not isinstance(before, cst.FunctionDef) or before not in self._plans:
                    continue
                test = self._is_package_before.get(before)
                if test is not None:
                    self_name = self._plans[before].self_name
                    indent = (
                        before.body.indent if isinstance(before.body, cst.IndentedBlock) else None
                    )
                    added = is_package_method(test, self_name, indent)
                    pairs.insert(index, (added, added))
            if len(pairs) != len(original_node.body.body) or self._is_package_before:
                original_node = original_node.with_changes(
                    body=original_node.body.with_changes(body=[b for b, _ in pairs])
                )
                updated_node = updated_node.with_changes(
                    body=updated_node.body.with_changes(body=[a for _, a in pairs])
                )
        return super().leave_ClassDef(original_node, updated_node)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        """``load_module`` becomes ``exec_module``: no decorators, no final ``return``."""
        if original_node in self._undecorate:
            for decorator in original_node.decorators:
                self.remove_unused_import_by_node(decorator)
            return updated_node.with_changes(
                leading_lines=decorator_comments(updated_node),
                decorators=(),
                lines_after_decorators=(),
            )
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
            body = without_last_statement(body)
        return updated_node.with_changes(
            leading_lines=decorator_comments(updated_node),
            decorators=(),
            lines_after_decorators=(),
            name=updated_node.name.with_changes(value="exec_module"),
            returns=returns,
            body=body,
        )
