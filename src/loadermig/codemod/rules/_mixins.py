"""Mixin bases of a PyLoader/PyPycLoader subclass that LM002/LM003 can see through.

``class L(Mixin, PyLoader)`` becomes ``class L(Mixin, SourceLoader)``. The mixin comes before
the legacy base in the method resolution order, before and after, so its methods win over
both ABCs alike; the only change is which ABC methods stand behind it. That is checked like
the class's own methods (no SourceLoader hook such as ``path_stats``, no ``load_module``...).
It is accepted only when it is a plain class of the same module: no base but ``object``, no
decorator or keyword, an indented body. A mixin after the legacy base, or one imported from
elsewhere, stays a reason to keep the class.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment, ScopeProvider

from ._base import KEPT, Problem, Rule, code
from ._cst_helpers import ClassBody


def local_mixin(
    rule: Rule, owner: cst.ClassDef, arg: cst.Arg, legacy: cst.Arg
) -> cst.ClassDef | Problem:
    """The plain local class ``arg`` names, else why it is not one (a short message and the
    key of its long explanation in the rule's ``DETAILS``)."""
    name = f"base {code(arg.value)} of {owner.name.value}"
    bases = list(owner.bases)
    if arg.star:
        return Problem(f"{KEPT}{name} is not a plain class", "mixin-not-plain")
    if bases.index(arg) > bases.index(legacy):
        return Problem(f"{KEPT}{name} comes after {code(legacy.value)}", "mixin-after-base")
    mixin = _defined_as(rule, arg.value)
    if not isinstance(mixin, cst.ClassDef):
        return Problem(f"{KEPT}{name} is not a class defined in this file", "mixin-not-local")
    plain = all(
        base.keyword is None and not base.star and rule.refers_to(base.value, "builtins.object")
        for base in mixin.bases
    )
    if not plain or mixin.keywords or mixin.decorators:
        return Problem(f"{KEPT}{name} has bases, a metaclass or decorators", "mixin-not-plain")
    if not isinstance(mixin.body, cst.IndentedBlock):
        return Problem(f"{KEPT}{name} has a one-line body", "mixin-one-line-body")
    return mixin


def mixin_hides(mixin: ClassBody, info: ClassBody, name: str) -> bool:
    """Whether the mixin defines ``name`` and the class does not (so the rewrite would add
    one to the class that hides the mixin's)."""
    return mixin.binds(name) and not info.binds(name)


def _defined_as(rule: Rule, name: cst.BaseExpression) -> cst.CSTNode | None:
    """The one node that binds the name ``name`` reads, if there is exactly one."""
    scope = rule.get_metadata(ScopeProvider, name, None) if isinstance(name, cst.Name) else None
    if scope is None:
        return None
    found = {
        referent.node if isinstance(referent, Assignment) else None
        for access in scope.accesses[name]
        if access.node is name
        for referent in access.referents
    }
    return found.pop() if len(found) == 1 else None
