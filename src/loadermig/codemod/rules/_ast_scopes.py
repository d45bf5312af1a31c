"""libcst's scope analysis (``ScopeProvider``, ``QualifiedNameProvider``) rebuilt on ``ast``.

The report-only rules decide on the ``ast`` tree the running Python parsed anyway, without
libcst; their findings must be the very ones libcst's providers lead to. So this module
follows libcst 1.9's ``ScopeVisitor`` step by step, where it differs from Python's own rules
too: which names are assignments and which are accesses, in which scope, in which order
(libcst counts assignment-like statements to tell an earlier assignment from a later one),
how an access to ``a.b.c`` moves to the longest dotted name an import binds, how qualified
names come from imports. What this model does not follow (``match`` statements, PEP 695
type parameters) raises :class:`Unsupported`, and the file goes to libcst.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from typing import ClassVar, Union

#: The nodes an access can be (libcst moves an access of ``a`` in ``a.b`` to the attribute
#: when an import binds ``a.b``).
AccessNode = Union[ast.Name, ast.Attribute]


#: What a builtin name's assignment stands at (libcst's has no node).
_BUILTINS_NODE = ast.Module(body=[], type_ignores=[])


class Unsupported(Exception):
    """The file holds something this model does not follow libcst for."""


class Assignment:
    """A name bound in a scope: by ``node`` (an ``ast.Name``, a ``def``/``class``, an
    ``ast.arg``, an ``except ... as`` handler, or an ``import`` statement), in order."""

    __slots__ = ("index", "name", "node", "references", "scope")
    #: The source libcst gives the qualified names of such an assignment.
    SOURCE: ClassVar[str] = "LOCAL"

    def __init__(self, name: str, scope: Scope, node: ast.AST, index: int) -> None:
        self.name = name
        self.scope = scope
        self.node = node
        self.index = index
        #: The accesses that may see this assignment.
        self.references: set[Access] = set()

    def qualified_names(self, full_name: str) -> set[str]:
        """What ``full_name`` means when its first part is this assignment."""
        prefix = self.scope.prefix
        return {f"{prefix}.{full_name}" if prefix else full_name}

    def record_accesses(self, accesses: set[Access]) -> None:
        """libcst's ``BaseAssignment.record_accesses``: earlier accesses of the same scope
        go to the parent scope's assignments of the name."""
        later = {a for a in accesses if a.scope is not self.scope or self.index < a.index}
        self.references |= later
        earlier = accesses - later
        if earlier and self.scope.parent is not self.scope:
            for shadowed in self.scope.parent.resolve(self.name, self.scope.parent):
                shadowed.record_accesses(earlier)


class BuiltinAssignment(Assignment):
    """A builtin name (``print``, ``super``)."""

    __slots__ = ()
    SOURCE = "BUILTIN"

    def qualified_names(self, full_name: str) -> set[str]:
        """``builtins.<name>``."""
        return {f"builtins.{self.name}"}


class ImportAssignment(Assignment):
    """A name an ``import`` / ``from ... import`` statement binds."""

    __slots__ = ()
    SOURCE = "IMPORT"
    node: ast.Import | ast.ImportFrom

    def qualified_names(self, full_name: str) -> set[str]:
        """libcst's ``ImportAssignment.get_qualified_names_for``, over every alias of the
        statement (as libcst does)."""
        module = ""
        if isinstance(self.node, ast.ImportFrom):
            module = "." * self.node.level + (self.node.module or "")
        results: set[str] = set()
        for alias in self.node.names:
            parts = alias.name.split(".")
            for length in range(len(parts), 0, -1):
                real_name = as_name = ".".join(parts[:length])
                if module.endswith("."):
                    real_name = f"{module}{real_name}"
                elif module:
                    real_name = f"{module}.{real_name}"
                if alias.asname is not None:
                    as_name = alias.asname
                if full_name.startswith(as_name):
                    remaining = full_name.split(as_name, 1)[1]
                    if remaining and not remaining.startswith("."):
                        continue
                    remaining = remaining.lstrip(".")
                    results.add(f"{real_name}.{remaining}" if remaining else real_name)
                    break
        return results


class Access:
    """A read (or ``del``) of a name, in a scope, in order."""

    __slots__ = ("index", "node", "referents", "scope")

    def __init__(self, node: AccessNode, scope: Scope) -> None:
        self.node: AccessNode = node
        self.scope = scope
        self.index = scope.count
        #: The assignments this access may see.
        self.referents: set[Assignment] = set()

    def record_assignments(self, name: str) -> None:
        """libcst's ``Access.record_assignments``: the assignments before it, else the
        parent scope's."""
        scope = self.scope
        found = scope.resolve(name, scope)
        previous = {a for a in found if a.scope is not scope or a.index < self.index}
        if not previous and found and scope.parent is not scope:
            previous = set(scope.parent.resolve(name, scope))
        self.referents |= previous


class Scope:
    """A scope as libcst models it: ``builtins``, ``global``, ``function`` (lambdas too),
    ``class`` or ``comprehension``."""

    def __init__(self, kind: str, parent: Scope | None, name: str | None = None) -> None:
        self.kind = kind
        self.parent: Scope = parent if parent is not None else self
        self.globals: Scope = self if kind in ("global", "builtins") else self.parent.globals
        self.assignments: dict[str, list[Assignment]] = {}
        self.overwrites: dict[str, Scope] = {}  # global / nonlocal declarations
        self.count = 0
        self.accesses_by_name: dict[str, list[Access]] = {}
        self.accesses_by_node: dict[int, list[Access]] = {}
        parent_prefix: str = self.parent.prefix if parent is not None else ""
        parts: list[str | None] = [parent_prefix]
        if kind == "function":
            parts += [name, "<locals>"]
        elif kind == "class":
            parts.append(name)
        elif kind == "comprehension":
            parts.append("<comprehension>")
        self.prefix: str = ".".join(part for part in parts if part) if parent is not None else ""

    def _visible_from_children(self) -> bool:
        return self.kind != "class"

    def next_visible_parent(self, first: Scope | None = None) -> Scope:
        """The nearest enclosing scope whose names its children see (not a class)."""
        parent = first if first is not None else self.parent
        while not parent._visible_from_children():
            parent = parent.parent
        return parent

    def contains(self, name: str) -> bool:
        """libcst's ``name in scope``."""
        if self.kind == "builtins":
            return hasattr(builtins, name)
        if self.kind != "global" and name in self.overwrites:
            return self.overwrites[name].contains(name)
        if name in self.assignments:
            return bool(self.assignments[name])
        return self.next_visible_parent().contains(name)

    def resolve(self, name: str, from_scope: Scope) -> list[Assignment]:
        """libcst's ``_resolve_scope_for_access``: every assignment ``name`` may mean."""
        if self.kind == "builtins":
            if name not in self.assignments and hasattr(builtins, name):
                self.assignments[name] = [BuiltinAssignment(name, self, _BUILTINS_NODE, -1)]
            return self.assignments.get(name, [])
        if self.kind != "global" and name in self.overwrites:
            target = self.next_visible_parent(self.overwrites[name])
            return target.resolve(name, from_scope)
        if name in self.assignments:
            return self.assignments[name]
        parent = self.next_visible_parent()
        return parent.resolve(name, parent if self.kind == "global" else from_scope)

    def assignment_target(self, name: str) -> Scope:
        """Where an assignment of ``name`` here lands (``global``/``nonlocal`` move it)."""
        if self.kind not in ("global", "builtins") and name in self.overwrites:
            return self.next_visible_parent(self.overwrites[name]).assignment_target(name)
        return self

    def record(self, name: str, node: ast.AST, kind: type[Assignment] = Assignment) -> None:
        """Record an assignment of ``name`` by ``node``."""
        target = self.assignment_target(name)
        target.assignments.setdefault(name, []).append(kind(name, target, node, target.count))

    def qualified_names(self, node: ast.AST) -> set[str]:
        """libcst's ``Scope.get_qualified_names_for`` for a node of this scope (the names)."""
        return {name for name, _ in self.qualified_name_sources(node)}

    def qualified_name_sources(self, node: ast.AST) -> set[tuple[str, str]]:
        """libcst's ``Scope.get_qualified_names_for`` for a node of this scope: each name
        with its source (``QualifiedNameSource``'s name: ``IMPORT``, ``BUILTIN``, ``LOCAL``)."""
        accesses = self.accesses_by_node.get(id(node))
        if accesses:
            return {
                (qualified, referent.SOURCE)
                for access in accesses
                for referent in access.referents
                for qualified in referent.qualified_names(referent.name)
            }
        full_name = full_name_of(node)
        if full_name is None:
            return set()
        found: list[Assignment] = []
        prefix: str | None = full_name
        while prefix:
            if self.contains(prefix):
                found = self.resolve(prefix, self)
                break
            cut = prefix.rfind(".")
            prefix = None if cut == -1 else prefix[:cut]
        for assignment in found:
            if _is_assignment(node, assignment.node):
                return {(name, assignment.SOURCE) for name in assignment.qualified_names(full_name)}
        return {
            (name, assignment.SOURCE)
            for assignment in found
            for name in assignment.qualified_names(full_name)
        }


def full_name_of(node: ast.AST) -> str | None:
    """libcst's ``get_full_name_for_node`` (``None.attr`` where the value has none)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{full_name_of(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return full_name_of(node.func)
    if isinstance(node, ast.Subscript):
        return full_name_of(node.value)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    return None


def _is_assignment(node: ast.AST, assignment_node: ast.AST) -> bool:
    # Names inside an import statement are never looked up here (libcst does not visit them).
    return node is assignment_node


def dotted_names(node: AccessNode) -> Iterator[tuple[str, AccessNode]]:
    """libcst's ``_gen_dotted_names``: ``a.b.c`` gives ``a.b.c``, ``a.b``, ``a``, with nodes;
    a call in the chain gives the names of what is called."""
    if isinstance(node, ast.Name):
        yield node.id, node
        return
    value = node.value
    if isinstance(value, ast.Call):
        if isinstance(value.func, (ast.Attribute, ast.Name)):
            yield from dotted_names(value.func)
    elif isinstance(value, (ast.Attribute, ast.Name)):
        names = dotted_names(value)
        first = next(names, None)
        if first is None:
            return
        yield f"{first[0]}.{node.attr}", node
        yield first
        yield from names


class Scopes:
    """Every scope of one file, and which scope each node of interest is in."""

    def __init__(self, tree: ast.Module) -> None:
        self.builtins = Scope("builtins", None)
        self.module = Scope("global", self.builtins)
        self._scope_of: dict[int, Scope] = {}
        self._deferred: list[tuple[Access, ast.Attribute | None]] = []
        self._top_attribute: list[ast.Attribute | None] = [None]
        self._scope = self.module
        self._statements(tree.body)
        self._infer_accesses()

    def scope_of(self, node: ast.AST) -> Scope | None:
        """The scope libcst's ``ScopeProvider`` gives ``node`` (None: it gives none)."""
        return self._scope_of.get(id(node))

    def qualified_names(self, node: ast.AST) -> set[str]:
        """What ``node`` may refer to, as libcst's ``QualifiedNameProvider`` says."""
        scope = self.scope_of(node)
        return scope.qualified_names(node) if scope is not None else set()

    def qualified_name_sources(self, node: ast.AST) -> set[tuple[str, str]]:
        """:meth:`qualified_names`, each with its source (:meth:`Scope.qualified_name_sources`)."""
        scope = self.scope_of(node)
        return scope.qualified_name_sources(node) if scope is not None else set()

    # -- the walk, in libcst's order ------------------------------------------------------

    def _statements(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self._statement(statement)

    def _statement(self, node: ast.stmt) -> None:
        scope = self._scope
        self._scope_of[id(node)] = scope
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._function(node)
        elif isinstance(node, ast.ClassDef):
            self._class(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue
                if alias.asname is not None:
                    bound = [alias.asname]
                else:
                    parts = alias.name.split(".")
                    bound = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
                for name in bound:
                    scope.record(name, node, ImportAssignment)
            scope.count += 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                if scope.kind == "global":
                    if isinstance(node, ast.Nonlocal):
                        raise Unsupported("nonlocal at module level")
                else:
                    scope.overwrites[name] = (
                        scope.globals if isinstance(node, ast.Global) else scope.parent
                    )
            scope.count += 1
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._expression(node.target)
            scope.count += 1
            self._expression(node.iter)
            self._statements(node.body)
            self._statements(node.orelse)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            self._children(node)
            scope.count += 1
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self._expression(item.context_expr)
                if item.optional_vars is not None:
                    self._expression(item.optional_vars)
                    scope.count += 1  # libcst's AsName
                scope.count += 1  # libcst's WithItem
            self._statements(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self._statements(node.body)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                self._scope_of[id(handler)] = scope
                if handler.type is not None:
                    self._expression(handler.type)
                if handler.name is not None:
                    scope.record(handler.name, handler)
                    scope.count += 1  # libcst's AsName
                self._statements(handler.body)
            self._statements(node.orelse)  # type: ignore[attr-defined]
            self._statements(node.finalbody)  # type: ignore[attr-defined]
        elif type(node).__name__ in ("Match", "TypeAlias"):
            raise Unsupported(type(node).__name__)
        else:
            self._children(node)

    def _children(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self._statement(child)
            elif isinstance(child, ast.expr):
                self._expression(child)
            elif isinstance(child, ast.AST):
                self._children(child)  # keyword, slice parts, comprehension...

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if getattr(node, "type_params", None):
            raise Unsupported("type parameters")
        outer = self._scope
        outer.record(node.name, node)
        inner = Scope("function", outer, node.name)
        self._parameters(node.args, inner)
        self._scope = inner
        self._statements(node.body)
        self._scope = outer
        for decorator in node.decorator_list:
            self._expression(decorator)
        if node.returns is not None:
            self._expression(node.returns)
        outer.count += 1

    def _parameters(self, arguments: ast.arguments, inner: Scope) -> None:
        """libcst's ``Parameters``: each name bound in the function's scope, its default and
        annotation read in the enclosing one."""
        outer = self._scope
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += arguments.defaults
        params: list[tuple[ast.arg, ast.expr | None]] = list(zip(positional, defaults))
        if arguments.vararg is not None:
            params.append((arguments.vararg, None))
        params += zip(arguments.kwonlyargs, arguments.kw_defaults)
        if arguments.kwarg is not None:
            params.append((arguments.kwarg, None))
        for param, default in params:
            inner.record(param.arg, param)
            self._scope_of[id(param)] = inner
            if default is not None:
                self._expression(default)
            if param.annotation is not None:
                self._expression(param.annotation)
        self._scope = outer
        inner.count += 1  # libcst's Parameters

    def _class(self, node: ast.ClassDef) -> None:
        if getattr(node, "type_params", None):
            raise Unsupported("type parameters")
        outer = self._scope
        outer.record(node.name, node)
        for decorator in node.decorator_list:
            self._expression(decorator)
        for base in node.bases:
            self._expression(base)
        for keyword in node.keywords:
            self._expression(keyword.value)
        self._scope = Scope("class", outer, node.name)
        self._statements(node.body)
        self._scope = outer
        outer.count += 1

    def _expression(self, node: ast.expr) -> None:
        scope = self._scope
        if isinstance(node, ast.Name):
            self._scope_of[id(node)] = scope
            if isinstance(node.ctx, ast.Store):
                scope.record(node.id, node)
            else:
                self._deferred.append((Access(node, scope), self._top_attribute[-1]))
            return
        if isinstance(node, ast.Attribute):
            self._scope_of[id(node)] = scope
            if self._top_attribute[-1] is None:
                self._top_attribute[-1] = node
            self._expression(node.value)
            if self._top_attribute[-1] is node:
                self._top_attribute[-1] = None
            return
        if isinstance(node, ast.Call):
            self._scope_of[id(node)] = scope
            self._top_attribute.append(None)
            self._children(node)
            self._top_attribute.pop()
            return
        if isinstance(node, ast.Lambda):
            inner = Scope("function", scope, None)
            self._parameters(node.args, inner)
            self._scope = inner
            self._expression(node.body)
            self._scope = scope
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            self._comprehension(node)
            return
        if isinstance(node, ast.NamedExpr):
            self._children(node)
            scope.count += 1
            return
        self._scope_of[id(node)] = scope
        self._children(node)

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
    ) -> None:
        outer = self._scope
        first, *rest = node.generators
        self._expression(first.iter)
        inner = self._scope = Scope("comprehension", outer)
        self._expression(first.target)
        inner.count += 1
        for condition in first.ifs:
            self._expression(condition)
        self._inner_generators(rest)
        if isinstance(node, ast.DictComp):
            self._expression(node.key)
            self._expression(node.value)
        else:
            self._expression(node.elt)
        self._scope = outer

    def _inner_generators(self, generators: list[ast.comprehension]) -> None:
        """libcst's nested ``CompFor``: each counts as an assignment when left."""
        if not generators:
            return
        generator, *rest = generators
        self._expression(generator.target)
        self._expression(generator.iter)
        for condition in generator.ifs:
            self._expression(condition)
        self._inner_generators(rest)
        self._scope.count += 1

    def _infer_accesses(self) -> None:
        """libcst's ``ScopeVisitor.infer_accesses``, once every assignment is known."""
        by_scope_and_name: dict[tuple[int, str], tuple[Scope, set[Access]]] = {}
        for access, top_attribute in self._deferred:
            assert isinstance(access.node, ast.Name)
            name = access.node.id
            if top_attribute is not None:
                for dotted, node in dotted_names(top_attribute):
                    if access.scope.contains(dotted):
                        access.node = node
                        name = dotted
                        break
            key = (id(access.scope), name)
            by_scope_and_name.setdefault(key, (access.scope, set()))[1].add(access)
            access.record_assignments(name)
            access.scope.accesses_by_name.setdefault(name, []).append(access)
            access.scope.accesses_by_node.setdefault(id(access.node), []).append(access)
        for (_, name), (scope, accesses) in by_scope_and_name.items():
            for assignment in list(scope.resolve(name, scope)):
                assignment.record_accesses(accesses)
