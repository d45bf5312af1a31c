"""Machine-readable reports of a codemod run: loadermig's own JSON (version 2) and SARIF 2.1.0.

Pure functions over the engine's results (standard library only, no click): the command line
decides where the text goes. Both formats are described in ``docs/report-format.md``; the JSON
one also by the JSON Schema shipped as ``loadermig/schemas/report-2.schema.json``.
"""

from __future__ import annotations

import difflib
import hashlib
import inspect
import io
import json
import os
import re
import sys
import tokenize
from collections.abc import Iterable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from .engine import FileResult, Mode, Summary, not_written_notice
from .findings import Finding
from .rules import ALL_RULES, Rule
from .rules.docs import reasons_markdown, reasons_text, rule_markdown, rule_text

JSONObject = dict[str, Any]

COMMANDS = ("scan", "rewrite")
MODES = ("scan", "write", "diff", "check")

JSON_SCHEMA_ID = "urn:loadermig:report:2"
JSON_VERSION = 2
JSON_SCHEMA_RESOURCE = "schemas/report-2.schema.json"

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
#: Relative artifact URIs are relative to this base: the directory loadermig ran in.
SRCROOT = "%SRCROOT%"
#: Our own key: GitHub's upload-sarif action computes ``primaryLocationLineHash`` from the
#: checked-out source itself and warns about every result that already has a different one.
FINGERPRINT_KEY = "loadermigFingerprint/v1"
#: Python's line ends (and libcst's, which numbers the findings' lines); SARIF's default
#: would not count a lone ``\r``.
NEWLINE_SEQUENCES = ("\r\n", "\n", "\r")
#: Absolute URI of loadermig's documentation for SARIF's ``informationUri``; None (omitted)
#: while the project publishes no home page.
INFORMATION_URI: str | None = None

# GitHub code scanning truncates longer rule names and descriptions.
_NAME_LIMIT, _DESCRIPTION_LIMIT = 255, 1024
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_LINE_NUMBERS = re.compile(r"\blines? \d+(?:\s*(?:-|,|and)\s*\d+)*")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def json_report(
    results: Iterable[FileResult],
    summary: Summary,
    *,
    command: str,
    mode: Mode | str,
    rules: Sequence[type[Rule]],
) -> str:
    """The run as loadermig's JSON report, version 2 (see ``docs/report-format.md``).

    ``files`` lists, in run order, only the files with a finding, a change, an error or a
    place left alone by ``# loadermig: skip``; ``errors`` repeats every file error. The text
    is ASCII (other characters are escaped), indented, and ends with a newline.
    """
    results = list(results)
    mode_name = _checked(command, mode)
    document: JSONObject = {
        "schema": JSON_SCHEMA_ID,
        "version": JSON_VERSION,
        "tool": {"name": "loadermig", "version": __version__},
        "command": command,
        "mode": mode_name,
        "rules": [rule.ID for rule in rules],
        "files": [_json_file(result) for result in results if _listed(result)],
        "errors": [
            {"path": result.path, "message": result.error}
            for result in results
            if result.error is not None
        ],
        "summary": _summary(summary),
    }
    return json.dumps(document, indent=2) + "\n"


def json_report_schema() -> JSONObject:
    """The JSON Schema (draft 2020-12) that every :func:`json_report` output satisfies."""
    text = files("loadermig").joinpath(JSON_SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: JSONObject = json.loads(text)
    return schema


def sarif_report(
    results: Iterable[FileResult],
    summary: Summary,
    *,
    command: str,
    mode: Mode | str,
    rules: Sequence[type[Rule]],
) -> str:
    """The run as a SARIF 2.1.0 log for GitHub code scanning (see ``docs/report-format.md``).

    One result per finding: level ``warning`` for places a person has to port, ``note`` for
    places the rewrite fixes (or, in mode ``write``, fixed). Except in mode ``write``, where
    the files already hold it, the rewrite of each changed file is attached as one SARIF fix
    to the file's first fixed result. Per-file errors are error notifications of the one
    invocation, which is unsuccessful when there are any.
    """
    results = list(results)
    mode_name = _checked(command, mode)
    descriptors = _descriptors(rules, results)
    rule_index = {rule.ID: index for index, rule in enumerate(descriptors)}
    sarif_results: list[JSONObject] = []
    artifacts: list[JSONObject] = []
    notifications: list[JSONObject] = []
    links_told: set[str] = set()
    for result in results:
        file_results = _sarif_results(result, rule_index)
        fix_and_encoding = _sarif_fix(result) if mode_name != "write" and file_results else None
        if fix_and_encoding is not None:
            fix, encoding = fix_and_encoding
            # One fix per file, on one result: a consumer applying every result's fixes
            # would otherwise apply the same change twice.
            fixed = [entry for entry in file_results if entry["properties"]["fixed"]]
            (fixed or file_results)[0]["fixes"] = [fix]
            if encoding != "utf-8":
                artifacts.append(
                    {"location": _artifact_location(result.path), "encoding": encoding}
                )
        sarif_results.extend(file_results)
        if result.not_written is not None and result.not_written.link not in links_told:
            links_told.add(result.not_written.link)
            notifications.append(_not_written_notification(result, mode_name))
        if result.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{result.path}: {result.error}"},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": _artifact_location(result.path)}}
                    ],
                }
            )
    driver: JSONObject = {"name": "loadermig", "version": __version__}
    if _SEMVER.match(__version__):
        driver["semanticVersion"] = __version__
    if INFORMATION_URI is not None:
        driver["informationUri"] = INFORMATION_URI
    driver["rules"] = [_descriptor(rule) for rule in descriptors]
    # Notes (a link to outside the given paths) do not make the run unsuccessful.
    succeeded = summary.failed == 0 and all(note["level"] != "error" for note in notifications)
    run: JSONObject = {
        "tool": {"driver": driver},
        "invocations": [
            {
                "executionSuccessful": succeeded,
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    if artifacts:
        run["artifacts"] = artifacts
    run.update(
        {
            "results": sarif_results,
            "defaultEncoding": "utf-8",
            "defaultSourceLanguage": "python",
            "columnKind": "unicodeCodePoints",
            "newlineSequences": list(NEWLINE_SEQUENCES),
            "properties": {
                "command": command,
                "mode": mode_name,
                "summary": _summary(summary),
            },
        }
    )
    log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2) + "\n"


def sarif_replacements(original: bytes, rewritten: bytes) -> list[JSONObject] | None:
    """SARIF ``replacement`` objects that turn the source file ``original`` into ``rewritten``.

    Computed with difflib over lines; a line ends at ``\\r\\n``, ``\\n`` or ``\\r``. Each
    replacement deletes whole lines of the original and inserts whole lines of the rewrite;
    its ``deletedRegion`` is a text region of the *original* in line/column form (lines and
    columns from 1, columns in Unicode code points after decoding, a byte order mark not
    counted, ``endColumn`` exclusive). A region that ends after line k ends at column 1 of
    line k + 1; at the end of the file it ends one column past the last line's last character
    (its line end included); an insertion is an empty region. Replacements are in file order
    and never overlap. None when the two cannot be expressed as text changes: a source
    encoding that cannot be decoded, or one that (or whose byte order mark) differs between
    the two.
    """
    old, new = _decoded(original), _decoded(rewritten)
    if old is None or new is None or old[1:] != new[1:]:
        return None
    old_lines, new_lines = _LINE.findall(old[0]), _LINE.findall(new[0])
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    replacements: list[JSONObject] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start_line, start_column = _line_start(old_lines, i1)
        end_line, end_column = _line_start(old_lines, i2)
        replacement: JSONObject = {
            "deletedRegion": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            }
        }
        inserted = "".join(new_lines[j1:j2])
        if inserted:
            replacement["insertedContent"] = {"text": inserted}
        replacements.append(replacement)
    return replacements


def _checked(command: str, mode: Mode | str) -> str:
    """The mode to report, after checking that it goes with the command.

    ``scan`` only reports, so its mode is always reported as ``scan`` (it may be passed as
    ``check``, which is how the engine runs it); ``rewrite`` runs in ``write``, ``diff`` or
    ``check`` mode.
    """
    mode_name = mode.value if isinstance(mode, Mode) else mode
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}; expected one of {COMMANDS}")
    if mode_name not in MODES:
        raise ValueError(f"unknown mode {mode_name!r}; expected one of {MODES}")
    if command == "scan":
        if mode_name not in ("scan", "check"):
            raise ValueError(f"scan never runs in mode {mode_name!r}")
        return "scan"
    if mode_name == "scan":
        raise ValueError("rewrite never runs in mode 'scan'")
    return mode_name


def _listed(result: FileResult) -> bool:
    """Whether the JSON report lists the file: it has something to report."""
    return bool(
        result.findings or result.changed or result.error or result.skipped or result.not_written
    )


def _json_file(result: FileResult) -> JSONObject:
    """One entry of the JSON report's ``files`` (``not_written`` only when set)."""
    entry: JSONObject = {
        "path": result.path,
        "changed": result.changed,
        "findings": [
            {
                "rule": finding.rule,
                "line": finding.line,
                "column": finding.column,
                "message": finding.message,
                "fixed": finding.fixed,
                "reason": finding.reason,
                "details": finding.details,
            }
            for finding in result.findings
        ],
        "skipped": result.skipped,
        "error": result.error,
    }
    if result.not_written is not None:
        outside = result.not_written
        entry["not_written"] = {"link": outside.link, "target": outside.target}
    return entry


def _summary(summary: Summary) -> JSONObject:
    """The run's counts, from the engine's summary (which saw every file, listed or not);
    ``not_written`` only when not 0."""
    counts: JSONObject = {
        "scanned": summary.scanned,
        "changed": summary.changed,
        "manual": summary.manual,
        "failed": summary.failed,
        "findings": summary.fixable_findings + summary.manual_findings,
        "skipped": summary.skipped,
    }
    if summary.not_written:
        counts["not_written"] = summary.not_written
    return counts


def _not_written_notification(result: FileResult, mode: str) -> JSONObject:
    """The SARIF note, once per link, on a link to outside the given paths whose files the
    rewrite does not write."""
    assert result.not_written is not None
    return {
        "level": "note",
        "message": {
            "text": not_written_notice(
                result.not_written, Mode.WRITE if mode == "write" else Mode.CHECK
            )
        },
        "locations": [
            {"physicalLocation": {"artifactLocation": _artifact_location(result.not_written.link)}}
        ],
    }


def _descriptors(rules: Sequence[type[Rule]], results: Sequence[FileResult]) -> list[type[Rule]]:
    """``rules``, plus any other known rule a finding names (so every result has its rule)."""
    descriptors = list(rules)
    known = {rule.ID for rule in descriptors}
    by_id = {rule.ID: rule for rule in ALL_RULES}
    for result in results:
        for finding in result.findings:
            if finding.rule not in known and finding.rule in by_id:
                descriptors.append(by_id[finding.rule])
                known.add(finding.rule)
    return descriptors


def _descriptor(rule: type[Rule]) -> JSONObject:
    """The SARIF ``reportingDescriptor`` of a rule, with the fields GitHub displays.

    The help is the rule's documentation as the README shows it (with the before/after
    example), followed by its module's longer explanation and the long text of each reason
    its findings give (what ``loadermig rules LMnnn`` prints).
    """
    summary = _plain(inspect.cleandoc(rule.__doc__ or rule.TITLE))
    details = _module_details(rule)
    more = f"\n{details}\n" if details else ""
    help_text = f"{rule_text(rule)}{more}\n{reasons_text(rule)}"
    help_markdown = f"{rule_markdown(rule)}{more}\n{reasons_markdown(rule)}"
    return {
        "id": rule.ID,
        "name": _limited(rule.__name__.removesuffix("Rule") or rule.ID, _NAME_LIMIT),
        "shortDescription": {"text": _limited(rule.TITLE, _DESCRIPTION_LIMIT)},
        "fullDescription": {"text": _limited(summary, _DESCRIPTION_LIMIT)},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": "warning"},
        "properties": {
            "tags": ["maintainability", "compatibility"],
            "precision": "high",
            "problem.severity": "warning",
        },
    }


def _module_details(rule: type[Rule]) -> str:
    """The rule module's docstring without its first line (the rule's title again)."""
    module = sys.modules.get(rule.__module__)
    doc = inspect.cleandoc(getattr(module, "__doc__", None) or "")
    _, _, rest = doc.partition("\n")
    return _plain(rest.strip("\n"))


def _plain(rst: str) -> str:
    """reStructuredText docstring markup turned into text that also reads as Markdown."""
    text = rst.replace("``", "`")
    return re.sub(r"::$", ":", text, flags=re.MULTILINE)


def _limited(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters (ending in an ellipsis when cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _sarif_results(result: FileResult, rule_index: dict[str, int]) -> list[JSONObject]:
    """One SARIF result per finding of the file, with a fingerprint unique within the file."""
    seen: dict[str, int] = {}
    entries: list[JSONObject] = []
    for finding in result.findings:
        digest = _fingerprint_digest(finding, result.path)
        seen[digest] = seen.get(digest, 0) + 1
        entry: JSONObject = {"ruleId": finding.rule}
        if finding.rule in rule_index:
            entry["ruleIndex"] = rule_index[finding.rule]
        entry.update(
            {
                "level": "note" if finding.fixed else "warning",
                "message": _sarif_message(finding),
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact_location(result.path),
                            "region": _finding_region(finding),
                        }
                    }
                ],
                "partialFingerprints": {FINGERPRINT_KEY: f"{digest}:{seen[digest]}"},
                "properties": {"fixed": finding.fixed},
            }
        )
        entries.append(entry)
    return entries


def _sarif_message(finding: Finding) -> JSONObject:
    """The short message as the text; in Markdown, the message and then its details (SARIF
    viewers that render Markdown show it instead of the text)."""
    message: JSONObject = {"text": finding.message}
    details = finding.details
    if details:
        message["markdown"] = f"{_markdown_escaped(finding.message)}\n\n{details}"
    return message


def _markdown_escaped(text: str) -> str:
    """``text`` with the characters Markdown would take as markup escaped outside its
    backtick code spans (the messages quote code in them, which stays as it is)."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(
        part if part.startswith("`") else re.sub(r"([\\*_\[\]<>#|])", r"\\\1", part)
        for part in parts
    )


def _fingerprint_digest(finding: Finding, path: str) -> str:
    """A hash of what identifies a finding across runs: rule, file and message.

    Not the line number (code moves) nor the line's text (the report does not have it for
    unchanged files); line numbers quoted in the message are left out for the same reason.
    Identical findings in one file are told apart by their order (the ``:n`` suffix).
    """
    message = _LINE_NUMBERS.sub("line", finding.message)
    key = "\0".join((finding.rule, _uri(path), message))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _sarif_fix(result: FileResult) -> tuple[JSONObject, str] | None:
    """The file's whole rewrite as one SARIF fix, and the file's encoding.

    None when the file is unchanged or its rewrite is not expressible as text changes.
    """
    if not result.changed or result.original is None or result.rewritten is None:
        return None
    replacements = sarif_replacements(result.original, result.rewritten)
    decoded = _decoded(result.original)
    if not replacements or decoded is None:
        return None
    rule_ids = sorted({finding.rule for finding in result.findings if finding.fixed})
    by = f" ({', '.join(rule_ids)})" if rule_ids else ""
    fix = {
        "description": {
            "text": f"Rewrite {result.path} as `loadermig rewrite` does{by}: every fixed "
            "finding in this file at once."
        },
        "artifactChanges": [
            {"artifactLocation": _artifact_location(result.path), "replacements": replacements}
        ],
    }
    return fix, decoded[1]


def _artifact_location(path: str) -> JSONObject:
    """SARIF ``artifactLocation`` of a path as the engine shows it.

    Relative paths (files under the directory loadermig ran in) become relative URIs with
    forward slashes against ``%SRCROOT%``; absolute ones become ``file:`` URIs.
    """
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": _uri(path), "uriBaseId": SRCROOT}


def _uri(path: str) -> str:
    """A relative path as a relative URI reference: forward slashes, percent-encoded UTF-8."""
    return quote(os.fsencode(path.replace(os.sep, "/")), safe="/")


def _decoded(data: bytes) -> tuple[str, str, bool] | None:
    """Source bytes as (text without BOM, encoding name, had a UTF-8 BOM); None if undecodable."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None
    if encoding == "utf-8-sig":
        return text, "utf-8", True
    return text, encoding, False


def _line_start(lines: Sequence[str], index: int) -> tuple[int, int]:
    """SARIF (line, column) where line ``index`` (from 0) of ``lines`` starts.

    Past the last line this is the end of the text: one column after the last character of
    the last line, its line end included (SARIF's own convention for the end of a file).
    """
    if index < len(lines):
        return index + 1, 1
    if not lines:
        return 1, 1
    return len(lines), len(lines[-1]) + 1


def _finding_region(finding: Finding) -> JSONObject:
    """Where a finding is: its start, and its end where known (``endColumn`` exclusive)."""
    region: JSONObject = {"startLine": finding.line, "startColumn": finding.column}
    if finding.end_line:
        region["endLine"] = finding.end_line
        region["endColumn"] = finding.end_column
    return region
