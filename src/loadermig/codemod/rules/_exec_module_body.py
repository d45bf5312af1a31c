"""What LM004 does to the decorated method itself: its signature, final ``return`` and the
comments among its decorators."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


def module_param(node: cst.FunctionDef) -> cst.Param | None:
    """The module parameter of ``def load_module(self, module)``; None for other signatures."""
    params = node.params
    positional = [*params.posonly_params, *params.params]
    plain = (
        not node.asynchronous
        and len(positional) == 2
        and all(param.default is None for param in positional)
        and isinstance(params.star_arg, cst.MaybeSentinel)
        and not params.kwonly_params
        and params.star_kwarg is None
    )
    return positional[1] if plain else None


def _last_small_statement(node: cst.FunctionDef) -> cst.BaseSmallStatement | None:
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        return body.body[-1]
    assert isinstance(body, cst.IndentedBlock)
    last = body.body[-1]
    return last.body[-1] if isinstance(last, cst.SimpleStatementLine) else None


def final_return(node: cst.FunctionDef) -> cst.Return | None:
    """The ``return`` that is the method's last statement, if any."""
    last = _last_small_statement(node)
    return last if isinstance(last, cst.Return) else None


def ends_in_return_or_raise(node: cst.FunctionDef) -> bool:
    """Whether no path can fall off the end of the method."""
    return isinstance(_last_small_statement(node), (cst.Return, cst.Raise))


def decorator_comments(node: cst.FunctionDef) -> list[cst.EmptyLine]:
    """The def's leading lines plus the comment lines among its decorators.

    A comment at the end of a decorator's own line goes with that line.
    """
    lines = list(node.leading_lines)
    for decorator in node.decorators:
        lines.extend(decorator.leading_lines)
    lines.extend(node.lines_after_decorators)
    return lines


def without_last_statement(body: cst.BaseSuite) -> cst.BaseSuite:
    """``body`` without its last small statement (the final ``return``).

    Comment lines above a removed line stay (at the end of the block); a comment at the end
    of the removed line goes with it.
    """
    if isinstance(body, cst.SimpleStatementSuite):
        return body.with_changes(body=_drop_last(body.body))
    assert isinstance(body, cst.IndentedBlock)
    lines = list(body.body)
    last = lines.pop()
    assert isinstance(last, cst.SimpleStatementLine)
    if len(last.body) > 1:
        return body.with_changes(body=[*lines, last.with_changes(body=_drop_last(last.body))])
    kept = [line for line in last.leading_lines if line.comment is not None]
    return body.with_changes(
        body=lines or [cst.SimpleStatementLine([cst.Pass()])], footer=[*kept, *body.footer]
    )


def _drop_last(
    statements: Sequence[cst.BaseSmallStatement],
) -> list[cst.BaseSmallStatement]:
    kept = list(statements[:-1])
    if not kept:
        return [cst.Pass()]
    kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return kept
