"""LM009: ``imp.new_module(name)`` → ``types.ModuleType(name)``.

``imp`` left the standard library in Python 3.12. Its ``new_module(name)`` was
``return types.ModuleType(name)`` on every Python 3 release, so a call with exactly the name
argument (positional or ``name=``) means the same anywhere, not only in loader code: the rule
rewrites every such call, adds ``import types`` and drops the ``imp`` import once nothing
uses it. It refuses, with a finding, other uses (``types.ModuleType`` also takes a ``doc``
argument and is a class, so passing ``new_module`` around is not the same), names that may
also mean something other than ``imp.new_module``, and files in which ``types`` may not be
the standard module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import libcst as cst

from ._base import KEPT, code, fitted
from ._imp import REMOVED, ImpRule, ImpUse, imp_use

NEW_MODULE = "imp.new_module"
FIXED = "imp.new_module(name) replaced by types.ModuleType(name)"
_REMOVED = REMOVED[:1].upper() + REMOVED[1:] + "."


class ImpNewModuleRule(ImpRule):
    """Rewrite ``imp.new_module(name)`` calls to ``types.ModuleType(name)``."""

    ID = "LM009"
    TITLE = "`imp.new_module(name)` (imp removed in 3.12) → `types.ModuleType(name)`"
    NEEDS_IMPORT = ("imp",)
    # Every use it reports or rewrites is qualified as imp.new_module: the name is written
    # in it, or in the import that binds it.
    TRIGGERS = (b"new_module",)
    DETAILS: ClassVar[Mapping[str, str]] = {
        "replaced": (
            f"{_REMOVED} types.ModuleType(name) creates the same empty module that "
            "imp.new_module(name) did, all it did."
        ),
        "uncertain": (
            f"{_REMOVED} This name may be imp.new_module or something else, depending on which "
            "binding ran. Give it one meaning (types.ModuleType(name) does what "
            "imp.new_module(name) did), then rerun."
        ),
        "odd-call": (
            f"{_REMOVED} imp.new_module is called with other arguments than one name. Call "
            "types.ModuleType(name) by hand (it also accepts a doc argument, which new_module "
            "refused)."
        ),
        "other-use": (
            f"{_REMOVED} imp.new_module is used other than in a call. Use types.ModuleType by "
            "hand (unlike new_module it is a class and also accepts a doc argument)."
        ),
        "types-taken": (
            f"{_REMOVED} The name `types` may not mean the standard module here (bound to "
            "something else, a star import, or used unbound), so types.ModuleType might not be "
            "the module type. Call the standard types.ModuleType(name) by hand."
        ),
    }
    BEFORE = (
        "import imp\n"
        "\n"
        "\n"
        "class Loader:\n"
        "    def create_module(self, spec):\n"
        "        return imp.new_module(spec.name)\n"
    )
    AFTER = (
        "import types\n"
        "\n"
        "\n"
        "class Loader:\n"
        "    def create_module(self, spec):\n"
        "        return types.ModuleType(spec.name)\n"
    )

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._rewrite: set[cst.Call] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        """Names in import statements are bindings, not uses."""
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        """As ``visit_Import``."""
        return False

    def visit_Call(self, node: cst.Call) -> None:
        """Decide on a call of ``imp.new_module``; other uses are left to ``_other_use``."""
        use = imp_use(self, node.func)
        if use is None or use.meanings != (NEW_MODULE,):
            return
        self.seen.add(node.func)
        if not use.certain:
            self.report(node, _uncertain(node.func, use), fixed=False, reason="uncertain")
        elif not _one_name_argument(node.args):
            self.report(node, _odd_call(node), fixed=False, reason="odd-call")
        else:
            problem = self.name_problem("types")
            if problem is not None:
                self.report(node, _types_taken(problem), fixed=False, reason="types-taken")
            else:
                self._rewrite.add(node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        """Replace the function of a call decided on in ``visit_Call``."""
        if original_node not in self._rewrite:
            return updated_node
        self.report(original_node, FIXED, fixed=True, reason="replaced")
        self.add_needed_import("types")
        self.remove_unused_import_by_node(original_node.func)
        func = cst.Attribute(cst.Name("types"), cst.Name("ModuleType"))
        return updated_node.with_changes(func=func)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        """Report ``imp.new_module`` used other than as the function of a call."""
        return self._other_use(node)

    def visit_Name(self, node: cst.Name) -> bool:
        """As ``visit_Attribute``, for ``from imp import new_module``."""
        return self._other_use(node)

    def _other_use(self, node: cst.Attribute | cst.Name) -> bool:
        use = imp_use(self, node)
        if use is None or NEW_MODULE not in use.meanings:
            return True
        if node not in self.seen:
            if use.certain:
                self.report(node, _other_use_message(node), fixed=False, reason="other-use")
            else:
                self.report(node, _uncertain(node, use), fixed=False, reason="uncertain")
        return False


def _one_name_argument(args: Sequence[cst.Arg]) -> bool:
    """Whether a call passes exactly new_module's one argument (positional or ``name=``)."""
    if len(args) != 1 or args[0].star:
        return False
    keyword = args[0].keyword
    return keyword is None or keyword.value == "name"


def _uncertain(node: cst.CSTNode, use: ImpUse) -> str:
    return fitted(
        f"kept: `{code(node)}` may be {use.alternatives()}",
        f"kept: `{code(node)}` may be imp.new_module or something else",
    )


def _what(node: cst.CSTNode) -> str:
    text = code(node)
    return NEW_MODULE if text == NEW_MODULE else f"`{text}` (imp.new_module)"


def _odd_call(call: cst.Call) -> str:
    return fitted(
        f"kept: {_what(call.func)} is called with other arguments than one name",
        "kept: imp.new_module is called with other arguments than one name",
    )


def _other_use_message(node: cst.CSTNode) -> str:
    return fitted(
        f"kept: {_what(node)} is used other than in a call",
        "kept: imp.new_module is used other than in a call",
    )


def _types_taken(problem: str) -> str:
    return fitted(
        f"{KEPT}imp.new_module(name) not replaced: {problem}",
        f"{KEPT}imp.new_module(name) not replaced: `types` may mean something else",
    )
