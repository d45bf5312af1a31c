"""What the runtime shim costs: per-import time, stdlib overhead of install(), memory.

    python benchmarks/bench_shim.py                     # N = 200 and 2000, print the tables
    python benchmarks/bench_shim.py --readme README.md  # also update README's rows for this Python
    python benchmarks/bench_shim.py --quick             # small N, few cycles: a smoke run

Generated modules are imported through a modern ``exec_module`` loader (the baseline), a
legacy ``load_module`` loader through CPython's own fallback (3.9-3.14 only), the same
legacy loader through ``wrap_legacy``, and a legacy ``find_module`` finder + loader pair
through ``install()``. Module bodies are compiled once beforehand, so the numbers are the
import machinery's, not the compiler's. Each figure is the median of several repetitions
(``time.perf_counter_ns``). The stdlib row imports a fixed list of stdlib modules in fresh
subprocesses, alternately with and without ``install()``. Memory: ``tracemalloc`` over import/
unload cycles through ``wrap_legacy``, after a warm-up.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from loadermig.shim import install, uninstall, wrap_legacy

PREFIX = "lm_bench_"
STDLIB = (
    "argparse",
    "asyncio",
    "csv",
    "dataclasses",
    "decimal",
    "difflib",
    "email.message",
    "fractions",
    "http.client",
    "json",
    "logging",
    "pathlib",
    "sqlite3",
    "statistics",
    "tarfile",
    "typing",
    "unittest",
    "urllib.request",
    "xml.etree.ElementTree",
    "zipfile",
)
START, END = "<!-- bench_shim:start -->", "<!-- bench_shim:end -->"
HAS_FALLBACK = (3, 9) <= sys.version_info[:2] < (3, 15)


class Sources:
    """N generated module files and their precompiled code."""

    def __init__(self, directory: str, count: int) -> None:
        self.paths: dict[str, str] = {}
        self.codes: dict[str, types.CodeType] = {}
        for index in range(count):
            name = f"{PREFIX}{index:05d}"
            path = os.path.join(directory, name + ".py")
            source = f"VALUE = {index}\n\ndef value():\n    return VALUE\n"
            with open(path, "w", encoding="utf-8") as file:
                file.write(source)
            self.paths[name] = path
            self.codes[name] = compile(source, path, "exec")


class ModernLoader:
    """The baseline: a PEP 451 loader."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.sources.codes[module.__name__], module.__dict__)

    def get_filename(self, fullname: str) -> str:
        return self.sources.paths[fullname]

    def is_package(self, fullname: str) -> bool:
        return False


class LegacyLoader:
    """A PEP 302 loader in the classic shape (PEP 302's own ``setdefault`` example)."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources

    def load_module(self, fullname: str) -> types.ModuleType:
        module = sys.modules.setdefault(fullname, types.ModuleType(fullname))
        module.__file__ = self.sources.paths[fullname]
        module.__loader__ = self
        module.__package__ = ""
        exec(self.sources.codes[fullname], module.__dict__)
        return module

    def get_filename(self, fullname: str) -> str:
        return self.sources.paths[fullname]

    def is_package(self, fullname: str) -> bool:
        return False


class SpecFinder:
    """A modern meta path finder handing out ``loader`` for the generated names."""

    def __init__(self, sources: Sources, loader: Any) -> None:
        self.paths = sources.paths
        self.loader = loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.paths:
            return None
        return importlib.util.spec_from_loader(fullname, self.loader)


class LegacyFinder:
    """A PEP 302 meta path finder (``find_module``) for the generated names."""

    def __init__(self, sources: Sources) -> None:
        self.paths = sources.paths
        self.loader = LegacyLoader(sources)

    def find_module(self, fullname: str, path: Any = None) -> Any:
        return self.loader if fullname in self.paths else None


@contextmanager
def on_meta_path(finder: Any, with_install: bool = False) -> Iterator[None]:
    """``finder`` first on ``sys.meta_path`` (then ``install()`` if asked), for the block."""
    sys.meta_path.insert(0, finder)
    handle = install() if with_install else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImportWarning)  # the fallback's own warning
            yield
    finally:
        if handle is not None:
            uninstall()
        sys.meta_path.remove(finder)


def unload() -> None:
    for name in [name for name in sys.modules if name.startswith(PREFIX)]:
        del sys.modules[name]


def time_imports(names: list[str], repeat: int) -> float:
    """Median microseconds per import of ``names``, each repetition from a clean slate."""
    runs = []
    for _ in range(repeat):
        unload()
        gc.collect()
        start = time.perf_counter_ns()
        for name in names:
            __import__(name)
        runs.append((time.perf_counter_ns() - start) / len(names) / 1000)
    unload()
    return statistics.median(runs)


def variants(sources: Sources) -> dict[str, Callable[[], Any]]:
    """name -> a context manager factory that makes the generated names importable."""
    found: dict[str, Callable[[], Any]] = {
        "modern": lambda: on_meta_path(SpecFinder(sources, ModernLoader(sources))),
    }
    if HAS_FALLBACK:
        found["fallback"] = lambda: on_meta_path(SpecFinder(sources, LegacyLoader(sources)))
    found["wrap_legacy"] = lambda: on_meta_path(
        SpecFinder(sources, wrap_legacy(LegacyLoader(sources)))
    )
    found["install"] = lambda: on_meta_path(LegacyFinder(sources), with_install=True)
    return found


def bench_imports(count: int, repeat: int) -> dict[str, float]:
    """Per-import microseconds for each variant, interleaved so drift hits all alike."""
    with tempfile.TemporaryDirectory() as directory:
        sources = Sources(directory, count)
        names = list(sources.paths)
        found = variants(sources)
        samples: dict[str, list[float]] = {name: [] for name in found}
        for _ in range(repeat):
            for name, make in found.items():
                with make():
                    samples[name].append(time_imports(names, 1))
        return {name: statistics.median(values) for name, values in samples.items()}


def bench_memory(cycles: int) -> tuple[int, int]:
    """(bytes still allocated after ``cycles`` import/unload cycles, cycles) via wrap_legacy."""
    with tempfile.TemporaryDirectory() as directory:
        sources = Sources(directory, 10)
        names = list(sources.paths)
        with on_meta_path(SpecFinder(sources, wrap_legacy(LegacyLoader(sources)))):

            def cycle(times: int) -> None:
                for index in range(times):
                    name = names[index % len(names)]
                    __import__(name)
                    del sys.modules[name]

            cycle(1000)  # warm-up: caches, interned names, lock objects
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            cycle(cycles)
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
    return after - before, cycles


STDLIB_PROGRAM = """
import sys, time
import loadermig.shim
if sys.argv[1] == "install":
    loadermig.shim.install()
before = len(sys.modules)
start = time.perf_counter_ns()
for name in {names!r}:
    __import__(name)
elapsed = time.perf_counter_ns() - start
print(elapsed, len(sys.modules) - before)
"""


def bench_stdlib(runs: int) -> tuple[float, float, int]:
    """(median ms without install(), with install(), modules imported) in fresh processes."""
    program = STDLIB_PROGRAM.format(names=STDLIB)
    times: dict[str, list[float]] = {"plain": [], "install": []}
    imported = 0
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for _ in range(runs):
        for variant in times:
            out = subprocess.run(
                [sys.executable, "-c", program, variant],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout.split()
            times[variant].append(int(out[0]) / 1e6)
            imported = int(out[1])
    return statistics.median(times["plain"]), statistics.median(times["install"]), imported


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def import_rows(results: dict[int, dict[str, float]]) -> list[str]:
    version = ".".join(map(str, sys.version_info[:3]))
    rows = []
    for count, numbers in results.items():
        modern, fallback = numbers["modern"], numbers.get("fallback")
        wrapped, installed = numbers["wrap_legacy"], numbers["install"]
        ratio = None if fallback is None else wrapped / fallback
        cells = [
            version,
            str(count),
            fmt(modern),
            fmt(fallback),
            fmt(wrapped),
            fmt(installed),
            fmt(ratio),
            fmt(installed / modern),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def other_row(stdlib: tuple[float, float, int], memory: tuple[int, int]) -> str:
    version = ".".join(map(str, sys.version_info[:3]))
    plain, with_install, imported = stdlib
    overhead = (with_install - plain) / plain * 100
    growth, cycles = memory
    cells = [
        version,
        f"{imported} modules: {plain:.1f} ms",
        f"{with_install:.1f} ms",
        f"{overhead:+.1f}%",
        f"{growth:+d} B after {cycles:,} cycles",
    ]
    return "| " + " | ".join(cells) + " |"


IMPORT_HEADER = [
    "| Python | N | modern exec_module (µs/import) | CPython fallback | wrap_legacy | install()"
    " | wrap_legacy ÷ fallback | install() ÷ modern |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]
OTHER_HEADER = [
    "| Python | stdlib, plain | stdlib, install() | install() overhead | memory (wrap_legacy) |",
    "| --- | ---: | ---: | ---: | ---: |",
]


def block(import_table: list[str], other_table: list[str]) -> str:
    return "\n".join([*IMPORT_HEADER, *import_table, "", *OTHER_HEADER, *other_table])


def _version_key(row: str) -> tuple[int, ...]:
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    numbers = tuple(int(part) for part in cells[0].split("."))
    return (*numbers, int(cells[1]) if len(cells) == 8 else 0)


def update_readme(path: str, imports: list[str], other: str) -> None:
    """Replace this interpreter's rows between the bench_shim markers, keep the others."""
    with open(path, encoding="utf-8") as file:
        text = file.read()
    if START not in text or END not in text:
        raise SystemExit(f"{path}: no {START} ... {END} block")
    head, rest = text.split(START, 1)
    old, tail = rest.split(END, 1)
    minor = ".".join(map(str, sys.version_info[:2])) + "."
    rows = [
        line
        for line in old.splitlines()
        if re.match(r"^\| \d+\.\d+\.\d+ \|", line) and not line.startswith(f"| {minor}")
    ]
    import_table = sorted([r for r in rows if r.count("|") == 9] + imports, key=_version_key)
    other_table = sorted([r for r in rows if r.count("|") == 6] + [other], key=_version_key)
    new = block(import_table, other_table)
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"{head}{START}\n{new}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the tables, optionally update README."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[200, 2000], help="module counts")
    parser.add_argument("--repeat", type=int, default=7, help="repetitions (median)")
    parser.add_argument("--cycles", type=int, default=10_000, help="memory: import/unload cycles")
    parser.add_argument("--stdlib-runs", type=int, default=15, help="subprocess pairs (median)")
    parser.add_argument("--quick", action="store_true", help="N=20, few repetitions and cycles")
    parser.add_argument("--readme", metavar="FILE", help="update this Python's rows in FILE")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeat, args.cycles, args.stdlib_runs = [20], 2, 200, 1
    results = {count: bench_imports(count, args.repeat) for count in args.n}
    imports = import_rows(results)
    other = other_row(bench_stdlib(args.stdlib_runs), bench_memory(args.cycles))
    print(f"Python {sys.version.split()[0]} ({sys.executable})")
    print(block(imports, [other]))
    if args.readme:
        update_readme(args.readme, imports, other)
    return 0


if __name__ == "__main__":
    sys.exit(main())
