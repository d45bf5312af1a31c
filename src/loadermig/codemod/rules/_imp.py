"""What LM009 and LM010 share: telling uses of the ``imp`` module apart, and free names.

A node is a use of ``imp`` when libcst's qualified names say it comes from an ``import imp``
or ``from imp import ...`` statement (``imp`` or ``imp.<name>``, source IMPORT). A parameter,
variable or relative import that happens to be called ``imp`` has other qualified names. A
node that may mean ``imp.<name>`` or something else, depending on which binding ran (a
``try: import imp / except ImportError: imp = None`` fallback), is an uncertain use: the
rules never rewrite it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import (
    Assignment,
    ImportAssignment,
    PositionProvider,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)

from ._base import Rule, dotted
from ._cst_walk import descendants

#: Every spelling of an import statement binding ``imp`` has ``imp`` between one of `` ,\t\n``
#: before and one of `` ,;\t\r\n#\`` after (``import imp``, ``import os,imp``, ``from  imp
#: import x``); without such an import neither rule can find anything. ``b"imp"`` alone would
#: match every ``import importlib``: the trigger word finds candidates fast, this pattern
#: (the literal first, the bytes around it after) decides. Only an ``import imp`` as the very
#: last bytes of a file (no newline) escapes.
IMP_IMPORT = re.compile(rb"imp(?<=[ ,\t\n]imp)[ ,;\t\r\n#\\]")
REMOVED = "the imp module was removed in Python 3.12"


@dataclass(frozen=True)
class ImpUse:
    """A node that means something from ``imp``.

    ``meanings`` are the ``imp`` names it may mean (``"imp"`` for the module itself, else
    ``"imp.<name>"``); ``certain`` is False when it may also mean something else.
    """

    meanings: tuple[str, ...]
    certain: bool
    others: tuple[str, ...] = ()

    def alternatives(self) -> str:
        """What it may mean, for a finding: ``imp.reload or importlib.reload``."""
        others = [name for name in self.others if name] or ["something else"]
        if "" in self.others and others[-1] != "something else":
            others.append("something else")
        return " or ".join([*self.meanings, *others])

    @property
    def api(self) -> str | None:
        """The name in ``imp`` (``""`` for the module itself), when the use is certain."""
        if not self.certain:
            return None
        return self.meanings[0].partition(".")[2].partition(".")[0]


def imp_use(rule: Rule, node: cst.CSTNode) -> ImpUse | None:
    """What ``node``, a name or dotted name, means from ``imp`` (None: nothing from ``imp``)."""
    if not dotted(node):
        return None  # e.g. `imp.reload(m).x`, whose qualified name is imp.reload
    found = rule.qualified_name_sources(node)
    return imp_use_of({(q.name, q.source.name) for q in found})


def imp_use_of(found: Collection[tuple[str, str]]) -> ImpUse | None:
    """What a name means from ``imp``, given its qualified names, each with the name of its
    ``QualifiedNameSource`` (None: nothing from ``imp``)."""
    imported = QualifiedNameSource.IMPORT.name
    from_imp = sorted(
        name
        for name, source in found
        if source == imported and (name == "imp" or name[:4] == "imp.")
    )
    if not from_imp:
        return None
    others = sorted(
        "" if source == QualifiedNameSource.LOCAL.name else name
        for name, source in found
        if name not in from_imp or source != imported
    )
    return ImpUse(tuple(from_imp), certain=len(found) == 1, others=tuple(dict.fromkeys(others)))


class ImpRule(Rule):
    """What LM009 and LM010 share: scope metadata, the free-name check, a tidy top."""

    # (ignore: Rule's unannotated tuple narrows libcst's ClassVar[Collection[ProviderT]])
    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider)
    TRIGGERS = (b"imp",)
    PATTERN = IMP_IMPORT

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self.free: FreeNames | None = None
        #: Nodes already decided on (reported or to be rewritten) while visiting a call.
        self.seen: set[cst.CSTNode] = set()

    def visit_Module(self, node: cst.Module) -> None:
        """Prepare the check that the names the rewrites need are free."""
        self.free = FreeNames(self, node)

    def name_problem(self, name: str) -> str | None:
        """Why ``name`` may not mean the standard module ``name`` here (None: it will)."""
        assert self.free is not None
        return self.free.problem(name)

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """The rule's result, without blank lines that a removed first import left on top."""
        result = super().transform_module(tree)
        if result is tree or not result.body or not tree.body:
            return result
        first = result.body[0]
        if _blank_top(first) and not _blank_top(tree.body[0]):
            assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
            lines = list(first.leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            first = first.with_changes(leading_lines=lines)
            result = result.with_changes(body=[first, *result.body[1:]])
        return result


def _blank_top(statement: cst.BaseStatement) -> bool:
    """Whether ``statement`` starts with a blank line (not a comment)."""
    if not isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return False
    lines = statement.leading_lines
    return bool(lines) and lines[0].comment is None


class FreeNames:
    """Whether a rule may add ``import <module>`` and write ``<module>.<attr>`` in a file.

    That is safe when every binding of the name in the file (in any scope) is an import of
    that very module and every use of it is bound in the file; a star import may bind
    anything, so it makes every name unsafe.
    """

    def __init__(self, rule: Rule, module: cst.Module) -> None:
        self._rule = rule
        self._scopes: list[Scope] = []
        seen: set[int] = set()
        for scope in rule.metadata[ScopeProvider].values():
            if isinstance(scope, Scope) and id(scope) not in seen:
                seen.add(id(scope))
                self._scopes.append(scope)
        self._star = next(
            (
                node
                for node in descendants(module)
                if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar)
            ),
            None,
        )
        self._cache: dict[str, str | None] = {}

    def problem(self, name: str) -> str | None:
        """Why ``name`` may not mean the standard module ``name`` here (None: it will)."""
        if name not in self._cache:
            self._cache[name] = self._find_problem(name)
        return self._cache[name]

    def _find_problem(self, name: str) -> str | None:
        if self._star is not None:
            return f"the star import on line {self._line(self._star)} may bind `{name}`"
        for scope in self._scopes:
            for assignment in scope.assignments[name]:
                meanings = (
                    {q.name for q in assignment.get_qualified_names_for(name)}
                    if isinstance(assignment, ImportAssignment)
                    else set()
                )
                if meanings != {name}:
                    if not isinstance(assignment, Assignment):
                        return f"`{name}` is bound to something else"
                    where = self._line(assignment.node)
                    return f"`{name}` is bound to something else on line {where}"
            for access in scope.accesses[name]:
                if not access.referents:
                    where = self._line(access.node)
                    return f"`{name}` on line {where} is not bound by this file"
        return None

    def _line(self, node: cst.CSTNode) -> int:
        return self._rule.get_metadata(PositionProvider, node).start.line
