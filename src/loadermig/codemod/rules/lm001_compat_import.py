"""LM001: collapse the Python 3.1 ``SourceLoader``/``PyLoader`` compatibility import.

Python 3.2's documentation told loader authors who still supported 3.1 to write::

    try:
        from importlib.abc import SourceLoader
    except ImportError:
        from importlib.abc import PyLoader as SourceLoader

Every Python since 3.2 has ``SourceLoader``, so the ``except`` clause never runs and the
statement means exactly its ``try`` body. The rule keeps that body (comments included) when
nothing else in the statement can make a difference, and refuses, with a finding, otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Union

import libcst as cst
from libcst.metadata import ImportAssignment, PositionProvider, ScopeProvider

from ._base import KEPT, Problem, Rule, code, fitted

ABC = "importlib.abc."
SOURCE_LOADER = ABC + "SourceLoader"
PY_LOADERS = frozenset({ABC + "PyLoader", "loadermig.shim.compat.PyLoader"})
#: importlib.abc names present on every Python from 3.4 on (Finder left in 3.12, the
#: resources ABCs arrived in 3.7): importing only these can never fail.
ALWAYS_THERE = frozenset(
    ABC + name
    for name in (
        "Loader",
        "ResourceLoader",
        "MetaPathFinder",
        "PathEntryFinder",
        "InspectLoader",
        "ExecutionLoader",
        "FileLoader",
        "SourceLoader",
    )
)
#: What the ``except`` clause may catch (the ``try`` body raises nothing, so this only
#: tells the idiom apart from code doing something else).
CAUGHT = frozenset(
    "builtins." + name
    for name in (
        "ImportError",
        "ModuleNotFoundError",
        "AttributeError",
        "Exception",
        "BaseException",
    )
)

NOT_DONE = KEPT
_BY_HAND = (
    " Collapse it by hand: keep `from importlib.abc import SourceLoader` (every Python since "
    "3.2 has it) and drop the fallback to PyLoader."
)
_DECIDE = " Decide whether the code needs that, then collapse it by hand."
_MOVE = " Move that out of the try/except, then rerun."
Suite = Union[cst.IndentedBlock, cst.SimpleStatementSuite]


def _runs(where: str, extra: str, reason: str) -> Problem:
    """``<where> also runs <extra>``, or without the code when that would not fit."""
    message = fitted(f"{where} also runs {extra}", f"{where} also runs other code", after=KEPT)
    return Problem(message, reason)


class Unsupported(Exception):
    """Why a statement list is not a plain list of bindings the rule understands."""


@dataclass
class Binding:
    """One name a statement binds and what it binds it to (None when unknown)."""

    name: str
    target: str | None
    statement: cst.BaseSmallStatement


class CompatImportRule(Rule):
    """Replace the 3.1-compat ``try``/``except`` import by its ``try`` body."""

    ID = "LM001"
    TITLE = "3.1-compat `try: SourceLoader / except: PyLoader as SourceLoader` import"
    REMOVAL = "importlib.abc.PyLoader was removed in Python 3.4, deprecated since 3.2"
    TRIGGERS = (b"PyLoader",)
    BEFORE = (
        "try:\n"
        "    from importlib.abc import SourceLoader\n"
        "except ImportError:\n"
        "    from importlib.abc import PyLoader as SourceLoader\n"
    )
    AFTER = "from importlib.abc import SourceLoader\n"
    DETAILS: ClassVar[Mapping[str, str]] = {
        "collapsed": (
            "The try/except fell back to importlib.abc.PyLoader for Python 3.1. Every Python "
            "since 3.2 has importlib.abc.SourceLoader, so the except clause never ran; the "
            "try's import stays, the fallback goes."
        ),
        "else-finally": (
            "The try/except also has an else or a finally clause, which would run in a "
            "different place once the statement is collapsed. Fold it in by hand."
        ),
        "handlers": (
            "The try has more than one except clause, so something else than the missing "
            "SourceLoader may be handled." + _BY_HAND
        ),
        "caught": (
            "The except clause catches something else than ImportError (or its relatives), so "
            "it may run for another reason than a missing SourceLoader." + _BY_HAND
        ),
        "try-runs": (
            "The try also runs something besides the SourceLoader import (another statement, a "
            "compound statement), which a collapse would have to keep." + _MOVE
        ),
        "except-runs": (
            "The except clause also runs something besides the PyLoader import, which a "
            "collapse would drop." + _DECIDE
        ),
        "abc-import": (
            "The try also imports a name that not every Python 3.4+ importlib.abc has, so the "
            "except clause can still run." + _BY_HAND
        ),
        "names-differ": (
            "SourceLoader and PyLoader are bound to different names in the try and in the "
            "except clause, so code may use either name." + _BY_HAND
        ),
    }

    # (ignore: Rule's unannotated tuple narrows libcst's ClassVar[Collection[ProviderT]])
    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider)

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._footers: dict[int, Sequence[cst.EmptyLine]] = {}

    def leave_Try(
        self, original_node: cst.Try, updated_node: cst.Try
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        """Collapse the idiom (or report why not)."""
        if not self._is_idiom(original_node):
            return updated_node
        problem = self._problem(original_node)
        if problem is not None:
            self.report(original_node, NOT_DONE + problem, fixed=False, reason=problem.reason)
            return updated_node
        self.report(
            original_node,
            "3.1-compat fallback to PyLoader removed, SourceLoader imported directly",
            fixed=True,
            reason="collapsed",
        )
        for handler in original_node.handlers:
            self.remove_unused_import_by_node(handler)
        statements, footer = _unwrap(updated_node)
        if footer:
            self._footers[id(statements[-1])] = footer
        return cst.FlattenSentinel(statements)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """Give comments that ended a collapsed ``try`` body to the statement after it."""
        if not self._footers:
            return updated_node
        body, rest = self._place_footers(updated_node.body)
        return updated_node.with_changes(body=body, footer=[*rest, *updated_node.footer])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """As ``leave_IndentedBlock``, for statements at module level."""
        if not self._footers:
            return updated_node
        body, rest = self._place_footers(updated_node.body)
        return updated_node.with_changes(body=body, footer=[*rest, *updated_node.footer])

    # -- recognising the idiom ------------------------------------------------------------

    def _is_idiom(self, node: cst.Try) -> bool:
        """A ``try`` binding SourceLoader whose handler binds PyLoader (loosely read)."""
        in_try = self._loose_targets(node.body)
        in_handlers = set().union(*(self._loose_targets(h.body) for h in node.handlers))
        return SOURCE_LOADER in in_try and not in_handlers.isdisjoint(PY_LOADERS)

    def _loose_targets(self, suite: cst.BaseSuite) -> set[str]:
        found: set[str] = set()
        for line in _lines(suite):
            for statement in line.body if isinstance(line, cst.SimpleStatementLine) else ():
                try:
                    found.update(b.target or "" for b in self._bindings(statement))
                except Unsupported:
                    continue
        return found

    def _problem(self, node: cst.Try) -> Problem | None:
        """Why collapsing ``node`` to its ``try`` body could change behaviour (None: it can't)."""
        if node.orelse is not None or node.finalbody is not None:
            clause = "an else" if node.orelse is not None else "a finally"
            return Problem(f"the compat try/except also has {clause} clause", "else-finally")
        if len(node.handlers) != 1:
            return Problem("the compat try has more than one except clause", "handlers")
        handler = node.handlers[0]
        caught = self._caught_names(handler.type)
        if caught is not None:
            return Problem(
                fitted(
                    f"the compat except clause catches {caught}, not ImportError",
                    "the compat except clause catches more than ImportError",
                    after=NOT_DONE,
                ),
                "caught",
            )
        try:
            in_try = self._all_bindings(node.body)
        except Unsupported as extra:
            return _runs("the compat try", str(extra), "try-runs")
        try:
            in_handler = self._all_bindings(handler.body)
        except Unsupported as extra:
            return _runs("the compat except clause", str(extra), "except-runs")
        for binding in in_try:
            if binding.target in ALWAYS_THERE:
                continue
            if binding.target is not None and binding.target.startswith(ABC):
                return Problem(
                    f"the compat try also imports {binding.target}, missing on some Python 3.4+",
                    "abc-import",
                )
            return _runs("the compat try", f"`{code(binding.statement)}`", "try-runs")
        for binding in in_handler:
            if binding.target not in PY_LOADERS | ALWAYS_THERE:
                return _runs(
                    "the compat except clause", f"`{code(binding.statement)}`", "except-runs"
                )
        source = {b.name for b in in_try if b.target == SOURCE_LOADER}
        fallback = {b.name for b in in_handler if b.target in PY_LOADERS}
        if source != fallback:
            return Problem(
                fitted(
                    "SourceLoader and PyLoader are bound to different names "
                    f"({', '.join(sorted(source))} vs {', '.join(sorted(fallback))})",
                    "SourceLoader and PyLoader are bound to different names",
                    after=NOT_DONE,
                ),
                "names-differ",
            )
        return None

    def _caught_names(self, caught: cst.BaseExpression | None) -> str | None:
        """The code of an exception the handler catches that is not import-related, if any."""
        if caught is None:
            return None
        elements = (
            [element.value for element in caught.elements]
            if isinstance(caught, cst.Tuple)
            else [caught]
        )
        for element in elements:
            names = self.qualified_names(element)
            if not names or not names <= CAUGHT:
                return code(element)
        return None

    def _all_bindings(self, suite: cst.BaseSuite) -> list[Binding]:
        """Every binding of a suite made only of imports and ``name = value`` statements."""
        bindings: list[Binding] = []
        for line in _lines(suite):
            if not isinstance(line, cst.SimpleStatementLine):
                where = self.get_metadata(PositionProvider, line).start.line
                raise Unsupported(f"a compound statement (line {where})")
            for statement in line.body:
                bindings.extend(self._bindings(statement))
        return bindings

    def _bindings(self, statement: cst.BaseSmallStatement) -> list[Binding]:
        """What an import or simple assignment binds; Unsupported for anything else."""
        if isinstance(statement, cst.ImportFrom) and not isinstance(
            statement.names, cst.ImportStar
        ):
            return [self._imported(statement, alias) for alias in statement.names]
        if (
            isinstance(statement, cst.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0].target, cst.Name)
        ):
            names = self.qualified_names(statement.value)
            target = next(iter(names)) if len(names) == 1 else None
            return [Binding(statement.targets[0].target.value, target, statement)]
        raise Unsupported(f"`{code(statement)}`")

    def _imported(self, statement: cst.ImportFrom, alias: cst.ImportAlias) -> Binding:
        """What ``alias`` of a ``from ... import`` binds, by libcst's scope analysis."""
        name = alias.evaluated_alias or alias.evaluated_name
        scope = self.get_metadata(ScopeProvider, statement, None)
        found: set[str] = set()
        for assignment in scope.assignments[name] if scope is not None else ():
            if isinstance(assignment, ImportAssignment) and assignment.node is statement:
                found |= {q.name for q in assignment.get_qualified_names_for(name)}
        return Binding(name, next(iter(found)) if len(found) == 1 else None, statement)

    # -- moving comments ------------------------------------------------------------------

    def _place_footers(
        self, body: Sequence[cst.BaseStatement]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """Move carried comments onto the next statement; return those left over at the end."""
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for statement in body:
            if carried:
                statement = _with_lines_before(statement, carried)
                carried = []
            out.append(statement)
            carried = list(self._footers.pop(id(statement), ()))
        return out, carried


def _lines(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    """The statements of a suite (a one-line suite counts as one simple statement line)."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    assert isinstance(suite, cst.IndentedBlock)
    return list(suite.body)


def _unwrap(node: cst.Try) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
    """The ``try`` body as statements carrying the try's comments, plus its footer comments."""
    lead = list(node.leading_lines)
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        line = cst.SimpleStatementLine(
            body=body.body, leading_lines=lead, trailing_whitespace=body.trailing_whitespace
        )
        return [line], []
    assert isinstance(body, cst.IndentedBlock)
    if body.header.comment is not None:
        lead.append(cst.EmptyLine(comment=body.header.comment))
    statements = list(body.body)
    statements[0] = _with_lines_before(statements[0], lead)
    footer = [line for line in body.footer if line.comment is not None]
    return statements, footer


def _with_lines_before(
    statement: cst.BaseStatement, lines: Sequence[cst.EmptyLine]
) -> cst.BaseStatement:
    """``statement`` with ``lines`` (comments, blank lines) added above its own."""
    assert isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
    return statement.with_changes(leading_lines=[*lines, *statement.leading_lines])
