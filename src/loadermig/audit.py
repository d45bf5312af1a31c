"""``loadermig audit``: run a program and list the legacy import hooks that served its imports.

    python -m loadermig.audit [--format text|json] [--output FILE] [-v] -- python -m app args...

The program runs in a child process with the runtime shim installed in recording mode. The
child finds a ``sitecustomize`` module that this command writes into a temporary directory
put first on ``PYTHONPATH``. That module starts the recording, chains to the environment's own
``sitecustomize`` if there is one, and at exit writes what it saw to a JSON file in that
directory (one file per process, so audited programs that start Python subprocesses are
covered too). The parent then prints the merged report, to stderr unless ``--output`` names a
file, and exits with the program's own exit code. The program's stdin, stdout and stderr are
its own.

Standard library only (the child imports this module).
"""

from __future__ import annotations

import atexit
import contextlib
import inspect
import json
import linecache
import os
import re
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from .shim import _adapter, install, uninstall
from .shim._adapter import Adapter

#: Which codemod rule rewrites a legacy hook, by what the hook is: (rule, what it rewrites).
RULES: dict[str, tuple[str, str]] = {
    "meta_path_finder": ("LM006", "find_module(fullname, path): add a delegating find_spec"),
    "path_entry_finder": ("LM007", "find_module(fullname)/find_loader(fullname): add find_spec"),
    "loader": ("LM008", "load_module(fullname) -> create_module + exec_module"),
    "module_for_loader": ("LM004", "@module_for_loader load_module -> exec_module"),
    "PyLoader": ("LM002", "PyLoader subclass -> importlib.abc.SourceLoader"),
    "PyPycLoader": ("LM003", "PyPycLoader subclass -> importlib.abc.SourceLoader"),
}

_FALLBACK = (
    " Where a modern finder hands out such a loader (via: interpreter fallback), the "
    "interpreter's own load_module() fallback loaded it; that fallback warns since Python 3.10 "
    "and is to be removed in 3.15."
)
#: The long explanation of each kind of legacy hook (keys of :data:`RULES`): why it is legacy
#: and what to do. Printed under the role with ``--show-details``; always in the JSON report.
DETAILS: dict[str, str] = {
    "meta_path_finder": (
        "A sys.meta_path finder with only find_module(fullname, path): Python 3.12 stopped "
        "calling find_module() on meta path finders, so without the shim its modules are not "
        "found there. `loadermig rewrite` (LM006) adds find_spec(fullname, path, target) "
        "returning importlib.util.spec_from_loader(fullname, loader) for the loader "
        "find_module() returns. `loadermig rules LM006` explains it."
    ),
    "path_entry_finder": (
        "A path entry finder (from sys.path_hooks) with only find_module(fullname) or "
        "find_loader(fullname): Python 3.12 stopped calling them, so without the shim its "
        "modules are not found there. `loadermig rewrite` (LM007) adds find_spec(fullname, "
        "target) built on the legacy method, namespace portions kept. `loadermig rules LM007` "
        "explains it."
    ),
    "loader": (
        "A loader with a hand-written load_module(fullname) and no exec_module(): the import "
        "system only reaches it through its deprecated load_module() fallback (or the shim). "
        "`loadermig rewrite` (LM008) turns it into create_module() + exec_module() where that "
        "is faithful, and reports why where it is not. `loadermig rules LM008` explains it."
        + _FALLBACK
    ),
    "module_for_loader": (
        "A loader whose load_module is decorated with importlib.util.module_for_loader, "
        "removed in Python 3.12. `loadermig rewrite` (LM004) turns the method into "
        "create_module() + exec_module(). `loadermig rules LM004` explains it." + _FALLBACK
    ),
    "PyLoader": (
        "A subclass of loadermig.shim.compat.PyLoader, the backport of importlib.abc.PyLoader "
        "(removed in Python 3.4): it works as a modern loader, but its code is still legacy. "
        "`loadermig rewrite` (LM002) moves it onto importlib.abc.SourceLoader. "
        "`loadermig rules LM002` explains it."
    ),
    "PyPycLoader": (
        "A subclass of loadermig.shim.compat.PyPycLoader, the backport of "
        "importlib.abc.PyPycLoader (removed in Python 3.4): it works as a modern loader, but "
        "its code is still legacy. `loadermig rewrite` (LM003) moves it onto "
        "importlib.abc.SourceLoader. `loadermig rules LM003` explains it."
    ),
}

ROLE_NAMES = {
    "meta_path_finder": "meta path finder",
    "path_entry_finder": "path entry finder",
    "loader": "loader",
}

VIA_SHIM = "loadermig shim"
VIA_FALLBACK = "interpreter fallback"  # a legacy loader a modern finder handed out, unadapted
VIA_MODERN = "modern protocol"  # a compat PyLoader/PyPycLoader: exec_module, but legacy code

_ENV_DIR = "LOADERMIG_AUDIT_DIR"
_ENV_PKG = "LOADERMIG_AUDIT_PKG"
_TEXT_MODULE_LIMIT = 20


def rule_for(role: str, cls: type) -> str:
    """The key in :data:`RULES` for a class that served imports in ``role``."""
    if role != "loader":
        return role
    compat = sys.modules.get("loadermig.shim.compat")
    if compat is not None:
        if issubclass(cls, compat.PyPycLoader):
            return "PyPycLoader"
        if issubclass(cls, compat.PyLoader):
            return "PyLoader"
    function = getattr(cls, "load_module", None)
    for _ in range(16):  # a stack of functools.wraps decorators, followed by __wrapped__
        code = getattr(function, "__code__", None)
        if code is not None and code.co_name == "module_for_loader_wrapper":
            return "module_for_loader"
        function = getattr(function, "__wrapped__", None)
        if function is None:
            break
    return "loader"


def class_location(cls: type) -> tuple[str | None, int | None]:
    """``(file, line)`` where ``cls`` is defined; None for what cannot be found.

    ``inspect`` first; where it fails (a script's ``__main__`` loses ``__file__`` before
    ``atexit`` handlers run) the file comes from the code of the class's own methods and the
    line from the first ``class <name>`` statement in it.
    """
    try:
        path = inspect.getsourcefile(cls) or inspect.getfile(cls)
        return path, inspect.getsourcelines(cls)[1]
    except Exception:  # inspect raises OSError, TypeError, IndexError on odd sources
        pass
    codes = [getattr(value, "__code__", None) for value in vars(cls).values()]
    lines = [code.co_firstlineno for code in codes if code is not None]
    files = [code.co_filename for code in codes if code is not None]
    if not files:
        return None, None
    pattern = re.compile(rf"\s*class\s+{re.escape(cls.__name__)}\b")
    for number, text in enumerate(linecache.getlines(files[0]), start=1):
        if pattern.match(text):
            return files[0], number
    return files[0], min(lines)


class Recording:
    """Collects the legacy hooks that serve imports while the shim is installed.

    ``start()`` installs the shim (:func:`loadermig.install`) and sets the shim's recorder;
    ``stop()`` undoes both (the shim only if this recording installed it). ``hooks()`` also
    looks through ``sys.modules`` for modules loaded by legacy loaders without the shim (a
    modern finder handing out a ``load_module``-only loader: the interpreter's fallback) and
    by ``loadermig.shim.compat`` ABC subclasses.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._classes: dict[type, dict[str, Any]] = {}
        self._installed = False

    def start(self) -> None:
        """Install the shim and start recording."""
        self._installed = install().owner
        _adapter.recorder = self.record

    def stop(self) -> None:
        """Stop recording; uninstall the shim if :meth:`start` installed it."""
        if _adapter.recorder == self.record:
            _adapter.recorder = None
        if self._installed:
            uninstall()
            self._installed = False

    def record(self, role: str, obj: Any, fullname: str, via: str = VIA_SHIM) -> None:
        """Note that ``obj`` served ``fullname`` in ``role``; never raises."""
        try:
            cls = type(obj)
            with self._lock:
                entry = self._classes.get(cls)
                if entry is None:
                    entry = self._classes[cls] = {"roles": set(), "modules": set(), "via": set()}
                    entry["location"] = class_location(cls)
                entry["roles"].add(role)
                entry["modules"].add(fullname)
                entry["via"].add(via)
        except Exception:  # an audit must never break the program's imports
            pass

    def scan_modules(self) -> None:
        """Record loaders found in ``sys.modules`` that the adapters did not see."""
        compat = sys.modules.get("loadermig.shim.compat")
        abcs = () if compat is None else (compat.PyLoader,)
        for name, module in list(sys.modules.items()):
            try:
                spec: Any = vars(module).get("__spec__")
                loader = getattr(spec, "loader", None)
                if loader is None or isinstance(loader, Adapter) or spec.name != name:
                    continue
                if abcs and isinstance(loader, abcs):
                    self.record("loader", loader, name, VIA_MODERN)
                elif callable(getattr(loader, "load_module", None)) and not callable(
                    getattr(loader, "exec_module", None)
                ):
                    self.record("loader", loader, name, VIA_FALLBACK)
            except Exception:  # odd objects in sys.modules: not ours to judge
                continue

    def hooks(self) -> list[dict[str, Any]]:
        """The report: one dict per class, sorted by where the classes are defined."""
        self.scan_modules()
        with self._lock:
            items = list(self._classes.items())
        return sorted((_describe(cls, entry) for cls, entry in items), key=_sort_key)


def _describe(cls: type, entry: dict[str, Any]) -> dict[str, Any]:
    path, line = entry["location"]
    roles = []
    for role in sorted(entry["roles"], key=list(ROLE_NAMES).index):
        kind = rule_for(role, cls)
        rule, rewrite = RULES[kind]
        roles.append(
            {"role": ROLE_NAMES[role], "rule": rule, "rewrite": rewrite, "details": DETAILS[kind]}
        )
    return {
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "file": path,
        "line": line,
        "roles": roles,
        "modules": sorted(entry["modules"]),
        "via": sorted(entry["via"]),
    }


def _sort_key(hook: dict[str, Any]) -> tuple[str, int, str]:
    return (hook["file"] or "", hook["line"] or 0, hook["class"])


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """``with recording() as rec: ...`` records in this process; ``rec.hooks()`` reports."""
    rec = Recording()
    rec.start()
    try:
        yield rec
    finally:
        rec.stop()


def merge(reports: Sequence[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Merge the hook lists of several processes: same class at the same place is one hook."""
    merged: dict[tuple[str, str | None, int | None], dict[str, Any]] = {}
    for hooks in reports:
        for hook in hooks:
            key = (hook["class"], hook["file"], hook["line"])
            into = merged.get(key)
            if into is None:
                merged[key] = {**hook, "roles": list(hook["roles"])}
                continue
            into["roles"] += [role for role in hook["roles"] if role not in into["roles"]]
            into["modules"] = sorted(set(into["modules"]) | set(hook["modules"]))
            into["via"] = sorted(set(into["via"]) | set(hook["via"]))
    return sorted(merged.values(), key=_sort_key)


def render_json(hooks: list[dict[str, Any]], processes: int) -> str:
    """The report as JSON: ``{"processes": n, "legacy_hooks": [...]}``."""
    return json.dumps({"processes": processes, "legacy_hooks": hooks}, indent=2) + "\n"


def render_text(hooks: list[dict[str, Any]], processes: int, *, show_details: bool = False) -> str:
    """The report for people: one block per class, one short line per role (``show_details``:
    with the role's long explanation indented under it)."""
    if processes == 0:
        return (
            "loadermig audit: the program wrote no report (Python started with -I, -E or -S, "
            "ended by os._exit() or a signal, or could not import loadermig)\n"
        )
    if not hooks:
        return "loadermig audit: no legacy import hook served an import\n"
    count = len(hooks)
    lines = [f"loadermig audit: {count} legacy import hook{'s' * (count != 1)} served imports"]
    for hook in hooks:
        where = hook["file"] or "<unknown file>"
        if hook["line"] is not None:
            where += f":{hook['line']}"
        lines.append(f"{hook['class']}  {where}")
        for role in hook["roles"]:
            lines.append(f"  {role['role']:<18} {role['rule']}  {role['rewrite']}")
            if show_details and role.get("details"):
                lines.extend(
                    textwrap.wrap(
                        role["details"],
                        88,
                        initial_indent=" " * 6,
                        subsequent_indent=" " * 6,
                        break_on_hyphens=False,
                        break_long_words=False,
                    )
                )
        modules = hook["modules"]
        shown = ", ".join(modules[:_TEXT_MODULE_LIMIT])
        if len(modules) > _TEXT_MODULE_LIMIT:
            shown += f", ... ({len(modules) - _TEXT_MODULE_LIMIT} more; --format json lists all)"
        lines.append(f"  served ({len(modules)}): {shown}")
        lines.append(f"  via: {', '.join(hook['via'])}")
    return "\n".join(lines) + "\n"


# --- the child side ------------------------------------------------------------------------

_SITECUSTOMIZE = '''\
"""Written by loadermig audit: record legacy import hooks, then run any other sitecustomize."""


def _loadermig_audit_start():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if entry != here]
    try:
        from loadermig import audit
    except ImportError:
        package_parent = os.environ.get("LOADERMIG_AUDIT_PKG", "")
        sys.path.append(package_parent)
        try:
            from loadermig import audit
        finally:
            sys.path.remove(package_parent)
    audit.start_in_child()
    # The environment's own sitecustomize, if any, takes this module's place in sys.modules.
    this = sys.modules.pop("sitecustomize")
    try:
        import sitecustomize  # noqa: F401
    except ImportError as exc:
        sys.modules["sitecustomize"] = this
        if exc.name != "sitecustomize":
            raise


_loadermig_audit_start()
'''


def start_in_child() -> None:
    """Start recording in this process; write the report to ``$LOADERMIG_AUDIT_DIR`` at exit."""
    directory = os.environ.get(_ENV_DIR)
    if not directory:
        return
    rec = Recording()
    rec.start()
    atexit.register(_write_child_report, rec, directory)


def _write_child_report(rec: Recording, directory: str) -> None:
    hooks = rec.hooks()
    path = os.path.join(directory, f"report-{os.getpid()}.json")
    with contextlib.suppress(OSError), open(path + ".tmp", "w", encoding="utf-8") as file:
        json.dump(hooks, file)
    with contextlib.suppress(OSError):
        os.replace(path + ".tmp", path)


# --- the parent side -----------------------------------------------------------------------


def run(
    command: Sequence[str],
    fmt: str = "text",
    output: str | None = None,
    *,
    show_details: bool = False,
) -> int:
    """Run ``command`` with recording injected; print the report; return its exit code.

    The report goes to ``output`` (a file) when given, else to stderr; ``show_details`` puts
    each role's long explanation under it in the text report. A program killed by signal N
    gives 128 + N; a command that cannot be started gives 127.
    """
    import tempfile  # parent-side modules, kept out of the audited program's sys.modules

    with tempfile.TemporaryDirectory(prefix="loadermig-audit-") as directory:
        with open(os.path.join(directory, "sitecustomize.py"), "w", encoding="utf-8") as file:
            file.write(_SITECUSTOMIZE)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            entry for entry in (directory, env.get("PYTHONPATH")) if entry
        )
        env[_ENV_DIR] = directory
        env[_ENV_PKG] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        code = _run_child(list(command), env)
        reports = _read_reports(directory)
    hooks = merge(reports)
    if fmt == "json":
        text = render_json(hooks, len(reports))
    else:
        text = render_text(hooks, len(reports), show_details=show_details)
    if output is None:
        sys.stderr.write(text)
        sys.stderr.flush()
    else:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    return code


def _run_child(command: list[str], env: dict[str, str]) -> int:
    import subprocess

    try:
        child = subprocess.Popen(command, env=env)
    except OSError as exc:
        sys.stderr.write(f"loadermig audit: cannot run {command[0]!r}: {exc}\n")
        return 127
    while True:
        try:
            code = child.wait()
            break
        except KeyboardInterrupt:  # the child got the SIGINT too; wait for it to finish
            continue
    return 128 - code if code < 0 else code


def _read_reports(directory: str) -> list[list[dict[str, Any]]]:
    reports = []
    for name in sorted(os.listdir(directory)):
        if name.startswith("report-") and name.endswith(".json"):
            try:
                with open(os.path.join(directory, name), encoding="utf-8") as file:
                    reports.append(json.load(file))
            except (OSError, ValueError):
                continue
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m loadermig.audit [--format text|json] [--output FILE] [-v] -- command...``."""
    import argparse

    args = list(sys.argv[1:] if argv is None else argv)
    options, command = (
        (args[: args.index("--")], args[args.index("--") + 1 :]) if ("--" in args) else (args, [])
    )
    parser = argparse.ArgumentParser(
        prog="python -m loadermig.audit",
        description="Run a program with the loadermig shim recording which legacy import "
        "hooks serve its imports; print that report at exit. The program's exit code and "
        "output are its own.",
        usage="%(prog)s [--format text|json] [--output FILE] [-v] -- command [args...]",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "-v",
        "--show-details",
        action="store_true",
        help="print each hook's long explanation under it (JSON always carries it)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report here, not stderr")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parsed = parser.parse_args(options)
    command = parsed.rest + command
    if not command:
        parser.error("no command to run (put it after --)")
    return run(command, parsed.format, parsed.output, show_details=parsed.show_details)


if __name__ == "__main__":
    sys.exit(main())
