"""Walking a libcst tree without rebuilding it.

Every libcst traversal, a ``CSTVisitor``'s too and ``node.children`` itself, goes through the
node's ``_visit_and_replace_children``, which builds (and validates) a new node for every node
it passes: a walk over a file costs as much as parsing it again. The rules mostly only look,
so :func:`children` gives a node's children in the very order libcst visits them, read from
the fields that ``_visit_and_replace_children`` visits (taken once per node class from its
source, where libcst lists them as ``visit_*(self, "field", ...)`` calls), and
:func:`visit_without_rebuild` runs a ``CSTVisitor`` over a tree that way.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Iterator

import libcst as cst

_VISITED_FIELD = re.compile(r'\bvisit_\w+\(\s*self,\s*"(\w+)"')


@functools.cache
def _visited_fields(node_class: type[cst.CSTNode]) -> tuple[str, ...]:
    """The fields ``_visit_and_replace_children`` of ``node_class`` visits, in order."""
    method = node_class._visit_and_replace_children
    body = inspect.getsource(method).split("\n", 1)[1]
    fields = _VISITED_FIELD.findall(body)
    if len(re.findall(r"\bvisit_\w+\(", body)) != len(fields):
        raise RuntimeError(f"cannot read the fields libcst visits in {node_class.__name__}")
    # A field visited one way or another (``ImportFrom.names``: a star or a sequence) is
    # named once per way.
    return tuple(dict.fromkeys(fields))


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node.children`` (the same nodes, in libcst's order), without rebuilding ``node``."""
    for name in _visited_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it, in libcst's order, without rebuilding any."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


_ATTRIBUTE_HOOK = re.compile(r"(?:visit|leave)_[A-Z][A-Za-z]*_\w")
#: libcst's visitor and transformer bases: between them they define every
#: ``visit_<Node>_<attribute>`` / ``leave_<Node>_<attribute>`` method, doing nothing.
_LIBCST_VISITOR_BASES = frozenset(cst.CSTTransformer.__mro__ + cst.CSTVisitor.__mro__)


@functools.cache
def has_attribute_hooks(cls: type) -> bool:
    """Whether ``cls`` has ``visit_<Node>_<attribute>`` / ``leave_<Node>_<attribute>`` methods
    of its own (libcst's visitor bases define every one, doing nothing)."""
    return any(
        _ATTRIBUTE_HOOK.match(name)
        for klass in cls.__mro__
        if klass not in _LIBCST_VISITOR_BASES
        for name in vars(klass)
    )


_NODE_HOOK = re.compile(r"(?:visit|leave)_([A-Z][A-Za-z]*)")


@functools.cache
def hooked_node_types(cls: type) -> frozenset[str]:
    """The node classes (by name) for which ``cls`` has ``visit_*``/``leave_*`` methods of
    its own, attribute hooks included: the nodes where a visit by ``cls`` does something."""
    return frozenset(
        match.group(1)
        for klass in cls.__mro__
        if klass not in _LIBCST_VISITOR_BASES
        for name in vars(klass)
        if (match := _NODE_HOOK.match(name))
    )


def node_types_by_statement(
    module: cst.Module, statements: tuple[type[cst.CSTNode], ...]
) -> dict[cst.CSTNode, frozenset[str]]:
    """For each node of ``module`` that is one of ``statements``: the names of the node
    classes in it, its own included."""
    found: dict[cst.CSTNode, frozenset[str]] = {}
    interned: dict[frozenset[str], frozenset[str]] = {}
    # (node, whether its children are done); each open statement collects into its own set
    stack: list[tuple[cst.CSTNode, bool]] = [(module, False)]
    collecting: list[set[str]] = [set()]
    while stack:
        node, done = stack.pop()
        if done:
            types = collecting.pop()
            frozen = frozenset(types)
            found[node] = interned.setdefault(frozen, frozen)
            collecting[-1] |= types
            continue
        collecting[-1].add(type(node).__name__)
        if isinstance(node, statements):
            collecting.append({type(node).__name__})
            stack.append((node, True))
        stack.extend((child, False) for child in children(node))
    return found


def visit_without_rebuild(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``node.visit(visitor)`` for a ``CSTVisitor``: the same calls in the same order,
    without rebuilding the tree (libcst's own visit when the visitor has attribute hooks)."""
    if has_attribute_hooks(type(visitor)):
        node.visit(visitor)
        return
    _visit(node, visitor)


def _visit(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    if visitor.on_visit(node):
        for child in children(node):
            _visit(child, visitor)
    visitor.on_leave(node)
