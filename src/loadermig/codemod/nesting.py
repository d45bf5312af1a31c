"""Deeply nested code: what is refused before libcst sees it, and the large stack its
parser runs on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from itertools import accumulate
from typing import TypeVar

_T = TypeVar("_T")

# libcst's native parser recurses on the C stack and can crash the process on deeply nested
# code; it runs in a thread with a large stack, and code nested deeper than CPython accepts
# (200 brackets) is refused before it gets there.
PARSER_STACK_BYTES = 512 * 1024 * 1024
MAX_BRACKET_DEPTH = 200
MAX_TREE_DEPTH = 1000  # libcst needs ~0.2 s for a 1000-term chain, minutes for 20000
_BRACKETS = bytes(range(256)).translate(None, b"()[]{}")
_DEPTH_STEP = {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}


def too_deeply_nested(data: bytes) -> bool:
    """Whether ``data`` nests brackets deeper than any Python accepts.

    Counted over every bracket byte, strings and comments included, so this can only
    over-estimate; callers ask it only of files the interpreter did not compile.
    """
    brackets = data.translate(None, _BRACKETS)
    if len(brackets) <= 2 * MAX_BRACKET_DEPTH:
        return False
    return max(accumulate(_DEPTH_STEP[byte] for byte in brackets)) > MAX_BRACKET_DEPTH


def run_with_large_stack(work: Callable[[], _T]) -> _T:
    """Run ``work`` in a thread with a large C stack and return (or raise) what it does."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller
            outcome["error"] = error

    previous = threading.stack_size(PARSER_STACK_BYTES)
    try:
        worker = threading.Thread(target=target, name="loadermig-parser", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
