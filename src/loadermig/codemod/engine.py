"""Run the rules over files: discover, read, rewrite, write atomically or render a diff."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum

from .diff import unified_diff
from .files import (
    ChangedOnDiskError,
    discover,
    display_path,
    patch_path,
    read_bytes,
    write_atomic,
)
from .findings import Finding
from .rules import ALL_RULES, Rule
from .source import rewrite_source


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
    #: The file's content as read and as the rules would leave it; set only when ``changed``.
    original: bytes | None = None
    rewritten: bytes | None = None

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

    def add(self, result: FileResult) -> None:
        """Count one file's result."""
        self.scanned += result.error is None
        self.changed += result.changed
        self.manual += result.needs_manual_work
        self.failed += result.error is not None


def process_paths(
    paths: Iterable[str | os.PathLike[str]],
    mode: Mode,
    rules: Sequence[type[Rule]] = ALL_RULES,
) -> Iterator[FileResult]:
    """Process every Python file under ``paths``, one result per file, as they are done.

    Bad input never stops the run: a file that cannot be read, decoded, parsed or written
    yields a result with ``error`` set and the run goes on. A file reached twice (named twice,
    or through a symbolic link as well) is processed once.
    """
    changed_files: set[str] = set()
    for found in discover(paths):
        shown = display_path(found.path)
        if found.error is not None:
            yield FileResult(shown, error=found.error)
            continue
        real = os.path.realpath(found.path)
        if real in changed_files:
            continue
        result = process_file(found.path, shown, mode, rules)
        if result.changed:
            changed_files.add(real)  # only changed files matter: a repeat would change nothing
        yield result


def process_file(
    path: os.PathLike[str] | str, shown: str, mode: Mode, rules: Sequence[type[Rule]]
) -> FileResult:
    """Rewrite (or diff, or check) one file; ``shown`` is the path used in messages."""
    try:
        data = read_bytes(path)
    except OSError as error:
        return FileResult(shown, error=f"cannot read: {error.strerror or error}")
    outcome = rewrite_source(data, shown, rules)
    result = FileResult(shown, findings=outcome.findings, error=outcome.error)
    if outcome.error is not None or outcome.rewritten is None or not outcome.changed:
        return result
    result.changed = True
    result.original, result.rewritten = data, outcome.rewritten
    if mode is Mode.DIFF:
        # git apply and patch refuse paths through symbolic links: name the real file.
        result.diff = unified_diff(data, outcome.rewritten, patch_path(path))
    elif mode is Mode.WRITE:
        try:
            write_atomic(path, outcome.rewritten, expected=data)
        except ChangedOnDiskError:
            result.changed = False
            result.error = "changed on disk while it was being rewritten; left as it is"
        except OSError as error:
            result.changed = False
            result.error = f"cannot write: {error.strerror or error}"
    return result
