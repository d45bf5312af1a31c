"""What LM006 and LM007 share: adding a delegating ``find_spec`` to a PEP 302 finder class.

Both rules keep the legacy method (``find_module`` / ``find_loader``) for old callers and add a
``find_spec`` that calls it and builds the spec exactly as CPython 3.4-3.11's fallback did
(``_find_spec_legacy`` for meta path finders, ``PathFinder._legacy_get_spec`` for path entry
finders). The subclass decides which classes it owns and writes the method; this module
checks that the class has no way to make the import system behave differently once
``find_spec`` exists (bases, ``__getattr__``, how ``importlib`` resolves, a legacy method that
reaches ``importlib.abc``'s defaults, which call ``find_spec``, or one that reads the call
stack) and inserts it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst
from libcst.metadata import (
    ClassScope,
    GlobalScope,
    ImportAssignment,
    PositionProvider,
    ScopeProvider,
)

from ._base import KEPT, Problem, Rule, fitted
from ._cst_helpers import ClassBody, parse_method, walk
from ._cst_walk import visit_without_rebuild
from ._node_finding import NodeFinding
from ._stack_inspection import StackReaders

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
class FindSpecPlan:
    """The ``find_spec`` to add to one class, after ``anchor``, and the imports it needs.

    The method is ``lines`` (4-space source), or ``method`` when built from the tree.
    """

    anchor: cst.FunctionDef
    lines: Sequence[str]
    imports: Sequence[str]
    message: str
    reason: str
    method: cst.FunctionDef | None = None


class FinderRule(Rule):
    """Add ``find_spec`` to legacy finder classes; subclasses pick classes and write it."""

    # (Rule's unannotated tuple is narrowed the same way in LM004)
    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider)
    #: How every refusal of the rule starts.
    NOT_DONE: ClassVar[str]

    NEEDS_CLASS_CHECK = True

    def plan(self, view: ClassBody) -> FindSpecPlan | NodeFinding | None:
        """What to do with one class (None: not a finder of this rule's kind)."""
        raise NotImplementedError

    @classmethod
    def may_act_on_class(cls, node: ast.ClassDef, bound: frozenset[str]) -> bool:
        """Not a class that defines ``find_spec`` in its body (:meth:`visit_ClassDef` leaves
        every class binding it alone); the rules narrow this down."""
        return not any(method.name == "find_spec" for method in _methods_on_ast(node))

    def visit_Module(self, node: cst.Module) -> None:
        """Index the module's classes and its ``sys.path_hooks`` statements."""
        self.module_node = node
        self._plans: dict[cst.ClassDef, FindSpecPlan] = {}
        self._views: dict[str, list[ClassBody]] = {}
        self._hooked: set[str] = set()
        self._instances_on_meta_path: set[str] = set()
        self._named_on_meta_path: set[str] = set()
        visit_without_rebuild(node, _Index(self))
        self.stack_readers = StackReaders(node)

    def view(self, node: cst.ClassDef) -> ClassBody:
        """The class as :class:`ClassBody`."""
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        first = body[0] if body else None
        scope = self.get_metadata(ScopeProvider, first, None) if first is not None else None
        view = ClassBody(node, scope if isinstance(scope, ClassScope) else None, {})
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                view.methods.setdefault(statement.name.value, statement)
        return view

    def only_instances_on_meta_path(self, node: cst.ClassDef) -> bool:
        """Whether the module puts instances of ``node`` on ``sys.meta_path`` (``Cls()``, or
        ``self`` in its methods), and never names the class itself there."""
        name = node.name.value
        return name in self._instances_on_meta_path and name not in self._named_on_meta_path

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
        if isinstance(decision, FindSpecPlan):
            problem = self.class_problem(view, decision.anchor)
            if problem is not None:
                decision = NodeFinding(
                    problem.node, self.NOT_DONE + problem.message, problem.reason
                )
        if isinstance(decision, NodeFinding):
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
            plain = ("staticmethod", "classmethod")
            unknown = [
                d.decorator
                for d in node.decorators
                if not (isinstance(d.decorator, cst.Name) and d.decorator.value in plain)
            ]
            decorator = (unknown or [node.decorators[0].decorator])[0]
            code = self.module_node.code_for_node(decorator).strip()
            message = fitted(
                f"{name}() is decorated with @{code}", f"{name}() is decorated", after=KEPT
            )
            return Problem(message, "decorated")
        if node.asynchronous is not None:
            return Problem(f"{name}() is async", "async")
        return None

    def delegation_problem(self, node: cst.FunctionDef, view: ClassBody) -> Problem | None:
        """Why a ``find_spec`` calling ``node`` could call itself back, or run other code.

        ``importlib.abc``'s ``find_module``/``find_loader`` (3.4-3.11) call ``self.find_spec``:
        reached through ``super()`` or a base named explicitly, the new method recurses.
        ``super()`` is fine where it reaches a def of this module that delegates no further.
        """
        name = node.name.value
        params = [*node.params.posonly_params, *node.params.params]
        receiver = params[0].name.value if params else None
        for child in walk(node):
            if not isinstance(child, cst.Call):
                continue
            func = child.func
            if (
                isinstance(func, cst.Name)
                and func.value == "super"
                and not self._super_is_local(view, name, set())
            ):
                return Problem(
                    f"{name}() calls super(), whose default may call find_spec()", "calls-default"
                )
            if not isinstance(func, cst.Attribute):
                continue
            method = func.attr.value
            on_receiver = isinstance(func.value, cst.Name) and func.value.value == receiver
            if method == "find_spec" and on_receiver:
                return Problem(f"{name}() calls find_spec()", "calls-find-spec")
            if (
                method == name
                and _is_attribute_of(func.value, receiver, _super_attributes(view))
                and not self._super_is_local(view, name, set())
            ):
                return Problem(
                    f"{name}() calls a stored super(), whose default may call find_spec()",
                    "calls-default",
                )
            first = child.args[0].value if child.args else None
            if (
                method in ("find_module", "find_loader")
                and not on_receiver
                and isinstance(first, cst.Name)
                and first.value == receiver
            ):
                code = self.module_node.code_for_node(func).strip()
                message = fitted(
                    f"{name}() calls {code}() on {receiver}",
                    f"{name}() calls a base class's {method}()",
                    after=KEPT,
                )
                return Problem(message, "calls-default")
        return None

    def _super_is_local(self, view: ClassBody, method: str, seen: set[int]) -> bool:
        """Whether ``super().<method>`` in ``view`` reaches a def of this module that itself
        calls neither ``super()`` nor ``find_spec`` (a class without bases may get some
        later, as CPython's own test mocks do: that counts as unknown)."""
        return self._super_target(view, method, seen) is True

    def _super_target(self, view: ClassBody, method: str, seen: set[int]) -> bool | None:
        """True: the first base defining ``method`` is a safe def here; False: unknown or
        unsafe; None: no base of this module defines it."""
        if id(view.node) in seen or view.node.keywords:
            return False
        seen.add(id(view.node))
        for base in view.node.bases:
            names = self.qualified_names(base.value) if not base.star else set()
            if names == {"builtins.object"}:
                continue
            local = [v for n in sorted(names) for v in self._views.get(n, [])]
            if len(local) != 1 or len(names) != 1:
                return False
            other = local[0]
            found = other.plain_def(method)
            if found is not None:
                # the first base defining it is what super() reaches here
                return self.delegation_problem(found, other) is None
            if other.binds(method):
                return False
            deeper = self._super_target(other, method, seen)
            if deeper is not None:
                return deeper
        return None

    def stack_problem(self, view: ClassBody, node: cst.FunctionDef) -> Problem | None:
        """Why calling ``node`` from a new method changes the frames it (or its callees) see."""
        read = self.stack_readers.first_read(node, view.methods)
        if read is None:
            return None
        line = self.get_metadata(PositionProvider, read).start.line
        return Problem(f"{node.name.value}() reads the call stack (line {line})", "stack")

    def class_problem(self, view: ClassBody, anchor: cst.FunctionDef) -> NodeFinding | None:
        """Why adding ``find_spec`` to the class could change what the import system does."""
        name = view.node.name.value
        for attr in ("__getattr__", "__getattribute__"):
            if view.binds(attr):
                return NodeFinding(anchor, f"{name} defines {attr}()", "getattr")
        for legacy in ("find_module", "find_loader"):
            if view.binds(legacy) and view.plain_def(legacy) is None:
                return NodeFinding(
                    anchor, f"{name} binds {legacy} other than by one plain def", "binding"
                )
        problem = self._bases_problem(view, anchor, seen=set())
        return problem or self._importlib_problem(view.node, anchor)

    def _bases_problem(
        self, view: ClassBody, anchor: cst.FunctionDef, seen: set[int]
    ) -> NodeFinding | None:
        if id(view.node) in seen:
            return None
        seen.add(id(view.node))
        for keyword in view.node.keywords:
            names = self.qualified_names(keyword.value)
            word = keyword.keyword.value if keyword.keyword is not None else "**"
            if word == "metaclass" and names and names <= METACLASSES:
                continue
            code = self.module_node.code_for_node(keyword.value).strip()
            return NodeFinding(
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
            names = self.base_names(base.value) if not base.star else set()
            if names and names <= self.neutral_bases(view):
                continue
            local = [v for n in sorted(names) for v in self._views.get(n, [])]
            if not names or not local or len(local) != len(names):
                return NodeFinding(
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
                        return NodeFinding(
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

    def neutral_bases(self, view: ClassBody) -> frozenset[str]:
        """Bases that cannot change which finder method the import system calls."""
        return NEUTRAL_BASES

    def _importlib_problem(self, cls: cst.ClassDef, anchor: cst.FunctionDef) -> NodeFinding | None:
        """The new method says ``importlib.util``: that name must be the module's import."""
        scope = self.get_metadata(ScopeProvider, cls, None)
        while scope is not None and not isinstance(scope, GlobalScope):
            if not isinstance(scope, ClassScope) and scope.assignments["importlib"]:
                return NodeFinding(
                    anchor, "a function around the class binds the name importlib", "importlib"
                )
            scope = scope.parent
        if scope is None:
            return NodeFinding(anchor, "loadermig cannot tell where the class is", "importlib")
        for assignment in scope.assignments["importlib"]:
            if not _imports_importlib(assignment):
                return NodeFinding(
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
        method = plan.method or parse_method(self.module_node, plan.lines, updated_node.body.indent)
        method = method.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        statements: list[cst.BaseStatement] = []
        for before, after in zip(original_node.body.body, updated_node.body.body):
            statements.append(after)
            if before is plan.anchor:
                statements.append(method)
        return updated_node.with_changes(body=updated_node.body.with_changes(body=statements))


def _super_attributes(view: ClassBody) -> frozenset[str]:
    """Attributes a method of the class sets to ``super(...)`` (``self.super = super(C, self)``,
    as pyximport's PyImporter does)."""
    found: set[str] = set()
    for method in view.methods.values():
        for child in walk(method):
            if (
                isinstance(child, cst.Assign)
                and isinstance(child.value, cst.Call)
                and isinstance(child.value.func, cst.Name)
                and child.value.func.value == "super"
            ):
                found.update(
                    target.target.attr.value
                    for target in child.targets
                    if isinstance(target.target, cst.Attribute)
                )
    return frozenset(found)


def _is_attribute_of(node: cst.BaseExpression, owner: str | None, names: frozenset[str]) -> bool:
    """Whether ``node`` is ``<owner>.<one of names>``."""
    return (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == owner
        and node.attr.value in names
    )


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
    """Fill in the rule's class views (by qualified name), path hook mentions and the classes
    whose instances a ``sys.meta_path`` statement registers."""

    def __init__(self, rule: FinderRule) -> None:
        self.rule = rule
        self.hook_depth = 0
        self.meta_depth = 0
        self.classes: list[str] = []
        self.called: set[int] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        view = self.rule.view(node)
        for name in self.rule.qualified_names(node):
            self.rule._views.setdefault(name, []).append(view)
        self.classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def _depths(self, node: cst.SimpleStatementLine, step: int) -> None:
        code = self.rule.module_node.code_for_node(node)
        if "path_hooks" in code:
            self.hook_depth += step
        if "meta_path" in code:
            self.meta_depth += step

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._depths(node, 1)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._depths(original_node, -1)

    def visit_Call(self, node: cst.Call) -> None:
        if self.meta_depth and isinstance(node.func, cst.Name):
            self.called.add(id(node.func))
            self.rule._instances_on_meta_path.add(node.func.value)

    def visit_Name(self, node: cst.Name) -> None:
        if self.hook_depth:
            self.rule._hooked.add(node.value)
        if self.meta_depth and id(node) not in self.called:
            if node.value == "self" and self.classes:
                self.rule._instances_on_meta_path.add(self.classes[-1])
            else:
                self.rule._named_on_meta_path.add(node.value)


def _methods_on_ast(node: ast.ClassDef) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The ``def`` statements directly in a class body, on ``ast``."""
    return [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]


def plain_defs_on_ast(node: ast.ClassDef, name: str, parameters: int) -> bool:
    """Whether the class body defines ``name`` directly by an undecorated, synchronous
    ``def`` of the :func:`arity` ``parameters``, on ``ast``."""
    return any(
        isinstance(method, ast.FunctionDef)
        and method.name == name
        and not method.decorator_list
        and arity_on_ast(method.args) == parameters
        for method in _methods_on_ast(node)
    )


def arity_on_ast(args: ast.arguments) -> int | None:
    """:func:`arity` of a ``def``'s ``ast`` arguments."""
    if args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg:
        return None
    # defaults belong to the last parameters: none may fall on the first two
    if len(args.args) - len(args.defaults) < min(2, len(args.args)):
        return None
    return len(args.args)


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
    "calls-default": (
        "The legacy method calls a base class's find_module()/find_loader() (through super(), "
        "a stored super object or the base class named explicitly). importlib.abc's defaults "
        "of Python 3.4-3.11 call self.find_spec(), so a find_spec() that calls the legacy "
        "method would call itself until RecursionError. Decide what find_spec() should do, "
        "then add it by hand."
    ),
    "calls-find-spec": (
        "The legacy method calls self.find_spec(), which a find_spec() calling the legacy "
        "method would turn into an endless recursion." + BY_HAND
    ),
    "stack": (
        "The method (or a function or method it calls) reads the call stack: "
        "inspect.currentframe(), sys._getframe(), f_back, inspect.stack() and the like. A "
        "find_spec() that calls it puts one more frame between the import system and the "
        "method, so it would find other frames than under Python 3.4-3.11. Only a meta path "
        "finder's find_module(self, fullname, path) that skips the import system's frames by "
        "name and returns self or None has its body moved into find_spec(); move the body by "
        "hand for the others."
    ),
    "importlib": (
        "The added find_spec() uses importlib.util, but the name importlib is bound to "
        "something else than the importlib package here (in the module or a function around "
        "the class). Rename it, then rerun, or add find_spec() by hand."
    ),
}


def receiver_kind(node: cst.FunctionDef) -> str | None:
    """``"instance"``, ``"static"`` or ``"class"`` by the def's decorators; None for others."""
    if not node.decorators:
        return "instance"
    if len(node.decorators) == 1:
        decorator = node.decorators[0].decorator
        if isinstance(decorator, cst.Name) and decorator.value in ("staticmethod", "classmethod"):
            return decorator.value[: -len("method")]
    return None


def accepts_positional(node: cst.FunctionDef, count: int, *, receiver: bool) -> bool:
    """Whether ``node`` can be called with ``count`` positional arguments (after the receiver)."""
    params = node.params
    positional = [*params.posonly_params, *params.params]
    if receiver:
        if not positional:
            return isinstance(params.star_arg, cst.Param)
        positional = positional[1:]
    if any(param.default is None for param in params.kwonly_params):
        return False
    required = sum(param.default is None for param in positional)
    capacity = count if isinstance(params.star_arg, cst.Param) else len(positional)
    return required <= count <= capacity


def reads_parameter(node: cst.FunctionDef, index: int) -> bool:
    """Whether ``node``'s body reads positional parameter ``index`` (or ``*args`` holding it)."""
    params = node.params
    positional = [*params.posonly_params, *params.params]
    if index < len(positional):
        name = positional[index].name.value
    elif isinstance(params.star_arg, cst.Param):
        name = params.star_arg.name.value
    else:
        return False
    return any(
        isinstance(child, cst.Name) and child.value in (name, "locals", "vars")
        for child in walk(node.body)
    )
