"""Bad input never costs the user work, through the CLI, for ``rewrite`` and ``scan``.

One tree holds good legacy files (which must come out rewritten exactly) and every kind of
bad input; each bad file must be named on stderr exactly once with its reason, keep its bytes,
and make the run exit 3 while the rest is processed. The unit tests of ``files`` and
``source`` cover the same inputs one function at a time; these cover the whole command.
"""

from __future__ import annotations

import codecs
import contextlib
import encodings
import encodings.aliases
import io
import os
import pkgutil
import re
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from loadermig.codemod import engine, prefilter, workers

from ._support import EXPECTED, GOOD, invoke, leftover_temporaries, lines, naming

BOM = codecs.BOM_UTF8
EDITED = GOOD + b"# edited by someone else meanwhile\n"


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _mixed(data: bytes) -> bytes:
    """Every other line ending in CRLF."""
    parts = data.splitlines(keepends=True)
    return b"".join(line.replace(b"\n", b"\r\n") if n % 2 else line for n, line in enumerate(parts))


def _nested_blocks(depth: int) -> bytes:
    return b"".join(b"    " * n + b"if x:\n" for n in range(depth)) + b"    " * depth + b"pass\n"


PARENS_150 = b"DEEP = " + b"(" * 150 + b"1" + b")" * 150 + b"\n"


@dataclass(frozen=True)
class Case:
    """One entry under ``src/``: a file (``data``), a symbolic link or a directory."""

    name: str
    data: bytes | None = None
    #: Regular expression for the reason on stderr; None for good input.
    reason: str | None = None
    #: Content after ``rewrite`` for good input (None: left as it is, and nothing to say).
    expected: bytes | None = None
    #: Target of a symbolic link at ``name``.
    link: str | None = None
    #: Only writing fails (``scan`` sees a good file).
    write_only: bool = False

    @property
    def shown(self) -> str:
        return f"src/{self.name}"

    def bad_for(self, command: str) -> bool:
        return self.reason is not None and (command == "rewrite" or not self.write_only)


CASES = [
    # Good input: rewritten correctly, encoding, BOM, line endings and mode kept.
    Case("good.py", GOOD, expected=EXPECTED),
    Case("bom.py", BOM + GOOD, expected=BOM + EXPECTED),
    Case("crlf.py", _crlf(GOOD), expected=_crlf(EXPECTED)),
    Case("cr_only.py", GOOD.replace(b"\n", b"\r"), expected=EXPECTED.replace(b"\n", b"\r")),
    Case("mixed_endings.py", _mixed(GOOD), expected=EXPECTED),  # see _assert_line_endings_kept
    Case("no_final_newline.py", GOOD.rstrip(b"\n"), expected=EXPECTED.rstrip(b"\n")),
    Case("deep_but_legal.py", GOOD + PARENS_150, expected=EXPECTED + PARENS_150),
    Case("readonly.py", GOOD, expected=EXPECTED),  # mode 0o444
    Case("sub/nested.py", GOOD, expected=EXPECTED),
    Case("sub/up", link=".."),  # a directory loop: walked once, no error
    Case("empty.py", b""),
    Case("zz_last.py", GOOD, expected=EXPECTED),  # after every bad file: the run went on
    # Bad input: named once with its reason, left byte for byte.
    Case(
        "python2.py",
        b"from importlib.abc import PyLoader\n\n\nclass L(PyLoader):\n"
        b"    def get_data(self, path):\n        print 'loading', path\n",
        reason="cannot parse: .*",
    ),
    Case(
        "binary.py", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR PyLoader\x00\xff", reason="binary file.*"
    ),
    Case("undecodable.py", GOOD + b"NAME = '\xff\xfe'\n", reason="cannot decode: .*"),
    Case(
        "unknown_codec.py", b"# -*- coding: no-such-codec -*-\n" + GOOD, reason="cannot decode: .*"
    ),
    Case(
        "bom_and_latin1.py", BOM + b"# -*- coding: latin-1 -*-\n" + GOOD, reason="cannot decode: .*"
    ),
    Case(
        "deep_brackets.py",
        GOOD + b"DEEP = " + b"(" * 2000 + b")" * 2000 + b"\n",
        reason="too deeply nested.*",
    ),
    Case(
        "long_chain.py",
        GOOD + b"CHAIN = " + b" + ".join([b"'a'"] * 20000) + b"\n",
        reason="too deeply nested.*",
    ),
    Case(
        "deep_lists.py",
        GOOD + b"DEEP = " + b"[" * 190 + b"]" * 190 + b"\n",
        reason="too deeply nested.*",
    ),
    Case("deep_blocks.py", GOOD + _nested_blocks(101), reason="cannot parse: .*"),
    Case("loop_a.py", link="loop_b.py", reason="symbolic link loop"),
    Case("loop_b.py", link="loop_a.py", reason="symbolic link loop"),
    Case("self_loop.py", link="self_loop.py", reason="symbolic link loop"),
    Case("dangling.py", link="nowhere.py", reason="broken symbolic link"),
    Case("unreadable.py", GOOD, reason="cannot read: Permission denied"),
    Case("locked", reason="cannot list directory: permission denied"),
    Case(
        "racy.py",
        GOOD,
        reason="changed on disk while it was being rewritten; left as it is",
        write_only=True,
    ),
    Case("ro_dir/inner.py", GOOD, reason="cannot write: Permission denied", write_only=True),
]
BY_NAME = {case.name: case for case in CASES}
GOOD_CASES = [case.name for case in CASES if case.reason is None and case.link is None]
BAD_CASES = [case.name for case in CASES if case.reason is not None]
RUNS = {
    "rewrite": ["rewrite"],
    "rewrite-j1": ["rewrite", "-j", "1"],
    "scan": ["scan"],
}


def build_tree(root: Path) -> None:
    """Every case under ``root/src``."""
    src = root / "src"
    for case in CASES:
        path = src / case.name
        path.parent.mkdir(parents=True, exist_ok=True)
        if case.link is not None:
            path.symlink_to(case.link)
        elif case.data is not None:
            path.write_bytes(case.data)
    (src / "locked").mkdir()
    (src / "locked" / "hidden.py").write_bytes(GOOD)
    (src / "readonly.py").chmod(0o444)


@contextlib.contextmanager
def hazards(src: Path) -> Iterator[None]:
    """Make ``unreadable.py`` unreadable, ``locked/`` unlistable, ``ro_dir/`` unwritable and
    ``racy.py`` change on disk while it is rewritten. chmod does not stop root: then the
    refusal the permission bits would cause is raised where the CLI meets it."""
    unreadable, locked, ro_dir = src / "unreadable.py", src / "locked", src / "ro_dir"
    unreadable.chmod(0)
    locked.chmod(0)
    ro_dir.chmod(0o555)
    try:
        with pytest.MonkeyPatch.context() as patch:
            if os.access(unreadable, os.R_OK):
                patch.setattr(engine, "read_bytes", _refuse(unreadable, engine.read_bytes))
            if os.access(locked, os.R_OK):
                patch.setattr(os, "scandir", _refuse(locked, os.scandir))
            if os.access(ro_dir, os.W_OK):
                real_mkstemp = tempfile.mkstemp

                def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
                    if _same(kwargs.get("dir"), ro_dir):
                        raise PermissionError(13, "Permission denied", kwargs["dir"])
                    return real_mkstemp(*args, **kwargs)

                patch.setattr(tempfile, "mkstemp", mkstemp)
            real_finish = engine.finish_file

            def finish_file(path: Any, *args: Any) -> engine.FileResult:
                if args[-1] is engine.Mode.WRITE and os.path.basename(path) == "racy.py":
                    Path(path).write_bytes(EDITED)  # after it was read, before it is written
                return real_finish(path, *args)

            patch.setattr(engine, "finish_file", finish_file)
            yield
    finally:
        unreadable.chmod(0o644)
        locked.chmod(0o755)
        ro_dir.chmod(0o755)


def _same(path: Any, other: Path) -> bool:
    return path is not None and os.path.realpath(path) == os.path.realpath(other)


def _refuse(denied: Path, real: Callable[..., Any]) -> Callable[..., Any]:
    """``real``, raising what the permission bits would for ``denied``."""

    def refuse(path: Any = ".", *args: Any) -> Any:
        if _same(path, denied):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args)

    return refuse


@dataclass(frozen=True)
class Run:
    root: Path
    command: str
    result: Result

    def content(self, case: Case) -> bytes:
        return (self.root / case.shown).read_bytes()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Run]:
    """Each run of RUNS over its own copy of the tree, made once for the whole module."""
    done: dict[str, Run] = {}

    def get(run_id: str) -> Run:
        if run_id not in done:
            root = tmp_path_factory.mktemp(run_id)
            build_tree(root)
            with hazards(root / "src"):
                result = invoke(root, [*RUNS[run_id], "src"])
            done[run_id] = Run(root, RUNS[run_id][0], result)
        return done[run_id]

    return get


def _pairs(names: list[str], bad: bool) -> list[Any]:
    return [
        pytest.param(run_id, name, id=f"{run_id}-{name}")
        for run_id, args in RUNS.items()
        for name in names
        if BY_NAME[name].bad_for(args[0]) == bad
    ]


@pytest.mark.parametrize("run_id", RUNS)
def test_the_exit_code_says_some_input_failed(runs: Callable[[str], Run], run_id: str) -> None:
    run = runs(run_id)
    failed = sum(case.bad_for(run.command) for case in CASES)
    assert run.result.exit_code == 3, run.result.output
    assert f", {failed} failed" in lines(run.result.stdout)[-1]


@pytest.mark.parametrize(("run_id", "name"), _pairs(BAD_CASES, bad=True))
def test_each_bad_input_is_named_once_with_its_reason(
    runs: Callable[[str], Run], run_id: str, name: str
) -> None:
    run, case = runs(run_id), BY_NAME[name]
    said = naming(run.result.stderr, case.shown)
    assert len(said) == 1, run.result.stderr
    assert re.fullmatch(rf"{re.escape(case.shown)}: error: {case.reason}", said[0]), said[0]


@pytest.mark.parametrize(("run_id", "name"), _pairs(BAD_CASES, bad=True))
def test_bad_input_keeps_its_bytes(runs: Callable[[str], Run], run_id: str, name: str) -> None:
    run, case = runs(run_id), BY_NAME[name]
    path = run.root / case.shown
    if case.link is not None:
        assert os.readlink(path) == case.link
    elif case.name == "locked":
        assert (path / "hidden.py").read_bytes() == GOOD
    elif case.name == "racy.py":
        assert run.content(case) == EDITED  # the other writer's edit survives
    else:
        assert run.content(case) == case.data


@pytest.mark.parametrize(("run_id", "name"), _pairs(GOOD_CASES + BAD_CASES, bad=False))
def test_good_input_is_rewritten_exactly(
    runs: Callable[[str], Run], run_id: str, name: str
) -> None:
    run, case = runs(run_id), BY_NAME[name]
    assert case.data is not None
    after = run.content(case)
    assert naming(run.result.stderr, case.shown) == []
    if case.expected is None or run.command == "scan":
        assert after == case.data
        if case.data:  # scan names what it found
            assert naming(run.result.stdout, case.shown), run.result.stdout
    elif name == "mixed_endings.py":
        _assert_line_endings_kept(case.data, after, case.expected)
    else:
        assert after == case.expected


def _assert_line_endings_kept(before: bytes, after: bytes, expected_lf: bytes) -> None:
    """``after`` is ``expected_lf`` but for line endings, and every line the rewrite did not
    touch kept its own ending."""
    assert after.replace(b"\r\n", b"\n") == expected_lf
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)

    def bare(raw: list[bytes]) -> list[bytes]:
        return [line.rstrip(b"\r\n") for line in raw]

    kept = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(
        None, bare(old), bare(new), autojunk=False
    ).get_opcodes():
        if tag == "equal":
            assert new[j1:j2] == old[i1:i2]
            kept += i2 - i1
    untouched = SequenceMatcher(None, bare(GOOD.splitlines()), bare(EXPECTED.splitlines()))
    assert kept == sum(block.size for block in untouched.get_matching_blocks())


@pytest.mark.parametrize("run_id", ["rewrite", "rewrite-j1"])
def test_a_read_only_file_is_rewritten_and_stays_read_only(
    runs: Callable[[str], Run], run_id: str
) -> None:
    run = runs(run_id)
    target = run.root / "src" / "readonly.py"
    assert target.read_bytes() == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


@pytest.mark.parametrize("run_id", RUNS)
def test_stderr_holds_one_line_per_bad_input_and_nothing_else(
    runs: Callable[[str], Run], run_id: str
) -> None:
    run = runs(run_id)
    bad = [case for case in CASES if case.bad_for(run.command)]
    said = lines(run.result.stderr)
    assert len(said) == len(bad), run.result.stderr
    assert sorted(line.split(": error: ")[0] for line in said) == sorted(c.shown for c in bad)


@pytest.mark.parametrize("run_id", RUNS)
def test_a_directory_loop_is_walked_once_and_nothing_is_left_behind(
    runs: Callable[[str], Run], run_id: str
) -> None:
    run = runs(run_id)
    assert "src/sub/up/" not in run.result.stdout + run.result.stderr
    assert leftover_temporaries(run.root) == []


@pytest.mark.parametrize("run_id", ["rewrite", "rewrite-j1"])
@pytest.mark.parametrize("name", ["racy.py", "ro_dir/inner.py"])
def test_a_file_that_could_not_be_written_is_not_reported_fixed(
    runs: Callable[[str], Run], run_id: str, name: str
) -> None:
    run, case = runs(run_id), BY_NAME[name]
    claimed = [line for line in naming(run.result.stdout, case.shown) if "[fixed]" in line]
    assert claimed == [], "the report says fixed, the file was left as it is"


def test_parallel_and_serial_runs_report_the_same(runs: Callable[[str], Run]) -> None:
    parallel, serial = runs("rewrite").result, runs("rewrite-j1").result
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr


# Bad input without any rule's trigger word ----------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\xff"


@pytest.mark.parametrize("command", ["rewrite", "scan"])
def test_a_binary_file_named_py_is_reported_even_without_a_trigger_word(
    tmp_path: Path, command: str
) -> None:
    """The issue lists binary files named .py among the bad input that gets a line; one
    without any rule's trigger word in it is found only if NUL bytes are looked for before
    the trigger words decide that the file needs no parsing."""
    (tmp_path / "image.py").write_bytes(PNG)
    (tmp_path / "legacy.py").write_bytes(GOOD)
    result = invoke(tmp_path, [command, "-j", "1", "."])
    assert (tmp_path / "image.py").read_bytes() == PNG
    assert naming(result.stderr, "image.py") == [
        "image.py: error: binary file (contains NUL bytes)"
    ]
    assert result.exit_code == 3


# Standard input ---------------------------------------------------------------------------

STDIN_CASES = ["python2.py", "binary.py", "undecodable.py", "unknown_codec.py", "deep_brackets.py"]


@pytest.mark.parametrize("command", ["rewrite", "scan"])
@pytest.mark.parametrize("name", STDIN_CASES)
def test_bad_input_on_stdin_is_named_and_passed_through_whole(
    tmp_path: Path, command: str, name: str
) -> None:
    case = BY_NAME[name]
    assert case.data is not None
    result = invoke(tmp_path, [command, "--stdin-filename", "pkg/mod.py", "-"], stdin=case.data)
    assert result.exit_code == 3
    said = naming(result.stderr, "pkg/mod.py")
    assert len(said) == 1, result.stderr
    assert re.fullmatch(rf"pkg/mod\.py: error: {case.reason}", said[0]), said[0]
    if command == "rewrite":
        assert result.stdout_bytes == case.data  # a filter must not eat its input
    assert "Traceback" not in result.stderr


# Ctrl-C -----------------------------------------------------------------------------------


def _interrupt_between_files(monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine.finish_file

    def finish_file(path: Any, *args: Any) -> engine.FileResult:
        if os.path.basename(path) == "b.py":
            raise KeyboardInterrupt
        return real(path, *args)

    monkeypatch.setattr(engine, "finish_file", finish_file)


def _interrupt_in_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fsync

    def fsync(fd: int) -> None:
        if ".b.py." in os.readlink(f"/proc/self/fd/{fd}"):
            raise KeyboardInterrupt
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def _interrupt_once_the_temporary_file_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C right after mkstemp created the file (before it returned: the signal handler
    runs at the next bytecode boundary, which may still be inside mkstemp)."""
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        fd, name = real(*args, **kwargs)
        if ".b.py." in name:
            os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C, landing inside mkstemp
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


INTERRUPTS = {
    "between-files": _interrupt_between_files,
    "in-fsync": _interrupt_in_fsync,
    "after-mkstemp": _interrupt_once_the_temporary_file_exists,
}


@pytest.mark.parametrize("jobs", [[], ["-j", "1"]], ids=["default-jobs", "j1"])
@pytest.mark.parametrize("where", INTERRUPTS)
def test_ctrl_c_while_rewriting_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, jobs: list[str]
) -> None:
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_bytes(GOOD)
    INTERRUPTS[where](monkeypatch)
    result = invoke(tmp_path, ["rewrite", *jobs, "."])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    assert (tmp_path / "a.py").read_bytes() == EXPECTED  # done before: complete
    assert (tmp_path / "b.py").read_bytes() == GOOD  # interrupted: as it was
    assert (tmp_path / "c.py").read_bytes() == GOOD  # not reached
    assert leftover_temporaries(tmp_path) == []
    assert naming(result.stdout, "b.py") == naming(result.stdout, "c.py") == []


class _InterruptedStdin(io.RawIOBase):
    """Standard input on which the user presses Ctrl-C instead of typing."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise KeyboardInterrupt


@pytest.mark.parametrize("command", ["rewrite", "scan"])
def test_ctrl_c_while_waiting_for_stdin_exits_130(tmp_path: Path, command: str) -> None:
    stdin: Any = io.BufferedReader(_InterruptedStdin())
    result = invoke(tmp_path, [command, "-"], stdin=stdin)
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr


# Every PEP 263 encoding -------------------------------------------------------------------


def _codecs() -> list[str]:
    """Every codec of the registry, by its canonical name: the aliases' targets and every
    module of the encodings package that is a codec on this platform."""
    candidates = set(encodings.aliases.aliases.values())
    candidates.update(module.name for module in pkgutil.iter_modules(encodings.__path__))
    names = set()
    for candidate in candidates:
        try:
            names.add(codecs.lookup(candidate).name)
        except LookupError:  # aliases (the table), mbcs off Windows, ...
            continue
    return sorted(names)


CODECS = _codecs()
SAMPLES = "éжα€กשع日한ß¤§£" + "".join(map(chr, range(0xA0, 0x3000)))


def _sample(codec: str) -> str | None:
    """A non-ASCII character ``codec`` encodes and decodes back, if any."""
    for char in SAMPLES:
        if not char.isprintable():
            continue
        try:
            if char.encode(codec).decode(codec) == char:
                return char
        except (UnicodeError, LookupError, TypeError, ValueError):
            continue
    return None


def encoded_module(codec: str, body: bytes) -> bytes:
    """``body`` (ASCII) as a module declaring ``codec``, with non-ASCII text in a string and
    a comment, encoded with ``codec``; ASCII only where the codec cannot encode text."""
    char = _sample(codec)
    head = f"# -*- coding: {codec} -*-\n"
    text = head + body.decode("ascii") + f"NAME = '{char}'  # {char}\n"
    try:
        return text.encode(codec)
    except (UnicodeError, LookupError, TypeError, ValueError):  # bytes-to-bytes codecs, idna
        return (head + body.decode("ascii") + "NAME = 'only ASCII'\n").encode("ascii")


def python_compiles(data: bytes) -> bool:
    """The oracle: does CPython itself accept the file?"""
    try:
        compile(data, "encoded.py", "exec", dont_inherit=True)
    except Exception:
        return False
    return True


@pytest.fixture(scope="module")
def codec_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """One ``rewrite`` over a legacy module in every encoding."""
    root = tmp_path_factory.mktemp("codecs")
    (root / "enc").mkdir()
    for codec in CODECS:
        (root / "enc" / f"{codec}.py").write_bytes(encoded_module(codec, GOOD))
    return root, invoke(root, ["rewrite", "enc"])


#: Codecs CPython reads source in but cannot encode it back: idna's encoder refuses labels
#: (text between dots) longer than 63 characters, and every line of code is longer than that.
#: Such a file is reported as undecodable for rewriting and left alone.
READ_ONLY_CODECS = {"idna"}


@pytest.mark.parametrize("codec", CODECS)
def test_every_pep263_encoding_is_kept_or_reported(
    codec_run: tuple[Path, Result], codec: str
) -> None:
    root, result = codec_run
    before, after = encoded_module(codec, GOOD), (root / "enc" / f"{codec}.py").read_bytes()
    said = naming(result.stderr, f"enc/{codec}.py")
    if python_compiles(before) and codec not in READ_ONLY_CODECS:
        assert said == []
        expected = encoded_module(codec, EXPECTED)
        assert after.decode(codec) == expected.decode(codec)
        assert after == expected
    else:
        assert after == before
        assert len(said) == 1, f"{codec}: CPython refuses this file; it must be reported"


def test_the_encodings_include_the_usual_ones_and_some_cpython_refuses() -> None:
    accepted = {codec for codec in CODECS if python_compiles(encoded_module(codec, GOOD))}
    assert {"utf-8", "iso8859-1", "cp1252", "shift_jis", "euc_jp", "gb18030"} <= accepted
    assert {"utf-16", "utf-32", "cp037", "rot-13"} <= set(CODECS) - accepted


# A 20 MB module ---------------------------------------------------------------------------

SIZE = 20 * 1024 * 1024


def test_a_20_mb_module_is_only_parsed_when_a_rule_could_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = b"    ('key', 1234567890, 'value', 3.25, None),\n"
    plain = b"ROWS = [\n" + row * (SIZE // len(row)) + b"]\n"  # generated, no trigger word
    line = b"x" * 79 + b"\n"
    blob = b'BLOB = """\\\n' + line * (SIZE // len(line)) + b'"""\n'
    (tmp_path / "big_plain.py").write_bytes(plain)
    (tmp_path / "big_legacy.py").write_bytes(GOOD + blob)
    submitted: list[str] = []
    examined: list[str] = []
    real_submit, real_check = workers.WorkerPool.submit, prefilter.check_source

    def submit(pool: workers.WorkerPool, job: workers.Job, rules: Any) -> Any:
        submitted.append(job.shown)
        return real_submit(pool, job, rules)

    def check_source(data: bytes, path: str) -> Any:
        examined.append(path)
        return real_check(data, path)

    monkeypatch.setattr(workers.WorkerPool, "submit", submit)
    monkeypatch.setattr(prefilter, "check_source", check_source)
    result = invoke(tmp_path, ["rewrite", "-j", "2", "."])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "big_legacy.py").read_bytes() == EXPECTED + blob
    assert (tmp_path / "big_plain.py").read_bytes() == plain
    assert submitted == ["big_legacy.py"]  # the other was settled without a worker ...
    assert "big_plain.py" not in examined  # ... and without parsing it here
    # In one process the parsing is seen: only the file a rule could apply to is parsed.
    (tmp_path / "big_legacy.py").write_bytes(GOOD + blob)
    result = invoke(tmp_path, ["rewrite", "-j", "1", "."])
    assert result.exit_code == 0, result.output
    assert examined == ["big_legacy.py"]
