"""CPython's own import test suites, with and without ``loadermig.install()`` (issue #12).

Usage: ``python .ci/cpython_suites_under_install.py PYTHON [LOG_DIR]``

Runs ``PYTHON -m test -v`` on the suites below that PYTHON has, once plainly and once with a
``sitecustomize`` that calls ``loadermig.install()`` (both with this checkout's ``src`` on
PYTHONPATH), collects the failing test ids of each run and exits 1 when the two sets differ, or
when the two runs did not run the same number of tests. With LOG_DIR, both outputs are kept
there (``plain.txt``, ``install.txt``). The suites are CPython's, so the
interpreter's own failures (if any) show up in both runs and cancel out.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SUITES = (
    "test_importlib",
    "test_pkgutil",
    "test_import",
    "test_runpy",
    "test_zipimport",
    "test_zipimport_support",
    "test_linecache",
    "test_modulefinder",
    "test_reprlib",
    "test_imp",
)
SRC = Path(__file__).resolve().parents[1] / "src"
SITECUSTOMIZE = "import loadermig\nloadermig.install()\n"

# "FAIL: test_x (test.mod.Class)" up to 3.10, "FAIL: test_x (test.mod.Class.test_x)" from 3.11,
# either possibly followed by a subtest's " [params]" or " (key=value)".
_FAILURE = re.compile(r"^(?:FAIL|ERROR): (\S+) \(([^)\s]+)\)(.*)$")
# regrtest's summary: "2 tests failed:" then indented module names (", "-free, one line or more).
_SUMMARY = re.compile(r"^(?:\d+ tests?|All \d+ tests) (.+?):?$")
_RAN = re.compile(r"^Ran (\d+) tests? in ")


def present_suites(python: str) -> list[str]:
    """The suites of SUITES that ``python``'s test package has."""
    probe = (
        "import importlib.util, sys\n"
        "for name in sys.argv[1:]:\n"
        "    if importlib.util.find_spec('test.' + name) is not None:\n"
        "        print(name)\n"
    )
    out = subprocess.run(
        [python, "-c", probe, *SUITES], check=True, capture_output=True, text=True
    ).stdout
    return out.split()


def failing_ids(output: str) -> tuple[set[str], int]:
    """The failing test ids in a ``-m test -v`` output and the number of tests run."""
    failures: set[str] = set()
    ran = 0
    category = ""
    for line in output.splitlines():
        found = _FAILURE.match(line)
        if found:
            method, where, rest = found.groups()
            test_id = where if where.endswith("." + method) else f"{where}.{method}"
            failures.add(test_id + rest.rstrip())
            continue
        counted = _RAN.match(line)
        if counted:
            ran += int(counted.group(1))
            continue
        summary = _SUMMARY.match(line)
        if summary and line.endswith(":"):
            category = summary.group(1)
            continue
        if category and line.startswith("    "):
            # Module-level outcomes (failed, crashed, env changed, ...); skips are no failure.
            if "skipped" not in category and "no tests" not in category:
                failures.update(f"{name} [{category}]" for name in line.split())
            continue
        category = ""
    return failures, ran


def start_suites(python: str, suites: list[str], site_dir: str | None) -> subprocess.Popen[str]:
    """Start ``python -m test -v suites`` with ``site_dir`` first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [site_dir, str(SRC)]))
    if site_dir is not None:
        check = "import loadermig.shim, sys; sys.exit(not loadermig.shim.is_installed())"
        if subprocess.run([python, "-c", check], env=env).returncode != 0:
            sys.exit(f"the sitecustomize in {site_dir} did not install loadermig")
    return subprocess.Popen(
        [python, "-m", "test", "-v", *suites],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def main(argv: list[str]) -> int:
    """Compare the two runs; print the difference; 1 when they differ."""
    if len(argv) not in (1, 2):
        print(__doc__)
        return 2
    python = argv[0]
    log_dir = Path(argv[1]) if len(argv) == 2 else None
    suites = present_suites(python)
    print(f"{python}: {' '.join(suites)}")
    with tempfile.TemporaryDirectory() as site_dir:
        Path(site_dir, "sitecustomize.py").write_text(SITECUSTOMIZE)
        # Side by side: regrtest gives each process its own working directory.
        runs = {
            "plain": start_suites(python, suites, None),
            "install": start_suites(python, suites, site_dir),
        }
        outputs = {name: run.communicate()[0] for name, run in runs.items()}
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        for name, output in outputs.items():
            (log_dir / f"{name}.txt").write_text(output)
    plain, plain_ran = failing_ids(outputs["plain"])
    shimmed, shimmed_ran = failing_ids(outputs["install"])
    print(f"without install(): {plain_ran} tests run, {len(plain)} failing")
    print(f"with install():    {shimmed_ran} tests run, {len(shimmed)} failing")
    for test_id in sorted(plain & shimmed):
        print(f"  failing in both runs: {test_id}")
    differs = plain != shimmed or plain_ran != shimmed_ran
    for test_id in sorted(shimmed - plain):
        print(f"  NEW under install(): {test_id}")
    for test_id in sorted(plain - shimmed):
        print(f"  GONE under install(): {test_id}")
    if plain_ran != shimmed_ran:
        print("  the two runs ran different numbers of tests")
    print("DIFFERENT" if differs else "same failing tests")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
