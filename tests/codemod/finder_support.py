"""The harness of the LM006/LM007 behaviour tests: the finder a fixture rewrite produces
imports like the legacy one.

Executable fixtures define ``make_finder(root)`` (LM006: a meta path finder serving the ``lmfx``
tree under ``root``) or ``make_path_finder(path)`` (LM007: a path entry finder for directory
``path``). Their loaders already have ``exec_module``, so only the finder is under test. The
rewritten finder is registered bare, with ``ImportWarning`` and ``DeprecationWarning`` as
errors, so on 3.12+ it proves the import system uses its new ``find_spec``. The expectation is
the legacy finder run through ``loadermig.shim.wrap_legacy_finder`` (CPython 3.11's fallback
semantics) and, on 3.9-3.11, the legacy finder run bare through the interpreter's own fallback.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from loadermig.codemod.source import rewrite_source

from .behaviour import TREE, describe, write_tree

NAMESPACE_TREE = {"lmns/part.py": "PART = 'ns'\n", "lmns/more/deep.py": "DEEP = 1\n"}
NAMESPACE_NAMES = ("lmns", "lmns.part", "lmns.more", "lmns.more.deep")
PREFIXES = ("lmfx", "lmns")
LEGACY_FALLBACK = sys.version_info < (3, 12)


def rewritten(case: Path) -> bytes:
    """The fixture's rewrite (which must exist)."""
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert outcome.error is None
    assert outcome.rewritten is not None
    return outcome.rewritten


def forget_modules() -> None:
    """Forget the test trees' modules (``lmfx``, ``lmns``) and the finders' caches."""
    for name in [n for n in sys.modules if n.split(".")[0] in PREFIXES]:
        del sys.modules[name]
    importlib.invalidate_caches()


@contextmanager
def strict() -> Iterator[None]:
    """ImportWarning and DeprecationWarning are errors (the 3.15 stand-in)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImportWarning)
        warnings.simplefilter("error", DeprecationWarning)
        yield


@contextmanager
def quiet() -> Iterator[None]:
    """The interpreter's own fallback warns; that is expected for the legacy finder."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def describe_any(module: types.ModuleType, root: Path) -> dict[str, Any]:
    """``behaviour.describe``, without source for namespace packages (they have none)."""
    if getattr(module, "__file__", None) is not None:
        return describe(module, root)
    spec = module.__spec__
    return {
        "__name__": module.__name__,
        "__path__": [p.replace(str(root), "<root>") for p in module.__path__],
        "__package__": module.__package__,
        "spec": (spec.name, spec.origin, spec.parent, spec.loader is None),
    }


def import_and_describe(names: tuple[str, ...], root: Path) -> dict[str, Any]:
    """Import ``names``, describe them, then reload the first plain module in place."""
    found = {name: describe_any(importlib.import_module(name), root) for name in names}
    module = sys.modules[names[1]]
    assert importlib.reload(module) is module
    found["reloaded"] = describe(module, root)
    return found


@contextmanager
def on_meta_path(finder: Any) -> Iterator[None]:
    """``finder`` first on ``sys.meta_path``, the test trees' modules imported afresh."""
    forget_modules()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        forget_modules()


@contextmanager
def on_path_hooks(factory: Callable[[str], Any], root: Path) -> Iterator[None]:
    """``factory`` serves ``root`` and the directories below it through a path hook."""

    def hook(entry: str) -> Any:
        if entry != str(root) and not entry.startswith(str(root) + "/"):
            raise ImportError("not under the test root")
        return factory(entry)

    def clear_cache() -> None:
        for entry in [e for e in sys.path_importer_cache if e.startswith(str(root))]:
            del sys.path_importer_cache[entry]

    forget_modules()
    sys.path_hooks.insert(0, hook)
    sys.path.insert(0, str(root))
    clear_cache()
    try:
        yield
    finally:
        sys.path.remove(str(root))
        sys.path_hooks.remove(hook)
        clear_cache()
        forget_modules()


def write_finder_tree(root: Path) -> None:
    """The ``lmfx`` package tree and the ``lmns`` namespace package under ``root``."""
    write_tree(root, {**TREE, **NAMESPACE_TREE})
