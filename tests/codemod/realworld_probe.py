"""Run one executed check of a real-world corpus class and print what it imported, as JSON.

    python realworld_probe.py ROOT SCRIPT

ROOT is a directory put first on ``sys.path`` (it holds the corpus file, as the project lays
it out); SCRIPT is Python that installs the hook as the project does and imports through it,
calling ``snapshot(name, ...)`` or storing into ``RESULT``. Standard library only: it runs on
bare interpreters.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
RESULT: dict[str, Any] = {}


def snapshot(*names: str) -> None:
    """Record what importing each name gives: the module's kind, name, file attributes and
    the names it defines (``__spec__``/``__loader__`` may rightly change). The names of a
    standard library module are left out: they differ between the Pythons compared."""
    for name in names:
        module = importlib.import_module(name)
        where = getattr(module, "__file__", None) or ""
        ours = not where or where.startswith(sys.argv[1])
        RESULT[name] = {
            "ours": ours,
            "type": type(module).__name__,
            "__name__": getattr(module, "__name__", None),
            "__package__": getattr(module, "__package__", None),
            "__file__": bool(getattr(module, "__file__", None)),
            "__path__": hasattr(module, "__path__"),
            "registered": sys.modules.get(name) is module,
            "names": sorted(n for n in dir(module) if not n.startswith("__")) if ours else None,
        }


with open(sys.argv[2], encoding="utf-8") as script:
    code = compile(script.read(), sys.argv[2], "exec")
try:
    exec(code, {"__name__": "__main__", "snapshot": snapshot, "RESULT": RESULT})
except Exception as error:  # the failure is the result
    RESULT["error"] = f"{type(error).__name__}: {error}"
print(json.dumps(RESULT, sort_keys=True))
