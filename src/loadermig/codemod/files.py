"""The file-system side of the codemod: find the files, read them, write them back safely."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

DEFAULT_EXCLUDED_DIRS = frozenset(
    {
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
        "*.egg-info",
    }
)
"""Directory names (or glob patterns on names) that a walk never enters."""

BROKEN_LINK = "broken symbolic link"
LINK_LOOP = "symbolic link loop"


@dataclass(frozen=True)
class OutsideLink:
    """A symbolic link met while walking whose target resolves outside every given path."""

    link: str
    #: The real path the link leads to (every link on the way resolved).
    target: str


@dataclass(frozen=True)
class Discovered:
    """A file to process, or (``error`` set) a path that could not be looked at, and why.

    ``outside`` is set for a file reached through a symbolic link whose target resolves
    outside every given path: the (outermost) link that led there. ``rewrite`` never writes it.
    """

    path: Path
    error: str | None = None
    outside: OutsideLink | None = None


class ChangedOnDiskError(OSError):
    """The file's content changed between reading and writing it; nothing was written."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: changed on disk since it was read; nothing written")
        self.path = path


@dataclass(frozen=True)
class ExcludeGlob:
    """A user's exclusion: a glob on names (no ``/`` in it) or on paths relative to ``base``.

    ``*`` matches across ``/`` too (``fnmatch``), so ``gen/*_pb2.py`` and ``**/gen`` work.
    An excluded directory is not entered, so everything below it is excluded as well.
    """

    pattern: str
    base: Path

    def matches(self, path: str) -> bool:
        """Whether ``path`` (a file or a directory) is excluded by this glob."""
        pattern = self.pattern.strip("/")
        if "/" not in pattern:
            return fnmatchcase(os.path.basename(path), pattern)
        relative = os.path.relpath(os.path.abspath(path), self.base).replace(os.sep, "/")
        return not relative.startswith("../") and fnmatchcase(relative, pattern)


def discover(
    paths: Iterable[str | os.PathLike[str]],
    exclude: Iterable[str] = DEFAULT_EXCLUDED_DIRS,
    *,
    exclude_globs: Iterable[ExcludeGlob] = (),
    gitignore: bool = False,
) -> Iterator[Discovered]:
    """Yield the files to process under ``paths``, lazily, in a deterministic order.

    Files named explicitly are yielded whatever their extension; directories are walked in
    sorted order for ``*.py`` files, not entering directories whose name matches ``exclude``
    or that hold a ``pyvenv.cfg`` (virtual environments), nor (``gitignore``) what git ignores
    when the directory lies in a git work tree. A directory named explicitly is walked even if
    those would exclude it. ``exclude_globs`` (the user's own exclusions) apply everywhere,
    also to paths named explicitly. Symbolic links are followed; a directory reached a second
    time (a loop, or two links to one place) is skipped, and so is a file whose real path was
    already yielded (the first path met is kept). A file reached through a symbolic link whose
    target resolves outside every path given has ``outside`` set; a path given explicitly is
    never outside, even if it is a link. Paths that cannot be looked at are yielded with
    ``error`` set, and the walk goes on.
    """
    excluded_name = _name_matcher(exclude)
    globs = tuple(exclude_globs)
    given_paths = [Path(given) for given in paths]
    inside = _containment([os.path.realpath(path) for path in given_paths])

    def excluded_by_user(path: str) -> bool:
        return any(glob.matches(path) for glob in globs)

    visited: set[tuple[int, int]] = set()
    seen_files: set[str] = set()
    for path in given_paths:
        if excluded_by_user(os.fspath(path)):
            continue
        try:
            info = os.stat(path)
        except (OSError, ValueError) as error:
            yield Discovered(path, _link_problem(error) if os.path.islink(path) else _reason(error))
            continue
        if stat.S_ISDIR(info.st_mode):
            if (info.st_dev, info.st_ino) not in visited:
                visited.add((info.st_dev, info.st_ino))
                ignored = git_ignored(path) if gitignore else frozenset()

                def excluded(
                    entry: os.DirEntry[str], is_dir: bool, ignored: frozenset[str] = ignored
                ) -> bool:
                    return (
                        entry.path in ignored
                        or excluded_by_user(entry.path)
                        or (is_dir and excluded_name(entry.name))
                    )

                yield from _walk(path, visited, excluded, seen_files, inside)
        elif stat.S_ISREG(info.st_mode):
            real = os.path.realpath(path)
            if real not in seen_files:
                seen_files.add(real)
                yield Discovered(path)
        else:
            yield Discovered(path, "not a regular file")


def git_ignored(top: Path) -> frozenset[str]:
    """The paths under ``top`` that git ignores (untracked and matched by ``.gitignore``,
    ``.git/info/exclude`` or the global excludes), spelled as the walk spells them.

    Empty when ``top`` is not in a git work tree or git is not installed. A tracked file is
    never ignored, whatever the patterns say: that is git's own rule.
    """
    try:
        listing = subprocess.run(
            [
                "git",
                "-C",
                os.fspath(top),
                "ls-files",
                "-z",
                "--others",
                "--ignored",
                "--exclude-standard",
                "--directory",
            ],
            capture_output=True,
            check=False,
        )
    except OSError:
        return frozenset()
    if listing.returncode != 0:
        return frozenset()
    names = listing.stdout.decode("utf-8", "surrogateescape").split("\0")
    return frozenset(os.path.join(top, name.rstrip("/")) for name in names if name)


def _containment(roots: Iterable[str]) -> Callable[[str], bool]:
    """A test of a real path: is it one of the real paths ``roots`` or below one of them?"""
    exact = frozenset(roots)
    prefixes = tuple(root if root.endswith(os.sep) else root + os.sep for root in exact)
    return lambda real: real in exact or real.startswith(prefixes)


@dataclass(frozen=True)
class _Level:
    """A directory being listed: its entries, its real path (ending in a separator), and the
    link to outside (if any) through which it was reached."""

    entries: Iterator[os.DirEntry[str]]
    real_prefix: str
    outside: OutsideLink | None


def _walk(
    top: Path,
    visited: set[tuple[int, int]],
    excluded: Callable[[os.DirEntry[str], bool], bool],
    seen_files: set[str],
    inside: Callable[[str], bool],
) -> Iterator[Discovered]:
    """Depth-first walk of ``top`` with an explicit stack: one sorted listing per level.

    Real paths are built from the parent's as the walk goes; only symbolic links are resolved.
    """
    stack: list[_Level] = []
    #: The directory to list next: its path as walked, its real path, the link to outside.
    directory: tuple[str, str, OutsideLink | None] | None = (str(top), os.path.realpath(top), None)
    while True:
        if directory is not None:
            try:
                with os.scandir(directory[0]) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as error:
                yield Discovered(Path(directory[0]), f"cannot list directory: {_reason(error)}")
            else:
                _, real, outside = directory
                prefix = real if real.endswith(os.sep) else real + os.sep
                stack.append(_Level(iter(entries), prefix, outside))
            directory = None
        if not stack:
            return
        level = stack[-1]
        entry = next(level.entries, None)
        if entry is None:
            stack.pop()
            continue
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError:  # e.g. a link to itself (ELOOP)
            is_dir = is_file = False
        if (is_dir or entry.name.endswith(".py")) and excluded(entry, is_dir):
            continue
        if is_dir:
            if _first_visit(entry, visited):
                directory = (entry.path, *_real_path(entry, level, inside))
        elif entry.name.endswith(".py"):
            if is_file:
                real, outside = _real_path(entry, level, inside)
                if real not in seen_files:
                    seen_files.add(real)
                    yield Discovered(Path(entry.path), outside=outside)
            elif entry.is_symlink():
                yield Discovered(Path(entry.path), _link_problem(_stat_error(entry.path)))
            else:
                yield Discovered(Path(entry.path), "not a regular file")


def _real_path(
    entry: os.DirEntry[str], parent: _Level, inside: Callable[[str], bool]
) -> tuple[str, OutsideLink | None]:
    """The real path of ``entry`` (in the directory ``parent``), and the link to outside the
    given paths through which it is reached, if it lies outside them."""
    if not entry.is_symlink():
        real = parent.real_prefix + entry.name
        if parent.outside is None:  # inside the given paths, and so is all that is not a link
            return real, None
    else:
        real = os.path.realpath(entry.path)
    if inside(real):
        return real, None
    return real, parent.outside or OutsideLink(entry.path, real)


def _first_visit(entry: os.DirEntry[str], visited: set[tuple[int, int]]) -> bool:
    """Whether the directory ``entry`` should be entered: not seen yet, not a virtualenv."""
    try:
        info = entry.stat()
    except OSError:
        return False
    identity = (info.st_dev, info.st_ino)
    if identity in visited:
        return False
    visited.add(identity)
    return not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def _name_matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A test of a directory name against exact names and glob patterns."""
    names = set(patterns)
    globs = [name for name in names if any(char in name for char in "*?[")]
    return lambda name: name in names or any(fnmatchcase(name, glob) for glob in globs)


def _stat_error(path: str) -> OSError | None:
    """What following ``path`` fails with (None: nothing)."""
    try:
        os.stat(path)
    except OSError as error:
        return error
    return None


def _link_problem(error: OSError | ValueError | None) -> str:
    """Why a symbolic link whose target could not be looked at leads nowhere."""
    if isinstance(error, OSError) and error.errno == errno.ELOOP:
        return LINK_LOOP
    return BROKEN_LINK


def _reason(error: OSError | ValueError) -> str:
    """A short lower-case explanation of ``error``, without the path."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's content, exactly; ``OSError`` propagates."""
    with open(path, "rb") as handle:
        return handle.read()


def write_atomic(path: str | os.PathLike[str], new: bytes, expected: bytes) -> None:
    """Replace the content of the file at ``path`` (``expected``) by ``new``, atomically.

    A symbolic link stays a link and its target is rewritten. The new content is written to a
    temporary file next to the target, synced, given the target's permission bits (and owner,
    where allowed), then renamed over it, so readers see the old or the new file, never a
    mix. Raises ``ChangedOnDiskError`` without writing if the file no longer holds
    ``expected`` just before the rename. On any error or interrupt the temporary file is
    removed and the original is left as it was.
    """
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    info = os.stat(target)
    fd: int | None = None
    temporary: str | None = None
    try:
        with _interrupts_deferred():
            # Ctrl-C inside mkstemp, after the file exists but before its name is known here,
            # would leave it behind; held back, it arrives once both are known.
            fd, temporary = tempfile.mkstemp(
                dir=directory, prefix=f".{name}.", suffix=".loadermig.tmp"
            )
        with os.fdopen(fd, "wb") as handle:
            fd = None  # the handle owns it now
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        if hasattr(os, "chown"):
            # Best effort (only root may give a file away); chown before chmod, since
            # chown clears set-user-ID and set-group-ID bits.
            with contextlib.suppress(OSError):
                os.chown(temporary, info.st_uid, info.st_gid)
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if read_bytes(target) != expected:
            raise ChangedOnDiskError(os.fspath(path))
        os.replace(temporary, target)
    except BaseException:
        if fd is not None:
            os.close(fd)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back until the block is left, then raise it as it would have been.

    Python runs signal handlers in the main thread only, so this works there; elsewhere the
    block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt
        elif received and previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGINT)


def display_path(path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None) -> str:
    """``path`` relative to ``cwd`` (default: the current directory) with forward slashes
    when it lies inside it, else its absolute path. Symbolic links are not resolved."""
    absolute = os.path.abspath(path)
    base = os.path.abspath(os.getcwd() if cwd is None else cwd)
    try:
        inside = os.path.commonpath([absolute, base]) == base
    except ValueError:  # different drives on Windows
        inside = False
    if not inside:
        return absolute
    return os.path.relpath(absolute, base).replace(os.sep, "/")


def patch_path(path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None) -> str:
    """The name for ``path`` in a diff: its real file (symbolic links resolved), relative to
    the real ``cwd`` when inside it. ``git apply`` refuses to patch through a link."""
    base = os.path.realpath(os.getcwd() if cwd is None else cwd)
    return display_path(os.path.realpath(path), base)
