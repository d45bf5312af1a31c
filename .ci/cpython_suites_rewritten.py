"""CPython's own import test suites, run as they are and after ``loadermig rewrite``.

Run with the interpreter to check (one that has loadermig installed):
``python .ci/cpython_suites_rewritten.py``. The suites of that interpreter's ``Lib/test``
(test_importlib, test_import, test_pkgutil, test_runpy, test_zipimport, test_imp,
test_modulefinder, test_reprlib: those present) are copied twice, with the ``test`` package
they need; one copy is rewritten by ``loadermig rewrite``. Both copies run the same way, each
suite in its own process with the copy first on ``sys.path`` (the frozen-module tests depend on
where the files are, so the unrewritten suites run from a copy too). The sets of failing test
ids are printed; the exit status is 1 when the rewritten copy fails a test the plain copy
passes (a change of meaning), 0 otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

SUITES = (
    "test_importlib",
    "test_import",
    "test_pkgutil",
    "test_runpy",
    "test_zipimport",
    "test_imp",
    "test_modulefinder",
    "test_reprlib",
)
#: Left out of the copy of the ``test`` package (everything else not a suite goes along: the
#: suites import helper modules and read data files from it).
LEFT_OUT = shutil.ignore_patterns("__pycache__", "test_*", "decimaltestdata", "*.tar")
CACHES = shutil.ignore_patterns("__pycache__")
#: Other suites the import suites import from (test_importlib.source.test_file_loader).
IMPORTED_SUITES = ("test_py_compile.py",)

#: Runs one suite with unittest and writes the ids of what failed (JSON) to argv[1].
RUNNER = """
import json, sys, unittest, warnings
warnings.simplefilter("ignore")
suite = unittest.defaultTestLoader.loadTestsFromName(sys.argv[2])
result = unittest.TestResult()
suite.run(result)
failed = [test.id() for test, _ in result.failures + result.errors]
failed += [test.id() for test in result.unexpectedSuccesses]
with open(sys.argv[1], "w") as out:
    json.dump({"run": result.testsRun, "failed": sorted(set(failed))}, out)
"""


def copy_suites(source: Path, dest: Path) -> list[str]:
    """Copy the ``test`` package without the other suites, and the suites present; their names."""
    package = dest / "test"
    shutil.copytree(source, package, ignore=LEFT_OUT)
    for name in IMPORTED_SUITES:
        if (source / name).is_file():
            shutil.copy2(source / name, package / name)
    present = []
    for name in SUITES:
        for path in (source / name, source / f"{name}.py"):
            if path.is_dir():
                shutil.copytree(path, package / path.name, ignore=CACHES)
            elif path.is_file():
                shutil.copy2(path, package / path.name)
            else:
                continue
            present.append(name)
    return present


def start_suite(root: Path, suite: str) -> tuple[subprocess.Popen[bytes], Path]:
    """Start one suite in its own process from ``root``; where it writes its result."""
    report = root / f"{suite}.json"
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(report), f"test.{suite}"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, report


def run_suites(roots: dict[str, Path], suites: list[str]) -> dict[str, dict[str, list[str]]]:
    """Each suite in both copies (the two at once); the failing ids by copy and suite."""
    found: dict[str, dict[str, list[str]]] = {label: {} for label in roots}
    for suite in suites:
        started = {label: start_suite(root, suite) for label, root in roots.items()}
        for label, (process, report) in started.items():
            process.wait(timeout=600)
            if not report.exists():
                found[label][suite] = [f"test.{suite} (the suite crashed: {process.returncode})"]
                continue
            outcome = json.loads(report.read_text())
            found[label][suite] = outcome["failed"]
            print(f"  {label:9} {suite}: {outcome['run']} run, {len(outcome['failed'])} failed")
    return found


def main() -> int:
    """Copy, rewrite, run both copies and compare; 1 on any new failure."""
    source = Path(sysconfig.get_paths()["stdlib"]) / "test"
    version = ".".join(map(str, sys.version_info[:3]))
    with tempfile.TemporaryDirectory() as work:
        roots = {"plain": Path(work) / "plain", "rewritten": Path(work) / "rewritten"}
        suites = copy_suites(source, roots["plain"])
        copy_suites(source, roots["rewritten"])
        package = roots["rewritten"] / "test"
        print(f"CPython {version}: {', '.join(suites)}")
        rewrite = subprocess.run(
            [sys.executable, "-m", "loadermig", "rewrite", "-q", "-j", "2"]
            + [name if (package / name).is_dir() else f"{name}.py" for name in suites],
            cwd=package,  # the suites' files only, not their helpers
            capture_output=True,
            text=True,
        )
        if rewrite.returncode not in (0, 1):
            print(rewrite.stdout, rewrite.stderr, sep="\n")
            return 1
        fixed = [line for line in rewrite.stdout.splitlines() if line.endswith("[fixed]")]
        print(f"  loadermig rewrite: {len(fixed)} fixed findings")
        for line in fixed:
            print(f"    {line}")
        found = run_suites(roots, suites)
    plain = {test for ids in found["plain"].values() for test in ids}
    rewritten = {test for ids in found["rewritten"].values() for test in ids}
    print(f"  failing before: {sorted(plain) or 'none'}")
    print(f"  failing after:  {sorted(rewritten) or 'none'}")
    new = sorted(rewritten - plain)
    if new:
        print(f"NEW FAILURES after loadermig rewrite on {version}:")
        for test in new:
            print(f"  {test}")
        return 1
    print(f"  no new failure on {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
