"""Run the rules over files: discover, read, rewrite, write atomically or render a diff."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from .diff import unified_diff
from .files import (
    ChangedOnDiskError,
    Discovered,
    ExcludeGlob,
    OutsideLink,
    discover,
    display_path,
    patch_path,
    read_bytes,
    write_atomic,
)
from .findings import Finding
from .outcome import SourceOutcome
from .rules import ALL_RULES, Rule
from .workers import Job, parallel_outcomes, rewrite_source_safely, serial_outcomes


class Mode(Enum):
    """What to do with a file the rules would change."""

    WRITE = "write"  # rewrite it in place
    DIFF = "diff"  # render a unified diff, write nothing
    CHECK = "check"  # only tell, write nothing


@dataclass
class FileResult:
    """The outcome for one file."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    changed: bool = False
    error: str | None = None
    diff: bytes = b""
    #: Places (or the whole file) left alone on purpose by a ``# loadermig: skip`` comment.
    skipped: int = 0
    #: The file's content as read and as the rules would leave it; set only when ``changed``.
    original: bytes | None = None
    rewritten: bytes | None = None
    #: Set when the rewrite would change the file but never writes it (nor diffs it): it was
    #: reached through this symbolic link (as shown) to outside the paths given. Its findings
    #: stay fixable; ``changed`` is False.
    not_written: OutsideLink | None = None

    @property
    def needs_manual_work(self) -> bool:
        """Whether a finding asks a person to act."""
        return any(not finding.fixed for finding in self.findings)


@dataclass
class Summary:
    """Counts over a run."""

    scanned: int = 0
    changed: int = 0
    manual: int = 0
    failed: int = 0
    fixable_findings: int = 0
    manual_findings: int = 0
    skipped: int = 0
    #: Files the rewrite would change but does not write: reached through a symbolic link to
    #: outside the paths given.
    not_written: int = 0

    def add(self, result: FileResult) -> None:
        """Count one file's result."""
        fixable = sum(finding.fixed for finding in result.findings)
        self.fixable_findings += fixable
        self.manual_findings += len(result.findings) - fixable
        self.skipped += result.skipped
        self.scanned += result.error is None
        self.changed += result.changed
        self.manual += result.needs_manual_work
        self.failed += result.error is not None
        self.not_written += result.not_written is not None


def process_paths(
    paths: Iterable[str | os.PathLike[str]],
    mode: Mode,
    rules: Sequence[type[Rule]] = ALL_RULES,
    *,
    jobs: int = 1,
    exclude_globs: Iterable[ExcludeGlob] = (),
    gitignore: bool = False,
) -> Generator[FileResult, None, None]:
    """Process every Python file under ``paths``, one result per file, in discovery order.

    Bad input never stops the run: a file that cannot be read, decoded, parsed or written
    yields a result with ``error`` set and the run goes on. A file reached twice (named twice,
    or through a symbolic link as well) is processed once. A file reached through a symbolic
    link to outside ``paths`` is analysed and reported but never written nor diffed (see
    ``FileResult.not_written``). With ``jobs`` above 1 the files that need parsing go to that
    many worker processes; a worker that dies on a file (a crash of the native parser, say)
    costs that file an error, never the run. Reading, writing and diffing always happen in this
    process, so an interrupt never leaves a file half-written.
    """
    found = discover(paths, exclude_globs=exclude_globs, gitignore=gitignore)
    return process_discovered(found, mode, rules, jobs=jobs)


def process_discovered(
    found: Iterable[Discovered],
    mode: Mode,
    rules: Sequence[type[Rule]] = ALL_RULES,
    *,
    jobs: int = 1,
) -> Generator[FileResult, None, None]:
    """:func:`process_paths` for files already discovered (``loadermig.codemod.files.discover``):
    a caller that needs their number first walks the tree only once."""
    pending = (_read(item) for item in found)
    if jobs > 1:
        outcomes = parallel_outcomes(pending, rules, jobs)
    else:
        outcomes = serial_outcomes(pending, rules)
    for job, outcome in outcomes:
        if job.error is not None:
            yield FileResult(job.shown, error=job.error)
            continue
        assert outcome is not None and job.data is not None
        if job.outside is not None:
            yield _left_unwritten(job.shown, job.data, outcome, job.outside)
        else:
            yield finish_file(job.path, job.shown, job.data, outcome, mode)


def _read(found: Discovered) -> Job:
    """Read a discovered file (in this process, so workers never touch the disk)."""
    shown = display_path(found.path)
    if found.error is not None:
        return Job(found.path, shown, error=found.error)
    try:
        return Job(found.path, shown, read_bytes(found.path), outside=found.outside)
    except OSError as error:
        return Job(found.path, shown, error=f"cannot read: {error.strerror or error}")


def process_bytes(data: bytes, shown: str, mode: Mode, rules: Sequence[type[Rule]]) -> FileResult:
    """Process content that is not a file on disk (standard input): never writes.

    The result's ``rewritten`` holds the new content when it changed; in ``Mode.DIFF`` the
    diff names ``shown`` on both sides.
    """
    outcome = rewrite_source_safely(data, shown, rules)
    result = _result_of(shown, data, outcome)
    if result.rewritten is not None and mode is Mode.DIFF:
        result.diff = unified_diff(data, result.rewritten, shown)
    return result


def _result_of(shown: str, data: bytes, outcome: SourceOutcome) -> FileResult:
    """A file's result before anything is written: findings, error, skips, and the old and
    new content when the rewrite changes it."""
    result = FileResult(
        shown, findings=outcome.findings, error=outcome.error, skipped=outcome.skipped
    )
    if outcome.error is None and outcome.rewritten is not None and outcome.changed:
        result.changed = True
        result.original, result.rewritten = data, outcome.rewritten
    return result


def finish_file(
    path: os.PathLike[str] | str, shown: str, data: bytes, outcome: SourceOutcome, mode: Mode
) -> FileResult:
    """Turn the rules' outcome for the file ``path`` (read as ``data``) into its result:
    write it back atomically, or render the diff, or only tell."""
    result = _result_of(shown, data, outcome)
    if result.rewritten is None:  # unchanged
        return result
    if mode is Mode.DIFF:
        # git apply and patch refuse paths through symbolic links: name the real file.
        result.diff = unified_diff(data, result.rewritten, patch_path(path))
    elif mode is Mode.WRITE:
        try:
            write_atomic(path, result.rewritten, expected=data)
        except ChangedOnDiskError:
            _not_written(result, "changed on disk while it was being rewritten; left as it is")
        except OSError as error:
            _not_written(result, f"cannot write: {error.strerror or error}")
    return result


def not_written_notice(outside: OutsideLink, mode: Mode) -> str:
    """What the report says, once per link, of a link to outside the given paths."""
    verb = "not written" if mode is Mode.WRITE else "would not be written"
    return f"{outside.link}: {verb}: symbolic link to outside the given paths: {outside.target}"


def _left_unwritten(
    shown: str, data: bytes, outcome: SourceOutcome, outside: OutsideLink
) -> FileResult:
    """The result for a file reached through a symbolic link to outside the given paths:
    reported like any other, but a change is neither written nor diffed, only noted."""
    result = _result_of(shown, data, outcome)
    if result.rewritten is not None:
        result.changed = False
        result.original = result.rewritten = None
        result.not_written = OutsideLink(display_path(outside.link), display_path(outside.target))
    return result


def _not_written(result: FileResult, reason: str) -> None:
    """Mark a file whose rewrite could not be written: nothing of it counts as fixed."""
    result.changed = False
    result.error = reason
    result.original = result.rewritten = None
    result.findings = [finding for finding in result.findings if not finding.fixed]
