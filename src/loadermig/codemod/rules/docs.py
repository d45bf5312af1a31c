"""Rule documentation in Markdown: README's rule details are generated from the rules.

``python -m loadermig.codemod.rules.docs README.md`` rewrites the part of README.md between
the ``rules:start`` and ``rules:end`` markers.
"""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from . import ALL_RULES, Rule

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rule_markdown(rule: type[Rule]) -> str:
    """One rule's ID, title and before/after example as Markdown."""
    return (
        f"#### {rule.ID}: {rule.TITLE}\n\n"
        f"Before:\n\n```python\n{rule.BEFORE.strip()}\n```\n\n"
        f"After:\n\n```python\n{rule.AFTER.strip()}\n```\n"
    )


def rule_text(rule: type[Rule]) -> str:
    """One rule explained for a terminal: ID, title, what it does, before and after."""
    explanation = inspect.cleandoc(rule.__doc__ or "")
    kind = "rewrites automatically" if rule.changes_code() else "reports only (no faithful rewrite)"
    return (
        f"{rule.ID}: {rule.TITLE}\n({kind})\n\n{explanation}\n\n"
        f"Before:\n\n{textwrap.indent(rule.BEFORE.strip(), '    ')}\n\n"
        f"After:\n\n{textwrap.indent(rule.AFTER.strip(), '    ')}\n"
    )


REASONS_HEADING = "Findings, by reason"


def wrapped(paragraph: str, width: int, indent: str) -> list[str]:
    """``paragraph`` as indented lines of at most ``width`` characters, broken only at spaces
    (never inside a name, a version range such as 3.4-3.11 or a long path)."""
    return textwrap.wrap(
        paragraph,
        width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def reasons_text(rule: type[Rule], width: int = 88) -> str:
    """Each reason a finding of ``rule`` can give, with its long explanation, for a terminal.

    The key is what JSON reports carry as a finding's ``reason``.
    """
    lines = [REASONS_HEADING, ""]
    for reason in rule.DETAILS:
        lines.append(f"  {reason}")
        for paragraph in rule.details(reason).split("\n\n"):
            lines.extend(wrapped(paragraph, width, " " * 6))
        lines.append("")
    return "\n".join(lines)


def reasons_markdown(rule: type[Rule]) -> str:
    """:func:`reasons_text` as Markdown: one list item per reason."""
    items = "".join(
        f"- `{reason}`: {' '.join(rule.details(reason).split())}\n" for reason in rule.DETAILS
    )
    return f"#### {REASONS_HEADING}\n\n{items}"


def rules_markdown(rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """Every rule's section, in order."""
    return "\n".join(rule_markdown(rule) for rule in rules)


def with_rules_section(readme: str) -> str:
    """``readme`` with the text between the markers replaced by :func:`rules_markdown`."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{rules_markdown()}{END}{tail}"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    target.write_text(with_rules_section(target.read_text(encoding="utf-8")), encoding="utf-8")
