"""Count the legacy import-hook classes of a Python file, and which rule owns each (issue #11).

A class is *legacy* when it still needs the import system's fallback or cannot be defined on
3.12+; each way it is legacy is a *role*, owned by the rule that should rewrite it:

- ``load_module`` without ``exec_module``: LM004 when ``@module_for_loader`` decorates it (or
  wraps it in the class body), otherwise LM008;
- ``find_module``/``find_loader`` without ``find_spec``: LM006 for a meta path finder
  (``find_module(self, fullname, path...)``), LM007 for a path entry finder (``find_module(self,
  fullname)`` or ``find_loader``);
- a ``PyLoader`` base: LM002; a ``PyPycLoader`` base: LM003;
- another method under ``@module_for_loader`` (LM004) or ``@set_loader``/``@set_package``
  (LM005).

A legacy method counts in the class that defines it (not again in each subclass); its modern
counterpart counts from a base class of the same file too. Bases and decorators that come from
``loadermig.shim`` (``loadermig.shim.compat.PyLoader``, its ``module_for_loader``, ...) are the
shim's modern implementations, not legacy ones, and a class under ``@loadermig.shim.legacy_loader``
has ``create_module``/``exec_module``, one under ``@loadermig.shim.legacy_finder``
``find_spec`` (what ``rewrite --fallback shim`` makes). Only the
standard library is used; the benchmark and the tests share these counts.
"""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass

#: The rules that own a legacy role, in the order the tables list them, with the role.
ROLES = {
    "LM002": "PyLoader base",
    "LM003": "PyPycLoader base",
    "LM004": "@module_for_loader load_module",
    "LM005": "@set_loader/@set_package",
    "LM006": "meta path find_module",
    "LM007": "path entry find_module/find_loader",
    "LM008": "load_module",
}
RULES = tuple(ROLES)
_LEGACY_DECORATORS = {"module_for_loader": "LM004", "set_loader": "LM005", "set_package": "LM005"}
_LEGACY_BASES = {"PyLoader": "LM002", "PyPycLoader": "LM003"}
_SHIM = "loadermig.shim"
#: What ``@legacy_loader`` adds to a class.
_SHIM_METHODS = {"create_module", "exec_module"}


@dataclass(frozen=True)
class LegacyClass:
    """One legacy class: where it is and the rules that own its legacy roles."""

    qualname: str
    line: int
    end_line: int
    rules: tuple[str, ...]


def _name(node: ast.expr) -> str:
    """The last name of ``x``, ``a.b.x`` or ``x(...)``; empty for anything else."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` for a dotted name (of ``a.b.c(...)`` too); empty for anything else."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    return ".".join([node.id, *reversed(parts)])


def _shim_names(tree: ast.AST) -> set[str]:
    """The names bound by ``from loadermig.shim... import name`` anywhere in the file."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and not node.level
        and (node.module == _SHIM or (node.module or "").startswith(_SHIM + "."))
        for alias in node.names
    }


def _from_shim(node: ast.expr, shim: set[str]) -> bool:
    """Whether ``node`` names something of ``loadermig.shim`` (imported, or dotted)."""
    dotted = _dotted(node)
    return dotted.startswith(_SHIM + ".") or dotted.partition(".")[0] in shim


def _methods(node: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """The functions defined directly in a class body, by name (the last definition wins)."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for statement in node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[statement.name] = statement
    return found


def _assigned(node: ast.ClassDef) -> set[str]:
    """The names a class body binds by assignment (``exec_module = Base.exec_module``)."""
    names: set[str] = set()
    for statement in node.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets = [statement.target]
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names


def _wrapped_names(node: ast.ClassDef, shim: set[str]) -> dict[str, str]:
    """Class attributes bound to a legacy decorator's call: ``load_module =
    module_for_loader(_load)`` -> ``{"load_module": "module_for_loader"}``."""
    wrapped: dict[str, str] = {}
    for statement in node.body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and _name(statement.value.func) in _LEGACY_DECORATORS
            and not _from_shim(statement.value.func, shim)
        ):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    wrapped[target.id] = _name(statement.value.func)
    return wrapped


def _positional_count(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """How many positional parameters a method takes after ``self`` (``*args``: many)."""
    arguments = function.args
    if arguments.vararg is not None:
        return 99
    return max(len(arguments.posonlyargs) + len(arguments.args) - 1, 0)


def _own_names(node: ast.ClassDef, shim: set[str]) -> set[str]:
    """What a class body binds, with what ``@legacy_loader`` adds."""
    own = set(_methods(node)) | _assigned(node)
    if any(_name(d) == "legacy_loader" and _from_shim(d, shim) for d in node.decorator_list):
        own |= _SHIM_METHODS
    if any(_name(d) == "legacy_finder" and _from_shim(d, shim) for d in node.decorator_list):
        own.add("find_spec")
    return own


def _class_roles(
    node: ast.ClassDef, inherited: set[str], shim: set[str] | None = None
) -> tuple[str, ...]:
    """The rules owning the legacy roles of one class (empty: the class is not legacy).

    A legacy method counts where it is defined, not again in each subclass that inherits it;
    the modern counterpart counts from a base class of the same file too. ``shim``: the names
    the file imports from ``loadermig.shim``.
    """
    shim = shim or set()
    methods = _methods(node)
    wrapped = _wrapped_names(node, shim)
    own = _own_names(node, shim)
    names = own | inherited
    roles: set[str] = set()
    for base in node.bases:
        if _name(base) in _LEGACY_BASES and not _from_shim(base, shim):
            roles.add(_LEGACY_BASES[_name(base)])
    decorated: dict[str, set[str]] = {name: {wrapped[name]} for name in wrapped}
    for name, function in methods.items():
        decorated.setdefault(name, set()).update(
            _name(d)
            for d in function.decorator_list
            if _name(d) in _LEGACY_DECORATORS and not _from_shim(d, shim)
        )
    if "load_module" in own and "exec_module" not in names:
        on_load = decorated.get("load_module", set())
        roles.add("LM004" if "module_for_loader" in on_load else "LM008")
    for name, decorators in decorated.items():
        if name != "load_module":
            roles.update(_LEGACY_DECORATORS[decorator] for decorator in decorators)
    if own & {"find_module", "find_loader"} and "find_spec" not in names:
        find_module = methods.get("find_module")
        meta = find_module is not None and _positional_count(find_module) >= 2
        roles.add("LM006" if meta else "LM007")
    return tuple(sorted(roles))


def legacy_classes(tree: ast.Module) -> list[LegacyClass]:
    """Every legacy class of a parsed file, in source order, with its qualified name."""
    found: list[LegacyClass] = []
    defined: dict[str, set[str]] = {}  # class name -> method names, base classes included
    shim = _shim_names(tree)

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                inherited: set[str] = set()
                for base in child.bases:
                    inherited |= defined.get(_name(base), set())
                defined[child.name] = _own_names(child, shim) | inherited
                qualname = f"{prefix}{child.name}"
                roles = _class_roles(child, inherited, shim)
                if roles:
                    end = child.end_lineno or child.lineno
                    found.append(LegacyClass(qualname, child.lineno, end, roles))
                visit(child, qualname + ".")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{prefix}{child.name}.<locals>.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def legacy_classes_of_source(source: bytes) -> list[LegacyClass] | None:
    """The legacy classes of a file's bytes; None when this interpreter cannot parse it."""
    with warnings.catch_warnings():  # invalid escapes warn, -W error would make them fail
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return None
    return legacy_classes(tree)


def main(argv: list[str] | None = None) -> int:
    """Print the legacy classes of the files named on the command line."""
    import sys

    for path in argv if argv is not None else sys.argv[1:]:
        with open(path, "rb") as file:
            classes = legacy_classes_of_source(file.read())
        if classes is None:
            print(f"{path}: does not parse")
            continue
        for cls in classes:
            print(f"{path}:{cls.line}: {cls.qualname} {' '.join(cls.rules)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
