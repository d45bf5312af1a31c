"""Dry-run diffs must apply with ``git apply`` and ``patch -p1`` to exactly the rewritten bytes."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from loadermig.codemod.diff import unified_diff
from loadermig.codemod.files import write_atomic

BOM = b"\xef\xbb\xbf"
LONG = b"".join(b"line %d\n" % n for n in range(40))

CASES: dict[str, tuple[bytes, bytes]] = {
    "lf": (b"import imp\nx = 1\n", b"import importlib\nx = 1\n"),
    "crlf": (b"import imp\r\nx = 1\r\ny = 2\r\n", b"import importlib\r\nx = 1\r\ny = 2\r\n"),
    "mixed": (b"a\r\nb\nc\rd\r\ne\n\rf\n", b"a\r\nB\nc\rD\r\ne\n\rf\r\n"),
    "lone_cr": (b"a\rb\rc\r", b"a\rB\rc\r"),
    "no_newline_before": (b"a\nb\nc", b"a\nB\nc\n"),
    "no_newline_after": (b"a\nb\nc\n", b"a\nB\nc"),
    "no_newline_both": (b"a\nb\nc", b"a\nB\nC"),
    "no_newline_in_context": (LONG + b"end", LONG.replace(b"line 38", b"LINE 38") + b"end"),
    "no_newline_crlf": (b"a\r\nb\r\nc", b"a\r\nB\r\nc\r\n"),
    "latin1": (
        b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nimport imp\n",
        b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nimport importlib\n",
    ),
    "bom_crlf": (
        BOM + b"import imp\r\n\xc3\xa9 = 1\r\n",
        BOM + b"import importlib\r\n\xc3\xa9 = 1\r\n",
    ),
    "bom_line_changed": (BOM + b"x = 1\n", b"x = 1\n"),
    "far_apart": (LONG, LONG.replace(b"line 2\n", b"line two\n").replace(b"line 33", b"l33")),
    "first_and_last": (LONG, b"first\n" + LONG[7:-8] + b"last\n"),
    "lines_like_patch_syntax": (
        b"x = 1\n",
        b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n\\ No newline at end of file\n x = 1\n",
    ),
    "whitespace": (b"if x:\n\tpass  \n\n\n", b"if x:\n\tpass \t\n \n\n"),
    "from_empty": (b"", b"x = 1\n"),
    "to_empty": (b"x = 1\n", b""),
    "lines_added_and_removed": (LONG, LONG[:50] + b"new\n" * 5 + LONG[120:]),
}

NAMES = [
    "with space.py",
    "caf\xe9.py",
    os.fsdecode(b"latin\xe9.py"),
    "tab\there.py",
    'quote"d.py',
    "back\\slash.py",
    "-dash.py",
]


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "LC_ALL": "C",
    }
    return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env)


def apply(tool: str, root: Path, patch: bytes) -> None:
    """Apply ``patch`` in ``root`` the way a user would; fail the test if it does not apply."""
    if tool == "git":
        result = git(root, "apply", stdin=patch)
    else:
        result = subprocess.run(
            ["patch", "-p1", "--batch"], cwd=root, input=patch, capture_output=True
        )
    assert result.returncode == 0, (result.stdout + result.stderr).decode(errors="replace")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def repo(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir()
    assert git(root, "init", "-q").returncode == 0
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def check_round_trip(tool: str, root: Path, changes: dict[str, tuple[bytes, bytes]]) -> None:
    """The concatenated diffs of ``changes`` reproduce every rewritten file exactly."""
    repo(root, {name: old for name, (old, _) in changes.items()})
    patch = b"".join(unified_diff(old, new, name) for name, (old, new) in changes.items())
    if patch:  # neither tool accepts an empty patch; there is nothing to do
        apply(tool, root, patch)
    assert snapshot(root) == {name: new for name, (_, new) in changes.items()}


@pytest.mark.parametrize("tool", ["git", "patch"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_case_round_trips(tmp_path: Path, tool: str, case: str) -> None:
    check_round_trip(tool, tmp_path / "repo", {f"pkg/sub/{case}.py": CASES[case]})


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_several_files_in_one_patch(tmp_path: Path, tool: str) -> None:
    changes = {f"{case}.py": pair for case, pair in CASES.items()}
    changes.update({f"deep/er/{case}.py": pair for case, pair in CASES.items()})
    check_round_trip(tool, tmp_path / "repo", changes)


@pytest.mark.parametrize("tool", ["git", "patch"])
@pytest.mark.parametrize("name", NAMES)
def test_awkward_file_names(tmp_path: Path, tool: str, name: str) -> None:
    check_round_trip(tool, tmp_path / "repo", {f"d ir/{name}": CASES["no_newline_both"]})


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_the_patch_gives_exactly_what_the_in_place_rewrite_gives(tmp_path: Path, tool: str) -> None:
    originals = {f"src/{case}.py": old for case, (old, _) in CASES.items()}
    in_place = repo(tmp_path / "in_place", originals)
    dry_run = repo(tmp_path / "dry_run", originals)
    patch = b""
    for name, old in originals.items():
        new = CASES[Path(name).stem][1]
        write_atomic(in_place / name, new, old)
        patch += unified_diff(old, new, name)
    apply(tool, dry_run, patch)
    assert snapshot(dry_run) == snapshot(in_place)


def test_headers_and_hunks() -> None:
    diff = unified_diff(b"a\nb\nc", b"a\nB\nc", "pkg/m.py")
    assert diff == (
        b"--- a/pkg/m.py\n"
        b"+++ b/pkg/m.py\n"
        b"@@ -1,3 +1,3 @@\n"
        b" a\n"
        b"-b\n"
        b"+B\n"
        b" c\n"
        b"\\ No newline at end of file\n"
    )


def test_no_newline_marker_follows_each_line_lacking_one() -> None:
    diff = unified_diff(b"x", b"y\n", "m.py")
    assert diff.endswith(b"@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n")
    diff = unified_diff(b"x\n", b"y", "m.py")
    assert diff.endswith(b"@@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n")


def test_no_difference_gives_an_empty_diff() -> None:
    assert unified_diff(b"a\r\nb", b"a\r\nb", "m.py") == b""
    assert unified_diff(b"", b"", "m.py") == b""


def test_context_lines() -> None:
    diff = unified_diff(LONG, LONG.replace(b"line 20\n", b"line XX\n"), "m.py", context=1)
    assert diff.splitlines()[2:] == [
        b"@@ -20,3 +20,3 @@",
        b" line 19",
        b"-line 20",
        b"+line XX",
        b" line 21",
    ]


def test_plain_names_are_not_quoted_and_odd_ones_are() -> None:
    assert unified_diff(b"a", b"b", "src/a-b_c.d/m.py").startswith(b"--- a/src/a-b_c.d/m.py\n")
    assert unified_diff(b"a", b"b", "a b.py").startswith(b'--- "a/a b.py"\n+++ "b/a b.py"\n')
    assert unified_diff(b"a", b"b", "\xe9\t.py").startswith(b'--- "a/\\303\\251\\t.py"\n')


def random_content(rng: random.Random) -> bytes:
    pieces = [b"a", b"b", b"\xe9", b" ", b"\\", b"-", b"+", b"@@"]
    ends = [b"\n", b"\r\n", b"\r", b""]
    return b"".join(rng.choice(pieces) + rng.choice(ends) for _ in range(rng.randrange(12)))


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_random_contents_round_trip(tmp_path: Path, tool: str) -> None:
    rng = random.Random(20240611)
    changes: dict[str, tuple[bytes, bytes]] = {}
    for number in range(300):
        old = random_content(rng)
        new = random_content(rng) if rng.random() < 0.3 else mutate(rng, old)
        changes[f"f{number:03}.py"] = (old, new)
    check_round_trip(tool, tmp_path / "repo", changes)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """``data`` with a few bytes replaced, inserted or removed: diffs with shared context."""
    out = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(out) + 1)
        out[at : at + rng.randrange(3)] = rng.choice([b"", b"x", b"\n", b"\r", b"\r\n", b"y\n"])
    return bytes(out)
