"""LM001 beyond the fixture pairs: the compat import it collapses, the names it trusts."""

from __future__ import annotations

from .rule_support import rewrite


def test_lm001_gives_later_rules_one_meaning() -> None:
    source = (
        "try:\n    from importlib.abc import SourceLoader\n"
        "except ImportError:\n    from importlib.abc import PyLoader as SourceLoader\n"
        "\n\nclass L(SourceLoader):\n    pass\n"
    )
    result, findings = rewrite(source, "LM001")
    assert (
        result == "from importlib.abc import SourceLoader\n\n\nclass L(SourceLoader):\n    pass\n"
    )
    assert findings[0].startswith("1:1: LM001 3.1-compat fallback to PyLoader removed")


def test_lm001_rule_table_names_are_importable_everywhere() -> None:
    """The names LM001 treats as never failing to import really exist here."""
    import importlib.abc

    from loadermig.codemod.rules.lm001_compat_import import ALWAYS_THERE

    for name in ALWAYS_THERE:
        assert hasattr(importlib.abc, name.rpartition(".")[2]), name
