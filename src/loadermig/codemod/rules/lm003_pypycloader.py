"""LM003: a ``PyPycLoader`` subclass becomes an ``importlib.abc.SourceLoader`` subclass.

PyPycLoader (removed in Python 3.4) asked the class for ``source_mtime(fullname)``,
``bytecode_path(fullname)`` and ``write_bytecode(fullname, data)``; SourceLoader decides the
bytecode location itself (``importlib.util.cache_from_source(source path)``) and asks for
``path_stats(source path)`` and ``set_data(bytecode path, data)``. The translation is done only
when it is provably the same loader:

* ``bytecode_path`` returns nothing but that standard location (or None), so the class never
  loaded bytecode without source or from anywhere else; it is kept, and the added
  ``get_filename`` (PyPycLoader's) still falls back to it, where it can only give None;
* ``source_mtime`` uses its module name only as ``self.source_path(fullname)``: it becomes
  ``path_mtime(path)``, and ``path_stats`` is added around it;
* ``write_bytecode`` uses its module name only for the standard location, and no OSError can
  leave it: it becomes ``set_data(path, data)`` (SourceLoader lets any error from set_data
  fail the import, so one that cannot write to ``__pycache__`` must stay silent).

Otherwise the legacy methods stay as they are and the class gets the ``get_code`` and
``get_source`` PyPycLoader built on them (:mod:`._pypyc_get_code`); a class that defines
those itself, or lacks one of the three legacy methods, stays as it is, with findings saying
why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

import libcst as cst
from libcst.metadata import BuiltinAssignment, ImportAssignment, ParentNodeProvider

from ._base import KEPT, Problem, fitted
from ._cst_helpers import body_statements, has_docstring, leading_lines, walk
from ._node_finding import NodeFinding
from ._pypyc_get_code import BUILTINS, GET_CODE, GET_SOURCE, MODULES, REPLACED
from ._sourceloader_conversion import (
    LegacyBaseClass,
    LegacyBaseRule,
    SourceLoaderPlan,
    legacy_base_details,
)
from ._value_flow import Flow, Kind

#: Exceptions whose handler also catches OSError.
OSERROR_CATCHERS = (
    *(f"builtins.{name}" for name in ("OSError", "IOError", "EnvironmentError")),
    *("builtins.Exception", "builtins.BaseException", "os.error"),
)
#: Values computed from the module name alone, which may be dropped once unused.
DERIVED = frozenset({Kind.FULLNAME, Kind.SOURCE, Kind.FILENAME, Kind.BYTECODE, Kind.CACHE})
LEGACY_METHODS = ("source_mtime", "bytecode_path", "write_bytecode")
RENAMED = ("source_mtime", "write_bytecode")

#: PyPycLoader's get_filename, in source form (bytecode_path never gives a path without source
#: here, so it is only reached on the way to the ImportError, or whatever bytecode_path raises).
GET_FILENAME = (
    "def get_filename(self, fullname):",
    '    """Return source_path(), else bytecode_path(), as PyPycLoader did; else ImportError."""',
    "    path = self.source_path(fullname)",
    "    if path is None:",
    "        path = self.bytecode_path(fullname)",
    "    if path is None:",
    '        raise ImportError(f"no source or bytecode path for {fullname!r}", name=fullname)',
    "    return path",
)
PATH_STATS = (
    "def path_stats(self, path):",
    '    """Source metadata for SourceLoader: path_mtime() (OSError if None), no size."""',
    "    mtime = self.path_mtime(path)",
    "    if mtime is None:",
    '        raise OSError(f"no modification time for {path!r}")',
    '    return {"mtime": mtime, "size": None}',
)


_CONVERTED = (
    "The class now derives from importlib.abc.SourceLoader, which every Python since 3.2 has: "
    "source_mtime() became path_mtime() plus path_stats(), write_bytecode() became "
    "set_data(). get_source() of a module without source now raises ImportError instead of "
    "returning None."
)
#: Where the path hooks cannot be translated, the class normally gets PyPycLoader's get_code().
_NO_GET_CODE = (
    " (Where only this stands in the way, loadermig keeps the legacy methods and writes "
    "PyPycLoader's get_code() into the class instead; another finding here says why it did not.)"
)
#: The reasons of a path hook translation that failed (without another, get_code is added).
_PATH_HOOK_REASONS = frozenset(
    {
        "called",
        "overridden",
        "unusual",
        "bytecode-raises",
        "bytecode-elsewhere",
        "writes-bytecode-path",
        "name-used:path_stats",
        "name-used:set_data",
        "oserror",
    }
)


def _noting_get_code(details: dict[str, str]) -> dict[str, str]:
    """``details`` with :data:`_NO_GET_CODE` after each of the :data:`_PATH_HOOK_REASONS`."""
    return {
        key: text + _NO_GET_CODE if key in _PATH_HOOK_REASONS else text
        for key, text in details.items()
    }


_BY_HAND = (
    " Rewrite by hand, or keep the class on loadermig.shim.compat.PyPycLoader (the same API)."
)


class PyPycLoaderRule(LegacyBaseRule):
    """Rewrite ``class L(PyPycLoader)`` to SourceLoader with path_stats/set_data."""

    ID = "LM003"
    TITLE = "PyPycLoader subclass -> importlib.abc.SourceLoader (path_stats, set_data)"
    REMOVAL = "importlib.abc.PyPycLoader was removed in Python 3.4, deprecated since 3.2"
    TRIGGERS = (b"PyPycLoader",)
    LEGACY = "PyPycLoader"
    DETAILS: ClassVar[Mapping[str, str]] = _noting_get_code(
        {
            "converted": _CONVERTED
            + (
                " get_filename() was added as PyPycLoader had it: source_path(), else "
                "bytecode_path(), else ImportError."
            ),
            "converted-own-get-filename": _CONVERTED,
            "bytecode-path": (
                "bytecode_path() stays: get_filename() still asks it when there is no source, as "
                "PyPycLoader did. SourceLoader reads and writes bytecode at "
                "importlib.util.cache_from_source(<source path>), where it already was."
            ),
            **legacy_base_details("PyPycLoader"),
            "not-defined": (
                "The class does not define source_mtime(), bytecode_path() and write_bytecode() as "
                "methods itself (inherited, assigned, or missing), so loadermig can neither check "
                "their translation to path_stats()/set_data() nor write in PyPycLoader's "
                "get_code(), which calls all three." + _BY_HAND
            ),
            "called": (
                "source_mtime() or write_bytecode() is called in this file; the rewrite would "
                "rename it and make it take a path instead of a module name." + _BY_HAND
            ),
            "overridden": (
                "A subclass overrides source_mtime(), bytecode_path() or write_bytecode(), which "
                "the rewrite renames or stops using." + _BY_HAND
            ),
            "unusual": (
                "The method is not a plain method (decorated, async, a generator, or with defaults "
                "or *args), so its translation cannot be checked." + _BY_HAND
            ),
            "bytecode-raises": (
                "bytecode_path() raises here. SourceLoader only reaches it (through "
                "get_filename()) when there is no source, so elsewhere that error would silently "
                "stop." + _BY_HAND
            ),
            "bytecode-elsewhere": (
                "bytecode_path() returns a location other than "
                "importlib.util.cache_from_source(self.source_path(fullname)). SourceLoader only "
                "reads and writes bytecode there and cannot load bytecode without source: keep the "
                "class on loadermig.shim.compat.PyPycLoader or port it by hand."
            ),
            "writes-bytecode-path": (
                "write_bytecode() writes to self.bytecode_path(), which returns None while no "
                "bytecode exists yet, so it never created bytecode where SourceLoader will."
                + _BY_HAND
            ),
            "name-used:path_stats": (
                "source_mtime() uses the module name for more than the source path. "
                "SourceLoader's path_stats() only gets that path." + _BY_HAND
            ),
            "name-used:set_data": (
                "write_bytecode() uses the module name for more than the standard bytecode path. "
                "SourceLoader's set_data() only gets that path." + _BY_HAND
            ),
            "oserror": (
                "write_bytecode() can let an OSError escape (not inside try/except OSError). "
                "SourceLoader.set_data() must not, or imports fail where bytecode cannot be "
                "written (missing __pycache__, read-only directory). Catch OSError in "
                "write_bytecode, then rerun."
            ),
            "converted-get-code": (
                "The class now derives from importlib.abc.SourceLoader, but its legacy methods "
                "cannot become SourceLoader's path hooks (bytecode kept elsewhere or keyed by "
                "module name, bytecode-only modules, source_mtime()/write_bytecode() needing the "
                "name), so they stay as they are and the class gets the get_code() PyPycLoader "
                "built on them (timestamp pyc of the running Python, mtime checked, "
                "write_bytecode() not called under sys.dont_write_bytecode) and PyLoader's "
                "get_source() (None without source). SourceLoader's exec_module() runs that code "
                "and never calls path_stats() or set_data(). importlib.util, marshal, sys and "
                "types are imported where missing."
            ),
            "own-get-code": (
                "The legacy methods cannot become SourceLoader's path hooks, and the class defines "
                "get_code() or get_source() itself, which the PyPycLoader get_code()/get_source() "
                "loadermig would write in instead would replace. Merge the two by hand, or keep "
                "the class on loadermig.shim.compat.PyPycLoader."
            ),
            "module-rebound": (
                "The legacy methods cannot become SourceLoader's path hooks, and the get_code() "
                "loadermig would write in instead uses importlib.util, marshal, sys and types, one "
                "of which this module binds to something else. Rename that binding, then rerun, or "
                "keep the class on loadermig.shim.compat.PyPycLoader."
            ),
        }
    )
    BUILTINS_USED = ("ImportError", "OSError")
    GET_FILENAME = GET_FILENAME
    BEFORE = """\
import os
from importlib.abc import PyPycLoader
from importlib.util import cache_from_source


class CachingLoader(PyPycLoader):
    def source_path(self, fullname):
        return self.paths.get(fullname)

    def source_mtime(self, fullname):
        return os.stat(self.source_path(fullname)).st_mtime

    def bytecode_path(self, fullname):
        path = cache_from_source(self.source_path(fullname))
        return path if os.path.exists(path) else None

    def write_bytecode(self, fullname, bytecode):
        path = cache_from_source(self.source_path(fullname))
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as file:
                file.write(bytecode)
        except OSError:
            return False
        return True

    # get_data, is_package: unchanged
"""
    AFTER = '''\
import os
from importlib.abc import SourceLoader
from importlib.util import cache_from_source


class CachingLoader(SourceLoader):
    def source_path(self, fullname):
        return self.paths.get(fullname)

    def get_filename(self, fullname):
        """Return source_path(), else bytecode_path(), as PyPycLoader did; else ImportError."""
        path = self.source_path(fullname)
        if path is None:
            path = self.bytecode_path(fullname)
        if path is None:
            raise ImportError(f"no source or bytecode path for {fullname!r}", name=fullname)
        return path

    def path_mtime(self, path):
        return os.stat(path).st_mtime

    def path_stats(self, path):
        """Source metadata for SourceLoader: path_mtime() (OSError if None), no size."""
        mtime = self.path_mtime(path)
        if mtime is None:
            raise OSError(f"no modification time for {path!r}")
        return {"mtime": mtime, "size": None}

    def bytecode_path(self, fullname):
        path = cache_from_source(self.source_path(fullname))
        return path if os.path.exists(path) else None

    def set_data(self, path, bytecode):
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as file:
                file.write(bytecode)
        except OSError:
            return False
        return True

    # get_data, is_package: unchanged
'''

    def plan_methods(
        self, info: LegacyBaseClass, plan: SourceLoaderPlan, problems: list[NodeFinding]
    ) -> None:
        """Translate to SourceLoader's path hooks, else add PyPycLoader's get_code."""
        attempt: list[NodeFinding] = []
        self._plan_path_hooks(info, plan, attempt)
        if not attempt:
            return
        refused = None if problems else self._get_code_problem(info)
        if problems or refused is not None:
            problems += attempt
            if refused is not None:
                problems.append(self._problem(info, info.base.value, refused, refused.reason))
            return
        self.insert_after(info, plan, "source_path", [GET_SOURCE, GET_CODE])
        plan.imports = MODULES
        plan.notes.append(
            self._problem(
                info,
                info.base.value,
                "now subclasses SourceLoader with PyPycLoader's get_code() added",
                "converted-get-code",
                fixed=True,
            )
        )

    def _get_code_problem(self, info: LegacyBaseClass) -> Problem | None:
        """Why PyPycLoader's get_code cannot be added to the class (None: it can)."""
        for name in REPLACED:
            if info.binds(name):
                return Problem(
                    f"defines {name}(), which the added one would replace", "own-get-code"
                )
        for name in LEGACY_METHODS:
            if not info.binds(name):
                return Problem(f"does not define {name}(), which get_code() needs", "not-defined")
        for name in BUILTINS:
            if not all(isinstance(a, BuiltinAssignment) for a in info.scope[name]):
                return Problem(
                    f"not rewritten: the added get_code() would use {name}, which is rebound",
                    "builtin-rebound",
                )
        for module in MODULES:
            top = module.split(".")[0]
            for assignment in info.scope[top]:
                names = {q.name for q in assignment.get_qualified_names_for(top)}
                if not isinstance(assignment, ImportAssignment) or names != {top}:
                    return Problem(
                        f"not rewritten: the module binds {top} to something else", "module-rebound"
                    )
        return None

    def _plan_path_hooks(
        self, info: LegacyBaseClass, plan: SourceLoaderPlan, problems: list[NodeFinding]
    ) -> None:
        """Translate source_mtime and write_bytecode; check bytecode_path."""
        methods = {name: info.methods.get(name) for name in LEGACY_METHODS}
        for name, method in methods.items():
            assert info.body_scope is not None
            if method is None or len(info.body_scope.assignments[name]) != 1:
                problems.append(
                    self._problem(
                        info,
                        info.base.value,
                        f"does not define {name}() as a method itself",
                        "not-defined",
                    )
                )
        problems += self._used_elsewhere(info)
        mtime, bytecode, write = (methods[name] for name in LEGACY_METHODS)
        if mtime is None or bytecode is None or write is None:
            return
        always = self._check_bytecode_path(info, bytecode, problems)
        path_mtime = self._translate(info, mtime, Kind.SOURCE, "path_mtime", problems)
        set_data = self._translate(
            info, write, Kind.CACHE, "set_data", problems, bytecode_is_cache=always is True
        )
        if path_mtime is None or set_data is None or problems:
            return
        plan.replace[mtime] = [path_mtime]
        self.insert_after(info, plan, "source_mtime", [PATH_STATS])
        plan.replace[write] = [set_data]
        own = info.binds("get_filename")
        plan.notes.append(
            self._problem(
                info,
                info.base.value,
                "now subclasses SourceLoader" + ("" if own else ", get_filename() added"),
                "converted-own-get-filename" if own else "converted",
                fixed=True,
            )
        )
        plan.notes.append(
            NodeFinding(
                bytecode.name,
                fitted(
                    f"`{info.name}.bytecode_path()` kept for get_filename()",
                    "bytecode_path() kept for get_filename()",
                ),
                "bytecode-path",
            )
        )

    # -- checks ----------------------------------------------------------------------------

    def _used_elsewhere(self, info: LegacyBaseClass) -> list[NodeFinding]:
        """Calls of the methods to be renamed, and subclasses overriding the legacy methods."""
        problems: list[NodeFinding] = []
        for node in walk(self.module_node):
            if isinstance(node, cst.Attribute) and node.attr.value in RENAMED:
                problems.append(
                    self._problem(
                        info,
                        node,
                        f"not rewritten: {node.attr.value}() is called here",
                        "called",
                    )
                )
        for subclass in self.subclasses(info):
            for name in LEGACY_METHODS:
                if subclass.binds(name):
                    method = subclass.methods.get(name)
                    problems.append(
                        self._problem(
                            subclass,
                            method.name if method else subclass.node.name,
                            f"overrides {name}(), which the rewrite renames or stops using",
                            "overridden",
                        )
                    )
        return problems

    def _check_bytecode_path(
        self, info: LegacyBaseClass, method: cst.FunctionDef, problems: list[NodeFinding]
    ) -> bool | None:
        """Whether bytecode_path always gives the standard location (None: not provable)."""
        flow = Flow(self, method)
        name = f"`{info.name}.bytecode_path()`"
        if not flow.is_plain(2):
            problems.append(NodeFinding(method.name, f"{KEPT}{name} {_UNUSUAL}", "unusual"))
            return None
        for node in flow.raises:
            problems.append(NodeFinding(node, f"{KEPT}{name} raises here", "bytecode-raises"))
        wrong = [r for r in flow.returns if r.value and not flow.value(r.value) <= _STANDARD]
        if wrong or not flow.return_values() <= _STANDARD:
            problems.append(
                NodeFinding(
                    wrong[0] if wrong else method.name,
                    fitted(
                        f"{KEPT}{name} returns a location other than cache_from_source(source)",
                        f"{KEPT}bytecode_path() returns a location other than "
                        "cache_from_source(source)",
                    ),
                    "bytecode-elsewhere",
                )
            )
            return None
        return not flow.raises and flow.return_values() == {Kind.CACHE}

    # -- translating -----------------------------------------------------------------------

    def _translate(
        self,
        info: LegacyBaseClass,
        method: cst.FunctionDef,
        key: Kind,
        new_name: str,
        problems: list[NodeFinding],
        *,
        bytecode_is_cache: bool = False,
    ) -> cst.FunctionDef | None:
        """``method`` taking ``key`` (a path) instead of the module name, renamed.

        Faithful only if the module name is used for nothing but computing ``key``: every
        such computation becomes the new parameter, and statements that only computed it go.
        """
        flow = Flow(self, method, bytecode_is_cache=bytecode_is_cache)
        name = f"`{info.name}.{method.name.value}()`"
        arity = 2 if key is Kind.SOURCE else 3
        if not flow.is_plain(arity):
            problems.append(NodeFinding(method.name, f"{KEPT}{name} {_UNUSUAL}", "unusual"))
            return None
        statements = list(body_statements(method))
        start = 1 if has_docstring(statements) else 0
        dropped: set[cst.CSTNode] = set()
        param = None
        for index, statement in enumerate(statements[start:], start):
            target = _binding(flow, statement)
            if target is not None and flow.value(target[1]) == {key}:
                if _is_plain_local(flow, method, target[0], statements[start:index]):
                    param = target[0].value  # the parameter takes the local's name
                    dropped.add(statement)
                break
        param = param or _free_name(method, _PARAM_NAMES[key])
        replaced = _maximal_calls(flow, method, key, dropped)
        covered = _covered(dropped | replaced)
        changed = True
        while changed:  # drop statements that only computed what is now unused
            changed = False
            for statement in statements[start:]:
                target = _binding(flow, statement)
                if statement in dropped or target is None:
                    continue
                if flow.value(target[1]) <= DERIVED and all(
                    access.node in covered
                    for assignment in flow.assignments_of(target[0])
                    for access in assignment.references
                ):
                    dropped.add(statement)
                    covered |= set(walk(statement))
                    changed = True
        stray = [node for node in flow.param_accesses(1) if node not in covered]
        if stray:
            why, reason = self._stray_reason(flow, key, stray[0])
            problems.append(NodeFinding(stray[0], f"{KEPT}{name} {why}", reason))
            return None
        if key is Kind.CACHE and (leak := self._unprotected(method, covered)) is not None:
            problems.append(
                NodeFinding(leak, f"{KEPT}{name} can let an OSError escape here", "oserror")
            )
            return None
        new = method.visit(_Rewrite(method, new_name, param, dropped, replaced))
        assert isinstance(new, cst.FunctionDef)
        return new

    def _stray_reason(self, flow: Flow, key: Kind, node: cst.CSTNode) -> tuple[str, str]:
        parent = self.get_metadata(ParentNodeProvider, node, None)
        call = self.get_metadata(ParentNodeProvider, parent, None) if parent else None
        if isinstance(call, cst.Call) and flow.value(call) == {Kind.BYTECODE}:
            return "writes to self.bytecode_path()", "writes-bytecode-path"
        target = "the standard bytecode path" if key is Kind.CACHE else key.value
        method = "set_data" if key is Kind.CACHE else "path_stats"
        return f"uses the module name for more than {target} here", f"name-used:{method}"

    def _unprotected(
        self, method: cst.FunctionDef, covered: set[cst.CSTNode]
    ) -> cst.CSTNode | None:
        """The first call or raise outside a ``try`` that catches OSError, if any.

        Nested functions count too: their decorators and defaults run at once, their bodies
        when called (conservatively, as if at once).
        """
        for node in walk(method.body):
            if node in covered or not isinstance(node, (cst.Call, cst.Raise)):
                continue
            if not self._protected(node, method):
                return node
        return None

    def _protected(self, node: cst.CSTNode, method: cst.FunctionDef) -> bool:
        child, parent = node, self.get_metadata(ParentNodeProvider, node, None)
        while parent is not None and parent is not method:
            if (
                isinstance(parent, cst.Try)
                and child is parent.body
                and any(self._catches_oserror(handler) for handler in parent.handlers)
            ):
                return True
            child, parent = parent, self.get_metadata(ParentNodeProvider, parent, None)
        return False

    def _catches_oserror(self, handler: cst.ExceptHandler) -> bool:
        if handler.type is None:
            return True
        types = (
            [element.value for element in handler.type.elements]
            if isinstance(handler.type, cst.Tuple)
            else [handler.type]
        )
        return any(self.refers_to(kind, *OSERROR_CATCHERS) for kind in types)


_STANDARD = frozenset({Kind.CACHE, Kind.NONE})
_PARAM_NAMES = {
    Kind.SOURCE: ("path", "source_path", "source", "path_", "source_path_"),
    Kind.CACHE: ("path", "bytecode_path", "cache_path", "path_", "bytecode_path_"),
}
_UNUSUAL = "is not a plain method"


def _binding(flow: Flow, statement: cst.CSTNode) -> tuple[cst.Name, cst.BaseExpression] | None:
    """``(name, value)`` for a comment-free ``name = value`` line assigning a local once."""
    if not (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Assign)
        and len(statement.body[0].targets) == 1
        and statement.trailing_whitespace.comment is None
        and all(line.comment is None for line in statement.leading_lines)
    ):
        return None
    assign = statement.body[0]
    target = assign.targets[0].target
    if not isinstance(target, cst.Name) or len(flow.assignments_of(target)) != 1:
        return None
    return target, assign.value


def _free_name(method: cst.FunctionDef, candidates: tuple[str, ...]) -> str:
    """The first candidate that no variable in ``method`` already uses."""
    used = {name.value for name in _variables([method])}
    return next(name for name in candidates if name not in used)


def _is_plain_local(
    flow: Flow, method: cst.FunctionDef, target: cst.Name, before: Sequence[cst.CSTNode]
) -> bool:
    """Whether the local ``target`` can become a parameter: nothing before its assignment
    uses the name, and everywhere else the name means this one local."""
    if any(name.value == target.value for name in _variables(before)):
        return False
    assignments = flow.assignments_of(target)
    return all(
        name is target or flow.referents(name) == assignments
        for name in _variables([method])
        if name.value == target.value
    )


def _variables(nodes: Sequence[cst.CSTNode]) -> list[cst.Name]:
    """The names of variables (not attributes or keywords) in ``nodes``."""
    found: list[cst.Name] = []

    def visit(node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            found.append(node)
        elif isinstance(node, cst.Attribute):
            visit(node.value)  # ``os.path`` uses ``os``, not a variable ``path``
        else:
            for child in node.children:
                if not (isinstance(node, cst.Arg) and child is node.keyword):
                    visit(child)

    for node in nodes:
        visit(node)
    return found


def _maximal_calls(
    flow: Flow, method: cst.FunctionDef, key: Kind, dropped: set[cst.CSTNode]
) -> set[cst.CSTNode]:
    """The outermost calls computing ``key``, outside the dropped statements."""
    found: set[cst.CSTNode] = set()

    def visit(node: cst.CSTNode) -> None:
        if node in dropped:
            return
        if isinstance(node, cst.Call) and flow.value(node) == {key}:
            found.add(node)
            return
        for child in node.children:
            visit(child)

    visit(method.body)
    return found


def _covered(nodes: set[cst.CSTNode]) -> set[cst.CSTNode]:
    return {inner for node in nodes for inner in walk(node)}


class _Rewrite(cst.CSTTransformer):
    """Rename a method and its module-name parameter, replace the computations of the path
    with the new parameter and drop the statements that only computed it."""

    def __init__(
        self,
        method: cst.FunctionDef,
        new_name: str,
        param: str,
        dropped: set[cst.CSTNode],
        replaced: set[cst.CSTNode],
    ) -> None:
        self.method = method
        self.new_name = new_name
        self.param = param
        self.dropped = dropped
        self.replaced = replaced

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if original_node in self.replaced:
            return cst.Name(self.param, lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if original_node is self.method.body:
            return self._body(original_node, updated_node)
        return updated_node

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if original_node is not self.method:
            return updated_node
        params = list(updated_node.params.params)
        params[1] = params[1].with_changes(name=cst.Name(self.param))
        return updated_node.with_changes(
            name=cst.Name(self.new_name),
            params=updated_node.params.with_changes(params=params),
        )

    def _body(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        """The body without the dropped statements; their blank lines and comments stay."""
        kept: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for old, new in zip(original.body, updated.body):
            if old in self.dropped:
                carried.extend(leading_lines(new))
            elif carried and isinstance(new, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                kept.append(new.with_changes(leading_lines=[*carried, *new.leading_lines]))
                carried = []
            else:
                kept.append(new)
        if not kept:
            kept.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=carried))
        return updated.with_changes(body=kept)
