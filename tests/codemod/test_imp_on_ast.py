"""LM010 decided on ``ast`` where it only reports (``rules/_imp_on_ast.py``): the findings
must be libcst's, to the column; where the ``ast`` path cannot be sure, or LM010 may rewrite,
the file goes to libcst."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from loadermig.codemod import source
from loadermig.codemod.prefilter import before_libcst, rules_to_parse
from loadermig.codemod.rules import ALL_RULES, rule_by_id
from loadermig.codemod.source import rewrite_source

from ..conftest import ROOT
from .rule_support import (
    NEEDS_310,
    assert_same_outcome,
    compare_alone_on_corpora,
    files_the_rule_applies_to,
    outcome_of,
    outcome_on_libcst,
)

LM010 = rule_by_id("LM010")

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


@NEEDS_310
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPES)
def test_lm010_on_ast_gives_libcsts_findings(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = SHAPES[shape]
    outcome = outcome_of(data, "t.py")
    expected = outcome_on_libcst(data, "t.py", monkeypatch)
    assert_same_outcome(outcome, expected)
    if shape in TO_LIBCST:
        assert outcome.parsed
    elif shape in DECIDED_ON_AST:
        assert not outcome.parsed


def test_a_call_lm010_may_rewrite_goes_to_libcst() -> None:
    data = b"import imp\nimp.find_module('x')\nimp.reload(plugin)\n"
    assert [rule for rule in rules_to_parse(data, "t.py") if rule.REWRITES] == [LM010]
    assert rewrite_source(data, "t.py").rewritten is not None


@NEEDS_310
def test_a_file_lm010_only_reports_on_is_never_parsed_by_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = SHAPES["cffi-ish"]
    expected = outcome_on_libcst(data, "verifier.py", monkeypatch)

    def no_libcst(*args: object) -> None:
        raise AssertionError("libcst parsed the file")

    monkeypatch.setattr(source.cst, "parse_module", no_libcst)
    outcome = rewrite_source(data, "verifier.py")
    assert outcome.findings == expected.findings and len(outcome.findings) == 2


@pytest.mark.skipif(sys.version_info >= (3, 10), reason="the ast path runs from 3.10")
def test_before_python_310_lm010_runs_on_libcst() -> None:
    assert rules_to_parse(SHAPES["cffi-ish"], "verifier.py") == [LM010]


@NEEDS_310
@pytest.mark.parametrize(
    "path",
    list(files_the_rule_applies_to(LM010, ROOT / "fixtures")),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_lm010_on_ast_gives_libcsts_outcome_on_fixtures(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    expected = outcome_on_libcst(data, str(path), monkeypatch)
    outcome = outcome_of(data, str(path))
    assert_same_outcome(outcome, expected)


@NEEDS_310
@pytest.mark.corpus
def test_lm010_on_ast_gives_libcsts_outcome_on_the_corpora(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The corpus files are hook files, where other rules apply too: LM010 is run alone.
    compared, on_ast = compare_alone_on_corpora(LM010, monkeypatch)
    assert compared > 20 and on_ast > 5


#: distlib's wheel.py: imp at module level, and a finder-loader LM006 and LM008 convert.
_MOUNTER = (
    "import sys\n"
    "if sys.version_info[0] < 3:\n"
    "    import imp\n"
    "else:\n"
    "    imp = None\n"
    "    import importlib.machinery\n"
    "\n"
    "def _get_suffixes():\n"
    "    if imp:\n"
    "        return [s[0] for s in imp.get_suffixes()]\n"
    "    return importlib.machinery.EXTENSION_SUFFIXES\n"
    "\n"
    "class Mounter(object):\n"
    "    def __init__(self):\n"
    "        self.libs = {}\n"
    "\n"
    "    def find_module(self, fullname, path=None):\n"
    "        if fullname in self.libs:\n"
    "            return self\n"
    "\n"
    "    def load_module(self, fullname):\n"
    "        if fullname in sys.modules:\n"
    "            return sys.modules[fullname]\n"
    "        result = _load_dynamic(fullname, self.libs[fullname])\n"
    "        result.__loader__ = self\n"
    "        return result\n"
)


@NEEDS_310
@pytest.mark.parametrize(
    ("shape", "on_ast"),
    [
        (_MOUNTER, True),
        (_MOUNTER + "    def imp_suffixes(self):\n        return imp.get_suffixes()\n", False),
        (_MOUNTER + "    import imp\n", False),
    ],
    ids=["imp outside classes", "imp used in a class", "imp imported in a class"],
)
def test_lm010_beside_rules_that_edit_classes(
    shape: str, on_ast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LM006 and LM008 edit the class; LM010's findings outside it are the same before and
    # after, so they are made on ast while libcst runs the other two.
    data = shape.encode()
    ids = [rule.ID for rule in rules_to_parse(data, "wheel.py")]
    assert ids == (["LM006", "LM008"] if on_ast else ["LM006", "LM008", "LM010"])
    outcome = outcome_of(data, "wheel.py")
    assert outcome.rewritten is not None and "LM010" in {f.rule for f in outcome.findings}
    assert_same_outcome(outcome, outcome_on_libcst(data, "wheel.py", monkeypatch))


@NEEDS_310
@pytest.mark.corpus
def test_lm010_beside_class_edits_gives_libcsts_outcome_on_the_corpora(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class_editors = {"LM006", "LM007", "LM008"}
    compared = on_ast = 0
    for path in files_the_rule_applies_to(LM010, ROOT / "tests" / "data"):
        data = path.read_bytes()
        rules = {rule.ID for rule in before_libcst(data, str(path), ALL_RULES).rules}
        others = {rule for rule in rules if rule < "LM011"} - {"LM010"}
        if not others or not others <= class_editors:
            continue
        outcome = outcome_of(data, str(path))
        assert_same_outcome(outcome, outcome_on_libcst(data, str(path), monkeypatch))
        compared += 1
        on_ast += "LM010" not in {rule.ID for rule in rules_to_parse(data, str(path))}
    assert compared > 10 and on_ast >= 3
