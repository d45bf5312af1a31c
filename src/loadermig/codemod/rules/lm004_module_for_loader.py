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

from ._base import Problem, fitted
from ._cst_helpers import own_statements, walk
from ._decorators import MODULE_FOR_LOADER, decorator_names, denotes, removed_decorator
from ._exec_module_body import (
    decorator_comments,
    ends_in_return_or_raise,
    final_return,
    module_param,
    without_last_statement,
)
from ._exec_module_conversion import CLASS_DETAILS, PLAIN_BASES, ClassFacts, LoaderClasses
from ._is_package import is_package_method, package_test
from ._module_for_loader_forms import AssignedLoadModules, delegated_helper, name_uses

NOT_DONE = "kept: "
_CONVERTED = (
    "The @module_for_loader load_module(self, module) became exec_module(self, module), plus "
    "create_module() returning None where the class has none: the import system reuses or "
    "creates, registers and on failure removes the module and sets __loader__ and "
    "__package__, as the decorator did. Stacked @set_loader / @set_package decorators are "
    "dropped too, for the same reason, and a final `return module` goes (exec_module's result "
    "is ignored). Where the decorated method was a helper that only a "
    "`def load_module(self, fullname): return self.helper(fullname)` called (CPython 3.2's "
    "_LoaderBasics), the helper became exec_module() and that load_module() was deleted. "
    "Where the class set __path__ without an is_package(), an is_package(fullname) was added "
    "that returns the test under which the method set __path__, so the module spec marks "
    "the same modules as packages."
)
_BY_HAND = (
    " Convert by hand: exec_module(self, module) with the body, create_module(self, spec) "
    "returning None, or keep the decorator by importing it from loadermig.shim.compat."
)


@dataclass
class _DecoratedMethodPlan:
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
            "system never called as a loader method. loadermig converts such a helper only "
            "when the class's one load_module(self, fullname) does nothing but return "
            "self.helper(fullname)." + _BY_HAND
        ),
        "helper-used": (
            "The decorated helper that load_module() delegates to is also used elsewhere (called, "
            "referenced, or bound again), and would be gone once it became exec_module() and the "
            "delegating load_module() was deleted. Switch that use to importlib.import_module(), "
            "then rerun, or convert by hand."
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
            "is_package() marks no module as a package. loadermig adds an is_package() where "
            "load_module() is the one place that mentions __path__ and sets it always, or under "
            "an `if` that reads only the loader's own attributes and module-level names; here "
            "only running the load tells (the test reads the module, the file or local state, "
            "or the load changes the loader). Add is_package(fullname), then rerun."
        ),
        "called": (
            "Code in this file uses load_module (a call, an attribute, a getattr string), which "
            "the class would no longer define after the conversion. Switch that code to "
            "importlib.import_module(name), then rerun."
        ),
        "converted-assigned": (
            "A `load_module = module_for_loader(function)` line in the class body, or "
            "`load_module = function` where function is a module-level @module_for_loader "
            "function used nowhere else, became `exec_module = function` (the decorator or its "
            "call removed), plus create_module() returning None where the class has none: the "
            "import system now does what the decorator did (reuse or create, register, remove "
            "on failure, set __loader__ and __package__), and ignores what exec_module returns, "
            "as it ignored load_module's result. importlib.util.module_for_loader was removed in "
            "Python 3.12. Code that calls loader.load_module(name) must switch to "
            "importlib.import_module(name)."
        ),
        "assigned-call": (
            "A `load_module = module_for_loader(...)` line in the class body wraps something "
            "other than the name of one function defined once in this file (a lambda, an "
            "attribute, several arguments, a name bound more than once), so loadermig cannot "
            "check that it takes (self, module)." + _BY_HAND
        ),
        "assigned-nested": (
            "`load_module = function` names a @module_for_loader function that is not defined "
            "at module level (nested in a function or class), so loadermig cannot tell every "
            "place that uses it." + _BY_HAND
        ),
        "assigned-used": (
            "The @module_for_loader function assigned as load_module is also used other than as "
            "the load_module of classes (called, passed around), and those uses need the "
            "decorator that converting to exec_module removes." + _BY_HAND
        ),
        "assigned-shared": (
            "The @module_for_loader function is the load_module of several classes, and one of "
            "them is kept for another reason (its own finding says why). The decorator can only "
            "go when every class converts, so all of them stay. Resolve that finding, then "
            "rerun."
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
        self._plans: dict[cst.FunctionDef, _DecoratedMethodPlan] = {}
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
                return Problem(
                    f"@{code} wraps load_module(fullname), not exec_module(module)", "decorated"
                )
        if max(Counter(kinds).values()) > 1:
            return Problem("the same decorator appears twice on load_module()", "decorated")
        if node.name.value != "load_module":
            return self._helper_problem(owner, node)
        if node.asynchronous is not None:
            return Problem("load_module() is async", "signature")
        if module_param(node) is None:
            return Problem("load_module() does not take exactly (self, module)", "signature")
        return None

    def _body_problem(self, node: cst.FunctionDef, kinds: Sequence[str | None]) -> Problem | None:
        """Generators, a rebound module parameter, and returns of anything but the module."""
        param = module_param(node)
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
        if stacked and (returns_none or not ends_in_return_or_raise(node)):
            where = (
                f"line {self._classes.line(returns_none[0])} returns None"
                if returns_none
                else "load_module() may end without returning it"
            )
            return Problem(
                f"@{stacked[0]} needs the module returned, but {where}", "stacked-return"
            )
        return None

    def _helper_problem(self, owner: cst.ClassDef, node: cst.FunctionDef) -> Problem | None:
        """Whether ``node`` is a helper whose only caller is ``load_module``; notes it."""
        name = node.name.value
        delegates = [
            method
            for method in owner.body.body
            if isinstance(method, cst.FunctionDef) and method.name.value == "load_module"
        ]
        if len(delegates) != 1 or delegated_helper(delegates[0]) != name:
            return Problem(
                f"{name}() is not only called by a load_module() that returns it",
                "not-load-module",
            )
        uses = name_uses(self._classes.module, name)
        inside = set(walk(delegates[0]))
        other = [use for use in uses if use is not node.name and use not in inside]
        if other or len(uses) != 2:
            line = self._classes.line(other[0] if other else node)
            return Problem(f"{name}() is also used on line {line}", "helper-used")
        self._delegates[node] = delegates[0]
        return None

    def _class_problem(self, node: cst.FunctionDef) -> Problem | None:
        """The class and its relatives, and other code using ``load_module``."""
        owner = self._classes.owner(node)
        assert owner is not None
        return self._owner_problem(owner, method=node)

    def _owner_problem(
        self,
        owner: cst.ClassDef,
        function: cst.FunctionDef | None = None,
        method: cst.FunctionDef | None = None,
    ) -> Problem | None:
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
            return Problem("no is_package(), and only loading tells if __path__ is set", "package")
        use = self._classes.first_load_module_use()
        if use is not None:
            return Problem(f"load_module is used on line {self._classes.line(use)}", "called")
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

    def _plan(self, node: cst.FunctionDef, facts: ClassFacts) -> _DecoratedMethodPlan:
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
        return _DecoratedMethodPlan(final, not facts.has_create_module, self_param.name.value)

    def _done_message(
        self,
        node: cst.FunctionDef,
        kinds: Sequence[str | None],
        plan: _DecoratedMethodPlan,
        facts: ClassFacts,
    ) -> str:
        if node in self._delegates:
            return f"{node.name.value}() converted to exec_module(), load_module() removed"
        added = [
            name
            for name, done in (
                ("create_module()", plan.add_create_module),
                ("is_package()", node in self._is_package_before),
            )
            if done
        ]
        message = "load_module() converted to exec_module()"
        if added:
            message += f", {' and '.join(added)} added"
        stacked = sorted({kind for kind in kinds if kind and kind != MODULE_FOR_LOADER})
        if not stacked:
            return message
        message += f", @{'/@'.join(stacked)} dropped"
        return fitted(message, message.replace(" converted to ", " is now ", 1))

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
