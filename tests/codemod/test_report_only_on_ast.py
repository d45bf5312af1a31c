"""The report-only rules decided on ``ast``: the same findings as on libcst, without libcst.

``rules/_report_only_on_ast.py`` and ``rules/_ast_scopes.py`` rebuild on ``ast`` what the
report-only rules (LM011-LM016) ask of libcst; these tests hold them to libcst itself: the
scope model against libcst's ``QualifiedNameProvider`` node by node, and the engine's
findings with and without the ``ast`` path on every fixture and corpus file.
"""

from __future__ import annotations

import ast
import functools
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import (
    MetadataWrapper,
    PositionProvider,
    QualifiedName,
    QualifiedNameProvider,
)

from loadermig.codemod import prefilter, source
from loadermig.codemod.nesting import run_with_large_stack
from loadermig.codemod.prefilter import before_libcst, decided_on_ast, rules_to_parse
from loadermig.codemod.rules import ALL_RULES
from loadermig.codemod.rules._ast_scopes import Scopes
from loadermig.codemod.rules._report_only_on_ast import runs_on_ast
from loadermig.codemod.source import rewrite_source

from ..conftest import ROOT
from .rule_support import NEEDS_310, outcome_on_libcst

#: Shapes where libcst's scope model differs from a naive one (and from Python's own).
SCOPE_SHAPES = {
    "dotted import and attribute access": """
        import importlib.abc
        import importlib.machinery as machinery
        from importlib import abc as A, util
        class F(importlib.abc.Finder, A.Finder, machinery.PathFinder):
            x = util.find_spec
    """,
    "later assignment shadows an import only after it": """
        from pkgutil import get_loader
        def f():
            get_loader('a')
            get_loader = None
            return get_loader
        get_loader('b')
        get_loader = 1
        get_loader
    """,
    "class scope is invisible to methods and comprehensions": """
        from pkgutil import find_loader
        class C:
            find_loader = staticmethod(find_loader)
            def m(self):
                return find_loader, [find_loader for _ in ()]
            y = [find_loader for find_loader in ()]
    """,
    "global and nonlocal": """
        import pkgutil
        def outer():
            loader = pkgutil.get_loader
            def inner():
                nonlocal loader
                global pkgutil
                loader = pkgutil.find_loader
                import importlib as pkgutil
            return loader
    """,
    "conditional imports give several meanings": """
        try:
            from importlib.abc import Finder
        except ImportError:
            from importlib.abc import MetaPathFinder as Finder
        if Finder:
            import zipimport as z
        else:
            z = None
        z.zipimporter(Finder)
    """,
    "calls, subscripts, lambdas and walruses in attribute chains": """
        import pkgutil
        pkgutil.get_loader('x').load_module('x')
        (pkgutil).ImpImporter
        [pkgutil][0].ImpLoader
        f = lambda pkgutil=pkgutil: pkgutil.find_loader
        if (g := pkgutil.get_loader): g.find_module
        {k: pkgutil.ImpLoader for k in pkgutil.ImpImporter}
    """,
    "decorators and defaults see the enclosing scope": """
        import functools
        def deco(f): return f
        class Loader:
            @deco
            def deco(self, x=deco): return deco
            @functools.wraps(deco)
            def load_module(self, name: functools.partial = functools) -> deco: ...
    """,
}


def _resolved(names: object) -> set[QualifiedName]:
    """libcst keeps some qualified names as lazy values until asked."""
    found = names() if callable(names) else names
    assert isinstance(found, set)
    return found


def _libcst_names(code: str) -> dict[tuple[str, int, int, int, int], set[str]]:
    wrapper = MetadataWrapper(cst.parse_module(code))
    positions = wrapper.resolve(PositionProvider)
    found: dict[tuple[str, int, int, int, int], list[set[str]]] = {}
    for node, names in wrapper.resolve(QualifiedNameProvider).items():
        if isinstance(node, (cst.Name, cst.Attribute, cst.Call)) and node in positions:
            span = positions[node]
            start, end = span.start, span.end
            key = (type(node).__name__, start.line, start.column, end.line, end.column)
            found.setdefault(key, []).append({name.name for name in _resolved(names)})
    # Nodes of the same kind at the same place (parentheses) are not compared.
    return {key: names[0] for key, names in found.items() if len(names) == 1}


@pytest.mark.parametrize("shape", SCOPE_SHAPES)
def test_scope_model_gives_libcsts_qualified_names(shape: str) -> None:
    code = textwrap.dedent(SCOPE_SHAPES[shape])
    tree = ast.parse(code)
    scopes = Scopes(tree)
    theirs = _libcst_names(code)
    compared = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call)):
            key = (
                type(node).__name__,
                node.lineno,
                node.col_offset,
                node.end_lineno or 0,
                node.end_col_offset or 0,
            )
            if key in theirs:
                assert scopes.qualified_names(node) == theirs[key], (key, shape)
                compared += 1
    assert compared > 5


def _files_with_report_only_rules(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            data = path.read_bytes()
            if any(runs_on_ast(rule) for rule in before_libcst(data, str(path), ALL_RULES).rules):
                yield path


FIXTURES = list(_files_with_report_only_rules(ROOT / "fixtures"))


def test_fixtures_with_report_only_rules_are_there() -> None:
    assert len(FIXTURES) > 20


@NEEDS_310
@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: str(path.relative_to(ROOT)))
def test_ast_path_gives_libcsts_outcome_on_fixtures(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    expected = outcome_on_libcst(data, str(path), monkeypatch)
    outcome = run_with_large_stack(lambda: rewrite_source(data, str(path)))
    assert (outcome.findings, outcome.rewritten, outcome.error) == (
        expected.findings,
        expected.rewritten,
        expected.error,
    )


@NEEDS_310
@pytest.mark.corpus
def test_ast_path_gives_libcsts_outcome_on_the_corpora(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    for path in _files_with_report_only_rules(ROOT / "tests" / "data"):
        data = path.read_bytes()
        expected = outcome_on_libcst(data, str(path), monkeypatch)
        outcome = run_with_large_stack(functools.partial(rewrite_source, data, str(path)))
        assert (outcome.findings, outcome.rewritten, outcome.error) == (
            expected.findings,
            expected.rewritten,
            expected.error,
        ), path
        compared += 1
    assert compared > 20


REPORTED_ONLY = b"""\
import pkgutil
from importlib.abc import Finder

class Plugins:
    def module_repr(self, module):
        return repr(module)

def locate(name, path):
    finder = pkgutil.ImpImporter(path)
    return finder.find_module(name), pkgutil.get_loader(name), Finder
"""


@NEEDS_310
def test_file_only_report_only_rules_apply_to_is_never_parsed_by_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = "plugins.py"
    assert rules_to_parse(REPORTED_ONLY, path) == []
    with monkeypatch.context() as patch:

        def no_libcst(*args: object) -> None:
            raise AssertionError("libcst parsed the file")

        patch.setattr(source.cst, "parse_module", no_libcst)
        outcome = rewrite_source(REPORTED_ONLY, path)
    expected = outcome_on_libcst(REPORTED_ONLY, path, monkeypatch)
    assert outcome.findings == expected.findings
    assert {finding.rule for finding in outcome.findings} == {
        "LM011",
        "LM012",
        "LM013",
        "LM015",
        "LM016",
    }


@NEEDS_310
@pytest.mark.parametrize(
    "why, data",
    [
        ("a skip comment", REPORTED_ONLY + b"x = 1  # loadermig: skip\n"),
        ("its own parentheses", b"import pkgutil\nf = (pkgutil.get_loader)\n"),
        ("a match statement", REPORTED_ONLY + b"match x:\n    case _: pass\n"),
        ("a class named like the module", REPORTED_ONLY + b"class pkgutil: pass\n"),
    ],
)
def test_what_the_ast_path_is_not_sure_of_goes_to_libcst(
    why: str, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    screened = before_libcst(data, "f.py", ALL_RULES)
    found_on_ast, left = decided_on_ast(screened, data, "f.py")
    assert found_on_ast == [] and left == screened.rules != []
    outcome = rewrite_source(data, "f.py")
    assert outcome.findings and outcome.findings == (
        outcome_on_libcst(data, "f.py", monkeypatch).findings
    )


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="the ast path runs from 3.10")
def test_before_python_310_every_rule_runs_on_libcst() -> None:
    assert rules_to_parse(REPORTED_ONLY, "plugins.py") != []


def test_findings_of_the_ast_path_are_seen_by_the_rules_on_libcst() -> None:
    """A file that also needs libcst keeps the ``ast`` findings beside the libcst ones."""
    data = REPORTED_ONLY + b"\nclass Finder2:\n    def find_module(self, name, path=None):\n"
    data += b"        return None\n"
    outcome = rewrite_source(data, "plugins.py")
    assert {"LM006", "LM011", "LM015"} <= {finding.rule for finding in outcome.findings}
    assert prefilter.rules_to_parse(data, "plugins.py")
