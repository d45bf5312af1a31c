"""What LM002 and LM003 share: moving a legacy loader subclass onto ``SourceLoader``.

:class:`LegacyBaseRule` finds every class whose base is the legacy ABC (by qualified name, so
every import form counts), decides whether the class can move to
``importlib.abc.SourceLoader`` without changing what it does, and either rewrites it (new base
in the style it was written, ``get_filename`` added, imports fixed) or leaves it byte for byte
as it is with a finding that says why. The value analysis both rules use to read the
methods is :mod:`._value_flow`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst
from libcst.metadata import (
    Assignment,
    BuiltinAssignment,
    ImportAssignment,
    ParentNodeProvider,
    Scope,
    ScopeProvider,
)

from ._base import KEPT, Rule, fitted
from ._cst_helpers import (
    ClassBody,
    body_statements,
    has_docstring,
    is_name,
    leading_lines,
    only_small_statement,
    parse_method,
    referents,
    walk,
)
from ._mixins import local_mixin, mixin_hides
from ._node_finding import NodeFinding
from ._value_flow import Flow, Kind

SOURCE_LOADER = "importlib.abc.SourceLoader"
#: SourceLoader calls these during imports; PyLoader and PyPycLoader never did.
SOURCE_LOADER_HOOKS = ("path_stats", "path_mtime", "set_data", "source_to_code")

#: PyLoader's get_filename, in source form.
GET_FILENAME = (
    "def get_filename(self, fullname):",
    '    """Return source_path(fullname); ImportError when that is None (no source)."""',
    "    path = self.source_path(fullname)",
    "    if path is None:",
    '        raise ImportError(f"no source path for {fullname!r}", name=fullname)',
    "    return path",
)


def legacy_names(legacy: str) -> tuple[str, str]:
    """The qualified names of the legacy ABC ``legacy`` (``PyLoader``): importlib's and
    loadermig's backport."""
    return (f"importlib.abc.{legacy}", f"loadermig.shim.compat.{legacy}")


def legacy_base_details(legacy: str) -> dict[str, str]:
    """The long explanations of the reasons LM002/LM003 share, for the legacy ABC ``legacy``."""
    by_hand = (
        f" Rewrite by hand: derive from importlib.abc.SourceLoader, or keep {legacy} from "
        "loadermig.shim.compat."
    )
    return {
        "used-elsewhere": (
            f"{legacy} is also used outside class bases in this file; a class rewritten while "
            "that use stays would leave two meanings. Port that use first, then rerun."
        ),
        "star-import": (
            "A star import may bind any name, so the names the rewrite needs and adds cannot "
            "be checked. Import names explicitly, then rerun."
        ),
        "ambiguous-base": (
            f"The base may also be something else than {legacy} (conditional or repeated "
            "imports). Make it unambiguous, then rerun."
        ),
        "class-keyword": (
            "The class statement passes keywords (a metaclass, say), which may depend on the "
            "base class." + by_hand
        ),
        "decorated": (
            f"The class is decorated, and the decorator may rely on it being a {legacy}." + by_hand
        ),
        "mixin-not-plain": (
            f"A base listed before {legacy} is not a plain class: it is starred or computed, or "
            "it has bases of its own, a metaclass or decorators. loadermig sees through a mixin "
            f"only when it is a plain class of this module, because replacing {legacy} by "
            "SourceLoader changes the method resolution order behind every base, and only a "
            "plain class's methods can be checked like the class's own." + by_hand
        ),
        "mixin-after-base": (
            f"A base listed after {legacy} comes after it in the method resolution order, so "
            "where both define a method the ABC's wins. SourceLoader defines methods "
            f"{legacy} did not (exec_module, get_filename, path_stats, get_data...), and "
            "one of them could hide a method of the mixin that ran before."
            + by_hand
            + " Or list the mixin before the legacy base, if it has nothing the ABC must win."
        ),
        "mixin-not-local": (
            "A base listed before the legacy one is imported or not bound to one class of this "
            "module, so loadermig cannot check its methods against SourceLoader's hooks "
            "(path_stats, set_data, get_filename, load_module...)." + by_hand
        ),
        "mixin-one-line-body": (
            "A mixin base of the class has a one-line body; loadermig only reads mixins whose "
            "methods it can check one by one." + by_hand
        ),
        "mixin-get-filename": (
            "A mixin base defines get_filename() and the class does not. The rewrite adds a "
            "get_filename() of its own to the class (built on source_path()), which would hide the "
            "mixin's: SourceLoader reads the source through get_filename(), so the two must agree "
            "and loadermig cannot show they do." + by_hand
        ),
        "one-line-body": "The class has a one-line body, where no method can be added." + by_hand,
        "name-taken": (
            "The name SourceLoader is already bound here to something else. Rename that, then "
            "rerun."
        ),
        "builtin-rebound": (
            "The code the rewrite adds uses a builtin (ImportError, OSError...) that this "
            "module rebinds." + by_hand
        ),
        "load-module": (
            "The class defines load_module(); the import system loads a SourceLoader through "
            "exec_module() and would never call it. Move that work by hand."
        ),
        "hook": (
            f"The class defines a method that SourceLoader calls during imports but {legacy} "
            "never did (get_code, exec_module, path_stats, set_data...). Rename it or rewrite "
            "by hand."
        ),
        "calls-load-module": (
            "The class calls load_module(), which SourceLoader only has as a deprecated shim "
            "(DeprecationWarning, slated for removal in Python 3.15)." + by_hand
        ),
        "super-get-filename": (
            "The class calls super().get_filename(), which is abstract on SourceLoader." + by_hand
        ),
        "get-filename": (
            f"The class defines get_filename(). {legacy} read the source through "
            "source_path(), SourceLoader reads it through get_filename(), and loadermig cannot "
            "show they agree (get_filename must give source_path(), ImportError where that is "
            "None)." + by_hand
        ),
        "not-plain-base": (
            f"{legacy} appears in a class's bases in a form that is not a plain base class "
            "(starred, computed), so loadermig cannot tell what the class inherits. Rewrite "
            "it by hand."
        ),
        "exported": (
            f"`__all__` exports {legacy}, which Python 3.4 removed; modules that import it from "
            "here keep using it. Stop exporting it, then rerun."
        ),
        "outside-base": (
            f"{legacy} is referred to outside a plain class base; Python 3.4 removed it and "
            "SourceLoader is no drop-in for this use. Port it by hand."
        ),
        "unresolved-base": (
            f"A base spelled like {legacy} cannot be resolved because a star import may bind "
            "it. Import it by name, then rerun."
        ),
    }


@dataclass
class LegacyBaseClass(ClassBody):
    """A class the conversion reads, as found in the original tree: a class with the legacy
    base, or a mixin or a subclass of one, checked with it.

    Besides its body (:class:`~._cst_helpers.ClassBody`), it holds the legacy base argument
    the class is converted through and the scope the class statement is in.
    """

    base: cst.Arg
    scope: Scope
    #: Set on a subclass of the class being rewritten: that class's name.
    parent: str = ""

    @property
    def name(self) -> str:
        """The class's name."""
        return self.node.name.value

    @property
    def title(self) -> str:
        """How findings name the class."""
        suffix = f" (a subclass of `{self.parent}`)" if self.parent else ""
        return f"`{self.name}`{suffix}"


@dataclass
class SourceLoaderPlan:
    """The rewrite of one class: new base, statements replaced and inserted, what to report."""

    base_arg: cst.Arg
    base: cst.BaseExpression
    replace: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=dict)
    after: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=dict)
    notes: list[NodeFinding] = field(default_factory=list)
    #: Modules the added code uses (``import name`` added where missing).
    imports: tuple[str, ...] = ()


class LegacyBaseRule(Rule):
    """Moves subclasses of the legacy ABC ``LEGACY`` onto ``importlib.abc.SourceLoader``.

    Subclasses name the ABC and add their own checks and method translations in
    :meth:`plan_methods`. A class is rewritten only when every check passes; otherwise it is
    left untouched and every reason is reported.
    """

    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider, ParentNodeProvider)

    #: The legacy ABC's name, e.g. ``PyLoader``.
    LEGACY: ClassVar[str]

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self.plans: dict[cst.ClassDef, SourceLoaderPlan] = {}

    @property
    def legacy_names(self) -> tuple[str, str]:
        """The qualified names of the legacy ABC: importlib's and loadermig's backport."""
        return legacy_names(self.LEGACY)

    # -- finding the classes -------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        """Find the legacy references, decide per class, record plans and findings."""
        self.module_node = node
        star = next((n for n in walk(node) if isinstance(n, cst.ImportFrom) and _is_star(n)), None)
        bases, others = self._references(node)
        for ref in others:
            message, reason = self._outside_message(ref)
            self.report(ref, message, fixed=False, reason=reason)
        for classdef in (n for n in walk(node) if isinstance(n, cst.ClassDef)):
            arg = bases.get(classdef)
            if arg is None:
                unresolved = self._unresolved_legacy_base(classdef) if star else None
                if star is not None and unresolved is not None:
                    self.report(
                        unresolved,
                        self._star_message(classdef, unresolved, star),
                        fixed=False,
                        reason="unresolved-base",
                    )
                continue
            info = self._class_info(classdef, arg)
            problems = self.class_problems(info, others, star)
            plan = self.plan(info, problems)
            if problems:
                for problem in problems:
                    self.report(problem.node, problem.message, fixed=False, reason=problem.reason)
                continue
            self.plans[classdef] = plan
            for note in plan.notes:
                self.report(note.node, note.message, fixed=True, reason=note.reason)
            for module in plan.imports:
                self.add_needed_import(module)
            if self._needs_bare_name(info):
                self.add_needed_import("importlib.abc", "SourceLoader")
                self.remove_unused_import_by_node(arg.value)

    def _references(
        self, module: cst.Module
    ) -> tuple[dict[cst.ClassDef, cst.Arg], list[cst.BaseExpression]]:
        """Class bases that are exactly the legacy ABC, and every other reference to it."""
        bases: dict[cst.ClassDef, cst.Arg] = {}
        others: list[cst.BaseExpression] = []
        skip: set[cst.CSTNode] = set()
        for node in walk(module):
            if node in skip or isinstance(node, (cst.Import, cst.ImportFrom)):
                skip.update(node.children)
                continue
            if _assigns_all(node):
                others.extend(self._exported(node))
            if not isinstance(node, (cst.Name, cst.Attribute)):
                continue
            names = self.qualified_names(node)
            if names.isdisjoint(self.legacy_names) or SOURCE_LOADER in names:
                continue  # the 3.1-compat try/except import is LM001's
            skip.update(walk(node))
            arg = self.get_metadata(ParentNodeProvider, node, None)
            owner = self.get_metadata(ParentNodeProvider, arg, None) if arg else None
            if (
                isinstance(arg, cst.Arg)
                and isinstance(owner, cst.ClassDef)
                and arg in owner.bases
                and not arg.star
                and owner not in bases
            ):
                bases[owner] = arg
            else:
                others.append(node)
        return bases, others

    def _exported(self, statement: cst.CSTNode) -> list[cst.BaseExpression]:
        """The strings in an ``__all__`` assignment that export the legacy ABC."""
        scope = self.get_metadata(ScopeProvider, statement, None)
        found: list[cst.BaseExpression] = []
        for node in walk(statement):
            if scope is not None and isinstance(node, cst.SimpleString):
                name = node.evaluated_value
                exported = {q.name for q in scope.get_qualified_names_for(str(name))}
                if not exported.isdisjoint(self.legacy_names):
                    found.append(node)
        return found

    def _unresolved_legacy_base(self, classdef: cst.ClassDef) -> cst.Name | None:
        """A base spelled like the legacy ABC that resolves to nothing (a star import's?)."""
        for arg in classdef.bases:
            value = arg.value
            if (
                isinstance(value, cst.Name)
                and value.value == self.LEGACY
                and not self.qualified_names(value)
            ):
                return value
        return None

    def _class_info(self, classdef: cst.ClassDef, arg: cst.Arg) -> LegacyBaseClass:
        scope = self.get_metadata(ScopeProvider, classdef)
        assert scope is not None
        body_scope = self.get_metadata(ScopeProvider, classdef.body.body[0], None)
        info = LegacyBaseClass(classdef, body_scope, {}, base=arg, scope=scope)
        for statement in body_statements(classdef):
            if isinstance(statement, cst.FunctionDef):
                info.methods.setdefault(statement.name.value, statement)
        return info

    # -- deciding ------------------------------------------------------------------------

    #: Builtins the generated methods use; they must not be rebound around the class.
    BUILTINS_USED: ClassVar[tuple[str, ...]] = ("ImportError",)
    #: The get_filename the legacy ABC supplied, added unless the class has its own.
    GET_FILENAME: ClassVar[tuple[str, ...]] = GET_FILENAME

    def class_problems(
        self, info: LegacyBaseClass, others: list[cst.BaseExpression], star: cst.ImportFrom | None
    ) -> list[NodeFinding]:
        """Every reason, shared by both legacy ABCs, why ``info``'s class must stay as it is."""
        problems: list[NodeFinding] = []

        def add(node: cst.CSTNode, message: str, reason: str) -> None:
            problems.append(self._problem(info, node, message, reason))

        base, classdef = info.base.value, info.node
        if others:
            add(
                base,
                f"not rewritten: {self.LEGACY} is also used outside class bases "
                f"(line {self._line(others[0])})",
                "used-elsewhere",
            )
        if star is not None:
            add(
                base,
                f"not rewritten: the star import on line {self._line(star)} may bind any name",
                "star-import",
            )
        ambiguous = self.qualified_names(base) - set(self.legacy_names)
        if ambiguous:
            add(
                base,
                fitted(
                    f"not rewritten: base `{self._code(base)}` may also be "
                    f"{', '.join(sorted(ambiguous))}",
                    f"not rewritten: base `{self._code(base)}` may also be something else",
                    after=f"{KEPT}{info.title} ",
                ),
                "ambiguous-base",
            )
        for keyword in classdef.keywords:
            add(
                keyword,
                fitted(
                    f"passes `{self._code(keyword).rstrip(', ')}` in the class statement",
                    "passes keywords in the class statement",
                    after=f"{KEPT}{info.title} ",
                ),
                "class-keyword",
            )
        for decorator in classdef.decorators:
            add(
                decorator,
                fitted(
                    f"is decorated (`@{self._code(decorator.decorator)}`)",
                    "is decorated",
                    after=f"{KEPT}{info.title} ",
                ),
                "decorated",
            )
        mixins: list[LegacyBaseClass] = []
        for arg in classdef.bases:
            if arg is info.base or arg.keyword is not None:
                continue
            mixin = local_mixin(self, classdef, arg, info.base)
            if not isinstance(mixin, cst.ClassDef):
                problems.append(NodeFinding(arg, mixin, mixin.reason))
                continue
            mixins.append(self._class_info(mixin, info.base))
            if mixin_hides(mixins[-1], info, "get_filename"):
                problems.append(
                    NodeFinding(
                        arg,
                        f"{KEPT}mixin {mixin.name.value} has a get_filename()",
                        "mixin-get-filename",
                    )
                )
        if not isinstance(classdef.body, cst.IndentedBlock):
            add(classdef, "has a one-line body", "one-line-body")
        if self._needs_bare_name(info):
            for assignment in info.scope["SourceLoader"]:
                names = {q.name for q in assignment.get_qualified_names_for("SourceLoader")}
                if not (isinstance(assignment, ImportAssignment) and names == {SOURCE_LOADER}):
                    node = assignment.node if isinstance(assignment, Assignment) else classdef
                    add(
                        base,
                        "not rewritten: SourceLoader is bound to something else "
                        f"(line {self._line(node)})",
                        "name-taken",
                    )
        for builtin in self.BUILTINS_USED:
            if not all(isinstance(a, BuiltinAssignment) for a in info.scope[builtin]):
                add(
                    base,
                    f"not rewritten: the added code would use {builtin}, which is rebound",
                    "builtin-rebound",
                )
        for cls in (info, *mixins, *self.subclasses(info)):
            problems += self._method_problems(cls)
        return problems

    def _method_problems(self, info: LegacyBaseClass) -> list[NodeFinding]:
        """What the methods of a class (or of a subclass) do that SourceLoader would change."""
        problems: list[NodeFinding] = []

        def add(node: cst.CSTNode, message: str, reason: str) -> None:
            problems.append(self._problem(info, node, message, reason))

        def where(name: str) -> cst.CSTNode:
            method = info.methods.get(name)
            return method.name if method else info.node.name

        if info.binds("load_module"):
            add(
                where("load_module"),
                "defines load_module(), which SourceLoader never calls",
                "load-module",
            )
        for hook in SOURCE_LOADER_HOOKS:
            if info.binds(hook):
                add(
                    where(hook),
                    f"defines {hook}(), which SourceLoader calls but {self.LEGACY} never did",
                    "hook",
                )
        for node in walk(info.node.body):
            if isinstance(node, cst.Attribute) and node.attr.value == "load_module":
                add(
                    node,
                    "calls load_module(), a deprecated shim on SourceLoader",
                    "calls-load-module",
                )
            elif (
                isinstance(node, cst.Attribute)
                and node.attr.value == "get_filename"
                and isinstance(node.value, cst.Call)
                and self.refers_to(node.value.func, "builtins.super")
            ):
                add(
                    node,
                    "calls super().get_filename(), abstract on SourceLoader",
                    "super-get-filename",
                )
        if info.binds("get_filename") and not self._get_filename_is_source_path(info):
            add(
                where("get_filename"),
                "defines a get_filename() not shown to agree with source_path()",
                "get-filename",
            )
        return problems

    def _get_filename_is_source_path(self, info: LegacyBaseClass) -> bool:
        """Whether the class's own get_filename is the one PyLoader had, in effect.

        That is: it is PyLoader's own code (``path = self.source_path(fullname)``, ImportError
        when that is None, else ``path``), or source_path returns nothing but
        ``self.get_filename(fullname)`` or None (the 3.1 compatibility idiom of the PyLoader
        documentation, whose get_filename raises ImportError as ExecutionLoader requires).
        """
        method = info.methods.get("get_filename")
        if method is None or not info.binds_once("get_filename"):
            return False
        if self._is_pyloader_get_filename(method):
            return True
        source_path = info.methods.get("source_path")
        if source_path is None or not info.binds_once("source_path"):
            return False
        flow = Flow(self, source_path)
        return flow.is_plain(2) and flow.return_values() <= {Kind.FILENAME, Kind.NONE}

    def _is_pyloader_get_filename(self, method: cst.FunctionDef) -> bool:
        """Whether ``method`` is ``path = self.source_path(fullname)``, ``if path is None:
        raise ImportError(...)``, ``return path`` (after an optional docstring)."""
        flow = Flow(self, method)
        statements = list(body_statements(method))
        statements = statements[1:] if has_docstring(statements) else statements
        if not flow.is_plain(2) or len(statements) != 3:
            return False
        bind, check, result = statements
        target = only_small_statement(bind, cst.Assign)
        raised = only_small_statement(check.body, cst.Raise) if isinstance(check, cst.If) else None
        returned = only_small_statement(result, cst.Return)
        if not (target and raised and returned and isinstance(check, cst.If)):
            return False
        name = target.targets[0].target if len(target.targets) == 1 else None
        error = raised.exc.func if isinstance(raised.exc, cst.Call) else raised.exc
        test = check.test
        return (
            isinstance(name, cst.Name)
            and flow.value(target.value) == {Kind.SOURCE}
            and check.orelse is None
            and isinstance(test, cst.Comparison)
            and is_name(test.left, name.value)
            and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is)
            and is_name(test.comparisons[0].comparator, "None")
            and error is not None
            and self.refers_to(error, "builtins.ImportError")
            and returned.value is not None
            and is_name(returned.value, name.value)
        )

    def subclasses(self, info: LegacyBaseClass) -> list[LegacyBaseClass]:
        """The classes of this module that derive from ``info``'s class, at any depth."""
        found: dict[cst.ClassDef, LegacyBaseClass] = {info.node: info}
        changed = True
        while changed:
            changed = False
            for node in walk(self.module_node):
                if not isinstance(node, cst.ClassDef) or node in found:
                    continue
                arg = next((a for a in node.bases if self._names_one_of(a.value, found)), None)
                if arg is not None:
                    found[node] = self._class_info(node, arg)
                    found[node].parent = info.name
                    changed = True
        return [sub for node, sub in found.items() if node is not info.node]

    def _names_one_of(
        self, expression: cst.BaseExpression, classes: Iterable[cst.ClassDef]
    ) -> bool:
        """Whether ``expression`` is a name of one of ``classes``."""
        if not isinstance(expression, cst.Name):
            return False
        nodes = {a.node for a in referents(self, expression) or ()}
        return len(nodes) == 1 and not nodes.isdisjoint(classes)

    def _needs_bare_name(self, info: LegacyBaseClass) -> bool:
        """Whether the new base is the bare name ``SourceLoader`` (not ``abc.SourceLoader``)."""
        base = info.base.value
        return not (isinstance(base, cst.Attribute) and self.refers_to(base.value, "importlib.abc"))

    # -- rewriting -----------------------------------------------------------------------

    def plan(self, info: LegacyBaseClass, problems: list[NodeFinding]) -> SourceLoaderPlan:
        """The rewrite of a class; adds to ``problems`` what stands in its way."""
        base = info.base.value
        if self._needs_bare_name(info):
            new_base: cst.BaseExpression = cst.Name("SourceLoader", lpar=base.lpar, rpar=base.rpar)
        else:
            assert isinstance(base, cst.Attribute)
            new_base = base.with_changes(attr=cst.Name("SourceLoader"))
        plan = SourceLoaderPlan(info.base, new_base)
        if not info.binds("get_filename") and isinstance(info.node.body, cst.IndentedBlock):
            self.insert_after(info, plan, "source_path", [self.GET_FILENAME])
        self.plan_methods(info, plan, problems)
        return plan

    def plan_methods(
        self, info: LegacyBaseClass, plan: SourceLoaderPlan, problems: list[NodeFinding]
    ) -> None:
        """Add the rule's own method changes and notes to ``plan``, its objections to
        ``problems``."""
        raise NotImplementedError

    def insert_after(
        self,
        info: LegacyBaseClass,
        plan: SourceLoaderPlan,
        name: str,
        methods: Sequence[Sequence[str]],
    ) -> None:
        """Insert ``methods`` (source lines) after method ``name``, else at the class's end.

        They are indented like that method's body and get the blank lines the statement after
        it has (before its first comment, which belongs to it).
        """
        statements = list(body_statements(info.node))
        anchor = info.statement_of(name) or statements[-1]
        index = statements.index(anchor)
        spacing = statements[index + 1] if index + 1 < len(statements) else anchor
        blank: list[cst.EmptyLine] = []
        for line in leading_lines(spacing):
            if line.comment is not None:
                break
            blank.append(line)
        if spacing is anchor and not blank:
            blank = [cst.EmptyLine(indent=False)]
        body = anchor.body if isinstance(anchor, cst.FunctionDef) else None
        indent = body.indent if isinstance(body, cst.IndentedBlock) else None
        for lines in methods:
            method = parse_method(self.module_node, lines, indent)
            plan.after.setdefault(anchor, []).append(method.with_changes(leading_lines=blank))

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Apply the plan made for this class, if any."""
        plan = self.plans.get(original_node)
        if plan is None or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        bases = [
            arg.with_changes(value=plan.base) if original is plan.base_arg else arg
            for original, arg in zip(original_node.bases, updated_node.bases)
        ]
        statements: list[cst.BaseStatement] = []
        for original, updated in zip(body_statements(original_node), updated_node.body.body):
            statements.extend(plan.replace.get(original, [updated]))
            statements.extend(plan.after.get(original, []))
        body = updated_node.body.with_changes(body=statements)
        return updated_node.with_changes(bases=bases, body=body)

    # -- messages ------------------------------------------------------------------------

    def _problem(
        self,
        info: LegacyBaseClass,
        node: cst.CSTNode,
        message: str,
        reason: str,
        *,
        fixed: bool = False,
    ) -> NodeFinding:
        """A finding about ``info``'s class: ``kept:`` (unless ``fixed``), its name, ``message``."""
        head = "" if fixed else KEPT
        text = fitted(f"{head}{info.title} {message}", f"{head}`{info.name}` {message}")
        return NodeFinding(node, text, reason)

    def _outside_message(self, ref: cst.BaseExpression) -> tuple[str, str]:
        """The message and the reason of a finding about a use outside class bases."""
        parent = self.get_metadata(ParentNodeProvider, ref, None)
        owner = self.get_metadata(ParentNodeProvider, parent, None) if parent else None
        if isinstance(parent, cst.Arg) and isinstance(owner, cst.ClassDef):
            message = fitted(
                f"{KEPT}`{self._code(parent).rstrip(', ')}` is not a plain base class of "
                f"`{owner.name.value}`",
                f"{KEPT}{self.LEGACY} is not a plain base class of `{owner.name.value}`",
            )
            return message, "not-plain-base"
        if isinstance(ref, cst.SimpleString):
            return f"{KEPT}`__all__` exports {self.LEGACY}, removed in Python 3.4", "exported"
        qualified = sorted(self.qualified_names(ref) & set(self.legacy_names))[0]
        shorter = f"{KEPT}{qualified} is used outside a class base"
        if self._code(ref) == qualified:
            return shorter, "outside-base"
        message = fitted(
            f"{KEPT}`{self._code(ref)}` refers to {qualified} outside a class base", shorter
        )
        return message, "outside-base"

    def _star_message(self, classdef: cst.ClassDef, base: cst.Name, star: cst.ImportFrom) -> str:
        return fitted(
            f"{KEPT}base `{base.value}` of `{classdef.name.value}` may come from the star "
            f"import on line {self._line(star)}",
            f"{KEPT}base `{base.value}` may come from the star import on line {self._line(star)}",
        )

    def _code(self, node: cst.CSTNode) -> str:
        return self.module_node.code_for_node(node).strip()

    def _line(self, node: cst.CSTNode) -> int:
        from libcst.metadata import PositionProvider

        return self.get_metadata(PositionProvider, node).start.line


def _assigns_all(node: cst.CSTNode) -> bool:
    """Whether ``node`` is an assignment to ``__all__``."""
    if isinstance(node, cst.Assign):
        targets = [target.target for target in node.targets]
    elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
        targets = [node.target]
    else:
        return False
    return any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets)


def _is_star(node: cst.ImportFrom) -> bool:
    return isinstance(node.names, cst.ImportStar)
