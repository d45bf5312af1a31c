"""LM002 beyond the fixture pairs: what it leaves to LM001 or reports, and the rewritten
loader's methods compared with the legacy ones off the import path."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadermig.codemod.rules.lm002_pyloader import PyLoaderRule
from loadermig.codemod.source import rewrite_source

from .rule_support import assert_loader_methods_answer_as_before, case_id, executable_fixtures

COMPAT_IDIOM = b"""\
try:
    from importlib.abc import SourceLoader
except ImportError:
    from importlib.abc import PyLoader as SourceLoader


class CustomLoader(SourceLoader):
    def get_filename(self, fullname):
        return self.paths[fullname]

    def source_path(self, fullname):
        try:
            return self.get_filename(fullname)
        except ImportError:
            return None
"""


def test_the_31_compat_idiom_is_left_to_lm001() -> None:
    outcome = rewrite_source(COMPAT_IDIOM, "compat.py", [PyLoaderRule])
    assert outcome.rewritten is None
    assert outcome.findings == []


def test_a_base_that_may_be_something_else_is_reported() -> None:
    source = b"""\
import sys

if sys.version_info < (3, 4):
    from importlib.abc import PyLoader as Base
else:
    from mylib.loaders import Base


class Loader(Base):
    def source_path(self, fullname):
        return None
"""
    outcome = rewrite_source(source, "switch.py", [PyLoaderRule])
    assert outcome.rewritten is None
    [finding] = outcome.findings
    assert (finding.line, finding.column, finding.fixed) == (9, 14, False)
    assert "may also be mylib.loaders.Base" in finding.message


@pytest.mark.parametrize("case", executable_fixtures("LM002"), ids=case_id)
def test_the_loader_methods_answer_as_before(case: Path, tmp_path: Path) -> None:
    assert_loader_methods_answer_as_before(case, tmp_path, get_source_added=False)
