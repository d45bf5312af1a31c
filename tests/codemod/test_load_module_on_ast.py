"""LM008 decided on ``ast`` where its answer is plain (``rules/_load_module_on_ast.py``):
loaders that already define ``exec_module``, as six's and setuptools' vendoring importers
do. The findings must be libcst's, to the column; every other shape goes to libcst."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadermig.codemod import source
from loadermig.codemod.prefilter import rules_to_parse
from loadermig.codemod.rules import rule_by_id

from ..conftest import ROOT
from .rule_support import (
    NEEDS_310,
    assert_same_outcome,
    compare_alone_on_corpora,
    files_the_rule_applies_to,
    outcome_of,
    outcome_on_libcst,
)

LM008 = rule_by_id("LM008")

_SIX = (
    "class _SixMetaPathImporter(object):\n"
    "    def find_spec(self, fullname, path, target=None):\n"
    "        return None\n"
    "\n"
    "    def load_module(self, fullname):\n"
    "        try:\n"
    "            return sys.modules[fullname]\n"
    "        except KeyError:\n"
    "            pass\n"
    "        mod = self.__get_module(fullname)\n"
    "        sys.modules[fullname] = mod\n"
    "        return mod\n"
    "\n"
    "    def create_module(self, spec):\n"
    "        return self.load_module(spec.name)\n"
    "\n"
    "    def exec_module(self, module):\n"
    "        pass\n"
)

#: Files where LM008 is the one rule that rewrites left, and what the ast path makes of them.
DECIDED_ON_AST = {
    "six's importer": "import sys\n\n" + _SIX,
    "setuptools' VendorImporter": (
        "import sys\n\n\nclass VendorImporter:\n"
        "    def load_module(self, fullname):\n"
        "        root, base, target = fullname.partition(self.root_name + '.')\n"
        "        __import__(target)\n"
        "        mod = sys.modules[target]\n"
        "        sys.modules[fullname] = mod\n"
        "        return mod  # the vendored module\n"
        "\n"
        "    # PEP 451\n"
        "    async def exec_module(self, module):\n"
        "        pass\n"
    ),
    "two of them, and a function of that name": (
        "import sys\n\n"
        + _SIX
        + _SIX.replace("_SixMetaPathImporter", "Other")
        + "\ndef load_module(name):\n    return None\n"
    ),
    "nested in a function": "import sys\n\ndef make():\n"
    + "".join("    " + line + "\n" for line in _SIX.splitlines()),
}
TO_LIBCST = {
    "exec_module hands off to load_module": _SIX.replace(
        "    def exec_module(self, module):\n        pass\n",
        "    def exec_module(self, module):\n        self.load_module(module.__name__)\n",
    ),
    "load_module built on exec_module": _SIX.replace(
        "        return mod\n", "        self.exec_module(mod)\n        return mod\n", 1
    ),
    "decorated": _SIX.replace("    def load_module", "    @check\n    def load_module"),
    "another signature": _SIX.replace(
        "load_module(self, fullname)", "load_module(self, name=None)"
    ),
    "a removed decorator named": "# set_loader was removed in 3.12\n" + _SIX,
    "no exec_module: converted": _SIX.replace(
        "    def exec_module(self, module):\n        pass\n", ""
    ),
}


@NEEDS_310
@pytest.mark.parametrize("shape", DECIDED_ON_AST, ids=DECIDED_ON_AST)
def test_plain_kept_loaders_are_decided_on_ast_as_libcst_decides_them(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = DECIDED_ON_AST[shape].encode()
    assert rules_to_parse(data, "hook.py") == []
    outcome = outcome_of(data, "hook.py")
    assert_same_outcome(outcome, outcome_on_libcst(data, "hook.py", monkeypatch))
    assert not outcome.parsed
    assert {finding.reason for finding in outcome.findings} == {"has-exec-module"}


@pytest.mark.parametrize("shape", TO_LIBCST, ids=TO_LIBCST)
def test_other_load_modules_go_to_libcst(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = TO_LIBCST[shape].encode()
    assert [rule for rule in rules_to_parse(data, "hook.py") if rule.REWRITES] == [LM008]
    outcome = outcome_of(data, "hook.py")
    assert outcome.parsed
    assert_same_outcome(outcome, outcome_on_libcst(data, "hook.py", monkeypatch))


@NEEDS_310
def test_a_file_of_kept_loaders_is_never_parsed_by_libcst(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DECIDED_ON_AST["six's importer"].encode()
    expected = outcome_on_libcst(data, "six.py", monkeypatch)

    def no_libcst(*args: object) -> None:
        raise AssertionError("libcst parsed the file")

    monkeypatch.setattr(source.cst, "parse_module", no_libcst)
    assert outcome_of(data, "six.py").findings == expected.findings


@NEEDS_310
@pytest.mark.parametrize(
    "path",
    files_the_rule_applies_to(LM008, ROOT / "fixtures"),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_lm008_on_ast_gives_libcsts_outcome_on_fixtures(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    assert_same_outcome(
        outcome_of(data, str(path)), outcome_on_libcst(data, str(path), monkeypatch)
    )


@NEEDS_310
@pytest.mark.corpus
def test_lm008_on_ast_gives_libcsts_outcome_on_the_corpora(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The corpus files are hook files, where other rules apply too: LM008 is run alone. Their
    # loaders are ones LM008 converts or keeps for other reasons: the ast path must see that
    # it cannot decide them (six's and setuptools' importers are in lib/, not here).
    compared, _ = compare_alone_on_corpora(LM008, monkeypatch)
    assert compared > 20
