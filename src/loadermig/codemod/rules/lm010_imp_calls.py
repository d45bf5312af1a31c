"""LM010: every other use of ``imp`` (removed in Python 3.12).

Five functions of ``imp`` (checked against its last version, Python 3.11's ``imp.py``) only
returned what an importlib or sys expression gives, so their calls are rewritten:

* ``reload(module)`` → ``importlib.reload(module)`` (the same signature; it only called it);
* ``source_from_cache(path)`` → ``importlib.util.source_from_cache(path)`` (likewise);
* ``cache_from_source(path[, debug_override])`` → ``importlib.util.cache_from_source(path)``;
  a literal ``True`` / ``False`` becomes ``optimization=""`` / ``optimization=1``, which is
  what importlib does with it (without its DeprecationWarning, which imp silenced), ``None``
  is dropped, and any other value is left for a person;
* ``get_magic()`` → ``importlib.util.MAGIC_NUMBER``; ``get_tag()`` →
  ``sys.implementation.cache_tag``.

Everything else (``find_module``, ``load_module``, ``load_source``, ``get_suffixes``, the
constants, the module object itself, references to the five functions outside calls, an
``import imp`` nothing uses, ``from imp import *``) is reported with its replacement and left
alone. ``imp.new_module`` is LM009's. The rewrites refuse where the name they need
(``importlib``, ``sys``) may mean something else in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import libcst as cst
from libcst.metadata import Assignment, ScopeProvider

from ._base import KEPT, Problem, code, fitted
from ._imp import REMOVED, ImpRule, ImpUse, imp_use

_SPEC = "importlib.util.spec_from_file_location(name, path"
_EXEC = (
    "importlib.util.module_from_spec(spec), sys.modules[name] = module, "
    "spec.loader.exec_module(module)"
)
_LOCK = (
    "imports have used per-module locks since Python 3.3, so this global lock protects "
    "nothing importlib does; drop it (CPython-only: _imp.{name})"
)
#: How to replace what has no automatic rewrite, by name in ``imp``.
ADVICE = {
    "find_module": (
        "use importlib.util.find_spec(name) (or importlib.machinery.PathFinder.find_spec(name, "
        "path) for a path list); it returns a ModuleSpec instead of (file, pathname, "
        "description), and opens no file"
    ),
    "load_module": (
        f"load the spec from importlib.util.find_spec with {_EXEC} (load_module re-executed "
        "an existing sys.modules[name] in place)"
    ),
    "load_source": (
        f"use spec = {_SPEC}), then {_EXEC} (load_source re-executed an existing "
        "sys.modules[name] in place)"
    ),
    "load_compiled": (
        f"use spec = {_SPEC}, loader=importlib.machinery.SourcelessFileLoader(name, path)), "
        f"then {_EXEC}"
    ),
    "load_dynamic": (
        f"use spec = {_SPEC}, loader=importlib.machinery.ExtensionFileLoader(name, path)), "
        f"then {_EXEC}"
    ),
    "load_package": (
        f"use spec = {_SPEC} + '/__init__.py', submodule_search_locations=[]), then {_EXEC}"
    ),
    "reload": "use importlib.reload, which imp.reload only called",
    "source_from_cache": "use importlib.util.source_from_cache, which it only called",
    "cache_from_source": (
        "use importlib.util.cache_from_source(path, optimization=...): optimization='' for a "
        "true debug_override, 1 for a false one, omitted for None"
    ),
    "get_magic": "use importlib.util.MAGIC_NUMBER, which get_magic() returned",
    "get_tag": "use sys.implementation.cache_tag, which get_tag() returned",
    "get_suffixes": (
        "use importlib.machinery.all_suffixes(), or EXTENSION_SUFFIXES (mode 'rb', type 3), "
        "SOURCE_SUFFIXES ('r', 1) and BYTECODE_SUFFIXES ('rb', 2) of importlib.machinery, "
        "from which get_suffixes() built its (suffix, mode, type) list"
    ),
    "acquire_lock": _LOCK.format(name="acquire_lock"),
    "release_lock": _LOCK.format(name="release_lock"),
    "lock_held": _LOCK.format(name="lock_held"),
    "is_builtin": (
        "use `name in sys.builtin_module_names` (is_builtin returned 1, or -1 for modules "
        "that cannot be re-initialised, and 0 for others)"
    ),
    "is_frozen": "use importlib.machinery.FrozenImporter.find_spec(name) is not None",
    "init_builtin": (
        "use importlib.import_module(name) for a name in sys.builtin_module_names "
        "(init_builtin returned None for other names)"
    ),
    "init_frozen": "use importlib.import_module(name) for a frozen module",
    "get_frozen_object": "use importlib.machinery.FrozenImporter.get_code(name)",
    "is_frozen_package": "use importlib.machinery.FrozenImporter.is_package(name)",
    "NullImporter": (
        "a path hook that declines a path raises ImportError, and sys.path_importer_cache "
        "holds None where it held NullImporter; use importlib.machinery.PathFinder"
    ),
}
#: The type codes of find_module's results, which importlib has no use for.
CONSTANTS = {
    "SEARCH_ERROR": 0,
    "PY_SOURCE": 1,
    "PY_COMPILED": 2,
    "C_EXTENSION": 3,
    "PY_RESOURCE": 4,
    "PKG_DIRECTORY": 5,
    "C_BUILTIN": 6,
    "PY_FROZEN": 7,
    "PY_CODERESOURCE": 8,
    "IMP_HOOK": 9,
}
#: The faithful rewrites: imp name → (import to add, name it binds, replacement).
REWRITES = {
    "reload": ("importlib", "importlib", "importlib.reload"),
    "source_from_cache": ("importlib.util", "importlib", "importlib.util.source_from_cache"),
    "cache_from_source": ("importlib.util", "importlib", "importlib.util.cache_from_source"),
    "get_magic": ("importlib.util", "importlib", "importlib.util.MAGIC_NUMBER"),
    "get_tag": ("sys", "sys", "sys.implementation.cache_tag"),
}
_CACHE = ("path", "debug_override")  # imp.cache_from_source's parameters
_RETURNS_ONLY = frozenset({"get_magic", "get_tag"})  # no arguments; the call becomes a value
Args = Sequence[cst.Arg]
Replaced = Union[cst.Call, cst.Attribute]


class ImpCallsRule(ImpRule):
    """Rewrite the ``imp`` calls that have a faithful replacement; report every other use."""

    ID = "LM010"
    TITLE = "other uses of `imp` (removed in 3.12): five rewritten, the rest reported"
    NEEDS_IMPORT = ("imp",)
    BEFORE = "import imp\n\nimp.reload(plugin)\nPYC = imp.cache_from_source(PATH)\n"
    AFTER = (
        "import importlib\n"
        "import importlib.util\n"
        "\n"
        "importlib.reload(plugin)\n"
        "PYC = importlib.util.cache_from_source(PATH)\n"
    )

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._rewrite: dict[cst.Call, str] = {}

    # -- import statements ----------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> bool:
        """Report an ``import imp`` nothing in the file uses."""
        for alias in node.names:
            if alias.evaluated_name == "imp":
                self._report_if_unused(node, alias)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        """Report ``from imp import *`` and names imported from imp that nothing uses."""
        if node.relative or node.module is None or code(node.module) != "imp":
            return False
        if isinstance(node.names, cst.ImportStar):
            self.report(node, STAR_IMPORT_MESSAGE, fixed=False, reason="star-import")
            return False
        for alias in node.names:
            self._report_if_unused(node, alias)
        return False

    def _report_if_unused(self, node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> None:
        name = alias.evaluated_alias or alias.evaluated_name.partition(".")[0]
        scope = self.get_metadata(ScopeProvider, node, None)
        assignments = scope.assignments[name] if scope is not None else ()
        if any(isinstance(a, Assignment) and a.node is node and a.references for a in assignments):
            return  # its uses are rewritten or reported one by one
        message = unused_import_message(code(alias).rstrip(","))
        self.report(alias, message, fixed=False, reason="unused-import")

    # -- calls ----------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        """Decide on a call with a faithful rewrite; everything else is ``_other_use``'s."""
        use = imp_use(self, node.func)
        api = use.api if use is not None else None
        if api not in REWRITES:
            return
        self.seen.add(node.func)
        problem = self._problem(api, node)
        if problem is not None:
            what = _what(code(node.func), api)
            message = fitted(f"{KEPT}{what} {problem}", f"{KEPT}imp.{api} {problem}")
            self.report(node, message, fixed=False, reason=f"{problem.reason}:{api}")
        else:
            self._rewrite[node] = api

    def _problem(self, api: str, call: cst.Call) -> Problem | None:
        """Why the call has no faithful rewrite (None: it has)."""
        if api in _RETURNS_ONLY and call.args:
            return Problem(f"is called with arguments, which {api}() refused", "arguments")
        if api in _RETURNS_ONLY and "#" in code(call):
            return Problem("has a comment in its parentheses, which would be lost", "comment")
        if api == "cache_from_source" and _cache_args(call.args) is None:
            return Problem("has arguments with no faithful importlib translation", "arguments")
        taken = self.name_problem(REWRITES[api][1])
        if taken is not None:
            return Problem(f"not rewritten: {taken}", "name-taken")
        return None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> Replaced:
        """Apply the rewrite decided on in ``visit_Call``."""
        api = self._rewrite.get(original_node)
        if api is None:
            return updated_node
        module, _, replacement = REWRITES[api]
        self.report(
            original_node,
            f"imp.{api}{'()' if api in _RETURNS_ONLY else ''} replaced by {replacement}",
            fixed=True,
            reason=f"replaced:{api}",
        )
        self.add_needed_import(module)
        self.remove_unused_import_by_node(original_node.func)
        new = cst.parse_expression(replacement)
        assert isinstance(new, cst.Attribute)
        if api in _RETURNS_ONLY:
            return new.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        args = updated_node.args
        if api == "cache_from_source":
            args = _cache_args(args) or args
        return updated_node.with_changes(func=new, args=args)

    # -- every other use ------------------------------------------------------------------

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        """Report ``imp.<name>`` used other than in a rewritten call."""
        return self._other_use(node)

    def visit_Name(self, node: cst.Name) -> bool:
        """Report the module itself, or a name imported from it, used here."""
        return self._other_use(node)

    def _other_use(self, node: cst.Attribute | cst.Name) -> bool:
        use = imp_use(self, node)
        if use is None:
            return True
        if node in self.seen or "imp.new_module" in use.meanings:
            return False  # decided in visit_Call, or LM009's
        message, reason = other_use_finding(code(node), use)
        self.report(node, message, fixed=False, reason=reason)
        return False


STAR_IMPORT_MESSAGE = "kept: `from imp import *`, the imp module was removed in Python 3.12"


def unused_import_message(alias: str) -> str:
    """The finding on an import from imp nothing uses (``alias``: its code, no comma)."""
    return fitted(
        f"kept: unused import of `{alias}`, removed in Python 3.12",
        "kept: unused import from imp, removed in Python 3.12",
    )


def other_use_finding(text: str, use: ImpUse) -> tuple[str, str]:
    """The message and reason of a finding on a use of ``imp`` other than a rewritten call
    (``text``: the use's code)."""
    if use.api is None:
        message = fitted(
            f"kept: `{text}` may be {use.alternatives()}",
            f"kept: `{text}` may be something from imp or something else",
        )
        return message, "uncertain"
    if use.api == "":
        return f"kept: `{text}` is the imp module, removed in Python 3.12", "module"
    message = fitted(
        f"kept: {_what(text, use.api)}, removed in Python 3.12",
        f"kept: imp.{use.api}, removed in Python 3.12",
    )
    return message, _use_reason(use.api)


def _what(text: str, api: str) -> str:
    """How a finding names the use: ``imp.x``, or its code (``text``) and what it is."""
    return f"imp.{api}" if text == f"imp.{api}" else f"`{text}` (imp.{api})"


def _advice(api: str) -> str:
    if api in ADVICE:
        return ADVICE[api]
    if api in CONSTANTS:
        return (
            f"it was {CONSTANTS[api]}, a type code of find_module() results, which importlib "
            "does not have; port the find_module/load_module code around it to "
            "importlib.util.find_spec and the spec's loader"
        )
    return "see the imp documentation of Python 3.11 for its importlib replacement"


def _fixed_details(api: str, replacement: str) -> str:
    if api in _RETURNS_ONLY:
        return f"imp.{api}() replaced by {replacement}, what it returned ({REMOVED})."
    if api == "cache_from_source":
        return (
            f"imp.{api} replaced by {replacement}, which it called (a literal debug_override "
            f"becomes the optimization importlib derived from it; {REMOVED})."
        )
    return f"imp.{api} replaced by {replacement}, which it only called ({REMOVED})."


def _use_reason(api: str) -> str:
    """The details key of a use of ``imp.<api>``: the name, or ``other`` for the rest."""
    return f"imp.{api}" if api in ADVICE or api in CONSTANTS else "imp.other"


_NOT_REWRITTEN = {
    "arguments": (
        "The call's arguments are not those the rewrite translates faithfully (none for "
        "get_magic()/get_tag(); a path and an optional literal True, False or None "
        "debug_override for cache_from_source)."
    ),
    "comment": "A comment inside the call's parentheses would be lost by the rewrite.",
    "name-taken": (
        "The name the rewrite needs may not mean the standard module here (bound to something "
        "else, a star import, or used unbound)."
    ),
}


def _all_details() -> dict[str, str]:
    """LM010's reasons and their long explanations."""
    removed = REMOVED[:1].upper() + REMOVED[1:] + "."
    details = {
        "star-import": (
            f"{removed} Import what this file uses from importlib instead (names that come "
            "from a star import are not checked)."
        ),
        "unused-import": (
            f"{removed} Nothing in this file uses the import, but it raises ImportError there: "
            "delete it."
        ),
        "uncertain": (
            f"{removed} This name may be something from imp or something else, depending on "
            "which binding ran: give it one meaning, then rerun."
        ),
        "module": f"{removed} Replace what this code does with the module by importlib.",
    }
    for api, (_, _, replacement) in REWRITES.items():
        details[f"replaced:{api}"] = _fixed_details(api, replacement)
        for kind, why in _NOT_REWRITTEN.items():
            details[f"{kind}:{api}"] = f"{removed} {why} By hand, {ADVICE[api]}."
    for api in [*ADVICE, *CONSTANTS, "other"]:
        advice = _advice(api)
        details[f"imp.{api}"] = f"{removed} {advice[:1].upper()}{advice[1:]}."
    return details


ImpCallsRule.DETAILS = _all_details()


def _cache_args(args: Args) -> list[cst.Arg] | None:
    """``cache_from_source``'s arguments for importlib (None: no faithful translation)."""
    if len(args) > 2 or any(arg.star for arg in args):
        return None
    names = [arg.keyword.value if arg.keyword else _CACHE[i] for i, arg in enumerate(args)]
    if "path" not in names or len(set(names)) != len(names) or set(names) - set(_CACHE):
        return None
    if "debug_override" not in names:
        return list(args)
    where = names.index("debug_override")
    flag = args[where]
    if not isinstance(flag.value, cst.Name) or flag.value.value not in ("True", "False", "None"):
        return None
    kept = [arg for arg in args if arg is not flag]
    if flag.value.value == "None":
        last = kept[-1].with_changes(comma=args[-1].comma)
        return [*kept[:-1], last]
    value: cst.BaseExpression = (
        cst.SimpleString('""') if flag.value.value == "True" else cst.Integer("1")
    )
    optimization = flag.with_changes(
        keyword=cst.Name("optimization"),
        value=value,
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    return [arg if arg is not flag else optimization for arg in args]
