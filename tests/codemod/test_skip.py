"""``# loadermig: skip`` comments: code a user keeps as it is, on purpose."""

from __future__ import annotations

import re

import pytest

from loadermig.codemod.findings import Finding
from loadermig.codemod.outcome import SourceOutcome
from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.skip_comments import skip_comments
from loadermig.codemod.source import rewrite_source

SKIP = "  # loadermig: skip"

#: One class per rule family that the rules rewrite (LM005 only reports), as each rule
#: documents it, and one more for LM010; LM001's idiom is a statement, tested below.
CLASS_RULES = ("LM002", "LM003", "LM004", "LM005", "LM006", "LM007", "LM008", "LM009")
LM010_BEFORE = (
    "import imp\n"
    "\n"
    "\n"
    "class Reloader:\n"
    "    def refresh(self, module):\n"
    "        return imp.reload(module)\n"
)


def two_classes(before: str) -> tuple[str, str, str]:
    """``before`` with its class twice: ``Plain...`` as it is, ``Kept...`` marked to skip.

    Returns the source and the two class statements as they appear in it.
    """
    start = re.search(r"^class ", before, re.MULTILINE).start()  # type: ignore[union-attr]
    header, body = before[:start], before[start:].rstrip("\n") + "\n"
    name = re.match(r"class (\w+)", body)
    assert name is not None
    plain = body.replace(name.group(1), "Plain" + name.group(1))
    first, rest = body.replace(name.group(1), "Kept" + name.group(1)).split("\n", 1)
    kept = f"{first}{SKIP}\n{rest}"
    return f"{header}{plain}\n\n{kept}", plain, kept


def lines_of(source: str, part: str) -> range:
    """The line numbers ``part`` occupies in ``source``."""
    first = source[: source.index(part)].count("\n") + 1
    return range(first, first + part.count("\n"))


def findings_in(outcome: SourceOutcome, lines: range) -> list[Finding]:
    return [finding for finding in outcome.findings if finding.line in lines]


@pytest.mark.parametrize("rule_id", [*CLASS_RULES, "LM010"])
def test_a_marked_class_is_left_alone_and_its_twin_is_not(rule_id: str) -> None:
    before = LM010_BEFORE if rule_id == "LM010" else rule_by_id(rule_id).BEFORE
    source, plain, kept = two_classes(before)
    outcome = rewrite_source(source.encode(), "twins.py")
    assert outcome.error is None
    assert findings_in(outcome, lines_of(source, plain)), "the unmarked class is handled"
    assert findings_in(outcome, lines_of(source, kept)) == []
    assert outcome.skipped == 1
    result = (outcome.rewritten or source.encode()).decode()
    assert kept in result
    if rule_id != "LM005":  # report-only
        assert result != source


def test_the_compat_import_can_be_kept() -> None:
    idiom = (
        "    try:\n"
        "        from importlib.abc import SourceLoader\n"
        "    except ImportError:\n"
        "        from importlib.abc import PyLoader as SourceLoader\n"
        "    return SourceLoader\n"
    )
    kept = idiom.replace("    try:\n", f"    try:{SKIP}\n")
    source = f"def plain():\n{idiom}\n\ndef kept():\n{kept}"
    outcome = rewrite_source(source.encode(), "compat.py")
    assert outcome.rewritten is not None
    result = outcome.rewritten.decode()
    assert kept in result and idiom not in result
    assert [finding.line for finding in outcome.findings] == [2]


def test_a_clause_line_keeps_the_whole_statement() -> None:
    source = (
        "try:\n"
        "    from importlib.abc import SourceLoader\n"
        f"except ImportError:{SKIP}\n"
        "    from importlib.abc import PyLoader as SourceLoader\n"
    )
    outcome = rewrite_source(source.encode(), "clause.py")
    assert outcome.parsed and outcome.rewritten is None and outcome.findings == []


def test_a_marked_method_or_decorator_line_keeps_only_that_method() -> None:
    source = (
        "import sys\n"
        "from importlib.util import module_for_loader\n"
        "\n"
        "\n"
        "class Loader:\n"
        f"    @module_for_loader{SKIP}\n"
        "    def load_module(self, module):\n"
        "        exec(self.get_code(module.__name__), module.__dict__)\n"
        "        return module\n"
        "\n"
        "\n"
        "class Finder:\n"
        f"    def find_module(self, fullname, path=None):{SKIP}\n"
        "        return None\n"
        "\n"
        "    def other(self):\n"
        "        return sys.meta_path\n"
    )
    outcome = rewrite_source(source.encode(), "methods.py")
    assert outcome.rewritten is None and outcome.findings == []
    assert outcome.skipped == 2


def test_a_marked_simple_statement_keeps_its_import_too() -> None:
    source = (
        f"import imp{SKIP}\n"
        "\n"
        "a = imp.new_module('a')\n"
        f"b = imp.new_module(  # the call below stays\n    'b'){SKIP}\n"
    )
    outcome = rewrite_source(source.encode(), "calls.py")
    assert outcome.rewritten is not None
    assert outcome.rewritten.decode().splitlines() == [
        f"import imp{SKIP}",
        "import types",
        "",
        "a = types.ModuleType('a')",
        "b = imp.new_module(  # the call below stays",
        f"    'b'){SKIP}",
    ]
    assert [(finding.line, finding.rule) for finding in outcome.findings] == [(3, "LM009")]
    assert outcome.skipped == 2


def test_the_import_of_a_rewritten_name_is_not_removed_when_marked() -> None:
    source = f"from imp import reload{SKIP}\n\nreload(plugin)\n"
    outcome = rewrite_source(source.encode(), "reload.py")
    assert outcome.rewritten is not None
    assert f"from imp import reload{SKIP}\n" in outcome.rewritten.decode()
    assert "importlib.reload(plugin)" in outcome.rewritten.decode()


@pytest.mark.parametrize(
    "comment",
    [
        "# loadermig: skip-file\n",
        "#!/usr/bin/env python\n# Copyright\n#loadermig:skip\n",
        "# -*- coding: utf-8 -*-\n\n# loadermig: skip  (vendored, leave it)\n\n",
    ],
    ids=["skip-file", "leading-block", "leading-block-with-text"],
)
def test_a_file_can_be_left_alone(comment: str) -> None:
    source = comment + LM010_BEFORE
    outcome = rewrite_source(source.encode(), "vendored.py")
    assert outcome.rewritten is None and outcome.findings == [] and outcome.error is None
    assert not outcome.parsed, "a skipped file is not even parsed"
    assert outcome.skipped == 1


def test_skip_file_works_anywhere_and_a_late_own_line_skip_is_not_a_file_skip() -> None:
    anywhere = LM010_BEFORE + "\n# loadermig: skip-file\n"
    assert rewrite_source(anywhere.encode(), "a.py").skipped == 1
    late = LM010_BEFORE.replace("\n\nclass", "\n\n# loadermig: skip\nclass")
    outcome = rewrite_source(late.encode(), "b.py")
    assert outcome.rewritten is not None and outcome.skipped == 0


def test_a_rule_list_skips_only_those_rules() -> None:
    source = (
        "import sys\n"
        "import types\n"
        "\n"
        "\n"
        f"class Both:{SKIP}=LM006, lm007\n"
        "    def find_module(self, fullname, path=None):\n"
        "        return self\n"
        "\n"
        "    def load_module(self, fullname):\n"
        "        mod = types.ModuleType(fullname)\n"
        "        sys.modules[fullname] = mod\n"
        "        exec(self.get_code(fullname), mod.__dict__)\n"
        "        return mod\n"
    )
    outcome = rewrite_source(source.encode(), "both.py")
    assert {finding.rule for finding in outcome.findings} == {"LM008"}
    assert outcome.rewritten is not None and b"find_spec" not in outcome.rewritten


def test_a_file_level_rule_list_keeps_the_other_rules() -> None:
    source = "# loadermig: skip-file=LM010\n" + LM010_BEFORE + "m = imp.new_module('m')\n"
    outcome = rewrite_source(source.encode(), "some.py")
    assert {finding.rule for finding in outcome.findings} == {"LM009"}
    assert outcome.rewritten is not None and b"imp.reload(module)" in outcome.rewritten
    assert outcome.skipped == 1


def test_the_words_in_a_string_are_not_a_skip() -> None:
    source = (
        '"""Docs: write # loadermig: skip-file to leave a file alone."""\n'
        + LM010_BEFORE
        + 'NOTE = "# loadermig: skip"\n'
        + 'TEXT = """\n# loadermig: skip-file\n"""\n'
    )
    assert skip_comments(source.encode()).whole_file == ()
    assert skip_comments(source.encode()).lines == {}
    outcome = rewrite_source(source.encode(), "strings.py")
    assert outcome.rewritten is not None and outcome.skipped == 0


def test_skip_comments_are_read_with_libcst_line_numbers() -> None:
    data = b"x = 1\ry = 2  # loadermig: skip=LM009\r\nz = (  # loadermig: skip\n  3)\n"
    comments = skip_comments(data)
    assert comments.lines == {2: frozenset({"LM009"}), 3: None}
    assert comments.lines_for("LM009") == {2, 3} and comments.lines_for("LM010") == {3}


def test_a_file_that_does_not_tokenize_keeps_the_comments_before_the_problem() -> None:
    comments = skip_comments(b"# loadermig: skip-file\nx = (\n")
    assert comments.whole_file == (None,)
