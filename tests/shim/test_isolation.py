"""The shim is standard library only: importing it never pulls in libcst or click."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_shim_and_the_package_imports_no_third_party_code() -> None:
    probe = (
        "import sys, loadermig, loadermig.shim, loadermig.shim.compat\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'libcst', 'click'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
