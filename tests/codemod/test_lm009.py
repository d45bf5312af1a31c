"""LM009 beyond the fixture pairs: ``imp.new_module`` and its rewrite behave alike (see
``imp_support.py`` for how)."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Callable

import pytest

from loadermig.codemod.rules import rule_by_id

from .imp_support import (
    assert_every_named_replacement_exists_here,
    assert_rewrite_behaves_like_imp,
    assert_runs_like_the_legacy_one,
    manual_fixtures,
)
from .rule_support import assert_gate_keeps_off_libcst, case_id

NEW_MODULE_RUN = """
def run():
    m = {call}
    return type(m), m.__name__, m.__doc__, sorted(vars(m)), m.__spec__, m.__loader__, \\
        m.__package__, "lm_fresh" in sys.modules
"""
NEW_MODULE_EXPECTED = (
    types.ModuleType,
    "lm_fresh",
    None,
    ["__doc__", "__loader__", "__name__", "__package__", "__spec__"],
    None,
    None,
    None,
    False,
)
CASES: dict[str, tuple[str, Callable[[Path], object]]] = {
    f"new_module-{label}": (
        f"import sys\n{imports}\n" + NEW_MODULE_RUN.format(call=call),
        lambda _: NEW_MODULE_EXPECTED,
    )
    for label, imports, call in [
        ("import", "import imp", "imp.new_module('lm_fresh')"),
        ("import-as", "import imp as i", "i.new_module('lm_fresh')"),
        ("from", "from imp import new_module", "new_module('lm_fresh')"),
        ("from-as", "from imp import new_module as nm", "nm(name='lm_fresh')"),
    ]
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rewrite_behaves_like_imp(case: str, tmp_path: Path) -> None:
    assert_rewrite_behaves_like_imp(*CASES[case], tmp_path)


RUNNABLE = [
    "LM009/crlf.py",
    "LM009/from_import.py",
    "LM009/from_import_as.py",
    "LM009/import_as.py",
    "LM009/import_in_function.py",
    "LM009/import_list.py",
    "LM009/types_already_imported.py",
]


@pytest.mark.parametrize("case", RUNNABLE)
def test_rewritten_fixture_runs_like_the_legacy_one(case: str) -> None:
    assert_runs_like_the_legacy_one(case)


@pytest.mark.parametrize("case", manual_fixtures("LM009"), ids=case_id)
def test_every_named_replacement_exists_here(case: Path) -> None:
    assert_every_named_replacement_exists_here(case)


def test_lm009_a_file_that_never_names_new_module_never_reaches_libcst(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pkg_resources: imp under another name, for its import lock alone
    source = (
        "try:\n    import _imp\nexcept ImportError:\n    import imp as _imp\n\n\n"
        "def build():\n    _imp.acquire_lock()\n    try:\n        return 1\n"
        "    finally:\n        _imp.release_lock()\n"
    )
    rule = rule_by_id("LM009")
    assert_gate_keeps_off_libcst(source.encode(), rule, "TRIGGERS", (b"imp",), monkeypatch)
