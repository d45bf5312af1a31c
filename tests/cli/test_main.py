"""The ``loadermig`` command group: entry points, --version, --help."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import loadermig
from loadermig.cli import main


def test_version_and_help() -> None:
    runner = CliRunner()
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0
    assert version.output.strip() == f"loadermig, version {loadermig.__version__}"
    shown = runner.invoke(main, ["--help"])
    assert shown.exit_code == 0
    assert "PEP 302" in shown.output


def test_python_dash_m_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loadermig", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"loadermig, version {loadermig.__version__}"
