"""Rewrite one file's bytes in memory: prefilter, parse, run the rules, check, splice."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import accumulate
from typing import TypeVar

import libcst as cst
from libcst.codemod import CodemodContext

from .findings import Finding
from .rules import ALL_RULES, Rule
from .rules._base import FINDINGS_KEY

_T = TypeVar("_T")

# libcst's native parser recurses on the C stack and can crash the process on deeply nested
# code; it runs in a thread with a large stack, and code nested deeper than CPython accepts
# (200 brackets) is refused before it gets there.
PARSER_STACK_BYTES = 512 * 1024 * 1024
MAX_BRACKET_DEPTH = 200
MAX_TREE_DEPTH = 1000  # libcst needs ~0.2 s for a 1000-term chain, minutes for 20000
_BRACKETS = bytes(range(256)).translate(None, b"()[]{}")
_DEPTH_STEP = {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}


@dataclass
class SourceOutcome:
    """What rewriting one file's bytes gave: new bytes (None if unchanged), findings, error."""

    path: str
    original: bytes
    rewritten: bytes | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    parsed: bool = False

    @property
    def changed(self) -> bool:
        """Whether the file's content would change."""
        return self.rewritten is not None and self.rewritten != self.original


def applicable_rules(data: bytes, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The rules one of whose trigger words occurs in ``data``: the cheap prefilter."""
    return [rule for rule in rules if any(word in data for word in rule.TRIGGERS)]


def rewrite_source(
    data: bytes, path: str, rules: Sequence[type[Rule]] = ALL_RULES
) -> SourceOutcome:
    """Apply ``rules`` to a file's bytes; never raises for bad input (see ``error``).

    Files in which no rule's trigger word occurs are not parsed. The result keeps the file's
    encoding, BOM and line endings, and every line no rule changed is kept byte for byte
    (libcst's own round trip is not always exact). A result that no longer compiles is
    refused with an error instead of being returned.
    """
    outcome = SourceOutcome(path, data)
    rules_here = applicable_rules(data, rules)
    if not rules_here:
        return outcome
    if b"\0" in data:
        outcome.error = "binary file (contains NUL bytes)"
        return outcome
    original_compiles = compiles(data, path)
    if original_compiles is None or (not original_compiles and too_deeply_nested(data)):
        outcome.error = (
            f"too deeply nested to rewrite (over {MAX_BRACKET_DEPTH} nested brackets or "
            f"a syntax tree over {MAX_TREE_DEPTH} levels deep)"
        )
        return outcome
    context = CodemodContext(filename=path)

    def transform() -> tuple[bytes, bytes]:
        module = cst.parse_module(data)
        roundtrip = module.bytes
        for rule in rules_here:
            module = rule(context).transform_module(module)
        return roundtrip, module.bytes

    try:
        roundtrip, transformed = run_with_large_stack(transform)
    except cst.ParserSyntaxError as error:
        outcome.error = f"cannot parse: {error.message} (line {error.raw_line})"
        return outcome
    except RecursionError:
        outcome.error = "too deeply nested for the parser (RecursionError)"
        return outcome
    except (UnicodeError, LookupError, SyntaxError) as error:
        outcome.error = f"cannot decode: {error}"
        return outcome
    outcome.parsed = True
    outcome.findings = sorted(context.scratch.get(FINDINGS_KEY, []))
    if transformed == roundtrip:
        return outcome
    rewritten = splice(data, roundtrip, transformed)
    problem = compile_regression(original_compiles, rewritten, path)
    if problem:
        outcome.error = f"rewrite refused, the result would not compile: {problem}"
        outcome.findings = [f for f in outcome.findings if not f.fixed]
        return outcome
    outcome.rewritten = rewritten
    return outcome


def compiles(data: bytes, path: str) -> bool | None:
    """Whether the running interpreter compiles ``data``; None when it is too deep to rewrite.

    A SyntaxError may only mean newer syntax than this interpreter's, which libcst may still
    parse. Syntax trees deeper than ``MAX_TREE_DEPTH`` (long operator chains, generated code)
    are refused on every Python: libcst's time grows much faster than linearly on them.
    """
    try:
        tree = ast.parse(data, path)
        if tree_depth(tree) > MAX_TREE_DEPTH:
            return None
        compile(tree, path, "exec", dont_inherit=True)
    except (RecursionError, MemoryError):
        return None
    except (SyntaxError, ValueError):
        return False
    return True


def tree_depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, measured without recursion."""
    deepest = 0
    level: list[ast.AST] = [tree]
    while level:
        deepest += 1
        level = [child for node in level for child in ast.iter_child_nodes(node)]
    return deepest


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


def compile_regression(original_compiles: bool, rewritten: bytes, path: str) -> str | None:
    """Why ``rewritten`` fails to compile where the original compiled (None if it is fine).

    Code the running interpreter cannot compile in the first place (newer syntax) is checked
    by re-parsing with libcst instead.
    """
    if not original_compiles:
        try:
            cst.parse_module(rewritten)
        except cst.ParserSyntaxError as error:
            return error.message
        return None
    try:
        compile(rewritten, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return str(error)
    return None


def splice(original: bytes, roundtrip: bytes, transformed: bytes) -> bytes:
    """``transformed``, but with every line the rules left alone taken from ``original``.

    ``roundtrip`` is libcst's output for the unchanged tree. Where it equals the original (the
    usual case) ``transformed`` is the answer. Otherwise lines that differ between
    ``roundtrip`` and ``transformed`` come from ``transformed`` and all others from
    ``original``, so formatting that libcst's round trip loses survives outside the edits.
    """
    if original == roundtrip:
        return transformed
    lines_a = original.splitlines(keepends=True)
    lines_0 = roundtrip.splitlines(keepends=True)
    lines_1 = transformed.splitlines(keepends=True)
    a_to_0 = SequenceMatcher(None, lines_a, lines_0, autojunk=False).get_opcodes()

    def original_lines(start: int, end: int) -> list[bytes]:
        """Lines of ``original`` that stand for ``roundtrip`` lines [start, end)."""
        taken: list[bytes] = []
        for tag, a1, a2, r1, r2 in a_to_0:
            if r1 == r2:  # original lines the round trip dropped
                if start <= r1 < end or r1 == end == len(lines_0):
                    taken.extend(lines_a[a1:a2])
                continue
            low, high = max(start, r1), min(end, r2)
            if low >= high:
                continue
            if tag == "equal":
                taken.extend(lines_a[a1 + low - r1 : a1 + high - r1])
            elif low == r1 and high == r2:
                taken.extend(lines_a[a1:a2])
            else:
                taken.extend(lines_0[low:high])
        return taken

    out: list[bytes] = []
    edits = SequenceMatcher(None, lines_0, lines_1, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in edits:
        out.extend(original_lines(i1, i2) if tag == "equal" else lines_1[j1:j2])
    return b"".join(out)
