"""The base every rewrite rule builds on: libcst's codemod command plus findings.

The machinery that shares one tree and its metadata between the rules of a file, maps
positions back to the file as read and honours skip comments is in :mod:`._shared`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Mapping
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider, ProviderT, QualifiedName, ScopeProvider

from ..findings import Finding
from ..skip_comments import SkipComments
from ._shared import (
    FINDINGS_KEY,
    IMPORT_VISITORS,
    SHARED_KEY,
    SharedTree,
    SharedTreeCommand,
    visitors_need_metadata,
)

__all__ = [
    "FINDINGS_KEY",
    "KEPT",
    "MESSAGE_LIMIT",
    "SHARED_KEY",
    "Problem",
    "Rule",
    "SharedTree",
    "SkipComments",
    "code",
    "dotted",
    "fitted",
]

#: The longest finding message (issue #16: one short line each, the why in the details).
MESSAGE_LIMIT = 100
#: How the message of a finding about code left alone starts; the reason follows.
KEPT = "kept: "
#: The end of a message cut to :data:`MESSAGE_LIMIT`.
_CUT = "..."
_NAMES_A_RELEASE = re.compile(r"\b3\.1\d\b(?!-)")  # "3.12", not the "3.11" of "3.4-3.11"


class Problem(str):
    """Why a rule leaves code alone: a short clause for the finding's message, which also
    carries the key of the long explanation (``reason``, a key of the rule's ``DETAILS``)."""

    reason: str

    def __new__(cls, text: str, reason: str) -> Problem:
        problem = super().__new__(cls, text)
        problem.reason = reason
        return problem


class Rule(SharedTreeCommand, VisitorBasedCodemodCommand):
    """A rewrite rule: a libcst codemod with a stable ID, documentation and findings.

    Subclasses set the class attributes below and report every place they rewrite or refuse
    to rewrite through :meth:`report`. Imports are added and removed through libcst's
    ``AddImportsVisitor`` / ``RemoveImportsVisitor`` (``self.add_needed_import`` /
    ``self.remove_unused_import``), which ``transform_module`` runs after the rule.
    """

    METADATA_DEPENDENCIES: ClassVar[Collection[ProviderT]] = (PositionProvider, ScopeProvider)

    #: Stable identifier, ``LMnnn``.
    ID: ClassVar[str]
    #: One line: what the rule rewrites.
    TITLE: ClassVar[str]
    #: Byte strings of which at least one must occur in a file for the rule to apply; files
    #: without any are not parsed at all.
    TRIGGERS: ClassVar[tuple[bytes, ...]]
    #: Optionally, a pattern that must also match somewhere in the file for the rule to apply
    #: (checked only where a trigger word occurs): a more precise, slower prefilter.
    PATTERN: ClassVar[re.Pattern[bytes] | None] = None
    #: Checks on the file's ``ast`` tree, made (without libcst) where the running Python
    #: parses the file: the rule only applies if the file imports one of these modules or a
    #: submodule (``import m``, ``from m import x``; not relative) ...
    NEEDS_IMPORT: ClassVar[tuple[str, ...]] = ()
    #: ... and if a class body binds one of these names (``def``, assignment, import, ...).
    NEEDS_CLASS_BINDING: ClassVar[tuple[str, ...]] = ()
    #: ... and if the file calls a method of one of these names (``x.name(...)``) ...
    NEEDS_METHOD_CALL: ClassVar[tuple[str, ...]] = ()
    #: ... and if a name in the file may have a qualified name in one of these modules (or
    #: their submodules): the file imports it, absolutely or relatively (whatever libcst's
    #: qualified names make of the dots), or uses its name (a module-level binding of that
    #: name, of any kind, is qualified as written) ...
    NEEDS_NAME_FROM: ClassVar[tuple[str, ...]] = ()
    #: ... and, if True, if a class defines ``load_module`` directly in its body and shows it
    #: may be an import loader (:mod:`._loader_evidence`, or a base class where the file may
    #: name importlib's loader ABCs).
    NEEDS_LOADER_CLASS: ClassVar[bool] = False
    #: ... and, if True, if some class statement passes :meth:`may_act_on_class`.
    NEEDS_CLASS_CHECK: ClassVar[bool] = False
    #: Documentation: legacy code and what the rule makes of it.
    BEFORE: ClassVar[str]
    AFTER: ClassVar[str]
    #: False for rules that only report (legacy APIs without a faithful automatic rewrite).
    #: Those never change the tree and run first, on the file as it was read.
    REWRITES: ClassVar[bool] = True
    #: True for a rule that runs in the rewrite pass, after the rules it depends on, yet
    #: never changes code itself (LM005 reports what LM004 left).
    ONLY_REPORTS: ClassVar[bool] = False
    #: Which Python removed (or stops calling) the legacy API the rule is about; added to
    #: every reason's details that do not already name a Python 3.1x version.
    REMOVAL: ClassVar[str] = ""
    #: Reason key -> the long explanation of the findings reported with that reason (why,
    #: which Python removed what, what to do by hand). Findings carry only a short message;
    #: ``loadermig rules LMnnn`` and ``--show-details`` print these.
    DETAILS: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def may_act_on_class(cls, node: ast.ClassDef, bound: frozenset[str]) -> bool:
        """For ``NEEDS_CLASS_CHECK``, on the file's ``ast`` tree: whether the rule may change
        or report on the class ``node`` (``bound``: every name bound anywhere inside it, in
        its methods too). True for every class the rule acts on in the file as read."""
        return True

    @classmethod
    def changes_code(cls) -> bool:
        """Whether the rule ever rewrites code (else it only reports)."""
        return cls.REWRITES and not cls.ONLY_REPORTS

    @classmethod
    def details(cls, reason: str) -> str:
        """The long explanation of ``reason`` (KeyError naming it when the rule has none)."""
        try:
            text = cls.DETAILS[reason]
        except KeyError:
            raise KeyError(f"{cls.ID} has no reason {reason!r}") from None
        if cls.REMOVAL and not _NAMES_A_RELEASE.search(text):
            text = f"{text}\n\nContext: {cls.REMOVAL}."
        return text

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        context.scratch.setdefault(FINDINGS_KEY, [])
        #: :func:`module_aliases` of the tree :meth:`base_names` last asked about.
        self._aliases: tuple[cst.Module, dict[str, list[cst.BaseExpression]]] | None = None

    def skip_lines(self, skip: SkipComments) -> Collection[int]:
        """The lines of trailing skip comments that apply to this rule."""
        return skip.lines_for(self.ID)

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """Run the rule on ``tree``, then libcst's import visitors if the rules asked for them.

        What ``CodemodCommand.transform_module`` does, except that the tree handed on through
        the context's :class:`SharedTree` is used with the metadata computed for it already,
        not copied and analysed again, and comes back as it is if nothing changed it.
        """
        shared = self.context.scratch.get(SHARED_KEY)
        if not isinstance(shared, SharedTree) or shared.module is not tree:
            return super().transform_module(tree)
        scratch = self.context.scratch
        before = {key: (key in scratch, list(scratch.get(key, ()))) for key, _ in IMPORT_VISITORS}
        result = self.transform_shared(shared)
        if result is tree and self._skipped:
            # What the rule asked for on behalf of a statement it then left alone.
            for key, (present, requests) in before.items():
                if present:
                    scratch[key] = requests
                else:
                    scratch.pop(key, None)
        requested = {key: list(scratch[key]) for key, _ in IMPORT_VISITORS if key in scratch}
        if result is tree and requested == shared.settled_imports:
            return result  # the visitors already ran on this very tree, asked the same
        if result is not tree and requested and not visitors_need_metadata(requested, shared):
            # The import block is all they read: the rules after them get one copy.
            for key, visitor in IMPORT_VISITORS:
                if key in requested:
                    result = visitor(self.context).transform_without_metadata(result)
            return result
        if result is not tree and requested:
            # Copied and analysed once, for the visitors and (if they change nothing) the
            # rules after them, not once for each.
            shared.advance(result)
            result = tree = shared.module
        for key, visitor in IMPORT_VISITORS:
            if key in scratch:
                result = self._instantiate_and_run(visitor, result)
        if result is tree:
            shared.settled_imports = requested
        return result

    def _in_skipped(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` lies in a statement the rule must leave alone."""
        if not self._skipped:
            return False
        span = self.get_metadata(PositionProvider, node, None)
        if span is None:
            return False
        return any(start <= span.start.line <= end for start, end in self._skipped.values())

    def report(self, node: cst.CSTNode, message: str, *, fixed: bool, reason: str) -> None:
        """Record a finding at ``node``'s position (line and 1-based column).

        ``message`` is one short line (at most 100 characters, one sentence) saying what was
        found or done there (one that a long name makes longer is cut to 100); ``reason`` is
        the key of its long explanation in :attr:`DETAILS`. Nothing is recorded for a node in
        a statement a skip comment designates, and the statement being visited is then left
        as it is.
        """
        if self._in_skipped(node):
            self.void_open_statement()
            return
        span = self.get_metadata(PositionProvider, node)
        start, end = span.start, span.end
        findings: list[Finding] = self.context.scratch[FINDINGS_KEY]
        findings.append(
            self.finding(
                self.context.filename or "<string>",
                (start.line, start.column),
                (end.line, end.column),
                message,
                fixed=fixed,
                reason=reason,
            )
        )

    @classmethod
    def finding(
        cls,
        path: str,
        start: tuple[int, int],
        end: tuple[int, int],
        message: str,
        *,
        fixed: bool,
        reason: str,
    ) -> Finding:
        """A finding of this rule from ``start`` to ``end`` (line, 0-based column in
        characters), with the message cut to :data:`MESSAGE_LIMIT` (see :meth:`report`)."""
        if end < start:  # mapped across an edit
            end = start
        cls.details(reason)  # an unknown reason is a bug of the rule: fail here, not later
        if len(message) > MESSAGE_LIMIT:  # only names of unusual length get here
            message = message[: MESSAGE_LIMIT - len(_CUT)].rstrip() + _CUT
        return Finding(
            path,
            start[0],
            start[1] + 1,
            cls.ID,
            message,
            fixed,
            end_line=end[0],
            end_column=end[1] + 1,
            reason=reason,
        )

    def remove_unused_import_by_node(self, node: cst.CSTNode) -> None:
        """As libcst's, but not for a node in a statement a skip comment designates."""
        if not self._in_skipped(node):
            super().remove_unused_import_by_node(node)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """The fully qualified names ``node`` may refer to (empty when unknown)."""
        return {name.name for name in self.qualified_name_sources(node)}

    def qualified_name_sources(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        """What libcst's ``QualifiedNameProvider`` gives ``node``, asked of its scope.

        The provider itself walks the whole tree to hand every node a lazy value; asking the
        scope for the nodes a rule looks at gives the same names for a fraction of the cost.
        """
        scope = self.get_metadata(ScopeProvider, node, None)
        return scope.get_qualified_names_for(node) if scope is not None else set()

    def base_names(self, node: cst.BaseExpression) -> set[str]:
        """:meth:`qualified_names` of a class base, where a module-level name bound to
        another name (``except ImportError: Loader = object``) also stands for that name's
        qualified names; empty when one of those is unknown."""
        names = self.qualified_names(node)
        if not isinstance(node, cst.Name) or node.value not in names:
            return names
        wrapper = self.context.wrapper
        if wrapper is None:
            return names
        if self._aliases is None or self._aliases[0] is not wrapper.module:
            self._aliases = (wrapper.module, module_aliases(wrapper.module))
        values = self._aliases[1].get(node.value)
        if not values:
            return names
        resolved = [self.qualified_names(value) for value in values]
        if not all(resolved):
            return set()
        return (names - {node.value}).union(*resolved)

    def refers_to(self, node: cst.CSTNode, *names: str) -> bool:
        """Whether ``node`` refers to one of the fully qualified ``names``."""
        return not self.qualified_names(node).isdisjoint(names)


def module_aliases(module: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    """Names the module's top level binds (also under ``try``/``if``) only by ``name = other``
    assignments and imports, with those values; a name also bound by a ``def`` or ``class``
    is left out."""
    values: dict[str, list[cst.BaseExpression]] = {}
    defined: set[str] = set()
    pending: list[cst.CSTNode] = list(module.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            defined.add(statement.name.value)
        elif isinstance(statement, (cst.Try, cst.If, cst.Else, cst.ExceptHandler, cst.Finally)):
            pending.extend(
                child for child in statement.children if not isinstance(child, cst.BaseExpression)
            )
        elif isinstance(statement, cst.IndentedBlock):
            pending.extend(statement.body)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and isinstance(
                    small.value, (cst.Name, cst.Attribute)
                ):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            values.setdefault(target.target.value, []).append(small.value)
    return {name: found for name, found in values.items() if name not in defined}


def fitted(message: str, shorter: str, *, after: str = "") -> str:
    """``message`` if it fits on a finding's line (:data:`MESSAGE_LIMIT`) after the prefix
    ``after``, else ``shorter``."""
    return message if len(after + message) <= MESSAGE_LIMIT else shorter


def code(node: cst.CSTNode) -> str:
    """``node`` as (stripped) source code."""
    return cst.Module([]).code_for_node(node).strip()


def dotted(node: cst.CSTNode) -> bool:
    """Whether ``node`` is a name or a chain of attributes on a name.

    libcst gives ``pkgutil.get_loader(x).attr`` the qualified name of the function called;
    only plain dotted names are references to an API.
    """
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)
