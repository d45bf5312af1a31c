"""LM008: hand-written ``load_module(self, fullname)`` -> ``create_module`` + ``exec_module``.

The import system has called ``exec_module`` instead of ``load_module`` since Python 3.4; the
``load_module`` fallback warns since 3.10 and is announced for removal in 3.15. Under
``exec_module`` the import system creates the module, registers it in ``sys.modules``, sets
``__name__``/``__loader__``/``__package__``/``__spec__`` (and ``__file__``/``__path__`` from
the spec), removes it again if execution fails, and returns whatever ``sys.modules[name]``
holds afterwards. So a loader that creates, registers and executes a module keeps only the
executing part (see :mod:`._load_module` for the shapes), and a loader that aliases another
module into ``sys.modules[fullname]`` keeps doing exactly that in ``exec_module``, which leaves
the aliased module's own ``__spec__`` alone (``importlib.reload`` of it keeps working).

In ``exec_module`` the name is read once, before anything runs, as ``fullname =
module.__name__``: the import system sets ``__name__`` to the spec's name both for an import
and for ``importlib.reload``. Everything else is refused with a finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext

from ._base import Problem
from ._classes import walk
from ._decorators import (
    CLASS_DETAILS,
    ExecModuleConversion,
    LoaderClasses,
    decorator_names,
    removed_decorator,
)
from ._load_module import SHAPE_DETAILS, NotConvertible, Shape, read_shape

NOT_DONE = "kept: "
#: What becomes of the module on reload, by the shape converted (the key's first part).
_RELOAD = {
    "alias": (
        "exec_module() puts the aliased module into sys.modules, and the import returns it "
        "with its own __spec__ untouched."
    ),
    "guard": (
        "importlib.reload() now re-executes the module in place (the dropped sys.modules "
        "guard made it return the module unchanged)."
    ),
    "new": (
        "importlib.reload() now re-executes the existing module object instead of replacing "
        "it with a new one."
    ),
    "reuse": "",
}
#: What callers of the converted loader's load_module() get, by its base (the key's end).
_CALLERS = {
    "": (
        "The class has no load_module() any more: code elsewhere that calls "
        "loader.load_module(name) must switch to importlib.import_module(name)."
    ),
    "-loader-base": (
        "load_module(name) now falls back to importlib.abc.Loader's deprecated one (gone in "
        "Python 3.15), so callers should switch to importlib.import_module(name)."
    ),
}
_CONVERTED = (
    "load_module(self, fullname) became exec_module(self, module), plus create_module() "
    "returning None where the class has none: the import system creates, registers and on "
    "failure removes the module, and sets __name__, __loader__, __package__ and __spec__."
)
REMOVED_DECORATORS = frozenset({"module_for_loader", "set_loader", "set_package"})
LEGACY_ABCS = frozenset({"PyLoader", "PyPycLoader"})


@dataclass
class _Plan:
    shape: Shape
    self_name: str
    name: str
    module_param: str
    add_create_module: bool
    loader_base: bool


class LoadModuleRule(ExecModuleConversion):
    """Rewrite a hand-written PEP 302 ``load_module(self, fullname)`` into ``exec_module``."""

    ID = "LM008"
    TITLE = "hand-written `load_module(self, fullname)` -> `create_module` + `exec_module`"
    REMOVAL = (
        "the import system's load_module() fallback warns since Python 3.10 "
        "and is to be removed in 3.15"
    )
    TRIGGERS = (b"load_module",)
    PATTERN = re.compile(rb"\bdef[\s\\]+load_module\b")  # the rule only rewrites definitions
    NEEDS_CLASS_BINDING = ("load_module",)
    DETAILS: ClassVar[Mapping[str, str]] = {
        **{
            f"converted-{shape}{base}": " ".join(
                part for part in (_CONVERTED, reload, callers) if part
            )
            for shape, reload in _RELOAD.items()
            for base, callers in _CALLERS.items()
        },
        **SHAPE_DETAILS,
        **CLASS_DETAILS,
        "decorated": (
            "load_module() is decorated with something this rule does not know, which would "
            "then wrap exec_module(module) instead. Decide how it applies, then convert by hand."
        ),
        "signature": (
            "load_module() does not have the signature load_module(self, fullname) (async, "
            "other or default parameters), so it cannot become exec_module(self, module). "
            "Convert by hand."
        ),
        "package": (
            "load_module() sets __path__, but the class has no is_package() and the method "
            "does not set __package__ next to it. After the conversion __package__ would come "
            "from the module spec, which then marks no module as a package. Add "
            "is_package(fullname), then rerun."
        ),
        "called": (
            "Code in this file uses load_module (a call, an attribute, a getattr string), "
            "which the class would no longer define after the conversion. Switch that code to "
            "importlib.import_module(name), then rerun."
        ),
    }
    BEFORE = (
        "import sys\n"
        "import types\n"
        "\n"
        "\n"
        "class Loader:\n"
        "    def load_module(self, fullname):\n"
        "        if fullname in sys.modules:\n"
        "            return sys.modules[fullname]\n"
        "        mod = types.ModuleType(fullname)\n"
        "        mod.__loader__ = self\n"
        "        sys.modules[fullname] = mod\n"
        "        exec(self.get_code(fullname), mod.__dict__)\n"
        "        return mod\n"
    )
    AFTER = (
        "class Loader:\n"
        "    def create_module(self, spec):\n"
        "        return None\n"
        "\n"
        "    def exec_module(self, mod):\n"
        "        fullname = mod.__name__\n"
        "        exec(self.get_code(fullname), mod.__dict__)\n"
    )

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._plans: dict[cst.FunctionDef, _Plan] = {}
        self._bare_returns: set[int] = set()

    def visit_Module(self, node: cst.Module) -> None:
        """Index the module's classes and its uses of ``load_module``."""
        self._classes = LoaderClasses(self, node)
        self._classes_named: dict[str, list[cst.ClassDef]] = {}
        for cls in walk(node):
            if isinstance(cls, cst.ClassDef):
                self._classes_named.setdefault(cls.name.value, []).append(cls)

    # -- deciding -------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Decide about a ``load_module`` method defined directly in a class body."""
        if node.name.value != "load_module":
            return
        owner = self._classes.owner(node)
        if owner is None or self._others_domain(owner):
            return  # LM002-LM005 report on these
        if any(removed_decorator(decorator_names(self, d)) for d in node.decorators):
            return  # (the decorator imported under another name)
        try:
            plan = self._plan(node)
        except NotConvertible as why:
            self.report(node, NOT_DONE + str(why), fixed=False, reason=why.reason)
            return
        self._plans[node] = plan
        if plan.add_create_module:
            self._create_module_before[node] = plan.self_name
        self._bare_returns |= plan.shape.bare_returns
        self.report(node, self._done_message(plan), fixed=True, reason=self._done_reason(plan))

    def _others_domain(self, owner: cst.ClassDef) -> bool:
        """Whether the class uses a removed decorator or derives from a removed legacy ABC.

        ``module_for_loader``/``set_loader``/``set_package`` (LM004, LM005) and ``PyLoader``/
        ``PyPycLoader`` (LM002, LM003) are the earlier rules' work, which report on them; this
        rule leaves such classes alone until they are converted (by name, whatever it is
        bound to, so that nothing is reported twice).
        """
        if any(isinstance(n, cst.Name) and n.value in REMOVED_DECORATORS for n in walk(owner)):
            return True
        return any(self._legacy_abc(base.value, set()) for base in owner.bases)

    def _legacy_abc(self, base: cst.BaseExpression, seen: set[int]) -> bool:
        name = base.attr.value if isinstance(base, cst.Attribute) else None
        name = base.value if isinstance(base, cst.Name) else name
        if name in LEGACY_ABCS:
            return True
        for cls in self._classes_named.get(name or "", ()):
            if id(cls) not in seen:
                seen.add(id(cls))
                if any(self._legacy_abc(b.value, seen) for b in cls.bases):
                    return True
        return False

    def _plan(self, node: cst.FunctionDef) -> _Plan:
        if node.decorators:
            code = self._classes.code(node.decorators[0].decorator)
            raise NotConvertible(f"load_module() is decorated (@{code})", "decorated")
        params = node.params
        if (
            node.asynchronous
            or params.posonly_params
            or len(params.params) != 2
            or any(p.default is not None for p in params.params)
            or not isinstance(params.star_arg, cst.MaybeSentinel)
            or params.kwonly_params
            or params.star_kwarg is not None
        ):
            raise NotConvertible("the signature is not load_module(self, fullname)", "signature")
        self_name, name = (p.name.value for p in params.params)
        owner = self._classes.owner(node)
        assert owner is not None
        facts = self._classes.facts(owner)
        problem = facts.problem or self._file_problem()
        if problem is not None:
            raise NotConvertible(problem)
        shape = read_shape(self, node, self_name, name)
        if facts.mentions_path and not facts.has_is_package and not _sets_package(shape):
            raise NotConvertible(
                "load_module() sets __path__ but the class has no is_package()", "package"
            )
        module_param = shape.module_var
        if shape.alias:
            module_param = _fresh_name(node, "module")
        return _Plan(
            shape, self_name, name, module_param, not facts.has_create_module, facts.loader_base
        )

    def _file_problem(self) -> Problem | None:
        use = self._classes.first_load_module_use()
        if use is None:
            return None
        return Problem(f"load_module is used on line {self._classes.line(use)}", "called")

    def _done_message(self, plan: _Plan) -> str:
        head = "aliasing load_module()" if plan.shape.alias else "load_module()"
        message = f"{head} converted to exec_module(self, {plan.module_param})"
        if plan.add_create_module:
            message += " and create_module()"
        return message

    def _done_reason(self, plan: _Plan) -> str:
        shape = plan.shape
        kind = "alias" if shape.alias else "guard" if shape.guard else "reuse"
        if kind == "reuse" and not shape.setdefault:
            kind = "new"
        return f"converted-{kind}{'-loader-base' if plan.loader_base else ''}"

    # -- rewriting ------------------------------------------------------------------------

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        """An early ``return mod`` becomes a bare ``return``."""
        if id(original_node) not in self._bare_returns:
            return updated_node
        return updated_node.with_changes(
            value=None, whitespace_after_return=cst.MaybeSentinel.DEFAULT
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        """``load_module`` becomes ``exec_module`` without what the import system does."""
        plan = self._plans.get(original_node)
        if plan is None:
            return updated_node
        body = updated_node.body
        assert isinstance(body, cst.IndentedBlock)
        assert isinstance(original_node.body, cst.IndentedBlock)
        updated = _pair_flat(original_node.body.body, body.body, plan.shape)
        kept: list[cst.BaseStatement] = []
        for before, after in updated:
            if id(before) in plan.shape.dropped:
                self.remove_unused_import_by_node(before)
            else:
                kept.append(after)
        if plan.shape.name_still_used:
            snapshot = cst.SimpleStatementLine(
                [
                    cst.Assign(
                        [cst.AssignTarget(cst.Name(plan.name))],
                        cst.Attribute(cst.Name(plan.module_param), cst.Name("__name__")),
                    )
                ]
            )
            at = 1 if kept and _is_docstring(kept[0]) else 0
            kept.insert(at, snapshot)
        if not kept:
            kept = [cst.SimpleStatementLine([cst.Pass()])]
        params = updated_node.params
        module = params.params[1].with_changes(name=cst.Name(plan.module_param), annotation=None)
        if original_node.params.params[1].annotation is not None:
            self.remove_unused_import_by_node(original_node.params.params[1].annotation)
        returns = updated_node.returns
        if returns is not None and original_node.returns is not None:
            self.remove_unused_import_by_node(original_node.returns)
            returns = returns.with_changes(annotation=cst.Name("None"))
        return updated_node.with_changes(
            name=updated_node.name.with_changes(value="exec_module"),
            params=params.with_changes(params=[params.params[0], module]),
            returns=returns,
            body=body.with_changes(body=kept),
        )


def _pair_flat(
    original: Sequence[cst.BaseStatement],
    updated: Sequence[cst.BaseStatement],
    shape: Shape,
) -> list[tuple[cst.BaseStatement, cst.BaseStatement]]:
    """Original and updated statements side by side, with the cleanup ``try`` unwrapped."""
    flat_ids = {id(s) for s in shape.flat}
    pairs: list[tuple[cst.BaseStatement, cst.BaseStatement]] = []
    for before, after in zip(original, updated):
        if id(before) in flat_ids:
            pairs.append((before, after))
            continue
        assert isinstance(before, cst.Try) and isinstance(after, cst.Try)
        assert isinstance(before.body, cst.IndentedBlock)
        assert isinstance(after.body, cst.IndentedBlock)
        inner = list(zip(before.body.body, after.body.body))
        if inner:  # the try's own leading lines go to its first statement
            first_before, first_after = inner[0]
            lines = [*after.leading_lines, *_leading(first_after)]
            inner[0] = (first_before, _with_leading(first_after, lines))
        pairs.extend(inner)
    return pairs


def _leading(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return list(statement.leading_lines)
    return []


def _with_leading(statement: cst.BaseStatement, lines: list[cst.EmptyLine]) -> cst.BaseStatement:
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return statement.with_changes(leading_lines=lines)
    return statement


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _sets_package(shape: Shape) -> bool:
    """Whether every block that sets ``mod.__path__`` also sets ``mod.__package__``."""
    var = shape.module_var

    def sets(statement: cst.CSTNode, attr: str) -> bool:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        return any(
            isinstance(small, cst.Assign)
            and any(
                isinstance(t.target, cst.Attribute)
                and isinstance(t.target.value, cst.Name)
                and t.target.value.value == var
                and t.target.attr.value == attr
                for t in small.targets
            )
            for small in statement.body
        )

    blocks: list[list[cst.CSTNode]] = [list(shape.flat)]
    for statement in shape.flat:
        for node in walk(statement):
            if isinstance(node, cst.IndentedBlock):
                blocks.append(list(node.body))
    for block in blocks:
        if any(sets(s, "__path__") for s in block) and not any(
            sets(s, "__package__") for s in block
        ):
            return False
    return True


def _fresh_name(node: cst.FunctionDef, wanted: str) -> str:
    used = {n.value for n in walk(node) if isinstance(n, cst.Name)}
    name = wanted
    while name in used:
        name += "_"
    return name
