"""Finding, reading and safely rewriting files, on real files in a temporary directory."""

from __future__ import annotations

import dataclasses
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from loadermig.codemod.files import (
    DEFAULT_EXCLUDED_DIRS,
    ChangedOnDiskError,
    Discovered,
    OutsideLink,
    discover,
    display_path,
    patch_path,
    read_bytes,
    write_atomic,
)

TRICKY = b"\xef\xbb\xbf# caf\xe9\r\nx = 1\nname = '\xff\xfe'\r\n\r\nlast = 2"


def touch(root: Path, *names: str, content: bytes = b"x = 1\n") -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def found(*paths: str | Path, exclude: Iterable[str] = DEFAULT_EXCLUDED_DIRS) -> list[str]:
    """What discover yields, relative to the current directory, errors marked with '!'."""
    out = []
    for item in discover(paths, exclude):
        text = display_path(item.path)
        out.append(f"{text} ! {item.error}" if item.error else text)
    return out


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".loadermig.tmp"))


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# discover ---------------------------------------------------------------------------------


def test_walk_is_sorted_depth_first_and_only_python_files(tree: Path) -> None:
    touch(tree, "b.py", "a.py", "z/m.py", "c/d/e.py", "c/b.py", "notes.txt", "c/x.pyc", "c/y.pyi")
    assert found(".") == ["a.py", "b.py", "c/b.py", "c/d/e.py", "z/m.py"]


def test_paths_keep_the_order_given_and_the_form_given(tree: Path) -> None:
    touch(tree, "one/a.py", "two/b.py")
    assert found("two", "one") == ["two/b.py", "one/a.py"]
    assert [item.path for item in discover(["two"])] == [Path("two/b.py")]


SKIPPED = [
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
    "loadermig.egg-info",
]


def test_the_default_exclusions_are_exported() -> None:
    assert {*SKIPPED[:-1], "*.egg-info"} == DEFAULT_EXCLUDED_DIRS


@pytest.mark.parametrize("name", SKIPPED)
def test_default_excluded_directories_are_not_entered(tree: Path, name: str) -> None:
    touch(tree, f"src/{name}/hidden.py", f"src/{name}/deeper/hidden.py", "src/kept.py")
    assert found("src") == ["src/kept.py"]


def test_a_directory_named_explicitly_is_walked_even_if_excluded(tree: Path) -> None:
    touch(tree, "build/gen.py")
    assert found("build") == ["build/gen.py"]


def test_virtualenvs_are_recognised_by_pyvenv_cfg_whatever_their_name(tree: Path) -> None:
    touch(tree, "proj/app.py", "proj/py312-env/lib/site.py", "proj/py312-env/pyvenv.cfg")
    assert found("proj") == ["proj/app.py"]


def test_site_packages_and_lib_are_walked(tree: Path) -> None:
    touch(tree, "lib/python3.12/site-packages/pkg/mod.py", "lib/python3.12/os.py")
    assert found("lib") == ["lib/python3.12/os.py", "lib/python3.12/site-packages/pkg/mod.py"]


def test_exclude_can_be_replaced(tree: Path) -> None:
    touch(tree, "build/a.py", "gen/b.py", "gen_old/c.py")
    assert found(".", exclude=["gen*"]) == ["build/a.py"]


def test_a_file_named_explicitly_is_yielded_whatever_its_extension(tree: Path) -> None:
    touch(tree, "bin/tool", "venv/lib/x.py", "README.txt")
    assert found("bin/tool", "venv/lib/x.py", "README.txt") == [
        "bin/tool",
        "venv/lib/x.py",
        "README.txt",
    ]


def test_discover_is_lazy(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tree, "a/x.py", "b/y.py", "c/z.py")
    listed: list[str] = []
    real_scandir = os.scandir

    def spy(path: str) -> Iterator[os.DirEntry[str]]:
        listed.append(display_path(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", spy)
    walk = discover(["."])
    assert listed == []
    assert next(walk).path == Path("a/x.py")
    assert listed == [".", "a"]
    assert [item.path for item in walk] == [Path("b/y.py"), Path("c/z.py")]


def test_a_symlink_loop_terminates_and_yields_each_file_once(tree: Path) -> None:
    touch(tree, "pkg/a.py", "pkg/sub/b.py")
    (tree / "pkg/sub/loop").symlink_to(tree / "pkg", target_is_directory=True)
    (tree / "pkg/sub/self").symlink_to("self")
    assert found("pkg") == ["pkg/a.py", "pkg/sub/b.py"]


def test_a_directory_reached_twice_through_links_is_walked_once(tree: Path) -> None:
    touch(tree, "outside/shared.py")
    touch(tree, "proj/main.py")
    (tree / "proj/link1").symlink_to(tree / "outside", target_is_directory=True)
    (tree / "proj/link2").symlink_to(tree / "outside", target_is_directory=True)
    assert found("proj", "proj") == ["proj/link1/shared.py", "proj/main.py"]


def test_a_symlinked_file_is_yielded_with_its_link_path(tree: Path) -> None:
    touch(tree, "real/mod.txt")
    (tree / "proj").mkdir()
    (tree / "proj/mod.py").symlink_to(tree / "real/mod.txt")
    target = os.path.realpath(tree / "real/mod.txt")  # outside proj: never written
    outside = OutsideLink("proj/mod.py", target)
    assert [item for item in discover(["proj"])] == [Discovered(Path("proj/mod.py"), None, outside)]


def test_a_real_file_reached_twice_is_yielded_once_at_the_first_path(tree: Path) -> None:
    touch(tree, "proj/pkg/mod.py")
    (tree / "proj/alias.py").symlink_to("pkg/mod.py")
    (tree / "proj/zz").symlink_to("pkg", target_is_directory=True)
    assert found("proj/pkg/mod.py", "proj", "proj/alias.py") == ["proj/pkg/mod.py"]
    assert found("proj") == ["proj/alias.py"]


def test_links_to_outside_the_given_paths_are_marked_with_the_outermost_link(tree: Path) -> None:
    touch(tree, "out/lib/sub/a.py", "out/lib/b.py", "proj/own.py")
    (tree / "proj/lib").symlink_to("../out/lib", target_is_directory=True)
    (tree / "out/lib/sub/back.py").symlink_to("../../../proj/own.py")  # inside again
    (tree / "proj/one.py").symlink_to("../out/lib/b.py")
    (tree / "proj/own_alias.py").symlink_to("own.py")
    real = os.path.realpath(tree / "out/lib")
    via_lib = OutsideLink("proj/lib", real)
    assert [(str(item.path), item.outside) for item in discover(["proj"])] == [
        ("proj/lib/b.py", via_lib),
        ("proj/lib/sub/a.py", via_lib),
        ("proj/lib/sub/back.py", None),
    ]
    # Named explicitly: the user's choice, never outside; a second given path is inside too.
    back = OutsideLink("proj/lib/sub/back.py", os.path.realpath(tree / "proj/own.py"))
    assert [item.outside for item in discover(["proj/one.py", "proj/lib"])] == [None, None, back]
    assert [item.outside for item in discover(["proj", "out"])] == [None] * 3


def test_broken_symlinks_are_reported(tree: Path) -> None:
    touch(tree, "proj/ok.py")
    (tree / "proj/gone.py").symlink_to(tree / "nowhere.py")
    (tree / "proj/gone_data").symlink_to(tree / "nowhere")
    (tree / "explicit").symlink_to(tree / "nowhere")
    assert found("proj", "explicit") == [
        "proj/gone.py ! broken symbolic link",
        "proj/ok.py",
        "explicit ! broken symbolic link",
    ]


def test_symlink_loops_are_reported_as_loops(tree: Path) -> None:
    touch(tree, "proj/ok.py")
    (tree / "proj/self.py").symlink_to(tree / "proj/self.py")
    (tree / "proj/a.py").symlink_to(tree / "proj/b.py")
    (tree / "proj/b.py").symlink_to(tree / "proj/a.py")
    (tree / "explicit.py").symlink_to(tree / "explicit.py")
    assert found("proj", "explicit.py") == [
        "proj/a.py ! symbolic link loop",
        "proj/b.py ! symbolic link loop",
        "proj/ok.py",
        "proj/self.py ! symbolic link loop",
        "explicit.py ! symbolic link loop",
    ]


def test_a_missing_path_is_reported_and_the_rest_still_walked(tree: Path) -> None:
    touch(tree, "a.py")
    assert found("missing.py", "a.py", "missing_dir/x.py") == [
        "missing.py ! no such file or directory",
        "a.py",
        "missing_dir/x.py ! no such file or directory",
    ]


def test_an_unreadable_directory_is_reported_and_the_rest_still_walked(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tree, "proj/a.py", "proj/locked/secret.py", "proj/z.py")
    locked = tree / "proj/locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # root: simulate what chmod 000 does for others
            real_scandir = os.scandir

            def scandir(path: str) -> Iterator[os.DirEntry[str]]:
                if Path(path).resolve() == locked.resolve():
                    raise PermissionError(13, "Permission denied", path)
                return real_scandir(path)

            monkeypatch.setattr(os, "scandir", scandir)
        assert found("proj") == [
            "proj/a.py",
            "proj/locked ! cannot list directory: permission denied",
            "proj/z.py",
        ]
    finally:
        locked.chmod(0o755)


def test_discovered_is_a_frozen_value() -> None:
    item = Discovered(Path("a.py"))
    assert item == Discovered(Path("a.py"), None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.error = "x"  # type: ignore[misc]


# read_bytes / write_atomic ----------------------------------------------------------------


def test_read_bytes_is_exact_and_raises_oserror(tmp_path: Path) -> None:
    touch(tmp_path, "m.py", content=TRICKY)
    assert read_bytes(tmp_path / "m.py") == TRICKY
    with pytest.raises(FileNotFoundError):
        read_bytes(tmp_path / "missing.py")


def test_write_atomic_writes_the_exact_bytes(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(b"old\r\n")
    write_atomic(target, TRICKY, b"old\r\n")
    assert target.read_bytes() == TRICKY
    assert leftovers(tmp_path) == []
    write_atomic(str(target), b"", TRICKY)
    assert target.read_bytes() == b""


@pytest.mark.parametrize("mode", [0o755, 0o644, 0o600, 0o444])
def test_write_atomic_keeps_the_permission_bits(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(b"old\n")
    target.chmod(mode)
    write_atomic(target, b"new\n", b"old\n")
    assert target.read_bytes() == b"new\n"
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert leftovers(tmp_path) == []


def test_write_atomic_keeps_the_owner(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(b"old\n")
    if os.geteuid() == 0:
        os.chown(target, 4321, 8765)
    before = target.stat()
    write_atomic(target, b"new\n", b"old\n")
    after = target.stat()
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)


def test_write_atomic_writes_through_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path, "real/mod.py", content=b"old\n")
    (tmp_path / "proj").mkdir()
    link = tmp_path / "proj/mod.py"
    link.symlink_to("../real/mod.py")
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(src: str, dst: str) -> None:
        renames.append((src, dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    write_atomic(link, b"new\n", b"old\n")
    assert link.is_symlink() and os.readlink(link) == "../real/mod.py"
    assert (tmp_path / "real/mod.py").read_bytes() == b"new\n"
    [(src, dst)] = renames  # the temporary file lived next to the real file
    assert Path(src).parent == Path(dst).parent == (tmp_path / "real").resolve()
    assert leftovers(tmp_path / "real") == leftovers(tmp_path / "proj") == []


def test_write_atomic_refuses_when_the_file_changed_since_it_was_read(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(b"old\n")
    seen = read_bytes(target)
    target.write_bytes(b"edited meanwhile\n")
    with pytest.raises(ChangedOnDiskError) as raised:
        write_atomic(target, b"new\n", seen)
    assert isinstance(raised.value, OSError)
    assert str(target) in str(raised.value) and "changed" in str(raised.value)
    assert target.read_bytes() == b"edited meanwhile\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("function", "exception"),
    [
        ("fsync", OSError(28, "No space left on device")),
        ("fsync", KeyboardInterrupt()),
        ("chmod", OSError(1, "Operation not permitted")),
        ("replace", OSError(5, "Input/output error")),
        ("replace", KeyboardInterrupt()),
    ],
)
def test_a_failure_midway_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, function: str, exception: BaseException
) -> None:
    target = tmp_path / "m.py"
    target.write_bytes(TRICKY)
    target.chmod(0o640)

    def fail(*args: object, **kwargs: object) -> None:
        raise exception

    monkeypatch.setattr(os, function, fail)
    with pytest.raises(type(exception)):
        write_atomic(target, b"new\n", TRICKY)
    monkeypatch.undo()
    assert target.read_bytes() == TRICKY
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_an_unwritable_directory_raises_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "ro"
    touch(directory, "m.py", content=b"old\n")
    directory.chmod(0o555)
    try:
        if os.access(directory, os.W_OK):  # root: simulate what chmod 555 does for others

            def mkstemp(*args: object, dir: str, **kwargs: object) -> tuple[int, str]:
                if Path(dir) == directory.resolve():
                    raise PermissionError(13, "Permission denied", dir)
                raise AssertionError("temporary file elsewhere than next to the target")

            monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        with pytest.raises(PermissionError):
            write_atomic(directory / "m.py", b"new\n", b"old\n")
    finally:
        directory.chmod(0o755)
    assert sorted(p.name for p in directory.iterdir()) == ["m.py"]
    assert (directory / "m.py").read_bytes() == b"old\n"


def test_write_atomic_on_a_missing_file_raises_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "m.py", b"new\n", b"old\n")
    assert list(tmp_path.iterdir()) == []


# display_path / patch_path ----------------------------------------------------------------


def test_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "src" / "a.py") == "src/a.py"
    assert display_path("src/../src/a.py") == "src/a.py"
    assert display_path(tmp_path) == "."
    outside = tmp_path.parent / "elsewhere.py"
    assert display_path(outside) == str(outside)
    assert display_path(tmp_path / "x" / "a.py", cwd=tmp_path / "x") == "a.py"
    assert display_path(tmp_path / "x2" / "a.py", cwd=tmp_path / "x") == str(
        tmp_path / "x2" / "a.py"
    )


def test_patch_path_names_the_real_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path, "repo/real/mod.py")
    (tmp_path / "repo/linked").symlink_to("real", target_is_directory=True)
    (tmp_path / "repo/alias.py").symlink_to("real/mod.py")
    (tmp_path / "view").symlink_to("repo", target_is_directory=True)
    monkeypatch.chdir(tmp_path / "view")
    assert patch_path("linked/mod.py") == "real/mod.py"
    assert patch_path("alias.py") == "real/mod.py"
    assert display_path("alias.py") == "alias.py"
