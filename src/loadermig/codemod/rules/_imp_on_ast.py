"""LM010 decided on ``ast`` where it only reports (the uses of ``imp`` it leaves alone).

LM010 rewrites five calls of ``imp`` and reports every other use. A file with none of those
five calls (the usual case: ``imp.find_module``, ``imp.acquire_lock``, ...) only gets
findings, and these are found here on the ``ast`` tree the prefilter has parsed anyway, with
names resolved by :mod:`._ast_scopes`, in the very words of :mod:`.lm010_imp_calls`; the file
is then not handed to libcst. Where a call may be one of the five, or something is not
certain to give libcst's findings, :class:`Unsupported` hands the rule back to libcst.
"""

from __future__ import annotations

import ast
import re

from ..findings import Finding
from ._ast_scopes import Unsupported
from ._base import Rule
from ._imp import ImpUse, imp_use_of
from ._report_only_on_ast import FileOnAst, dotted_on_ast, require_ast_positions
from .lm010_imp_calls import (
    REWRITES,
    STAR_IMPORT_MESSAGE,
    other_use_finding,
    unused_import_message,
)


def imp_findings_on_ast(rule: type[Rule], file: FileOnAst) -> list[Finding]:
    """LM010's findings in ``file``, as the libcst rule reports them; raises
    :class:`Unsupported` where it may rewrite something, or where that is not certain."""
    return _findings(rule, file, beside_class_edits=False)


def imp_findings_beside_class_edits(rule: type[Rule], file: FileOnAst) -> list[Finding]:
    """:func:`imp_findings_on_ast` where rules that only edit class bodies (and add imports)
    run before LM010 on libcst: the same findings, as long as nothing inside a class uses
    ``imp`` (else :class:`Unsupported`)."""
    return _findings(rule, file, beside_class_edits=True)


def _findings(rule: type[Rule], file: FileOnAst, *, beside_class_edits: bool) -> list[Finding]:
    require_ast_positions()
    before = len(file.findings)
    try:
        uses = _ImpUses(rule, file)
        if beside_class_edits:
            uses.check_none_in_classes()
        uses.find()
    except Unsupported:
        del file.findings[before:]  # none of them: libcst finds them all
        raise
    return file.findings[before:]


class _ImpUses:
    """The walk of :class:`.lm010_imp_calls.ImpCallsRule` over one file, on ``ast``."""

    def __init__(self, rule: type[Rule], file: FileOnAst) -> None:
        self.rule = rule
        self.file = file
        #: The names the file's imports of ``imp`` (and from it) bind.
        self.imp_names = _imp_names(file.tree)

    def find(self) -> None:
        """Report every use of ``imp`` as the rule does, in the nodes it visits."""
        named = self.imp_names & {
            node.name
            for node in ast.walk(self.file.tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        if named:
            # libcst also reports the name of such a def, which ``ast`` holds as a string
            raise Unsupported(f"a def or class named {min(named)}, a name bound to imp")
        pending: list[ast.AST] = [self.file.tree]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "imp":
                        self._report_if_unused(node, alias)
                continue
            if isinstance(node, ast.ImportFrom):
                self._import_from(node)
                continue
            if isinstance(node, ast.Call):
                use = self._use(node.func)
                if use is not None and use.api in REWRITES:
                    raise Unsupported(f"a call LM010 may rewrite (imp.{use.api})")
            if isinstance(node, (ast.Name, ast.Attribute)):
                use = self._use(node)
                if use is not None:
                    if "imp.new_module" not in use.meanings:  # LM009's
                        message, reason = other_use_finding(self.file.text.code(node), use)
                        self.file.report(self.rule, node, message, reason)
                    continue
            pending.extend(ast.iter_child_nodes(node))

    def check_none_in_classes(self) -> None:
        """Raise :class:`Unsupported` if a class imports ``imp`` or names what it binds."""
        names = self.imp_names
        for node in ast.walk(self.file.tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and inner.id in names:
                    raise Unsupported(f"class {node.name} uses {inner.id}")
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    raise Unsupported(f"class {node.name} imports")

    def _use(self, node: ast.AST) -> ImpUse | None:
        """:func:`._imp.imp_use` on ``ast``."""
        if not dotted_on_ast(node):
            return None
        return imp_use_of(self.file.scopes.qualified_name_sources(node))

    def _import_from(self, node: ast.ImportFrom) -> None:
        if node.level or node.module != "imp":
            return
        if node.names[0].name == "*":
            self.file.report(self.rule, node, STAR_IMPORT_MESSAGE, "star-import")
            return
        for alias in node.names:
            self._report_if_unused(node, alias)

    def _report_if_unused(self, node: ast.Import | ast.ImportFrom, alias: ast.alias) -> None:
        name = alias.asname or alias.name.partition(".")[0]
        scope = self.file.scopes.scope_of(node)
        assignments = scope.assignments.get(name, ()) if scope is not None else ()
        if any(a.node is node and a.references for a in assignments):
            return  # its uses are reported one by one
        if self._in_some_string(name):
            # libcst reads the names in string annotations (and type hints) as uses
            raise Unsupported(f"a string that may use {name}")
        message = unused_import_message(self._alias_code(alias))
        self.file.report(self.rule, alias, message, "unused-import")

    def _in_some_string(self, name: str) -> bool:
        """Whether a string of the file holds ``name`` as a word (or a dotted name's start)."""
        word = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        return any(
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and word.search(node.value)
            for node in ast.walk(self.file.tree)
        )

    def _alias_code(self, alias: ast.alias) -> str:
        """The alias's code as libcst's (``code(alias).rstrip(",")``), where that is its own
        text: libcst counts the comma after it, and the space around that comma, as part of
        it."""
        (line, _), (end_line, end_column) = self.file.text.span(alias)
        if line != end_line:
            raise Unsupported("an imported name over several lines")
        lines = self.file.text.lines
        after = lines[line - 1][end_column:]
        if after.lstrip(" \t").startswith(",") and not after.startswith(","):
            raise Unsupported("space before an imported name's comma")
        if after.startswith(","):
            rest = after[1:].strip()
            following = (text.strip() for text in lines[line:])
            if not rest:  # the comma ends the line: the lines up to the next name count too
                rest = next((text for text in following if text), "")
            if rest.startswith(("#", "\\")):
                raise Unsupported("a comment or line break after an imported name's comma")
        return self.file.text.segment(alias)


def _imp_names(tree: ast.Module) -> set[str]:
    """The names the file's imports of ``imp`` (and from it) bind."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(
                alias.asname or alias.name.partition(".")[0]
                for alias in node.names
                if alias.name.partition(".")[0] == "imp"
            )
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module == "imp":
            names.update(alias.asname or alias.name for alias in node.names)
    return names
