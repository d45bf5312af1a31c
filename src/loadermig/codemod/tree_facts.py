"""What a file's ``ast`` tree says for the rules' ``NEEDS_*`` checks, and how deep it is."""

from __future__ import annotations

import ast

from .rules import Rule
from .rules._exec_module_conversion import LOADER_BASES
from .rules._loader_evidence import (
    IMPORT_HOOK_CLASS_NAME,
    IMPORT_HOOK_METHODS,
    IMPORT_MACHINERY_WORDS,
)

#: The method a ``NEEDS_LOADER_CLASS`` rule converts.
LOADER_METHOD = "load_module"
#: What a name must stand for, at its start, for a base class to be one of LOADER_BASES.
_LOADER_BASE_ROOTS = frozenset(name.partition(".")[0] for name in LOADER_BASES)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


class TreeFacts:
    """What a file's ``ast`` tree says for the rules' ``NEEDS_*`` checks, found in one walk."""

    def __init__(self, tree: ast.Module) -> None:
        self._tree = tree
        self._imports: set[str] = set()
        self._class_bindings: set[str] = set()
        self._method_calls: set[str] = set()
        #: Every name used or bound, and the first part of every module and name imported.
        self._roots: set[str] = set()
        #: Whether a class defining ``load_module`` shows it is an import loader by its name,
        #: another hook method or import machinery in that method (:mod:`._loader_evidence`).
        self._loader_class_shown = False
        #: Whether a class defining ``load_module`` has a base class (which may be a loader ABC).
        self._loader_class_with_base = False
        #: Every class statement.
        self._classes: list[ast.ClassDef] = []
        #: The names bound anywhere inside each class (in its methods too), once asked.
        self._bound_in_class: dict[ast.ClassDef, frozenset[str]] = {}
        self._walked = False

    def admit(self, rule: type[Rule]) -> bool:
        """Whether ``rule`` passes its checks on the tree."""
        if not (
            rule.NEEDS_IMPORT
            or rule.NEEDS_CLASS_BINDING
            or rule.NEEDS_METHOD_CALL
            or rule.NEEDS_NAME_FROM
            or rule.NEEDS_LOADER_CLASS
            or rule.NEEDS_CLASS_CHECK
        ):
            return True
        self._walk()
        if rule.NEEDS_METHOD_CALL and self._method_calls.isdisjoint(rule.NEEDS_METHOD_CALL):
            return False
        if rule.NEEDS_IMPORT and not any(
            module == needed or module.startswith(needed + ".")
            for module in self._imports
            for needed in rule.NEEDS_IMPORT
        ):
            return False
        if rule.NEEDS_NAME_FROM and self._roots.isdisjoint(
            module.partition(".")[0] for module in rule.NEEDS_NAME_FROM
        ):
            return False
        if rule.NEEDS_LOADER_CLASS and not self._may_define_import_loader():
            return False
        if rule.NEEDS_CLASS_CHECK and not any(
            rule.may_act_on_class(node, self._bound_in(node)) for node in self._classes
        ):
            return False
        return not (
            rule.NEEDS_CLASS_BINDING and self._class_bindings.isdisjoint(rule.NEEDS_CLASS_BINDING)
        )

    def _bound_in(self, node: ast.ClassDef) -> frozenset[str]:
        """Every name bound anywhere inside the class ``node``, in its methods too."""
        bound = self._bound_in_class.get(node)
        if bound is None:
            bound = frozenset(name for inner in ast.walk(node) for name in _bound_names(inner))
            self._bound_in_class[node] = bound
        return bound

    def _may_define_import_loader(self) -> bool:
        """Whether a class defining ``load_module`` may be an import loader: it shows it, or
        it has a base that may be importlib's ``Loader`` (only where the file names
        importlib in some way may a base stand for it)."""
        return self._loader_class_shown or (
            self._loader_class_with_base and not self._roots.isdisjoint(_LOADER_BASE_ROOTS)
        )

    def _walk(self) -> None:
        """Collect the modules imported absolutely anywhere, the names of the methods called
        anywhere (``x.name(...)``), every name bound anywhere inside a class (in its methods
        too: an over-estimate of what its body binds), every name and import root, and the
        evidence that a class defining ``load_module`` is an import loader."""
        if self._walked:
            return
        self._walked = True
        # (node, whether inside a class, whether inside a class's own load_module)
        stack: list[tuple[ast.AST, bool, bool]] = [(self._tree, False, False)]
        while stack:
            node, in_class, in_loader_method = stack.pop()
            if isinstance(node, ast.Name):
                self._roots.add(node.id)
            elif isinstance(node, ast.Import):
                self._imports.update(alias.name for alias in node.names)
                self._roots.update(_first_part(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if not node.level and node.module:
                    self._imports.add(node.module)
                if node.module:
                    self._roots.add(_first_part(node.module))
                self._roots.update(_first_part(alias.name) for alias in node.names)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._method_calls.add(node.func.attr)
            loader_methods: list[ast.AST] = []
            if isinstance(node, ast.ClassDef):
                self._classes.append(node)
                loader_methods = self._note_class(node)
            if in_loader_method and not self._loader_class_shown:
                self._loader_class_shown = _mentions_import_machinery(node)
            in_class = in_class or isinstance(node, ast.ClassDef)
            if in_class:
                self._class_bindings.update(_bound_names(node))
            stack.extend(
                (child, in_class, in_loader_method or child in loader_methods)
                for child in ast.iter_child_nodes(node)
            )

    def _note_class(self, node: ast.ClassDef) -> list[ast.AST]:
        """Note what a class that defines ``load_module`` directly in its body shows; its
        ``load_module`` methods, whose code the walk then searches for import machinery."""
        methods = [statement for statement in node.body if isinstance(statement, _DEFS)]
        loader_methods: list[ast.AST] = [m for m in methods if m.name == LOADER_METHOD]
        if loader_methods:
            self._loader_class_with_base |= bool(node.bases)
            self._loader_class_shown |= bool(IMPORT_HOOK_CLASS_NAME.search(node.name)) or any(
                method.name in IMPORT_HOOK_METHODS for method in methods
            )
        return loader_methods


def _first_part(dotted: str) -> str:
    return dotted.partition(".")[0]


def _mentions_import_machinery(node: ast.AST) -> bool:
    """Whether ``node`` itself names or spells one of the import machinery words: an
    identifier it holds (of a name, attribute, parameter, keyword, import...) or a string
    containing one (``ast`` joins ``"mod" "ules"`` into one string; libcst reads the parts)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(
            word in node.value for word in IMPORT_MACHINERY_WORDS
        )
    for field in node._fields:
        value = getattr(node, field, None)
        for held in value if isinstance(value, list) else [value]:
            if isinstance(held, str) and not IMPORT_MACHINERY_WORDS.isdisjoint(held.split(".")):
                return True
    return False


def _bound_names(node: ast.AST) -> list[str]:
    """The names ``node`` itself binds or declares (not those of the nodes inside it)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Name):
        return [] if isinstance(node.ctx, ast.Load) else [node.id]
    if isinstance(node, ast.alias):
        return [(node.asname or node.name).partition(".")[0]]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return list(node.names)
    name = getattr(node, "name", None) or getattr(node, "rest", None)
    return [name] if isinstance(name, str) else []  # except ... as name, match patterns


def tree_depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, measured without recursion."""
    deepest = 0
    level: list[ast.AST] = [tree]
    while level:
        deepest += 1
        level = [child for node in level for child in ast.iter_child_nodes(node)]
    return deepest
