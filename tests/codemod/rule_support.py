"""What the per-rule test modules (``test_lmNNN.py``) share: running rules on a source,
the report-only rules, the template of a ``@module_for_loader`` loader (LM004, LM005), the
DeprecationWarnings the standard library gives (LM011-LM014) and the comparison of a
rewritten PyLoader/PyPycLoader subclass's methods with the legacy ones (LM002, LM003)."""

from __future__ import annotations

import contextlib
import functools
import sys
import types
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

import pytest

from loadermig.codemod import prefilter, source
from loadermig.codemod.nesting import run_with_large_stack
from loadermig.codemod.prefilter import applicable_rules, rules_to_parse
from loadermig.codemod.rules import ALL_RULES, Rule, rule_by_id
from loadermig.codemod.source import SourceOutcome, rewrite_source

from ..conftest import FIXTURES, ROOT
from .behaviour import NAMES, PACKAGE, execute_fixture, removed_apis_restored, write_tree

#: The rules that only report (``REWRITES = False``).
REPORT_ONLY_IDS = ["LM011", "LM012", "LM013", "LM014", "LM015", "LM016"]
REPORT_ONLY = [rule_by_id(rule_id) for rule_id in REPORT_ONLY_IDS]
VERSION = sys.version_info[:2]


def case_id(path: Path) -> str:
    """A fixture's test ID: ``LMnnn/name.py``."""
    return f"{path.parent.name}/{path.name}"


def rewrite(source: str, *rule_ids: str) -> tuple[str, list[str]]:
    """The rewritten source (the input when unchanged) and the rendered findings
    (``line:col: LMnnn message [state]``), with the rules ``rule_ids`` (default: all)."""
    rules = [rule_by_id(rule_id) for rule_id in rule_ids]
    outcome = rewrite_source(source.encode(), "case.py", *([rules] if rules else []))
    assert outcome.error is None
    result = outcome.rewritten.decode() if outcome.rewritten is not None else source
    return result, [f.render().split(":", 1)[1] for f in outcome.findings]


def findings(source: str, rules: list[type[Rule]] | None = None) -> list[str]:
    """The rendered findings (``line:col: LMnnn message [state]``) for ``source``."""
    outcome = rewrite_source(source.encode(), "case.py", *([rules] if rules else []))
    assert outcome.error is None
    return [f.render().split(":", 1)[1] for f in outcome.findings]


def rule_ids(found: list[str]) -> list[tuple[int, str]]:
    """``(line, rule ID)`` of each rendered finding."""
    return [(int(f.split(":", 1)[0]), f.split()[1]) for f in found]


def assert_triggers_and_is_reported(rule_id: str, source: str) -> None:
    """``source`` passes rule ``rule_id``'s prefilter and gets exactly one finding of it."""
    rule = rule_by_id(rule_id)
    assert applicable_rules(source.encode(), [rule]) == [rule]
    assert [found for _, found in rule_ids(findings(source, [rule]))] == [rule_id]


# -- a loader whose load_module is decorated (LM004, LM005) ---------------------------------

#: A loader module: ``imports``, then a class whose ``load_module(self, module)`` carries
#: ``@decorator`` (``module_for_loader`` in one of its spellings).
DECORATED_LOADER = """{imports}


class Loader:
    def __init__(self, code):
        self.code = code

    @{decorator}
    def load_module(self, module):
        exec(self.code, module.__dict__)
        return module
"""


# -- the standard library's DeprecationWarnings (LM011-LM014) ---------------------------------


def warns(call: Callable[[], object]) -> list[str]:
    """The DeprecationWarning messages ``call`` gives (its errors ignored)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.suppress(Exception):
            call()
    return [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


def zip_archive(tmp_path: Path) -> str:
    """A zip archive under ``tmp_path`` holding the module ``lm_zipped``; its path."""
    archive = tmp_path / "lm_archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lm_zipped.py", "X = 1\n")
    return str(archive)


# -- the rewritten PyLoader/PyPycLoader subclasses off the import path (LM002, LM003) ------


def executable_fixtures(rule_id: str) -> list[Path]:
    """Rule ``rule_id``'s fixtures that are rewritten and define ``make_loader``."""
    return sorted(
        path
        for path in (FIXTURES / "codemod" / rule_id).glob("*.py")
        if path.with_name(path.name + ".expected").exists()
        and b"def make_loader(" in path.read_bytes()
    )


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """What calling ``call`` gives: its value (code objects by filename) or its exception type."""
    try:
        value = call()
    except Exception as error:  # the type is what is compared
        return ("raises", type(error).__name__)
    return ("returns", value.co_filename if isinstance(value, types.CodeType) else value)


def loader_methods(make_loader: Callable[[str, str], Any], root: Path) -> dict[str, Any]:
    """get_filename, is_package, get_source and get_code for the tree and a missing name."""
    results: dict[str, Any] = {}
    for name in (*NAMES, "lmfx.missing"):
        loader = make_loader(str(root), name) or make_loader(str(root), PACKAGE)
        for method in ("get_filename", "is_package", "get_source", "get_code"):
            results[f"{method}({name})"] = outcome(functools.partial(getattr(loader, method), name))
    return results


def assert_loader_methods_answer_as_before(
    case: Path, tmp_path: Path, *, get_source_added: bool
) -> None:
    """The rewritten ``case``'s loader answers get_filename, is_package, get_source and
    get_code as the legacy one does, but for the one documented difference (see the fixed
    finding): without source, get_source raises (as get_filename does) instead of returning
    None; not where PyLoader's get_source was added with PyPycLoader's get_code
    (``get_source_added``)."""
    write_tree(tmp_path)
    with removed_apis_restored():
        before = loader_methods(
            execute_fixture(case.read_bytes(), str(case), legacy=True).make_loader, tmp_path
        )
    after_source = case.with_name(case.name + ".expected").read_bytes()
    after = loader_methods(
        execute_fixture(after_source, str(case), legacy=False).make_loader, tmp_path
    )
    assert before.pop("get_source(lmfx.missing)") == ("returns", None)
    missing = after.pop("get_source(lmfx.missing)")
    assert missing == ("returns", None) if get_source_added else missing[0] == "raises"
    assert after == before


#: For tests of what is decided on ``ast`` (its positions of imported names came in 3.10).
NEEDS_310 = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="the ast path needs Python 3.10 (alias positions)"
)


def assert_gate_keeps_off_libcst(
    data: bytes, rule: type[Rule], gate: str, open_gate: object, monkeypatch: Any
) -> None:
    """``rule``'s ``ast`` gate (the class attribute ``gate``) keeps ``data`` from libcst, and
    rightly: with the gate set to ``open_gate``, the rule run on libcst finds and changes
    nothing there."""
    assert rules_to_parse(data, "gated.py", [rule]) == []
    assert not rewrite_source(data, "gated.py", [rule]).parsed
    monkeypatch.setattr(rule, gate, open_gate)
    # the prefilter caches what it makes of the rules' trigger words: a fresh cache
    fresh = functools.lru_cache(maxsize=8)(prefilter._anchored_words.__wrapped__)
    monkeypatch.setattr(prefilter, "_anchored_words", fresh)
    outcome = outcome_on_libcst(data, "gated.py", monkeypatch, [rule])
    assert outcome.parsed and outcome.findings == [] and outcome.rewritten is None


#: Classes that LM006 and LM007 leave alone whatever their methods do: they define
#: ``find_spec`` (which the import system has called instead since Python 3.4), as six's
#: and setuptools' vendoring importers do, or (for LM007) take ``path`` in ``find_module``.
FINDERS_LEFT_ALONE = {
    "six's importer": (
        "class _SixMetaPathImporter(object):\n"
        "    def find_module(self, fullname, path=None):\n"
        "        return self if fullname in self.known_modules else None\n"
        "    def find_spec(self, fullname, path, target=None):\n"
        "        return None\n"
        "    def find_loader(self, fullname):\n"
        "        return self, []\n"
    ),
    "async find_spec": (
        "class Finder:\n"
        "    find_module = staticmethod(lambda fullname, path=None: None)\n"
        "    async def find_spec(self, fullname, path, target=None):\n"
        "        return None\n"
    ),
}


def outcome_on_libcst(
    data: bytes, path: str, monkeypatch: Any, rules: Sequence[type[Rule]] = ALL_RULES
) -> SourceOutcome:
    """``rewrite_source``'s outcome with every rule on libcst (none decided on ``ast``)."""
    with monkeypatch.context() as patch:
        patch.setattr(source, "decided_on_ast", lambda screened, *_: ([], screened.rules))
        return outcome_of(data, path, rules)


def outcome_of(data: bytes, path: str, rules: Sequence[type[Rule]] = ALL_RULES) -> SourceOutcome:
    """``rewrite_source``'s outcome, in a thread with libcst's big stack."""
    return run_with_large_stack(functools.partial(rewrite_source, data, path, rules))


def assert_same_outcome(outcome: SourceOutcome, expected: SourceOutcome) -> None:
    """The same findings (to the column), rewrite and error."""
    assert (outcome.findings, outcome.rewritten, outcome.error) == (
        expected.findings,
        expected.rewritten,
        expected.error,
    ), outcome.path


def files_the_rule_applies_to(rule: type[Rule], root: Path) -> list[Path]:
    """The Python files under ``root`` for which ``rule`` passes every check before libcst."""
    return [
        path
        for path in sorted(root.rglob("*.py"))
        if rule in prefilter.before_libcst(path.read_bytes(), str(path), ALL_RULES).rules
    ]


def compare_alone_on_corpora(rule: type[Rule], monkeypatch: Any) -> tuple[int, int]:
    """Run ``rule`` with the rules that only report (it is then the one rule that rewrites)
    on every corpus file it applies to, with and without the ``ast`` path, and assert the
    same outcome; how many files were compared, and how many were decided on ``ast``."""
    rules = [*(other for other in ALL_RULES if not other.REWRITES), rule]
    compared = on_ast = 0
    for path in files_the_rule_applies_to(rule, ROOT / "tests" / "data"):
        data = path.read_bytes()
        outcome = outcome_of(data, str(path), rules)
        assert_same_outcome(outcome, outcome_on_libcst(data, str(path), monkeypatch, rules))
        compared += 1
        on_ast += not outcome.parsed
    return compared, on_ast
