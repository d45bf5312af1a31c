"""LM005 beyond the fixture pairs: where LM004 converted, nothing is left to report."""

from __future__ import annotations

from .rule_support import DECORATED_LOADER, rewrite


def test_lm005_silent_where_lm004_converted() -> None:
    source = DECORATED_LOADER.format(
        imports="from importlib.util import module_for_loader, set_loader, set_package",
        decorator="set_package\n    @set_loader\n    @module_for_loader",
    )
    result, findings = rewrite(source)
    assert "set_" not in result
    assert [f.split(" ", 2)[1] for f in findings] == ["LM004"]
