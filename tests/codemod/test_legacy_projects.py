"""End to end: `loadermig rewrite` a whole legacy project, then import through the result.

The plugin host (``fixtures/legacy_projects/plugin_host``) has a PEP 302 meta path finder, a
path hook whose finder returns PEP 420 namespace portions, and a hand-written
``load_module``. After the rewrite its hooks must work on the running interpreter with
ImportWarning and DeprecationWarning as errors (no fallback of the import system at all) and
give the same modules, reloads and failure cleanup as the legacy original did under
CPython 3.11's semantics (reproduced by ``loadermig.install()``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from loadermig.cli import main

from ..conftest import PLUGIN_HOST

PROBE = Path(__file__).with_name("plugin_host_probe.py")


STRICT = ["-W", "error::ImportWarning", "-W", "error::DeprecationWarning"]


def probe(project: Path, *, shim: bool) -> dict[str, object]:
    """Run the probe: the legacy project under the shim, or the rewritten one strictly bare."""
    command = [sys.executable, str(PROBE), str(project), "--shim"]
    if not shim:
        command = [sys.executable, *STRICT, str(PROBE), str(project)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_rewritten_plugin_host_imports_like_the_legacy_one(tmp_path: Path) -> None:
    project = tmp_path / "plugin_host"
    shutil.copytree(PLUGIN_HOST, project)
    legacy = probe(project, shim=True)

    result = CliRunner().invoke(main, ["rewrite", str(project / "plugin_host")])
    assert result.exit_code == 0, result.output
    importer = (project / "plugin_host" / "importer.py").read_text()
    assert "def find_spec" in importer and "def exec_module" in importer

    assert probe(project, shim=False) == legacy
    assert legacy["after_failure"] == {
        "plugins.broken": False,
        "plugins.greet": True,
        "plugins": True,
    }
