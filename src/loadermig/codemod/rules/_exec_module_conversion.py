"""Shared by LM004 and LM008: turning a ``load_module`` method into ``create_module`` +
``exec_module``.

:class:`LoaderClasses` reads the classes of a module: what a class and its bases provide
(:class:`ClassFacts`) and why converting its ``load_module`` would change which code runs.
:class:`ExecModuleConversion` is the base of both rules: it adds the ``create_module`` each
converted class needs and tidies up after the imports the rewrite made unused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import (
    Assignment,
    ExpressionContextProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from ._base import Problem, Rule
from ._cst_walk import visit_without_rebuild
from ._removed_import_cleanup import count_empty_tries, drop_emptied_tries, keep_file_start

#: Bases that define no exec_module (and no is_package) in any Python 3.
PLAIN_BASES = frozenset(
    {
        "builtins.object",
        "abc.ABC",
        "importlib.abc.Finder",
        "importlib.abc.MetaPathFinder",
        "importlib.abc.PathEntryFinder",
        "importlib.abc.Loader",
        "importlib.abc.ResourceLoader",
    }
)
#: Of those, the ones that provide ``create_module()`` returning None (and ``load_module()``).
LOADER_BASES = frozenset({"importlib.abc.Loader", "importlib.abc.ResourceLoader"})


@dataclass
class ClassFacts:
    """What a class and its bases provide that converting its ``load_module`` depends on
    (``is_package``, a ``create_module`` returning None, a loader ABC base, ``__path__``), and
    why that conversion is unsafe (``problem``).

    Facts gathered over the class and its bases, not the class itself: one class statement
    with its body scope and methods is a :class:`~._cst_helpers.ClassBody`.
    """

    problem: Problem | None = None
    has_is_package: bool = False
    has_create_module: bool = False
    loader_base: bool = False
    mentions_path: bool = False


def has_exec_module(class_name: str) -> Problem:
    """Why a class's ``load_module`` is kept when the class defines ``exec_module`` itself."""
    return Problem(f"{class_name} already defines exec_module()", "has-exec-module")


class _ClassesAndLoadModuleUses(cst.CSTVisitor):
    """Every class of a module, and every use of ``load_module`` by attribute or string."""

    def __init__(self) -> None:
        self.classes: list[cst.ClassDef] = []
        self.load_module_uses: list[cst.CSTNode] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        """Collect."""
        self.classes.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Collect ``x.load_module``."""
        if node.attr.value == "load_module":
            self.load_module_uses.append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """Collect ``"load_module"`` (``getattr``/``hasattr`` arguments)."""
        if node.evaluated_value == "load_module":
            self.load_module_uses.append(node)


class _PathMention(cst.CSTVisitor):
    """Whether a class mentions ``__path__`` (sets it on modules it loads)."""

    def __init__(self) -> None:
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        """``__path__=...`` keywords and names."""
        self.found |= node.value == "__path__"

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        """``setattr(module, "__path__", ...)``."""
        self.found |= node.evaluated_value == "__path__"


class LoaderClasses:
    """The classes of one module as LM004 sees them (metadata read through ``rule``)."""

    def __init__(self, rule: Rule, module: cst.Module) -> None:
        self._rule = rule
        self._module = module
        index = _ClassesAndLoadModuleUses()
        visit_without_rebuild(module, index)
        self._classes = index.classes
        self._uses = index.load_module_uses
        self._owner = {
            statement: cls
            for cls in index.classes
            if isinstance(cls.body, cst.IndentedBlock)
            for statement in cls.body.body
            if isinstance(statement, cst.FunctionDef)
        }
        self._by_name = {name: cls for cls in index.classes for name in rule.qualified_names(cls)}

    @property
    def classes(self) -> list[cst.ClassDef]:
        """Every class of the module, in source order."""
        return self._classes

    @property
    def module(self) -> cst.Module:
        """The module."""
        return self._module

    @staticmethod
    def mentions_path(node: cst.CSTNode) -> bool:
        """Whether ``node`` mentions ``__path__`` (sets it on the modules it loads)."""
        mention = _PathMention()
        visit_without_rebuild(node, mention)
        return mention.found

    def owner(self, function: cst.FunctionDef) -> cst.ClassDef | None:
        """The class whose body defines ``function`` directly, if any."""
        return self._owner.get(function)

    def code(self, node: cst.CSTNode) -> str:
        """``node`` as source code."""
        return self._module.code_for_node(node).strip()

    def line(self, node: cst.CSTNode) -> int:
        """The line ``node`` starts on."""
        return int(self._rule.get_metadata(PositionProvider, node).start.line)

    def first_load_module_use(self) -> cst.CSTNode | None:
        """The first ``.load_module`` / ``"load_module"`` in the module, if any."""
        return self._uses[0] if self._uses else None

    def facts(self, cls: cst.ClassDef) -> ClassFacts:
        """What ``cls`` and its bases provide; ``problem`` says why conversion is unsafe."""
        facts = ClassFacts()
        scope = self._scope(cls)
        if scope is not None:
            facts.problem = self._own_problem(cls, scope)
        self._inherit(cls, facts, seen=set(), own=True)
        return facts

    def _scope(self, cls: cst.ClassDef) -> Scope | None:
        first = cls.body.body[0] if cls.body.body else None
        return None if first is None else self._rule.get_metadata(ScopeProvider, first, None)

    def _own_problem(self, cls: cst.ClassDef, scope: Scope) -> Problem | None:
        if scope.assignments["exec_module"]:
            return has_exec_module(cls.name.value)
        for hook in ("__getattr__", "__getattribute__"):
            if scope.assignments[hook]:
                return Problem(
                    f"{cls.name.value} defines {hook}, which may answer for exec_module()",
                    "getattr",
                )
        bindings = [a for a in scope.assignments["load_module"] if isinstance(a, Assignment)]
        if len(bindings) > 1 or scope.accesses["load_module"]:
            return Problem(
                f"{cls.name.value} binds or uses load_module besides this def", "other-binding"
            )
        names = self._rule.qualified_names(cls)
        for other in self._classes:
            if other is cls or not any(
                names & self._rule.qualified_names(b.value) for b in other.bases
            ):
                continue
            other_scope = self._scope(other)
            if other_scope is not None and other_scope.assignments["load_module"]:
                return Problem(
                    f"subclass {other.name.value} (line {self.line(other)}) overrides "
                    "load_module()",
                    "subclass-overrides",
                )
        return None

    def _inherit(self, cls: cst.ClassDef, facts: ClassFacts, seen: set[int], own: bool) -> None:
        """Fold what ``cls`` (and recursively its bases) define into ``facts``."""
        if id(cls) in seen:
            return
        seen.add(id(cls))
        scope = self._scope(cls)
        if scope is not None:
            if not own and scope.assignments["exec_module"] and facts.problem is None:
                facts.problem = _inherits_exec_module(cls.name.value)
            facts.has_is_package |= bool(scope.assignments["is_package"])
            for assignment in scope.assignments["create_module"]:
                node = getattr(assignment, "node", None)
                if isinstance(node, cst.FunctionDef) and _returns_none_only(self._rule, node):
                    facts.has_create_module = True
                elif facts.problem is None:
                    facts.problem = Problem(
                        f"{cls.name.value} defines a create_module() not returning None",
                        "has-create-module",
                    )
        mention = _PathMention()
        visit_without_rebuild(cls, mention)
        facts.mentions_path |= mention.found
        for base in cls.bases:
            self._inherit_base(base, facts, seen)

    def _inherit_base(self, base: cst.Arg, facts: ClassFacts, seen: set[int]) -> None:
        if base.keyword is not None:
            return  # metaclass=...
        names = self._rule.base_names(base.value) if not base.star else set()
        if names and names <= PLAIN_BASES:
            if names & LOADER_BASES:
                facts.loader_base = facts.has_create_module = True
            return
        local = [self._by_name[name] for name in names if name in self._by_name]
        if names and len(local) == len(names):
            for cls in local:
                self._inherit(cls, facts, seen, own=False)
            return
        if facts.problem is not None:
            return
        known = sorted(names & EXEC_MODULE_BASES)
        if known:
            facts.problem = _inherits_exec_module(known[0])
        else:
            facts.problem = Problem(
                f"base class {self.code(base.value)} is unknown and may define exec_module()",
                "unknown-base",
            )


#: Bases known to define exec_module() (on every Python 3.4+ that has them).
EXEC_MODULE_BASES = frozenset(
    {
        *(
            "importlib.abc." + name
            for name in ("InspectLoader", "ExecutionLoader", "FileLoader", "SourceLoader")
        ),
        *(
            "importlib.machinery." + name
            for name in (
                "SourceFileLoader",
                "SourcelessFileLoader",
                "ExtensionFileLoader",
                "BuiltinImporter",
                "FrozenImporter",
                "NamespaceLoader",
            )
        ),
        "loadermig.shim.compat.PyLoader",
        "loadermig.shim.compat.PyPycLoader",
        "zipimport.zipimporter",
    }
)


def _inherits_exec_module(base: str) -> Problem:
    return Problem(f"the class inherits exec_module() from {base}", "inherits-exec-module")


#: The long explanations of the :class:`ClassFacts` problems (LM004's and LM008's reasons).
CLASS_DETAILS = {
    "has-exec-module": (
        "The class already defines exec_module(), which the import system has called instead "
        "of load_module() since Python 3.4, so the load_module() may never run. Delete the one "
        "that should not run; a class with only exec_module() needs no conversion."
    ),
    "inherits-exec-module": (
        "The class inherits exec_module(), which the import system has called instead of "
        "load_module() since Python 3.4, so this load_module() may never run. Delete the one "
        "that should not run."
    ),
    "getattr": (
        "The class defines __getattr__ or __getattribute__, which may answer when the import "
        "system asks for exec_module() (a proxy forwarding to a modern loader): then the "
        "import never called this load_module(), and an exec_module() added here would "
        "change which code runs. Convert by hand."
    ),
    "other-binding": (
        "The class body binds or uses load_module besides the def that would be converted "
        "(an alias, a second def, a reference), which would then name a method that no "
        "longer exists. Convert by hand."
    ),
    "subclass-overrides": (
        "A subclass in this file overrides load_module(); after the conversion it would "
        "inherit this class's exec_module(), which the import system prefers, so the "
        "subclass's load_module() would no longer run. Convert both classes together by hand."
    ),
    "has-create-module": (
        "The class defines a create_module() that does more than return None. The import "
        "system never called it for a load_module() loader but would call it after the "
        "conversion. Check what it returns, then convert by hand."
    ),
    "unknown-base": (
        "A base class is not known to this rule. If it defines exec_module(), the import "
        "system has been calling that instead of this load_module() since Python 3.4. Check "
        "the base, then convert by hand."
    ),
}


def _returns_none_only(rule: Rule, function: cst.FunctionDef) -> bool:
    """Whether the body is (a docstring and) just ``return None``, ``return`` or ``pass``."""
    body = function.body
    smalls: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    else:
        for line in body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                return False
            smalls.extend(line.body)
    if smalls and isinstance(smalls[0], cst.Expr) and isinstance(smalls[0].value, cst.SimpleString):
        smalls = smalls[1:]
    if len(smalls) != 1:
        return False
    only = smalls[0]
    if isinstance(only, cst.Pass):
        return True
    return isinstance(only, cst.Return) and (
        only.value is None or rule.refers_to(only.value, "builtins.None")
    )


def create_module_before(
    exec_module: cst.FunctionDef | cst.SimpleStatementLine, self_name: str
) -> tuple[cst.FunctionDef, cst.FunctionDef | cst.SimpleStatementLine]:
    """``create_module(self, spec)`` returning None, and ``exec_module`` to follow it.

    ``exec_module`` is a method or an ``exec_module = function`` line. The new method takes
    the blank lines that preceded it; comments before it stay with it, one blank line below
    ``create_module``.
    """
    lines = list(exec_module.leading_lines)
    split = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
    body = exec_module.body if isinstance(exec_module, cst.FunctionDef) else None
    indent = body.indent if isinstance(body, cst.IndentedBlock) else None
    create = cst.FunctionDef(
        name=cst.Name("create_module"),
        params=cst.Parameters(params=[cst.Param(cst.Name(self_name)), cst.Param(cst.Name("spec"))]),
        body=cst.IndentedBlock(
            body=[cst.SimpleStatementLine([cst.Return(cst.Name("None"))])], indent=indent
        ),
        leading_lines=lines[:split],
    )
    return create, exec_module.with_changes(
        leading_lines=[cst.EmptyLine(indent=False), *lines[split:]]
    )


def with_create_modules(
    original: cst.ClassDef, updated: cst.ClassDef, self_names: Mapping[cst.CSTNode, str]
) -> cst.ClassDef:
    """``updated`` with ``create_module`` added right before each converted method.

    ``self_names`` maps the *original* node of each converted method that needs a
    ``create_module`` to the name of its ``self`` parameter.
    """
    if not isinstance(updated.body, cst.IndentedBlock):
        return updated
    assert isinstance(original.body, cst.IndentedBlock)
    if not any(before in self_names for before in original.body.body):
        return updated  # the same node, so the rule is not taken to have changed the class
    statements: list[cst.BaseStatement] = []
    for before, after in zip(original.body.body, updated.body.body):
        self_name = self_names.get(before)
        if self_name is not None:
            assert isinstance(after, (cst.FunctionDef, cst.SimpleStatementLine))
            create, after = create_module_before(after, self_name)
            statements.append(create)
        statements.append(after)
    return updated.with_changes(body=updated.body.with_changes(body=statements))


class ExecModuleConversion(Rule):
    """Base of LM004 and LM008: ``load_module`` methods become ``exec_module``.

    Subclasses rewrite the method itself and, for each one whose class needs a
    ``create_module``, record the original method node with its ``self`` name in
    ``_create_module_before``; this class inserts those methods and tidies up after the imports
    the rewrite made unused.
    """

    METADATA_DEPENDENCIES = (
        *Rule.METADATA_DEPENDENCIES,
        ScopeProvider,
        ExpressionContextProvider,
    )

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._create_module_before: dict[cst.CSTNode, str] = {}

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """Run the rule, then tidy up after removed imports (emptied ``try``, blank start)."""
        transformed = super().transform_module(tree)
        if transformed is tree:  # the rule changed nothing (the shared tree comes back)
            return tree
        after = drop_emptied_tries(transformed, count_empty_tries(tree))
        return keep_file_start(tree, after)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Add ``create_module`` right before each new ``exec_module`` that needs one."""
        return with_create_modules(original_node, updated_node, self._create_module_before)
