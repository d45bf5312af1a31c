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

``pytest tests/codemod/test_fixtures.py --update-fixtures`` rewrites the ``.findings`` files
from the current findings (the ``.expected`` files are still compared): review with git diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadermig.codemod.findings import Finding
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES
from .behaviour import assert_same_behaviour

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
def test_fixture_pair(case: Path, tmp_path: Path, update_fixtures: bool) -> None:
    """The rewrite gives the .expected and .findings files exactly, and again nothing; every
    finding is one short sentence with a ``kept:`` reason and details (issue #16); a fixture
    with ``make_loader`` loads the same before and after."""
    data = case.read_bytes()
    outcome = rewrite_source(data, case.name)
    assert outcome.error is None
    broken = {
        f"{finding.line}:{finding.column} {finding.message}": problems
        for finding in outcome.findings
        if (problems := message_problems(finding))
    }
    assert not broken
    expected_path = case.with_name(case.name + ".expected")
    expected = expected_path.read_bytes() if expected_path.exists() else data
    result = outcome.rewritten if outcome.rewritten is not None else data
    assert result == expected

    findings_path = case.with_name(case.name + ".findings")
    expected_findings = (
        findings_path.read_text(encoding="utf-8").splitlines() if findings_path.exists() else []
    )
    rendered = [f.render().split(":", 1)[1] for f in outcome.findings]
    if update_fixtures and rendered != expected_findings:
        if rendered:
            findings_path.write_text("".join(line + "\n" for line in rendered), encoding="utf-8")
        else:
            findings_path.unlink()
        expected_findings = rendered
    assert rendered == expected_findings

    again = rewrite_source(result, case.name)
    assert again.rewritten is None or again.rewritten == result, "second run changed the file"

    if b"def make_loader(" in data and result != data:
        assert_same_behaviour(case, result, tmp_path)


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
