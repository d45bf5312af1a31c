"""LM001, LM004, LM005 beyond the fixture pairs: docs, import forms, import-system semantics."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES
from .behaviour import (
    FixtureFinder,
    execute_fixture,
    observe,
    removed_apis_restored,
    write_tree,
)

LM004_FIXTURES = FIXTURES / "codemod" / "LM004"


def rewrite(source: str, *rule_ids: str) -> tuple[str, list[str]]:
    """The rewritten source (the input when unchanged) and the rendered findings."""
    rules = [rule_by_id(rule_id) for rule_id in rule_ids] if rule_ids else None
    outcome = (
        rewrite_source(source.encode(), "case.py", rules)
        if rules
        else rewrite_source(source.encode(), "case.py")
    )
    assert outcome.error is None
    result = outcome.rewritten.decode() if outcome.rewritten is not None else source
    return result, [f.render().split(":", 1)[1] for f in outcome.findings]


@pytest.mark.parametrize("rule_id", ["LM001", "LM004", "LM005"])
def test_documentation_is_what_the_rule_does(rule_id: str) -> None:
    rule = rule_by_id(rule_id)
    assert rule.TITLE and rule.TRIGGERS and rule.BEFORE and rule.AFTER
    assert any(word.decode() in rule.BEFORE for word in rule.TRIGGERS)
    result, findings = rewrite(rule.BEFORE, rule_id)
    if rule_id == "LM005":
        assert result == rule.BEFORE
        assert findings and all(f.endswith("[manual]") for f in findings)
    else:
        assert result == rule.AFTER
        assert [f.endswith("[fixed]") for f in findings] == [True]


MFL_FORMS = {
    "from": ("from importlib.util import module_for_loader", "module_for_loader"),
    "from-as": ("from importlib.util import module_for_loader as mfl", "mfl"),
    "import": ("import importlib.util", "importlib.util.module_for_loader"),
    "import-as": ("import importlib.util as u", "u.module_for_loader"),
    "from-importlib": ("from importlib import util", "util.module_for_loader"),
    "from-importlib-two": ("from importlib import abc, util as u", "u.module_for_loader"),
    "import-importlib": ("import importlib", "importlib.util.module_for_loader"),
    "shim": ("from loadermig.shim.compat import module_for_loader", "module_for_loader"),
    "shim-module": ("from loadermig.shim import compat", "compat.module_for_loader"),
    "shim-import": ("import loadermig.shim.compat", "loadermig.shim.compat.module_for_loader"),
}
LOADER = """{imports}


class Loader:
    def __init__(self, code):
        self.code = code

    @{decorator}
    def load_module(self, module):
        exec(self.code, module.__dict__)
        return module
"""


@pytest.mark.parametrize("form", sorted(MFL_FORMS))
def test_lm004_every_import_form(form: str) -> None:
    imports, decorator = MFL_FORMS[form]
    result, findings = rewrite(LOADER.format(imports=imports, decorator=decorator), "LM004")
    assert "def exec_module(self, module):" in result
    assert "module_for_loader" not in result and "load_module" not in result
    assert len(findings) == 1 and findings[0].endswith("[fixed]")
    if form == "from-importlib-two":
        assert result.startswith("from importlib import abc\n")
    else:
        assert result.startswith("class Loader:")  # the import went with its last use


def test_lm004_keeps_an_import_still_used() -> None:
    source = LOADER.format(
        imports="import importlib.util", decorator="importlib.util.module_for_loader"
    )
    source += "\n\nSPEC = importlib.util.spec_from_loader\n"
    result, _ = rewrite(source, "LM004")
    assert result.startswith("import importlib.util\n")


def test_lm004_leaves_an_authors_empty_try_alone() -> None:
    source = (
        "try:\n    pass\nexcept ImportError:\n    pass\n"
        "try:\n    from importlib.util import module_for_loader\n"
        "except ImportError:\n    from loadermig.shim.compat import module_for_loader\n"
    ) + LOADER.format(imports="", decorator="module_for_loader")
    result, _ = rewrite(source, "LM004")
    assert "def exec_module" in result
    assert result.count("try:") == 2  # the author's one stays, so the emptied one does too
    compile(result, "case.py", "exec")


def test_lm004_drops_the_try_it_emptied() -> None:
    source = (
        "try:\n    from importlib.util import module_for_loader\n"
        "except ImportError:\n    from loadermig.shim.compat import module_for_loader\n"
    ) + LOADER.format(imports="", decorator="module_for_loader")
    result, _ = rewrite(source, "LM004")
    assert "try" not in result and "module_for_loader" not in result


def test_lm005_silent_where_lm004_converted() -> None:
    source = LOADER.format(
        imports="from importlib.util import module_for_loader, set_loader, set_package",
        decorator="set_package\n    @set_loader\n    @module_for_loader",
    )
    result, findings = rewrite(source)
    assert "set_" not in result
    assert [f.split(" ", 2)[1] for f in findings] == ["LM004"]


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


# -- what the import system does around exec_module, compared with module_for_loader -------


def _finder(case: Path, root: Path, *, legacy: bool) -> Any:
    source = case.read_bytes() if legacy else case.with_name(case.name + ".expected").read_bytes()
    fixture = execute_fixture(source, str(case), legacy=legacy)
    return FixtureFinder(fixture.make_loader, root)


def _import_twice(case: Path, root: Path, *, legacy: bool) -> dict[str, Any]:
    """Import a failing module, then import, edit and reload a good one."""
    finder = _finder(case, root, legacy=legacy)
    sys.meta_path.insert(0, finder)
    seen: dict[str, Any] = {}
    try:
        with pytest.raises(ZeroDivisionError):
            importlib.import_module("lmfx.broken")
        seen["broken left in sys.modules"] = "lmfx.broken" in sys.modules
        module = importlib.import_module("lmfx.mod")
        seen["loader"] = type(module.__loader__).__name__
        seen["package"] = module.__package__
        (root / "lmfx" / "mod.py").write_text("VALUE = 43\n", encoding="utf-8")
        seen["reload keeps the object"] = importlib.reload(module) is module
        seen["value after reload"] = module.VALUE
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.partition(".")[0] == "lmfx"]:
            del sys.modules[name]
        (root / "lmfx" / "mod.py").write_text("VALUE = 42\n", encoding="utf-8")
    return seen


@pytest.mark.parametrize("name", ["from_import.py", "stacked.py", "from_importlib_multi.py"])
def test_lm004_failure_and_reload_behave_as_before(name: str, tmp_path: Path) -> None:
    write_tree(tmp_path)
    (tmp_path / "lmfx" / "broken.py").write_text("1 / 0\n", encoding="utf-8")
    case = LM004_FIXTURES / name
    with removed_apis_restored():
        before = _import_twice(case, tmp_path, legacy=True)
    after = _import_twice(case, tmp_path, legacy=False)
    assert after == before
    assert after["broken left in sys.modules"] is False
    assert after["value after reload"] == 43


@pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="CPython's own module_for_loader exists only up to 3.11; "
    "the compat-based behavioural tests cover 3.12+",
)
@pytest.mark.parametrize(
    "name", ["from_import.py", "stacked.py", "from_importlib_multi.py", "modules_only.py"]
)
def test_lm004_matches_cpythons_own_fallback(name: str, tmp_path: Path) -> None:
    """Against CPython's real module_for_loader and load_module fallback (no shim at all)."""
    write_tree(tmp_path)
    case = LM004_FIXTURES / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", ImportWarning)
        legacy = execute_fixture(case.read_bytes(), str(case), legacy=False)
        before = observe(legacy.make_loader, tmp_path, wrap=False)
    modern = execute_fixture(
        case.with_name(name + ".expected").read_bytes(), str(case), legacy=False
    )
    assert observe(modern.make_loader, tmp_path, wrap=False) == before
