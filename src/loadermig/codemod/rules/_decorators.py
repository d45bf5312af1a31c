"""Shared by LM004, LM005 and LM008: the removed ``importlib.util`` loader decorators.

``module_for_loader``, ``set_loader`` and ``set_package`` left ``importlib.util`` in Python
3.12; ``loadermig.shim.compat`` has backports of all three, which the rules treat the same way.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

from ._base import Rule

SHIM = "loadermig.shim.compat."
#: The modules the decorators come from.
MODULES = ("importlib.util", SHIM.rstrip("."))
MODULE_FOR_LOADER = "module_for_loader"
SET_LOADER = "set_loader"
SET_PACKAGE = "set_package"
_REMOVED = {
    prefix + api: api
    for prefix in (module + "." for module in MODULES)
    for api in (MODULE_FOR_LOADER, SET_LOADER, SET_PACKAGE)
}


def removed_decorator(names: Collection[str]) -> str | None:
    """Which removed decorator the qualified ``names`` of an expression denote, if any.

    ``"module_for_loader"``, ``"set_loader"`` or ``"set_package"`` when every name is that
    API (from ``importlib.util`` or the shim); ``"?"`` when only some of them are a removed
    decorator (say, a name bound by an import in one branch and by a ``def`` in another);
    None when none is.
    """
    apis = {_REMOVED.get(name) for name in names}
    if not apis or apis == {None}:
        return None
    if len(apis) == 1:
        return apis.pop()
    return "?"


def decorator_names(rule: Rule, decorator: cst.Decorator) -> set[str]:
    """The qualified names of a plain ``@name`` / ``@module.name`` decorator.

    Empty for any other decorator expression: in ``@module_for_loader(...)`` the decorator is
    what the call returns, not ``module_for_loader`` itself.
    """
    if isinstance(decorator.decorator, (cst.Name, cst.Attribute)):
        return rule.qualified_names(decorator.decorator)
    return set()


def denotes(names: Collection[str], api: str) -> bool:
    """Whether one of the qualified ``names`` is the removed decorator ``api``."""
    return any(_REMOVED.get(name) == api for name in names)


def from_shim(names: Collection[str]) -> bool:
    """Whether every one of the qualified ``names`` is a ``loadermig.shim.compat`` backport."""
    return bool(names) and all(name.startswith(SHIM) for name in names)
