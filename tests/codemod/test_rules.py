"""The rules together: the registry, every rule's documented example, the audit's table,
and what several rules share (prefilters, the report-only rules' version facts, which rule
reports what).

Every "removed in" / "scheduled for removal in" a report-only finding states comes from a
``Legacy`` entry whose ``where`` attributes are checked on the running interpreter (present
exactly before that release); the per-rule modules check the "deprecated since" / "warn
since" claims against the warnings the interpreter gives. Run on every CPython 3.9-3.13, this
is the evidence for the messages.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

import pytest

from loadermig import audit
from loadermig.codemod.prefilter import applicable_rules
from loadermig.codemod.rules import ALL_RULES, FALLBACK_RULES, Rule, rule_by_id
from loadermig.codemod.rules._exec_module_conversion import ExecModuleConversion
from loadermig.codemod.rules._finders import FinderRule
from loadermig.codemod.rules._report_only import Legacy
from loadermig.codemod.rules._sourceloader_conversion import LegacyBaseRule
from loadermig.codemod.rules.lm002_pyloader import PyLoaderRule
from loadermig.codemod.rules.lm003_pypycloader import PyPycLoaderRule
from loadermig.codemod.rules.lm015_module_repr import MODULE_REPR
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES
from .rule_support import (
    REPORT_ONLY,
    REPORT_ONLY_IDS,
    VERSION,
    case_id,
    findings,
    rewrite,
    rule_ids,
)

#: Every rule and fallback step, as ``loadermig rules`` documents them.
DOCUMENTED = [*ALL_RULES, *(rule for steps in FALLBACK_RULES.values() for rule in steps)]

# -- registration and documentation ---------------------------------------------------------


def test_rules_are_registered_in_id_order() -> None:
    ids = [rule.ID for rule in ALL_RULES]
    assert ids == sorted(ids)
    assert set(REPORT_ONLY_IDS) <= set(ids)


@pytest.mark.parametrize("rule", DOCUMENTED, ids=lambda rule: rule.ID)
def test_documentation_is_what_the_rule_does(rule: type[Rule]) -> None:
    """The BEFORE -> AFTER pair ``loadermig rules`` shows is what the rule alone makes of
    BEFORE, byte for byte; a rule that changes no code leaves BEFORE as it is and reports it."""
    assert rule.TITLE and rule.TRIGGERS and rule.BEFORE and rule.AFTER
    assert rule.TITLE != "placeholder"
    assert rule.REWRITES is (rule.ID not in REPORT_ONLY_IDS)
    assert any(word in rule.BEFORE.encode() for word in rule.TRIGGERS)
    assert applicable_rules(rule.BEFORE.encode(), [rule]) == [rule]
    outcome = rewrite_source(rule.BEFORE.encode(), "example.py", [rule])
    assert outcome.error is None
    assert outcome.findings and all(f.rule == rule.ID for f in outcome.findings)
    if rule.changes_code():
        assert outcome.rewritten is not None
        assert outcome.rewritten.decode() == rule.AFTER
        assert all(f.fixed for f in outcome.findings)
    else:
        assert outcome.rewritten is None
        assert rule.AFTER.startswith("(unchanged")
        assert not any(f.fixed for f in outcome.findings)
        assert all("Python 3." in f.message for f in outcome.findings), (
            "every finding names the Python release"
        )


# -- the audit's table ------------------------------------------------------------------------


def test_the_audit_names_every_rule_that_rewrites_a_hook_class() -> None:
    """``loadermig audit`` points each kind of live legacy hook at the rule that rewrites it:
    exactly the registered rules built to rewrite a loader or finder class (a legacy base, a
    ``load_module`` turned into ``exec_module``, a ``find_spec`` added)."""
    hook_rules = [
        rule
        for rule in ALL_RULES
        if issubclass(rule, (LegacyBaseRule, ExecModuleConversion, FinderRule))
    ]
    assert {rule_id for rule_id, _ in audit.RULES.values()} == {rule.ID for rule in hook_rules}
    for rule in hook_rules:
        if issubclass(rule, LegacyBaseRule):  # the kind is the legacy base's name
            assert audit.RULES[rule.LEGACY][0] == rule.ID
    for kind, (rule_id, _) in audit.RULES.items():
        assert rule_by_id(rule_id).changes_code(), kind
        assert f"`loadermig rules {rule_id}`" in audit.DETAILS[kind]


# -- rules that share trigger words -----------------------------------------------------------


def test_both_rules_leave_a_file_alone_that_only_mentions_them() -> None:
    source = b"# PyLoader and PyPycLoader were removed in 3.4\nx = 'PyPycLoader'\n"
    outcome = rewrite_source(source, "notes.py", [PyLoaderRule, PyPycLoaderRule])
    assert outcome.parsed and outcome.rewritten is None and outcome.findings == []


#: Spellings of an import of imp: LM009 and LM010 both apply to a file with any of them
#: (LM009 where ``new_module`` is written too).
IMPORTS = [
    "import imp",
    "import imp as i",
    "import os, imp",
    "import os,imp",
    "import os, imp as i",
    "import imp, os",
    "import imp;import os",
    "import\timp",
    "from imp import new_module",
    "from imp import (reload)",
    "from  imp  import reload",
    "if True: import imp\n",
]


@pytest.mark.parametrize("statement", IMPORTS)
def test_every_import_spelling_triggers(statement: str) -> None:
    rules = [rule_by_id("LM009"), rule_by_id("LM010")]
    assert applicable_rules(f"{statement}\nm = new_module('m')\n".encode(), rules) == rules
    without_new_module = rules if "new_module" in statement else rules[1:]
    data = f"{statement}\nimp.reload(m)\n".encode()
    assert applicable_rules(data, rules) == without_new_module


def test_files_without_an_imp_import_are_not_parsed() -> None:
    data = b"import importlib\nfrom importlib import util\nimport important, simple\n\timport x\n"
    assert applicable_rules(data, [rule_by_id("LM009"), rule_by_id("LM010")]) == []


def test_names_in_strings_comments_and_own_modules_stay() -> None:
    source = (
        "from . import imp\n"
        "import mypkg.imp as imp2\n"
        "# imp.reload(x), imp.new_module(y)\n"
        "TEXT = 'import imp; imp.new_module(y)'\n"
        "imp.reload(imp2)\n"
        "imp.new_module('x')\n"
    )
    assert rewrite(source) == (source, [])


# -- the report-only rules find the same on the file as read, whatever else runs --------


def cases_with_report_only_triggers() -> list[Path]:
    """The fixtures in which a report-only rule's trigger words occur."""
    cases = sorted((FIXTURES / "codemod").glob("LM*/*.py"))
    return [case for case in cases if applicable_rules(case.read_bytes(), REPORT_ONLY)]


@pytest.mark.parametrize("case", cases_with_report_only_triggers(), ids=case_id)
def test_alone_they_find_what_the_whole_run_finds(case: Path) -> None:
    """The engine runs them first on the file as read; running them alone is the same."""
    data = case.read_bytes()
    alone = rewrite_source(data, case.name, REPORT_ONLY)
    assert alone.error is None
    assert alone.rewritten is None or alone.rewritten == data
    whole = rewrite_source(data, case.name)
    theirs = [f for f in whole.findings if f.rule in REPORT_ONLY_IDS]
    assert alone.findings == theirs


# -- the version facts, on the running interpreter ------------------------------------------


def _facts() -> list[Legacy]:
    found: dict[str, Legacy] = {}
    for rule in REPORT_ONLY:
        for table in ("APIS", "METHODS"):
            for legacy in getattr(rule, table, {}).values():
                found[legacy.name] = legacy
    found[MODULE_REPR.name] = MODULE_REPR
    return list(found.values())


FACTS = [(legacy, where) for legacy in _facts() for where in legacy.where]


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def _exists(dotted: str) -> bool:
    """Whether the dotted name (module, then attributes) exists on this interpreter."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        break
    else:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # importlib.abc's moved ABCs warn
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
    return True


@pytest.mark.parametrize("legacy, where", FACTS, ids=[where for _, where in FACTS])
def test_present_exactly_before_the_release_that_removes_it(legacy: Legacy, where: str) -> None:
    removed = _version(legacy.removed)
    assert _exists(where) is (removed > VERSION)


def test_every_fact_is_checked_somewhere() -> None:
    assert all(legacy.where for legacy in _facts())
    assert {legacy.removed for legacy in _facts()} == {"3.12", "3.14", "3.15"}


def test_files_without_the_words_are_not_parsed() -> None:
    data = (
        b"import importlib.abc, importlib.machinery, importlib.util, pkgutil\n"
        b"from importlib.abc import MetaPathFinder, PathEntryFinder, Loader\n"
        b"class PathFinder(importlib.machinery.PathFinder): pass\n"
        b"spec = importlib.util.find_spec('x')\n"
        b"spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        b"pkgutil.iter_modules(), pkgutil.get_importer('.')\n"
    )
    assert applicable_rules(data, REPORT_ONLY) == []


# -- what the other rules report is not reported again ----------------------------------------


def test_finder_definitions_are_lm006s_and_lm007s() -> None:
    source = (
        "class Meta:\n"
        "    def find_module(self, fullname, path=None):\n"
        "        return None\n"
        "\n"
        "\n"
        "class Entry:\n"
        "    def find_loader(self, fullname):\n"
        "        return None, []\n"
        "\n"
        "    def find_module(self, fullname):\n"
        "        return self.find_loader(fullname)[0]\n"
    )
    assert {rule for _, rule in rule_ids(findings(source))} == {"LM006", "LM007"}


def test_what_lm006_and_lm007_add_is_clean_on_the_next_scan() -> None:
    for rule_id in ("LM006", "LM007"):
        rule = rule_by_id(rule_id)
        outcome = rewrite_source(rule.BEFORE.encode(), "case.py")
        assert outcome.rewritten is not None
        again = rewrite_source(outcome.rewritten, "case.py", REPORT_ONLY)
        assert again.findings == [], rule_id


def test_a_load_module_of_this_file_is_lm008s() -> None:
    source = (
        "import sys, types\n"
        "\n"
        "\n"
        "class Loader(object):\n"
        "    def load_module(self, fullname):\n"
        "        return sys.modules.setdefault(fullname, types.ModuleType(fullname))\n"
        "\n"
        "    def reload(self, fullname):\n"
        "        return self.load_module(fullname)\n"
        "\n"
        "\n"
        "def load(name):\n"
        "    loader = Loader()\n"
        "    return loader.load_module(name), Loader().load_module(name)\n"
    )
    assert {rule for _, rule in rule_ids(findings(source))} == {"LM008"}


def test_load_module_calls_in_pyloader_subclasses_are_lm002s() -> None:
    source = (
        "from importlib.abc import PyLoader\n"
        "\n"
        "\n"
        "class Stamping(PyLoader):\n"
        "    def source_path(self, fullname):\n"
        "        return self.paths.get(fullname)\n"
        "\n"
        "    def reload(self, fullname):\n"
        "        return super().load_module(fullname)\n"
        "\n"
        "\n"
        "class Again(Stamping):\n"
        "    def twice(self, fullname):\n"
        "        return self.load_module(fullname)\n"
        "\n"
        "\n"
        "def outside(loader, name):\n"
        "    return loader.load_module(name)\n"
    )
    found = rule_ids(findings(source))
    assert (9, "LM002") in found and (14, "LM002") in found
    assert [line for line, rule in found if rule == "LM014"] == [18]


def test_imp_functions_are_lm010s() -> None:
    source = "import imp\n\nfound = imp.find_module('x')\nmodule = imp.load_module('x', *found)\n"
    assert {rule for _, rule in rule_ids(findings(source))} == {"LM010"}
