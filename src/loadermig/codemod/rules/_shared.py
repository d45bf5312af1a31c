"""The plumbing under every rule: one shared tree per file, positions on the file's own
lines, and ``# loadermig: skip`` comments.

When :func:`loadermig.codemod.source.rewrite_source` runs the rules, it hands them one
:class:`SharedTree` through the codemod context: the metadata (positions, scopes, qualified
names) computed for a tree is then reused by every rule that gets the same tree, and is only
computed again after a rule changed it. Positions always refer to the file as it was read, and
statements that a ``# loadermig: skip`` comment designates are neither visited nor changed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Any, ClassVar, TypeVar, cast

import libcst as cst
from libcst.codemod import Codemod, CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.matchers import MatcherDecoratableTransformer
from libcst.metadata import (
    BaseMetadataProvider,
    CodePosition,
    CodeRange,
    MetadataWrapper,
    PositionProvider,
    ProviderT,
)

from ..skip_comments import SkipComments
from ._cst_walk import children, has_attribute_hooks, hooked_node_types, node_types_by_statement

FINDINGS_KEY = "loadermig.findings"
#: Context scratch key of the :class:`SharedTree` the rules of one file pass on (with the
#: file's skip comments).
SHARED_KEY = "loadermig.shared"

_T = TypeVar("_T")
_NEWLINE = re.compile(r"\r\n?|\n")  # how libcst's PositionProvider counts lines
#: The statements a skip comment can designate.
STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
#: Node classes found in nearly every statement: a command with a hook for one of them
#: visits every statement anyway, and does not look for statements it could skip.
PERVASIVE_NODES = frozenset({"Name", "SimpleStatementLine"})


class LineMap:
    """Line numbers of a rewritten tree's code, translated to those of the code as read.

    Lines the rewrite kept map to where they were; lines it wrote map to the first line of the
    code they replaced (lines it inserted: to the line before them).
    """

    def __init__(self, original: str, current: str) -> None:
        # Compared without indentation: a block the rewrite moved in or out keeps its lines.
        before = [line.strip() for line in _NEWLINE.split(original)]
        after = [line.strip() for line in _NEWLINE.split(current)]
        self._to_original: list[int] = []
        matcher = SequenceMatcher(None, before, after, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            for offset in range(b2 - b1):
                if tag == "equal":
                    line = a1 + offset + 1
                elif a2 > a1:
                    line = a1 + min(offset, a2 - a1 - 1) + 1
                else:
                    line = max(a1, 1)
                self._to_original.append(line)

    def __call__(self, line: int) -> int:
        """The line of the code as read that ``line`` of the rewritten code stands for."""
        if not self._to_original:
            return line
        return self._to_original[min(max(line, 1), len(self._to_original)) - 1]

    def code_range(self, span: CodeRange) -> CodeRange:
        """``span`` with both its lines translated."""
        start, end = span.start, span.end
        return CodeRange(
            CodePosition(self(start.line), start.column), CodePosition(self(end.line), end.column)
        )


class SharedTree:
    """One file's syntax tree as the rules hand it on, and the metadata computed for it.

    The parser's tree is wrapped without a copy (it holds no node twice). A rule's result is
    only copied and wrapped again when the next rule asks for it, so metadata is computed once
    per version of the tree, not once per rule.
    """

    def __init__(self, module: cst.Module, code: str, skip: SkipComments | None = None) -> None:
        self._wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self._pending: cst.Module | None = None
        self._original_code = code
        self._line_map: LineMap | None = None
        #: The file's skip comments (None: it has none).
        self.skip = skip
        #: Whether any rule has changed the tree.
        self.changed = False
        #: Every statement some rule left alone for a skip comment, by its lines in the file.
        self.skipped: set[tuple[int, int]] = set()
        #: The import requests (by context key) the import visitors were last run with and
        #: changed nothing on :attr:`module`; None when they have not run on it.
        self.settled_imports: dict[str, list[Any]] | None = None
        self._node_types: tuple[cst.Module, dict[cst.CSTNode, frozenset[str]]] | None = None

    @property
    def module(self) -> cst.Module:
        """The tree to give the next rule (its metadata lives in :attr:`wrapper`)."""
        return self.wrapper.module

    @property
    def wrapper(self) -> MetadataWrapper:
        """The metadata wrapper of :attr:`module`."""
        if self._pending is not None:
            # A rule may put one node in two places: copy, as libcst's own codemods do.
            self._wrapper = MetadataWrapper(self._pending)
            self._pending = None
            self._line_map = None
        return self._wrapper

    @property
    def result(self) -> cst.Module:
        """The tree as the last rule left it."""
        return self._pending if self._pending is not None else self._wrapper.module

    def advance(self, result: cst.Module) -> None:
        """Take a rule's result; the current metadata stays valid if it is the same tree."""
        if result is not self.result:
            self._pending = result
            self.changed = True
            self.settled_imports = None

    def node_types(self, module: cst.Module) -> dict[cst.CSTNode, frozenset[str]]:
        """The node classes in each statement of ``module`` (see
        :func:`._cst_walk.node_types_by_statement`), found once per tree."""
        if self._node_types is None or self._node_types[0] is not module:
            self._node_types = (module, node_types_by_statement(module, STATEMENTS))
        return self._node_types[1]

    def line_map(self) -> LineMap:
        """How :attr:`module`'s lines translate to the file's (once a rule :attr:`changed` it)."""
        if self._line_map is None:
            self._line_map = self.line_map_for(self.module)
        return self._line_map

    def line_map_for(self, module: cst.Module) -> LineMap:
        """How ``module``'s lines translate to those of the file as read."""
        return LineMap(self._original_code, module.code)


def _uses_matcher_decorators(transformer: MatcherDecoratableTransformer) -> bool:
    """Whether ``transformer`` has methods under libcst's matcher decorators (``@m.visit``,
    ``@m.leave``, ``@m.call_if_inside``, ``@m.call_if_not_inside``).

    libcst has no public way to ask, so this reads what ``MatcherDecoratableTransformer``
    keeps in private attributes: ``_extra_visit_funcs`` and ``_extra_leave_funcs`` (filled in
    by its ``__init__``) and the ``_matchers`` property (gathered on first use; libcst's own
    ``on_visit`` would gather it anyway). Checked against libcst 1.9.0,
    ``libcst/matchers/_visitors.py``; if they move, this fails with an AttributeError for every
    rule, not silently.
    """
    return bool(
        transformer._matchers or transformer._extra_visit_funcs or transformer._extra_leave_funcs
    )


def statement_span(
    node: cst.CSTNode, position: Callable[[cst.CSTNode], CodeRange]
) -> tuple[int, int]:
    """The first and last line of a statement, decorators included."""
    span = position(node)
    start, end = span.start.line, span.end.line
    decorators = getattr(node, "decorators", ())
    if decorators:
        start = min(start, position(decorators[0]).start.line)
    return start, max(start, end)


def skipped_statements(
    module: cst.Module, position: Callable[[cst.CSTNode], CodeRange], lines: Collection[int]
) -> dict[cst.CSTNode, tuple[int, int]]:
    """The statements that trailing skip comments on ``lines`` designate, with their lines.

    A line designates the innermost statement it is part of: a simple statement, or a compound
    statement whose header, clause or decorator line it is (then with its whole body).
    """
    found: dict[cst.CSTNode, tuple[int, int]] = {}

    def designate(statements: Sequence[cst.CSTNode], wanted: set[int]) -> None:
        for statement in statements:
            start, end = statement_span(statement, position)
            here = {line for line in wanted if start <= line <= end}
            if not here:
                continue
            children = list(_child_statements(statement))
            spans = [statement_span(child, position) for child in children]
            inner = {line for line in here if any(a <= line <= b for a, b in spans)}
            if here - inner:
                found[statement] = (start, end)
            else:
                designate(children, inner)

    if lines:
        designate(list(module.body), set(lines))
    return found


def _child_statements(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The statements nested directly in ``node`` (not those nested in them)."""
    stack = list(reversed(list(children(node))))
    while stack:
        child = stack.pop()
        if isinstance(child, STATEMENTS):
            yield child
        else:
            stack.extend(reversed(list(children(child))))


class SharedTreeCommand(Codemod):
    """What the rules and the import visitors share when they run on a :class:`SharedTree`.

    Handed the shared tree itself, they use its metadata instead of copying the tree and
    computing their own, and return that very tree when they changed nothing. Positions are
    translated to the file as read, and the statements a skip comment designates (for them)
    are neither visited nor changed.
    """

    #: Whether statements holding no node this command has a hook for are left unvisited.
    SKIPS_STATEMENTS: ClassVar[bool] = True

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._skipped: dict[cst.CSTNode, tuple[int, int]] = {}
        #: The statements being visited (when skipping), each with ``_changed`` before it.
        self._open: list[tuple[cst.CSTNode, bool]] = []
        self._voided: set[cst.CSTNode] = set()
        #: Whether a ``leave_*`` method returned something else than the node it was given.
        self._changed = False
        #: How to translate this tree's lines to the file's (None: they are the file's).
        self._line_map: Callable[[], LineMap] | None = None
        # libcst's matcher machinery costs a fifth of a visit; without matcher decorators
        # it does nothing that CSTTransformer's plain dispatch does not.
        self._plain = isinstance(self, MatcherDecoratableTransformer) and (
            not _uses_matcher_decorators(self)
        )
        self._plain_attributes = self._plain and not has_attribute_hooks(type(self))
        #: The node classes this command has hooks for, and (while it transforms a shared
        #: tree it can skip parts of) the node classes in each statement of that tree.
        self._hooked_nodes = hooked_node_types(type(self))
        self._node_types: dict[cst.CSTNode, frozenset[str]] | None = None

    def skip_lines(self, skip: SkipComments) -> Collection[int]:
        """The lines of trailing skip comments that apply here: all of them (so an import
        statement marked for any rule stays as it is); a rule takes only its own."""
        return skip.lines

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """libcst's ``transform_module``; on the shared metadata when given the shared tree."""
        shared = self.context.scratch.get(SHARED_KEY)
        if not isinstance(shared, SharedTree) or shared.module is not tree:
            return super().transform_module(tree)
        return self.transform_shared(shared)

    def transform_shared(self, shared: SharedTree) -> cst.Module:
        """What ``Codemod.transform_module`` does, on the shared tree and its metadata."""
        assert not self.should_allow_multiple_passes()
        tree, wrapper = shared.module, shared.wrapper
        outer = self.context.wrapper
        with self.resolve(wrapper):
            self.context = replace(self.context, wrapper=wrapper)
            try:
                result = self.transform_module_impl(tree)
            finally:
                self.context = replace(self.context, wrapper=outer)
        # libcst's transformers rebuild every node: hand on the tree itself, metadata and all.
        return result if self._changed else tree

    def transform_without_metadata(self, tree: cst.Module) -> cst.Module:
        """Transform ``tree`` as it is, without copying it or computing metadata: for a
        command that reads none (see :func:`visitors_need_metadata`). Returns ``tree`` itself
        when nothing changed."""
        result = self.transform_module_impl(tree)
        return result if self._changed else tree

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        """Find the statements to leave alone, then transform."""
        self._changed = False
        self._line_map = None
        self._skipped = {}
        shared = self.context.scratch.get(SHARED_KEY)
        if isinstance(shared, SharedTree):
            if tree is not shared.module:
                self._line_map = functools.cache(lambda: shared.line_map_for(tree))
            elif shared.changed:
                self._line_map = shared.line_map
            lines = self.skip_lines(shared.skip) if shared.skip is not None else ()
            if lines:
                self._skipped = skipped_statements(tree, self._position, lines)
                shared.skipped.update(self._skipped.values())
            if (
                self.SKIPS_STATEMENTS
                and self._plain
                and self._hooked_nodes.isdisjoint(PERVASIVE_NODES)
            ):
                self._node_types = shared.node_types(tree)
        try:
            return super().transform_module_impl(tree)  # type: ignore[safe-super]
        finally:
            self._node_types = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Visit, unless ``node`` is a statement to leave alone."""
        if node in self._skipped:
            return False
        if self._skipped and isinstance(node, STATEMENTS):
            self._open.append((node, self._changed))
        if self._plain:  # what CSTTransformer.on_visit does
            visit = getattr(self, "visit_" + type(node).__name__, None)
            if visit is not None and visit(node) is False:
                return False
            # A statement without a node this command has a hook for is left as it is:
            # the visit would rebuild it and call nothing.
            within = self._node_types.get(node) if self._node_types is not None else None
            return within is None or not within.isdisjoint(self._hooked_nodes)
        return super().on_visit(node)  # type: ignore[misc,no-any-return]

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        """As libcst's, skipped when the class has no ``visit_<Node>_<attribute>`` methods."""
        if not self._plain_attributes:
            super().on_visit_attribute(node, attribute)  # type: ignore[misc]

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        """As libcst's, skipped when the class has no ``leave_<Node>_<attribute>`` methods."""
        if not self._plain_attributes:
            super().on_leave_attribute(original_node, attribute)  # type: ignore[misc]

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        """Leave, noting whether something was replaced; statements to leave alone stay.

        So does a statement while whose visit the rule reported on a node in one to leave
        alone: that decision (say, adding a method to the class of a marked method) is void.
        """
        if original_node in self._skipped:
            return original_node
        if self._plain:  # what CSTTransformer.on_leave does
            leave = getattr(self, "leave_" + type(original_node).__name__, None)
            result = updated_node if leave is None else leave(original_node, updated_node)
        else:
            result = super().on_leave(original_node, updated_node)  # type: ignore[misc]
        if self._skipped and isinstance(original_node, STATEMENTS):
            _, changed_before = self._open.pop()
            if original_node in self._voided:
                self._changed = changed_before  # whatever changed inside is dropped
                return original_node
        if result is not updated_node:
            self._changed = True
        return result

    def void_open_statement(self) -> None:
        """Leave the innermost statement being visited as it is (see :meth:`on_leave`)."""
        if self._open:
            self._voided.add(self._open[-1][0])

    def get_metadata(
        self, key: type[BaseMetadataProvider[_T]], node: cst.CSTNode, *default: _T
    ) -> _T:
        """libcst's metadata; positions with the line numbers of the file as it was read."""
        value = super().get_metadata(key, node, *default)
        if key is PositionProvider and self._line_map is not None and isinstance(value, CodeRange):
            return cast(_T, self._line_map().code_range(value))
        return value

    def _position(self, node: cst.CSTNode) -> CodeRange:
        return self.get_metadata(PositionProvider, node)


class _Imports(SharedTreeCommand):
    """libcst's import visitors, as the rules run them (see :class:`SharedTreeCommand`)."""

    # (typed as RemoveImportsVisitor types its own: a one-provider tuple)
    METADATA_DEPENDENCIES: ClassVar[tuple[ProviderT]] = (PositionProvider,)


class _AddImports(_Imports, AddImportsVisitor):
    """``AddImportsVisitor`` for the rules, visiting only what it can change.

    libcst's visitor only ever edits the module's body and the ``from`` imports of the
    import block at its top (the lines that hold one import statement alone, after a
    docstring): it gathers that block with a read-only visit of the whole tree and then
    rebuilds every node. Here the gathering sees the module's leading statements only, and
    the transformer descends into the import block alone: the result is the same, at the
    cost of the import block instead of the file.
    """

    SKIPS_STATEMENTS = False  # it visits the import block alone (see on_visit)
    #: The statements of the module's body, and those of its import block (by identity).
    _top_statements: frozenset[int] = frozenset()
    _import_block: frozenset[int] = frozenset()

    def visit_Module(self, node: cst.Module) -> None:
        """What libcst's ``visit_Module`` gathers, from the statements it reads."""
        leading = node.body[: 1 + _import_lines_after_first(node.body)]
        shorter = len(leading) < len(node.body)
        super().visit_Module(node.with_changes(body=leading) if shorter else node)
        self._top_statements = frozenset(id(statement) for statement in node.body)
        self._import_block = frozenset(id(s) for s in leading if _is_import_line(s))

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Visit, but not into a top-level statement outside the import block."""
        descend = super().on_visit(node)
        if id(node) in self._top_statements:
            return descend and id(node) in self._import_block
        return descend


class _RemoveImports(_Imports, RemoveImportsVisitor):
    """``RemoveImportsVisitor`` for the rules."""


def _is_import_line(statement: cst.CSTNode) -> bool:
    """Whether ``statement`` is a line holding one import statement alone (the only kind
    libcst's ``AddImportsVisitor`` counts in a module's import block)."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )


def _import_lines_after_first(body: Sequence[cst.CSTNode]) -> int:
    """How many import lines follow the first statement of ``body`` without a break."""
    count = 0
    for statement in body[1:]:
        if not _is_import_line(statement):
            break
        count += 1
    return count


def visitors_need_metadata(requested: Collection[str], shared: SharedTree) -> bool:
    """Whether the import visitors asked for (by context key) read metadata: the one that
    removes imports does (scopes), and both do where skip comments are to be honoured
    (positions). The one that adds imports alone only reads the module's import block."""
    return RemoveImportsVisitor.CONTEXT_KEY in requested or bool(
        shared.skip is not None and shared.skip.lines
    )


#: What ``CodemodCommand.transform_module`` runs after a rule, when the rule asked for it.
IMPORT_VISITORS: tuple[tuple[str, type[_Imports]], ...] = (
    (AddImportsVisitor.CONTEXT_KEY, _AddImports),
    (RemoveImportsVisitor.CONTEXT_KEY, _RemoveImports),
)
