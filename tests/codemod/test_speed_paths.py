"""The fast paths of ``rewrite_source``: they must not change what comes out.

Shared metadata, unchanged trees handed on as they are, report-only rules first, and the
prefilters (trigger words, ``PATTERN``, the ``ast`` checks ``NEEDS_*``). No timings here:
``benchmarks/bench_codemod.py`` measures.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import libcst as cst
import libcst.matchers as m
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libcst.codemod import CodemodContext
from libcst.metadata import PositionProvider, ScopeProvider

from loadermig.codemod.prefilter import TRIGGER_ANCHORS, applicable_rules, rules_to_parse
from loadermig.codemod.rules import ALL_RULES, Rule, rule_by_id
from loadermig.codemod.rules._base import FINDINGS_KEY
from loadermig.codemod.source import rewrite_source
from loadermig.codemod.splice import splice

from ..conftest import FIXTURES

MetaPathFinder = rule_by_id("LM006")
ORIGINAL_RULES = tuple(rule_by_id(f"LM{number:03d}") for number in range(1, 11))


class Seen(Rule):
    """Test rule: records the tree and position metadata it was given; changes nothing."""

    ID = "LM950"
    TITLE = "test rule"
    TRIGGERS = (b"x",)
    BEFORE = AFTER = ""
    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider)
    log: ClassVar[list[tuple[str, cst.Module, object]]] = []
    DETAILS: ClassVar[dict[str, str]] = {"marker": "A marker name."}

    def visit_Module(self, node: cst.Module) -> None:
        self.log.append((self.ID, node, self.metadata[PositionProvider]))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "marker":
            line = self.get_metadata(PositionProvider, node).start.line
            self.report(node, f"marker (line {line})", fixed=False, reason="marker")


class SeenToo(Seen):
    ID = "LM951"


class Insert(Rule):
    """Test rule: puts three statements at the top of the file."""

    ID = "LM952"
    TITLE = "test rule"
    TRIGGERS = (b"x",)
    BEFORE = AFTER = ""

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        added = [cst.parse_statement(f"added_{n} = {n}\n") for n in range(3)]
        return updated_node.with_changes(body=[*added, *updated_node.body])


class ReportOnly(Seen):
    ID = "LM953"
    REWRITES = False


@pytest.fixture(autouse=True)
def clear_log() -> None:
    Seen.log.clear()


def test_rules_share_the_metadata_of_an_unchanged_tree() -> None:
    outcome = rewrite_source(b"x = 1\nmarker\n", "f.py", (Seen, SeenToo))
    (_, tree_1, positions_1), (_, tree_2, positions_2) = Seen.log
    assert tree_2 is tree_1 and positions_2 is positions_1
    assert [(f.rule, f.line) for f in outcome.findings] == [("LM950", 2), ("LM951", 2)]


def test_after_a_change_the_next_rule_gets_the_new_tree_with_lines_as_read() -> None:
    outcome = rewrite_source(b"x = 1\nmarker\n", "f.py", (Seen, Insert, SeenToo))
    (_, before, _), (_, after, _) = Seen.log
    assert after is not before and len(after.body) == 5
    assert outcome.rewritten is not None and outcome.rewritten.startswith(b"added_0 = 0\n")
    rendered = [f.render() for f in outcome.findings]
    assert rendered == [
        "f.py:2:1: LM950 marker (line 2) [manual]",
        "f.py:2:1: LM951 marker (line 2) [manual]",  # line 5 of the rewritten code
    ]


def test_report_only_rules_run_first_on_the_file_as_read() -> None:
    assert applicable_rules(b"x", (Insert, ReportOnly, Seen)) == [ReportOnly, Insert, Seen]
    rewrite_source(b"x = 1\nmarker\n", "f.py", (Insert, ReportOnly))
    [(rule, tree, _)] = Seen.log
    assert rule == "LM953" and len(tree.body) == 2


class Marked(Rule):
    """Test rule base: reports each ``marker`` name its hooks are called for."""

    ID = "LM954"
    TITLE = "test rule"
    TRIGGERS = (b"marker",)
    BEFORE = AFTER = ""
    DETAILS: ClassVar[dict[str, str]] = {"marker": "A marker name."}

    def mark(self, node: cst.CSTNode) -> None:
        self.report(node, "marker", fixed=False, reason="marker")


class InsideFunction(Marked):
    """A ``visit_*`` method under a gating matcher decorator."""

    @m.call_if_inside(m.FunctionDef())
    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "marker":
            self.mark(node)


class VisitDecorated(Marked):
    """A visit function only a matcher decorator hooks up."""

    @m.visit(m.Name("marker"))
    def found(self, node: cst.Name) -> None:
        self.mark(node)


class LeaveDecorated(Marked):
    """A leave function only a matcher decorator hooks up."""

    @m.leave(m.Name("marker"))
    def found(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        self.mark(original_node)
        return updated_node


class AttributeHook(Marked):
    """A ``visit_<Node>_<attribute>`` method."""

    def visit_Call_func(self, node: cst.Call) -> None:
        if m.matches(node.func, m.Name("marker")):
            self.mark(node)


@pytest.mark.parametrize(
    ("rule", "lines"),
    [
        (InsideFunction, [3, 4]),
        (VisitDecorated, [1, 3, 4]),
        (LeaveDecorated, [1, 3, 4]),
        (AttributeHook, [4]),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_matcher_decorators_and_attribute_hooks_are_honoured(
    rule: type[Rule], lines: list[int]
) -> None:
    # Rules without them take a faster dispatch than libcst's; these must not.
    outcome = rewrite_source(b"marker\ndef f():\n    marker\n    marker()\n", "f.py", [rule])
    assert [finding.line for finding in outcome.findings] == lines


def reference(data: bytes, path: str) -> tuple[bytes | None, list[tuple[str, str, bool]]]:
    """The rules run the way libcst runs codemods: a copy and fresh metadata per rule."""
    context = CodemodContext(filename=path)
    module = cst.parse_module(data)
    roundtrip = module.bytes
    for rule in applicable_rules(data, ORIGINAL_RULES):
        module = rule(context).transform_module(module)
    findings = [(f.rule, f.message, f.fixed) for f in context.scratch.get(FINDINGS_KEY, [])]
    if module.bytes == roundtrip:
        return None, sorted(findings)
    return splice(data, roundtrip, module.bytes), sorted(findings)


def multi_rule_cases() -> list[Path]:
    """The fixtures on which more than one rule reports: where rules hand trees on."""
    cases = []
    for findings in sorted((FIXTURES / "codemod").glob("LM0[01]?/*.py.findings")):
        rules = {line.split(" ")[1] for line in findings.read_text(encoding="utf-8").splitlines()}
        if len(rules) > 1:
            cases.append(findings.with_name(findings.name.removesuffix(".findings")))
    return cases


@pytest.mark.parametrize("case", multi_rule_cases(), ids=lambda case: case.name)
def test_shared_metadata_gives_what_a_fresh_copy_per_rule_gives(case: Path) -> None:
    data = case.read_bytes()
    outcome = rewrite_source(data, case.name, ORIGINAL_RULES)
    rewritten, findings = reference(data, case.name)
    assert outcome.rewritten == rewritten
    ours = sorted((f.rule, f.message, f.fixed) for f in outcome.findings)
    # Messages may name a line, which the reference counts in a partly rewritten tree.
    assert without_lines(ours) == without_lines(findings)


def without_lines(findings: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    return sorted(
        (rule, re.sub(r"line \d+", "line N", text), fixed) for rule, text, fixed in findings
    )


def test_there_are_multi_rule_cases() -> None:
    assert len(multi_rule_cases()) >= 3


# -- prefilters: what must still trigger, what need not be parsed -----------------------------


@pytest.mark.parametrize(
    ("rule_id", "source"),
    [
        ("LM006", "class F:\n    find_module = staticmethod(lookup)\n"),
        ("LM006", "class F:\n    from legacy import find_module\n"),
        ("LM007", "class F:\n    def find_loader(self, fullname): ...\n"),
        ("LM008", "class Loader:\n    def \\\n  load_module(self, fullname): ...\n"),
        ("LM008", "class Loader:\n    async def load_module(self, fullname): ...\n"),
        ("LM010", "try:\n    import os, imp\nexcept ImportError:\n    imp = None\n"),
    ],
)
def test_odd_spellings_still_reach_the_rule(rule_id: str, source: str) -> None:
    rule = rule_by_id(rule_id)
    assert applicable_rules(source.encode(), [rule]) == [rule]
    outcome = rewrite_source(source.encode(), "odd.py", [rule])
    # libcst parsed the file for the rule, or the rule was decided on ast (LM010 reporting)
    assert outcome.parsed or rule_id in {finding.rule for finding in outcome.findings}


@pytest.mark.parametrize(
    ("rule_id", "source"),
    [
        ("LM006", "loader = finder.find_module(name)\n"),
        ("LM007", "spec = (finder\n    .find_loader(name))\n"),
        ("LM008", "module = loader.load_module(name)\n"),
    ],
)
def test_calls_alone_do_not_pass_the_pattern(rule_id: str, source: str) -> None:
    assert applicable_rules(source.encode(), [rule_by_id(rule_id)]) == []


@pytest.mark.parametrize(
    ("rule_id", "source"),
    [
        ("LM006", '"""How to write find_module in a finder."""\ndef find_module(name): ...\n'),
        ("LM008", "def load_module(name):\n    class Inner: pass\n"),
        ("LM008", "class Loader:\n    if True:\n        def load_module(self, name): ...\n"),
        ("LM009", '"""Old code did: import imp; imp.new_module(name)."""\n'),
        ("LM010", "from . import imp\nimp.reload(x)\n"),
    ],
)
def test_a_file_whose_ast_rules_the_rule_out_is_not_parsed(rule_id: str, source: str) -> None:
    rule = rule_by_id(rule_id)
    assert applicable_rules(source.encode(), [rule]) == [rule]
    outcome = rewrite_source(source.encode(), "words.py", [rule])
    assert not outcome.parsed and outcome.findings == [] and outcome.rewritten is None


def word_by_word(data: bytes, rules: tuple[type[Rule], ...]) -> list[type[Rule]]:
    """The prefilter as its docstring states it, one word at a time: the reference."""
    found = [
        rule
        for rule in rules
        if any(word in data for word in rule.TRIGGERS)
        and (rule.PATTERN is None or rule.PATTERN.search(data))
    ]
    return sorted(found, key=lambda rule: rule.REWRITES)


ALL_TRIGGER_WORDS = sorted({word for rule in ALL_RULES for word in rule.TRIGGERS})
#: Trigger words, their anchors, pieces of both, and what patterns look at around them.
PREFILTER_PIECES = [
    *ALL_TRIGGER_WORDS,
    *TRIGGER_ANCHORS,
    *(word[:cut] for word in ALL_TRIGGER_WORDS for cut in (2, -2) if len(word) > 4),
    b"def ",
    b"import ",
    b".",
    b" ",
    b"\n",
    b"(",
    b"x",
]


def test_anchored_prefilter_matches_word_by_word_on_every_fixture() -> None:
    every_rule = tuple(ALL_RULES)
    cases = sorted(FIXTURES.rglob("*.py"))
    assert len(cases) > 100
    for case in cases:
        data = case.read_bytes()
        assert applicable_rules(data, every_rule) == word_by_word(data, every_rule), case
        for rule in every_rule:  # one rule at a time: other anchor groups
            assert applicable_rules(data, [rule]) == word_by_word(data, (rule,)), (case, rule)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PREFILTER_PIECES), max_size=12))
def test_anchored_prefilter_matches_word_by_word(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert applicable_rules(data, ALL_RULES) == word_by_word(data, tuple(ALL_RULES))


@pytest.mark.parametrize("case", sorted(FIXTURES.rglob("*.py"))[::7], ids=lambda path: path.name)
def test_rules_to_parse_says_whether_rewrite_source_parses(case: Path) -> None:
    data = case.read_bytes()
    outcome = rewrite_source(data, str(case))
    assert bool(rules_to_parse(data, str(case))) == (
        outcome.parsed or (outcome.error or "").startswith("cannot parse")
    )


def test_a_file_the_ast_cannot_read_still_goes_to_libcst() -> None:
    source = b"class F:\n    def find_module(self, fullname, path=None): ...\nprint 'x'\n"
    outcome = rewrite_source(source, "py2.py", [rule_by_id("LM006")])
    assert outcome.error is not None and outcome.error.startswith("cannot parse")


# -- the benchmark script: it runs and fills in its table (never a timing threshold) ----------


@pytest.mark.scripts
def test_benchmark_script_runs_on_a_tiny_tree(tmp_path: Path) -> None:
    import loadermig

    from ..conftest import ROOT

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "finder.py").write_text(MetaPathFinder.BEFORE, encoding="utf-8")
    (tree / "plain.py").write_text("x = 1\n", encoding="utf-8")
    # Stand-ins for the peers, so that the test downloads nothing: each records its arguments.
    peers = tmp_path / "peers"
    (peers / "bin").mkdir(parents=True)
    for peer in ("ruff", "pyupgrade"):
        stub = peers / "bin" / peer
        stub.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / peer}.args\n', encoding="utf-8")
        stub.chmod(0o755)
    script = ROOT / "benchmarks" / "bench_codemod.py"
    sys.path.insert(0, str(script.parent))
    try:
        from bench_codemod import PEERS
    finally:
        sys.path.remove(str(script.parent))
    (peers / "installed.txt").write_text("\n".join(PEERS), encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench_shim:start -->\n<!-- bench_shim:end -->\nend\n")
    env = dict(os.environ, PYTHONPATH=str(Path(loadermig.__file__).parents[1]))
    command = [
        *(sys.executable, str(script), "--lib", str(tree), "--site-packages", str(tree)),
        *("--peers", str(peers), "--quick", "--readme", str(readme)),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    rows = result.stdout
    assert "| `rewrite --dry-run` over `lib/` (2 files) |" in rows
    assert "| `rewrite --dry-run` over `tree` (2 files, 0k lines) |" in rows
    assert "| `scan -j 1` over the 1 files of that site-packages defining legacy hooks |" in rows
    assert "| I/O floor: discover + read every file | 2 |" in rows
    assert "| libcst floor: parse + metadata of the files that reach libcst | 1 |" in rows
    assert "| `rewrite --dry-run`, first half of the files | 1 |" in rows
    ruff_args = (tmp_path / "ruff.args").read_text().split()
    assert ruff_args[-2:] == ["finder.py", "plain.py"] and "--diff" in ruff_args
    assert (tmp_path / "pyupgrade.args").read_text().split() == [
        "--py36-plus",
        "finder.py",
        "plain.py",
    ]
    updated = readme.read_text()
    assert updated.startswith("intro\n<!-- bench_shim:start -->\n<!-- bench_shim:end -->\nend\n")
    assert "## Speed of `loadermig rewrite`" in updated
    assert "<!-- bench_codemod:start -->\nPython " in updated


@pytest.mark.scripts
def test_benchmark_per_file_profile_splits_the_time_by_what_the_rewrite_did(
    tmp_path: Path,
) -> None:
    import loadermig

    from ..conftest import ROOT

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "finder.py").write_text(MetaPathFinder.BEFORE, encoding="utf-8")
    (tree / "reported.py").write_text("import pkgutil\npkgutil.ImpImporter()\n")
    # A skip comment leaves even the report-only rules to libcst.
    skipped = "import pkgutil\npkgutil.ImpImporter()\nx = 1  # loadermig: skip\n"
    (tree / "reported_with_skip.py").write_text(skipped)
    (tree / "plain.py").write_text("x = 1\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(Path(loadermig.__file__).parents[1]))
    script = ROOT / "benchmarks" / "bench_codemod.py"
    command = [sys.executable, str(script), "--lib", str(tree), "--per-file"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    counts = {
        line.split(" | ")[0].strip("| "): int(line.split(" | ")[1])
        for line in result.stdout.splitlines()
        if line.startswith("| ") and line.count(" | ") == 3 and line.split(" | ")[1].isdigit()
    }
    assert counts == {
        "all": 3,
        "decided on `ast` alone": 1,
        "reaching libcst": 2,
        "reaching libcst, changed by the rewrite": 1,
        "reaching libcst, unchanged": 1,
        "reaching libcst, unchanged, only report-only findings or none": 1,
        "reaching libcst, unchanged, no finding": 0,
    }
    assert "| `finder.py` |" in result.stdout and "| yes | yes | LM006 |" in result.stdout
    assert "| `reported.py` |" in result.stdout and "| no | no | LM011 |" in result.stdout


#: Modules whose import block the rules' ``AddImportsVisitor`` must find as libcst's does.
IMPORT_BLOCK_SHAPES = {
    "empty": "",
    "no imports": "x = 1\n",
    "docstring, then imports": '"""Doc."""\nimport os\nfrom sys import path\n\nx = 1\n',
    "docstring alone": '"""Doc."""\n',
    "strict flag": "__strict__ = True\nimport os\n",
    "future import": "from __future__ import annotations\nimport os\n",
    "imports only": "import os\nfrom importlib import util\n",
    "two imports on one line end the block": "import os; import sys\nfrom importlib import abc\n",
    "code ends the block": "import os\nx = 1\nfrom importlib import machinery\n",
    "nested imports are not the block": (
        "import os\n\n\nclass C:\n    from importlib import util\n\n"
        "    def f(self):\n        import importlib.util\n        from sys import path\n"
    ),
    "a from import to extend": "from importlib import abc\n\n\ndef f():\n    return abc\n",
    "already there": "import importlib.util\nfrom sys import modules, path\n",
    "comment before the code": "import os\n# the code\nx = 1\n",
}
#: (module, name) requests as the rules make them.
IMPORT_REQUESTS = [
    ("importlib.util", None),
    ("sys", "modules"),
    ("importlib", "machinery"),
    ("__future__", "annotations"),
]


@pytest.mark.parametrize("source", IMPORT_BLOCK_SHAPES.values(), ids=IMPORT_BLOCK_SHAPES.keys())
@pytest.mark.parametrize("requests", [IMPORT_REQUESTS[:1], IMPORT_REQUESTS], ids=["one", "all"])
def test_import_visitor_on_the_shared_tree_adds_what_libcst_adds(
    source: str, requests: list[tuple[str, str | None]]
) -> None:
    # The rules' AddImportsVisitor reads and rebuilds only the import block; libcst's visits
    # the whole tree. They must write the same.
    from libcst.codemod.visitors import AddImportsVisitor

    from loadermig.codemod.rules._base import SHARED_KEY
    from loadermig.codemod.rules._shared import IMPORT_VISITORS, SharedTree

    def with_requests(context: CodemodContext) -> CodemodContext:
        for module, name in requests:
            AddImportsVisitor.add_needed_import(context, module, name)
        return context

    expected = AddImportsVisitor(with_requests(CodemodContext())).transform_module(
        cst.parse_module(source)
    )
    context = with_requests(CodemodContext())
    shared = SharedTree(cst.parse_module(source), source)
    context.scratch[SHARED_KEY] = shared
    visitor = dict(IMPORT_VISITORS)[AddImportsVisitor.CONTEXT_KEY]
    assert visitor(context).transform_module(shared.module).code == expected.code


class RenameClasses(Rule):
    """Test rule: appends 2 to every class name (it has a hook for classes alone)."""

    ID = "LM954"
    TITLE = "test rule"
    TRIGGERS = (b"class",)
    BEFORE = AFTER = ""

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        return updated_node.with_changes(name=cst.Name(updated_node.name.value + "2"))


CLASSES_HERE_AND_THERE = """\
import os

def plain():
    return os.sep

def factory():
    class Inner:
        pass
    return Inner

class Outer:
    def method(self):
        return 1
"""


@pytest.mark.parametrize("skips", [True, False])
def test_a_rule_rebuilds_only_the_statements_holding_nodes_it_has_hooks_for(
    skips: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loadermig.codemod.rules._base import SHARED_KEY
    from loadermig.codemod.rules._shared import SharedTree, SharedTreeCommand

    monkeypatch.setattr(SharedTreeCommand, "SKIPS_STATEMENTS", skips)
    module = cst.parse_module(CLASSES_HERE_AND_THERE)
    context = CodemodContext()
    shared = SharedTree(module, module.code)
    context.scratch[SHARED_KEY] = shared
    result = RenameClasses(context).transform_module(shared.module)
    assert result.code == CLASSES_HERE_AND_THERE.replace("Inner:", "Inner2:").replace(
        "Outer:", "Outer2:"
    )
    before, after = shared.module.body, result.body
    # the import and plain() hold no class: handed on as they are, not rebuilt
    assert [after[i] is before[i] for i in range(4)] == [skips, skips, False, False]
    # inside a class, a method holding no class is not rebuilt either
    outer_method = after[3].body.body[0]
    assert (outer_method is before[3].body.body[0]) is skips


class InsertWithImport(Insert):
    """Test rule: puts three statements at the top of the file and asks for ``import sys``."""

    ID = "LM955"

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        self.add_needed_import("sys")
        return super().leave_Module(original_node, updated_node)


@pytest.mark.parametrize(
    ("source", "copies"),
    [(b"x = 1\nmarker\n", 1), (b"x = 1\nmarker  # loadermig: skip LM950\n", 2)],
    ids=["without skip comments", "with a skip comment"],
)
def test_the_visitor_adding_imports_works_on_the_rules_result_as_it_is(
    source: bytes, copies: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It reads the import block alone: the tree is copied (for its metadata) once, for the
    # rule after it, not for it too; where skip comments are to be honoured it needs the
    # positions, and gets its own copy.
    from libcst.metadata import MetadataWrapper

    made: list[bool] = []
    real_init = MetadataWrapper.__init__

    def counting_init(
        self: MetadataWrapper, module: cst.Module, *args: object, **kw: object
    ) -> None:
        made.append(bool(kw.get("unsafe_skip_copy", args[0] if args else False)))
        real_init(self, module, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(MetadataWrapper, "__init__", counting_init)
    outcome = rewrite_source(source, "f.py", (InsertWithImport, Seen))
    assert outcome.rewritten is not None and outcome.rewritten.startswith(b"import sys\n")
    assert made.count(False) == copies
