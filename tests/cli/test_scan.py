"""``loadermig scan``, ``loadermig rules`` and the options ``scan`` and ``rewrite`` share."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from loadermig.cli import main
from loadermig.codemod.rules import ALL_RULES, Rule, rule_by_id
from loadermig.progress import Progress

from ..conftest import ROOT
from ._support import invoke as run_in
from ._support import runner

PYLOADER = b"from importlib.abc import PyLoader\n\n\nclass L(PyLoader):\n    pass\n"
SET_LOADER = (
    b"from importlib.util import set_loader\n\n\n@set_loader\ndef load(self, n):\n    pass\n"
)
MODERN = b"import importlib.abc\n"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def invoke(root: Path, *args: str, stdin: bytes | None = None) -> Result:
    """Run ``loadermig ARGS`` in this process with ``root`` as the current directory."""
    return run_in(root, args, stdin)


def make(root: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def unchanged(root: Path, files: dict[str, bytes]) -> bool:
    return all((root / name).read_bytes() == content for name, content in files.items())


def finding_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": LM" in line]


# scan ------------------------------------------------------------------------------------


def test_scan_reports_what_rewrite_would_do_and_writes_nothing(tmp_path: Path) -> None:
    files = make(tmp_path, {"a.py": PYLOADER, "b.py": SET_LOADER, "c.py": MODERN})
    result = invoke(tmp_path, "scan", ".")
    assert result.exit_code == 1
    assert unchanged(tmp_path, files)
    lines = finding_lines(result.stdout)
    assert lines[0].startswith("a.py:4:9: LM002 ") and lines[0].endswith("[fixable]")
    assert lines[1].startswith("b.py:4:1: LM005 kept: @set_loader (removed in Python 3.12) ")
    assert lines[1].endswith("[manual]")
    assert result.stdout.splitlines()[-1] == (
        "3 files scanned, 1 fixable and 1 manual findings, 0 failed"
    )


def test_scan_of_a_clean_tree_exits_0(tmp_path: Path) -> None:
    make(tmp_path, {"c.py": MODERN, "pkg/d.py": b"x = 1\n"})
    result = invoke(tmp_path, "scan", ".")
    assert result.exit_code == 0
    assert result.stdout == "2 files scanned, 0 fixable and 0 manual findings, 0 failed\n"


def test_scan_names_bad_input_and_exits_3(tmp_path: Path) -> None:
    make(tmp_path, {"a.py": PYLOADER, "py2.py": b"# PyLoader\nprint 'x'\n"})
    result = invoke(tmp_path, "scan", ".")
    assert result.exit_code == 3
    assert result.stderr.startswith("py2.py: error: cannot parse")
    assert finding_lines(result.stdout)[0].startswith("a.py:4:9: LM002")


def test_rewrite_check_and_dry_run_say_fixable_and_rewrite_says_fixed(tmp_path: Path) -> None:
    make(tmp_path, {"a.py": PYLOADER})
    assert finding_lines(invoke(tmp_path, "rewrite", "--check", ".").stdout)[0].endswith(
        "[fixable]"
    )
    assert finding_lines(invoke(tmp_path, "rewrite", "--dry-run", ".").stderr)[0].endswith(
        "[fixable]"
    )
    assert finding_lines(invoke(tmp_path, "rewrite", ".").stdout)[0].endswith("[fixed]")


# rules -----------------------------------------------------------------------------------


def test_rules_lists_every_rule() -> None:
    result = runner().invoke(main, ["rules"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [rule.ID for rule in ALL_RULES]
    assert lines[0].startswith("LM001  rewrite  ")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_rules_explains_one_rule_with_before_and_after(rule: type) -> None:
    result = runner().invoke(main, ["rules", rule.ID.lower()])  # type: ignore[attr-defined]
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith(f"{rule.ID}: {rule.TITLE}\n")  # type: ignore[attr-defined]
    before_line = rule.BEFORE.strip().splitlines()[0]  # type: ignore[attr-defined]
    assert f"Before:\n\n    {before_line}" in text
    assert "\nAfter:\n\n" in text


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.ID)
def test_rules_explains_every_reason_of_a_rule_after_its_example(rule: type[Rule]) -> None:
    text = runner().invoke(main, ["rules", rule.ID]).stdout
    head, _, reasons = text.partition("\nFindings, by reason\n\n")
    assert "\nAfter:\n\n" in head and reasons
    explained = {}
    for block in reasons.strip("\n").split("\n\n"):
        key, *body = block.splitlines()
        assert key.startswith("  ") and not key.startswith("   ")
        assert all(line.startswith("      ") for line in body)
        explained[key.strip()] = " ".join(" ".join(body).split())
    assert explained == {reason: " ".join(rule.details(reason).split()) for reason in rule.DETAILS}
    assert explained, "a rule without reasons"


def test_rules_rejects_an_unknown_rule() -> None:
    result = runner().invoke(main, ["rules", "LM999"])
    assert result.exit_code == 2
    assert "no rule 'LM999'" in result.stderr


# --show-details ----------------------------------------------------------------------------


def details_under_findings(text: str) -> list[tuple[str, str]]:
    """(finding line, the indented text under it, words joined by single spaces)."""
    pairs: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if ": LM" in line and not line.startswith(" "):
            pairs.append((line, []))
        elif line.startswith("    ") and pairs:
            pairs[-1][1].append(line)
    return [(line, " ".join(" ".join(body).split())) for line, body in pairs]


@pytest.mark.parametrize(
    ("command", "stream"),
    [
        (["scan"], "stdout"),
        (["rewrite"], "stdout"),
        (["rewrite", "--dry-run"], "stderr"),
        (["rewrite", "--check"], "stdout"),
    ],
)
@pytest.mark.parametrize("flag", ["-v", "--show-details"])
def test_show_details_prints_each_explanation_under_its_finding(
    tmp_path: Path, command: list[str], stream: str, flag: str
) -> None:
    make(tmp_path, {"a.py": PYLOADER, "b.py": SET_LOADER})
    plain = getattr(invoke(tmp_path, *command, "."), stream)
    make(tmp_path, {"a.py": PYLOADER, "b.py": SET_LOADER})
    shown = getattr(invoke(tmp_path, *command, flag, "."), stream)
    pairs = details_under_findings(shown)
    lm002 = rule_by_id("LM002")
    lm005 = rule_by_id("LM005")
    expected = [
        " ".join(lm002.details("converted").split()),
        " ".join(lm005.details("set_loader-decorator-removed").split()),
    ]
    assert [details for _, details in pairs] == expected
    assert [line for line, _ in pairs] == finding_lines(plain)  # the same short lines
    assert details_under_findings(plain) == [(line, "") for line in finding_lines(plain)]
    assert shown.splitlines()[-1] == plain.splitlines()[-1]  # the summary line is unchanged


@pytest.mark.parametrize("flag", [[], ["-v"]])
def test_json_and_sarif_carry_the_details_with_or_without_the_flag(
    tmp_path: Path, flag: list[str]
) -> None:
    make(tmp_path, {"b.py": SET_LOADER})
    details = rule_by_id("LM005").details("set_loader-decorator-removed")
    report = json.loads(invoke(tmp_path, "scan", "--format", "json", *flag, ".").stdout)
    [finding] = report["files"][0]["findings"]
    assert finding["reason"] == "set_loader-decorator-removed"
    assert finding["details"] == details and len(finding["message"]) <= 100
    log = json.loads(invoke(tmp_path, "scan", "--format", "sarif", *flag, ".").stdout)
    [result] = log["runs"][0]["results"]
    assert result["message"]["text"] == finding["message"]
    assert result["message"]["markdown"].endswith("\n\n" + details)
    jsonschema.validate(log, SARIF_SCHEMA)


# shared options --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["scan"], ["rewrite", "--check"]])
def test_select_and_ignore(tmp_path: Path, command: list[str]) -> None:
    make(tmp_path, {"a.py": PYLOADER, "b.py": SET_LOADER})
    only_lm005 = invoke(tmp_path, *command, "--select", "LM005", ".")
    assert [line.split()[1] for line in finding_lines(only_lm005.stdout)] == ["LM005"]
    without = invoke(tmp_path, *command, "--ignore", "lm002,LM005", ".")
    assert finding_lines(without.stdout) == []
    assert without.exit_code == 0


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_an_unknown_rule_is_a_usage_error_naming_it(tmp_path: Path, option: str) -> None:
    result = invoke(tmp_path, "scan", option, "LM006,LM606", ".")
    assert result.exit_code == 2
    assert "unknown rule 'LM606'" in result.stderr


def test_exclude_globs_on_names_and_on_paths(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "src/keep.py": PYLOADER,
            "src/gen/out_pb2.py": PYLOADER,
            "src/vendored/six.py": PYLOADER,
            "tests/gen/t.py": PYLOADER,
        },
    )
    result = invoke(tmp_path, "scan", "--exclude", "*_pb2.py", "--exclude", "src/vendored", ".")
    assert sorted({line.split(":")[0] for line in finding_lines(result.stdout)}) == [
        "src/keep.py",
        "tests/gen/t.py",
    ]
    # the user's own exclusions also apply to files named explicitly (as pre-commit names them)
    named = invoke(tmp_path, "scan", "--exclude", "*_pb2.py", "src/gen/out_pb2.py")
    assert named.exit_code == 0
    assert named.stdout.startswith("0 files scanned")


def test_gitignore_is_honoured_inside_a_git_work_tree(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            ".gitignore": b"generated/\nscratch_*.py\n",
            "src/keep.py": PYLOADER,
            "src/generated/big.py": PYLOADER,
            "src/scratch_1.py": PYLOADER,
            "src/tracked_scratch/scratch_2.py": PYLOADER,
        },
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    # a tracked file is never ignored, whatever .gitignore says (git's own rule)
    subprocess.run(
        ["git", "add", "-f", "src/tracked_scratch/scratch_2.py"], cwd=tmp_path, check=True
    )
    result = invoke(tmp_path, "scan", "src")
    assert sorted({line.split(":")[0] for line in finding_lines(result.stdout)}) == [
        "src/keep.py",
        "src/tracked_scratch/scratch_2.py",
    ]
    # a file named explicitly is processed even when ignored
    named = invoke(tmp_path, "scan", "src/scratch_1.py")
    assert finding_lines(named.stdout)[0].startswith("src/scratch_1.py:")


def test_a_gitignore_outside_a_work_tree_means_nothing(tmp_path: Path) -> None:
    make(tmp_path, {".gitignore": b"*.py\n", "a.py": PYLOADER})
    result = invoke(tmp_path, "scan", ".")
    assert finding_lines(result.stdout)[0].startswith("a.py:")


def test_pyproject_configuration_is_used_and_options_win(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            "pyproject.toml": b'[tool.loadermig]\nignore = ["LM002"]\nexclude = ["old"]\n',
            "src/a.py": PYLOADER,
            "src/b.py": SET_LOADER,
            "src/old/c.py": SET_LOADER,
        },
    )
    result = invoke(tmp_path / "src", "scan", ".")
    assert [line.split()[0] for line in finding_lines(result.stdout)] == ["b.py:4:1:"]
    overridden = invoke(tmp_path / "src", "scan", "--ignore", "LM005", ".")
    assert [line.split()[1] for line in finding_lines(overridden.stdout)] == ["LM002"]


def test_a_bad_configuration_is_a_usage_error_naming_the_key(tmp_path: Path) -> None:
    make(tmp_path, {"pyproject.toml": b"[tool.loadermig]\nexlude = ['x']\n", "a.py": PYLOADER})
    result = invoke(tmp_path, "rewrite", ".")
    assert result.exit_code == 2
    assert "unknown key 'exlude'" in result.stderr
    assert "pyproject.toml" in result.stderr
    assert (tmp_path / "a.py").read_bytes() == PYLOADER


def test_jobs_do_not_change_the_output(tmp_path: Path) -> None:
    files = {f"m{n:02}.py": (PYLOADER if n % 3 else SET_LOADER) for n in range(12)}
    make(tmp_path, files)
    serial = invoke(tmp_path, "scan", "-j", "1", ".")
    parallel = invoke(tmp_path, "scan", "--jobs", "2", ".")
    assert parallel.stdout == serial.stdout
    assert parallel.exit_code == serial.exit_code == 1
    assert invoke(tmp_path, "scan", "-j", "0", ".").exit_code == 2


def test_quiet_keeps_findings_and_drops_the_summary(tmp_path: Path) -> None:
    make(tmp_path, {"a.py": PYLOADER})
    result = invoke(tmp_path, "scan", "-q", ".")
    assert result.exit_code == 1
    assert len(finding_lines(result.stdout)) == len(result.stdout.splitlines()) == 1


def test_output_file_takes_the_text_report(tmp_path: Path) -> None:
    make(tmp_path, {"a.py": PYLOADER})
    result = invoke(tmp_path, "scan", "--output", "report.txt", ".")
    assert result.exit_code == 1
    assert result.stdout == ""
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert report.startswith("a.py:4:9: LM002") and "1 file scanned" in report


def test_a_report_cannot_share_stdout_with_a_diff(tmp_path: Path) -> None:
    make(tmp_path, {"a.py": PYLOADER})
    result = invoke(tmp_path, "rewrite", "--dry-run", "--format", "json", ".")
    assert result.exit_code == 2
    assert "give --output FILE" in result.stderr


# standard input --------------------------------------------------------------------------


def test_rewrite_of_stdin_writes_the_source_to_stdout(tmp_path: Path) -> None:
    result = invoke(tmp_path, "rewrite", "-", stdin=PYLOADER)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"from importlib.abc import SourceLoader\n")
    assert "<stdin>:4:9: LM002" in result.stderr


def test_stdin_that_needs_nothing_comes_back_byte_for_byte(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfx = 1\r\ny = 2"
    result = invoke(tmp_path, "rewrite", "-", stdin=data)
    assert result.exit_code == 0
    assert result.stdout_bytes == data


def test_stdin_that_cannot_be_parsed_comes_back_unchanged_and_exits_3(tmp_path: Path) -> None:
    data = b"# PyLoader\nprint 'x'\n"
    result = invoke(tmp_path, "rewrite", "--stdin-filename", "legacy/mod.py", "-", stdin=data)
    assert result.exit_code == 3
    assert result.stdout_bytes == data
    assert result.stderr.startswith("legacy/mod.py: error: cannot parse")


def test_scan_and_dry_run_of_stdin(tmp_path: Path) -> None:
    scanned = invoke(tmp_path, "scan", "--stdin-filename", "plug.py", "-", stdin=SET_LOADER)
    assert scanned.exit_code == 1
    assert finding_lines(scanned.stdout)[0].startswith("plug.py:4:1: LM005")
    diff = invoke(tmp_path, "rewrite", "--dry-run", "-", stdin=PYLOADER)
    assert diff.stdout.startswith("--- a/<stdin>\n+++ b/<stdin>\n")


def test_stdin_cannot_be_mixed_with_paths(tmp_path: Path) -> None:
    result = invoke(tmp_path, "scan", "-", ".", stdin=b"")
    assert result.exit_code == 2


# progress --------------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    make(tmp_path, {f"m{n}.py": MODERN for n in range(5)})
    result = invoke(tmp_path, "scan", ".")
    assert "\r" not in result.stderr and "[#" not in result.stderr


def test_with_a_bar_the_tree_is_walked_once_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import loadermig.cli
    from loadermig.codemod import engine, files

    make(tmp_path, {**{f"m{n}.py": MODERN for n in range(4)}, "old.py": PYLOADER})
    walks: list[object] = []
    real_discover = files.discover

    def discover(*args: object, **kwargs: object) -> object:
        walks.append(args)
        return real_discover(*args, **kwargs)

    monkeypatch.setattr(files, "discover", discover)
    monkeypatch.setattr(engine, "discover", discover)
    monkeypatch.setattr(loadermig.cli, "_wants_progress_bar", lambda options: True)
    result = invoke(tmp_path, "scan", ".")
    assert result.exit_code == 1, result.output
    assert "] 5/5 files" in result.stderr
    assert "old.py:" in result.stdout
    assert len(walks) == 1


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_clears_for_output_and_leaves_nothing() -> None:
    stream = FakeTerminal()
    progress = Progress(4, stream)
    for _ in range(4):
        progress.advance()
    assert stream.getvalue().endswith("[" + "#" * 30 + "] 4/4 files")
    with progress.paused():
        stream.write("a finding\n")
    progress.close()
    assert "\r\x1b[Ka finding\n" in stream.getvalue()
    assert stream.getvalue().endswith("a finding\n")  # nothing left on the line after close


def test_no_bar_without_a_total() -> None:
    stream = FakeTerminal()
    progress = Progress(None, stream)
    progress.advance()
    progress.close()
    assert stream.getvalue() == ""


# machine-readable reports through the command line ---------------------------------------


def test_json_report_on_stdout_validates_against_the_shipped_schema(tmp_path: Path) -> None:
    import json

    import jsonschema

    from loadermig.codemod.report import json_report_schema

    py2 = b"# PyLoader\nprint 'x'\n"
    make(tmp_path, {"a.py": PYLOADER, "b.py": SET_LOADER, "c.py": MODERN, "d.py": py2})
    result = invoke(tmp_path, "scan", "--format", "json", ".")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    jsonschema.validate(report, json_report_schema())
    assert [entry["path"] for entry in report["files"]] == ["a.py", "b.py", "d.py"]
    assert report["errors"][0]["path"] == "d.py"
    assert report["summary"]["findings"] == 2
    assert result.stderr.startswith("d.py: error: cannot parse")


def test_sarif_report_to_a_file_carries_the_fix_the_dry_run_prints(tmp_path: Path) -> None:
    import json

    import jsonschema

    from ..conftest import ROOT

    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    make(tmp_path, {"a.py": PYLOADER})
    result = invoke(
        tmp_path, "rewrite", "--dry-run", "--format", "sarif", "--output", "out.sarif", "."
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("--- a/a.py")  # the diff keeps stdout
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    (fixed,) = sarif["runs"][0]["results"]
    assert fixed["ruleId"] == "LM002"
    # the region spans the `PyLoader` base of `class L(PyLoader):` on line 4
    region = fixed["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 17}
    assert fixed["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"] == "a.py"
