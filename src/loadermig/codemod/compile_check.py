"""Whether the running interpreter compiles a file, before and after the rewrite."""

from __future__ import annotations

import ast

import libcst as cst

from .nesting import MAX_TREE_DEPTH
from .tree_facts import tree_depth


def check_source(data: bytes, path: str) -> tuple[bool | None, ast.Module | None]:
    """Whether the running interpreter compiles ``data`` (None when it is too deep to
    rewrite), and the ``ast`` tree where it parses.

    A SyntaxError may only mean newer syntax than this interpreter's, which libcst may still
    parse. Syntax trees deeper than ``MAX_TREE_DEPTH`` (long operator chains, generated code)
    are refused on every Python: libcst's time grows much faster than linearly on them.
    """
    tree = None
    try:
        tree = ast.parse(data, path)
        if tree_depth(tree) > MAX_TREE_DEPTH:
            return None, None
        compile(tree, path, "exec", dont_inherit=True)
    except (RecursionError, MemoryError):
        return None, None
    except (SyntaxError, ValueError):
        return False, tree
    return True, tree


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
