"""The JSON and SARIF reports: valid against their schemas, true to the run, fixes exact.

The runs are real: the engine in check mode over copies of fixtures (plus a few synthetic
files) in a temporary directory. SARIF fixes are checked by applying them with an applier
written here from the SARIF specification's text-region rules, independently of report.py.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import tokenize
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadermig import __version__
from loadermig.codemod.engine import FileResult, Mode, Summary, process_paths
from loadermig.codemod.report import (
    FINGERPRINT_KEY,
    JSON_SCHEMA_ID,
    json_report,
    json_report_schema,
    sarif_replacements,
    sarif_report,
)
from loadermig.codemod.rules import ALL_RULES, rule_by_id
from loadermig.codemod.rules.docs import REASONS_HEADING

from ..conftest import FIXTURES, ROOT
from .test_diff import CASES as DIFF_CASES

SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))
BOM = codecs.BOM_UTF8
NON_ASCII_NAME = "caf\u00e9 1.py"
NON_ASCII_SOURCE = (
    "# \u00e9t\u00e9 \U0001f600\nimport imp\nm = imp.new_module('\u00fc')"  # no \n at end
)

# The run: relative path under the run's directory -> content (bytes) or fixture to copy.
FILES: dict[str, bytes | Path] = {
    "pkg/bad.py": b"import imp\n\xff\n",  # undecodable: an error
    f"pkg/{NON_ASCII_NAME}": NON_ASCII_SOURCE.encode(),
    "pkg/clean.py": b"x = 1\n",  # nothing to report
    "pkg/crlf.py": FIXTURES / "codemod" / "LM009" / "crlf.py",
    "pkg/finder.py": FIXTURES / "codemod" / "LM006" / "vendor_importer.py",
    "pkg/manual.py": FIXTURES / "codemod" / "LM009" / "refuse_other_uses.py",
}
LISTED = ["pkg/bad.py", f"pkg/{NON_ASCII_NAME}", "pkg/crlf.py", "pkg/finder.py", "pkg/manual.py"]


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def make_tree(root: Path, files: dict[str, bytes | Path]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.read_bytes() if isinstance(content, Path) else content)


def run_engine(root: Path, mode: Mode = Mode.CHECK) -> tuple[list[FileResult], Summary]:
    summary = Summary()
    with working_directory(root):
        results = list(process_paths(["pkg"], mode))
    for result in results:
        summary.add(result)
    return results, summary


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[FileResult], Summary]:
    root = tmp_path_factory.mktemp("run")
    make_tree(root, FILES)
    return run_engine(root)


def sarif(
    results: list[FileResult], summary: Summary, mode: Mode | str = Mode.CHECK
) -> dict[str, Any]:
    text = sarif_report(results, summary, command="rewrite", mode=mode, rules=ALL_RULES)
    log: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    return log


# --- a SARIF fix applier, from the specification's text-region rules --------------------


def line_starts(text: str) -> list[int]:
    """Offsets where SARIF lines start, line ends being \\r\\n, \\n and \\r."""
    starts, index = [0], 0
    while index < len(text):
        if text.startswith("\r\n", index):
            index += 2
        elif text[index] in "\r\n":
            index += 1
        else:
            index += 1
            continue
        if index < len(text):
            starts.append(index)
    return starts


def apply_replacements(original: bytes, replacements: list[dict[str, Any]]) -> bytes:
    """``original`` with SARIF replacements applied (regions of the original, line/column)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
    text = original.decode(encoding)  # utf-8-sig drops the BOM: regions do not count it
    starts = line_starts(text)

    def offset(line: int, column: int) -> int:
        assert 1 <= line <= len(starts) and column >= 1
        position = starts[line - 1] + column - 1
        if line < len(starts):  # the start of the next line is (line + 1, 1), never here
            assert position < starts[line]
        else:
            assert position <= len(text)
        assert position == 0 or text[position - 1 : position + 1] != "\r\n", "inside a \\r\\n"
        return position

    spans = []
    for replacement in replacements:
        region = replacement["deletedRegion"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        assert start <= end
        spans.append((start, end, replacement.get("insertedContent", {}).get("text", "")))
    for (_, end, _), (start, _, _) in zip(spans, spans[1:]):
        assert end <= start, "replacements out of order or overlapping"
    for start, end, inserted in reversed(spans):
        text = text[:start] + inserted + text[end:]
    out = text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    return BOM + out if encoding == "utf-8-sig" else out


def assert_round_trip(original: bytes, rewritten: bytes) -> list[dict[str, Any]]:
    replacements = sarif_replacements(original, rewritten)
    assert replacements is not None
    assert apply_replacements(original, replacements) == rewritten
    return replacements


# --- JSON ---------------------------------------------------------------------------------


def test_json_report_is_valid_and_true_to_the_run(run: tuple[list[FileResult], Summary]) -> None:
    results, summary = run
    text = json_report(results, summary, command="rewrite", mode=Mode.CHECK, rules=ALL_RULES)
    assert text.endswith("}\n") and text.isascii()
    report = json.loads(text)
    jsonschema.Draft202012Validator(
        json_report_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(report)

    assert report["schema"] == JSON_SCHEMA_ID == json_report_schema()["$id"]
    assert report["version"] == 2
    assert report["tool"] == {"name": "loadermig", "version": __version__}
    assert (report["command"], report["mode"]) == ("rewrite", "check")
    assert report["rules"] == [rule.ID for rule in ALL_RULES]
    assert [entry["path"] for entry in report["files"]] == LISTED  # run order, clean.py left out
    by_path = {result.path: result for result in results}
    for entry in report["files"]:
        result = by_path[entry["path"]]
        assert entry["changed"] is result.changed
        assert entry["error"] == result.error
        assert entry["skipped"] == 0
        assert entry["findings"] == [
            {
                "rule": f.rule,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "fixed": f.fixed,
                "reason": f.reason,
                "details": f.details,
            }
            for f in result.findings
        ]
        for finding in entry["findings"]:  # issue #16: short message, the why in details
            assert len(finding["message"]) <= 100 and "\n" not in finding["message"]
            assert finding["reason"] and len(finding["details"]) > len(finding["message"])
            assert finding["details"] == rule_by_id(finding["rule"]).details(finding["reason"])
    assert [entry["changed"] for entry in report["files"]] == [False, True, True, True, False]
    non_ascii = report["files"][1]["findings"]
    assert [(f["rule"], f["line"], f["column"], f["fixed"]) for f in non_ascii] == [
        ("LM009", 3, 5, True)
    ]
    assert len(report["files"][4]["findings"]) == 4
    [error] = report["errors"]
    assert error["path"] == "pkg/bad.py" and error["message"].startswith("cannot decode")
    assert report["summary"] == {
        "scanned": 5,
        "changed": 3,
        "manual": 1,
        "failed": 1,
        "findings": 7,
        "skipped": 0,
    }


def test_json_report_counts_places_left_alone(run: tuple[list[FileResult], Summary]) -> None:
    results, summary = run
    clean = next(result for result in results if result.path == "pkg/clean.py")
    manual = next(result for result in results if result.path == "pkg/manual.py")
    skipping = [
        FileResult(clean.path, findings=clean.findings, skipped=1),
        FileResult(manual.path, findings=manual.findings, skipped=2),
    ]
    summary = Summary()
    for result in skipping:
        summary.add(result)
    report = json.loads(
        json_report(skipping, summary, command="scan", mode=Mode.CHECK, rules=ALL_RULES)
    )
    jsonschema.Draft202012Validator(json_report_schema()).validate(report)
    assert [(f["path"], f["skipped"]) for f in report["files"]] == [
        ("pkg/clean.py", 1),
        ("pkg/manual.py", 2),
    ]
    assert report["summary"]["skipped"] == 3
    assert (report["command"], report["mode"]) == ("scan", "scan")  # scan runs as check


def test_reports_refuse_unknown_commands_and_modes() -> None:
    for report in (json_report, sarif_report):
        with pytest.raises(ValueError, match="unknown command"):
            report([], Summary(), command="fix", mode=Mode.CHECK, rules=ALL_RULES)
        with pytest.raises(ValueError, match="unknown mode"):
            report([], Summary(), command="scan", mode="dry-run", rules=ALL_RULES)
        with pytest.raises(ValueError, match="scan never runs"):
            report([], Summary(), command="scan", mode=Mode.WRITE, rules=ALL_RULES)
        with pytest.raises(ValueError, match="rewrite never runs"):
            report([], Summary(), command="rewrite", mode="scan", rules=ALL_RULES)


def test_schema_ties_the_mode_to_the_command() -> None:
    report = json.loads(json_report([], Summary(), command="scan", mode="scan", rules=[]))
    validator = jsonschema.Draft202012Validator(json_report_schema())
    validator.validate(report)
    assert not validator.is_valid({**report, "mode": "write"})
    assert not validator.is_valid({**report, "command": "rewrite"})
    assert validator.is_valid({**report, "command": "rewrite", "mode": "diff"})
    assert not validator.is_valid({**report, "surprise": 1})


def test_schema_holds_finding_messages_to_one_short_line() -> None:
    finding = {
        "rule": "LM006",
        "line": 1,
        "column": 1,
        "message": "find_spec() added to VendorImporter",
        "fixed": True,
        "reason": "added",
        "details": "find_spec(fullname, path=None, target=None) was added.",
    }
    file = {"path": "f.py", "changed": True, "findings": [finding], "skipped": 0, "error": None}
    report = json.loads(json_report([], Summary(), command="scan", mode="scan", rules=[]))
    report["files"] = [file]
    validator = jsonschema.Draft202012Validator(json_report_schema())
    validator.validate(report)
    for bad in ({"message": "x" * 101}, {"message": "one\ntwo"}, {"details": ""}):
        bad_file = {**file, "findings": [{**finding, **bad}]}
        assert not validator.is_valid({**report, "files": [bad_file]}), bad
    without = {key: value for key, value in finding.items() if key != "details"}
    assert not validator.is_valid({**report, "files": [{**file, "findings": [without]}]})


def test_schema_is_shipped_in_the_package() -> None:
    schema = json_report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- SARIF --------------------------------------------------------------------------------


def test_sarif_meets_github_code_scanning_requirements(
    run: tuple[list[FileResult], Summary],
) -> None:
    log = sarif(*run)
    assert log["version"] == "2.1.0" and log["$schema"].startswith("https://")
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "loadermig"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert [rule["id"] for rule in driver["rules"]] == [rule.ID for rule in ALL_RULES]
    for descriptor, rule in zip(driver["rules"], ALL_RULES):
        assert 0 < len(descriptor["name"]) <= 255
        assert 0 < len(descriptor["shortDescription"]["text"]) <= 1024
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1024
        assert rule.BEFORE.strip() in descriptor["help"]["markdown"]
        assert rule.AFTER.strip() in descriptor["help"]["markdown"]
        assert "Before:" in descriptor["help"]["text"]
        for reason in rule.DETAILS:  # each reason's long text, once per rule
            for help_format in ("text", "markdown"):
                assert REASONS_HEADING in descriptor["help"][help_format]
            one_line = " ".join(rule.details(reason).split())
            assert f"`{reason}`: {one_line}" in descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] in ("note", "warning", "error")
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    assert sarif_run["newlineSequences"] == ["\r\n", "\n", "\r"]  # what apply_replacements uses
    for result in sarif_run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("note", "warning")
        assert result["message"]["text"]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith("/") and ":" not in artifact["uri"]
        assert " " not in artifact["uri"] and "\\" not in artifact["uri"]
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert result["partialFingerprints"][FINGERPRINT_KEY]
        assert "primaryLocationLineHash" not in result["partialFingerprints"]


def test_sarif_results_are_the_findings(run: tuple[list[FileResult], Summary]) -> None:
    results, summary = run
    sarif_results = sarif(results, summary)["runs"][0]["results"]
    findings = [finding for result in results for finding in result.findings]
    assert len(sarif_results) == len(findings) == 7
    for entry, finding in zip(sarif_results, findings):
        region = entry["locations"][0]["physicalLocation"]["region"]
        assert entry["ruleId"] == finding.rule
        assert (region["startLine"], region["startColumn"]) == (finding.line, finding.column)
        assert entry["message"]["text"] == finding.message
        # Viewers that render Markdown show the message and then its details.
        markdown = entry["message"]["markdown"]
        assert markdown.endswith("\n\n" + finding.details) and finding.details
        assert markdown.split("\n\n", 1)[0].replace("\\", "") == finding.message
        assert entry["level"] == ("note" if finding.fixed else "warning")
        assert entry["properties"] == {"fixed": finding.fixed}
    uris = {
        entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for entry in sarif_results
    }
    assert uris == {"pkg/caf%C3%A9%201.py", "pkg/crlf.py", "pkg/finder.py", "pkg/manual.py"}


def test_sarif_fingerprints_are_unique_and_survive_moved_code(
    run: tuple[list[FileResult], Summary], tmp_path: Path
) -> None:
    def fingerprints(log: dict[str, Any]) -> list[str]:
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in log["runs"][0]["results"]]

    first = fingerprints(sarif(*run))
    assert len(set(first)) == len(first)
    moved = dict(FILES)
    for name in ("pkg/manual.py", "pkg/finder.py"):
        original = FILES[name]
        assert isinstance(original, Path)
        moved[name] = b"# a comment\n\n\n" + original.read_bytes()
    make_tree(tmp_path, moved)
    again = run_engine(tmp_path)
    lines = [
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for log in (sarif(*run), sarif(*again))
        for r in log["runs"][0]["results"]
    ]
    assert lines[: len(first)] != lines[len(first) :]  # the findings did move
    assert fingerprints(sarif(*again)) == first


def test_sarif_file_errors_are_error_notifications(
    run: tuple[list[FileResult], Summary],
) -> None:
    [invocation] = sarif(*run)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"].startswith("pkg/bad.py: cannot decode")
    location = notification["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "pkg/bad.py", "uriBaseId": "%SRCROOT%"}

    results, _ = run
    fine = [result for result in results if result.error is None]
    summary = Summary()
    for result in fine:
        summary.add(result)
    [invocation] = sarif(fine, summary)["runs"][0]["invocations"]
    assert invocation == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_sarif_fix_per_changed_file_reproduces_the_rewrite(
    run: tuple[list[FileResult], Summary],
) -> None:
    results, summary = run
    sarif_results = sarif(results, summary)["runs"][0]["results"]
    for result in results:
        uri = result.path.replace(" ", "%20").replace("\u00e9", "%C3%A9")
        mine = [
            entry
            for entry in sarif_results
            if entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
        ]
        with_fixes = [entry for entry in mine if "fixes" in entry]
        if not result.changed:
            assert with_fixes == []
            continue
        assert result.original is not None and result.rewritten is not None
        first_fixed = next(entry for entry in mine if entry["properties"]["fixed"])
        assert with_fixes == [first_fixed]
        [fix] = first_fixed["fixes"]
        rules = sorted({f.rule for f in result.findings if f.fixed})
        assert all(rule in fix["description"]["text"] for rule in rules)
        [change] = fix["artifactChanges"]
        assert change["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}
        assert apply_replacements(result.original, change["replacements"]) == result.rewritten


def test_sarif_in_write_mode_has_no_fixes(run: tuple[list[FileResult], Summary]) -> None:
    log = sarif(*run, mode=Mode.WRITE)
    assert log["runs"][0]["properties"]["mode"] == "write"
    assert not any("fixes" in result for result in log["runs"][0]["results"])


def test_sarif_names_a_non_utf8_encoding(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"pkg/latin.py": b"# -*- coding: latin-1 -*-\nimport imp\nm = imp.new_module('\xe9')\n"},
    )
    results, summary = run_engine(tmp_path)
    assert results[0].changed
    sarif_run = sarif(results, summary)["runs"][0]
    assert sarif_run["artifacts"] == [
        {"location": {"uri": "pkg/latin.py", "uriBaseId": "%SRCROOT%"}, "encoding": "iso-8859-1"}
    ]
    [fix] = sarif_run["results"][0]["fixes"]
    replacements = fix["artifactChanges"][0]["replacements"]
    assert apply_replacements(results[0].original or b"", replacements) == results[0].rewritten


def test_sarif_absolute_paths_are_file_uris() -> None:
    path = str(Path(os.path.abspath("/outside/a b.py")))
    log = sarif([FileResult(path, error="cannot read: denied")], Summary(failed=1))
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    location = notification["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": Path(path).as_uri()} and "%20" in location["uri"]


# --- fixes: the replacement convention ----------------------------------------------------

#: test_diff's cases (the diff must round-trip them too; a dropped BOM has no SARIF fix, and
#: no rewrite drops one) and edits that only matter here.
ROUND_TRIPS: dict[str, tuple[bytes, bytes]] = {
    **{name: pair for name, pair in DIFF_CASES.items() if name != "bom_line_changed"},
    "line_end_changes_only": (b"a\nb\nc\n", b"a\r\nb\r\nc\r\n"),
    "insert_at_start": (b"x = 1\n", b"import types\n\nx = 1\n"),
    "insert_at_end": (b"x = 1\n", b"x = 1\ny = 2\n"),
    "insert_at_end_no_newline": (b"x = 1", b"x = 1\ny = 2"),
    "append_to_last_line_without_newline": (b"x = 1\ny", b"x = 1\ny = 2\n"),
    "delete_first_lines": (b"a\nb\nc\n", b"c\n"),
    "delete_last_lines": (b"a\nb\nc\n", b"a\n"),
    "delete_last_line_without_newline": (b"a\nb\nc", b"a\nb\n"),
    "non_ascii": (
        "# caf\u00e9 \u2615 \U0001f600\nname = '\u00fc'\nimport imp\n".encode(),
        "# caf\u00e9 \u2615 \U0001f600\nname = '\u00fc'\nimport importlib\n".encode(),
    ),
    "non_ascii_changed": (
        "s = '\U0001f600'\n".encode(),
        "s = '\U0001f601\u00e9'\nt = 1\n".encode(),
    ),
    "not_line_ends_for_python": (  # str.splitlines() would split at each of these
        "a = 1\x0cb = 2\nc = '\u2028\u0085\x1c'\nd\n".encode(),
        "a = 1\x0cb = 3\nc = '\u2028\u0085\x1c'\nD\n".encode(),
    ),
    "bom_first_line_changed": (BOM + b"import imp\n", BOM + b"import types\n"),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_replacements_reproduce_the_rewrite(name: str) -> None:
    assert_round_trip(*ROUND_TRIPS[name])


def region(replacement: dict[str, Any]) -> tuple[int, int, int, int]:
    deleted = replacement["deletedRegion"]
    return (deleted["startLine"], deleted["startColumn"], deleted["endLine"], deleted["endColumn"])


def test_replacement_regions_follow_the_documented_convention() -> None:
    [insert] = assert_round_trip(b"x = 1\n", b"import types\nx = 1\n")
    assert region(insert) == (1, 1, 1, 1)  # insertion: an empty region
    assert insert["insertedContent"] == {"text": "import types\n"}
    [append] = assert_round_trip(b"x = 1\r\n", b"x = 1\r\ny = 2\r\n")
    assert region(append) == (1, 8, 1, 8)  # the end of the file: past the last line's end
    [delete] = assert_round_trip(b"a\nb\nc\n", b"a\n")
    assert region(delete) == (2, 1, 3, 3) and "insertedContent" not in delete
    [replace] = assert_round_trip(b"a\nb\nc\n", b"a\nB\nc\n")
    assert region(replace) == (2, 1, 3, 1)  # whole line with its end: to column 1 of the next
    [astral] = assert_round_trip("\U0001f600\nx\n".encode(), "\U0001f600\ny\n".encode())
    assert region(astral) == (2, 1, 2, 3)  # code points: the emoji line is 2 columns long
    [from_empty] = assert_round_trip(b"", b"x\n")
    assert region(from_empty) == (1, 1, 1, 1)


def test_no_text_replacements_when_encoding_or_bom_differs() -> None:
    assert sarif_replacements(BOM + b"x = 1\n", b"x = 1\n") is None
    assert sarif_replacements(b"x = 1\n", BOM + b"x = 1\n") is None
    latin = b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"
    assert sarif_replacements(latin, b"# -*- coding: utf-8 -*-\nx = '\xc3\xa9'\n") is None
    assert sarif_replacements(b"x = '\xff'\n", b"x = 1\n") is None


LINES = st.sampled_from(
    ["a\n", "b\r\n", "\u00e9\r", "\U0001f600\n", "\n", "\r\n", "c", "\t\x0c\n", "d\u2028\n"]
)
TEXTS = st.lists(LINES, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS, st.booleans())
def test_replacements_round_trip_for_any_texts(old: str, new: str, bom: bool) -> None:
    prefix = BOM if bom else b""
    assert_round_trip(prefix + old.encode(), prefix + new.encode())
