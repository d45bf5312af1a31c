"""LM100, ``rewrite --fallback shim``: what the rules leave legacy moves onto loadermig.shim.

Fixture pairs live apart from the default mode's, in ``fixtures/codemod_shim/`` (same layout:
``case.py``, ``case.py.expected``, ``case.py.findings``), and are rewritten with the shim step
after every rule. Fixtures with ``make_loader`` are executed: in-process against the legacy
code (``behaviour.py``), and in the 3.12 and 3.13 of this machine under
``-W error::ImportWarning -W error::DeprecationWarning`` against the interpreter's own
fallback on 3.11.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from loadermig.cli import main
from loadermig.codemod.config import resolve_settings
from loadermig.codemod.rules import ALL_RULES, FALLBACK_RULES, rule_by_id
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES, ROOT
from . import behaviour
from .expected_files import expected_findings, expected_output, write_expected_outputs
from .test_fixtures import message_problems
from .test_realworld import _interpreter, _probe

SHIM_RULES = ALL_RULES + FALLBACK_RULES["shim"]
CASES = sorted((FIXTURES / "codemod_shim").glob("*.py"))
EXECUTABLE = [case for case in CASES if b"def make_loader(" in case.read_bytes()]
STRICT = ("-W", "error::ImportWarning", "-W", "error::DeprecationWarning")


def rewritten(case: Path) -> bytes:
    """The fixture as the shim mode leaves it (its .expected file)."""
    return expected_output(case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fixture_pair(case: Path, tmp_path: Path, regen_fixtures: bool) -> None:
    """The shim mode gives the .expected and .findings files exactly, then nothing more; its
    messages follow issue #16; an executable fixture loads the tree as the legacy code did."""
    data = case.read_bytes()
    outcome = rewrite_source(data, case.name, SHIM_RULES)
    assert outcome.error is None
    result = outcome.rewritten if outcome.rewritten is not None else data
    rendered = [f.render().split(":", 1)[1] for f in outcome.findings]
    if regen_fixtures:
        write_expected_outputs(case, result, rendered)
    assert not {f.message: p for f in outcome.findings if (p := message_problems(f))}
    assert result == rewritten(case)
    assert rendered == expected_findings(case)
    again = rewrite_source(result, case.name, SHIM_RULES)
    assert not again.changed, "second run changed the file"
    assert not [f for f in again.findings if f.rule == "LM100" and f.fixed]
    if case in EXECUTABLE:
        behaviour.assert_same_behaviour(case, result, tmp_path)


def test_every_moved_class_is_fixed_and_every_refusal_has_a_reason() -> None:
    moved = refused = 0
    for case in CASES:
        for finding in rewrite_source(case.read_bytes(), case.name, SHIM_RULES).findings:
            if finding.rule == "LM100":
                moved += finding.fixed
                refused += not finding.fixed
                assert finding.details
    assert moved >= 5 and refused >= 3


def test_default_runs_have_no_fallback_step(tmp_path: Path) -> None:
    settings = resolve_settings([str(tmp_path)])
    assert settings.rules == ALL_RULES and settings.fallback == "none"
    assert all(rule.ID != "LM100" for rule in ALL_RULES)
    shim = resolve_settings([str(tmp_path)], fallback="shim")
    assert shim.rules == SHIM_RULES and rule_by_id("LM100") is FALLBACK_RULES["shim"][0]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_default_mode_leaves_the_shim_fixtures_to_a_person(case: Path) -> None:
    """Without the option nothing of the shim is written and no LM100 finding is made."""
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert b"loadermig.shim" not in (outcome.rewritten or b"")
    assert not [f for f in outcome.findings if f.rule == "LM100"]


#: The default-mode fixtures of the rules the shim settles.
SETTLED_FIXTURES = [
    case
    for rule in ("LM002", "LM003", "LM004", "LM005", "LM008")
    for case in sorted((FIXTURES / "codemod" / rule).glob("*.py"))
]


@pytest.mark.corpus
@pytest.mark.parametrize(
    "case", SETTLED_FIXTURES, ids=lambda case: f"{case.parent.name}/{case.name}"
)
def test_default_fixtures_still_compile_and_settle_under_the_shim(case: Path) -> None:
    """Over every default-mode fixture of the rules the shim settles: nothing stops compiling,
    a second run changes nothing."""
    outcome = rewrite_source(case.read_bytes(), case.name, SHIM_RULES)
    assert outcome.error is None, case
    if outcome.changed:
        assert outcome.rewritten is not None
        compile(outcome.rewritten, str(case), "exec", dont_inherit=True)
        again = rewrite_source(outcome.rewritten, case.name, SHIM_RULES)
        assert not again.changed, case


# --- executed on 3.12 and 3.13 with warnings as errors ----------------------------------------

OBSERVE = """\
import json, sys
from tests.codemod import behaviour
from pathlib import Path
fixture, root = sys.argv[1], Path(sys.argv[2])
module = behaviour.execute_fixture(open(fixture, "rb").read(), fixture, legacy=False)
print(json.dumps(behaviour.observe(module.make_loader, root), default=repr))
"""


def _run(python: str, *args: str, flags: tuple[str, ...] = STRICT, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [python, *flags, *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _legacy_observation(case: Path, root: Path) -> Any:
    """What the legacy fixture gives on 3.11, through the interpreter's own fallback."""
    legacy = behaviour.execute_fixture(case.read_bytes(), str(case), legacy=True)
    with behaviour.removed_apis_restored(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        observed = behaviour.observe(legacy.make_loader, root, wrap=False)
        return json.loads(json.dumps(observed, default=repr))


@pytest.mark.corpus
@pytest.mark.parametrize("case", EXECUTABLE, ids=lambda case: case.name)
def test_moved_fixture_runs_strict_on_312_and_313_as_legacy_on_311(
    case: Path, tmp_path: Path
) -> None:
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the legacy side is 3.11's own fallback: run on 3.11 (the README step)")
    root = tmp_path / "tree"
    behaviour.write_tree(root)
    after = tmp_path / case.name
    after.write_bytes(rewritten(case))
    script = tmp_path / "observe.py"
    script.write_text(OBSERVE, encoding="utf-8")
    expected = _legacy_observation(case, root)
    for minor in ("3.12", "3.13"):
        python = _interpreter(minor)
        assert python is not None, f"no CPython {minor} to run the moved loader"
        observed = json.loads(_run(python, str(script), str(after), str(root), cwd=ROOT))
        assert observed == behaviour._spec_parent_mended(expected, observed), minor


STACK_SCRIPT = """\
import sys
sys.path.insert(0, sys.argv[1])
import hook
sys.meta_path.insert(0, hook.ModuleImporterFromVariables())

def use():
    sh2 = hook.Context(true="TRUE", false="FALSE")
    from sh2 import true
    return true

print(use(), sorted(name for name in vars(sys.modules["sh2"]) if not name.startswith("__")))
"""


@pytest.mark.corpus
def test_stack_reading_hook_finds_the_importing_code_as_under_the_fallback(
    tmp_path: Path,
) -> None:
    case = FIXTURES / "codemod_shim" / "reads_stack.py"
    python311 = _interpreter("3.11")
    assert python311 is not None
    script = tmp_path / "script.py"
    script.write_text(STACK_SCRIPT, encoding="utf-8")
    results = {}
    for side, source in (("legacy", case.read_bytes()), ("moved", rewritten(case))):
        where = tmp_path / side
        where.mkdir()
        (where / "hook.py").write_bytes(source)
        results[side] = _run(python311, str(script), str(where), flags=(), cwd=tmp_path)
    assert results["moved"] == results["legacy"]
    assert results["legacy"].startswith("TRUE ")
    for minor in ("3.12", "3.13"):
        python = _interpreter(minor)
        assert python is not None, f"no CPython {minor}"
        out = _run(python, str(script), str(tmp_path / "moved"), cwd=tmp_path)
        assert out == results["legacy"], minor


# --- the option ------------------------------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> Any:
    source = FIXTURES / "codemod_shim" / "decorated_methods.py"
    (tmp_path / "hook.py").write_bytes(source.read_bytes())
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)


def test_option_rewrites_onto_the_shim(tmp_path: Path) -> None:
    result = _cli(tmp_path, "rewrite", "--fallback", "shim", "-j", "1", "hook.py")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "hook.py").read_bytes() == rewritten(
        FIXTURES / "codemod_shim" / "decorated_methods.py"
    )
    assert "LM100 load_module() of TreeLoader kept, run through loadermig.shim" in result.output


def test_config_key_and_its_validation(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.loadermig]\nfallback = "shim"\n')
    result = _cli(tmp_path, "rewrite", "--check", "-j", "1", "hook.py")
    assert result.exit_code == 1 and "LM100" in result.output
    result = _cli(tmp_path, "rewrite", "--check", "--fallback", "none", "-j", "1", "hook.py")
    assert "LM100" not in result.output and "LM008 kept" in result.output
    (tmp_path / "pyproject.toml").write_text('[tool.loadermig]\nfallback = "shm"\n')
    result = _cli(tmp_path, "rewrite", "--check", "hook.py")
    assert result.exit_code == 2
    assert "fallback must be 'none' or 'shim', not 'shm'" in result.output


def test_bad_option_value_is_a_usage_error(tmp_path: Path) -> None:
    result = _cli(tmp_path, "rewrite", "--dry-run", "--fallback", "stdlib", "hook.py")
    assert result.exit_code == 2 and "--fallback" in result.output


# --- the real-world corpus's executed checks, in the shim mode --------------------------------


def _corpus_cases() -> list[Any]:
    from .test_realworld import CASES

    return CASES


@pytest.mark.corpus
@pytest.mark.parametrize("case", _corpus_cases(), ids=lambda case: case.file)
def test_corpus_hook_moved_onto_the_shim_imports_the_same(case: Any, tmp_path: Path) -> None:
    """Every exercised corpus class is fully modern after the shim mode; the moved hook
    imports on 3.11 as the legacy one did, and the same on 3.12 and 3.13 with warnings as
    errors."""
    from .test_realworld import CORPUS, MANIFEST, bench_coverage

    python311 = _interpreter("3.11")
    assert python311 is not None, "needs a CPython 3.11 to run the legacy hook"
    original = (CORPUS / case.file).read_bytes()
    shim = bench_coverage.MODES[1]
    result = bench_coverage.measure_file(
        CORPUS, case.file, MANIFEST[case.file]["category"], shim, again=False
    )
    exercised = [c for c in result.classes if c.legacy.qualname in case.classes]
    assert len(exercised) == len(case.classes)
    assert all(c.converted for c in exercised), [c.reasons for c in exercised]
    moved = result.rewritten or original
    legacy = _probe(python311, case, original, tmp_path, with_loadermig=True)
    assert "error" not in legacy, legacy
    assert _probe(python311, case, moved, tmp_path, with_loadermig=True) == legacy
    for minor in ("3.12", "3.13"):
        python = _interpreter(minor)
        assert python is not None, f"no CPython {minor} to run the moved hook"
        assert _probe(python, case, moved, tmp_path, *STRICT, with_loadermig=True) == legacy, minor


# --- how the benchmark counts what the shim mode leaves -----------------------------------

FINDER_SCRIPT = """\
import sys
sys.path.insert(0, sys.argv[1])
import hook
plugins = {"a": "A = 1", "b": "from lmplug_a import A"}
sys.meta_path.insert(0, hook.PluginImporter("lmplug_", plugins))
import lmplug_b
module = sys.modules["lmplug_b"]
print(module.A, module.__package__, type(module.__loader__).__name__, hook.TRACE)
"""


@pytest.mark.corpus
def test_decorated_finder_moved_onto_the_shim_finds_on_312_and_313(tmp_path: Path) -> None:
    case = FIXTURES / "codemod_shim" / "finder_decorated.py"
    python311 = _interpreter("3.11")
    assert python311 is not None
    script = tmp_path / "script.py"
    script.write_text(FINDER_SCRIPT, encoding="utf-8")
    results = {}
    for side, source in (("legacy", case.read_bytes()), ("moved", rewritten(case))):
        (tmp_path / side).mkdir()
        (tmp_path / side / "hook.py").write_bytes(source)
        results[side] = _run(python311, str(script), str(tmp_path / side), flags=(), cwd=tmp_path)
    assert results["moved"] == results["legacy"]
    assert results["legacy"].startswith("1  PluginImporter")
    for minor in ("3.12", "3.13"):
        python = _interpreter(minor)
        assert python is not None, f"no CPython {minor}"
        out = _run(python, str(script), str(tmp_path / "moved"), cwd=tmp_path)
        assert out == results["legacy"], minor
