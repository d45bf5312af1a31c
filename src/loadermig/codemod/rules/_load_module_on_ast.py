"""LM008 decided on ``ast`` where its answer is plain: loaders that already define
``exec_module``.

Vendoring importers (six's ``_SixMetaPathImporter``, setuptools' ``VendorImporter``) keep a
``load_module`` beside the ``exec_module`` the import system has called since Python 3.4;
LM008 leaves such a class alone and says so (``has-exec-module``), and that is the first
thing it checks about the class. Where every ``load_module`` of a file is one of those, or is
not a method a class defines directly (which LM008 does not look at), the findings are made
here, in LM008's own words, and libcst never parses the file. Anything less plain raises
:class:`Unsupported`: the rule then runs on libcst.
"""

from __future__ import annotations

import ast
import re

from ..findings import Finding
from ._ast_scopes import Unsupported
from ._base import Rule
from ._exec_module_conversion import has_exec_module
from ._report_only_on_ast import FileOnAst, require_ast_positions
from .lm008_load_module import LEGACY_ABCS, NOT_DONE, REMOVED_DECORATORS

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: Words that make LM008 leave a class to other rules (LM002-LM005), or look deeper.
_OTHERS_WORDS = re.compile(
    "|".join(rf"\b{word}\b" for word in sorted(REMOVED_DECORATORS | LEGACY_ABCS))
)


def load_module_findings_on_ast(rule: type[Rule], file: FileOnAst) -> list[Finding]:
    """LM008's findings in ``file``, as the libcst rule reports them; raises
    :class:`Unsupported` unless every ``load_module`` is plainly one LM008 keeps."""
    require_ast_positions()
    if _OTHERS_WORDS.search(file.text.text):
        raise Unsupported("a removed decorator or legacy ABC is named (LM002-LM005's)")
    found: list[Finding] = []
    for node in ast.walk(file.tree):
        if not isinstance(node, _DEFS) or node.name != "load_module":
            continue
        owner = file.owning_class(node)
        if owner is None:
            continue  # not a method: LM008 does not look at it
        if not _keeps_for_its_exec_module(owner, node):
            raise Unsupported(f"a load_module() of {owner.name} LM008 may convert")
        problem = has_exec_module(owner.name)
        start, end = file.text.span(node)
        message = NOT_DONE + problem
        found.append(
            rule.finding(file.path, start, end, message, fixed=False, reason=problem.reason)
        )
    return found


def _keeps_for_its_exec_module(owner: ast.ClassDef, method: ast.AST) -> bool:
    """Whether LM008 keeps ``method`` because ``owner`` defines ``exec_module`` itself: a
    plain ``load_module(self, fullname)`` in a class that defines ``exec_module`` by a
    ``def`` in its body, where neither method calls the other (a hand-off LM008 leaves alone
    silently)."""
    if not isinstance(method, ast.FunctionDef) or method.decorator_list:
        return False
    args = method.args
    if (
        args.posonlyargs
        or len(args.args) != 2
        or args.defaults
        or args.vararg
        or args.kwonlyargs
        or args.kwarg
    ):
        return False
    exec_modules = [m for m in owner.body if isinstance(m, _DEFS) and m.name == "exec_module"]
    if not exec_modules:
        return False
    if _calls_method(method, "exec_module"):
        return False  # built on exec_module
    return not any(_calls_method(m, "load_module") for m in exec_modules)  # run by it


def _calls_method(function: ast.AST, name: str) -> bool:
    """Whether ``function`` names an attribute ``name`` anywhere in it (an over-estimate of
    a call of ``self.name(...)``)."""
    return any(isinstance(n, ast.Attribute) and n.attr == name for n in ast.walk(function))
