"""`rewrite` never writes outside the paths it was given (issue #15): symbolic links.

A file reached through a symbolic link whose target resolves outside every path given is
read and reported, but neither written nor diffed; its findings stay [fixable]. A path named
on the command line is written even if it is a link. A real file reached twice is processed
once, under the first path met. Each case runs with `-j 1` and with workers, on `rewrite`,
`--dry-run` and `--check`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from loadermig.codemod.report import json_report_schema

from ..conftest import ROOT
from ._support import EXPECTED, GOOD, invoke, leftover_temporaries, naming

MODES = {"write": (), "diff": ("--dry-run",), "check": ("--check",)}
JOBS = ("1", "2")
OUTSIDE = "symbolic link to outside the given paths"
MANUAL = b"import imp\nmodule = imp.load_source('m', 'm.py')\n"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))


@pytest.fixture(params=sorted(MODES))
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=JOBS)
def jobs(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def put(path: Path, content: bytes = GOOD) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def link(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def rewrite(project: Path, mode: str, jobs: str, *paths: str) -> Result:
    return invoke(project, ["rewrite", *MODES[mode], "-j", jobs, *(paths or ["."])])


def report(result: Result, mode: str) -> str:
    """The text report: on stderr when stdout carries the diff."""
    return result.stderr if mode == "diff" else result.stdout


def notice(shown: str, mode: str, target: Path) -> str:
    verb = "not written" if mode == "write" else "would not be written"
    return f"{shown}: {verb}: {OUTSIDE}: {os.path.realpath(target)}"


def summary_tail(count: int, mode: str) -> str:
    verb = "not written" if mode == "write" else "would not be written"
    return f", {count} {verb} (symbolic link outside the given paths)"


def assert_untouched(*files: Path) -> None:
    for file in files:
        assert file.read_bytes() == GOOD, file
        assert not leftover_temporaries(file.parent)


def test_linked_file_outside_is_reported_not_written(tmp_path: Path, mode: str, jobs: str) -> None:
    shared = put(tmp_path / "shared/compat.py")
    project = tmp_path / "project"
    link(project / "pkg/compat.py", "../../shared/compat.py")

    result = rewrite(project, mode, jobs)

    assert result.exit_code == 0, result.output
    assert_untouched(shared)
    assert (project / "pkg/compat.py").is_symlink()
    text = report(result, mode)
    assert naming(text, "pkg/compat.py")[0] == notice("pkg/compat.py", mode, shared)
    findings = naming(text, "pkg/compat.py")[1:]
    assert findings and all(line.endswith("[fixable]") for line in findings)
    assert text.splitlines()[-1].endswith(summary_tail(1, mode))
    assert "0 rewritten" in text.splitlines()[-1] or "0 would be rewritten" in text
    if mode == "diff":
        assert result.stdout == ""


def test_linked_directory_outside_is_told_once(tmp_path: Path, mode: str, jobs: str) -> None:
    library = tmp_path / "elsewhere/lib"
    outside = [put(library / "a.py"), put(library / "sub/b.py"), put(library / "plain.py", b"")]
    project = tmp_path / "project"
    own = put(project / "own.py")
    link(project / "vendored", "../elsewhere/lib")

    result = rewrite(project, mode, jobs)

    assert_untouched(*outside[:2])
    text = report(result, mode)
    told = [line for line in text.splitlines() if OUTSIDE in line]
    assert told == [notice("vendored", mode, library)]
    assert naming(text, "vendored/a.py") and naming(text, "vendored/sub/b.py")
    assert all(line.endswith("[fixable]") for line in naming(text, "vendored/a.py"))
    assert text.splitlines()[-1].endswith(summary_tail(2, mode))
    # The file inside the given path is handled as ever.
    if mode == "write":
        assert result.exit_code == 0 and own.read_bytes() == EXPECTED
    else:
        assert own.read_bytes() == GOOD
    if mode == "diff":
        assert result.exit_code == 0
        assert "own.py" in result.stdout and "lib" not in result.stdout
    if mode == "check":
        assert result.exit_code == 1  # own.py would change


@pytest.mark.parametrize("chain", ["file", "directory"])
def test_a_link_chain_ending_outside_is_not_written(
    tmp_path: Path, mode: str, jobs: str, chain: str
) -> None:
    project = tmp_path / "project"
    if chain == "file":  # entry.py -> pkg/hop.py -> ../../shared/end.py
        target = put(tmp_path / "shared/end.py")
        link(project / "pkg/hop.py", "../../shared/end.py")
        link(project / "entry.py", "pkg/hop.py")
        outside, shown, link_shown = target, "entry.py", "entry.py"
    else:  # lib -> hop -> ../shared
        target = tmp_path / "shared"
        outside = put(target / "end.py")
        link(project / "hop", "../shared")
        link(project / "lib", "hop")
        shown, link_shown = "hop/end.py", "hop"  # "hop" sorts first: the first path met

    result = rewrite(project, mode, jobs)

    assert result.exit_code == 0, result.output
    assert_untouched(outside)
    text = report(result, mode)
    assert [line for line in text.splitlines() if OUTSIDE in line] == [
        notice(link_shown, mode, target)
    ]
    findings = [line for line in naming(text, shown) if OUTSIDE not in line]
    assert findings and all(line.endswith("[fixable]") for line in findings)
    assert "1 file scanned" in text  # the real file once, however many links lead to it
    assert text.splitlines()[-1].endswith(summary_tail(1, mode))
    if mode == "diff":
        assert result.stdout == ""


def test_a_link_inside_is_processed_and_written_once(tmp_path: Path, mode: str, jobs: str) -> None:
    project = tmp_path / "project"
    own = put(project / "pkg/own.py")
    link(project / "pkg/alias.py", "own.py")  # met first: "alias" < "own"
    link(project / "pkg_again", "pkg")  # a directory link inside, met after pkg
    put(project / "pkg/stays.py", MANUAL)  # nothing to write: reported once all the same
    link(project / "pkg/also_stays.py", "stays.py")

    result = rewrite(project, mode, jobs)

    text = report(result, mode)
    assert OUTSIDE not in text
    assert naming(text, "pkg/alias.py") and not naming(text, "pkg/own.py")
    assert not naming(text, "pkg_again/alias.py") and not naming(text, "pkg_again/own.py")
    assert naming(text, "pkg/also_stays.py") and not naming(text, "pkg/stays.py")
    assert text.splitlines()[-1].startswith("2 files scanned, 1 ")
    assert (project / "pkg/alias.py").is_symlink()
    if mode == "write":
        assert result.exit_code == 0 and own.read_bytes() == EXPECTED
        assert all(line.endswith("[fixed]") for line in naming(text, "pkg/alias.py"))
    else:
        assert own.read_bytes() == GOOD
        assert result.exit_code == (1 if mode == "check" else 0)
    if mode == "diff":  # once, naming the real file
        assert result.stdout.count("+++ ") == 1 and "+++ b/pkg/own.py" in result.stdout


@pytest.mark.parametrize("named", ["pkg/compat.py", "vendored", "vendored/a.py"])
def test_a_linked_path_named_explicitly_is_written(
    tmp_path: Path, mode: str, jobs: str, named: str
) -> None:
    shared = put(tmp_path / "shared/compat.py")
    library = put(tmp_path / "elsewhere/lib/a.py")
    project = tmp_path / "project"
    link(project / "pkg/compat.py", "../../shared/compat.py")
    link(project / "vendored", "../elsewhere/lib")
    target = shared if named == "pkg/compat.py" else library

    result = rewrite(project, mode, jobs, named)

    text = report(result, mode)
    assert OUTSIDE not in text and "not written" not in text
    shown = named if named.endswith(".py") else f"{named}/a.py"
    assert naming(text, shown)
    if mode == "write":
        assert result.exit_code == 0 and target.read_bytes() == EXPECTED
        assert (project / "pkg/compat.py").is_symlink() and (project / "vendored").is_symlink()
    else:
        assert target.read_bytes() == GOOD
        assert result.exit_code == (1 if mode == "check" else 0)
    if mode == "diff":
        assert result.stdout.count("+++ ") == 1


def test_a_link_outside_with_manual_work_still_fails_check(tmp_path: Path, jobs: str) -> None:
    shared = put(tmp_path / "shared/legacy.py", MANUAL)
    project = tmp_path / "project"
    link(project / "legacy.py", "../shared/legacy.py")

    result = rewrite(project, "check", jobs)

    assert result.exit_code == 1  # as for a file left unchanged that needs a person
    assert any(line.endswith("[manual]") for line in naming(result.stdout, "legacy.py"))
    assert shared.read_bytes() == MANUAL


def test_scan_sees_links_outside_as_before(tmp_path: Path, jobs: str) -> None:
    put(tmp_path / "elsewhere/lib/a.py")
    project = tmp_path / "project"
    link(project / "vendored", "../elsewhere/lib")

    result = invoke(project, ["scan", "-j", jobs, "."])

    assert result.exit_code == 1
    assert OUTSIDE not in result.stdout and "not written" not in result.stdout
    assert all(line.endswith("[fixable]") for line in naming(result.stdout, "vendored/a.py"))
    assert result.stdout.splitlines()[-1].startswith("1 file scanned, ")


def test_json_and_sarif_reports_say_the_same(tmp_path: Path, mode: str, jobs: str) -> None:
    library = tmp_path / "elsewhere/lib"
    outside = [put(library / "a.py"), put(library / "b.py")]
    project = tmp_path / "project"
    link(project / "vendored", "../elsewhere/lib")
    args = ["rewrite", *MODES[mode], "-j", jobs, "--output"]

    as_json = invoke(project, [*args, "report.json", "--format", "json", "."])
    as_sarif = invoke(project, [*args, "report.sarif", "--format", "sarif", "."])

    assert as_json.exit_code == as_sarif.exit_code == 0
    assert_untouched(*outside)
    document = json.loads((project / "report.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(json_report_schema()).validate(document)
    target = os.path.realpath(library)
    expected = {"link": "vendored", "target": target}
    assert [entry["path"] for entry in document["files"]] == ["vendored/a.py", "vendored/b.py"]
    for entry in document["files"]:
        assert entry["not_written"] == expected and entry["changed"] is False
        assert entry["findings"] and all(finding["fixed"] for finding in entry["findings"])
    assert document["summary"]["not_written"] == 2 and document["summary"]["changed"] == 0

    log = json.loads((project / "report.sarif").read_text("utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    run = log["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "note"
    assert note["message"]["text"] == notice("vendored", mode, library)
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "vendored"
    assert run["properties"]["summary"]["not_written"] == 2
    assert not any("fixes" in entry for entry in run["results"])


def test_reports_without_such_links_are_as_before(tmp_path: Path) -> None:
    put(tmp_path / "project/own.py")

    result = invoke(tmp_path / "project", ["rewrite", "--check", "--format", "json", "."])

    document = json.loads(result.stdout)
    assert "not_written" not in document["summary"]
    assert all("not_written" not in entry for entry in document["files"])
