"""The pre-commit hooks (.pre-commit-hooks.yaml), run the way pre-commit runs them.

pre-commit runs ``entry`` from the hook's virtualenv with the matching files appended, from the
repository's top directory. A fixer may exit 0 after changing files: pre-commit notices the
change in the work tree itself and fails the hook ("files were modified by this hook").
PyYAML is not a test dependency: the manifest is read by a parser for the small subset of YAML
it is written in, which refuses anything else.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Union

import pytest

from ..conftest import ROOT
from ._support import EXPECTED, GOOD, lines

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
#: The keys pre-commit's manifest schema knows (pre_commit/clientlib.py, MANIFEST_HOOK_DICT).
KNOWN_KEYS = {
    "id",
    "name",
    "entry",
    "language",
    "alias",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "additional_dependencies",
    "args",
    "always_run",
    "fail_fast",
    "pass_filenames",
    "description",
    "language_version",
    "log_file",
    "minimum_pre_commit_version",
    "require_serial",
    "stages",
    "verbose",
}
Value = Union[str, bool, list[str]]


def load_manifest(text: str) -> list[dict[str, Value]]:
    """A YAML list of flat mappings: ``- key: value`` opens a hook, ``  key: value`` adds to
    it; values are plain scalars, ``true``/``false`` or ``[a, b]``. Anything else is refused."""
    hooks: list[dict[str, Value]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"(- |  )([a-z_]+): (\S.*)", line)
        assert match, f"line {number}: not in the YAML subset this test reads: {line!r}"
        lead, key, raw = match.groups()
        assert " #" not in raw and not raw.startswith(("'", '"', "{", "&", "*", "!", "|", ">"))
        if lead == "- ":
            hooks.append({})
        assert hooks, f"line {number}: a key outside any hook"
        assert key not in hooks[-1], f"line {number}: {key} given twice"
        value: Value = raw
        if raw in ("true", "false"):
            value = raw == "true"
        elif raw.startswith("["):
            assert raw.endswith("]"), f"line {number}: {raw!r}"
            value = [item.strip() for item in raw[1:-1].split(",")]
        hooks[-1][key] = value
    return hooks


HOOKS = {str(hook["id"]): hook for hook in load_manifest(MANIFEST.read_text(encoding="utf-8"))}


def test_the_subset_parser_reads_what_pyyaml_reads() -> None:
    import yaml  # a test dependency: the manifest must read the same with a real YAML parser

    assert yaml.safe_load(MANIFEST.read_text(encoding="utf-8")) == list(HOOKS.values())
    with pytest.raises(AssertionError):
        load_manifest("- id: x\n  nested:\n    deeper: 1\n")
    assert load_manifest("# c\n- id: a\n  types: [python, pyi]\n  x: true\n") == [
        {"id": "a", "types": ["python", "pyi"], "x": True}
    ]


def test_the_manifest_declares_a_rewrite_and_a_scan_hook() -> None:
    assert list(HOOKS) == ["loadermig-rewrite", "loadermig-scan"]
    for command in ("rewrite", "scan"):
        hook = HOOKS[f"loadermig-{command}"]
        assert set(hook) <= KNOWN_KEYS
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["entry"] == f"loadermig {command}"
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        assert hook["require_serial"] is True  # loadermig runs its own workers (-j)


def test_the_entry_is_a_console_script_of_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for hook in HOOKS.values():
        program = str(hook["entry"]).split()[0]
        assert project["scripts"][program] == "loadermig.cli:main"


def _console_script() -> str:
    """The ``loadermig`` script of the environment running the tests, as pre-commit's own
    virtualenv would have it after installing the package."""
    found = shutil.which("loadermig", path=str(Path(sys.executable).parent))
    assert found, "no loadermig console script next to the interpreter: pip install -e ."
    return found


def _hook(
    hook_id: str, files: list[str], cwd: Path, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run a hook as pre-commit does: entry, the hook's ``args``, then the files, from the
    top of the work tree."""
    _, *arguments = str(HOOKS[hook_id]["entry"]).split()
    return subprocess.run(
        [_console_script(), *arguments, *args, *files],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHEBANG = b"#!/usr/bin/env python3\n"
FILES = {  # what pre-commit would pass for `types: [python]`: a script without .py too
    "legacy.py": (GOOD, EXPECTED),
    "pkg/other.py": (GOOD, EXPECTED),
    "bin/tool": (SHEBANG + GOOD, SHEBANG + EXPECTED),
    "modern.py": (b"import importlib.abc\n", b"import importlib.abc\n"),
}
SERIAL = ("-j", "1")  # as a user's `args: [-j, "1"]`: the same run, without starting workers


def _modified(repo: Path) -> list[str]:
    """What pre-commit sees changed by a hook: the work tree against the index."""
    diff = subprocess.run(
        ["git", "diff", "--name-only"], cwd=repo, capture_output=True, text=True, check=True
    )
    return sorted(diff.stdout.split())


def test_the_hooks_run_as_pre_commit_runs_them(tmp_path: Path) -> None:
    for name, (content, _) in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)

    scan = _hook("loadermig-scan", list(FILES), tmp_path, SERIAL)
    assert scan.returncode == 1, scan.stderr  # findings: the hook fails
    named = {line.split(":", 1)[0] for line in lines(scan.stdout)[:-1]}
    assert named == {"legacy.py", "pkg/other.py", "bin/tool"}
    assert _modified(tmp_path) == []

    fix = _hook("loadermig-rewrite", list(FILES), tmp_path)  # as shipped: default -j
    assert fix.returncode == 0, fix.stderr  # pre-commit fails the hook: files changed
    for name, (_, expected) in FILES.items():
        assert (tmp_path / name).read_bytes() == expected, name
    assert _modified(tmp_path) == ["bin/tool", "legacy.py", "pkg/other.py"]

    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)  # the user stages the fix
    again = _hook("loadermig-rewrite", list(FILES), tmp_path, SERIAL)
    assert again.returncode == 0, again.stderr  # and the retried commit passes
    assert _modified(tmp_path) == []
