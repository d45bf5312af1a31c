"""What ``loadermig rewrite`` costs on a tree, against the cost of reading that tree.

    python benchmarks/bench_codemod.py TREE                     # print the table
    python benchmarks/bench_codemod.py TREE --readme README.md  # also put it in README
    python benchmarks/bench_codemod.py TREE --quick             # one run each: a smoke run

Every row runs in a fresh process and is timed there, after one untimed pass that reads every
file (so the floor is the file cache, not the disk):

* the I/O floor: discovering the files (``loadermig.codemod.files.discover``, the default
  exclusions) and reading every one;
* the checks made without libcst: discovering and reading every file plus every check the
  rewrite makes before it parses a file with libcst (``rules_to_parse``: trigger words and
  patterns, skip comments, the compile check and the ``ast`` tree's facts);
* the parse baseline: libcst's ``parse_module`` of only the files that pass the prefilter
  (``applicable_rules``: a rule's trigger word and pattern occur), the parsing the rewrite
  cannot avoid; reading them is not timed;
* the libcst floor: ``parse_module`` plus the metadata every rule depends on (positions,
  scopes, qualified names: ``Rule.METADATA_DEPENDENCIES``), computed once, for the files that
  reach libcst (``rules_to_parse`` is not empty), and again for only the files the rewrite
  changes: what any design that analyses with libcst, or only rewrites with it, must spend;
* ``loadermig rewrite --dry-run TREE`` as a subprocess (stdout and stderr to /dev/null), as
  run by default and, if the CLI has ``--jobs``, with ``-j N`` for N = 1 .. CPUs; its time
  includes the interpreter's start-up and libcst's import (shown as its own row, on an empty
  directory);
* the same rewrite on the first half of the files (a tree of links to them), to compare its
  peak memory with the whole tree's;
* the I/O floor and the rewrite on only the files the prefilter settles without parsing (a
  tree of links to them): what a tree without legacy code costs, against reading it.

Peak memory is the largest resident set size of any one process of a run: what
``getrusage(RUSAGE_CHILDREN)`` says in a process started for that run alone, or, where larger,
the ``VmHWM`` that /proc showed for the run's processes (worker processes started by a fork
server are never waited for by the run). Times are the fastest of ``--repeat`` runs, as
``timeit`` advises: a slower run was disturbed (by other processes, or a file cache that
something else emptied), not a slower program; the I/O floor especially varies by 2x between
runs otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

START, END = "<!-- bench_codemod:start -->", "<!-- bench_codemod:end -->"
README_SECTION = f"""
## Speed of `loadermig rewrite`

`benchmarks/bench_codemod.py TREE` compares `loadermig rewrite --dry-run` on a tree with the
time it takes just to find and read the tree's files (the I/O floor), with everything the
rewrite does before libcst sees a file (the checks without libcst), with libcst's parse of the
files that contain something a rule looks for (the parse baseline), and with libcst's parse
plus the metadata every rule needs, once per file (the libcst floor), and reports the peak
memory of each run.

```
python benchmarks/bench_codemod.py /path/to/tree --readme README.md
```

{START}
{END}
"""


@dataclass
class Run:
    """One measured row: what ran, over how many files, how long, how much memory."""

    label: str
    files: int
    seconds: float
    peak_kib: int


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table (and write it into a README when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", help="directory to measure on")
    parser.add_argument("--repeat", type=int, default=3, help="runs per row (the fastest counts)")
    parser.add_argument("--quick", action="store_true", help="one run per row, no -j series")
    parser.add_argument("--readme", metavar="FILE", help="put the table into FILE")
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--child"]:
        return child(arguments[1:])
    args = parser.parse_args(arguments)
    tree = os.path.abspath(args.tree)
    repeat = 1 if args.quick else max(1, args.repeat)
    warm(tree)
    runs = measure(tree, repeat, quick=args.quick)
    table = render(tree, runs)
    print(table)
    if args.readme:
        update_readme(args.readme, table)
    return 0


def measure(tree: str, repeat: int, *, quick: bool) -> list[Run]:
    """Every row of the table."""
    floor = fastest_run("I/O floor: discover + read", repeat, [*SELF, "floor", tree])
    runs = [floor]
    runs.append(
        fastest_run("parse baseline: libcst, prefiltered files", repeat, [*SELF, "parse", tree])
    )
    runs.append(
        fastest_run(
            "checks without libcst: discover + read + prefilter + `ast`",
            repeat,
            [*SELF, "screen", tree],
        )
    )
    runs.append(
        fastest_run(
            "libcst floor: parse + metadata, files that reach libcst",
            repeat,
            [*SELF, "analyse", tree],
        )
    )
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as changed:
        changed.write("\n".join(changed_files(tree)))
        changed.flush()
        runs.append(
            fastest_run(
                "libcst floor: parse + metadata, files the rewrite changes",
                repeat,
                [*SELF, "analyse", tree, changed.name],
            )
        )
    with tempfile.TemporaryDirectory() as empty:
        start = fastest_run("`rewrite --dry-run`, empty directory", repeat, [*REWRITE, empty])
    start.files = 0
    runs.append(start)
    files = floor.files
    runs.append(with_files(fastest_run("`rewrite --dry-run`", repeat, [*REWRITE, tree]), files))
    if not quick and has_jobs_option():
        for jobs in range(1, (os.cpu_count() or 1) + 1):
            label = f"`rewrite --dry-run -j {jobs}`"
            runs.append(
                with_files(fastest_run(label, repeat, [*REWRITE, "-j", str(jobs), tree]), files)
            )
    with tempfile.TemporaryDirectory() as settled:
        count = link_files(tree, settled, settled_files(tree))
        label = "I/O floor, only the files the prefilter settles"
        runs.append(fastest_run(label, repeat, [*SELF, "floor", settled]))
        label = "`rewrite --dry-run`, only the files the prefilter settles"
        runs.append(with_files(fastest_run(label, repeat, [*REWRITE, settled]), count))
    with tempfile.TemporaryDirectory() as half:
        count = link_first_half(tree, half)
        label = "`rewrite --dry-run`, first half of the files"
        runs.append(with_files(fastest_run(label, repeat, [*REWRITE, half]), count))
        if not quick and has_jobs_option():
            label = "`rewrite --dry-run -j 1`, first half of the files"
            runs.append(with_files(fastest_run(label, repeat, [*REWRITE, "-j", "1", half]), count))
    return runs


SELF = [sys.executable, os.path.abspath(__file__), "--child"]
REWRITE = [sys.executable, "-m", "loadermig", "rewrite", "--dry-run"]


def with_files(run: Run, files: int) -> Run:
    """``run`` counting ``files`` (the rewrite itself does not say how many it read)."""
    run.files = files
    return run


def fastest_run(label: str, repeat: int, command: list[str]) -> Run:
    """Run ``command`` ``repeat`` times, each measured in a process of its own; the fastest
    time and the largest peak memory count."""
    samples = [measured(command) for _ in range(repeat)]
    return Run(
        label,
        samples[0]["files"],
        min(sample["seconds"] for sample in samples),
        max(sample["peak_kib"] for sample in samples),
    )


def measured(command: list[str]) -> dict[str, int | float]:
    """Run ``command`` under a fresh measuring process: its time, files and peak memory."""
    probe = subprocess.run(
        [*SELF, "measure", *command], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{probe.stderr}")
    result: dict[str, int | float] = json.loads(probe.stdout.splitlines()[-1])
    return result


def child(argv: list[str]) -> int:
    """The measuring side: ``measure CMD...``, ``floor TREE`` or ``parse TREE``."""
    what, rest = argv[0], argv[1:]
    if what == "measure":
        # A process of its own, so that RUSAGE_CHILDREN sees this one run only.
        start = time.perf_counter()
        process = subprocess.Popen(rest, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        watcher = PeakWatcher(process.pid)
        watcher.start()
        _, errors = process.communicate()
        seconds = time.perf_counter() - start
        watcher.stop()
        if process.returncode not in (0, 1, 3):  # found something / some file had an error
            sys.stderr.write(errors.decode(errors="replace"))
            return 1
        inner: dict[str, int | float] = {"files": 0, "seconds": seconds}
        if rest[:3] == SELF:  # our own floor or parse task, which times itself
            inner = json.loads(errors.decode().splitlines()[-1])
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        peak = peak // 1024 if sys.platform == "darwin" else peak
        print(json.dumps({**inner, "peak_kib": max(peak, watcher.peak_kib)}))
        return 0
    tree = rest[0]
    # Imported before the clock starts.
    import libcst  # noqa: F401

    import loadermig.codemod.files
    import loadermig.codemod.source  # noqa: F401

    if what == "floor":
        start = time.perf_counter()
        datas = read_tree(tree)
        report(len(datas), time.perf_counter() - start)
    elif what == "parse":
        report(*parse_prefiltered(read_tree(tree)))
    elif what == "screen":
        report(*screen_tree(tree))
    elif what == "analyse":
        only = None
        if len(rest) > 1:
            with open(rest[1], encoding="utf-8") as listing:
                only = {line for line in listing.read().splitlines() if line}
        report(*analyse_reaching(read_tree_by_path(tree), only))
    else:
        raise SystemExit(f"unknown child task {what!r}")
    return 0


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
    """Hand a child's own measurement to the measuring process (on stderr)."""
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


def read_tree_by_path(tree: str) -> dict[str, bytes]:
    """Every file ``loadermig rewrite`` would look at under ``tree``, read, by absolute path."""
    from loadermig.codemod.files import discover

    datas = {}
    for found in discover([tree]):
        if found.error is None:
            try:
                datas[os.path.abspath(found.path)] = found.path.read_bytes()
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


def analyse_reaching(datas: dict[str, bytes], only: set[str] | None) -> tuple[int, float]:
    """libcst's parse plus the metadata of ``Rule.METADATA_DEPENDENCIES``, computed once, for
    the files of ``datas`` that reach libcst (``only``: for those of them listed there)."""
    import libcst as cst

    from loadermig.codemod.nesting import run_with_large_stack
    from loadermig.codemod.prefilter import rules_to_parse
    from loadermig.codemod.rules import Rule

    chosen = [
        data
        for path, data in datas.items()
        if (only is None or path in only) and rules_to_parse(data, path)
    ]

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


def changed_files(tree: str) -> list[str]:
    """The absolute paths of the files under ``tree`` that ``rewrite`` would change (found by
    one untimed ``rewrite --dry-run --format json`` run)."""
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "report.json")
        subprocess.run(
            [*REWRITE, "--format", "json", "--output", output, tree],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        with open(output, encoding="utf-8") as file:
            found = json.load(file)
    return [os.path.abspath(entry["path"]) for entry in found["files"] if entry["changed"]]


def parse_prefiltered(datas: list[bytes]) -> tuple[int, float]:
    """How many of ``datas`` pass the prefilter, and the time libcst takes to parse them."""
    import libcst as cst

    from loadermig.codemod.nesting import run_with_large_stack
    from loadermig.codemod.prefilter import applicable_rules
    from loadermig.codemod.rules import ALL_RULES

    chosen = [data for data in datas if applicable_rules(data, ALL_RULES)]

    def parse_all() -> None:
        for data in chosen:
            try:
                cst.parse_module(data)
            except Exception:  # a file libcst cannot parse costs what it cost
                continue

    start = time.perf_counter()
    run_with_large_stack(parse_all)
    return len(chosen), time.perf_counter() - start


def warm(tree: str) -> None:
    """One untimed pass reading every file, so the timed runs read from the file cache."""
    read_tree(tree)


def link_first_half(tree: str, directory: str) -> int:
    """Links in ``directory`` to the first half of ``tree``'s files; how many."""
    paths = _tree_files(tree)
    return link_files(tree, directory, paths[: len(paths) // 2])


def settled_files(tree: str) -> list[Path]:
    """The files of ``tree`` that the rewrite settles without parsing them."""
    from loadermig.codemod.prefilter import settled_without_parsing

    return [
        path
        for path in _tree_files(tree)
        if settled_without_parsing(path.read_bytes(), os.fspath(path)) is not None
    ]


def link_files(tree: str, directory: str, paths: list[Path]) -> int:
    """Links in ``directory`` to ``paths`` (files of ``tree``, at the same relative places);
    how many."""
    for path in paths:
        link = Path(directory) / os.path.relpath(path, tree)
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(path)
    return len(paths)


def has_jobs_option() -> bool:
    """Whether this ``loadermig rewrite`` has ``--jobs``."""
    shown = subprocess.run([*REWRITE[:-1], "--help"], capture_output=True, text=True, check=False)
    return "--jobs" in shown.stdout


def render(tree: str, runs: list[Run]) -> str:
    """The Markdown table."""
    floor, baseline = runs[0].seconds, runs[1].seconds
    megabytes = sum(os.path.getsize(path) for path in _tree_files(tree)) / 1e6
    python = platform.python_version()
    lines = [
        f"Tree: `{os.path.basename(tree.rstrip(os.sep)) or tree}`, {runs[0].files} files, "
        f"{megabytes:.0f} MB; Python {python}, {os.cpu_count()} CPUs.",
        "",
        "| run | files | seconds | files/s | ÷ I/O floor | ÷ parse baseline | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        rate = f"{run.files / run.seconds:,.0f}" if run.files and run.seconds else "-"
        lines.append(
            f"| {run.label} | {run.files:,} | {run.seconds:.2f} | {rate} | "
            f"{run.seconds / floor:.1f} | {run.seconds / baseline:.1f} | "
            f"{run.peak_kib / 1024:.0f} MiB |"
        )
    return "\n".join(lines)


def _tree_files(tree: str) -> list[Path]:
    from loadermig.codemod.files import discover

    return [found.path for found in discover([tree]) if found.error is None]


def update_readme(path: str, table: str) -> None:
    """Put ``table`` between the markers; without them, first add the section right after the
    shim benchmark's (or at the end)."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    if START not in text or END not in text:
        shim_end = text.find("<!-- bench_shim:end -->")
        cut = text.find("\n## ", shim_end) + 1 if shim_end >= 0 else 0
        if cut <= 0:
            cut = len(text)
        head, tail = text[:cut].rstrip("\n") + "\n", text[cut:]
        text = head + README_SECTION + ("\n" + tail if tail else "")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"{head}{START}\n{table}\n{END}{tail}")


if __name__ == "__main__":
    sys.exit(main())
