"""LM100 (``--fallback shim``): what the standard-library rules left legacy moves onto the shim.

Runs only with ``rewrite --fallback shim`` (``fallback = "shim"`` in ``[tool.loadermig]``),
after every standard-library rule, on what they left: a class that still defines
``load_module`` without ``exec_module`` gets ``@loadermig.shim.legacy_loader`` (its own
``load_module`` then runs through ``create_module``/``exec_module`` with ``wrap_legacy``'s
guarantees), and imports of the removed ``importlib.abc.PyLoader``/``PyPycLoader`` and
``importlib.util.module_for_loader``/``set_loader``/``set_package`` come from
``loadermig.shim.compat``, their documented contracts; a finder that LM006/LM007 keep only
for reasons the class answers at run time gets ``@loadermig.shim.legacy_finder``. The result
needs none of the import system's legacy fallbacks, with ``loadermig`` as a runtime dependency
(the shim is standard library only). The kept findings of LM002-LM008 inside a class moved
this way give way to this rule's fixed ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    PositionProvider,
    ScopeProvider,
)

from ..findings import Finding
from ._base import FINDINGS_KEY, KEPT, Rule, fitted
from ._cst_walk import visit_without_rebuild
from ._shared import statement_span

COMPAT = "loadermig.shim.compat"
#: The removed APIs ``loadermig.shim.compat`` has, by the module they were removed from.
REMOVED = {
    "importlib.abc": ("PyLoader", "PyPycLoader"),
    "importlib.util": ("module_for_loader", "set_loader", "set_package"),
}
_REMOVED_NAMES = {f"{module}.{name}": name for module, names in REMOVED.items() for name in names}
_SHIM_NAMES = {f"{COMPAT}.{name}" for name in _REMOVED_NAMES.values()}
#: The qualified names of the class decorators this rule adds.
LEGACY_LOADER = ("loadermig.shim.legacy_loader", "loadermig.shim.loaders.legacy_loader")
LEGACY_FINDER = ("loadermig.shim.legacy_finder", "loadermig.shim.finders.legacy_finder")
#: The rules whose kept findings inside a class this rule's move settles.
SETTLED = ("LM002", "LM003", "LM004", "LM005", "LM008")
FINDER_RULES = ("LM006", "LM007")
#: Why LM006/LM007 keep a finder, where ``@legacy_finder`` is faithful all the same: it reads
#: neither the method's decorators nor the class's bases or keywords from the source (it asks
#: the class at run time), uses no name of the file, and its frame sits where the fallback's
#: did. Their other reasons (``super()`` into importlib's defaults, which would recurse, a path
#: hook reading ``path``, ``__getattr__``, async methods, signatures) keep the class.
FINDER_MOVABLE = frozenset(
    {"decorated", "binding", "class-keyword", "unknown-base", "importlib", "stack"}
)
#: Importlib loaders whose ``exec_module`` a subclass inherits: the import system never calls
#: the subclass's ``load_module``, so there is nothing to move.
_MODERN_BASES = frozenset(
    f"importlib.{name}"
    for name in (
        "abc.InspectLoader",
        "abc.ExecutionLoader",
        "abc.FileLoader",
        "abc.SourceLoader",
        "machinery.SourceFileLoader",
        "machinery.SourcelessFileLoader",
        "machinery.ExtensionFileLoader",
    )
) | {f"{COMPAT}.PyLoader", f"{COMPAT}.PyPycLoader"}
_TRADE = (
    " The code now imports loadermig at run time: add it to the project's dependencies. The "
    "shim is standard library only and uses none of the fallbacks 3.15 removes; to drop the "
    "dependency later, port the class by hand (the rules say what stood in the way)."
)


def _tries(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.Try, cst.TryStar))


class ShimFallbackRule(Rule):
    """Move what has no faithful standard-library rewrite onto ``loadermig.shim``."""

    ID = "LM100"
    TITLE = "--fallback shim: legacy hooks the rules left run on loadermig.shim"
    TRIGGERS = (
        b"load_module",
        b"find_module",
        b"find_loader",
        b"PyLoader",
        b"PyPycLoader",
        b"module_for_loader",
        b"set_loader",
        b"set_package",
    )
    METADATA_DEPENDENCIES = (PositionProvider, ExpressionContextProvider, ScopeProvider)
    REMOVAL = (
        "the load_module() fallback warns since Python 3.10 and is announced for removal in "
        "3.15; PyLoader/PyPycLoader left in 3.4, module_for_loader, set_loader and "
        "set_package in 3.12"
    )
    DETAILS: ClassVar[Mapping[str, str]] = {
        "legacy-loader": (
            "The standard-library rules found no faithful rewrite of this load_module() "
            "(see their kept finding, which this one replaces), so the class got "
            "@loadermig.shim.legacy_loader: it adds create_module() and exec_module(), which "
            "run the class's own load_module() once per import with the guarantees of "
            "loadermig.shim.wrap_legacy (no sys.modules entry for the name while it runs, "
            "whatever it leaves in sys.modules is what the import returns, __loader__, "
            "__package__ and __spec__ filled in only where it left them unset, only the failing "
            "module removed on failure, one frame between the import system and load_module() "
            "that reads as the import system's). The import system no longer needs its "
            "load_module() fallback, and load_module() stays for callers." + _TRADE
        ),
        "compat-import": (
            "This API was removed from the standard library; it is now imported from "
            "loadermig.shim.compat, which implements its documented 3.2-3.11 contract on "
            "every Python (as a PEP 451 loader for PyLoader and PyPycLoader, without any "
            "DeprecationWarning)." + _TRADE
        ),
        "compat-base": (
            "The class's base was removed from importlib.abc; it is now "
            "loadermig.shim.compat's, with the documented 3.2 contract and create_module()/"
            "exec_module(), so the class needs no import-system fallback." + _TRADE
        ),
        "legacy-finder": (
            "LM006/LM007 found no faithful way to add find_spec() to this finder (see their "
            "kept finding, which this one replaces: a decorated method, a base or class "
            "keyword that may provide find_spec, a rebound importlib, a method that reads the "
            "call stack), so the class got @loadermig.shim.legacy_finder: at run time, unless "
            "the class already has find_spec(), it adds one that asks the class's own "
            "find_module()/find_loader() and builds the spec as Python 3.4-3.11's fallback "
            "did (the loader wrapped with loadermig.shim.wrap_legacy where it is a legacy "
            "one), from one frame that reads as the import system's, where the fallback's "
            "was. Python 3.12+ no longer calls find_module() on sys.meta_path; now the finder "
            "works there, and find_module() stays for callers." + _TRADE
        ),
        "getattr": (
            "The class defines __getattr__ or __getattribute__, which may answer for "
            "exec_module: the import system would then call that instead of load_module(), so "
            "giving the class an exec_module() of its own could change which code loads the "
            "module. Port it by hand, or wrap its instances with loadermig.shim.wrap_legacy "
            "where they are handed to the import system."
        ),
        "uses-added": (
            "The class, or a subclass of it in this file, uses exec_module() itself (calls it, "
            "asks hasattr() for it, goes through importlib's _load_module_shim): once the "
            "class has an exec_module() that runs load_module(), such code would call it back "
            "and recurse, or take another branch than under the fallback. Port it by hand."
        ),
        "calls-base": (
            "The class calls an inherited load_module() (super().load_module() or a base "
            "class's). importlib.abc.Loader's, like every load_module() built on the PEP 451 "
            "protocol, calls exec_module(): once the class has one that runs load_module(), "
            "the two would call each other without end where the fallback raised ImportError. "
            "An inherited load_module() of another kind (pkgutil.ImpLoader's, say, removed in "
            "3.12 with its class) cannot be told apart here. Port the class by hand."
        ),
        "signature": (
            "load_module() cannot be called as load_module(fullname), so the class is not a "
            "PEP 302 loader the import system could use: there is nothing to run through the "
            "shim."
        ),
        "name-taken": (
            "The module binds legacy_loader to something else, so the decorator cannot be "
            "imported under that name. Rename that binding, or add "
            "@loadermig.shim.legacy_loader by hand."
        ),
        "in-try": (
            "The removed API is imported or used inside a try statement, which usually "
            "handles its absence: moving it to loadermig.shim.compat would change which branch "
            "runs. Decide by hand which one should."
        ),
    }
    BEFORE = """\
import sys


class DbLoader:
    def load_module(self, fullname):
        code = self.db.bytecode(fullname)
        module = sys.modules.setdefault(fullname, self.new_module(fullname))
        exec(code, module.__dict__)
        return self.proxy(module)
"""
    AFTER = """\
import sys
from loadermig.shim import legacy_loader


@legacy_loader
class DbLoader:
    def load_module(self, fullname):
        code = self.db.bytecode(fullname)
        module = sys.modules.setdefault(fullname, self.new_module(fullname))
        exec(code, module.__dict__)
        return self.proxy(module)
"""

    def __init__(self, context: CodemodContext) -> None:
        super().__init__(context)
        self._try_depth = 0
        #: Local names bound by imports of removed APIs this rule moves to the shim, and by
        #: those it leaves (inside a ``try``).
        self._moved_names: set[str] = set()
        self._blocked_names: set[str] = set()
        self._name_taken = False
        self._name_taken_finder = False
        #: Whether some use of a removed API stays as it is (in a ``try``, a star import).
        self._unmoved = False
        #: Classes of this file whose instances have an ``exec_module`` of their own.
        self._modern_classes: set[str] = set()
        self._settled: list[tuple[int, int, frozenset[str]]] = []
        self._refused: list[tuple[int, int]] = []
        #: Per class name of this file: which of the methods this rule adds its body (or a
        #: same-file subclass's) names, and the same-file classes deriving from it.
        self._mentions: dict[str, set[str]] = {}
        self._subclasses: dict[str, set[str]] = {}

    # -- what the file binds ---------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        """Sort the imports of removed APIs into those to move and those to leave."""
        collector = _RemovedImports()
        visit_without_rebuild(node, collector)
        self._moved_names = collector.moved - collector.blocked
        self._blocked_names = collector.blocked
        self._unmoved = collector.star
        for child in node.body:
            if isinstance(child, cst.ClassDef):
                own = _body_bindings(child)
                if "exec_module" in own or self._inherits_exec_module(child):
                    self._modern_classes.add(child.name.value)
        for found in _walk(node):
            if isinstance(found, cst.ClassDef):
                words = _mentions(found)
                self._mentions[found.name.value] = (
                    self._mentions.get(found.name.value, set()) | words
                )
                for arg in found.bases:
                    if isinstance(arg.value, cst.Name):
                        self._subclasses.setdefault(arg.value.value, set()).add(found.name.value)
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is not None and "legacy_loader" in scope:
            bound = {q.name for q in scope.get_qualified_names_for("legacy_loader")}
            self._name_taken = not bound <= set(LEGACY_LOADER)
        if scope is not None and "legacy_finder" in scope:
            bound = {q.name for q in scope.get_qualified_names_for("legacy_finder")}
            self._name_taken_finder = not bound <= set(LEGACY_FINDER)

    def visit_Try(self, node: cst.Try) -> None:
        """Imports and uses inside a ``try`` stay."""
        self._try_depth += 1

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        """See :meth:`visit_Try`."""
        self._try_depth -= 1
        return updated_node

    def visit_TryStar(self, node: cst.TryStar) -> None:
        """As :meth:`visit_Try`."""
        self._try_depth += 1

    def leave_TryStar(self, original_node: cst.TryStar, updated_node: cst.TryStar) -> cst.TryStar:
        """See :meth:`visit_Try`."""
        self._try_depth -= 1
        return updated_node

    # -- imports and dotted uses of the removed APIs ---------------------------------------

    def visit_Name(self, node: cst.Name) -> None:
        """Note a use of a removed API that stays (a name bound inside a ``try``)."""
        if not self._unmoved and self._legacy(node) and not self._moves(node):
            self._unmoved = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        """Note a dotted use of a removed API that stays (inside a ``try``)."""
        if not self._unmoved and self._try_depth and self._legacy(node):
            self._unmoved = True

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        """``from importlib.abc import PyLoader`` -> ``from loadermig.shim.compat import ...``."""
        if self._try_depth or len(updated_node.body) != 1:
            return updated_node
        statement = updated_node.body[0]
        moved = _removed_aliases(statement)
        if not moved:
            return updated_node
        assert isinstance(statement, cst.ImportFrom) and not isinstance(
            statement.names, cst.ImportStar
        )
        names = ", ".join(cst.Module([]).code_for_node(alias.name) for alias in moved)
        self.report(
            original_node,
            fitted(
                f"{names} now imported from {COMPAT} (runtime dependency)",
                f"removed APIs now imported from {COMPAT} (runtime dependency)",
            ),
            fixed=True,
            reason="compat-import",
        )
        compat = cst.ImportFrom(
            module=cst.parse_expression(COMPAT),  # type: ignore[arg-type]
            names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT) for alias in moved],
        )
        kept = [alias for alias in statement.names if alias not in moved]
        if not kept:
            return updated_node.with_changes(body=[compat])
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        rest = updated_node.with_changes(body=[statement.with_changes(names=kept)])
        return cst.FlattenSentinel([rest, cst.SimpleStatementLine(body=[compat])])

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        """``importlib.abc.PyLoader`` (read, not inside a ``try``) -> the shim's."""
        name = self._removed_attribute(original_node)
        if name is None:
            return updated_node
        self.report(
            original_node,
            fitted(
                f"{_code(original_node)} now {COMPAT}.{name} (runtime dependency)",
                f"{name} now {COMPAT}.{name} (runtime dependency)",
            ),
            fixed=True,
            reason="compat-import",
        )
        self.add_needed_import(COMPAT)
        return cst.parse_expression(f"{COMPAT}.{name}")

    def _removed_attribute(self, node: cst.Attribute) -> str | None:
        """The removed API a dotted read outside any ``try`` refers to, if any."""
        if self._try_depth or not isinstance(node.value, (cst.Name, cst.Attribute)):
            return None
        names = self.qualified_names(node)
        if len(names) != 1 or next(iter(names)) not in _REMOVED_NAMES:
            return None
        context = self.get_metadata(ExpressionContextProvider, node, None)
        if context is not ExpressionContext.LOAD:
            return None
        return _REMOVED_NAMES[next(iter(names))]

    # -- classes ---------------------------------------------------------------------------

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        """Decorate a loader the rules left legacy; settle the kept findings of a class that
        needs nothing of the removed APIs any more."""
        if self._in_skipped(original_node):
            return updated_node
        body = _body_bindings(original_node)
        legacy_refs = [ref for ref in _legacy_references(original_node) if self._legacy(ref)]
        unmoved = [ref for ref in legacy_refs if not self._moves(ref)]
        decorated = any(
            self.refers_to(d.decorator, *LEGACY_LOADER) for d in original_node.decorators
        )
        has_loader_role = "load_module" in body and "exec_module" not in body and not decorated
        if has_loader_role and (
            self._inherits_exec_module(original_node)
            or any(
                isinstance(arg.value, cst.Name) and arg.value.value in self._modern_classes
                for arg in original_node.bases
            )
        ):
            has_loader_role = False
        finder_decorated = any(
            self.refers_to(d.decorator, *LEGACY_FINDER) for d in original_node.decorators
        )
        finder_method = next((m for m in ("find_loader", "find_module") if m in body), None)
        has_finder_role = (
            finder_method is not None
            and "find_spec" not in body
            and not finder_decorated
            and self._finder_movable(original_node)
        )
        problem = None
        if has_loader_role:
            problem = self._refusal(original_node, body)
        elif has_finder_role and self._name_taken_finder:
            problem = (
                f"{KEPT}legacy_finder is bound to something else in this module",
                "name-taken",
            )
        if unmoved and problem is None and (has_loader_role or legacy_refs):
            problem = (f"{KEPT}{_names(unmoved)} is imported or used inside a try", "in-try")
        if problem is not None:
            self._refused.append(statement_span(original_node, self._position))
            self.report(original_node.name, problem[0], fixed=False, reason=problem[1])
            return updated_node
        # (a dotted base is reported where it is rewritten, by leave_Attribute)
        bases = [
            ref
            for ref in legacy_refs
            if _in_bases(original_node, ref) and isinstance(ref, cst.Name)
        ]
        for base in bases:
            qualified = sorted(self._legacy(base))[0]
            self.report(
                base,
                fitted(
                    f"base of {original_node.name.value} now {COMPAT}.{_short(qualified)} "
                    "(runtime dependency)",
                    f"base now {COMPAT}.{_short(qualified)} (runtime dependency)",
                ),
                fixed=True,
                reason="compat-base",
            )
        if has_loader_role:
            self.report(
                original_node.name,
                fitted(
                    f"load_module() of {original_node.name.value} kept, run through "
                    "loadermig.shim (runtime dependency)",
                    "load_module() kept, run through loadermig.shim (runtime dependency)",
                ),
                fixed=True,
                reason="legacy-loader",
            )
        if has_finder_role:
            self.report(
                original_node.name,
                fitted(
                    f"{finder_method}() of {original_node.name.value} kept, found through "
                    "loadermig.shim (runtime dependency)",
                    f"{finder_method}() kept, found through loadermig.shim (runtime dependency)",
                ),
                fixed=True,
                reason="legacy-finder",
            )
        on_shim = any(
            self.qualified_names(ref) & _SHIM_NAMES for ref in _legacy_references(original_node)
        )
        finder_settled = has_finder_role or finder_decorated
        if has_loader_role or decorated or legacy_refs or on_shim or finder_settled:
            start, end = statement_span(original_node, self._position)
            roles = set(SETTLED) if has_loader_role or decorated else {"LM002", "LM003", "LM005"}
            if finder_settled:
                roles |= set(FINDER_RULES)
            self._settled.append((start, end, frozenset(roles)))
        added = []
        if has_loader_role:
            added.append("legacy_loader")
        if has_finder_role:
            added.append("legacy_finder")
        for name in added:
            self.add_needed_import("loadermig.shim", name)
        decorators = [cst.Decorator(decorator=cst.Name(name)) for name in added]
        if not decorators:
            return updated_node
        return updated_node.with_changes(decorators=[*updated_node.decorators, *decorators])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        """Withdraw the kept findings of LM002-LM008 this rule's moves settle."""
        if self._settled or not self._unmoved:
            findings: list[Finding] = self.context.scratch[FINDINGS_KEY]
            findings[:] = [f for f in findings if not self._settles(f)]
        return updated_node

    def _settles(self, finding: Finding) -> bool:
        """Whether a kept finding is about something this rule moved onto the shim: inside a
        class moved here, or (when no use of a removed API stays) about one of those APIs
        outside the classes this rule had to leave."""
        if finding.fixed:
            return False
        line = finding.line
        if any(
            start <= line <= end and finding.rule in roles for start, end, roles in self._settled
        ):
            return True
        return (
            not self._unmoved
            and finding.rule in SETTLED[:4]
            and not any(start <= line <= end for start, end in self._refused)
        )

    def _refusal(
        self, node: cst.ClassDef, body: Mapping[str, cst.CSTNode]
    ) -> tuple[str, str] | None:
        """Why the class cannot get ``@legacy_loader`` (None: it can)."""
        name = node.name.value
        hook = next((h for h in ("__getattr__", "__getattribute__") if h in body), None)
        if hook is not None:
            return fitted(
                f"{KEPT}{name} defines {hook}, which may answer for exec_module()",
                f"{KEPT}the class defines {hook}, which may answer for exec_module()",
            ), "getattr"
        if "exec_module" in self._family_mentions(name):
            return fitted(
                f"{KEPT}{name} (or a subclass) uses exec_module() itself",
                f"{KEPT}the class (or a subclass) uses exec_module() itself",
            ), "uses-added"
        if self._calls_inherited_load_module(node):
            return fitted(
                f"{KEPT}{name} calls an inherited load_module()",
                f"{KEPT}the class calls an inherited load_module()",
            ), "calls-base"
        load_module = body["load_module"]
        if isinstance(load_module, cst.FunctionDef) and not _takes_fullname(load_module):
            return f"{KEPT}load_module() cannot be called as load_module(fullname)", "signature"
        if self._name_taken:
            return f"{KEPT}legacy_loader is bound to something else in this module", "name-taken"
        return None

    def _finder_movable(self, node: cst.ClassDef) -> bool:
        """Whether LM006/LM007 kept this finder only for reasons ``@legacy_finder`` handles."""
        start, end = statement_span(node, self._position)
        findings: list[Finding] = self.context.scratch[FINDINGS_KEY]
        reasons = {
            f.reason
            for f in findings
            if f.rule in FINDER_RULES and not f.fixed and start <= f.line <= end
        }
        if "find_spec" in self._family_mentions(node.name.value):
            return False
        return bool(reasons) and reasons <= FINDER_MOVABLE

    def _family_mentions(self, name: str) -> set[str]:
        """What the class ``name`` and its same-file subclasses (which inherit what this rule
        adds) say of ``exec_module``/``find_spec``."""
        seen, todo, words = set(), [name], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            words |= self._mentions.get(current, set())
            todo.extend(self._subclasses.get(current, ()))
        return words

    def _calls_inherited_load_module(self, node: cst.ClassDef) -> bool:
        """Whether the class calls ``super().load_module`` or a base's ``load_module``.

        ``importlib.abc.Loader.load_module`` (and other implementations built on
        ``exec_module``) would call the added ``exec_module``, which calls ``load_module``
        again: where the fallback raised ImportError, the import would recurse.
        """
        bases = {_code(arg.value) for arg in node.bases}
        for found in _walk(node.body):
            if not (
                isinstance(found, cst.Call)
                and isinstance(found.func, cst.Attribute)
                and found.func.attr.value == "load_module"
            ):
                continue
            owner = found.func.value
            if isinstance(owner, cst.Call) and _code(owner.func) == "super":
                return True
            if _code(owner) in bases:
                return True
        return False

    def _inherits_exec_module(self, node: cst.ClassDef) -> bool:
        """Whether a base is an importlib loader with ``exec_module`` of its own."""
        return any(self.qualified_names(arg.value) & _MODERN_BASES for arg in node.bases)

    def _legacy(self, ref: cst.BaseExpression) -> set[str]:
        """The removed APIs (importlib's) ``ref`` may refer to."""
        return {name for name in self.qualified_names(ref) if name in _REMOVED_NAMES}

    def _moves(self, ref: cst.BaseExpression) -> bool:
        """Whether this rule moves what ``ref`` refers to onto the shim."""
        if isinstance(ref, cst.Name):
            return ref.value in self._moved_names and ref.value not in self._blocked_names
        return isinstance(ref, cst.Attribute) and not self._try_depth


_ADDED = ("exec_module", "find_spec", "_load_module_shim")


def _mentions(node: cst.ClassDef) -> set[str]:
    """Which of the methods this rule may add a class body uses (as a name, an attribute or a
    string: ``self.exec_module(...)``, ``hasattr(self, "find_spec")``; defining one is no
    use); a use of importlib's ``_load_module_shim`` counts as ``exec_module``."""
    words: set[str] = set()
    defined = {id(f.name) for f in _walk(node.body) if isinstance(f, cst.FunctionDef)}
    for found in _walk(node.body):
        text = None
        if isinstance(found, cst.Name) and id(found) not in defined:
            text = found.value
        elif isinstance(found, cst.SimpleString):
            text = found.value.strip("\"'")
        if text in _ADDED:
            words.add("exec_module" if text == "_load_module_shim" else text)
    return words


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node).strip()


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and everything below it."""
    yield node
    for child in node.children:
        yield from _walk(child)


def _short(qualified: str) -> str:
    return qualified.rpartition(".")[2]


def _names(refs: Sequence[cst.BaseExpression]) -> str:
    code = cst.Module([]).code_for_node
    return ", ".join(sorted({code(ref) for ref in refs}))


def _removed_aliases(statement: cst.BaseSmallStatement) -> list[cst.ImportAlias]:
    """The aliases of ``from importlib.abc import PyLoader``-like statements to move."""
    if not isinstance(statement, cst.ImportFrom) or statement.relative:
        return []
    if isinstance(statement.names, cst.ImportStar) or statement.module is None:
        return []
    module = cst.Module([]).code_for_node(statement.module)
    removed = REMOVED.get(module, ())
    return [
        alias
        for alias in statement.names
        if isinstance(alias.name, cst.Name) and alias.name.value in removed
    ]


class _RemovedImports(cst.CSTVisitor):
    """The local names bound by imports of removed APIs: outside any ``try`` (moved) and
    inside one (left)."""

    def __init__(self) -> None:
        super().__init__()
        self.moved: set[str] = set()
        self.blocked: set[str] = set()
        #: Whether a star import from importlib.abc or importlib.util may bind them too.
        self.star = False
        self._depth = 0

    def visit_Try(self, node: cst.Try) -> None:
        self._depth += 1

    def leave_Try(self, original_node: cst.Try) -> None:
        self._depth -= 1

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._depth += 1

    def leave_TryStar(self, original_node: cst.TryStar) -> None:
        self._depth -= 1

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for statement in node.body:
            if (
                isinstance(statement, cst.ImportFrom)
                and isinstance(statement.names, cst.ImportStar)
                and statement.module is not None
                and cst.Module([]).code_for_node(statement.module) in REMOVED
            ):
                self.star = True
            aliases = _removed_aliases(statement)
            moved = not self._depth and len(node.body) == 1
            for alias in aliases:
                local = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(local, cst.Name):
                    (self.moved if moved else self.blocked).add(local.value)


def _body_bindings(node: cst.ClassDef) -> dict[str, cst.CSTNode]:
    """The names a class body binds by ``def`` or plain assignment, with the binding node."""
    found: dict[str, cst.CSTNode] = {}
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            found[statement.name.value] = statement
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [target.target for target in small.targets]
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    targets = [small.target]
                for target in targets:
                    if isinstance(target, cst.Name):
                        found[target.value] = small
    return found


def _legacy_references(node: cst.ClassDef) -> list[cst.BaseExpression]:
    """Plain names and dotted names in the class's bases and in its methods' decorators."""
    refs: list[cst.BaseExpression] = [
        arg.value for arg in node.bases if isinstance(arg.value, (cst.Name, cst.Attribute))
    ]
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            refs.extend(
                d.decorator
                for d in statement.decorators
                if isinstance(d.decorator, (cst.Name, cst.Attribute))
            )
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                value = getattr(small, "value", None)
                if isinstance(value, cst.Call) and isinstance(
                    value.func, (cst.Name, cst.Attribute)
                ):
                    refs.append(value.func)
    return refs


def _in_bases(node: cst.ClassDef, ref: cst.CSTNode) -> bool:
    return any(arg.value is ref for arg in node.bases)


def _takes_fullname(function: cst.FunctionDef) -> bool:
    """Whether a ``load_module`` definition can be called as ``load_module(fullname)``."""
    decorators = {
        d.decorator.value for d in function.decorators if isinstance(d.decorator, cst.Name)
    }
    params = function.params
    positional = [*params.posonly_params, *params.params]
    if "staticmethod" not in decorators and positional:
        positional = positional[1:]  # self, or cls
    required = [p for p in positional if p.default is None]
    kw_required = [p for p in params.kwonly_params if p.default is None]
    star = isinstance(params.star_arg, cst.Param)
    return len(required) <= 1 and bool(positional or star) and not kw_required
