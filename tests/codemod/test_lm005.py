"""LM005 beyond the fixture pairs: where LM004 converted, nothing is left to report; the
prefilter's ``ast`` check lets through every file naming the decorators' modules."""

from __future__ import annotations

import pytest

from loadermig.codemod.prefilter import rules_to_parse
from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.source import rewrite_source

from .rule_support import DECORATED_LOADER, assert_gate_keeps_off_libcst, rewrite

LM005 = rule_by_id("LM005")


def test_lm005_silent_where_lm004_converted() -> None:
    source = DECORATED_LOADER.format(
        imports="from importlib.util import module_for_loader, set_loader, set_package",
        decorator="set_package\n    @set_loader\n    @module_for_loader",
    )
    result, findings = rewrite(source)
    assert "set_" not in result
    assert [f.split(" ", 2)[1] for f in findings] == ["LM004"]


@pytest.mark.parametrize(
    "source",
    [
        "fscache.set_package_root(options.package_root)\n",  # mypy's build worker
        "KEYWORDS = ['send', 'set_hidden', 'set_package', 'set_rw']\n",  # a lexer's word list
        "from .util import set_loader\n\n\n@set_loader\ndef load_module(self, name): ...\n",
    ],
)
def test_a_file_naming_neither_module_never_reaches_libcst(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_gate_keeps_off_libcst(source.encode(), LM005, "NEEDS_NAME_FROM", (), monkeypatch)


@pytest.mark.parametrize(
    ("source", "reported"),
    [
        ("from importlib.util import set_loader\nuse(set_loader)\n", True),
        ("from importlib import util\nuse(util.set_package)\n", True),
        ("import loadermig.shim.compat as compat\nuse(compat.set_loader)\n", True),
        # a module-level name of its own: qualified as written
        ("importlib = __import__('importlib')\nuse(importlib.util.set_loader)\n", True),
        # relative imports: admitted whatever libcst's qualified names make of the dots
        ("from .importlib.util import set_loader\nuse(set_loader)\n", None),
        ("from . import importlib\nuse(importlib.util.set_package)\n", None),
    ],
)
def test_every_way_of_naming_the_modules_reaches_the_rule(
    source: str, reported: bool | None
) -> None:
    data = source.encode()
    assert rules_to_parse(data, "uses.py", [LM005]) == [LM005]
    outcome = rewrite_source(data, "uses.py", [LM005])
    assert outcome.parsed
    if reported is not None:
        assert bool(outcome.findings) == reported
