"""LM011-LM016 (report only) beyond the fixture pairs: version facts, triggers, exclusions.

Every "removed in" / "scheduled for removal in" a finding states comes from a ``Legacy`` entry
whose ``where`` attributes are checked on the running interpreter (present exactly before that
release), and the "deprecated since" / "warn since" claims are checked against the warnings
the interpreter gives. Run on every CPython 3.9-3.13, this is the evidence for the messages.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import pkgutil
import subprocess
import sys
import types
import warnings
import zipfile
import zipimport
from functools import partial
from pathlib import Path
from typing import Any, Callable

import pytest

from loadermig.codemod.prefilter import applicable_rules
from loadermig.codemod.rules import ALL_RULES, Rule, rule_by_id
from loadermig.codemod.rules._report_only import Legacy
from loadermig.codemod.rules.lm015_module_repr import MODULE_REPR
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES

REPORT_ONLY_IDS = ["LM011", "LM012", "LM013", "LM014", "LM015", "LM016"]
REPORT_ONLY = [rule_by_id(rule_id) for rule_id in REPORT_ONLY_IDS]
VERSION = sys.version_info[:2]


def findings(source: str, rules: list[type[Rule]] | None = None) -> list[str]:
    """The rendered findings (``line:col: LMnnn message [state]``) for ``source``."""
    outcome = rewrite_source(source.encode(), "case.py", *([rules] if rules else []))
    assert outcome.error is None
    return [f.render().split(":", 1)[1] for f in outcome.findings]


def rule_ids(found: list[str]) -> list[tuple[int, str]]:
    """``(line, rule ID)`` of each rendered finding."""
    return [(int(f.split(":", 1)[0]), f.split()[1]) for f in found]


# -- registration and documentation ---------------------------------------------------------


def test_rules_are_registered_in_id_order() -> None:
    ids = [rule.ID for rule in ALL_RULES]
    assert ids == sorted(ids)
    assert set(REPORT_ONLY_IDS) <= set(ids)


@pytest.mark.parametrize("rule", REPORT_ONLY, ids=lambda rule: rule.ID)
def test_documentation_is_what_the_rule_does(rule: type[Rule]) -> None:
    assert rule.REWRITES is False
    assert rule.TITLE and rule.TRIGGERS and rule.BEFORE and rule.AFTER.startswith("(unchanged")
    assert applicable_rules(rule.BEFORE.encode(), [rule]) == [rule]
    found = findings(rule.BEFORE, [rule])
    assert found and all(f" {rule.ID} " in f and f.endswith("[manual]") for f in found)
    assert all("Python 3." in f for f in found), "every finding names the Python release"


# -- they find the same on the file as read, whatever else runs -----------------------------


def _cases_with_triggers() -> list[Path]:
    cases = sorted((FIXTURES / "codemod").glob("LM*/*.py"))
    return [case for case in cases if applicable_rules(case.read_bytes(), REPORT_ONLY)]


@pytest.mark.parametrize("case", _cases_with_triggers(), ids=lambda p: f"{p.parent.name}/{p.name}")
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


def _warns(call: Callable[[], object]) -> list[str]:
    """The DeprecationWarning messages ``call`` gives (its errors ignored)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(Exception):
            call()
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


def _zip(tmp_path: Path) -> str:
    archive = tmp_path / "lm_archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lm_zipped.py", "X = 1\n")
    return str(archive)


def _source(tmp_path: Path) -> str:
    path = tmp_path / "lm_loaded.py"
    path.write_text("X = 1\n", encoding="utf-8")
    return str(path)


@pytest.mark.skipif(VERSION < (3, 10), reason="the warnings came with 3.10")
def test_the_standard_loaders_warn_on_load_module_since_3_10(tmp_path: Path) -> None:
    """LM014: "they all warn since 3.10" (and still have load_module before 3.15)."""

    class Loader(importlib.abc.Loader):
        def exec_module(self, module: types.ModuleType) -> None:
            """Nothing to run."""

    source = importlib.machinery.SourceFileLoader("lm_loaded", _source(tmp_path))
    calls = {
        "importlib.abc.Loader": lambda: Loader().load_module("lm_abc_loaded"),
        "SourceFileLoader": lambda: source.load_module(),
        "zipimporter": lambda: zipimport.zipimporter(_zip(tmp_path)).load_module("lm_zipped"),
    }
    for name, call in calls.items():
        assert any("load_module" in m for m in _warns(call)), name


@pytest.mark.skipif(not (3, 10) <= VERSION < (3, 12), reason="warned from 3.10, gone in 3.12")
def test_the_standard_finders_warn_on_find_module_and_find_loader(tmp_path: Path) -> None:
    """LM013: "they all warn since 3.10" (until 3.12 removed them)."""
    archive = zipimport.zipimporter(_zip(tmp_path))
    file_finder = importlib.machinery.FileFinder(str(tmp_path))
    calls: list[Callable[[], object]] = [
        lambda: archive.find_module("lm_zipped"),
        lambda: archive.find_loader("lm_zipped"),
        lambda: file_finder.find_module("lm_loaded"),
        lambda: file_finder.find_loader("lm_loaded"),
        lambda: importlib.machinery.PathFinder.find_module("json"),  # type: ignore[attr-defined]
        lambda: importlib.machinery.BuiltinImporter.find_module("sys"),  # type: ignore[attr-defined]
    ]
    for call in calls:
        assert _warns(call)


@pytest.mark.skipif(VERSION >= (3, 12), reason="removed in 3.12")
def test_importlib_find_loader_says_deprecated_since_3_4() -> None:
    messages = _warns(lambda: importlib.find_loader("json"))  # type: ignore[attr-defined]
    assert any("3.4" in m for m in messages)


@pytest.mark.skipif(not (3, 12) <= VERSION < (3, 14), reason="warned in 3.12 and 3.13")
def test_pkgutil_loader_functions_warn_from_3_12_until_3_14() -> None:
    for function in (pkgutil.find_loader, pkgutil.get_loader):
        assert any("3.14" in m for m in _warns(partial(function, "json"))), function


@pytest.mark.skipif(not (3, 12) <= VERSION < (3, 14), reason="warned in 3.12 and 3.13")
@pytest.mark.parametrize("name", ["ResourceReader", "Traversable", "TraversableResources"])
def test_moved_resource_abcs_warn_from_3_12_until_3_14(name: str) -> None:
    # A fresh interpreter: importlib.abc warns on the first access only (it caches the name).
    code = f"import importlib.abc; importlib.abc.{name}"
    done = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "removal in Python 3.14" in done.stderr


@pytest.mark.skipif(not (3, 11) <= VERSION < (3, 14), reason="both names exist in 3.11-3.13")
def test_moved_resource_abcs_are_the_same_classes() -> None:
    import importlib.resources.abc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name in ("ResourceReader", "Traversable", "TraversableResources"):
            assert getattr(importlib.abc, name) is getattr(importlib.resources.abc, name)


@pytest.mark.skipif(VERSION >= (3, 12), reason="removed in 3.12")
def test_pkgutil_emulation_warns_that_it_is_deprecated() -> None:
    messages = _warns(lambda: pkgutil.ImpImporter())  # type: ignore[attr-defined]
    assert any("deprecated" in m for m in messages)


def test_the_import_system_stopped_calling_module_repr_in_3_12() -> None:
    """LM015: a loader's module_repr() shapes repr(module) before 3.12, never after."""

    class Loader:
        def module_repr(self, module: types.ModuleType) -> str:
            return "<custom repr>"

    module = types.ModuleType("lm_repr")
    module.__loader__ = Loader()
    assert (repr(module) == "<custom repr>") == (VERSION < (3, 12))


# -- triggers: every spelling is parsed, look-alikes are not ----------------------------------

SPELLINGS = {
    "LM011": [
        "import pkgutil\npkgutil.ImpImporter()\n",
        "from pkgutil import ImpLoader as L\nL(1, 2, 3, 4)\n",
    ],
    "LM012": [
        "import pkgutil as p\np.get_loader('x')\n",
        "from importlib import find_loader\nfind_loader('x')\n",
        "from pkgutil import (\n    find_loader,\n)\nfind_loader('x')\n",
    ],
    "LM013": ["finder.find_module ('x')\n", "finder\\\n    .find_loader('x')\n"],
    "LM014": ["loader.load_module ()\n", "(\n    loader\n    .load_module('x')\n)\n"],
    "LM015": ["repr_of = loader.module_repr(m)\n"],
    "LM016": [
        "from importlib.abc import Finder\nclass F(Finder): pass\n",
        "from importlib.abc import MetaPathFinder,Finder\nclass F(Finder): pass\n",
        "from importlib.abc import (Finder)\nclass F(Finder): pass\n",
        "from importlib.abc import (\n    Finder,\n)\nclass F(Finder): pass\n",
        "from importlib.abc import (\n\tFinder,\n)\nclass F(Finder): pass\n",
        "from importlib import abc\nclass F(abc .Finder): pass\n",
        "import importlib.abc\nclass F(importlib.abc.Finder): pass\n",
        "from importlib.abc import Finder\r\nclass F(Finder): pass\r\n",
        "from importlib.abc import Traversable\nT = Traversable\n",
        "import importlib.abc as a\nR = a.ResourceReader\n",
    ],
}
CASES = [(rule_id, source) for rule_id, sources in SPELLINGS.items() for source in sources]


@pytest.mark.parametrize("rule_id, source", CASES)
def test_every_spelling_triggers_and_is_reported(rule_id: str, source: str) -> None:
    rule = rule_by_id(rule_id)
    assert applicable_rules(source.encode(), [rule]) == [rule]
    assert [found for _, found in rule_ids(findings(source, [rule]))] == [rule_id]


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


# -- which calls certainly reach a method of this file ----------------------------------------

OWN = (
    "class Own:\n"
    "    def find_spec(self, n, p=None, t=None):\n"
    "        return None\n"
    "\n"
    "    def find_module(self, n, p=None):\n"
    "        return None\n"
    "\n"
    "\n"
)
RECEIVERS = {
    "self in a nested function": (
        "    def outer(self):\n        def inner():\n            return self.find_module('x')\n",
        False,
    ),
    "a base of unknown origin": (
        "class Sub(Unknown):\n    def m(self):\n        return self.find_module('x')\n",
        True,
    ),
    "a staticmethod's first parameter": (
        "class Sub(Own):\n    @staticmethod\n    def m(other):\n"
        "        return other.find_module('x')\n",
        True,
    ),
    "a name bound twice": (
        "def f(flag):\n    finder = Own()\n    if flag:\n        finder = make()\n"
        "    return finder.find_module('x')\n",
        True,
    ),
    "an instance of a subclass": (
        "class Sub(Own):\n    pass\n\n\nresult = Sub().find_module('x')\n",
        False,
    ),
    "super() past a base of this file without it": (
        "class Mid(object):\n    pass\n\n\nclass Sub(Mid, Own):\n"
        "    def m(self):\n        return super().find_module('x')\n",
        False,
    ),
    "super() reaching a base from elsewhere first": (
        "class Sub(Base, Own):\n    def m(self):\n        return super().find_module('x')\n",
        True,
    ),
}


@pytest.mark.parametrize("case", list(RECEIVERS))
def test_calls_reaching_this_files_methods_are_left_alone(case: str) -> None:
    tail, reported = RECEIVERS[case]
    source = "from elsewhere import Base, Unknown, make\n\n\n" + OWN
    source += tail if tail.startswith("    ") else "\n\n" + tail
    found = findings(source, [rule_by_id("LM013")])
    assert bool(found) is reported, found
