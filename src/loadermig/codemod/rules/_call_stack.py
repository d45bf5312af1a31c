"""Whether code reads the call stack: frames whose number or order a rewrite could change.

Some hooks find what to import by walking up the stack from their own method
(``sys._getframe()``, ``inspect.currentframe()``, ``inspect.stack()``, ``frame.f_back``), or
attribute a warning to a caller some frames up (``warnings.warn(..., stacklevel=2)``). A
rewrite that puts a frame between the import system and such a method changes what it finds.
"""

from __future__ import annotations

import libcst as cst

from ._base import Rule
from ._classes import walk

#: Calls that return frames of the running stack.
FRAME_FUNCTIONS = frozenset(
    {
        "sys._getframe",
        "sys._current_frames",
        "inspect.currentframe",
        "inspect.stack",
        "inspect.getouterframes",
        "inspect.getframeinfo",
        "traceback.extract_stack",
        "traceback.format_stack",
        "traceback.print_stack",
        "traceback.walk_stack",
    }
)
#: Frame attributes that lead to other frames of the stack.
FRAME_LINKS = frozenset({"f_back"})


def stack_read(rule: Rule, node: cst.CSTNode) -> cst.CSTNode | None:
    """The first place in ``node`` that reads the call stack, if any."""
    for inner in walk(node):
        if isinstance(inner, cst.Attribute) and inner.attr.value in FRAME_LINKS:
            return inner
        if isinstance(inner, (cst.Name, cst.Attribute)) and rule.refers_to(inner, *FRAME_FUNCTIONS):
            return inner
    return None


def stacklevel_used(node: cst.CSTNode) -> cst.CSTNode | None:
    """The first call in ``node`` that passes ``stacklevel=`` (a warning attributed upwards)."""
    for inner in walk(node):
        if isinstance(inner, cst.Arg) and _is_keyword(inner, "stacklevel"):
            return inner
    return None


def _is_keyword(arg: cst.Arg, name: str) -> bool:
    return arg.keyword is not None and arg.keyword.value == name
