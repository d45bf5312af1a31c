"""``loadermig audit``: real programs in subprocesses, and the recorder in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from plugin_host.importer import LegacyDirImporter, PluginFinder, register

from loadermig import audit
from loadermig.shim import _adapter, is_installed
from loadermig.shim.compat import PyPycLoader, module_for_loader, set_loader

from ..conftest import FIXTURES, PLUGIN_HOST

AUDIT = FIXTURES / "audit"
SITE = AUDIT / "site"
APP = AUDIT / "app"


def environment(*extra_path: Path) -> dict[str, str]:
    """The test's environment with the third-party-like packages importable, no bytecode."""
    env = dict(os.environ)
    entries = [str(path) for path in (SITE, *extra_path)]
    if env.get("PYTHONPATH"):
        entries.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(entries)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


def run_audit(
    *program: str,
    options: tuple[str, ...] = (),
    cwd: Path = APP,
    cli: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m loadermig.audit OPTIONS -- PROGRAM`` (or ``loadermig audit``), captured."""
    entry = (
        ["-c", "from loadermig.cli import main; main()", "audit"]
        if cli
        else ["-m", "loadermig.audit"]
    )
    return subprocess.run(
        [sys.executable, *entry, *options, "--", *program],
        cwd=cwd,
        env=env or environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def json_report(tmp_path: Path, *program: str, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    output = tmp_path / "report.json"
    result = run_audit(*program, options=("--format", "json", "--output", str(output)), **kwargs)
    return result, json.loads(output.read_text(encoding="utf-8"))


def by_class(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {hook["class"]: hook for hook in report["legacy_hooks"]}


def rules(hook: dict[str, Any]) -> dict[str, str]:
    return {role["role"]: role["rule"] for role in hook["roles"]}


def test_third_party_legacy_hooks_are_reported_with_place_modules_and_rules(
    tmp_path: Path,
) -> None:
    result, report = json_report(tmp_path, sys.executable, "-m", "app", "3")
    assert result.returncode == 3
    assert result.stdout == "app stdout: True hello, audit ['3']\n"
    assert result.stderr == "app stderr: still mine\n"  # the report went to --output
    assert report["processes"] == 1
    hooks = by_class(report)
    assert set(hooks) == {
        "legacyvendor._importer.VendorImporter",
        "legacypaths.LegacyDirFinder",
        "legacypaths.LegacyFileLoader",
    }
    vendor = hooks["legacyvendor._importer.VendorImporter"]
    assert vendor["file"] == str(SITE / "legacyvendor" / "_importer.py")
    assert vendor["line"] == 6
    assert rules(vendor) == {"meta path finder": "LM006", "loader": "LM008"}
    assert vendor["modules"] == ["legacyvendor.extern.tinysix"]
    assert vendor["via"] == ["loadermig shim"]
    finder = hooks["legacypaths.LegacyDirFinder"]
    assert (finder["file"], finder["line"]) == (str(SITE / "legacypaths" / "__init__.py"), 34)
    assert rules(finder) == {"path entry finder": "LM007"}
    assert finder["modules"] == ["greet"]
    loader = hooks["legacypaths.LegacyFileLoader"]
    assert rules(loader) == {"loader": "LM004"}  # load_module decorated with module_for_loader
    assert loader["line"] == 14
    for hook in hooks.values():  # issue #16: a short line per role, the long text as details
        for role in hook["roles"]:
            assert len(role["rewrite"]) <= 100 and "\n" not in role["rewrite"]
            assert role["details"] == audit.DETAILS[_kind(role["rule"])]
            assert f"`loadermig rules {role['rule']}`" in role["details"]


def _kind(rule: str) -> str:
    """The key of :data:`audit.RULES` (and DETAILS) of a rule ID."""
    [kind] = [key for key, (rule_id, _) in audit.RULES.items() if rule_id == rule]
    return kind


def test_audit_messages_are_short_and_explained() -> None:
    assert set(audit.DETAILS) == set(audit.RULES)
    for key, (_, rewrite) in audit.RULES.items():
        assert len(rewrite) <= 100 and ". " not in rewrite and not rewrite.endswith(".")
        assert len(audit.DETAILS[key]) > 3 * len(rewrite), key


@pytest.mark.parametrize("flag", ["-v", "--show-details"])
def test_show_details_puts_each_roles_explanation_under_it(flag: str) -> None:
    plain = run_audit(sys.executable, "-m", "app").stderr
    shown = run_audit(sys.executable, "-m", "app", options=(flag,)).stderr
    assert [line for line in shown.splitlines() if not line.startswith("      ")] == (
        plain.splitlines()
    )
    lines = shown.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("  meta path finder")))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break
        body.append(line.strip())
    assert " ".join(body) == " ".join(audit.DETAILS["meta_path_finder"].split())
    assert not any(line.startswith("      ") for line in plain.splitlines())


def test_text_report_goes_to_stderr_after_the_programs_own_output() -> None:
    result = run_audit(sys.executable, "-m", "app")
    assert result.returncode == 0
    assert result.stdout == "app stdout: True hello, audit []\n"
    own, report = result.stderr.split("\n", 1)
    assert own == "app stderr: still mine"
    vendor_file = SITE / "legacyvendor" / "_importer.py"
    assert report.startswith("loadermig audit: 3 legacy import hooks served imports\n")
    assert f"legacyvendor._importer.VendorImporter  {vendor_file}:6\n" in report
    assert "  meta path finder   LM006  " in report
    assert "  loader             LM008  " in report
    assert "  path entry finder  LM007  " in report
    assert "  served (1): legacyvendor.extern.tinysix\n" in report


def test_loadermig_audit_command_is_the_same(tmp_path: Path) -> None:
    output = tmp_path / "r.json"
    result = run_audit(
        sys.executable,
        "-m",
        "app",
        "4",
        options=("--format", "json", "--output", str(output)),
        cli=True,
    )
    assert result.returncode == 4
    assert result.stdout == "app stdout: True hello, audit ['4']\n"
    hooks = by_class(json.loads(output.read_text(encoding="utf-8")))
    assert rules(hooks["legacyvendor._importer.VendorImporter"]) == {
        "meta path finder": "LM006",
        "loader": "LM008",
    }


def test_program_without_legacy_hooks_reports_nothing(tmp_path: Path) -> None:
    plain = AUDIT / "plain"
    result, report = json_report(tmp_path, sys.executable, "plainapp.py", "5", cwd=plain)
    assert result.returncode == 5
    assert result.stdout == '{"subject": "plain", "args": ["5"]}\n'
    assert report == {"processes": 1, "legacy_hooks": []}
    text = run_audit(sys.executable, "plainapp.py", cwd=plain)
    assert text.stderr == "loadermig audit: no legacy import hook served an import\n"


def test_loaders_behind_modern_finders_are_found_in_sys_modules(tmp_path: Path) -> None:
    program = AUDIT / "fallback" / "fallbackapp.py"
    result, report = json_report(tmp_path, sys.executable, str(program))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "fallback pyloader\n"
    hooks = by_class(report)
    fallback, pyloader = hooks["__main__.FallbackLoader"], hooks["__main__.TextLoader"]
    assert (fallback["file"], fallback["line"]) == (str(program), 18)
    assert rules(fallback) == {"loader": "LM008"}
    assert fallback["via"] == ["interpreter fallback"]
    assert fallback["modules"] == ["viafallback"]
    assert rules(pyloader) == {"loader": "LM002"}
    assert pyloader["via"] == ["modern protocol"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("raise SystemExit(3)", 3),
        ("raise RuntimeError('boom')", 1),
        ("import os, signal; os.kill(os.getpid(), signal.SIGTERM)", 128 + 15),
    ],
)
def test_the_programs_exit_code_is_passed_through(code: str, expected: int) -> None:
    if expected > 128 and sys.platform == "win32":
        pytest.skip("POSIX signals")
    result = run_audit(sys.executable, "-c", code)
    assert result.returncode == expected
    if expected == 1:
        assert "RuntimeError: boom" in result.stderr


def test_python_subprocesses_of_the_program_are_audited_too(tmp_path: Path) -> None:
    code = "import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-m', 'app', '2']))"
    result, report = json_report(tmp_path, sys.executable, "-c", code)
    assert result.returncode == 2
    assert report["processes"] == 2
    assert "legacyvendor._importer.VendorImporter" in by_class(report)


def test_the_environments_own_sitecustomize_still_runs(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.own_site_ran = True\n")
    code = "import sys, sitecustomize; print(sys.own_site_ran, sitecustomize.__file__)"
    result = run_audit(sys.executable, "-c", code, env=environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"True {tmp_path / 'sitecustomize.py'}\n"


def test_a_command_that_cannot_start_exits_127() -> None:
    result = run_audit(str(APP / "no-such-program"))
    assert result.returncode == 127
    assert "cannot run" in result.stderr


def test_usage_error_without_a_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loadermig.audit", "--format", "json"],
        capture_output=True,
        text=True,
        env=environment(),
    )
    assert result.returncode == 2
    assert "no command to run" in result.stderr


# --- in-process ------------------------------------------------------------------------------


def test_recorder_is_off_by_default_and_recording_restores_everything() -> None:
    assert _adapter.recorder is None
    with audit.recording() as rec:
        assert is_installed()
        assert _adapter.recorder is not None
        register(str(PLUGIN_HOST / "plugin_files"))
        import plugins.greet  # type: ignore[import-not-found]  # noqa: F401

    assert _adapter.recorder is None
    assert not is_installed()
    hooks = {hook["class"]: hook for hook in rec.hooks()}
    finder = hooks["plugin_host.importer.PluginFinder"]
    assert finder["modules"] == ["plugins", "plugins.greet"]
    assert [role["rule"] for role in finder["roles"]] == ["LM006"]
    assert [role["rule"] for role in hooks["plugin_host.importer.PluginLoader"]["roles"]] == [
        "LM008"
    ]


def test_path_hooks_added_after_install_are_adapted(tmp_path: Path) -> None:
    legacy_dir = tmp_path / "late.legacy"
    legacy_dir.mkdir()
    (legacy_dir / "latemod.py").write_text("VALUE = 1\n")
    with audit.recording() as rec:
        sys.path_hooks.insert(0, LegacyDirImporter)  # after install(), as apps do
        sys.path_importer_cache.clear()
        sys.path.append(str(legacy_dir))
        import latemod  # type: ignore[import-not-found]

    assert latemod.VALUE == 1
    assert sys.path_hooks[0] is LegacyDirImporter  # uninstall gave the original back
    hooks = {hook["class"]: hook for hook in rec.hooks()}
    assert hooks["plugin_host.importer.LegacyDirImporter"]["modules"] == ["latemod"]


class _Decorated:
    @set_loader
    @module_for_loader
    def load_module(self, module: Any) -> Any:
        return module


class _Plain:
    def load_module(self, fullname: str) -> Any:
        return sys.modules[fullname]


class _Pyc(PyPycLoader):  # abstract methods irrelevant: only the class is classified
    pass


def test_rule_table_classification() -> None:
    assert audit.rule_for("loader", _Decorated) == "module_for_loader"
    assert audit.rule_for("loader", _Plain) == "loader"
    assert audit.rule_for("loader", _Pyc) == "PyPycLoader"
    assert audit.rule_for("meta_path_finder", PluginFinder) == "meta_path_finder"
    assert audit.RULES["module_for_loader"][0] == "LM004"
    # That RULES names exactly the rules that rewrite hook classes is checked against the
    # rule registry in tests/codemod/test_rules.py.
    path, line = audit.class_location(_Plain)
    assert path == __file__
    assert line is not None
    assert Path(path).read_text().splitlines()[line - 1] == "class _Plain:"


# --- the benchmark script: it runs and prints its tables (never a timing threshold) ---------


@pytest.mark.scripts
def test_benchmark_script_runs_and_prints_its_tables(tmp_path: Path) -> None:
    from ..conftest import ROOT

    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- bench_shim:start -->\n<!-- bench_shim:end -->\nend\n")
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_shim.py"),
            "--quick",
            "--readme",
            str(readme),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment(),
    )
    assert result.returncode == 0, result.stderr
    version = ".".join(map(str, sys.version_info[:3]))
    assert "| Python | N | modern exec_module (µs/import) |" in result.stdout
    assert f"| {version} | 20 | " in result.stdout
    assert "after 200 cycles" in result.stdout
    updated = readme.read_text()
    assert updated.startswith("intro\n<!-- bench_shim:start -->\n| Python | N |")
    assert f"| {version} | 20 | " in updated
    assert updated.endswith("<!-- bench_shim:end -->\nend\n")
