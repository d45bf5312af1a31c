"""Drive the plugin host's import hooks and print what the imports gave, as JSON.

    python plugin_host_probe.py PROJECT_DIR [--shim]

PROJECT_DIR holds ``plugin_host/importer.py`` and ``plugin_files/``. With ``--shim`` the
hooks run under ``loadermig.install()`` (the legacy original, with CPython 3.11's semantics);
without, they must work on their own (the rewritten project).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

root = os.path.abspath(sys.argv[1])
sys.path.insert(0, root)
sys.dont_write_bytecode = True

from plugin_host import importer  # noqa: E402

plugin_files = os.path.join(root, "plugin_files")
importer.register(plugin_files)
sys.path.append(os.path.join(plugin_files, "tools.legacy"))
if "--shim" in sys.argv:
    import loadermig

    loadermig.install()


def rel(value: Any) -> Any:
    return value.replace(root, "<root>") if isinstance(value, str) else value


def describe(module: Any) -> dict[str, Any]:
    spec = module.__spec__
    return {
        "__name__": module.__name__,
        "__file__": rel(getattr(module, "__file__", None)),
        "__path__": [rel(p) for p in getattr(module, "__path__", None) or []],
        "__package__": module.__package__,
        "spec": [spec.name, rel(spec.origin), spec.parent],
        "names": sorted(n for n in vars(module) if not n.startswith("_")),
    }


seen: dict[str, Any] = {}
for name in ("plugins", "plugins.greet", "plugins.greet.hello", "calc", "ns_part.mod"):
    seen[name] = describe(importlib.import_module(name))
hello = sys.modules["plugins.greet.hello"]
seen["greeting"] = hello.greet("probe")
seen["reload_same_object"] = importlib.reload(hello) is hello
try:
    importlib.import_module("plugins.broken")
except ValueError as error:
    seen["failure"] = str(error)
seen["after_failure"] = {
    name: name in sys.modules for name in ("plugins.broken", "plugins.greet", "plugins")
}
print(json.dumps(seen, indent=1, sort_keys=True))
