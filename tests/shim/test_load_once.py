"""A legacy ``load_module`` runs exactly once per import, seeing ``sys.modules`` as the fallback
shows it: without an entry for the name, so the PEP 302 "already imported" guard does not fire.

The call counts are compared with the interpreter's own fallback where it exists (3.9-3.11).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest

from loadermig.shim import install, wrap_legacy

MODES = [*(["fallback"] if sys.version_info < (3, 12) else []), "wrap_legacy", "install"]


class GuardedLoader:
    """Records each call; returns early when the name is already in ``sys.modules``."""

    def __init__(self, sources: dict[str, str], reuse: bool) -> None:
        self.sources = sources
        self.reuse = reuse  # the guard's other form: reuse the entry instead of returning it
        self.calls: list[tuple[str, bool]] = []  # (name, whether the name was in sys.modules)

    def find_module(self, fullname: str, path: Any = None) -> Any:
        return self if fullname in self.sources else None

    def load_module(self, fullname: str) -> Any:
        self.calls.append((fullname, fullname in sys.modules))
        if fullname in sys.modules:
            if not self.reuse:
                return sys.modules[fullname]
            module = sys.modules[fullname]
        else:
            module = types.ModuleType(fullname)
            sys.modules[fullname] = module
        module.__loader__ = self
        exec(self.sources[fullname], module.__dict__)
        return module


class ServeRaw:
    """A modern finder handing out ``loader`` itself: the interpreter's fallback loads."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if self.loader.find_module(fullname) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self.loader)


def register(mode: str, finder: Any) -> None:
    if mode == "fallback":
        sys.meta_path.insert(0, ServeRaw(finder))
    elif mode == "wrap_legacy":
        sys.meta_path.insert(0, ServeRaw(wrap_legacy(finder)))
    else:
        sys.meta_path.insert(0, finder)
        install()


def import_quietly(name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)  # the fallback's
        return importlib.import_module(name)


@pytest.mark.parametrize("reuse", [False, True], ids=["return-guard", "reuse-guard"])
@pytest.mark.parametrize("mode", MODES)
def test_guarded_loader_is_called_once_without_an_entry(mode: str, reuse: bool) -> None:
    name = f"lm_once_{mode}_{reuse}"
    loader = GuardedLoader({name: "import sys\nCOUNT = 1\n"}, reuse)
    # The wrapped loader is the finder too: find_module asks the same object.
    register(mode, loader)
    module = import_quietly(name)
    assert module.COUNT == 1
    assert loader.calls == [(name, False)]
    assert sys.modules[name] is module
    assert module.__loader__ is loader


@pytest.mark.parametrize("mode", MODES)
def test_reload_calls_load_module_once_with_the_module_in_place(mode: str) -> None:
    name = f"lm_once_reload_{mode}"
    loader = GuardedLoader({name: "X = 1\n"}, reuse=True)
    register(mode, loader)
    module = import_quietly(name)
    loader.sources[name] = "X = 2\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        assert importlib.reload(module) is module
    assert module.X == 2
    assert loader.calls == [(name, False), (name, True)]


# --- a Python 2 translation hook: find_module opens the file, load_module consumes it ------


def translate(source: str) -> str:
    """The two Python 2 spellings the sample module uses."""
    source = re.sub(r"\b0([0-7]+)\b", r"0o\1", source)  # 0755 -> 0o755
    return re.sub(r"except (\w+), (\w+):", r"except \1 as \2:", source)


class Py2Importer:
    """Finds ``<name>.py2`` files in ``directory`` and imports them translated to Python 3."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.found: dict[str, tuple[Any, str]] = {}

    def find_module(self, fullname: str, path: Any = None) -> Any:
        filename = os.path.join(self.directory, fullname + ".py2")
        if not os.path.isfile(filename):
            return None
        self.found[fullname] = (open(filename), filename)  # noqa: SIM115 (load_module closes)
        return self

    def load_module(self, fullname: str) -> Any:
        handle, filename = self.found[fullname]
        try:
            source = translate(handle.read())
        finally:
            handle.close()
        if fullname in sys.modules:
            return sys.modules[fullname]
        module = types.ModuleType(fullname)
        module.__file__ = filename
        module.__loader__ = self
        sys.modules[fullname] = module
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        except BaseException:
            del sys.modules[fullname]
            raise
        return module


PY2_MODULE = """\
MODE = 0755
try:
    raise KeyError("missing")
except KeyError, error:
    CAUGHT = error.args
"""


@pytest.mark.parametrize("mode", MODES)
def test_py2_translation_hook_imports_its_module(mode: str, tmp_path: Path) -> None:
    name = f"lm_py2_{mode}"
    (tmp_path / f"{name}.py2").write_text(PY2_MODULE)
    importer = Py2Importer(str(tmp_path))
    if mode == "fallback":
        sys.meta_path.insert(0, importer)
    elif mode == "wrap_legacy":
        sys.meta_path.insert(0, ServeRaw(wrap_legacy(importer)))
    else:
        register(mode, importer)
    module = import_quietly(name)
    assert (module.MODE, module.CAUGHT) == (0o755, ("missing",))
    assert module.__file__ == str(tmp_path / f"{name}.py2")
    handle, _ = importer.found[name]
    assert handle.closed
