"""What ``loadermig rewrite`` and ``scan`` cost, side by side with tools that do similar work.

    python benchmarks/bench_codemod.py                       # print the tables
    python benchmarks/bench_codemod.py --readme README.md    # also put them in README
    python benchmarks/bench_codemod.py --quick               # one run each: a smoke run

Issue #14's three ratios, each loadermig's median time over its peer's, measured in one run:

1. ``loadermig rewrite --dry-run`` over the running interpreter's whole ``lib/`` (``--lib``),
   against ``ruff check --select UP --diff --no-cache`` on the same files (ruff is given the
   list loadermig discovers, so its own exclusions, such as ``site-packages``, do not apply);
2. ``loadermig rewrite --dry-run`` over a site-packages holding only pip and setuptools (a
   fresh virtual environment of the running interpreter, with pinned releases), against
   ``pyupgrade --py36-plus`` given every file, in one process (it rewrites in place, so each
   of its runs gets a fresh copy, made before the clock starts);
3. ``loadermig scan -j 1`` over the files of that site-packages that define legacy hooks
   (``legacy_classes.py`` finds them), against a process that only parses each of them with
   libcst and regenerates its code.

The peers are installed by the benchmark itself, at pinned versions, into a virtual
environment of their own (``--peers``, by default under ``~/.cache``); the site-packages tree
is built in a temporary directory. Every run is cold: loadermig keeps no cache, and ruff runs
with ``--no-cache``.

A second table gives context on ``lib/``: the I/O floor (discovering and reading every file),
the start-up of the CLI on an empty directory, everything the rewrite does before libcst sees
a file, libcst's floor (parse plus the metadata every rule depends on, once per file, for the
files that reach libcst), and the rewrite on the first half of the files, whose peak memory is
compared with the whole tree's (memory flat with tree size).

Every row runs in a process of its own, after one untimed pass that reads every file (so the
floor is the file cache, not the disk). Times are the median and the fastest of ``--repeat``
runs; ratios use the medians. Peak memory is the largest resident set size of any one process
of a run (``getrusage(RUSAGE_CHILDREN)``, or /proc's ``VmHWM`` for workers nobody waits for).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from legacy_classes import legacy_classes_of_source

START, END = "<!-- bench_codemod:start -->", "<!-- bench_codemod:end -->"
#: The peers, at the versions the README's numbers were measured with.
PEERS = ("ruff==0.17.6", "pyupgrade==3.22.0")
#: What the site-packages tree holds: the releases Python 3.11.7's ensurepip bundles.
SITE_PACKAGES_RELEASES = ("pip==23.2.1", "setuptools==65.5.0")
#: The PEP 302 methods whose definition in a class makes a file a hook file (row 3).
PEP_302 = frozenset({"find_module", "find_loader", "load_module"})
#: The goals of issue #14: loadermig's median over its peer's.
GOALS = {"lib": 5.0, "site-packages": 0.5, "hooks": 3.0}
README_SECTION = f"""
## Speed of `loadermig rewrite`

`benchmarks/bench_codemod.py` runs loadermig side by side with tools that do similar work
(ruff, pyupgrade, libcst's own parse and code generation), installing them itself.

```
python benchmarks/bench_codemod.py --readme README.md
```

{START}
{END}
"""


@dataclass
class Timing:
    """One command's runs: how many files it was given, its times and its peak memory."""

    files: int
    seconds: list[float]
    peak_kib: int

    @property
    def median(self) -> float:
        """The median time."""
        return statistics.median(self.seconds)

    @property
    def fastest(self) -> float:
        """The fastest time."""
        return min(self.seconds)


@dataclass
class Comparison:
    """A goal row: loadermig's timing against its peer's on the same files."""

    key: str
    work: str
    peer_label: str
    ours: Timing
    peer: Timing

    @property
    def ratio(self) -> float:
        """loadermig's median over the peer's."""
        return self.ours.median / self.peer.median


@dataclass
class ContextRow:
    """A row of the context table."""

    label: str
    timing: Timing


SELF = [sys.executable, os.path.abspath(__file__), "--child"]
LOADERMIG = [sys.executable, "-m", "loadermig"]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the tables (and write them into a README when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lib", help="the tree of row 1 (default: this interpreter's lib/)")
    parser.add_argument("--peers", help="where to install the peers (default: ~/.cache/...)")
    parser.add_argument(
        "--site-packages", help="the tree of rows 2 and 3 (default: one built with pip)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run per row")
    parser.add_argument("--readme", metavar="FILE", help="put the tables into FILE")
    parser.add_argument(
        "--per-file",
        action="store_true",
        help="instead: where the rewrite's time on lib/ goes, file by file, in one process",
    )
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--child"]:
        return child(arguments[1:])
    args = parser.parse_args(arguments)
    lib = os.path.abspath(args.lib or default_lib())
    if args.per_file:
        print(per_file_profile(lib))
        return 0
    repeat = 1 if args.quick else max(1, args.repeat)
    peers = Path(args.peers or Path.home() / ".cache" / "loadermig-bench" / "peers")
    peer_bin = install_peers(peers)
    with tempfile.TemporaryDirectory(prefix="bench_codemod-") as scratch:
        if args.site_packages:
            site_packages = Path(os.path.abspath(args.site_packages))
            holding = f"`{site_packages.name}`"
        else:
            site_packages = build_site_packages(Path(scratch) / "venv")
            holding = f"a site-packages holding {' and '.join(SITE_PACKAGES_RELEASES)}"
        comparisons = [
            compare_on_lib(lib, peer_bin, repeat),
            compare_on_site_packages(site_packages, holding, Path(scratch), peer_bin, repeat),
            compare_on_hook_files(site_packages, repeat),
        ]
        context = context_rows(lib, comparisons[0].ours, repeat)
    text = render(lib, comparisons, context)
    print(text)
    if args.readme:
        update_readme(args.readme, text)
    return 0


def default_lib() -> str:
    """The running interpreter's ``lib/`` (its standard library and site-packages)."""
    return os.path.abspath(Path(sysconfig.get_paths()["stdlib"]).parent)


# -- the peers and the site-packages tree ----------------------------------------------------


def install_peers(directory: Path) -> Path:
    """A virtual environment holding :data:`PEERS` (made once, reused while they match)."""
    stamp = directory / "installed.txt"
    wanted = "\n".join(PEERS)
    if not (stamp.exists() and stamp.read_text(encoding="utf-8") == wanted):
        shutil.rmtree(directory, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
        pip = [str(directory / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *PEERS], check=True)
        stamp.write_text(wanted, encoding="utf-8")
    return directory / "bin"


def build_site_packages(venv: Path) -> Path:
    """A fresh virtual environment holding :data:`SITE_PACKAGES_RELEASES`; its site-packages."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall"]
    subprocess.run([*install, *SITE_PACKAGES_RELEASES], check=True)
    found = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    for cache in Path(found.stdout.strip()).rglob("__pycache__"):
        shutil.rmtree(cache)
    return Path(found.stdout.strip())


# -- the three comparisons -------------------------------------------------------------------


def compare_on_lib(lib: str, peer_bin: Path, repeat: int) -> Comparison:
    """Row 1: ``rewrite --dry-run`` on ``lib`` against ``ruff check --select UP --diff``."""
    files = discovered(lib)
    warm(lib, files)
    ours = timed(repeat, [*LOADERMIG, "rewrite", "--dry-run", lib], len(files))
    ruff = [str(peer_bin / "ruff"), "check", "--isolated", "--no-cache", "--select", "UP"]
    peer = timed(repeat, [*ruff, "--diff", *files], len(files), cwd=lib)
    return Comparison(
        "lib",
        f"`rewrite --dry-run` over `lib/` ({len(files):,} files)",
        "`ruff check --select UP --diff`",
        ours,
        peer,
    )


def compare_on_site_packages(
    site_packages: Path, holding: str, scratch: Path, peer_bin: Path, repeat: int
) -> Comparison:
    """Row 2: ``rewrite --dry-run`` on the site-packages against ``pyupgrade --py36-plus``."""
    tree = str(site_packages)
    files = discovered(tree)
    warm(tree, files)
    ours = timed(repeat, [*LOADERMIG, "rewrite", "--dry-run", tree], len(files))
    copy = scratch / "pyupgrade-copy"

    def fresh_copy() -> None:  # pyupgrade rewrites in place
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(tree, copy, symlinks=True)
        warm(str(copy), files)

    pyupgrade = [str(peer_bin / "pyupgrade"), "--py36-plus", *files]
    peer = timed(repeat, pyupgrade, len(files), cwd=str(copy), before_each=fresh_copy)
    lines = sum(len((site_packages / name).read_bytes().splitlines()) for name in files)
    return Comparison(
        "site-packages",
        f"`rewrite --dry-run` over {holding} ({len(files):,} files, {lines // 1000:,}k lines)",
        "`pyupgrade --py36-plus` on every file",
        ours,
        peer,
    )


def compare_on_hook_files(site_packages: Path, repeat: int) -> Comparison:
    """Row 3: ``scan -j 1`` on the hook files against libcst's parse and code generation."""
    tree = str(site_packages)
    files = [name for name in discovered(tree) if defines_legacy_hooks(site_packages / name)]
    ours = timed(repeat, [*LOADERMIG, "scan", "-j", "1", *files], len(files), cwd=tree)
    peer = timed(repeat, [*SELF, "regenerate", *files], len(files), cwd=tree)
    return Comparison(
        "hooks",
        f"`scan -j 1` over the {len(files)} files of that site-packages defining legacy hooks",
        "a process that only parses and regenerates them with libcst",
        ours,
        peer,
    )


def defines_legacy_hooks(path: Path) -> bool:
    """Whether the file at ``path`` defines a legacy hook: a class that ``legacy_classes.py``
    counts, or one that keeps a PEP 302 method (``find_module``, ``find_loader``,
    ``load_module``) beside modern ones, as six's and setuptools' vendoring importers do."""
    source = path.read_bytes()
    if legacy_classes_of_source(source):
        return True
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return any(
        isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and method.name in PEP_302
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for method in node.body
    )


# -- context on lib/ -------------------------------------------------------------------------


def context_rows(lib: str, whole: Timing, repeat: int) -> list[ContextRow]:
    """Where the time of row 1 goes (``whole``), and how memory grows with the tree."""
    rows = [
        ContextRow("I/O floor: discover + read every file", timed_self(repeat, "floor", lib)),
        ContextRow(
            "checks before libcst: discover + read + prefilter + `ast`",
            timed_self(repeat, "screen", lib),
        ),
        ContextRow(
            "libcst floor: parse + metadata of the files that reach libcst",
            timed_self(repeat, "analyse", lib),
        ),
    ]
    with tempfile.TemporaryDirectory() as empty:
        rows.append(
            ContextRow(
                "`rewrite --dry-run` on an empty directory (start-up)",
                timed(repeat, [*LOADERMIG, "rewrite", "--dry-run", empty], 0),
            )
        )
    files = discovered(lib)
    with tempfile.TemporaryDirectory() as half:
        first_half = files[: len(files) // 2]
        link_files(lib, half, first_half)
        rows.append(
            ContextRow(
                "`rewrite --dry-run`, first half of the files",
                timed(repeat, [*LOADERMIG, "rewrite", "--dry-run", half], len(first_half)),
            )
        )
    rows.append(ContextRow("`rewrite --dry-run`, every file (row 1)", whole))
    return rows


def link_files(tree: str, directory: str, names: list[str]) -> None:
    """Links in ``directory`` to the files ``names`` of ``tree``, at the same relative places."""
    for name in names:
        link = Path(directory) / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path(tree) / name)


# -- measuring -------------------------------------------------------------------------------


def discovered(tree: str) -> list[str]:
    """The files ``loadermig rewrite`` looks at under ``tree``, relative to it, in order."""
    from loadermig.codemod.files import discover

    return [os.path.relpath(found.path, tree) for found in discover([tree]) if found.error is None]


def warm(tree: str, files: list[str]) -> None:
    """One untimed pass reading every file, so the timed runs read from the file cache."""
    for name in files:
        with open(os.path.join(tree, name), "rb") as file:
            file.read()


def timed(
    repeat: int,
    command: list[str],
    files: int,
    *,
    cwd: str | None = None,
    before_each: Callable[[], None] | None = None,
) -> Timing:
    """Run ``command`` ``repeat`` times, each in a measuring process of its own."""
    seconds, peak = [], 0
    for _ in range(repeat):
        if before_each is not None:
            before_each()
        sample = measured(command, cwd)
        seconds.append(float(sample["seconds"]))
        peak = max(peak, int(sample["peak_kib"]))
    return Timing(files, seconds, peak)


def timed_self(repeat: int, task: str, tree: str) -> Timing:
    """A task of this script's own (``floor``, ``screen``, ``analyse``), timed by itself."""
    seconds, peak, files = [], 0, 0
    for _ in range(repeat):
        sample = measured([*SELF, task, tree], None)
        seconds.append(float(sample["seconds"]))
        peak = max(peak, int(sample["peak_kib"]))
        files = int(sample["files"])
    return Timing(files, seconds, peak)


def measured(command: list[str], cwd: str | None) -> dict[str, int | float]:
    """Run ``command`` under a fresh measuring process: its time, files and peak memory."""
    where = ["--cwd", cwd] if cwd else []
    probe = subprocess.run(
        [*SELF, "measure", *where, *command], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])} ... failed:\n{probe.stderr}")
    result: dict[str, int | float] = json.loads(probe.stdout.splitlines()[-1])
    return result


def child(argv: list[str]) -> int:
    """The measuring side: ``measure [--cwd DIR] CMD...``, or a task timed by itself."""
    what, rest = argv[0], argv[1:]
    if what == "measure":
        return measure_command(rest)
    # Imported before the clock starts.
    import libcst  # noqa: F401

    import loadermig.codemod.source  # noqa: F401

    if what == "regenerate":
        regenerate(rest)
    elif what == "floor":
        start = time.perf_counter()
        datas = read_tree(rest[0])
        report(len(datas), time.perf_counter() - start)
    elif what == "screen":
        report(*screen_tree(rest[0]))
    elif what == "analyse":
        report(*analyse_reaching(rest[0]))
    else:
        raise SystemExit(f"unknown child task {what!r}")
    return 0


def measure_command(argv: list[str]) -> int:
    """Time one command, in this process of its own so that RUSAGE_CHILDREN sees it alone."""
    cwd = None
    if argv[:1] == ["--cwd"]:
        cwd, argv = argv[1], argv[2:]
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watcher = PeakWatcher(process.pid)
    watcher.start()
    _, errors = process.communicate()
    seconds = time.perf_counter() - start
    watcher.stop()
    if process.returncode not in (0, 1, 3):  # found or changed something / a file failed
        sys.stderr.write(errors.decode(errors="replace"))
        return 1
    inner: dict[str, int | float] = {"files": 0, "seconds": seconds}
    if argv[:3] == SELF and argv[3] != "regenerate":  # a task that times itself
        inner = json.loads(errors.decode().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak = peak // 1024 if sys.platform == "darwin" else peak
    print(json.dumps({**inner, "peak_kib": max(peak, watcher.peak_kib)}))
    return 0


def regenerate(files: list[str]) -> None:
    """Row 3's peer: parse each file with libcst and regenerate its code, nothing else."""
    import libcst as cst

    from loadermig.codemod.nesting import run_with_large_stack

    def parse_and_regenerate() -> None:
        for name in files:
            with open(name, "rb") as file:
                data = file.read()
            assert cst.parse_module(data).bytes == data

    run_with_large_stack(parse_and_regenerate)


class PeakWatcher(threading.Thread):
    """Polls the peak resident set size (``VmHWM``) of a process and its descendants.

    RUSAGE_CHILDREN misses processes nobody waits for, such as the workers a multiprocessing
    fork server starts; on Linux, /proc still shows them while they run.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()

    def run(self) -> None:
        """Sample every 20 ms until stopped."""
        while not self._done.wait(0.02):
            for pid in self._tree(self.pid):
                self.peak_kib = max(self.peak_kib, _high_water_kib(pid))

    def stop(self) -> None:
        """Stop sampling."""
        self._done.set()
        self.join()

    @staticmethod
    def _tree(pid: int) -> list[int]:
        found, todo = [], [pid]
        while todo:
            current = todo.pop()
            found.append(current)
            try:
                with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as file:
                    todo.extend(int(child) for child in file.read().split())
            except OSError:
                continue
        return found


def _high_water_kib(pid: int) -> int:
    """A process's peak resident set size so far (0 where /proc does not tell)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as file:
            for line in file:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def report(files: int, seconds: float) -> None:
    """Hand a task's own measurement to the measuring process (on stderr)."""
    sys.stderr.write(json.dumps({"files": files, "seconds": seconds}) + "\n")


def read_tree(tree: str) -> list[bytes]:
    """Every file ``loadermig rewrite`` would look at under ``tree``, read."""
    from loadermig.codemod.files import discover

    datas = []
    for found in discover([tree]):
        if found.error is None:
            try:
                datas.append(found.path.read_bytes())
            except OSError:
                continue
    return datas


def screen_tree(tree: str) -> tuple[int, float]:
    """Discover and read ``tree`` and make every check that comes before libcst."""
    from loadermig.codemod.files import discover
    from loadermig.codemod.prefilter import rules_to_parse

    start = time.perf_counter()
    count = 0
    for found in discover([tree]):
        if found.error is None:
            try:
                data = found.path.read_bytes()
            except OSError:
                continue
            count += 1
            rules_to_parse(data, os.fspath(found.path))
    return count, time.perf_counter() - start


def analyse_reaching(tree: str) -> tuple[int, float]:
    """libcst's parse plus the metadata of ``Rule.METADATA_DEPENDENCIES``, computed once, for
    the files of ``tree`` that reach libcst (reading and choosing them is not timed)."""
    import libcst as cst

    from loadermig.codemod.files import discover
    from loadermig.codemod.nesting import run_with_large_stack
    from loadermig.codemod.prefilter import rules_to_parse
    from loadermig.codemod.rules import Rule

    chosen = []
    for found in discover([tree]):
        if found.error is None:
            data = found.path.read_bytes()
            if rules_to_parse(data, os.fspath(found.path)):
                chosen.append(data)

    def analyse_all() -> None:
        for data in chosen:
            try:
                module = cst.parse_module(data)
            except Exception:  # a file libcst cannot parse costs what it cost
                continue
            wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
            wrapper.resolve_many(Rule.METADATA_DEPENDENCIES)

    start = time.perf_counter()
    run_with_large_stack(analyse_all)
    return len(chosen), time.perf_counter() - start


# -- file by file ---------------------------------------------------------------------------


def per_file_profile(lib: str, shown: int = 10) -> str:
    """``rewrite_source`` timed on each file of ``lib`` that passes the prefilter (in this
    process, one CPU): how the time splits between the files decided on ``ast`` alone and
    those reaching libcst, and among these between the files it changes, those it leaves
    unchanged, and those where only report-only rules find something, or nothing does."""
    from loadermig.codemod.nesting import run_with_large_stack
    from loadermig.codemod.prefilter import before_libcst, decided_on_ast
    from loadermig.codemod.rules import ALL_RULES
    from loadermig.codemod.source import rewrite_source

    report_only = {rule.ID for rule in ALL_RULES if not rule.REWRITES}
    #: seconds, file, changed, rules that found something, whether it reached libcst
    timed_files: list[tuple[float, str, bool, set[str], bool]] = []

    def rewrite_each() -> None:
        for name in discovered(lib):
            path = os.path.join(lib, name)
            with open(path, "rb") as file:
                data = file.read()
            screened = before_libcst(data, path, ALL_RULES)
            if not screened.rules:
                continue
            reaches_libcst = bool(decided_on_ast(screened, data, path)[1])
            start = time.perf_counter()
            outcome = rewrite_source(data, path)
            seconds = time.perf_counter() - start
            found = {finding.rule for finding in outcome.findings}
            timed_files.append((seconds, name, outcome.changed, found, reaches_libcst))

    run_with_large_stack(rewrite_each)
    total = sum(row[0] for row in timed_files) or 1.0

    def share(label: str, rows: list[tuple[float, str, bool, set[str], bool]]) -> str:
        seconds = sum(row[0] for row in rows)
        return f"| {label} | {len(rows)} | {seconds:.1f} | {seconds / total:.0%} |"

    on_libcst = [row for row in timed_files if row[4]]
    unchanged = [row for row in on_libcst if not row[2]]
    lines = [
        "| files past the prefilter | files | seconds | share |",
        "| --- | ---: | ---: | ---: |",
        share("all", timed_files),
        share("decided on `ast` alone", [row for row in timed_files if not row[4]]),
        share("reaching libcst", on_libcst),
        share("reaching libcst, changed by the rewrite", [row for row in on_libcst if row[2]]),
        share("reaching libcst, unchanged", unchanged),
        share(
            "reaching libcst, unchanged, only report-only findings or none",
            [row for row in unchanged if row[3] <= report_only],
        ),
        share("reaching libcst, unchanged, no finding", [row for row in unchanged if not row[3]]),
        "",
        "| slowest files | seconds | libcst | changed | rules that found something |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for seconds, name, changed, found, reaches in sorted(timed_files, reverse=True)[:shown]:
        rules = ", ".join(sorted(found)) or "-"
        lines.append(
            f"| `{name}` | {seconds:.2f} | {'yes' if reaches else 'no'} | "
            f"{'yes' if changed else 'no'} | {rules} |"
        )
    return "\n".join(lines)


# -- the tables ------------------------------------------------------------------------------


def render(lib: str, comparisons: list[Comparison], context: list[ContextRow]) -> str:
    """The Markdown tables."""
    where = "the interpreter's own" if lib == default_lib() else f"`{lib}`"
    floor = context[0].timing.median
    lines = [
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; `lib/` is "
        f"{where}; "
        f"peers {', '.join(PEERS)}. Seconds are the median (fastest) of "
        f"{len(comparisons[0].ours.seconds)} runs; ratios are of medians.",
        "",
        "| work | loadermig | peer | peer's time | ratio | goal | met |",
        "| --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for row in comparisons:
        goal = GOALS[row.key]
        lines.append(
            f"| {row.work} | {seconds(row.ours)} | {row.peer_label} | {seconds(row.peer)} | "
            f"{row.ratio:.2f}x | ≤ {goal:g}x | {'yes' if row.ratio <= goal else '**no**'} |"
        )
    lines += [
        "",
        "Context on `lib/`, and memory:",
        "",
        "| run | files | seconds | ÷ I/O floor | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for context_row in context:
        timing = context_row.timing
        lines.append(
            f"| {context_row.label} | {timing.files:,} | {seconds(timing)} | "
            f"{timing.median / floor:.1f} | {timing.peak_kib / 1024:.0f} MiB |"
        )
    return "\n".join(lines)


def seconds(timing: Timing) -> str:
    """``median (fastest)`` in seconds."""
    return f"{timing.median:.2f} s ({timing.fastest:.2f})"


def update_readme(path: str, table: str) -> None:
    """Put ``table`` between the markers; without them, first add the section at the end."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    if START not in text or END not in text:
        text = text.rstrip("\n") + "\n" + README_SECTION
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"{head}{START}\n{table}\n{END}{tail}")


if __name__ == "__main__":
    sys.exit(main())
