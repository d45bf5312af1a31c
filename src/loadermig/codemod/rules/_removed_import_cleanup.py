"""Tidying up after a rule removed imports it made unused: a ``try`` statement left with
nothing but ``pass`` in every clause, and a file left starting with blank lines.

Shared by LM004 and LM008 (through :class:`~._exec_module_conversion.ExecModuleConversion`).
"""

from __future__ import annotations

import libcst as cst

from ._cst_walk import descendants


class _EmptyTries(cst.CSTTransformer):
    """Drop ``try``/``except`` statements whose every clause is ``pass``."""

    def leave_Try(
        self, original_node: cst.Try, updated_node: cst.Try
    ) -> cst.Try | cst.RemovalSentinel:
        return cst.RemoveFromParent() if _empty_try(updated_node) else updated_node


def _empty_try(node: cst.Try) -> bool:
    """Whether every clause of ``node`` is ``pass`` (and it has no ``else``/``finally``)."""
    suites = [node.body, *(handler.body for handler in node.handlers)]
    return not node.orelse and not node.finalbody and all(map(_only_pass, suites))


def _only_pass(suite: cst.BaseSuite) -> bool:
    if isinstance(suite, cst.SimpleStatementSuite):
        return all(isinstance(small, cst.Pass) for small in suite.body)
    assert isinstance(suite, cst.IndentedBlock)
    return all(
        isinstance(line, cst.SimpleStatementLine)
        and all(isinstance(small, cst.Pass) for small in line.body)
        for line in suite.body
    )


def count_empty_tries(module: cst.Module) -> int:
    """How many ``try: pass / except: pass`` statements ``module`` holds."""
    return sum(isinstance(node, cst.Try) and _empty_try(node) for node in descendants(module))


def drop_emptied_tries(module: cst.Module, before: int) -> cst.Module:
    """Remove the do-nothing ``try`` statements that removing unused imports left behind.

    ``try: from importlib.util import module_for_loader / except ImportError: from
    loadermig.shim.compat import module_for_loader`` becomes ``try: pass / except ImportError:
    pass`` once both imports are unused. Such a statement does nothing, but it is only
    dropped when the input had none (``before`` is 0), so nothing the author wrote goes.
    """
    if before or count_empty_tries(module) == 0:
        return module
    return module.visit(_EmptyTries())


def keep_file_start(before: cst.Module, after: cst.Module) -> cst.Module:
    """Don't let a removed first import leave the file starting with blank lines."""
    if not after.body or after.header or _starts_blank(before) or not _starts_blank(after):
        return after
    first = after.body[0]
    lines = list(first.leading_lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    return after.with_changes(body=[first.with_changes(leading_lines=lines), *after.body[1:]])


def _starts_blank(module: cst.Module) -> bool:
    return module.code[:1] in ("\n", "\r")
