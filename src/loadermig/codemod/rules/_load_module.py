"""LM008's reading of a ``load_module(self, fullname)`` body: which PEP 302 idiom it is.

Two shapes have a faithful ``exec_module`` form:

* **execute**: the method creates a module (``types.ModuleType(fullname)``,
  ``imp.new_module(fullname)``, or either inside ``sys.modules.setdefault(fullname, ...)``),
  registers it in ``sys.modules[fullname]``, runs code into it and returns it. Creation,
  registration, ``mod.__loader__ = self``, a leading reload guard and a ``try``/``except``
  that only removes ``sys.modules[fullname]`` and re-raises are the import system's job
  under ``exec_module``; everything else stays.
* **alias**: the method puts a module it got from ``sys.modules[...]``, ``__import__``,
  ``importlib.import_module`` (and ``getattr`` on it) into ``sys.modules[fullname]`` and
  returns it (setuptools' VendorImporter, six). The body stays; only the guard and the final
  ``return`` go, because the import returns whatever ``sys.modules[fullname]`` holds after
  ``exec_module``.

:func:`read_shape` returns a :class:`Shape` or the reason why the body is neither.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    PositionProvider,
    ScopeProvider,
)

from ._base import Rule
from ._classes import has_docstring, walk
from ._decorators import own_statements

_S = TypeVar("_S", bound=cst.BaseSmallStatement)

NEW_MODULE = ("types.ModuleType", "imp.new_module")
SYS_MODULES = "sys.modules"
IMPORTERS = ("builtins.__import__", "importlib.import_module")
CLEANUP_TYPES = ("builtins.BaseException", "builtins.Exception")


@dataclass
class Shape:
    """What to do with one ``load_module`` body (statements by identity of the original)."""

    alias: bool
    module_var: str
    #: The top-level statements, with a dropped cleanup ``try`` replaced by its body.
    flat: list[cst.BaseStatement]
    dropped: set[int] = field(default_factory=set)
    #: ``return mod`` statements other than the last, which become a bare ``return``.
    bare_returns: set[int] = field(default_factory=set)
    guard: bool = False
    setdefault: bool = False
    cleanup: bool = False
    name_still_used: bool = False


@dataclass
class _Created:
    """Where the execute shape gets its module: the statement and the names it binds."""

    statement: cst.BaseStatement
    targets: list[cst.BaseAssignTargetExpression]
    #: Whether an existing ``sys.modules[fullname]`` entry is reused (reload-friendly).
    reuses: bool
    #: Whether the statement registers a new module itself (``setdefault``).
    registers: bool


class NotConvertible(Exception):
    """The body is none of the shapes LM008 converts: a short message saying why, and the key
    of its long explanation (``reason``; taken from a :class:`~._base.Problem` message)."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason: str = reason if reason is not None else getattr(message, "reason", "shape")


#: The long explanations of LM008's reasons for leaving a ``load_module`` body alone.
SHAPE_DETAILS = {
    "shape": (
        "LM008 converts two shapes of load_module(self, fullname). Execute: the method creates "
        "a module (types.ModuleType(fullname), imp.new_module(fullname), or either inside "
        "sys.modules.setdefault(fullname, ...)), registers it in sys.modules[fullname], runs "
        "code into it and returns it, with at most a leading reload guard and a try/except "
        "that only removes sys.modules[fullname] and re-raises. Alias: the method puts a "
        "module it got from sys.modules[...], __import__ or importlib.import_module into "
        "sys.modules[fullname] right before each return, and returns it. This body is "
        "neither, so what the import would get after a conversion is not evident. Convert by "
        "hand: exec_module(self, module) runs code into the module the import system created "
        "and registered, and create_module(self, spec) returns None."
    ),
    "cleanup": (
        "A try/except in load_module() does more than remove sys.modules[fullname] and "
        "re-raise. Under exec_module() the import system removes the module itself when "
        "execution fails, so only that part would be redundant; the rest needs a decision. "
        "Convert by hand."
    ),
    "sys-modules": (
        "load_module() uses sys.modules in a way this rule does not recognise (beyond the "
        "reload guard, the registration of the module it creates, and setdefault). Under "
        "exec_module() the import system registers the module itself. Convert by hand."
    ),
    "returns-other": (
        "load_module() returns something else than the module it loads. Under exec_module() "
        "the import returns whatever sys.modules[fullname] holds afterwards, and "
        "exec_module's own result is ignored, so the conversion would change what the import "
        "yields. Convert by hand."
    ),
    "rebinds-name": (
        "load_module() rebinds or deletes its fullname parameter; the converted exec_module() "
        "reads the name once from module.__name__. Convert by hand."
    ),
}


def read_shape(rule: Rule, node: cst.FunctionDef, self_name: str, name: str) -> Shape:
    """Classify ``node``'s body or raise :class:`NotConvertible` with the reason."""
    return _Reader(rule, node, self_name, name).read()


class _Reader:
    def __init__(self, rule: Rule, node: cst.FunctionDef, self_name: str, name: str) -> None:
        self.rule = rule
        self.node = node
        self.self_name = self_name
        self.name = name

    # -- entry ----------------------------------------------------------------------------

    def read(self) -> Shape:
        if not isinstance(self.node.body, cst.IndentedBlock):
            raise NotConvertible("load_module()'s body is on the def line")
        statements = list(self.node.body.body)
        start = 1 if has_docstring(statements) else 0
        flat, cleanup = self._flatten(statements[start:])
        guard = bool(flat) and self._is_guard(flat[0])
        body = flat[1:] if guard else flat
        returns = [
            r for r in own_statements(self.node).returns if not self._in_guard(r, flat, guard)
        ]
        names = {r.value.value if isinstance(r.value, cst.Name) else None for r in returns}
        if len(names) != 1 or None in names:
            raise NotConvertible("load_module() does not always return the same module variable")
        var = names.pop()
        assert var is not None
        if var in (self.name, self.self_name):
            raise NotConvertible(f"load_module() returns its parameter {var}", "returns-other")
        shape = Shape(alias=False, module_var=var, flat=statements[:start] + flat)
        shape.guard, shape.cleanup = guard, cleanup
        if guard:
            shape.dropped.add(id(flat[0]))
        final = _single(body[-1], cst.Return) if body else None
        if final is not None:
            shape.dropped.add(id(body[-1]))
        elif not body or not _cannot_fall_off(body[-1]):
            raise NotConvertible("load_module() can end without returning a module")
        self._check_name_param()
        if own_statements(self.node).yields:
            raise NotConvertible("load_module() is a generator")
        created = self._creation(body)
        if created is not None and final is not None:
            self._read_execute(shape, body, created)
        else:
            self._read_alias(shape, body, returns, final)
        kept = [s for s in shape.flat if id(s) not in shape.dropped]
        shape.name_still_used = any(
            isinstance(n, cst.Name) and n.value == self.name for s in kept for n in walk(s)
        )
        return shape

    # -- the pieces -----------------------------------------------------------------------

    @staticmethod
    def _in_guard(node: cst.Return, flat: Sequence[cst.BaseStatement], guard: bool) -> bool:
        return guard and any(n is node for n in walk(flat[0]))

    def _flatten(
        self, statements: Sequence[cst.BaseStatement]
    ) -> tuple[list[cst.BaseStatement], bool]:
        """Top-level statements with a cleanup-only ``try`` replaced by its body."""
        flat: list[cst.BaseStatement] = []
        cleanup = False
        for statement in statements:
            if isinstance(statement, cst.Try) and self._is_cleanup(statement):
                if cleanup:
                    raise NotConvertible("load_module() has two cleanup try statements", "cleanup")
                assert isinstance(statement.body, cst.IndentedBlock)
                flat.extend(statement.body.body)
                cleanup = True
            else:
                if isinstance(statement, cst.Try) and self._removes_entry(statement):
                    raise NotConvertible(
                        f"load_module()'s try/except does more than remove "
                        f"sys.modules[{self.name}]",
                        "cleanup",
                    )
                flat.append(statement)
        return flat, cleanup

    def _removes_entry(self, node: cst.Try) -> bool:
        """Whether some handler of ``node`` deletes or pops ``sys.modules[fullname]``."""
        for handler in node.handlers:
            for inner in walk(handler.body, nested=False):
                if isinstance(inner, cst.Del) and self._is_entry(inner.target):
                    return True
                if (
                    isinstance(inner, cst.Call)
                    and self.rule.refers_to(inner.func, SYS_MODULES + ".pop")
                    and inner.args
                    and _is_name(inner.args[0].value, self.name)
                ):
                    return True
        return False

    def _is_cleanup(self, node: cst.Try) -> bool:
        """``try: ... except [BaseException|Exception]: del sys.modules[fullname]; raise``."""
        if node.orelse or node.finalbody or len(node.handlers) != 1:
            return False
        if not isinstance(node.body, cst.IndentedBlock):
            return False
        handler = node.handlers[0]
        if handler.name is not None:
            return False
        if handler.type is not None and not self.rule.refers_to(handler.type, *CLEANUP_TYPES):
            return False
        smalls = _smalls(handler.body)
        if len(smalls) != 2 or not isinstance(smalls[1], cst.Raise) or smalls[1].exc:
            return False
        first = smalls[0]
        if isinstance(first, cst.Del):
            return self._is_entry(first.target)
        if isinstance(first, cst.Expr) and isinstance(first.value, cst.Call):
            call = first.value
            return (
                self.rule.refers_to(call.func, SYS_MODULES + ".pop")
                and 1 <= len(call.args) <= 2
                and _is_name(call.args[0].value, self.name)
                and all(a.keyword is None and not a.star for a in call.args)
            )
        return False

    def _is_guard(self, statement: cst.BaseStatement) -> bool:
        """``if fullname in sys.modules: return sys.modules[fullname]`` or the try form."""
        if isinstance(statement, cst.If) and statement.orelse is None:
            test = statement.test
            returned = _only_return(statement.body)
            return (
                isinstance(test, cst.Comparison)
                and _is_name(test.left, self.name)
                and len(test.comparisons) == 1
                and isinstance(test.comparisons[0].operator, cst.In)
                and self.rule.refers_to(test.comparisons[0].comparator, SYS_MODULES)
                and returned is not None
                and self._is_entry(returned)
            )
        if isinstance(statement, cst.Try) and len(statement.handlers) == 1:
            handler = statement.handlers[0]
            returned = _only_return(statement.body)
            smalls = _smalls(handler.body)
            return (
                not statement.orelse
                and not statement.finalbody
                and handler.type is not None
                and self.rule.refers_to(handler.type, "builtins.KeyError")
                and len(smalls) == 1
                and isinstance(smalls[0], cst.Pass)
                and returned is not None
                and self._is_entry(returned)
            )
        return False

    def _is_entry(self, node: cst.BaseExpression | None) -> bool:
        """``sys.modules[fullname]``."""
        return (
            isinstance(node, cst.Subscript)
            and self.rule.refers_to(node.value, SYS_MODULES)
            and _is_name(_key(node), self.name)
        )

    def _is_new_module(self, node: cst.BaseExpression) -> bool:
        """``types.ModuleType(fullname)`` / ``imp.new_module(fullname)``."""
        return (
            isinstance(node, cst.Call)
            and self.rule.refers_to(node.func, *NEW_MODULE)
            and len(node.args) == 1
            and node.args[0].keyword is None
            and not node.args[0].star
            and _is_name(node.args[0].value, self.name)
        )

    def _creation(self, body: Sequence[cst.BaseStatement]) -> _Created | None:
        """The statement that creates the module (or reuses ``sys.modules[fullname]``)."""
        for statement in body:
            assign = _single(statement, cst.Assign)
            if assign is not None and len(assign.targets) == 1 and self._creates(assign.value):
                reuses = not self._is_new_module(assign.value)
                return _Created(statement, [assign.targets[0].target], reuses, reuses)
            reused = self._reuse_or_create(statement)
            if reused is not None:
                return reused
        return None

    def _reuse_or_create(self, statement: cst.BaseStatement) -> _Created | None:
        """``if fullname in sys.modules: m = sys.modules[fullname] / else: m = <new>``."""
        if not isinstance(statement, cst.If) or not isinstance(statement.orelse, cst.Else):
            return None
        test = statement.test
        if not (
            isinstance(test, cst.Comparison)
            and _is_name(test.left, self.name)
            and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.In)
            and self.rule.refers_to(test.comparisons[0].comparator, SYS_MODULES)
        ):
            return None
        then = _single(_single_line(statement.body), cst.Assign)
        other = _single(_single_line(statement.orelse.body), cst.Assign)
        if then is None or other is None or len(then.targets) != 1 or len(other.targets) != 1:
            return None
        first, second = then.targets[0].target, other.targets[0].target
        if not (
            isinstance(first, cst.Name)
            and _is_name(second, first.value)
            and self._is_entry(then.value)
            and self._creates(other.value)
        ):
            return None
        registers = not self._is_new_module(other.value)
        return _Created(statement, [first, second], True, registers)

    def _creates(self, value: cst.BaseExpression) -> bool:
        if self._is_new_module(value):
            return True
        return (
            isinstance(value, cst.Call)
            and self.rule.refers_to(value.func, SYS_MODULES + ".setdefault")
            and len(value.args) == 2
            and all(a.keyword is None and not a.star for a in value.args)
            and _is_name(value.args[0].value, self.name)
            and self._is_new_module(value.args[1].value)
        )

    def _check_name_param(self) -> None:
        scope = self.rule.get_metadata(ScopeProvider, self.node.params.params[1].name)
        assignments = scope.assignments[self.name] if scope is not None else ()
        if len(assignments) != 1 or any(
            isinstance(n, cst.Del) and _is_name(n.target, self.name) for n in walk(self.node)
        ):
            raise NotConvertible(
                f"load_module() rebinds or deletes its parameter {self.name}", "rebinds-name"
            )

    def _bindings(self, var: str) -> set[int]:
        """Identities of the nodes binding ``var`` in the method's own scope."""
        scope = self.rule.get_metadata(ScopeProvider, self.node.params.params[1].name)
        if scope is None:
            return set()
        found = {id(getattr(a, "node", None)) for a in scope.assignments[var]}
        if any(isinstance(n, cst.Del) and _is_name(n.target, var) for n in walk(self.node)):
            found.add(0)  # a `del` counts as a binding nothing accepts
        return found

    # -- execute --------------------------------------------------------------------------

    def _read_execute(
        self, shape: Shape, body: Sequence[cst.BaseStatement], created: _Created
    ) -> None:
        var = shape.module_var
        target = created.targets[0]
        if isinstance(target, cst.Name) and target.value != var:
            raise NotConvertible(
                f"load_module() returns {var}, not the module {target.value} it registers",
                "returns-other",
            )
        if self._bindings(var) != {id(t) for t in created.targets}:
            raise NotConvertible(f"{var} is bound more than once or to something else")
        shape.setdefault = created.reuses
        shape.dropped.add(id(created.statement))
        registered = created.registers
        for statement in body[:-1]:
            small = _single(statement, cst.Assign)
            if small is not None and len(small.targets) == 1:
                target = small.targets[0].target
                if self._is_entry(target) and _is_name(small.value, var):
                    shape.dropped.add(id(statement))
                    registered = True
                elif (
                    isinstance(target, cst.Attribute)
                    and _is_name(target.value, var)
                    and target.attr.value == "__loader__"
                    and _is_name(small.value, self.self_name)
                ):
                    shape.dropped.add(id(statement))
        if not registered:
            raise NotConvertible(
                f"load_module() never puts {var} into sys.modules[{self.name}] at its top level"
            )
        kept = [s for s in body if id(s) not in shape.dropped]
        self._check_sys_modules(kept)
        self._check_returns(shape, allow_module=True)

    # -- alias ----------------------------------------------------------------------------

    def _read_alias(
        self,
        shape: Shape,
        body: Sequence[cst.BaseStatement],
        returns: Sequence[cst.Return],
        final: cst.Return | None,
    ) -> None:
        var = shape.module_var
        allowed: set[int] = set()
        for node in walk(self.node.body, nested=False):
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target = node.targets[0].target
                if _is_name(target, var) and self._fetches(node.value, var):
                    allowed.add(id(target))
        registrations = self._registrations_before(returns, var)
        bindings = self._bindings(var)
        if registrations is None or not bindings or not bindings <= allowed:
            raise NotConvertible(
                f"load_module() returns {var}, neither a new module nor one it aliases",
                "returns-other",
            )
        shape.alias = True
        shape.bare_returns = {id(r) for r in returns if r is not final}
        self._check_sys_modules(
            [s for s in body if id(s) not in shape.dropped], ignore=registrations
        )

    def _registrations_before(self, returns: Sequence[cst.Return], var: str) -> set[int] | None:
        """The ``sys.modules[fullname] = var`` lines right before each return (or None)."""
        found: set[int] = set()
        matched = 0
        blocks = [n for n in walk(self.node.body, nested=False) if isinstance(n, cst.IndentedBlock)]
        wanted = {id(r) for r in returns}
        for block in blocks:
            for before, statement in zip(block.body, block.body[1:]):
                returned = _single(statement, cst.Return)
                if returned is None or id(returned) not in wanted:
                    continue
                assign = _single(before, cst.Assign)
                if (
                    assign is None
                    or len(assign.targets) != 1
                    or not self._is_entry(assign.targets[0].target)
                    or not _is_name(assign.value, var)
                ):
                    return None
                found.add(id(assign.targets[0].target))
                matched += 1
        return found if matched == len(returns) else None

    def _fetches(self, value: cst.BaseExpression, var: str) -> bool:
        """``sys.modules[x]``, ``__import__(...)``, ``import_module(...)``, ``getattr(var, y)``."""
        if isinstance(value, cst.Subscript):
            return self.rule.refers_to(value.value, SYS_MODULES) and not _is_name(
                _key(value), self.name
            )
        if isinstance(value, cst.Call) and self.rule.refers_to(value.func, *IMPORTERS):
            return True
        return self._is_getattr(value, var)

    def _is_getattr(self, value: cst.BaseExpression, var: str) -> bool:
        return (
            isinstance(value, cst.Call)
            and self.rule.refers_to(value.func, "builtins.getattr")
            and len(value.args) == 2
            and _is_name(value.args[0].value, var)
        )

    # -- common checks --------------------------------------------------------------------

    def _check_sys_modules(
        self, statements: Sequence[cst.BaseStatement], ignore: Collection[int] = ()
    ) -> None:
        """Only reads of other entries (``sys.modules[x]``, ``sys.modules.get(x)``) remain."""
        reads: set[int] = set()
        for statement in statements:
            for node in walk(statement):
                if isinstance(node, cst.Subscript) and (
                    id(node) in ignore or self._other_read(node)
                ):
                    reads.add(id(node.value))
                if (
                    isinstance(node, cst.Call)
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "get"
                    and self.rule.refers_to(node.func.value, SYS_MODULES)
                    and node.args
                    and not _is_name(node.args[0].value, self.name)
                ):
                    reads.add(id(node.func.value))
            for node in walk(statement):
                if (
                    isinstance(node, (cst.Name, cst.Attribute))
                    and id(node) not in reads
                    and self.rule.refers_to(node, SYS_MODULES)
                ):
                    line = self.rule.get_metadata(PositionProvider, node).start.line
                    raise NotConvertible(
                        f"sys.modules is used in an unrecognised way on line {line}",
                        "sys-modules",
                    )

    def _other_read(self, node: cst.Subscript) -> bool:
        context = self.rule.get_metadata(ExpressionContextProvider, node, None)
        return (
            context is ExpressionContext.LOAD
            and self.rule.refers_to(node.value, SYS_MODULES)
            and not _is_name(_key(node), self.name)
        )

    def _check_returns(self, shape: Shape, *, allow_module: bool) -> None:
        last = shape.flat[-1]
        guard = shape.flat[1 if has_docstring(shape.flat) else 0] if shape.guard else None
        own = own_statements(self.node)
        for statement in own.returns:
            if _single(last, cst.Return) is statement:
                continue
            if guard is not None and any(n is statement for n in walk(guard)):
                continue
            if allow_module and _is_name(statement.value, shape.module_var):
                shape.bare_returns.add(id(statement))
                continue
            line = self.rule.get_metadata(PositionProvider, statement).start.line
            raise NotConvertible(
                f"line {line} returns early, and not the module it loads", "returns-other"
            )


def _cannot_fall_off(statement: cst.BaseStatement) -> bool:
    """Whether control never leaves ``statement`` at its end: a raise, or a loop without
    ``break`` whose ``else`` ends in a raise."""
    if _single(statement, cst.Raise) is not None:
        return True
    if isinstance(statement, (cst.For, cst.While)) and statement.orelse is not None:
        last = statement.orelse.body
        if not isinstance(last, cst.IndentedBlock) or not last.body:
            return False
        if any(isinstance(n, cst.Break) for n in walk(statement.body, nested=False)):
            return False
        return _cannot_fall_off(last.body[-1])
    return False


def _smalls(suite: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    """The small statements of a suite made only of simple lines (else empty)."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return list(suite.body)
    assert isinstance(suite, cst.IndentedBlock)
    smalls: list[cst.BaseSmallStatement] = []
    for line in suite.body:
        if not isinstance(line, cst.SimpleStatementLine):
            return []
        smalls.extend(line.body)
    return smalls


def _single_line(suite: cst.BaseSuite | None) -> cst.BaseStatement | None:
    if isinstance(suite, cst.IndentedBlock) and len(suite.body) == 1:
        return suite.body[0]
    return None


def _only_return(suite: cst.BaseSuite) -> cst.BaseExpression | None:
    smalls = _smalls(suite)
    if len(smalls) == 1 and isinstance(smalls[0], cst.Return):
        return smalls[0].value
    return None


def _single(statement: cst.BaseStatement | None, kind: type[_S]) -> _S | None:
    """The only small statement of a simple line, when it is a ``kind``."""
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, kind):
            return small
    return None


def _key(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return node.slice[0].slice.value
    return None


def _is_name(node: cst.CSTNode | None, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name
