"""What LM006 and LM007 share: adding a delegating ``find_spec`` to a PEP 302 finder class.

Both rules keep the legacy method (``find_module`` / ``find_loader``) for old callers and add a
``find_spec`` that calls it and builds the spec exactly as CPython 3.4-3.11's fallback did
(``_find_spec_legacy`` for meta path finders, ``PathFinder._legacy_get_spec`` for path entry
finders). The subclass decides which classes it owns and writes the method; this module
checks that the class has no way to make the import system behave differently once
``find_spec`` exists (bases, ``__getattr__``, how ``importlib`` resolves) and inserts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst.metadata import (
    ClassScope,
    GlobalScope,
    ImportAssignment,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from ._base import KEPT, Problem, Rule, fitted
from ._classes import parse_method

#: Bases that define none of find_spec, find_module, find_loader, __getattr__.
NEUTRAL_BASES = frozenset(
    {
        "builtins.object",
        "abc.ABC",
        *(
            "importlib.abc." + name
            for name in (
                "Loader",
                "ResourceLoader",
                "InspectLoader",
                "ExecutionLoader",
                "FileLoader",
                "SourceLoader",
            )
        ),
    }
)
METACLASSES = frozenset({"abc.ABCMeta"})


@dataclass
class Plan:
    """The ``find_spec`` to add to one class, after ``anchor``, and the imports it needs."""

    anchor: cst.FunctionDef
    lines: Sequence[str]
    imports: Sequence[str]
    message: str
    reason: str


@dataclass
class Refusal:
    """Why a class is left alone, reported at ``node``: the message and its details' key."""

    node: cst.CSTNode
    message: str
    reason: str


@dataclass
class ClassView:
    """A class body's direct ``def``s and the names its scope binds."""

    node: cst.ClassDef
    scope: Scope | None
    defs: dict[str, cst.FunctionDef] = field(default_factory=dict)

    def binds(self, name: str) -> bool:
        """Whether the class body binds ``name`` anywhere (def, assignment, import)."""
        return self.scope is not None and bool(self.scope.assignments[name])

    def plain_def(self, name: str) -> cst.FunctionDef | None:
        """``name``'s def when it is the one binding of ``name``, directly in the body."""
        if self.scope is None or len(self.scope.assignments[name]) != 1:
            return None
        return self.defs.get(name)


class FinderRule(Rule):
    """Add ``find_spec`` to legacy finder classes; subclasses pick classes and write it."""

    # (Rule's unannotated tuple is narrowed the same way in LM004)
    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider)
    #: How every refusal of the rule starts.
    NOT_DONE: ClassVar[str]

    def plan(self, view: ClassView) -> Plan | Refusal | None:
        """What to do with one class (None: not a finder of this rule's kind)."""
        raise NotImplementedError

    def visit_Module(self, node: cst.Module) -> None:
        """Index the module's classes and its ``sys.path_hooks`` statements."""
        self.module_node = node
        self._plans: dict[cst.ClassDef, Plan] = {}
        self._views: dict[str, list[ClassView]] = {}
        self._hooked: set[str] = set()
        node.visit(_Index(self))

    def view(self, node: cst.ClassDef) -> ClassView:
        """The class as :class:`ClassView`."""
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        first = body[0] if body else None
        scope = self.get_metadata(ScopeProvider, first, None) if first is not None else None
        view = ClassView(node, scope if isinstance(scope, ClassScope) else None)
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                view.defs.setdefault(statement.name.value, statement)
        return view

    def on_path_hooks(self, node: cst.ClassDef) -> bool:
        """Whether a statement of the module puts ``node``'s name near ``sys.path_hooks``."""
        return node.name.value in self._hooked

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Decide about one class and report."""
        view = self.view(node)
        if view.binds("find_spec"):
            return  # the import system has called find_spec, not the legacy method, since 3.4
        decision = self.plan(view)
        if decision is None:
            return
        if isinstance(decision, Plan):
            problem = self.class_problem(view, decision.anchor)
            if problem is not None:
                decision = Refusal(problem.node, self.NOT_DONE + problem.message, problem.reason)
        if isinstance(decision, Refusal):
            self.report(decision.node, decision.message, fixed=False, reason=decision.reason)
            return
        self._plans[node] = decision
        for name in decision.imports:
            self.add_needed_import(name)
        self.report(decision.anchor, decision.message, fixed=True, reason=decision.reason)

    # -- checks shared by both rules -------------------------------------------------------

    def decoration_problem(self, node: cst.FunctionDef) -> Problem | None:
        """Why ``node`` is not a plain, undecorated, synchronous method."""
        name = node.name.value
        if node.decorators:
            code = self.module_node.code_for_node(node.decorators[0].decorator).strip()
            message = fitted(
                f"{name}() is decorated with @{code}", f"{name}() is decorated", after=KEPT
            )
            return Problem(message, "decorated")
        if node.asynchronous is not None:
            return Problem(f"{name}() is async", "async")
        return None

    def class_problem(self, view: ClassView, anchor: cst.FunctionDef) -> Refusal | None:
        """Why adding ``find_spec`` to the class could change what the import system does."""
        name = view.node.name.value
        for attr in ("__getattr__", "__getattribute__"):
            if view.binds(attr):
                return Refusal(anchor, f"{name} defines {attr}()", "getattr")
        for legacy in ("find_module", "find_loader"):
            if view.binds(legacy) and view.plain_def(legacy) is None:
                return Refusal(
                    anchor, f"{name} binds {legacy} other than by one plain def", "binding"
                )
        problem = self._bases_problem(view, anchor, seen=set())
        return problem or self._importlib_problem(view.node, anchor)

    def _bases_problem(
        self, view: ClassView, anchor: cst.FunctionDef, seen: set[int]
    ) -> Refusal | None:
        if id(view.node) in seen:
            return None
        seen.add(id(view.node))
        for keyword in view.node.keywords:
            names = self.qualified_names(keyword.value)
            word = keyword.keyword.value if keyword.keyword is not None else "**"
            if word == "metaclass" and names and names <= METACLASSES:
                continue
            code = self.module_node.code_for_node(keyword.value).strip()
            return Refusal(
                anchor,
                fitted(
                    f"{view.node.name.value} has the class keyword {word}={code}",
                    f"{view.node.name.value} has the class keyword {word}=...",
                    after=KEPT,
                ),
                "class-keyword",
            )
        for base in view.node.bases:
            code = self.module_node.code_for_node(base.value).strip()
            names = self.qualified_names(base.value) if not base.star else set()
            if names and names <= self.neutral_bases(view):
                continue
            local = [v for n in sorted(names) for v in self._views.get(n, [])]
            if not names or not local or len(local) != len(names):
                return Refusal(
                    anchor,
                    fitted(
                        f"base class {code} of {view.node.name.value} is unknown to this rule",
                        f"a base class of {view.node.name.value} is unknown to this rule",
                        after=KEPT,
                    ),
                    "unknown-base",
                )
            for other in local:
                for method in ("find_spec", "find_loader", "__getattr__", "__getattribute__"):
                    if other.binds(method):
                        return Refusal(
                            anchor,
                            fitted(
                                f"{view.node.name.value} inherits {method} from {code}",
                                f"{view.node.name.value} inherits {method}",
                                after=KEPT,
                            ),
                            "inherits",
                        )
                problem = self._bases_problem(other, anchor, seen)
                if problem is not None:
                    return problem
        return None

    def neutral_bases(self, view: ClassView) -> frozenset[str]:
        """Bases that cannot change which finder method the import system calls."""
        return NEUTRAL_BASES

    def _importlib_problem(self, cls: cst.ClassDef, anchor: cst.FunctionDef) -> Refusal | None:
        """The new method says ``importlib.util``: that name must be the module's import."""
        scope = self.get_metadata(ScopeProvider, cls, None)
        while scope is not None and not isinstance(scope, GlobalScope):
            if not isinstance(scope, ClassScope) and scope.assignments["importlib"]:
                return Refusal(
                    anchor, "a function around the class binds the name importlib", "importlib"
                )
            scope = scope.parent
        if scope is None:
            return Refusal(anchor, "loadermig cannot tell where the class is", "importlib")
        for assignment in scope.assignments["importlib"]:
            if not _imports_importlib(assignment):
                return Refusal(
                    anchor,
                    f"importlib is bound to something else (line {self._line(assignment)})",
                    "importlib",
                )
        return None

    def _line(self, assignment: object) -> int | str:
        node = getattr(assignment, "node", None)
        if not isinstance(node, cst.CSTNode):
            return "?"
        return int(self.get_metadata(PositionProvider, node).start.line)

    # -- rewriting -------------------------------------------------------------------------

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Insert the planned ``find_spec`` right after its anchor method."""
        plan = self._plans.get(original_node)
        if plan is None or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        assert isinstance(original_node.body, cst.IndentedBlock)
        method = parse_method(self.module_node, plan.lines, updated_node.body.indent)
        method = method.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        statements: list[cst.BaseStatement] = []
        for before, after in zip(original_node.body.body, updated_node.body.body):
            statements.append(after)
            if before is plan.anchor:
                statements.append(method)
        return updated_node.with_changes(body=updated_node.body.with_changes(body=statements))


def _imports_importlib(assignment: object) -> bool:
    """Whether a binding of ``importlib`` is ``import importlib`` / ``import importlib.x``."""
    if not isinstance(assignment, ImportAssignment) or not isinstance(assignment.node, cst.Import):
        return False
    for alias in assignment.node.names:
        if alias.asname is None and cst.helpers.get_full_name_for_node(alias.name) in (
            "importlib",
            *(f"importlib.{sub}" for sub in ("util", "machinery", "abc")),
        ):
            return True
    return False


class _Index(cst.CSTVisitor):
    """Fill in the rule's class views (by qualified name) and path hook mentions."""

    def __init__(self, rule: FinderRule) -> None:
        self.rule = rule
        self.hook_depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        view = self.rule.view(node)
        for name in self.rule.qualified_names(node):
            self.rule._views.setdefault(name, []).append(view)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if "path_hooks" in self.rule.module_node.code_for_node(node):
            self.hook_depth += 1

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        if "path_hooks" in self.rule.module_node.code_for_node(original_node):
            self.hook_depth -= 1

    def visit_Name(self, node: cst.Name) -> None:
        if self.hook_depth:
            self.rule._hooked.add(node.value)


def arity(node: cst.FunctionDef) -> int | None:
    """How many plain positional parameters ``node`` has; None for any other signature.

    Defaults are allowed only after the first two (``self``, ``fullname``).
    """
    params = node.params
    if (
        params.posonly_params
        or params.kwonly_params
        or isinstance(params.star_arg, cst.Param)
        or params.star_kwarg is not None
        or any(param.default is not None for param in params.params[:2])
    ):
        return None
    return len(params.params)


#: The finding's closing advice about the loaders the finder returns.
LOADER_NOTE = " A returned loader with only load_module() also needs exec_module() (LM008)."
BY_HAND = " Add find_spec() by hand."
#: The long explanations of the reasons LM006 and LM007 share.
FINDER_DETAILS = {
    "decorated": (
        "The finder method is decorated, so neither its signature nor whether the class or an "
        "instance is registered can be read from the def." + BY_HAND
    ),
    "async": "The finder method is async, which the import system never awaited." + BY_HAND,
    "getattr": (
        "The class defines __getattr__() or __getattribute__(), so the import system may "
        "already have found a find_spec attribute on it." + BY_HAND
    ),
    "binding": (
        "The class binds the legacy finder method other than by one plain def directly in its "
        "body (an assignment, a second def, an import), so what the import system calls "
        "cannot be read from the class." + BY_HAND
    ),
    "class-keyword": (
        "The class statement passes a keyword (a metaclass other than abc.ABCMeta, say), "
        "which may provide find_spec." + BY_HAND
    ),
    "unknown-base": (
        "A base class is not known to this rule: if it defines find_spec() (or "
        "find_loader()), the import system has not been calling this method. Check it, then "
        "add find_spec() by hand."
    ),
    "inherits": (
        "The class inherits find_spec, find_loader, __getattr__ or __getattribute__ from a "
        "base class of this file, which decides what the import system calls." + BY_HAND
    ),
    "importlib": (
        "The added find_spec() uses importlib.util, but the name importlib is bound to "
        "something else than the importlib package here (in the module or a function around "
        "the class). Rename it, then rerun, or add find_spec() by hand."
    ),
}
