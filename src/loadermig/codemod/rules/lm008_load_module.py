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
and for ``importlib.reload``.

Any other body is handed off (:mod:`._load_module`): ``load_module`` stays untouched and an
added ``exec_module`` runs it as the fallback did. What cannot be handed off either is
refused with a finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import BuiltinAssignment, ImportAssignment, PositionProvider, ScopeProvider

from ._base import FINDINGS_KEY, KEPT, fitted
from ._cst_helpers import body_statements, parse_method, walk
from ._decorators import SET_LOADER, SET_PACKAGE, decorator_names, removed_decorator
from ._exec_module_conversion import (
    CLASS_DETAILS,
    ClassFacts,
    ExecModuleConversion,
    LoaderClasses,
)
from ._load_module import SHAPE_DETAILS, NotConvertible, Shape, after_guard, read_shape
from ._loader_evidence import (
    IMPORT_HOOK_CLASS_NAME,
    IMPORT_HOOK_METHODS,
    IMPORT_MACHINERY_WORDS,
)
from ._module_attrs import fallback_fill_ins, load_module_on_exec_module
from ._stack_inspection import StackReaders

NOT_DONE = KEPT
#: What becomes of the module, by the shape converted (the key's first part).
_RELOAD = {
    "alias": (
        "The body stays and each return becomes bare: the import system returns whatever "
        "sys.modules[fullname] holds when the loader is done, under the load_module() "
        "fallback and after exec_module() alike. Before each return, the __loader__, "
        "__package__ and __spec__ that Python 3.4-3.11's fallback filled in on the registered "
        "module (each only where missing or None) are filled in the same way, so the aliased "
        "module keeps its own __spec__."
    ),
    "raises": (
        "The method only ever raises, and exec_module() raises the same at the same point; "
        "the import system then removes the module it had registered, so the import still "
        "fails and leaves nothing in sys.modules."
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
#: What callers of the converted loader's load_module() get (the key's end).
_CALLERS = {
    "": (
        "The class has no load_module() any more: code elsewhere that calls "
        "loader.load_module(name) must switch to importlib.import_module(name)."
    ),
    "-loader-base": (
        "load_module(name) now falls back to importlib.abc.Loader's deprecated one (gone in "
        "Python 3.15), so callers should switch to importlib.import_module(name)."
    ),
    "-kept": (
        "Code in this file (the line the finding names) calls load_module(), so the class "
        "keeps one, built on exec_module() as importlib's own _load_module_shim() is: a spec "
        "from importlib.util.spec_from_loader(), the module from module_from_spec(), and "
        "sys.modules[fullname] returned, without the shim's DeprecationWarning (the shim "
        "goes in Python 3.15). Switch those callers to importlib.import_module(name), then "
        "delete it."
    ),
}
_HANDED_OFF = (
    "load_module() stays as it is, for the import system and for every caller, and the "
    "class gets an exec_module() that runs it as the import system's load_module() fallback "
    "(gone in Python 3.15) did, plus create_module() returning None where it has none. The "
    "fallback called load_module() with no sys.modules entry for the name, so exec_module() "
    "first takes out the module the import system registered for it; then load_module() runs, "
    "and what Python 3.4-3.11's fallback filled in on sys.modules[fullname] (__loader__, "
    "__package__, __spec__, each only where missing or None) is filled in the same way. The "
    "import gets whatever sys.modules[fullname] then holds, as it did. Two things differ: "
    "importlib.reload() also runs load_module() without the entry (a reload guard no longer "
    "returns the module unchanged), and when loading fails the import system removes an "
    "entry load_module() left behind, which the fallback kept. The body did not fit the "
    "shapes whose code moves into exec_module() itself (see the rule's documentation)."
)
_CONVERTED = (
    "load_module(self, fullname) became exec_module(self, module), plus create_module() "
    "returning None where the class has none: the import system creates, registers and on "
    "failure removes the module, and sets __name__, __loader__, __package__ and __spec__. "
    "So a reload guard, the removal of sys.modules[fullname] in a cleanup handler and "
    "stacked @set_loader/@set_package (removed from importlib.util in Python 3.12) go."
)
REMOVED_DECORATORS = frozenset({"module_for_loader", "set_loader", "set_package"})
LEGACY_ABCS = frozenset({"PyLoader", "PyPycLoader"})


@dataclass
class _LoadModulePlan:
    """What LM008 does to one load_module(): the shape read, the names it uses, what it adds."""

    shape: Shape
    self_name: str
    name: str
    module_param: str
    add_create_module: bool
    loader_base: bool
    #: ``@set_loader`` / ``@set_package`` decorators to drop.
    decorators: list[cst.Decorator]
    #: The line that uses ``load_module`` (0: none), for which a ``load_module`` stays.
    used_on: int
    #: Hand-off: the local that holds ``sys.modules[fullname]`` for the fill-ins.
    loaded: str = ""


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
    NEEDS_LOADER_CLASS = True  # the rule only converts the methods of loaders
    DETAILS: ClassVar[Mapping[str, str]] = {
        **{
            f"converted-{shape}{base}": " ".join(
                part for part in (_CONVERTED, reload, callers) if part
            )
            for shape, reload in _RELOAD.items()
            for base, callers in _CALLERS.items()
        },
        "converted-handoff": _HANDED_OFF,
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
        "stack": (
            "The class reads the call stack (sys._getframe(), inspect.currentframe() or "
            "stack(), frame.f_back, a traceback of the stack). After the conversion the import "
            "system calls exec_module() through other frames than the load_module() fallback "
            "did, and a load_module() kept for callers adds one more, so a walk of fixed depth "
            "or one skipping frames by name may find another frame. Convert by hand, checking "
            "which frame it must find."
        ),
        "stacklevel": (
            "Code in this file calls load_module(), so a load_module() built on exec_module() "
            "would stay for it, one frame more between that caller and the loader's code. A "
            "warning the class issues with stacklevel= would then be attributed to another "
            "line than before. Switch the callers to importlib.import_module(name) and rerun, "
            "or convert by hand and adjust stacklevel."
        ),
        "rebound-builtin": (
            "The fill-ins added before the returns of an aliasing loader (what the "
            "load_module() fallback set on the module: __loader__, __package__, __spec__) use "
            "getattr, hasattr and AttributeError, and one of these names is rebound where "
            "the method is, so the added code would call something else. Rename that binding "
            "and rerun, or convert by hand."
        ),
        "handoff-decorated": (
            "load_module() would stay for an added exec_module() to run, but it carries "
            "@set_loader or @set_package, removed from importlib.util in Python 3.12. "
            "Remove the decorator (the import system sets __loader__ and __package__), then "
            "rerun."
        ),
        "rebound-sys": (
            "The converted exec_module() takes the import system's module out of sys.modules "
            "before the body runs, as under the fallback, and reads sys.modules[fullname] "
            "afterwards: it needs the name sys, which this file binds to something else. "
            "Rename that binding and rerun."
        ),
        "rebound-module": (
            "Code in this file calls load_module(), so a load_module() built on exec_module() "
            "would stay for it, using the modules sys and importlib (importlib.util); one of "
            "these names is bound to something else in this file. Rename that binding and "
            "rerun, or switch the callers to importlib.import_module(name) and rerun."
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
        self._plans: dict[cst.FunctionDef, _LoadModulePlan] = {}
        self._bare_returns: set[int] = set()
        #: Inner returns (by identity) to precede with the fallback's fill-ins: the module
        #: variable and ``exec_module``'s parameter.
        self._fill_ins: dict[int, tuple[str, str]] = {}
        self._removed_lines: set[int] = set()

    def visit_Module(self, node: cst.Module) -> None:
        """Index the module's classes and its uses of ``load_module``."""
        self._module = node
        self._classes = LoaderClasses(self, node)
        self._stack_readers = StackReaders(node)
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
        apis = [removed_decorator(decorator_names(self, d)) for d in node.decorators]
        if any(api not in (None, SET_LOADER, SET_PACKAGE) for api in apis):
            return  # LM004's (module_for_loader), or unclear: LM005 reports it
        dropped = [d for d, api in zip(node.decorators, apis) if api is not None]
        if owner is None or self._others_domain(owner, dropped):
            return  # LM002-LM005 report on these
        if _built_on_exec_module(node, owner) or _run_by_exec_module(node, owner):
            return  # kept for old callers by an earlier run, or written so by hand
        if not _shows_import_loader(owner, node) and not self._classes.facts(owner).loader_base:
            return  # a load_module of something else (a compiler's IR builder, say)
        try:
            plan = self._plan(node, dropped)
        except NotConvertible as why:
            self.report(node, NOT_DONE + str(why), fixed=False, reason=why.reason)
            return
        self.report(node, self._done_message(plan), fixed=True, reason=self._done_reason(plan))
        if self._in_skipped(node):
            return
        self._plans[node] = plan
        if plan.add_create_module:
            self._create_module_before[node] = plan.self_name
        if plan.shape.handoff:
            return  # load_module stays; leave_ClassDef adds an exec_module running it
        self._bare_returns |= plan.shape.bare_returns
        self._removed_lines |= plan.shape.removed_lines
        top = {id(_single_return(s)) for s in plan.shape.flat}
        for returned, var in plan.shape.fill_ins.items():
            if returned not in top:
                self._fill_ins[returned] = (var, plan.module_param)
        self._retract_lm005(dropped)

    def _retract_lm005(self, decorators: Sequence[cst.Decorator]) -> None:
        """LM005 reported the dropped decorators as needing a person; they are done now."""
        if not decorators:
            return
        places = set()
        for decorator in decorators:
            start = self.get_metadata(PositionProvider, decorator).start
            places.add((start.line, start.column + 1))
        findings = self.context.scratch[FINDINGS_KEY]
        findings[:] = [
            f for f in findings if not (f.rule == "LM005" and (f.line, f.column) in places)
        ]

    def _others_domain(self, owner: cst.ClassDef, dropped: Sequence[cst.Decorator]) -> bool:
        """Whether the class uses a removed decorator or derives from a removed legacy ABC.

        ``module_for_loader``/``set_loader``/``set_package`` (LM004, LM005) and ``PyLoader``/
        ``PyPycLoader`` (LM002, LM003) are the earlier rules' work, which report on them; this
        rule leaves such classes alone until they are converted (by name, whatever it is
        bound to, so that nothing is reported twice). ``@set_loader``/``@set_package`` right
        on the ``load_module`` being converted (``dropped``) are this rule's.
        """
        mine = {id(n) for d in dropped for n in walk(d)}
        if any(
            isinstance(n, cst.Name) and n.value in REMOVED_DECORATORS and id(n) not in mine
            for n in walk(owner)
        ):
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

    def _plan(self, node: cst.FunctionDef, dropped: list[cst.Decorator]) -> _LoadModulePlan:
        other = [d for d in node.decorators if d not in dropped]
        if other:
            code = self._classes.code(other[0].decorator)
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
        if facts.problem is not None:
            raise NotConvertible(facts.problem)
        methods = {
            s.name.value: s for s in body_statements(owner) if isinstance(s, cst.FunctionDef)
        }
        frames = self._first_in_methods(self._stack_readers.first_read, methods)
        if frames is not None:
            raise NotConvertible(
                f"the class reads the call stack (line {self._line(frames)})", "stack"
            )
        use = self._classes.first_load_module_use()
        used_on = 0 if use is None else self._classes.line(use)
        if used_on:
            level = self._first_in_methods(self._stack_readers.first_stacklevel, methods)
            if level is not None:
                raise NotConvertible(
                    f"line {used_on} calls load_module(), whose stacklevel= (line "
                    f"{self._line(level)}) would count one more frame",
                    "stacklevel",
                )
            self._check_bound_to_modules(node, ("sys", "importlib"))
        shape = read_shape(self, node, self_name, name)
        if shape.handoff:
            return self._handoff_plan(node, shape, self_name, name, facts, dropped, used_on)
        if facts.mentions_path and not facts.has_is_package and not _sets_package(shape):
            raise NotConvertible(
                "load_module() sets __path__ but the class has no is_package()", "package"
            )
        if shape.fill_ins:
            self._check_builtins(node, ("getattr", "hasattr", "AttributeError"))
        module_param = shape.module_var
        if shape.alias:
            module_param = _fresh_name(node, "module")
        return _LoadModulePlan(
            shape,
            self_name,
            name,
            module_param,
            not facts.has_create_module,
            facts.loader_base,
            dropped,
            used_on,
        )

    def _handoff_plan(
        self,
        node: cst.FunctionDef,
        shape: Shape,
        self_name: str,
        name: str,
        facts: ClassFacts,
        dropped: list[cst.Decorator],
        used_on: int,
    ) -> _LoadModulePlan:
        """The plan for a ``load_module`` that stays, run by an added ``exec_module``."""
        if dropped:
            raise NotConvertible(
                f"load_module() would stay, with its @{_decorator_api(self, dropped[0])}",
                "handoff-decorated",
            )
        self._check_bound_to_modules(
            node,
            ("sys",),
            NotConvertible("exec_module() needs sys, bound otherwise here", "rebound-sys"),
        )
        self._check_builtins(node, ("getattr", "hasattr", "AttributeError"))
        taken = {self_name, name}
        plan = _LoadModulePlan(
            shape,
            self_name,
            name,
            "module_" if "module" in taken else "module",
            not facts.has_create_module,
            facts.loader_base,
            dropped,
            used_on,
        )
        plan.loaded = "loaded_" if "loaded" in taken else "loaded"
        return plan

    def _exec_module_running_load_module(self, plan: _LoadModulePlan) -> list[str]:
        """``exec_module`` (4-space indents) running the ``load_module`` that stays."""
        me, param, name, loaded = plan.self_name, plan.module_param, plan.name, plan.loaded
        return [
            f"def exec_module({me}, {param}):",
            '    """Run load_module() as the import system\'s load_module() fallback did."""',
            f"    {name} = {param}.__name__",
            "    # The fallback called load_module() with no sys.modules entry for the module:",
            f"    if sys.modules.get({name}) is {param}:",
            f"        del sys.modules[{name}]",
            f"    {me}.load_module({name})",
            f"    {loaded} = sys.modules[{name}]",
            *("    " + line for line in fallback_fill_ins(loaded, param)),
        ]

    def _line(self, node: cst.CSTNode) -> int:
        return self._classes.line(node)

    def _check_builtins(self, node: cst.FunctionDef, names: Sequence[str]) -> None:
        """The code added uses these builtins: they must not be rebound."""
        scope = self.get_metadata(ScopeProvider, node.params.params[1].name, None)
        for name in names:
            if scope is None or not all(isinstance(a, BuiltinAssignment) for a in scope[name]):
                raise NotConvertible(
                    f"the fill-ins it needs use {name}, which is rebound here", "rebound-builtin"
                )

    def _check_bound_to_modules(
        self, node: cst.FunctionDef, names: Sequence[str], refusal: NotConvertible | None = None
    ) -> None:
        """The code added uses these modules: their names must not mean anything else."""
        scope = self.get_metadata(ScopeProvider, node, None)
        for name in names:
            if scope is None or not all(
                isinstance(a, ImportAssignment)
                and {q.name for q in a.get_qualified_names_for(name)} <= {name}
                for a in scope[name]
            ):
                raise refusal or NotConvertible(
                    f"the load_module() kept for callers needs {name}, bound otherwise here",
                    "rebound-module",
                )

    def _first_in_methods(
        self,
        find: Callable[[cst.FunctionDef, Mapping[str, cst.FunctionDef]], cst.CSTNode | None],
        methods: Mapping[str, cst.FunctionDef],
    ) -> cst.CSTNode | None:
        """The first place ``find`` reports in the class's methods or what they call."""
        for method in methods.values():
            found = find(method, methods)
            if found is not None:
                return found
        return None

    def _done_message(self, plan: _LoadModulePlan) -> str:
        shape = plan.shape
        if shape.handoff:
            create = " and create_module()" if plan.add_create_module else ""
            return f"exec_module(){create} added, running load_module() as the fallback did"
        head = "aliasing load_module()" if shape.alias and shape.fill_ins else "load_module()"
        extra = ""
        if plan.decorators:
            names = sorted({f"@{_decorator_api(self, d)}" for d in plan.decorators})
            extra += ", " + " and ".join(names) + " dropped"
        if plan.used_on:
            extra += f", load_module() kept on it for line {plan.used_on}"
        create = " and create_module()" if plan.add_create_module else ""
        return fitted(
            f"{head} converted to exec_module(self, {plan.module_param}){create}{extra}",
            fitted(
                f"{head} converted to exec_module(){create}{extra}",
                f"{head} converted to exec_module(){extra}",
            ),
        )

    def _done_reason(self, plan: _LoadModulePlan) -> str:
        shape = plan.shape
        if shape.handoff:
            return "converted-handoff"
        elif shape.alias:
            kind = "alias" if shape.fill_ins else "raises"
        else:
            kind = "guard" if shape.guard else "reuse" if shape.setdefault else "new"
        callers = "-kept" if plan.used_on else "-loader-base" if plan.loader_base else ""
        return f"converted-{kind}{callers}"

    # -- rewriting ------------------------------------------------------------------------

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        """An early ``return mod`` becomes a bare ``return``."""
        if id(original_node) not in self._bare_returns:
            return updated_node
        return updated_node.with_changes(
            value=None, whitespace_after_return=cst.MaybeSentinel.DEFAULT
        )

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        """A cleanup handler's ``del sys.modules[fullname]`` goes (the import system's job)."""
        if id(original_node) in self._removed_lines:
            return cst.RemoveFromParent()
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        """Before an inner bare ``return``, what the fallback filled in on the module."""
        if not self._fill_ins:
            return updated_node
        statements: list[cst.BaseStatement] = []
        changed = False
        for before, after in zip(original_node.body, updated_node.body):
            found = self._fill_ins.get(id(_single_return(before)))
            if found is not None and isinstance(after, cst.SimpleStatementLine):
                added = self._statements(fallback_fill_ins(*found))
                added[0] = added[0].with_changes(
                    leading_lines=[*after.leading_lines, *added[0].leading_lines]
                )
                statements.extend(added)
                after = after.with_changes(leading_lines=[])
                changed = True
            statements.append(after)
        return updated_node.with_changes(body=statements) if changed else updated_node

    def _statements(self, lines: Sequence[str]) -> list[cst.SimpleStatementLine | cst.If]:
        """Statements from source lines written with 4-space indents."""
        method = parse_method(self._module, ["def _():", *("    " + line for line in lines)])
        assert isinstance(method.body, cst.IndentedBlock)
        found = list(method.body.body)
        assert all(isinstance(s, (cst.SimpleStatementLine, cst.If)) for s in found)
        return found  # type: ignore[return-value]

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Add ``create_module`` before each new ``exec_module``, and ``load_module`` after
        it where the file uses one."""
        updated = super().leave_ClassDef(original_node, updated_node)
        plan = next(
            (
                self._plans[s]
                for s in body_statements(original_node)
                if isinstance(s, cst.FunctionDef) and s in self._plans
            ),
            None,
        )
        if plan is not None and plan.shape.handoff:
            return self._with_exec_module_running_load_module(updated, plan)
        if plan is None or not plan.used_on or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        statements = list(updated.body.body)
        at, indent = _last_method(statements, "exec_module")
        shim = parse_method(
            self._module,
            load_module_on_exec_module(
                plan.self_name,
                plan.name,
                guard=plan.shape.guard,
                registers=not plan.shape.alias,
            ),
            indent,
        )
        self.add_needed_import("importlib.util")
        self.add_needed_import("sys")
        shim = shim.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
        statements.insert(at + 1, shim)
        return updated.with_changes(body=updated.body.with_changes(body=statements))

    def _with_exec_module_running_load_module(
        self, updated: cst.ClassDef, plan: _LoadModulePlan
    ) -> cst.ClassDef:
        """``exec_module`` right before the ``load_module`` kept for callers, running it."""
        assert isinstance(updated.body, cst.IndentedBlock)
        statements = list(updated.body.body)
        at, indent = _last_method(statements, "load_module")
        self.add_needed_import("sys")
        method = parse_method(self._module, self._exec_module_running_load_module(plan), indent)
        method = method.with_changes(leading_lines=[cst.EmptyLine(indent=False)] if at else [])
        statements.insert(at, method)
        return updated.with_changes(body=updated.body.with_changes(body=statements))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        """``load_module`` becomes ``exec_module`` without what the import system does."""
        plan = self._plans.get(original_node)
        if plan is None or plan.shape.handoff:
            return updated_node
        body = updated_node.body
        assert isinstance(body, cst.IndentedBlock)
        assert isinstance(original_node.body, cst.IndentedBlock)
        updated = _pair_flat(original_node.body.body, body.body, plan.shape)
        guard = next((s for s in original_node.body.body if id(s) == plan.shape.guard_id), None)
        if guard is not None:
            self.remove_unused_import_by_node(guard)
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
        final = plan.shape.flat[-1] if plan.shape.flat else None
        var = plan.shape.fill_ins.get(id(_single_return(final)))
        if var is not None:
            kept.extend(self._statements(fallback_fill_ins(var, plan.module_param)))
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
        leading = list(updated_node.leading_lines)
        for decorator in plan.decorators:
            self.remove_unused_import_by_node(decorator)
        for decorator in updated_node.decorators:  # their comments stay
            leading.extend(decorator.leading_lines)
            comment = decorator.trailing_whitespace.comment
            if comment is not None:
                leading.append(cst.EmptyLine(comment=comment))
        return updated_node.with_changes(
            leading_lines=leading,
            decorators=[],
            name=updated_node.name.with_changes(value="exec_module"),
            params=params.with_changes(params=[params.params[0], module]),
            returns=returns,
            body=without_signature_comment(body.with_changes(body=kept)),
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
        if id(before) == shape.guard_id:
            pairs.extend(_guard_rest(before, after))
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


def _guard_rest(
    before: cst.BaseStatement, after: cst.BaseStatement
) -> list[tuple[cst.BaseStatement, cst.BaseStatement]]:
    """The statements that replace a reload guard (its ``elif`` or ``else``), paired."""
    rest = list(zip(after_guard(before), after_guard(after)))
    if rest:  # the guard's own leading lines go to what replaces it
        first_before, first_after = rest[0]
        lines = [*_leading(after), *_leading(first_after)]
        rest[0] = (first_before, _with_leading(first_after, lines))
    return rest


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


def _single_return(statement: cst.CSTNode | None) -> cst.Return | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Return):
            return small
    return None


def _decorator_api(rule: LoadModuleRule, decorator: cst.Decorator) -> str:
    return removed_decorator(decorator_names(rule, decorator)) or "?"


def _last_method(statements: Sequence[cst.BaseStatement], name: str) -> tuple[int, str | None]:
    """Where the class body's last method ``name`` is, and the indent of its body."""
    at = max(
        i
        for i, s in enumerate(statements)
        if isinstance(s, cst.FunctionDef) and s.name.value == name
    )
    method = statements[at]
    assert isinstance(method, cst.FunctionDef)
    return at, method.body.indent if isinstance(method.body, cst.IndentedBlock) else None


_SIGNATURE_COMMENT = re.compile(r"#\s*type:\s*\(")


def without_signature_comment(body: cst.IndentedBlock) -> cst.IndentedBlock:
    """``body`` without a PEP 484 signature type comment (``# type: (str) -> ModuleType``) on
    the ``def`` line or the line after it: it described ``load_module(fullname)``, and above
    a statement added first it would no longer parse as one."""
    header = body.header
    if header.comment is not None and _SIGNATURE_COMMENT.match(header.comment.value):
        body = body.with_changes(
            header=header.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        )
    for at, statement in enumerate(body.body):
        lines = list(getattr(statement, "leading_lines", ()))
        kept = [
            line
            for line in lines
            if line.comment is None or not _SIGNATURE_COMMENT.match(line.comment.value)
        ]
        if len(kept) != len(lines):
            statements = list(body.body)
            statements[at] = statement.with_changes(leading_lines=kept)
            return body.with_changes(body=statements)
        if at >= 1:  # the comment could only be before the first statement or the added one
            break
    return body


def _shows_import_loader(owner: cst.ClassDef, method: cst.FunctionDef) -> bool:
    """Whether the class of a ``load_module`` method is an import loader, by what it shows.

    ``load_module(self, name)`` is also an ordinary method name (mypyc's IR builders emit a
    module load with it); adding ``exec_module`` to such a class would change it for
    nothing. It counts as a loader when its name says so, when it defines another finder or
    loader method, or when the ``load_module`` body uses import machinery (``sys.modules``,
    ``imp``, ``importlib``, module attributes such as ``__loader__``, ``exec``/``compile``).
    The prefilter (``NEEDS_LOADER_CLASS``, :mod:`loadermig.codemod.tree_facts`) admits every
    class that may pass this test or have a loader base: what counts here must count there.
    """
    if IMPORT_HOOK_CLASS_NAME.search(owner.name.value):
        return True
    if any(
        isinstance(s, cst.FunctionDef) and s.name.value in IMPORT_HOOK_METHODS
        for s in body_statements(owner)
    ):
        return True
    for node in walk(method.body):
        if isinstance(node, cst.Name) and node.value in IMPORT_MACHINERY_WORDS:
            return True
        if isinstance(node, cst.Attribute) and node.attr.value in IMPORT_MACHINERY_WORDS:
            return True
        if isinstance(node, cst.SimpleString) and node.evaluated_value in IMPORT_MACHINERY_WORDS:
            return True
    return False


def _run_by_exec_module(method: cst.FunctionDef, owner: cst.ClassDef) -> bool:
    """Whether the class's ``exec_module`` calls ``self.load_module`` (a hand-off)."""
    for statement in body_statements(owner):
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "exec_module":
            params = statement.params.params
            if params and any(
                isinstance(n, cst.Call)
                and isinstance(n.func, cst.Attribute)
                and n.func.attr.value == "load_module"
                and _is_self(n.func.value, params[0].name.value)
                for n in walk(statement.body, nested=False)
            ):
                return True
    return False


def _is_self(node: cst.BaseExpression, self_name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == self_name


def _built_on_exec_module(method: cst.FunctionDef, owner: cst.ClassDef) -> bool:
    """Whether ``load_module`` calls ``self.exec_module`` of a class that defines one."""
    defines = any(
        isinstance(s, cst.FunctionDef) and s.name.value == "exec_module"
        for s in body_statements(owner)
    )
    params = method.params.params
    if not defines or not params:
        return False
    self_name = params[0].name.value
    return any(
        isinstance(n, cst.Call)
        and isinstance(n.func, cst.Attribute)
        and n.func.attr.value == "exec_module"
        and isinstance(n.func.value, cst.Name)
        and n.func.value.value == self_name
        for n in walk(method.body, nested=False)
    )
