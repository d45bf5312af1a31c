"""Which methods read the call stack: a rewrite must not change the frames they see.

Some hooks find what to import by walking up the stack from their own method (``from x
import name`` served from a variable of the importing frame), skipping the import system's
frames by their file name ``<frozen importlib._bootstrap>``. A rewrite that calls the legacy
method from a new one puts one more frame, in the user's file, between the import system and
that method. :class:`StackReaders` finds such reads in a method, in the methods it calls on
``self`` and in the module-level functions it calls, transitively; and likewise warnings
attributed to a caller some frames up (``stacklevel=``), which count frames as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import libcst as cst

from ._cst_walk import visit_without_rebuild

#: Names whose use reads frames (``inspect.currentframe()``, ``sys._getframe()``, ...).
FRAME_NAMES = frozenset(
    {
        "currentframe",
        "_getframe",
        "_current_frames",
        "getouterframes",
        "extract_stack",
        "format_stack",
        "print_stack",
        "walk_stack",
        "f_back",
    }
)
#: The file name of the import system's frames, which stack walkers compare against.
IMPORTLIB_FRAMES = ("<frozen importlib", "importlib._bootstrap")


class StackReaders:
    """The module's functions, to tell which code reads the call stack."""

    def __init__(self, module: cst.Module) -> None:
        self.functions: dict[str, cst.FunctionDef] = {
            statement.name.value: statement
            for statement in module.body
            if isinstance(statement, cst.FunctionDef)
        }

    def first_read(
        self, function: cst.FunctionDef, methods: Mapping[str, cst.FunctionDef]
    ) -> cst.CSTNode | None:
        """Where ``function``, or what it calls (``self.x()``, module functions), reads frames."""
        for node in self._reached(function, methods):
            found = _frame_read(node)
            if found is not None:
                return found
        return None

    def first_stacklevel(
        self, function: cst.FunctionDef, methods: Mapping[str, cst.FunctionDef]
    ) -> cst.CSTNode | None:
        """Where the code ``function`` reaches passes ``stacklevel=`` (``warnings.warn``): it
        attributes a warning to the caller that many frames up, so it counts frames too."""
        for node in self._reached(function, methods):
            found = _stacklevel_arg(node)
            if found is not None:
                return found
        return None

    def skips_importlib_frames(
        self, function: cst.FunctionDef, methods: Mapping[str, cst.FunctionDef]
    ) -> bool:
        """Whether the code ``function`` reaches recognises the import system's frames by name.

        Such a walker skips however many of them there are, so it finds the same frame from
        a ``find_spec`` the import system calls as from a ``find_module`` 3.4-3.11 called.
        """
        return any(_names_importlib_frames(node) for node in self._reached(function, methods))

    def _reached(
        self, function: cst.FunctionDef, methods: Mapping[str, cst.FunctionDef]
    ) -> Iterable[cst.FunctionDef]:
        seen: set[int] = set()
        todo = [function]
        while todo:
            node = todo.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            yield node
            for callee in _callees(node):
                if isinstance(callee, cst.Name) and callee.value in self.functions:
                    todo.append(self.functions[callee.value])
                elif (
                    isinstance(callee, cst.Attribute)
                    and isinstance(callee.value, cst.Name)
                    and callee.value.value in ("self", "cls")
                    and callee.attr.value in methods
                ):
                    todo.append(methods[callee.attr.value])


def _callees(node: cst.CSTNode) -> Iterable[cst.BaseExpression]:
    """What ``node`` calls (by name, or as ``self.x``), also helpers merely referenced."""
    found: list[cst.BaseExpression] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call.func)

        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    visit_without_rebuild(node, Collect())
    return found


def _frame_read(node: cst.CSTNode) -> cst.CSTNode | None:
    """The first frame-reading expression in ``node``."""
    found: list[cst.CSTNode] = []

    class Find(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> None:
            name = attribute.attr.value
            if name in FRAME_NAMES or (
                name in ("stack", "trace")
                and isinstance(attribute.value, cst.Name)
                and attribute.value.value == "inspect"
            ):
                found.append(attribute)

        def visit_Name(self, name: cst.Name) -> None:
            if name.value in FRAME_NAMES:
                found.append(name)

        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            if any(text in string.value for text in IMPORTLIB_FRAMES):
                found.append(string)

    visit_without_rebuild(node, Find())
    return found[0] if found else None


def _stacklevel_arg(node: cst.CSTNode) -> cst.Arg | None:
    """The first ``stacklevel=`` argument in ``node``."""
    found: list[cst.Arg] = []

    class Find(cst.CSTVisitor):
        def visit_Arg(self, arg: cst.Arg) -> None:
            if arg.keyword is not None and arg.keyword.value == "stacklevel":
                found.append(arg)

    visit_without_rebuild(node, Find())
    return found[0] if found else None


def _names_importlib_frames(node: cst.CSTNode) -> bool:
    """Whether ``node`` holds a string naming the import system's frames."""
    found: list[bool] = []

    class Find(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            if any(text in string.value for text in IMPORTLIB_FRAMES):
                found.append(True)

    visit_without_rebuild(node, Find())
    return bool(found)
