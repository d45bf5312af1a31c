"""Walking libcst trees without rebuilding them: the same nodes, in the same order."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod.visitors import AddImportsVisitor

from loadermig.codemod.nesting import run_with_large_stack
from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.rules._cst_walk import (
    children,
    descendants,
    hooked_node_types,
    node_types_by_statement,
    visit_without_rebuild,
)
from loadermig.codemod.rules._shared import IMPORT_VISITORS, STATEMENTS

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


@pytest.mark.parametrize("path", SOURCES[::10], ids=lambda path: path.name)
def test_node_types_by_statement_names_every_node_class_in_each_statement(path: Path) -> None:
    def check() -> int:
        module = _module(path)
        found = node_types_by_statement(module, STATEMENTS)
        statements = [node for node in descendants(module) if isinstance(node, STATEMENTS)]
        assert set(found) == set(statements)
        for statement in statements:
            assert found[statement] == {type(node).__name__ for node in descendants(statement)}
        return len(statements)

    assert run_with_large_stack(check) > 0


def test_hooked_node_types_are_the_nodes_a_class_has_hooks_for() -> None:
    class Hooks(cst.CSTTransformer):
        def visit_ClassDef(self, node: cst.ClassDef) -> None: ...

        def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
            return updated_node

        def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None: ...

    assert hooked_node_types(Hooks) == {"ClassDef", "Return", "FunctionDef"}
    assert hooked_node_types(cst.CSTTransformer) == frozenset()
    assert hooked_node_types(rule_by_id("LM006")) == {"ClassDef", "Module"}
    # libcst's own visitors count too: the one adding imports extends `from` imports
    adds_imports = dict(IMPORT_VISITORS)[AddImportsVisitor.CONTEXT_KEY]
    assert "ImportFrom" in hooked_node_types(adds_imports)
