"""rewrite_source: prefilter, error reporting, byte preservation, compile check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst
import pytest

from loadermig.codemod.prefilter import applicable_rules
from loadermig.codemod.rules import Rule
from loadermig.codemod.source import rewrite_source
from loadermig.codemod.splice import splice


class RenameOldApi(Rule):
    """Test rule: every name ``old_api`` becomes ``new_api``."""

    ID = "LM900"
    TITLE = "test rule"
    TRIGGERS = (b"old_api",)
    BEFORE = AFTER = ""
    DETAILS: ClassVar[Mapping[str, str]] = {"renamed": "old_api is new_api now."}

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if original_node.value == "old_api":
            self.report(original_node, "renamed", fixed=True, reason="renamed")
            return updated_node.with_changes(value="new_api")
        return updated_node


class BreakSyntax(Rule):
    """Test rule producing code that parses for libcst but does not compile."""

    ID = "LM901"
    TITLE = "test rule"
    TRIGGERS = (b"old_api",)
    BEFORE = AFTER = ""
    DETAILS: ClassVar[Mapping[str, str]] = {"moved": "Nothing moved, really."}

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        self.report(original_node, "moved", fixed=True, reason="moved")
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=[*updated_node.body, cst.parse_statement("return 1")])


RULES = (RenameOldApi,)


def test_files_without_a_trigger_word_are_not_parsed() -> None:
    outcome = rewrite_source(b"this is not python at all ((((\n", "x.py", RULES)
    assert outcome.error is None and not outcome.parsed and outcome.rewritten is None
    assert applicable_rules(b"x = old_api", RULES) == [RenameOldApi]
    assert applicable_rules(b"x = 1", RULES) == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"print 'old_api'\n", "cannot parse"),  # Python 2
        (b"old_api = 1\n\x00\x01\x02", "binary file"),
        (b"# -*- coding: utf-8 -*-\nold_api = '\xff\xfe'\n", "cannot decode"),
        (b"# -*- coding: no-such-codec -*-\nold_api = 1\n", "cannot decode"),
        (b"old_api = " + b"(" * 2000 + b")" * 2000 + b"\n", "too deeply nested"),
        (b"old_api = " + b" + ".join([b"'a'"] * 20000) + b"\n", "too deeply nested"),
    ],
    ids=["python2", "binary", "undecodable", "unknown-codec", "deep-brackets", "long-chain"],
)
def test_bad_input_is_reported_not_raised(data: bytes, reason: str) -> None:
    outcome = rewrite_source(data, "bad.py", RULES)
    if reason:
        assert outcome.error is not None and outcome.error.startswith(reason), outcome.error
    assert outcome.rewritten is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"x = old_api\r\ny = 2\r\n", b"x = new_api\r\ny = 2\r\n"),
        (b"\xef\xbb\xbfx = old_api\n", b"\xef\xbb\xbfx = new_api\n"),
        (
            b"# -*- coding: latin-1 -*-\nx = old_api  # caf\xe9\n",
            b"# -*- coding: latin-1 -*-\nx = new_api  # caf\xe9\n",
        ),
        (b"x = old_api", b"x = new_api"),
        (b"x = old_api\r\ny = 1\nz = 2\r\n", b"x = new_api\r\ny = 1\nz = 2\r\n"),
    ],
    ids=["crlf", "bom", "latin-1", "no-final-newline", "mixed-endings"],
)
def test_encoding_bom_and_line_endings_survive(before: bytes, after: bytes) -> None:
    assert rewrite_source(before, "f.py", RULES).rewritten == after


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    data = b"old_api = '" + b"(" * 500 + b"'\n"
    assert rewrite_source(data, "s.py", RULES).rewritten == b"new_api = '" + b"(" * 500 + b"'\n"


def test_lines_libcst_would_reformat_are_kept_outside_the_edit() -> None:
    before = b"try:\n    pass\nexcept OSError :\n    pass\nx = old_api\n"
    outcome = rewrite_source(before, "f.py", RULES)
    assert outcome.rewritten == b"try:\n    pass\nexcept OSError :\n    pass\nx = new_api\n"


def test_splice_keeps_original_lines_around_changed_ones() -> None:
    original = b"a = 1\nexcept_line :\nb = 2\nc = 3\n"
    roundtrip = b"a = 1\nexcept_line:\nb = 2\nc = 3\n"
    transformed = b"a = 1\nexcept_line:\nb = 20\nc = 3\n"
    assert splice(original, roundtrip, transformed) == b"a = 1\nexcept_line :\nb = 20\nc = 3\n"
    assert splice(b"same\n", b"same\n", b"new\n") == b"new\n"


def test_findings_carry_path_line_column_and_rule() -> None:
    outcome = rewrite_source(b"x = 1\ny = (\n    old_api)\n", "pkg/f.py", RULES)
    assert [f.render() for f in outcome.findings] == ["pkg/f.py:3:5: LM900 renamed [fixed]"]


def test_a_result_that_does_not_compile_is_refused() -> None:
    outcome = rewrite_source(b"x = old_api\n", "f.py", (BreakSyntax,))
    assert outcome.rewritten is None
    assert outcome.error is not None and "would not compile" in outcome.error
    assert outcome.findings == []


def test_unchanged_output_is_not_a_rewrite() -> None:
    outcome = rewrite_source(b"s = 'old_api is only a word here'\n", "f.py", RULES)
    assert outcome.parsed and outcome.rewritten is None and not outcome.changed


class PrependImport(Rule):
    """Test rule: a new first line, so every later line moves down by one."""

    ID = "LM902"
    TITLE = "test rule"
    TRIGGERS = (b"old_api",)
    BEFORE = AFTER = ""

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        first = cst.parse_statement("import new_home\n")
        return updated_node.with_changes(body=[first, *updated_node.body])


def test_findings_of_a_rule_after_a_rewrite_name_the_lines_as_read() -> None:
    outcome = rewrite_source(b"x = 1\ny = old_api\n", "f.py", (PrependImport, RenameOldApi))
    assert outcome.rewritten == b"import new_home\nx = 1\ny = new_api\n"
    assert [f.render() for f in outcome.findings] == ["f.py:2:5: LM900 renamed [fixed]"]
