"""Every before/after pair under ``fixtures/codemod/``, compared byte for byte.

Layout, per rule directory ``fixtures/codemod/LMnnn/``:

* ``case.py``: the input;
* ``case.py.expected``: the exact expected output (absent: the file must come out unchanged,
  byte for byte);
* ``case.py.findings``: the expected findings, one ``line:col: LMnnn message [fixed|manual]``
  per line (absent: no findings).

Every output must be stable (a second run changes nothing) and, when the input defines
``make_loader(root, fullname)``, behave like the input (see ``behaviour.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fixture_pair(case: Path, tmp_path: Path) -> None:
    data = case.read_bytes()
    outcome = rewrite_source(data, case.name)
    assert outcome.error is None
    expected_path = case.with_name(case.name + ".expected")
    expected = expected_path.read_bytes() if expected_path.exists() else data
    result = outcome.rewritten if outcome.rewritten is not None else data
    assert result == expected

    findings_path = case.with_name(case.name + ".findings")
    expected_findings = (
        findings_path.read_text(encoding="utf-8").splitlines() if findings_path.exists() else []
    )
    rendered = [f.render().split(":", 1)[1] for f in outcome.findings]
    assert rendered == expected_findings

    again = rewrite_source(result, case.name)
    assert again.rewritten is None or again.rewritten == result, "second run changed the file"

    if b"def make_loader(" in data and result != data:
        assert_same_behaviour(case, result, tmp_path)
