"""LM010 decided on ``ast`` where it only reports (``rules/_imp_on_ast.py``): the findings
must be libcst's, to the column; where the ``ast`` path cannot be sure, or LM010 may rewrite,
the file goes to libcst."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from loadermig.codemod import source
from loadermig.codemod.nesting import run_with_large_stack
from loadermig.codemod.prefilter import before_libcst, rules_to_parse
from loadermig.codemod.rules import ALL_RULES, Rule, rule_by_id
from loadermig.codemod.source import SourceOutcome, rewrite_source

from ..conftest import ROOT

LM010 = rule_by_id("LM010")
NEEDS_310 = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="the ast path needs Python 3.10 (alias positions)"
)

#: Files where LM010 is the one rule that rewrites left: name shapes where libcst's scope
#: model is easy to get wrong, and imports whose code a finding quotes.
SHAPES = {
    "except as": (
        b"import imp\ntry:\n    pass\nexcept ImportError as imp:\n    pass\nimp.find_module('x')\n"
    ),
    "for target": b"import imp\nfor imp in []:\n    pass\nimp.get_suffixes()\n",
    "global": b"def f():\n    global imp\n    import imp\n    return imp.find_module('x')\n",
    "global unused": b"def f():\n    global imp\n    import imp\n\nimp.load_source('a', 'b')\n",
    "def named imp": b"import imp\ndef imp():\n    pass\nimp.find_module\n",
    "class named imp": b"import imp\nclass imp:\n    pass\n",
    "lambda param": b"import imp\nf = lambda imp: imp.find_module\nimp.C_EXTENSION\n",
    "string annotation": b"import imp\nx: 'imp.NullImporter' = None\n",
    "comprehension": b"import imp\n[imp.find_module(m) for m in ms]\n[imp for imp in x]\n",
    "space before comma": b"import imp , os\n",
    "comment after comma": b"from imp import (find_module,  # the finder\n    load_module)\n",
    "comment line": b"from imp import (find_module,\n    # x\n    load_module)\n",
    "trailing comma": b"from imp import (find_module,\n)\n",
    "as alias": b"import imp as _imp\nfrom imp import find_module as fm\nfm('x')\n",
    "dotted import": b"import imp.x\nimp.find_module\n",
    "nested import": b"def f():\n    import imp\n    return imp.load_module\n",
    "walrus": b"import imp\nif (imp := 3):\n    pass\nimp.get_suffixes\n",
    "del": b"import imp\ndel imp\n",
    "parens": b"import imp\n(imp).find_module\n(imp.find_module)('x')\n",
    "new_module use": b"import imp\nimp.new_module\nimp.find_module\n",
    "attribute of call": b"import imp\nimp.find_module('x')[0]\nimp.load_source('a','b').x\n",
    "keyword": b"import imp\nf(imp=imp.PY_SOURCE)\n",
    "decorator": b"import imp\n@imp.something\ndef f(): pass\n",
    "fstring": b"import imp\nf'{imp.get_suffixes()}'\n",
    "match": b"import imp\nmatch x:\n    case imp.C_BUILTIN: pass\n",
    "type alias": b"import imp\nclass A[T]: pass\nimp.find_module\n",
    "cffi-ish": (  # cffi's verifier.py
        b"import sys, os, binascii, shutil, io\n"
        b"from . import __version_verifier_modules__\n"
        b"from . import ffiplatform\n"
        b"from .error import VerificationError\n"
        b"\n"
        b"if sys.version_info >= (3, 3):\n"
        b"    import importlib.machinery\n"
        b"    def _extension_suffixes():\n"
        b"        return importlib.machinery.EXTENSION_SUFFIXES[:]\n"
        b"else:\n"
        b"    import imp\n"
        b"    def _extension_suffixes():\n"
        b"        return [suffix for suffix, _, type in imp.get_suffixes()\n"
        b"                if type == imp.C_EXTENSION]\n"
    ),
}
#: The shapes the ast path leaves to libcst, and why.
TO_LIBCST = {
    "space before comma": "libcst quotes the space before the comma",
    "comment after comma": "libcst quotes the comment after the comma",
    "comment line": "libcst quotes the comment line after the comma",
    "def named imp": "libcst reports a def's name, which ast holds as a string",
    "class named imp": "libcst reports a class's name, which ast holds as a string",
    "string annotation": "libcst reads names in string annotations",
    "parens": "libcst quotes an expression's own parentheses",
    "new_module use": "LM009 applies too",
    "match": "the scope model does not follow match statements",
    "type alias": "the scope model does not follow type parameters",
}


#: The shapes the ast path decides (on every Python from 3.10; f-strings only have
#: positions inside from 3.12).
DECIDED_ON_AST = set(SHAPES) - set(TO_LIBCST) - {"fstring"}


def _with_libcst_only(data: bytes, path: str, monkeypatch: pytest.MonkeyPatch) -> SourceOutcome:
    with monkeypatch.context() as patch:
        patch.setattr(source, "decided_on_ast", lambda screened, *_: ([], screened.rules))
        return run_with_large_stack(lambda: rewrite_source(data, path))


def _outcome(data: bytes, path: str, rules: Sequence[type[Rule]] = ALL_RULES) -> SourceOutcome:
    return run_with_large_stack(functools.partial(rewrite_source, data, path, rules))


@NEEDS_310
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPES)
def test_lm010_on_ast_gives_libcsts_findings(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = SHAPES[shape]
    outcome = _outcome(data, "t.py")
    expected = _with_libcst_only(data, "t.py", monkeypatch)
    assert (outcome.findings, outcome.rewritten, outcome.error) == (
        expected.findings,
        expected.rewritten,
        expected.error,
    )
    if shape in TO_LIBCST:
        assert outcome.parsed
    elif shape in DECIDED_ON_AST:
        assert not outcome.parsed


def test_a_call_lm010_may_rewrite_goes_to_libcst() -> None:
    data = b"import imp\nimp.find_module('x')\nimp.reload(plugin)\n"
    assert rules_to_parse(data, "t.py") == [LM010]
    assert rewrite_source(data, "t.py").rewritten is not None


@NEEDS_310
def test_a_file_lm010_only_reports_on_is_never_parsed_by_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = SHAPES["cffi-ish"]
    expected = _with_libcst_only(data, "verifier.py", monkeypatch)

    def no_libcst(*args: object) -> None:
        raise AssertionError("libcst parsed the file")

    monkeypatch.setattr(source.cst, "parse_module", no_libcst)
    outcome = rewrite_source(data, "verifier.py")
    assert outcome.findings == expected.findings and len(outcome.findings) == 2


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="the ast path runs from 3.10")
def test_before_python_310_lm010_runs_on_libcst() -> None:
    assert rules_to_parse(SHAPES["cffi-ish"], "verifier.py") == [LM010]


def _files_lm010_applies_to(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if LM010 in before_libcst(path.read_bytes(), str(path), ALL_RULES).rules:
                yield path


@NEEDS_310
@pytest.mark.parametrize(
    "path",
    list(_files_lm010_applies_to(ROOT / "fixtures")),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_lm010_on_ast_gives_libcsts_outcome_on_fixtures(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    expected = _with_libcst_only(data, str(path), monkeypatch)
    outcome = _outcome(data, str(path))
    assert (outcome.findings, outcome.rewritten, outcome.error) == (
        expected.findings,
        expected.rewritten,
        expected.error,
    )


#: LM010 with the rules that only report: where LM010 is alone among the rules that rewrite.
LM010_ALONE = [*(rule for rule in ALL_RULES if not rule.REWRITES), LM010]


@NEEDS_310
@pytest.mark.corpus
def test_lm010_on_ast_gives_libcsts_outcome_on_the_corpora(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The corpus files are hook files, where other rules apply too: LM010 is run alone.
    compared = on_ast = 0
    for path in _files_lm010_applies_to(ROOT / "tests" / "data"):
        data = path.read_bytes()
        with monkeypatch.context() as patch:
            patch.setattr(source, "decided_on_ast", lambda screened, *_: ([], screened.rules))
            expected = _outcome(data, str(path), LM010_ALONE)
        outcome = _outcome(data, str(path), LM010_ALONE)
        assert (outcome.findings, outcome.rewritten, outcome.error) == (
            expected.findings,
            expected.rewritten,
            expected.error,
        ), path
        compared += 1
        on_ast += not outcome.parsed
    assert compared > 20 and on_ast > 5
