"""Helpers shared by the CLI robustness tests (test_never_lose, test_workers, pre-commit)."""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from loadermig.cli import main

from ..conftest import FIXTURES

#: A legacy module (LM002) and its rewrite, maintained with the rule's fixtures.
GOOD_PAIR = FIXTURES / "codemod" / "LM002" / "from_importlib_abc.py"
GOOD = GOOD_PAIR.read_bytes()
EXPECTED = GOOD_PAIR.with_suffix(".py.expected").read_bytes()
TMP_SUFFIX = ".loadermig.tmp"


def runner() -> CliRunner:
    """A runner keeping stderr apart (click 8.1 must be asked; 8.2 always does)."""
    if "mix_stderr" in inspect.signature(CliRunner).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    return CliRunner()


def invoke(root: Path, args: Sequence[str], stdin: bytes | None = None) -> Result:
    """Run ``loadermig ARGS`` in this process with ``root`` as the current directory."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return runner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    finally:
        os.chdir(cwd)


def cli(*args: str) -> list[str]:
    """The command line running ``loadermig ARGS`` in a fresh interpreter."""
    return [sys.executable, "-m", "loadermig", *args]


def leftover_temporaries(root: Path) -> list[str]:
    """Every temporary file of write_atomic under ``root``, hidden or not."""
    return sorted(
        os.path.join(directory, name)
        for directory, _, names in os.walk(root)
        for name in names
        if name.endswith(TMP_SUFFIX)
    )


def lines(text: str) -> list[str]:
    return text.splitlines()


def naming(text: str, shown: str) -> list[str]:
    """The lines of ``text`` about the file ``shown`` (they start with ``shown:``)."""
    return [line for line in lines(text) if line.startswith(f"{shown}:")]


def session_processes(session: int) -> Iterator[int]:
    """The live processes of the session ``session``, from /proc (zombies are dead: they
    only wait for whoever inherited them to reap them)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses
        fields = stat[stat.rindex(b")") + 2 :].split()
        if int(fields[3]) == session and fields[0] != b"Z":
            yield int(entry)
