"""Worker processes, Ctrl-C and broken pipes, with the CLI run as a real process.

A worker that dies (os.abort, os._exit, SIGKILL, SystemExit, MemoryError: see
crash_site/sitecustomize.py) must cost only its file; Ctrl-C sent to the whole process group,
as a terminal does, must leave every file whole and no process behind; a reader that goes
away (``| head -1``) must end the run quietly with exit 141.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from loadermig.codemod import workers

from ._support import (
    EXPECTED,
    GOOD,
    cli,
    invoke,
    leftover_temporaries,
    lines,
    naming,
    session_processes,
)

CRASH_SITE = Path(__file__).with_name("crash_site")
TIMEOUT = 120


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, **extra)


def _crash_env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(CRASH_SITE), os.environ.get("PYTHONPATH")]))
    return _env(PYTHONPATH=path, LOADERMIG_TEST_CRASH="1")


def _run_crashing(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``loadermig ARGS`` in ``cwd``, its workers crashing on the files marked to crash."""
    return subprocess.run(
        cli(*args), cwd=cwd, env=_crash_env(), capture_output=True, text=True, timeout=TIMEOUT
    )


def _crashing(how: str) -> bytes:
    return GOOD + f"# CRASH_HERE:{how}\n".encode()


def _tree(root: Path, count: int, crashes: dict[int, str] | None = None) -> list[str]:
    """``count`` legacy modules under ``root``, those numbered in ``crashes`` crashing."""
    names = [f"m{number:03}.py" for number in range(count)]
    for number, name in enumerate(names):
        how = (crashes or {}).get(number)
        (root / name).write_bytes(GOOD if how is None else _crashing(how))
    return names


# How the worker ended is told when it can be known: the pool may already have reaped it, and
# a fork server sometimes cannot learn a child's status.
DIED = r"the rules crashed on this file \(the worker process died(?:: {})?\); left as it is"
CRASHES = {
    "abort": DIED.format("signal SIGABRT"),
    "exit": DIED.format("exit code 9"),
    "sigkill": DIED.format("signal SIGKILL"),  # what the kernel's OOM killer does
    "memoryerror": r"internal error, please report it: MemoryError.*",
    # Not a dead process, but a worker bailing out all the same: still only this file's loss.
    "systemexit": rf"({DIED.format('.*')}|internal error, please report it: SystemExit.*)",
}
#: One run: a crash of each kind, with good files before, between and after them.
CRASH_AT = {2 * number + 1: how for number, how in enumerate(CRASHES)}
CRASH_TREE_SIZE = 2 * len(CRASHES) + 1


@pytest.fixture(scope="module")
def crash_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("crashes")
    _tree(root, CRASH_TREE_SIZE, CRASH_AT)
    done = _run_crashing(root, "rewrite", "-j", "2", ".")
    return root, done


@pytest.mark.parametrize("how", CRASHES)
def test_a_worker_crash_costs_only_its_file(
    crash_run: tuple[Path, subprocess.CompletedProcess[str]], how: str
) -> None:
    root, done = crash_run
    name = next(f"m{number:03}.py" for number, kind in CRASH_AT.items() if kind == how)
    said = naming(done.stderr, name)
    assert len(said) == 1, done.stderr
    assert re.fullmatch(rf"{re.escape(name)}: error: {CRASHES[how]}", said[0]), said[0]
    assert (root / name).read_bytes() == _crashing(how)


def test_every_other_file_is_rewritten_and_reported_in_order(
    crash_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    root, done = crash_run
    assert done.returncode == 3, done.stderr
    good = [f"m{number:03}.py" for number in range(CRASH_TREE_SIZE) if number not in CRASH_AT]
    assert [name for name in good if (root / name).read_bytes() != EXPECTED] == []
    # The report comes in discovery order, whichever worker finished first.
    reported = [line.split(":", 1)[0] for line in lines(done.stdout)[:-1]]
    assert list(dict.fromkeys(reported)) == good
    assert [line.split(": error: ")[0] for line in lines(done.stderr)] == [
        f"m{number:03}.py" for number in sorted(CRASH_AT)
    ]
    summary = f", {len(good)} rewritten, 0 need manual work, {len(CRASH_AT)} failed"
    assert lines(done.stdout)[-1].endswith(summary)


def test_a_worker_crash_during_scan_costs_only_its_file(tmp_path: Path) -> None:
    names = _tree(tmp_path, 3, {1: "abort"})
    done = _run_crashing(tmp_path, "scan", "-j", "2", ".")
    assert done.returncode == 3, done.stderr
    [said] = lines(done.stderr)
    assert re.fullmatch(rf"m001\.py: error: {CRASHES['abort']}", said), said
    reported = [line.split(":", 1)[0] for line in lines(done.stdout)[:-1]]
    assert list(dict.fromkeys(reported)) == [names[0], names[2]]
    assert (tmp_path / "m001.py").read_bytes() == _crashing("abort")


@pytest.mark.parametrize(
    "error", [MemoryError(), RecursionError(), SystemExit(9)], ids=lambda e: type(e).__name__
)
def test_a_rule_blowing_up_in_process_costs_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    """``-j 1`` has no process to lose, but the promise is the same."""
    _tree(tmp_path, 3, {1: "in-process"})
    real = workers.rewrite_source

    def rewrite_source(data: bytes, *args: Any) -> Any:
        if b"CRASH_HERE" in data:
            raise error
        return real(data, *args)

    monkeypatch.setattr(workers, "rewrite_source", rewrite_source)
    result = invoke(tmp_path, ["rewrite", "-j", "1", "."])
    assert result.exit_code == 3
    assert [line.split(": error: ")[0] for line in lines(result.stderr)] == ["m001.py"]
    assert (tmp_path / "m000.py").read_bytes() == (tmp_path / "m002.py").read_bytes() == EXPECTED


# Ctrl-C -----------------------------------------------------------------------------------


def _rewritten(paths: list[Path], inodes: list[int]) -> int:
    """How many files have been replaced (write_atomic renames a new file over the old)."""
    return sum(path.stat().st_ino != inode for path, inode in zip(paths, inodes))


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_ctrl_c_leaves_whole_files_and_no_process_behind(tmp_path: Path, jobs: str) -> None:
    names = _tree(tmp_path, 200)
    paths = [tmp_path / name for name in names]
    inodes = [path.stat().st_ino for path in paths]
    out, err = tmp_path.with_suffix(".out"), tmp_path.with_suffix(".err")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            cli("rewrite", "-j", jobs, "."),
            cwd=tmp_path,
            env=_env(),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group, as a terminal job has
        )
    try:
        deadline = time.monotonic() + TIMEOUT
        while _rewritten(paths, inodes) < 3:
            assert process.poll() is None, "finished before it could be interrupted"
            assert time.monotonic() < deadline, "nothing rewritten in time"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        code = process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stray = _wait_for_session_to_end(process.pid)
    report = err.read_text()
    assert code == 130, report
    assert "interrupted; files already rewritten are complete, none is partial" in report
    assert "Traceback" not in report
    assert leftover_temporaries(tmp_path) == []
    contents = [path.read_bytes() for path in paths]
    assert all(content in (GOOD, EXPECTED) for content in contents)
    assert 3 <= contents.count(EXPECTED) < len(paths)
    assert stray == [], "processes of the run still alive after it ended"


def _wait_for_session_to_end(session: int) -> list[int]:
    """The processes still in ``session`` after a grace period (killed, if any)."""
    deadline = time.monotonic() + 15
    while True:
        left = list(session_processes(session))
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for pid in left:  # ours: started by the run the test started
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


# Broken pipe ------------------------------------------------------------------------------

QUIET = ("Traceback", "Exception ignored", "BrokenPipeError")


def test_a_reader_going_away_ends_the_run_quietly(tmp_path: Path) -> None:
    """``loadermig rewrite --dry-run . | head -1``. The diffs (~800 bytes each) overflow the
    pipe's buffer (64 KiB), so the run cannot finish before the reader goes away."""
    _tree(tmp_path, 120)
    process = subprocess.Popen(
        cli("rewrite", "--dry-run", "-j", "2", "."),
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    report = process.stderr.read().decode()
    code = process.wait(timeout=TIMEOUT)
    assert first.startswith(b"--- a/m000.py")
    assert code == 141, report
    assert not [word for word in QUIET if word in report], report
    assert all((tmp_path / name).read_bytes() == GOOD for name in os.listdir(tmp_path))


@pytest.mark.parametrize(
    ("command", "content"),
    [("scan", GOOD), ("scan", b"x = 1\n"), ("rewrite", b"x = 1\n")],
    ids=["scan-a-finding", "scan-only-the-summary", "rewrite-only-the-summary"],
)
def test_stdout_closed_before_anything_is_written(
    tmp_path: Path, command: str, content: bytes
) -> None:
    """The report's first line or only the summary line hits the closed pipe."""
    (tmp_path / "m.py").write_bytes(content)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            cli(command, "-j", "1", "m.py"),
            cwd=tmp_path,
            env=_env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141, done.stderr
    assert not [word for word in QUIET if word in done.stderr], done.stderr
