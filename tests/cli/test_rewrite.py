"""``loadermig rewrite``: in place, --dry-run patches, --check, exit codes, bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from loadermig.cli import main
from loadermig.codemod import engine, workers

from ..conftest import FIXTURES
from ._support import invoke


def _pairs_per_rule(count: int) -> list[Path]:
    """The first ``count`` fixture inputs of each rule that have an expected rewrite."""
    chosen: list[Path] = []
    for rule_dir in sorted((FIXTURES / "codemod").glob("LM*")):
        inputs = sorted(rule_dir.glob("*.py"))
        chosen += [p for p in inputs if p.with_suffix(".py.expected").exists()][:count]
    return chosen


# Two rewritten inputs per rule exercise every rule through the CLI; the fixture tests
# cover each pair in depth.
PAIRS = _pairs_per_rule(2)
LEGACY = b"from importlib.abc import PyLoader\n\n\nclass L(PyLoader):\n    pass\n"


def make_tree(root: Path) -> dict[str, bytes]:
    """Every fixture input with an expected rewrite, as files under ``root/src``; returns them."""
    expected: dict[str, bytes] = {}
    for number, pair in enumerate(PAIRS):
        target = root / "src" / pair.parent.name / f"m{number}_{pair.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pair, target)
        expected[str(target.relative_to(root))] = pair.with_suffix(".py.expected").read_bytes()
    (root / "src" / "modern.py").write_text("import importlib.abc\n")
    return expected


def run(root: Path, *args: str) -> Result:
    return invoke(root, ["rewrite", *args])


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py")) if p.is_file()
    }


def test_the_fixtures_give_the_cli_something_to_rewrite() -> None:
    assert len(PAIRS) >= 5


def test_rewrite_in_place_then_nothing_left_to_do(tmp_path: Path) -> None:
    expected = make_tree(tmp_path)
    result = run(tmp_path, "src")
    assert result.exit_code == 0, result.output
    for relative, content in expected.items():
        assert (tmp_path / relative).read_bytes() == content, relative
    assert f"{len(expected) + 1} files scanned, {len(expected)} rewritten" in result.stdout
    assert "[fixed]" in result.stdout
    again = run(tmp_path, "src")
    assert again.exit_code == 0
    assert ", 0 rewritten," in again.stdout


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_dry_run_patch_gives_exactly_the_in_place_result(tmp_path: Path, tool: str) -> None:
    in_place, dry = tmp_path / "in_place", tmp_path / "dry"
    make_tree(in_place)
    make_tree(dry)
    before = snapshot(dry)
    assert run(in_place, "src").exit_code == 0

    result = run(dry, "--dry-run", "src")
    assert result.exit_code == 0
    assert snapshot(dry) == before  # nothing written
    assert "files scanned" in result.stderr and "files scanned" not in result.stdout
    patch = result.stdout_bytes
    assert patch.startswith(b"--- a/src/")

    if tool == "git":
        subprocess.run(["git", "init", "-q"], cwd=dry, check=True)
        subprocess.run(["git", "apply"], cwd=dry, input=patch, check=True)
    else:
        subprocess.run(["patch", "-p1", "-s"], cwd=dry, input=patch, check=True)
    assert snapshot(dry) == snapshot(in_place)


def test_check_writes_nothing_and_exits_1_when_work_is_left(tmp_path: Path) -> None:
    make_tree(tmp_path)
    before = snapshot(tmp_path)
    result = run(tmp_path, "--check", "src")
    assert result.exit_code == 1
    assert snapshot(tmp_path) == before
    assert "would be rewritten" in result.stdout
    clean = run(tmp_path, "--check", "src/modern.py")
    assert clean.exit_code == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run(tmp_path).exit_code == 2
    assert run(tmp_path, "--no-such-option", ".").exit_code == 2
    assert "Exit codes" in CliRunner().invoke(main, ["rewrite", "--help"]).output


BAD_INPUT = {
    "python2.py": (b"from importlib.abc import PyLoader\nprint 'hello'\n", "cannot parse"),
    "binary.py": (b"PyLoader\x00\x01\x02\xff", "binary file"),
    "undecodable.py": (b"# PyLoader\nx = '\xff\xfe'\n", "cannot decode"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_bad_file_is_named_with_its_reason_and_the_run_goes_on(tmp_path: Path, name: str) -> None:
    data, reason = BAD_INPUT[name]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / name).write_bytes(data)
    (tmp_path / "src" / "zz_good.py").write_bytes(LEGACY)
    result = run(tmp_path, "src")
    assert result.exit_code == 3
    assert f"src/{name}: error: {reason}" in result.stderr
    assert (tmp_path / "src" / name).read_bytes() == data
    assert (tmp_path / "src" / "zz_good.py").read_bytes() != LEGACY  # still rewritten
    assert "1 failed" in result.stdout


def test_missing_path_exits_3(tmp_path: Path) -> None:
    result = run(tmp_path, "nowhere")
    assert result.exit_code == 3
    assert "nowhere: error: no such file or directory" in result.stderr


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.py").write_bytes(LEGACY)
    real_read = engine.read_bytes

    def deny(path: os.PathLike[str] | str) -> bytes:
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(engine, "read_bytes", deny)
    result = run(tmp_path, ".")
    assert result.exit_code == 3
    assert "locked.py: error: cannot read: Permission denied" in result.stderr


def test_file_changed_between_read_and_write_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "racy.py"
    target.write_bytes(LEGACY)
    real_rewrite = workers.rewrite_source

    def rewrite_while_someone_edits(data: bytes, *args: object) -> object:
        outcome = real_rewrite(data, *args)  # type: ignore[arg-type]
        target.write_bytes(LEGACY + b"# edited meanwhile\n")
        return outcome

    monkeypatch.setattr(workers, "rewrite_source", rewrite_while_someone_edits)
    result = run(tmp_path, "--jobs", "1", "racy.py")
    assert result.exit_code == 3
    assert "racy.py: error: changed on disk" in result.stderr
    assert target.read_bytes() == LEGACY + b"# edited meanwhile\n"


def test_unwritable_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ro.py").write_bytes(LEGACY)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(engine, "write_atomic", refuse)
    result = run(tmp_path, ".")
    assert result.exit_code == 3
    assert "ro.py: error: cannot write: Permission denied" in result.stderr
    assert (tmp_path / "ro.py").read_bytes() == LEGACY


def test_mode_bits_and_crlf_survive_an_in_place_rewrite(tmp_path: Path) -> None:
    target = tmp_path / "script.py"
    target.write_bytes(LEGACY.replace(b"\n", b"\r\n"))
    target.chmod(0o751)
    assert run(tmp_path, "script.py").exit_code == 0
    assert b"SourceLoader" in target.read_bytes()
    assert b"\n" not in target.read_bytes().replace(b"\r\n", b"")
    assert target.stat().st_mode & 0o777 == 0o751


def test_console_script_entry_point(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(LEGACY)
    done = subprocess.run(
        [sys.executable, "-m", "loadermig", "rewrite", "--check", "m.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "m.py:" in done.stdout
