"""Every before/after pair under ``fixtures/codemod/``, compared byte for byte.

Layout, per rule directory ``fixtures/codemod/LMnnn/``:

* ``case.py``: the input;
* ``case.py.expected``: the exact expected output (absent: the file must come out unchanged,
  byte for byte);
* ``case.py.findings``: the expected findings, one ``line:col: LMnnn message [fixed|manual]``
  per line (absent: no findings).

Every output must be stable (a second run changes nothing) and, when the input defines
``make_loader(root, fullname)``, behave like the input (see ``behaviour.py``). Every finding
message follows issue #16's convention (one short sentence, ``kept:`` and the reason for code
left alone) and its reason has details.

``pytest tests/codemod/test_fixtures.py --regen-fixtures`` writes the current rewrites and
findings into the ``.expected`` and ``.findings`` files instead of comparing them (the other
checks still run): review the change with git diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loadermig.codemod.findings import Finding
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES, ROOT
from .behaviour import assert_same_behaviour
from .expected_files import (
    expected_findings,
    expected_output,
    expected_path,
    findings_path,
    write_expected_outputs,
)

CASES = sorted((FIXTURES / "codemod").glob("LM*/*.py"))


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_rule_has_fixtures() -> None:
    from loadermig.codemod.rules import ALL_RULES

    covered = {path.parent.name for path in CASES}
    assert {rule.ID for rule in ALL_RULES} <= covered


#: The longest message a finding may have (issue #16).
MESSAGE_LIMIT = 100


def message_problems(finding: Finding) -> list[str]:
    """How a finding's message breaks issue #16's convention (empty: it follows it)."""
    message, problems = finding.message, []
    if len(message) > MESSAGE_LIMIT:
        problems.append(f"{len(message)} characters, more than {MESSAGE_LIMIT}")
    if "\n" in message or message != message.strip():
        problems.append("not one stripped line")
    # A second sentence: a full stop, "?" or "!" followed by a space (not inside a name
    # such as importlib.util or a version such as 3.12).
    if any(mark in message for mark in (". ", "? ", "! ")) or message.endswith("."):
        problems.append("more than one sentence (or a trailing full stop)")
    if not finding.fixed and not message.startswith("kept: "):
        problems.append("a manual finding that does not start with 'kept: '")
    if finding.fixed and message.startswith("kept:"):
        problems.append("a fixed finding that says 'kept:'")
    if not finding.details:
        problems.append(f"no details for reason {finding.reason!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fixture_pair(case: Path, tmp_path: Path, regen_fixtures: bool) -> None:
    """The rewrite gives the .expected and .findings files exactly, and again nothing; every
    finding is one short sentence with a ``kept:`` reason and details (issue #16); a fixture
    with ``make_loader`` loads the same before and after."""
    data = case.read_bytes()
    outcome = rewrite_source(data, case.name)
    assert outcome.error is None
    result = outcome.rewritten if outcome.rewritten is not None else data
    rendered = [f.render().split(":", 1)[1] for f in outcome.findings]
    if regen_fixtures:
        write_expected_outputs(case, result, rendered)
    broken = {
        f"{finding.line}:{finding.column} {finding.message}": problems
        for finding in outcome.findings
        if (problems := message_problems(finding))
    }
    assert not broken
    assert result == expected_output(case)
    assert rendered == expected_findings(case)

    again = rewrite_source(result, case.name)
    assert again.rewritten is None or again.rewritten == result, "second run changed the file"

    if b"def make_loader(" in data and result != data:
        assert_same_behaviour(case, result, tmp_path)


#: Two fixture cases the switch test regenerates: one rewritten with findings, one left
#: unchanged without any.
REGENERATED = ("LM009/crlf.py", "LM005/noop_words.py")


def run_fixture_pairs(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """``pytest tests/codemod/test_fixtures.py::test_fixture_pair`` run in ``project``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
    command.append("tests/codemod/test_fixtures.py::test_fixture_pair")
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)


def test_regen_fixtures_writes_the_expected_outputs_instead_of_comparing(
    tmp_path: Path,
) -> None:
    """In a copy of the tests with two fixture cases whose expected files are stale (a wrong
    rewrite, a wrong finding, findings for a case without any), the fixture test passes
    under ``--regen-fixtures`` and leaves exactly the real expected files."""
    shutil.copytree(
        ROOT / "tests" / "codemod",
        tmp_path / "tests" / "codemod",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("__init__.py", "conftest.py"):
        shutil.copyfile(ROOT / "tests" / name, tmp_path / "tests" / name)
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    fixtures = tmp_path / "fixtures" / "codemod"
    for name in REGENERATED:
        (fixtures / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / "codemod" / name, fixtures / name)
    rewritten, unchanged = (fixtures / name for name in REGENERATED)
    expected_path(rewritten).write_bytes(b"stale\n")
    findings_path(rewritten).write_text("1:1: LM009 stale [fixed]\n", encoding="utf-8")
    findings_path(unchanged).write_text("1:1: LM005 stale [manual]\n", encoding="utf-8")

    regenerated = run_fixture_pairs(tmp_path, "--regen-fixtures")
    assert regenerated.returncode == 0, regenerated.stdout + regenerated.stderr
    assert "2 passed" in regenerated.stdout
    real = FIXTURES / "codemod" / REGENERATED[0]
    assert expected_path(rewritten).read_bytes() == expected_path(real).read_bytes()
    assert findings_path(rewritten).read_bytes() == findings_path(real).read_bytes()
    assert not findings_path(unchanged).exists() and not expected_path(unchanged).exists()


LONG = "Very" * 30 + "LongName"  # 128 characters


@pytest.mark.parametrize(
    ("source", "end"),
    [
        # A message with a shorter form: the name goes.
        (
            f"class {LONG}:\n    def find_module(self, fullname, path, extra):\n        pass\n",
            "kept: find_module() cannot be called as (fullname, path)",
        ),
        # Any other: cut to the limit, marked as cut.
        (
            f"class {LONG}:\n    def exec_module(self, module): pass\n\n"
            "    def load_module(self, fullname):\n        return None\n",
            "...",
        ),
    ],
)
def test_long_names_never_make_a_message_longer_than_the_limit(source: str, end: str) -> None:
    [finding] = rewrite_source(source.encode(), "long.py").findings
    assert len(finding.message) <= MESSAGE_LIMIT and finding.message.endswith(end)
    assert finding.message.startswith("kept: ") and finding.details
