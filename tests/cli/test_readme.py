"""The README documents every rule and the commands CI runs."""

from __future__ import annotations

import re

from loadermig.codemod.rules import ALL_RULES

from ..conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_lists_every_rule_in_order() -> None:
    rows = re.findall(r"^\| (LM\d{3}) \|", README, flags=re.MULTILINE)
    assert rows == [rule.ID for rule in ALL_RULES]


def test_quick_start_and_test_commands_are_one_line_each() -> None:
    for heading in ("Quick start", "Running the tests"):
        block = README.split(f"## {heading}", 1)[1].split("```", 2)[1]
        assert len(block.strip().splitlines()) == 1, heading


def test_rule_details_are_generated_from_the_rules() -> None:
    from loadermig.codemod.rules.docs import with_rules_section

    assert with_rules_section(README) == README, (
        "README's rule details are stale: run python -m loadermig.codemod.rules.docs README.md"
    )
