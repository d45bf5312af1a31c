"""Walking libcst trees without rebuilding them: the same nodes, in the same order."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest

from loadermig.codemod.nesting import run_with_large_stack
from loadermig.codemod.rules._cst_walk import children, descendants, visit_without_rebuild

from ..conftest import ROOT

#: Every shape of syntax the fixtures hold, and a big module of the running Python's own.
SOURCES = [*sorted((ROOT / "fixtures" / "codemod").rglob("*.py")), Path(inspect.__file__)]


class _Recorder(cst.CSTVisitor):
    """Every call libcst's traversal makes, as (event, node type, field)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.calls.append(("visit", type(node).__name__, ""))
        return not isinstance(node, cst.Lambda)  # a subtree left out, as visitors may

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.calls.append(("leave", type(original_node).__name__, ""))


class _AttributeRecorder(_Recorder):
    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.calls.append(("attribute", "FunctionDef", "body"))


def _module(path: Path) -> cst.Module:
    return cst.parse_module(path.read_bytes())


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_children_are_libcsts_children_in_its_order(path: Path) -> None:
    def check() -> int:
        count = 0
        for node in descendants(_module(path)):
            assert [id(child) for child in children(node)] == [id(c) for c in node.children]
            count += 1
        return count

    assert run_with_large_stack(check) > 10


@pytest.mark.parametrize("recorder", [_Recorder, _AttributeRecorder])
def test_visit_without_rebuild_makes_the_calls_libcsts_visit_makes(
    recorder: type[_Recorder],
) -> None:
    module = _module(Path(inspect.__file__))
    theirs, ours = recorder(), recorder()

    def both() -> None:
        module.visit(theirs)
        visit_without_rebuild(module, ours)

    run_with_large_stack(both)
    assert ours.calls == theirs.calls and len(ours.calls) > 1000
    if recorder is _AttributeRecorder:
        assert ("attribute", "FunctionDef", "body") in ours.calls
