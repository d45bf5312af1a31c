"""Behavioural check of a rewrite: legacy fixture vs. rewritten fixture, both executed.

An executable fixture defines ``make_loader(root, fullname)`` returning the loader for module
``fullname`` whose files live under directory ``root`` (``root/a/b.py`` or
``root/a/b/__init__.py`` for ``a.b``). The legacy version runs with the removed APIs supplied
by ``loadermig.shim.compat`` (patched onto ``importlib.abc`` / ``importlib.util`` while the
fixture executes, as if on Python 3.2); the rewritten version runs on the bare interpreter, so
on 3.12+ it proves it needs none of them. Both import the same package tree through a modern
finder and must give modules with the same attributes, globals and source.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import inspect
import os
import pkgutil
import sys
import traceback
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Callable

from loadermig.shim import compat, wrap_legacy

PACKAGE = "lmfx"
TREE = {
    "lmfx/__init__.py": "PKG = True\n",
    "lmfx/mod.py": (
        "# -*- coding: utf-8 -*-\nVALUE = 42\n\n\ndef f():\n    return VALUE\n\n\n"
        "def fail():\n    raise ValueError(VALUE)\n"
    ),
    "lmfx/sub/__init__.py": "# a subpackage (inspect.getsource fails on empty files before 3.13)\n",
    "lmfx/sub/leaf.py": "from .. import mod\n\nLEAF = mod.VALUE + 1\n",
}
NAMES = ("lmfx", "lmfx.mod", "lmfx.sub", "lmfx.sub.leaf")

_REMOVED = {
    importlib.abc: ("PyLoader", "PyPycLoader"),
    importlib.util: ("module_for_loader", "set_loader", "set_package"),
}


@contextmanager
def removed_apis_restored() -> Iterator[None]:
    """Put the removed importlib APIs back (from loadermig.shim.compat) for a while."""
    saved = {
        (owner, name): owner.__dict__.get(name, _MISSING)
        for owner, names in _REMOVED.items()
        for name in names
    }
    try:
        for owner, name in saved:
            setattr(owner, name, getattr(compat, name))
        yield
    finally:
        for (owner, name), value in saved.items():
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


_MISSING = object()


def execute_fixture(source: bytes, path: str, *, legacy: bool) -> types.ModuleType:
    """Run a fixture file as a fresh module (legacy: with the removed APIs available)."""
    module = types.ModuleType(f"lm_fixture_{abs(hash((path, legacy)))}")
    module.__file__ = path
    with removed_apis_restored() if legacy else nullcontext():
        exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)
    return module


def write_tree(root: Path, tree: dict[str, str] = TREE) -> None:
    """Create the package tree the loaders serve."""
    for relative, text in tree.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


class FixtureFinder:
    """Modern meta path finder asking the fixture's ``make_loader`` for each ``lmfx`` name.

    Legacy loaders are handed out through ``wrap_legacy`` (CPython 3.11's fallback semantics
    on every Python), or bare with ``wrap=False`` (the interpreter's own fallback, up to 3.14).
    """

    def __init__(
        self, make_loader: Callable[[str, str], Any], root: Path, *, wrap: bool = True
    ) -> None:
        self.make_loader = make_loader
        self.root = str(root)
        self.wrap = wrap

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != PACKAGE and not fullname.startswith(PACKAGE + "."):
            return None
        loader = self.make_loader(self.root, fullname)
        if loader is None:
            return None
        return importlib.util.spec_from_loader(
            fullname, wrap_legacy(loader) if self.wrap else loader
        )


def describe(module: Any, root: Path) -> dict[str, Any]:
    """The observable state of an imported module, paths relative to ``root``."""

    def rel(value: Any) -> Any:
        return value.replace(str(root), "<root>") if isinstance(value, str) else value

    spec = module.__spec__
    public = {}
    for name, value in sorted(vars(module).items()):
        if name.startswith("_"):
            continue
        if isinstance(value, types.ModuleType):
            public[name] = f"<module {value.__name__}>"
        elif callable(value):
            public[name] = f"<callable {getattr(value, '__qualname__', name)}>"
        else:
            public[name] = repr(value)
    return {
        "__name__": module.__name__,
        "__file__": rel(getattr(module, "__file__", None)),
        "__path__": [rel(p) for p in getattr(module, "__path__", None) or []],
        "__package__": module.__package__,
        "__loader__": type(module.__loader__).__name__,
        "spec": (spec.name, rel(spec.origin), spec.parent),
        "globals": public,
        "source": inspect.getsource(module),
        "traceback": _traceback(module, rel),
        "get_data": _get_data(module),
    }


def _traceback(module: Any, rel: Callable[[Any], Any]) -> Any:
    """Where a module function's exception points, and the source line shown there."""
    fail = vars(module).get("fail")
    if fail is None:
        return None
    try:
        fail()
    except ValueError as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return (rel(frame.filename), frame.lineno, frame.line)
    raise AssertionError("fail() did not raise")


def _get_data(module: Any) -> Any:
    """``pkgutil.get_data`` of the module's own file (what the loader's get_data gives)."""
    filename = getattr(module, "__file__", None)
    if filename is None:
        return None
    try:
        return pkgutil.get_data(module.__name__, os.path.basename(filename))
    except Exception as exc:  # the exception's type is the observable behaviour
        return type(exc).__name__


def observe(
    make_loader: Callable[[str, str], Any], root: Path, *, wrap: bool = True
) -> dict[str, Any]:
    """Import every name of the tree through ``make_loader``'s loaders and describe them."""
    finder = FixtureFinder(make_loader, root, wrap=wrap)
    sys.meta_path.insert(0, finder)
    try:
        return {name: describe(importlib.import_module(name), root) for name in NAMES}
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        importlib.invalidate_caches()


def assert_same_behaviour(before: Path, after: bytes, tmp_path: Path) -> None:
    """The rewritten fixture ``after`` loads the tree exactly as legacy ``before`` did."""
    root = tmp_path / "tree"
    write_tree(root)
    legacy = execute_fixture(before.read_bytes(), str(before), legacy=True)
    # The legacy side keeps its ImportWarnings out of -W error: a legacy loader that never
    # sets __package__ (no is_package) makes relative imports warn under the interpreter's
    # own fallback too; only the rewritten side must import without warnings.
    with removed_apis_restored(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        expected = observe(legacy.make_loader, root)
    modern = execute_fixture(after, str(before), legacy=False)
    observed = observe(modern.make_loader, root)
    assert observed == _spec_parent_mended(expected, observed)


def _spec_parent_mended(expected: dict[str, Any], observed: dict[str, Any]) -> dict[str, Any]:
    """``expected``, but where its spec's parent contradicted the module's ``__package__`` and
    the rewritten loader's spec agrees with that same ``__package__``, that spec.

    A legacy loader that made packages only by setting ``__path__`` (no ``is_package``) got a
    spec saying "not a package" from ``spec_from_loader``, contradicting the module's own
    ``__package__`` (3.12+ warns about that on relative imports). LM004 gives it an
    ``is_package``, and its spec then agrees with ``__package__``; nothing else may change.
    """
    mended = {}
    for name, state in expected.items():
        spec_name, origin, parent = state["spec"]
        package = state["__package__"]
        now = observed.get(name, {}).get("spec")
        if parent != package and now == (spec_name, origin, package):
            state = {**state, "spec": now}
        mended[name] = state
    return mended
