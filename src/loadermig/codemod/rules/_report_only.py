"""What the report-only rules (LM011-LM016) share: version facts, names and method calls.

These rules never change code (``REWRITES = False``); the engine runs them first, on the file as
it was read. Two kinds of legacy API are found:

* **module-level names** (``pkgutil.get_loader``, ``importlib.abc.Finder``...), by qualified
  name, so every import form and alias counts and a local function of the same name does not.
  A use is reported when every meaning the name may have is a legacy API; an import of one is
  reported only when no use of what it binds was (an import nothing uses, or one that a
  ``try``/``except`` fallback makes ambiguous), as LM010 does for ``imp``;
* **methods called on any object** (``x.load_module(name)``), by attribute name, since the
  type of ``x`` is unknown. Calls that certainly reach a method this file defines itself
  (``self.find_module(...)`` in a class defining ``find_module``, an instance of such a class,
  ``super()`` reaching a base of this file) and module-level functions (``imp.find_module``,
  LM010's) are left alone.

Every fact (deprecated since, removed in) is a :class:`Legacy` entry whose ``where`` lists the
attributes it is about, which ``tests/codemod/test_rules.py`` checks on the running
interpreter: present exactly on the versions before ``removed``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    Assignment,
    ClassScope,
    ParentNodeProvider,
    ScopeProvider,
)

from ._base import Rule, code, dotted, fitted
from ._cst_helpers import assigned_value, body_statements, referents


@dataclass(frozen=True)
class Legacy:
    """A legacy import-system API, with the Python versions that deprecated and removed it.

    ``removed`` is the release that removed it or, when ``scheduled`` is set, the release its
    removal is announced for. ``where`` names the dotted attributes the fact is about (checked
    by the tests on every interpreter); ``advice`` says what to use instead.
    """

    name: str
    deprecated: str
    removed: str
    advice: str
    where: tuple[str, ...]
    scheduled: bool = False
    #: Extra words after "deprecated since X", e.g. since when it warns.
    deprecation_note: str = ""

    @property
    def status(self) -> str:
        """``removed in Python 3.12 (deprecated since 3.3)``, or the scheduled removal."""
        note = f"; {self.deprecation_note}" if self.deprecation_note else ""
        when = f"(deprecated since {self.deprecated}{note})"
        if self.scheduled:
            return f"scheduled for removal in Python {self.removed} {when}"
        return f"removed in Python {self.removed} {when}"

    @property
    def fact(self) -> str:
        """The version facts as a clause: ``X was removed in Python 3.12 (deprecated ...)``."""
        return f"{self.name} {'is' if self.scheduled else 'was'} {self.status}"

    @property
    def when(self) -> str:
        """The removal, short: ``removed in Python 3.12`` / ``to be removed in Python 3.15``."""
        return f"{'to be ' if self.scheduled else ''}removed in Python {self.removed}"

    @property
    def details(self) -> str:
        """The long explanation of a finding about it: the version facts and the advice."""
        return f"{self.fact}. {self.advice[:1].upper()}{self.advice[1:]}."


def legacy_details(apis: Mapping[str, Legacy]) -> dict[str, str]:
    """A rule's ``DETAILS`` for its legacy APIs: each one's key -> its long explanation."""
    return {key: api.details for key, api in apis.items()}


def brief(node: cst.BaseExpression) -> str:
    """``node`` as short one-line code for a message: arguments and subscripts elided."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{brief(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return f"{brief(node.func)}({'...' if node.args else ''})"
    if isinstance(node, cst.Subscript):
        return f"{brief(node.value)}[...]"
    return short_code(code(node))


def short_code(text: str) -> str:
    """Code as :func:`brief` shows an expression it does not elide: on one line, or
    ``(...)`` when longer than 40 characters."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else "(...)"


#: The reason of a finding about a definition the import system no longer calls.
DEFINED_REASON = "defined"


def import_message(api: Legacy) -> str:
    """The message of a finding about ``from module import api``."""
    return f"kept: import of {api.name}, {api.when}"


def reference_message(text: str, apis: Sequence[Legacy]) -> str:
    """The message of a finding about ``text``, a name that means one of ``apis``."""
    meanings = " or ".join(f"{api.name}, {api.when}" for api in apis)
    if len(apis) == 1 and text == apis[0].name:
        return f"kept: {meanings}"
    return fitted(f"kept: `{text}` is {meanings}", f"kept: this is {meanings}")


def reference_reason(apis: Sequence[Legacy]) -> str:
    """The reason of a finding about a name that means one of ``apis``."""
    return "|".join(api.name for api in apis)


def call_message(call: str, method: str, api: Legacy) -> str:
    """The message of a finding about ``call`` (as :func:`brief` shows it), a call of the
    legacy ``method``."""
    what = f"legacy {method}(), {api.when}"
    return fitted(f"kept: `{call}` calls {what}", f"kept: a call of {what}")


class ReportOnlyRule(Rule):
    """A rule that only reports: it never changes the tree."""

    REWRITES = False
    METADATA_DEPENDENCIES = (*Rule.METADATA_DEPENDENCIES, ScopeProvider)


class RemovedNamesRule(ReportOnlyRule):
    """Report every reference to the module-level APIs in :attr:`APIS`."""

    #: Qualified name (``pkgutil.get_loader``) → what is known about it.
    APIS: ClassVar[Mapping[str, Legacy]]

    @classmethod
    def details(cls, reason: str) -> str:
        """The APIs' details; a name that may mean several APIs has the keys joined by ``|``."""
        if "|" in reason:
            return "\n\n".join(super(RemovedNamesRule, cls).details(k) for k in reason.split("|"))
        return super().details(reason)

    def visit_Import(self, node: cst.Import) -> bool:
        """Names in ``import a.b`` are modules, never one of the APIs; nothing to visit."""
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        """Report ``from m import api`` when no use of what it binds was reported."""
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return False
        module = get_full_name_for_node(node.module)
        for alias in node.names:
            api = self.APIS.get(f"{module}.{alias.evaluated_name}")
            if api is not None and not self._has_reported_use(node, alias):
                self.report(alias, import_message(api), fixed=False, reason=api.name)
        return False

    def _has_reported_use(self, node: cst.ImportFrom, alias: cst.ImportAlias) -> bool:
        """Whether some use of the name ``alias`` binds is one :meth:`_use` reports."""
        name = alias.evaluated_alias or alias.evaluated_name
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return False
        for assignment in scope.assignments[name]:
            if isinstance(assignment, Assignment) and assignment.node is node:
                for access in assignment.references:
                    if self._use(access.node) is not None:
                        return True
        return False

    def visit_Name(self, node: cst.Name) -> bool:
        """Report a name that certainly means one of the APIs."""
        return self._visit_reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        """Report ``module.api`` (the outermost match; its parts are not visited)."""
        return self._visit_reference(node)

    def _visit_reference(self, node: cst.Name | cst.Attribute) -> bool:
        apis = self._use(node)
        if apis is None:
            return True
        message = reference_message(code(node), apis)
        self.report(node, message, fixed=False, reason=reference_reason(apis))
        return False

    def _use(self, node: cst.CSTNode) -> list[Legacy] | None:
        """The APIs ``node`` means when every meaning it may have is one (None: otherwise)."""
        if not dotted(node):
            return None
        names = self.qualified_names(node)
        if not names or any(name not in self.APIS for name in names):
            return None
        return [self.APIS[name] for name in sorted(names)]


class MethodCallsRule(ReportOnlyRule):
    """Report calls ``<anything>.<method>(...)`` of the legacy methods in :attr:`METHODS`."""

    #: Method name → what is known about it.
    METHODS: ClassVar[Mapping[str, Legacy]]
    #: Classes from elsewhere whose methods of these names are another API, not the legacy
    #: one (``modulefinder.ModuleFinder.load_module``), by qualified name.
    UNAFFECTED: ClassVar[frozenset[str]] = frozenset()
    #: Classes (qualified names) in whose subclasses' bodies another rule reports these
    #: calls (LM002/LM003 for ``PyLoader``/``PyPycLoader``): calls there are left to it.
    LEFT_TO_SUBCLASSES_OF: ClassVar[frozenset[str]] = frozenset()
    # Parents: which class a method or a call is in (names alone do not need them).
    METADATA_DEPENDENCIES = (*ReportOnlyRule.METADATA_DEPENDENCIES, ParentNodeProvider)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """``node``'s parent in the tree (None for the module)."""
        found: cst.CSTNode | None = self.get_metadata(ParentNodeProvider, node, None)
        return found

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """``node``'s parent, its parent, and so on up to the module."""
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def owning_class(self, function: cst.FunctionDef) -> cst.ClassDef | None:
        """The class whose body defines ``function`` directly (None: not a method)."""
        block = self.parent(function)
        owner = self.parent(block) if isinstance(block, cst.IndentedBlock) else None
        return owner if isinstance(owner, cst.ClassDef) else None

    def visit_Call(self, node: cst.Call) -> None:
        """Report a call of one of the methods unless it reaches code of this file."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in self.METHODS:
            return
        if self._module_function(func.value) or self.reaches_own_code(func):
            return
        if self.LEFT_TO_SUBCLASSES_OF and self._left_to_others(node):
            return
        method = func.attr.value
        message = call_message(brief(node), method, self.METHODS[method])
        self.report(node, message, fixed=False, reason=method)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        """Report a method this rule reports the definitions of (see
        :meth:`definition_message`)."""
        cls = self.owning_class(node)
        if cls is None:
            return
        message = self.definition_message(node.name.value, cls.name.value)
        if message is not None:
            self.report(node, message, fixed=False, reason=DEFINED_REASON)

    @classmethod
    def definition_message(cls, method: str, class_name: str) -> str | None:
        """The message for a method named ``method`` defined in class ``class_name``, for a
        rule that reports such definitions (None: this rule does not)."""
        return None

    def _left_to_others(self, call: cst.Call) -> bool:
        """Whether the call is in the body of a subclass of :attr:`LEFT_TO_SUBCLASSES_OF`."""
        return any(
            isinstance(node, cst.ClassDef) and self._subclass_left_to_others(node, set())
            for node in self.ancestors(call)
        )

    def _subclass_left_to_others(self, cls: cst.ClassDef, seen: set[int]) -> bool:
        seen.add(id(cls))
        for base in cls.bases:
            if not self.qualified_names(base.value).isdisjoint(self.LEFT_TO_SUBCLASSES_OF):
                return True
            local = self.local_class(base.value)
            if (
                local is not None
                and id(local) not in seen
                and self._subclass_left_to_others(local, seen)
            ):
                return True
        return False

    def _module_function(self, receiver: cst.BaseExpression) -> bool:
        """Whether ``receiver`` is a module that ``import`` statements bind (``imp``...)."""
        root = receiver
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        found = referents(self, root)
        if not found or not all(isinstance(a.node, cst.Import) for a in found):
            return False
        modules: set[str] = set()
        for assignment in found:
            assert isinstance(assignment.node, cst.Import)
            for alias in assignment.node.names:
                full = get_full_name_for_node(alias.name) or ""
                parts = full.split(".") if alias.asname is None else [full]
                modules.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        names = self.qualified_names(receiver)
        return bool(names) and names <= modules

    # -- does the call reach a method this file defines? ----------------------------------

    def reaches_own_code(self, func: cst.Attribute) -> bool:
        """Whether ``receiver.method`` certainly resolves to a method of a class of this file
        (or of a class in :attr:`UNAFFECTED`)."""
        method, receiver = func.attr.value, func.value
        if isinstance(receiver, cst.Call) and self.refers_to(receiver.func, "builtins.super"):
            cls = self._enclosing_class(receiver)
            return cls is not None and self._lookup(cls, method, set(), own=False) is True
        if isinstance(receiver, cst.Call):
            return self._provides(receiver.func, method)  # an instance made right here
        if isinstance(receiver, cst.Name):
            found = referents(self, receiver)
            if not found or len(found) != 1:
                return False
            binding = next(iter(found))
            if isinstance(binding.node, cst.Param):
                cls = self._first_parameter_of(binding.node)
                return cls is not None and self._lookup(cls, method, set(), own=True) is True
            value = assigned_value(self, binding)
            if isinstance(value, cst.Call):
                return self._provides(value.func, method)  # a name bound once to an instance
        return self._provides(receiver, method)  # the class itself

    def _provides(self, cls: cst.BaseExpression, method: str) -> bool:
        """Whether the class ``cls`` names certainly has its own ``method``."""
        local = self.local_class(cls)
        if local is not None:
            return self._lookup(local, method, set(), own=True) is True
        names = self.qualified_names(cls) if dotted(cls) else set()
        return bool(names) and names <= self.UNAFFECTED

    def _enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        """The class of the method ``node`` is in (None: not directly in a method)."""
        function = next((n for n in self.ancestors(node) if isinstance(n, cst.FunctionDef)), None)
        return self.owning_class(function) if function is not None else None

    def _first_parameter_of(self, param: cst.Param) -> cst.ClassDef | None:
        """The class ``param`` stands for when it is ``self``/``cls`` of one of its methods."""
        parameters = self.parent(param)
        function = self.parent(parameters) if parameters is not None else None
        if not isinstance(function, cst.FunctionDef) or not isinstance(parameters, cst.Parameters):
            return None
        if not parameters.params or parameters.params[0] is not param:
            return None
        if any(
            isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
            for d in function.decorators
        ):
            return None
        return self.owning_class(function)

    def local_class(self, expression: cst.BaseExpression) -> cst.ClassDef | None:
        """The class of this file a name certainly refers to (None: another or unknown)."""
        if not isinstance(expression, cst.Name):
            return None
        found = referents(self, expression)
        if not found or len(found) != 1:
            return None
        binding = next(iter(found)).node
        return binding if isinstance(binding, cst.ClassDef) else None

    def _lookup(self, cls: cst.ClassDef, method: str, seen: set[int], *, own: bool) -> bool | None:
        """Where ``method`` comes from, searching ``cls`` (if ``own``) and its bases in order.

        True: a class of this file (or one in :attr:`UNAFFECTED`) binds it; False: another
        base from elsewhere (which may be one of the standard library's legacy classes) comes
        first; None: not found.
        """
        if own and _binds(self, cls, method):
            return True
        for base in cls.bases:
            local = self.local_class(base.value)
            if local is None:
                names = self.qualified_names(base.value)
                if names == {"builtins.object"}:
                    continue
                return bool(names) and names <= self.UNAFFECTED
            if id(local) in seen:
                continue
            seen.add(id(local))
            found = self._lookup(local, method, seen, own=True)
            if found is not None:
                return found
        return None


def _binds(rule: Rule, cls: cst.ClassDef, name: str) -> bool:
    """Whether the body of ``cls`` binds ``name`` (def, assignment, import...)."""
    body = body_statements(cls)
    if not body:
        return False
    scope = rule.get_metadata(ScopeProvider, body[0], None)
    return isinstance(scope, ClassScope) and bool(scope.assignments[name])
