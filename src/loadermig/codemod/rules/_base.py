"""The base every rewrite rule builds on: libcst's codemod command plus findings."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider, ProviderT, QualifiedNameProvider

from ..findings import Finding

FINDINGS_KEY = "loadermig.findings"


class Rule(VisitorBasedCodemodCommand):
    """A rewrite rule: a libcst codemod with a stable ID, documentation and findings.

    Subclasses set the class attributes below and report every place they rewrite or refuse
    to rewrite through :meth:`report`. Imports are added and removed through libcst's
    ``AddImportsVisitor`` / ``RemoveImportsVisitor`` (``self.add_needed_import`` /
    ``self.remove_unused_import``), which ``transform_module`` runs after the rule.
    """

    METADATA_DEPENDENCIES: ClassVar[Collection[ProviderT]] = (
        PositionProvider,
        QualifiedNameProvider,
    )

    #: Stable identifier, ``LMnnn``.
    ID: ClassVar[str]
    #: One line: what the rule rewrites.
    TITLE: ClassVar[str]
    #: Byte strings of which at least one must occur in a file for the rule to apply; files
    #: without any are not parsed at all.
    TRIGGERS: ClassVar[tuple[bytes, ...]]
    #: Documentation: legacy code and what the rule makes of it.
    BEFORE: ClassVar[str]
    AFTER: ClassVar[str]
    #: False for rules that only report (legacy APIs without a faithful automatic rewrite).
    #: Those never change the tree and run first, on the file as it was read.
    REWRITES: ClassVar[bool] = True

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        context.scratch.setdefault(FINDINGS_KEY, [])

    def report(self, node: cst.CSTNode, message: str, *, fixed: bool) -> None:
        """Record a finding at ``node``'s position (line and 1-based column)."""
        start = self.get_metadata(PositionProvider, node).start
        findings: list[Finding] = self.context.scratch[FINDINGS_KEY]
        findings.append(
            Finding(
                self.context.filename or "<string>",
                start.line,
                start.column + 1,
                self.ID,
                message,
                fixed,
            )
        )

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """The fully qualified names ``node`` may refer to (empty when unknown)."""
        found = self.get_metadata(QualifiedNameProvider, node, set())
        return {name.name for name in found}

    def refers_to(self, node: cst.CSTNode, *names: str) -> bool:
        """Whether ``node`` refers to one of the fully qualified ``names``."""
        return not self.qualified_names(node).isdisjoint(names)
