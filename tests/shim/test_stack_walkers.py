"""Hooks that walk the call stack see the same frames under the shim as under the fallback.

The finder and loader below have the shape of ``sh``'s ``ModuleImporterFromVariables``:
``find_module`` and ``load_module`` walk up from their own frame, skip every frame whose
``co_filename`` is the import system's, and look the imported name up as a variable of the
code they reach (``ctx = Context(...); from ctx import name``). A path entry finder of the
same kind (its path hook walks too) covers the path-based side.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from types import FrameType
from typing import Any, Callable

import pytest

from loadermig.shim import install, wrap_legacy_finder

BOOTSTRAP = "<frozen importlib._bootstrap>"
IMPORT_SYSTEM = (BOOTSTRAP, "<frozen importlib._bootstrap_external>")
FALLBACK = sys.version_info < (3, 12)


class Context:
    """What the importing code imports names from."""

    def __init__(self, **names: Any) -> None:
        self.__dict__.update(names)


def importing_code(
    frame: FrameType | None, skipped: tuple[str, ...], passed: list[str] | None = None
) -> FrameType:
    """The first frame above ``frame`` whose file is not one of ``skipped``."""
    while frame is not None and frame.f_code.co_filename in skipped:
        if passed is not None:
            passed.append(frame.f_code.co_filename)
        frame = frame.f_back
    assert frame is not None
    return frame


def variable(frame: FrameType, name: str) -> Any:
    return frame.f_locals.get(name, frame.f_globals.get(name))


class VariableImporter:
    """Meta path finder and loader: imports from a variable of the importing code."""

    skipped = (BOOTSTRAP,)

    def __init__(self) -> None:
        self.reached: list[tuple[str, str]] = []
        self.passed: list[str] = []  # the files of the frames load_module skipped

    def find_module(self, fullname: str, path: Any = None) -> Any:
        frame = importing_code(sys._getframe(1), self.skipped)
        self.reached.append(("find_module", frame.f_code.co_name))
        return self if isinstance(variable(frame, fullname), Context) else None

    def load_module(self, fullname: str) -> Any:
        frame = importing_code(sys._getframe(1), self.skipped, self.passed)
        self.reached.append(("load_module", frame.f_code.co_name))
        context = variable(frame, fullname)
        sys.modules[fullname] = context
        context.__loader__ = self
        return context


class VariablePathEntryFinder(VariableImporter):
    """Path entry finder (``find_module(fullname)``) of the same kind, made by a walking hook."""

    skipped = IMPORT_SYSTEM
    ENTRY = "<lm variables>"

    def __init__(self, path: str, reached: list[tuple[str, str]]) -> None:
        if path != self.ENTRY:
            raise ImportError(path)
        self.reached = reached
        self.passed = []
        frame = importing_code(sys._getframe(1), self.skipped)
        self.reached.append(("path hook", frame.f_code.co_name))


def importer_of(name: str, in_function: bool) -> Callable[[], Any]:
    """Code that imports ``answer`` from a Context held in a variable called ``name``."""
    namespace: dict[str, Any] = {"Context": Context}
    if in_function:
        source = (
            "def importer():\n"
            f"    {name} = Context(answer=42)\n"
            f"    from {name} import answer\n"
            "    return answer\n"
        )
        exec(source, namespace)
        return namespace["importer"]  # type: ignore[no-any-return]

    def importer() -> Any:
        source = f"{name} = Context(answer=42)\nfrom {name} import answer\n"
        exec(compile(source, "<module code>", "exec"), namespace)
        return namespace["answer"]

    return importer


def slug(mode: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in mode)


def register(mode: str, finder: VariableImporter) -> None:
    """Put ``finder`` on ``sys.meta_path`` the way ``mode`` says."""
    if mode == "fallback":
        sys.meta_path.insert(0, finder)
    elif mode == "wrap_legacy_finder":
        sys.meta_path.insert(0, wrap_legacy_finder(finder))
    elif mode == "install, registered before":
        sys.meta_path.insert(0, finder)
        install()
    elif mode == "install, inserted ahead":
        install()
        sys.meta_path.insert(0, finder)
    else:
        assert mode == "install, appended"
        install()
        sys.meta_path.append(finder)


META_MODES = [
    *(["fallback"] if FALLBACK else []),
    "wrap_legacy_finder",
    "install, registered before",
    "install, inserted ahead",
    "install, appended",
]


@pytest.mark.parametrize("in_function", [True, False], ids=["local", "global"])
@pytest.mark.parametrize("mode", META_MODES)
def test_meta_path_walker_reaches_the_importing_code(mode: str, in_function: bool) -> None:
    name = f"lm_ctx_{slug(mode)}_{in_function}"
    finder = VariableImporter()
    register(mode, finder)
    importer = importer_of(name, in_function)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)  # the fallback's
        assert importer() == 42
    caller = "importer" if in_function else "<module>"
    assert finder.reached == [("find_module", caller), ("load_module", caller)]


@pytest.mark.parametrize("mode", META_MODES)
def test_a_name_that_is_no_variable_is_not_found(mode: str) -> None:
    finder = VariableImporter()
    register(mode, finder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        with pytest.raises(ModuleNotFoundError):
            __import__("lm_ctx_nowhere")
    assert finder.reached == [("find_module", "test_a_name_that_is_no_variable_is_not_found")]


PATH_MODES = [*(["fallback"] if FALLBACK else []), "install, registered before", "install, after"]


@pytest.mark.parametrize("mode", PATH_MODES)
def test_path_entry_walker_and_its_hook_reach_the_importing_code(mode: str) -> None:
    reached: list[tuple[str, str]] = []
    hook = functools.partial(VariablePathEntryFinder, reached=reached)  # no frame of its own
    name = f"lm_ctx_path_{slug(mode)}"
    if mode == "install, after":
        install()
    sys.path.insert(0, VariablePathEntryFinder.ENTRY)
    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.pop(VariablePathEntryFinder.ENTRY, None)
    if mode == "install, registered before":
        install()
    importer = importer_of(name, in_function=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        assert importer() == 42
    assert reached == [
        ("path hook", "importer"),
        ("find_module", "importer"),
        ("load_module", "importer"),
    ]


def test_no_frame_of_loadermig_lies_between_the_import_system_and_the_hook() -> None:
    import loadermig

    finder = VariableImporter()
    finder.skipped = IMPORT_SYSTEM
    register("install, appended", finder)
    assert importer_of("lm_ctx_frames", in_function=True)() == 42
    assert finder.passed
    assert set(finder.passed) <= set(IMPORT_SYSTEM)
    assert finder.reached == [("find_module", "importer"), ("load_module", "importer")]
    assert not any(path.startswith(os.path.dirname(loadermig.__file__)) for path in finder.passed)
