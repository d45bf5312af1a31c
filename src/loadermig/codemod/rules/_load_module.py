"""LM008's reading of a ``load_module(self, fullname)`` body: which PEP 302 idiom it is.

Two shapes have a faithful ``exec_module`` form:

* **execute**: the method creates a module (``types.ModuleType(fullname)``,
  ``imp.new_module(fullname)``, or either inside ``sys.modules.setdefault(fullname, ...)``),
  registers it in ``sys.modules[fullname]``, runs code into it and returns it. Creation,
  registration, ``mod.__loader__ = self``, a leading reload guard and a ``try``/``except``
  that only removes ``sys.modules[fullname]`` and re-raise are the import system's job
  under ``exec_module``; everything else stays.
* **register**: every ``return x`` follows, in its own block, a ``sys.modules[fullname] = x``
  (aliasing loaders: setuptools' VendorImporter, six, bottle's and flask's redirects). The
  import system returns whatever ``sys.modules[fullname]`` holds once the loader is done,
  under the ``load_module`` fallback (3.4-3.11's ``_load_backward_compatible``, 3.12+ the
  same) and after ``exec_module`` alike, never ``load_module``'s return value. So the body
  stays, the returns become bare, and before each the attributes the fallback filled in on
  that module (``__loader__``, ``__package__``, ``__spec__``, each only when missing or None)
  are filled in the same way: the aliased module keeps its own ``__spec__``.

Any other body is *handed off*: ``load_module`` stays as it is, for the import system and for
every caller, and an added ``exec_module`` runs it the way the fallback did. The fallback
called ``load_module`` with no ``sys.modules`` entry for the name, so the entry the import
system registered for ``exec_module`` is taken out first; the method then creates, registers,
aliases or delegates (``imp.load_dynamic``, a transpiler's own import function, another
loader) exactly as before, and the fallback's fill-ins go on whatever ``sys.modules[fullname]``
then holds, which is what the import gets in both worlds. Refused: a body that looks up its
own entry before anything could have put it there (it would see none), and one that calls a
base class's ``load_module``, whose default in ``importlib.abc.Loader`` calls ``exec_module``.

:func:`read_shape` returns a :class:`Shape` or the reason why the body is neither.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    PositionProvider,
    ScopeProvider,
)

from ._base import Rule, code
from ._cst_helpers import has_docstring, is_name, only_small_statement, own_statements, walk

NEW_MODULE = ("types.ModuleType", "imp.new_module")
SYS_MODULES = "sys.modules"
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
    #: The reload guard statement (by identity; 0: none). It goes, and what its ``elif`` or
    #: ``else`` held takes its place (:func:`after_guard`).
    guard_id: int = 0
    setdefault: bool = False
    cleanup: bool = False
    #: Register shape: the returns (by identity) before which the fallback's attribute
    #: fill-ins go, with the variable each returns.
    fill_ins: dict[int, str] = field(default_factory=dict)
    #: Lines removing ``sys.modules[fullname]`` inside a cleanup handler that stays.
    removed_lines: set[int] = field(default_factory=set)
    name_still_used: bool = False
    #: Hand-off: ``load_module`` stays, run by an added ``exec_module`` (module docstring).
    handoff: bool = False


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
        "code into it and returns it, with at most a leading reload guard and a cleanup "
        "handler that removes sys.modules[fullname] and re-raises. Register: every return of "
        "the method follows, in its own block, an assignment of what it returns to "
        "sys.modules[fullname] (aliasing loaders such as six and setuptools' VendorImporter), "
        "or the method only ever raises (an import blocker). This body is neither, so what "
        "the import would get after a conversion is not evident. Convert by hand: "
        "exec_module(self, module) runs code into the module the import system created and "
        "registered, and create_module(self, spec) returns None."
    ),
    "cleanup": (
        "A try/except in load_module() removes sys.modules[fullname] on failure but is not "
        "the handler LM008 can take apart: one handler (bare, Exception or BaseException) "
        "without else or finally, ending in a bare raise, with that one removal and no other "
        "use of sys.modules. Under exec_module() the import system removes the module itself "
        "when execution fails, so only the removal would be redundant; whatever else the "
        "handler does would then run with the entry still in sys.modules. Decide what the "
        "handler needs, then convert by hand."
    ),
    "sys-modules": (
        "load_module() uses sys.modules in a way this rule does not recognise (beyond the "
        "reload guard, the registration of the module it creates or aliases, setdefault, a "
        "cleanup removal and reads of other entries). Under exec_module() the import system "
        "creates and registers the module before the method runs, so such code would see "
        "another sys.modules than it did. Convert by hand."
    ),
    "returns-other": (
        "load_module() returns something other than a module it put into "
        "sys.modules[fullname]. The import system, under the load_module() fallback "
        "(Python 3.4-3.14) and after exec_module() alike, returns whatever "
        "sys.modules[fullname] holds when the loader is done, and exec_module()'s result is "
        "ignored; a direct caller of load_module() got the returned value. The conversion "
        "would change what one of them gets. Convert by hand."
    ),
    "unregistered": (
        "A return in load_module() is not preceded, in its own block, by an assignment of "
        "the returned module to sys.modules[fullname] (or the variable is bound again in "
        "between). The import takes the module from sys.modules[fullname], a direct caller "
        "gets the returned one, and after a conversion to exec_module() only the first "
        "would remain. Register the module right before returning it, or convert by hand."
    ),
    "rebinds-name": (
        "load_module() rebinds or deletes its fullname parameter; the converted exec_module() "
        "reads the name once from module.__name__. Convert by hand."
    ),
    "reload-aware": (
        "load_module() looks up its own sys.modules entry before anything in it could have "
        "put one there, beyond a leading reload guard: to reuse a module being reloaded, to "
        "put the previous one back when a reload fails, or to take a module its finder "
        "already imported. Converted, it would run as the fallback ran a first import, with "
        "no entry for the name, also when importlib.reload() calls it; and under "
        "exec_module() the import system puts its own new module into sys.modules[fullname] "
        "before the loader runs, replacing one a finder put there. Convert by hand: "
        "exec_module(self, module) is given the module to execute."
    ),
    "calls-default": (
        "load_module() calls a base class's load_module() (super().load_module(...) or "
        "Base.load_module(self, ...)). Python 3.4-3.11's importlib.abc.Loader.load_module() "
        "and the standard library's loaders run exec_module() once a class has one, so an "
        "exec_module() added here that runs load_module() would call itself without end. "
        "Convert by hand."
    ),
}
#: Reasons of the idiom readers after which the body can still be handed off.
HANDED_OFF = frozenset(
    {"shape", "returns-other", "unregistered", "sys-modules", "cleanup", "rebinds-name"}
)


def read_shape(rule: Rule, node: cst.FunctionDef, self_name: str, name: str) -> Shape:
    """Classify ``node``'s body or raise :class:`NotConvertible` with the reason."""
    return _Reader(rule, node, self_name, name).read()


class _Reader:
    def __init__(self, rule: Rule, node: cst.FunctionDef, self_name: str, name: str) -> None:
        self.rule = rule
        self.node = node
        self.self_name = self_name
        self.name = name
        self.guard_returns: set[int] = set()
        #: Entry-removing lines inside a kept cleanup handler (by identity), with the
        #: ``sys.modules`` nodes in them.
        self.removals: dict[int, set[int]] = {}
        #: For each return of the register shape (by identity), the registering statement.
        self.registered: dict[int, cst.BaseStatement] = {}

    # -- entry ----------------------------------------------------------------------------

    def read(self) -> Shape:
        try:
            return self._read_idiom()
        except NotConvertible as why:
            if why.reason not in HANDED_OFF or not isinstance(self.node.body, cst.IndentedBlock):
                raise
        return self._read_handoff()

    def _read_idiom(self) -> Shape:
        if not isinstance(self.node.body, cst.IndentedBlock):
            raise NotConvertible("load_module()'s body is on the def line")
        statements = list(self.node.body.body)
        start = 1 if has_docstring(statements) else 0
        flat, cleanup = self._flatten(statements[start:])
        at = self._guard_index(flat, statements)
        guard = at is not None
        guard_id = 0
        if at is not None:
            guard_node = flat[at]
            guarded = guard_node.body if isinstance(guard_node, cst.If) else guard_node
            self.guard_returns = {id(n) for n in walk(guarded) if isinstance(n, cst.Return)}
            guard_id = id(guard_node)
            flat = flat[:at] + after_guard(guard_node) + flat[at + 1 :]
        body = flat
        returns = [r for r in own_statements(self.node).returns if id(r) not in self.guard_returns]
        if len(body) == 1 and len(returns) == 1 and self._only_registers(body[0], returns[0]):
            shape = Shape(alias=False, module_var="module", flat=statements[:start] + flat)
            shape.guard, shape.cleanup, shape.setdefault = guard, cleanup, True
            shape.guard_id = guard_id
            shape.dropped = {id(s) for s in flat}
            self._check_name_param()
            return shape
        names = [self._returned_name(r) for r in returns]
        if not names and body and _cannot_fall_off(body[-1]):
            return self._read_raises(statements[:start] + flat, guard, guard_id, cleanup)
        if not names or None in names:
            odd = next((r for r, n in zip(returns, names) if n is None), None)
            if odd is None:
                raise NotConvertible("load_module() never returns")
            what = "nothing" if odd.value is None else code(odd.value)
            what = what if len(what) <= 30 else "an expression"
            raise NotConvertible(
                f"line {self._line(odd)} returns {what}, not a variable put into sys.modules",
                "returns-other",
            )
        var = names[0] or "module"
        params = sorted({self.name, self.self_name} & {n for n in names if n})
        if params:
            raise NotConvertible(
                f"load_module() returns its parameter {params[0]}", "returns-other"
            )
        shape = Shape(alias=False, module_var=var, flat=statements[:start] + flat)
        shape.guard, shape.cleanup, shape.guard_id = guard, cleanup, guard_id
        final = only_small_statement(body[-1], cst.Return) if body else None
        if final is not None:
            shape.dropped.add(id(body[-1]))
        elif not body or not _cannot_fall_off(body[-1]):
            raise NotConvertible("load_module() can end without returning a module")
        self._check_name_param()
        if own_statements(self.node).yields:
            raise NotConvertible("load_module() is a generator")
        created = self._creation(body) if len(set(names)) == 1 and names[0] else None
        if names == [""] and final is not None:
            # `return sys.modules[fullname]` after creating and registering `mod`: what the
            # import returns (a module that replaced itself in sys.modules included).
            created = self._creation(body)
            target = created.targets[0] if created is not None else None
            if isinstance(target, cst.Name):
                shape.module_var = target.value
            else:
                created = None
        if created is not None and final is not None:
            self._read_execute(shape, body, created)
        else:
            self._read_alias(shape, body, returns, final)
        kept = [s for s in shape.flat if id(s) not in shape.dropped]
        shape.name_still_used = any(
            isinstance(n, cst.Name) and n.value == self.name for s in kept for n in walk(s)
        )
        return shape

    def _read_handoff(self) -> Shape:
        """Any body: ``load_module`` stays, run by an added ``exec_module`` (see the module
        docstring), unless it reads its own entry too early or calls a base's default."""
        assert isinstance(self.node.body, cst.IndentedBlock)
        statements = list(self.node.body.body)
        start = 1 if has_docstring(statements) else 0
        flat = statements[start:]
        allowed = self._reads_after_registering(flat)
        at = self._guard_index(flat, statements, reuse=True)
        if at is not None:
            guard = flat[at]
            head = guard.body if isinstance(guard, cst.If) else guard
            allowed |= {id(n) for n in walk(head)}
            if isinstance(guard, cst.If):
                allowed.add(id(guard.test))
        for statement in flat:
            for node in walk(statement, nested=False):
                if id(node) not in allowed and self._reads_own_entry(node):
                    raise NotConvertible(
                        f"line {self._line(node)} looks up sys.modules[{self.name}] before "
                        "loading anything",
                        "reload-aware",
                    )
                if self._calls_base_load_module(node):
                    raise NotConvertible(
                        f"line {self._line(node)} calls a base class's load_module()",
                        "calls-default",
                    )
        return Shape(alias=False, module_var="module", flat=statements, handoff=True)

    def _calls_base_load_module(self, node: cst.CSTNode) -> bool:
        """``super().load_module(...)`` or ``Base.load_module(self, ...)``."""
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return False
        if node.func.attr.value != "load_module":
            return False
        owner = node.func.value
        if isinstance(owner, cst.Call) and is_name(owner.func, "super"):
            return True
        return bool(node.args) and is_name(node.args[0].value, self.self_name)

    def _reads_own_entry(self, node: cst.CSTNode) -> bool:
        """``fullname in sys.modules``, ``sys.modules.get/setdefault(fullname, ...)``, or
        ``sys.modules[fullname]`` read anywhere but as a returned value."""
        if isinstance(node, cst.Comparison):
            return (
                is_name(node.left, self.name)
                and len(node.comparisons) == 1
                and isinstance(node.comparisons[0].operator, (cst.In, cst.NotIn))
                and self.rule.refers_to(node.comparisons[0].comparator, SYS_MODULES)
            )
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            return (
                node.func.attr.value in ("get", "setdefault")
                and self.rule.refers_to(node.func.value, SYS_MODULES)
                and bool(node.args)
                and is_name(node.args[0].value, self.name)
            )
        if isinstance(node, cst.Return):
            return False
        if isinstance(node, cst.Subscript) and self._is_entry(node):
            context = self.rule.get_metadata(ExpressionContextProvider, node, None)
            return context is ExpressionContext.LOAD and not self._returned_entry(node)
        return False

    def _reads_after_registering(self, flat: Sequence[cst.BaseStatement]) -> set[int]:
        """Reads of the entry that come after something could have put it there: a test
        ``fullname in sys.modules`` guarding only its removal (a cleanup handler), and
        ``x = sys.modules[fullname]`` after a call in the same block (``__import__(name)``)."""
        allowed: set[int] = set()
        blocks: list[Sequence[cst.BaseStatement]] = [flat]
        blocks += [
            n.body for s in flat for n in walk(s, nested=False) if isinstance(n, cst.IndentedBlock)
        ]
        for block in blocks:
            called = False
            for statement in block:
                if isinstance(statement, cst.If) and self._only_removes_entry(statement):
                    allowed.add(id(statement.test))
                assign = only_small_statement(statement, cst.Assign)
                if called and assign is not None and self._is_entry(assign.value):
                    allowed.add(id(assign.value))
                if isinstance(statement, cst.SimpleStatementLine) and any(
                    isinstance(n, cst.Call) for n in walk(statement, nested=False)
                ):
                    called = True
        return allowed

    def _only_removes_entry(self, statement: cst.If) -> bool:
        """``if fullname in sys.modules: del sys.modules[fullname]`` (or ``pop``)."""
        return (
            statement.orelse is None
            and self._is_membership_test(statement.test)
            and all(self._removes_entry_line(s) for s in _lines(statement.body))
        )

    def _returned_entry(self, node: cst.Subscript) -> bool:
        """Whether ``node`` is the whole value of one of the method's returns."""
        return any(r.value is node for r in own_statements(self.node).returns)

    # -- the pieces -----------------------------------------------------------------------

    def _only_registers(self, statement: cst.BaseStatement, returned: cst.Return) -> bool:
        """``return sys.modules.setdefault(fullname, types.ModuleType(fullname))``: an empty
        module, which is what the import system makes before ``exec_module``."""
        value = returned.value
        return (
            only_small_statement(statement, cst.Return) is returned
            and value is not None
            and self._creates(value)
            and not self._is_new_module(value)
        )

    def _returned_name(self, returned: cst.Return) -> str | None:
        """The variable returned; "" for ``sys.modules[fullname]``; None for anything else."""
        if isinstance(returned.value, cst.Name):
            return returned.value.value
        return "" if self._is_entry(returned.value) else None

    def _read_raises(
        self, flat: list[cst.BaseStatement], guard: bool, guard_id: int, cleanup: bool
    ) -> Shape:
        """A method that only ever raises (an import blocker): the body stays as it is."""
        shape = Shape(alias=True, module_var="module", flat=flat)
        shape.guard, shape.cleanup, shape.guard_id = guard, cleanup, guard_id
        self._check_name_param()
        self._check_sys_modules(flat, pops=True)
        shape.name_still_used = any(
            isinstance(n, cst.Name) and n.value == self.name for s in flat for n in walk(s)
        )
        return shape

    def _guard_index(
        self,
        flat: Sequence[cst.BaseStatement],
        top: Sequence[cst.BaseStatement],
        *,
        reuse: bool = False,
    ) -> int | None:
        """Where the reload guard is: a top-level statement, after nothing but assignments
        of constants to local names (future's ``path = None``) and checks that only raise.
        With ``reuse``, also ``if fullname in sys.modules: mod = sys.modules[fullname]`` with
        an ``else`` (a hand-off body runs without the entry, so only the ``else`` stays)."""
        mine = {id(s) for s in top}
        for index, statement in enumerate(flat):
            if id(statement) in mine and (
                self._is_guard(statement) or (reuse and self._is_reuse_guard(statement))
            ):
                return index
            if not (
                _assigns_constant(statement)
                or self._only_refuses(statement)
                or (reuse and self._simple_without_sys_modules(statement))
            ):
                return None
        return None

    def _simple_without_sys_modules(self, statement: cst.BaseStatement) -> bool:
        """A simple line that neither returns nor names ``sys.modules`` (a log call)."""
        return isinstance(statement, cst.SimpleStatementLine) and not any(
            isinstance(n, cst.Return)
            or (isinstance(n, (cst.Name, cst.Attribute)) and self.rule.refers_to(n, SYS_MODULES))
            for n in walk(statement)
        )

    def _only_refuses(self, statement: cst.BaseStatement) -> bool:
        """``if <test without sys.modules>: ... raise``: a check of the name before the
        guard (pip's VendorAlias), which raises the same whether a guard would fire or not."""
        return (
            isinstance(statement, cst.If)
            and statement.orelse is None
            and isinstance(statement.body, cst.IndentedBlock)
            and bool(statement.body.body)
            and only_small_statement(statement.body.body[-1], cst.Raise) is not None
            and not any(
                isinstance(n, cst.Return) or self.rule.refers_to(n, SYS_MODULES)
                for n in walk(statement)
                if isinstance(n, (cst.Return, cst.Name, cst.Attribute))
            )
        )

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
                    removal = self._removal_in_cleanup(statement)
                    if removal is None:
                        raise NotConvertible(
                            f"load_module()'s try/except does more than remove "
                            f"sys.modules[{self.name}]",
                            "cleanup",
                        )
                    self.removals[id(removal)] = self._entry_nodes(removal)
                flat.append(statement)
        return flat, cleanup

    def _removal_in_cleanup(self, node: cst.Try) -> cst.SimpleStatementLine | None:
        """In ``try: ... except [BaseException|Exception]: <other work>; del
        sys.modules[fullname]; <other work>; raise``, the line that removes the entry.

        The import system removes it itself when ``exec_module`` raises, so that line goes
        and the rest of the handler stays; it then runs with the entry still there, which
        the handler must not look at (nothing else in it may use ``sys.modules``).
        """
        if node.orelse or node.finalbody or len(node.handlers) != 1:
            return None
        handler = node.handlers[0]
        if handler.type is not None and not self.rule.refers_to(handler.type, *CLEANUP_TYPES):
            return None
        body = handler.body
        if not isinstance(body, cst.IndentedBlock) or not body.body:
            return None
        last = only_small_statement(body.body[-1], cst.Raise)
        if last is None or last.exc is not None:
            return None
        removals = [s for s in body.body if self._removes_entry_line(s)]
        if len(removals) != 1:
            return None
        line = removals[0]
        assert isinstance(line, cst.SimpleStatementLine)
        others = [s for s in body.body if s is not line]
        if any(self.rule.refers_to(n, SYS_MODULES) for s in others for n in walk(s)):
            return None
        return line

    def _removes_entry_line(self, statement: cst.BaseStatement) -> bool:
        """``del sys.modules[fullname]`` or ``sys.modules.pop(fullname[, default])``."""
        small = only_small_statement(statement, cst.Del)
        if small is not None:
            return self._is_entry(small.target)
        expr = only_small_statement(statement, cst.Expr)
        call = expr.value if expr is not None else None
        return (
            isinstance(call, cst.Call)
            and self.rule.refers_to(call.func, SYS_MODULES + ".pop")
            and 1 <= len(call.args) <= 2
            and is_name(call.args[0].value, self.name)
            and all(a.keyword is None and not a.star for a in call.args)
        )

    def _entry_nodes(self, line: cst.SimpleStatementLine) -> set[int]:
        """The ``sys.modules`` expressions of a removal line (accepted by the checks)."""
        return {
            id(n)
            for n in walk(line)
            if isinstance(n, (cst.Name, cst.Attribute)) and self.rule.refers_to(n, SYS_MODULES)
        }

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
                    and is_name(inner.args[0].value, self.name)
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
                and is_name(call.args[0].value, self.name)
                and all(a.keyword is None and not a.star for a in call.args)
            )
        return False

    def _is_membership_test(self, test: cst.BaseExpression) -> bool:
        """``fullname in sys.modules``."""
        return (
            isinstance(test, cst.Comparison)
            and is_name(test.left, self.name)
            and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.In)
            and self.rule.refers_to(test.comparisons[0].comparator, SYS_MODULES)
        )

    def _is_reuse_guard(self, statement: cst.BaseStatement) -> bool:
        """``if fullname in sys.modules: mod = sys.modules[fullname]`` / ``else: ...``."""
        if not isinstance(statement, cst.If) or not isinstance(statement.orelse, cst.Else):
            return False
        assign = only_small_statement(_single_line(statement.body), cst.Assign)
        return (
            isinstance(statement.orelse.body, cst.IndentedBlock)
            and self._is_membership_test(statement.test)
            and assign is not None
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
            and self._is_entry(assign.value)
        )

    def _is_guard(self, statement: cst.BaseStatement) -> bool:
        """``if fullname in sys.modules: return sys.modules[fullname]`` or the try form."""
        if isinstance(statement, cst.If):
            orelse = statement.orelse
            if isinstance(orelse, cst.Else) and not isinstance(orelse.body, cst.IndentedBlock):
                return False
            test = statement.test
            returned = _only_return(statement.body)
            return (
                self._is_membership_test(test) and returned is not None and self._is_entry(returned)
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
            and is_name(_key(node), self.name)
        )

    def _is_new_module(self, node: cst.BaseExpression) -> bool:
        """``types.ModuleType(fullname)`` / ``imp.new_module(fullname)``."""
        return (
            isinstance(node, cst.Call)
            and self.rule.refers_to(node.func, *NEW_MODULE)
            and len(node.args) == 1
            and node.args[0].keyword is None
            and not node.args[0].star
            and is_name(node.args[0].value, self.name)
        )

    def _creation(self, body: Sequence[cst.BaseStatement]) -> _Created | None:
        """The statement that creates the module (or reuses ``sys.modules[fullname]``)."""
        for statement in body:
            assign = only_small_statement(statement, cst.Assign)
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
        if not self._is_membership_test(statement.test):
            return None
        then = only_small_statement(_single_line(statement.body), cst.Assign)
        other = only_small_statement(_single_line(statement.orelse.body), cst.Assign)
        if then is None or other is None or len(then.targets) != 1 or len(other.targets) != 1:
            return None
        first, second = then.targets[0].target, other.targets[0].target
        if not (
            isinstance(first, cst.Name)
            and is_name(second, first.value)
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
            and is_name(value.args[0].value, self.name)
            and self._is_new_module(value.args[1].value)
        )

    def _check_name_param(self) -> None:
        scope = self.rule.get_metadata(ScopeProvider, self.node.params.params[1].name)
        assignments = scope.assignments[self.name] if scope is not None else ()
        if len(assignments) != 1 or any(
            isinstance(n, cst.Del) and is_name(n.target, self.name) for n in walk(self.node)
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
        if any(isinstance(n, cst.Del) and is_name(n.target, var) for n in walk(self.node)):
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
            small = only_small_statement(statement, cst.Assign)
            if small is not None and len(small.targets) == 1:
                target = small.targets[0].target
                if self._is_entry(target) and is_name(small.value, var):
                    shape.dropped.add(id(statement))
                    registered = True
                elif (
                    isinstance(target, cst.Attribute)
                    and is_name(target.value, var)
                    and target.attr.value == "__loader__"
                    and is_name(small.value, self.self_name)
                ):
                    shape.dropped.add(id(statement))
        if not registered:
            raise NotConvertible(
                f"load_module() never puts {var} into sys.modules[{self.name}] at its top level"
            )
        kept = [s for s in body if id(s) not in shape.dropped]
        self._check_sys_modules(kept, known=set().union(*self.removals.values()))
        shape.removed_lines = set(self.removals)
        self._check_returns(shape, allow_module=True)

    # -- register -------------------------------------------------------------------------

    def _read_alias(
        self,
        shape: Shape,
        body: Sequence[cst.BaseStatement],
        returns: Sequence[cst.Return],
        final: cst.Return | None,
    ) -> None:
        registrations: set[int] = set()
        top = {id(only_small_statement(s, cst.Return)) for s in shape.flat}
        for returned in returns:
            if id(returned) in top and returned is not final:
                raise NotConvertible(
                    f"line {self._line(returned)} returns before the end", "returns-other"
                )
            registrations.add(self._registration_before(returned))
        shape.alias = True
        shape.bare_returns = {id(r) for r in returns if r is not final}
        shape.fill_ins = {id(r): self.fill_in_target(r) for r in returns}
        self._check_sys_modules(
            [s for s in body if id(s) not in shape.dropped], ignore=registrations, pops=True
        )

    def _registration_before(self, returned: cst.Return) -> int:
        """The ``sys.modules[fullname]`` target that makes ``return var`` return the
        registered module: an earlier statement of the same block assigns ``var`` to it
        (``sys.modules[fullname] = var``, ``var = sys.modules[fullname] = ...``), and nothing
        in between binds ``var`` again."""
        var = self._returned_name(returned) or ""
        for block in walk(self.node.body, nested=False):
            if not isinstance(block, cst.IndentedBlock):
                continue
            lines = list(block.body)
            index = next(
                (i for i, s in enumerate(lines) if only_small_statement(s, cst.Return) is returned),
                None,
            )
            if index is None:
                continue
            bound = self._bindings(var)
            for before in reversed(lines[:index]):
                target = self._registers(before, var)
                if target is not None:
                    self.registered[id(returned)] = before
                    return id(target)
                if any(
                    id(n) in bound or (isinstance(n, cst.Del) and is_name(n.target, var))
                    for n in walk(before)
                ):
                    break
            break
        what = var or code(returned.value or returned)
        what = what if len(what) <= 30 else "an expression"
        raise NotConvertible(
            f"line {self._line(returned)} returns {what} without putting it into "
            f"sys.modules[{self.name}] first",
            "unregistered",
        )

    def fill_in_target(self, returned: cst.Return) -> str:
        """What the fallback's fill-ins go on: the variable registered, else the entry."""
        assign = only_small_statement(self.registered[id(returned)], cst.Assign)
        assert assign is not None and returned.value is not None
        names = [t.target for t in assign.targets if isinstance(t.target, cst.Name)]
        if isinstance(assign.value, cst.Name):
            names.append(assign.value)
        return names[0].value if names else code(returned.value)

    def _registers(
        self, statement: cst.BaseStatement, var: str
    ) -> cst.BaseAssignTargetExpression | None:
        """The ``sys.modules[fullname]`` target of ``statement`` when it assigns ``var`` there."""
        assign = only_small_statement(statement, cst.Assign)
        if assign is None:
            return None
        targets = [t.target for t in assign.targets]
        entry = next((t for t in targets if self._is_entry(t)), None)
        if entry is not None and (
            not var or is_name(assign.value, var) or any(is_name(t, var) for t in targets)
        ):
            return entry
        return None

    def _line(self, node: cst.CSTNode) -> int:
        return int(self.rule.get_metadata(PositionProvider, node).start.line)

    # -- common checks --------------------------------------------------------------------

    def _check_sys_modules(
        self,
        statements: Sequence[cst.BaseStatement],
        ignore: Collection[int] = (),
        *,
        pops: bool = False,
        known: Collection[int] = (),
    ) -> None:
        """Only reads of other entries (``sys.modules[x]``, ``sys.modules.get(x)``) remain.

        With ``pops``, also ``sys.modules.pop(fullname, default)`` as a statement: it removes
        nothing under the fallback, the entry the import system made under ``exec_module``,
        and either way the import then returns what the loader registers afterwards.
        """
        reads: set[int] = set(known)
        for statement in statements:
            for node in walk(statement):
                if pops and self._is_pop_with_default(node):
                    assert isinstance(node, cst.Expr) and isinstance(node.value, cst.Call)
                    assert isinstance(node.value.func, cst.Attribute)
                    reads.add(id(node.value.func.value))
                if isinstance(node, cst.Subscript) and (
                    id(node) in ignore or self._other_read(node)
                ):
                    reads.add(id(node.value))
                if isinstance(node, cst.Del) and self._other_entry_deleted(node, statements):
                    assert isinstance(node.target, cst.Subscript)
                    reads.add(id(node.target.value))
                if (
                    isinstance(node, cst.Call)
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "get"
                    and self.rule.refers_to(node.func.value, SYS_MODULES)
                    and node.args
                    and not is_name(node.args[0].value, self.name)
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

    def _is_pop_with_default(self, node: cst.CSTNode) -> bool:
        """``sys.modules.pop(fullname, default)`` as an expression statement."""
        if not isinstance(node, cst.Expr) or not isinstance(node.value, cst.Call):
            return False
        call = node.value
        return (
            isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "pop"
            and self.rule.refers_to(call.func.value, SYS_MODULES)
            and len(call.args) == 2
            and all(a.keyword is None and not a.star for a in call.args)
            and is_name(call.args[0].value, self.name)
        )

    def _other_entry_deleted(self, node: cst.Del, statements: Sequence[cst.BaseStatement]) -> bool:
        """``del sys.modules[x]`` of a name ``x`` that is not ``fullname`` nor a plain copy
        of it (setuptools' VendorImporter drops the vendored module's own entry after
        aliasing it). It touches another entry under the fallback and under ``exec_module``
        alike; were ``x`` ever ``fullname`` at run time, both would fail to find the entry."""
        target = node.target
        if not isinstance(target, cst.Subscript) or not self.rule.refers_to(
            target.value, SYS_MODULES
        ):
            return False
        key = _key(target)
        if not isinstance(key, cst.Name) or key.value == self.name:
            return False
        return not any(
            isinstance(child, cst.Assign)
            and any(is_name(t.target, key.value) for t in child.targets)
            and is_name(child.value, self.name)
            for statement in statements
            for child in walk(statement)
        )

    def _other_read(self, node: cst.Subscript) -> bool:
        context = self.rule.get_metadata(ExpressionContextProvider, node, None)
        return (
            context is ExpressionContext.LOAD
            and self.rule.refers_to(node.value, SYS_MODULES)
            and not is_name(_key(node), self.name)
        )

    def _check_returns(self, shape: Shape, *, allow_module: bool) -> None:
        last = shape.flat[-1]
        own = own_statements(self.node)
        for statement in own.returns:
            if only_small_statement(last, cst.Return) is statement:
                continue
            if id(statement) in self.guard_returns:
                continue
            if allow_module and is_name(statement.value, shape.module_var):
                shape.bare_returns.add(id(statement))
                continue
            line = self.rule.get_metadata(PositionProvider, statement).start.line
            raise NotConvertible(
                f"line {line} returns early, and not the module it loads", "returns-other"
            )


def after_guard(guard: cst.BaseStatement) -> list[cst.BaseStatement]:
    """What stays of a reload guard: its ``elif`` as an ``if``, its ``else`` block, or nothing."""
    if isinstance(guard, cst.If):
        if isinstance(guard.orelse, cst.If):
            return [guard.orelse]
        if isinstance(guard.orelse, cst.Else):
            assert isinstance(guard.orelse.body, cst.IndentedBlock)
            return list(guard.orelse.body.body)
    return []


def _assigns_constant(statement: cst.BaseStatement) -> bool:
    """``name = None`` (or another literal): nothing that could touch ``sys.modules``."""
    assign = only_small_statement(statement, cst.Assign)
    return (
        assign is not None
        and all(isinstance(t.target, cst.Name) for t in assign.targets)
        and isinstance(assign.value, (cst.Name, cst.SimpleString, cst.Integer))
        and (
            not isinstance(assign.value, cst.Name)
            or assign.value.value in ("None", "True", "False")
        )
    )


def _cannot_fall_off(statement: cst.BaseStatement) -> bool:
    """Whether control never leaves ``statement`` at its end: a raise, or a loop without
    ``break`` whose ``else`` ends in a raise."""
    if only_small_statement(statement, cst.Raise) is not None:
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


def _lines(suite: cst.BaseSuite) -> list[cst.BaseStatement]:
    """A suite's statements, a one-line suite's small statements each as its own line."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine([small]) for small in suite.body]
    assert isinstance(suite, cst.IndentedBlock)
    return list(suite.body)


def _single_line(suite: cst.BaseSuite | None) -> cst.BaseStatement | None:
    if isinstance(suite, cst.IndentedBlock) and len(suite.body) == 1:
        return suite.body[0]
    return None


def _only_return(suite: cst.BaseSuite) -> cst.BaseExpression | None:
    smalls = _smalls(suite)
    if len(smalls) == 1 and isinstance(smalls[0], cst.Return):
        return smalls[0].value
    return None


def _key(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return node.slice[0].slice.value
    return None
