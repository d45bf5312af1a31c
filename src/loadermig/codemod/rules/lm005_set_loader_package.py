"""LM005: ``@set_loader`` / ``@set_package`` outside a ``module_for_loader`` stack.

Both decorators left ``importlib.util`` in Python 3.12. They fix up the module a hand-written
``load_module(self, fullname)`` returns. Nothing can take their place without converting that
method to ``exec_module`` (the import system then sets ``__loader__`` and ``__package__``
itself), and merely deleting them would change what direct callers of ``load_module`` get.
LM008 drops them with the ``load_module`` it converts (and withdraws these findings); every
other use is reported for a person to handle. Stacks with ``module_for_loader`` are LM004's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst
from libcst.metadata import ExpressionContext, ExpressionContextProvider

from ._base import Rule
from ._decorators import (
    MODULE_FOR_LOADER,
    MODULES,
    SET_LOADER,
    SET_PACKAGE,
    decorator_names,
    denotes,
    from_shim,
)

_SETS = {SET_LOADER: "__loader__", SET_PACKAGE: "__package__"}


def _reason(api: str, *, decorator: bool, shim: bool) -> str:
    """The key of a finding's details: ``set_loader-decorator-shim`` and so on."""
    return f"{api}-{'decorator' if decorator else 'use'}-{'shim' if shim else 'removed'}"


def _details(api: str, *, decorator: bool, shim: bool) -> str:
    """Why such a use is left alone, and the ways out."""
    attribute = _SETS[api]
    if decorator:
        what = f"@{api}"
        way_out = (
            "convert the load_module(fullname) it decorates to create_module/"
            f"exec_module(module), for which the import system sets {attribute} itself "
            "(LM008 does so, dropping the decorator, wherever the method has a shape it "
            "converts)"
        )
    else:
        what = f"{api} (used here other than as a decorator)"
        way_out = (
            "move the load_module(fullname) it serves to create_module/exec_module(module), "
            f"for which the import system sets {attribute} itself"
        )
    if shim:
        return f"{what} comes from loadermig.shim.compat; to drop the shim, {way_out}."
    return (
        f"{what} was removed from importlib.util in Python 3.12: {way_out}, or import "
        f"{api} from loadermig.shim.compat."
    )


class SetLoaderPackageRule(Rule):
    """Report ``set_loader`` / ``set_package`` wherever LM004 did not take care of them."""

    ID = "LM005"
    TITLE = "`@set_loader` / `@set_package` (removed in 3.12) that LM008 cannot drop: reported"
    ONLY_REPORTS = True
    TRIGGERS = (b"set_loader", b"set_package")
    NEEDS_NAME_FROM = MODULES  # it reports names qualified as the decorators of these
    BEFORE = (
        "from importlib.util import set_loader\n"
        "\n"
        "class Loader:\n"
        "    @set_loader\n"
        "    def load_module(self, fullname):\n"
        "        ...\n"
    )
    AFTER = (
        "(unchanged where LM008 leaves the load_module it decorates; a finding explains how to "
        "convert it to exec_module)\n"
    )
    DETAILS: ClassVar[Mapping[str, str]] = {
        _reason(api, decorator=decorator, shim=shim): _details(api, decorator=decorator, shim=shim)
        for api in _SETS
        for decorator in (True, False)
        for shim in (True, False)
    }

    # (ignore: Rule's unannotated tuple narrows libcst's ClassVar[Collection[ProviderT]])
    METADATA_DEPENDENCIES = (
        *Rule.METADATA_DEPENDENCIES,
        ExpressionContextProvider,
    )

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._skip: set[cst.CSTNode] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Leave decorator stacks that include ``module_for_loader`` to LM004."""
        names = [decorator_names(self, d) for d in node.decorators]
        if any(denotes(found, MODULE_FOR_LOADER) for found in names):
            self._skip.update(d.decorator for d in node.decorators)

    def visit_Decorator(self, node: cst.Decorator) -> None:
        """Report a ``@set_loader`` / ``@set_package`` decorator."""
        if node.decorator in self._skip:
            return
        names = decorator_names(self, node)
        api = _api(names)
        if api is not None:
            self._skip.add(node.decorator)
            self.report(
                node,
                _message(api, names, decorator=True),
                fixed=False,
                reason=_reason(api, decorator=True, shim=from_shim(names)),
            )

    def visit_Name(self, node: cst.Name) -> None:
        """Report ``set_loader`` used other than as a decorator."""
        self._other_use(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Report ``util.set_package`` used other than as a decorator."""
        self._other_use(node)

    def _other_use(self, node: cst.Name | cst.Attribute) -> None:
        if node in self._skip:
            return
        if self.get_metadata(ExpressionContextProvider, node, None) is not ExpressionContext.LOAD:
            return  # a binding (def, assignment target), not a use
        names = self.qualified_names(node)
        api = _api(names)
        if api is not None:
            self.report(
                node,
                _message(api, names, decorator=False),
                fixed=False,
                reason=_reason(api, decorator=False, shim=from_shim(names)),
            )


def _api(names: set[str]) -> str | None:
    """``set_loader`` or ``set_package`` when one of ``names`` is that decorator."""
    return next((api for api in _SETS if denotes(names, api)), None)


def _message(api: str, names: set[str], *, decorator: bool) -> str:
    """What the finding says: what is left alone, and why."""
    what = f"@{api}" if decorator else api
    where = "from loadermig.shim.compat" if from_shim(names) else "(removed in Python 3.12)"
    if decorator:
        return f"kept: {what} {where} needs its load_module() converted by hand"
    return f"kept: {what} {where} is used other than as a decorator"
