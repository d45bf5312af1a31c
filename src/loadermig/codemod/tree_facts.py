"""What a file's ``ast`` tree says for the rules' ``NEEDS_*`` checks, and how deep it is."""

from __future__ import annotations

import ast

from .rules import Rule


class TreeFacts:
    """What a file's ``ast`` tree says for the rules' ``NEEDS_*`` checks, found in one walk."""

    def __init__(self, tree: ast.Module) -> None:
        self._tree = tree
        self._imports: set[str] = set()
        self._class_bindings: set[str] = set()
        self._method_calls: set[str] = set()
        self._walked = False

    def admit(self, rule: type[Rule]) -> bool:
        """Whether ``rule`` passes its checks on the tree."""
        if not (rule.NEEDS_IMPORT or rule.NEEDS_CLASS_BINDING or rule.NEEDS_METHOD_CALL):
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
        return not (
            rule.NEEDS_CLASS_BINDING and self._class_bindings.isdisjoint(rule.NEEDS_CLASS_BINDING)
        )

    def _walk(self) -> None:
        """Collect the modules imported absolutely anywhere, the names of the methods called
        anywhere (``x.name(...)``), and every name bound anywhere
        inside a class (in its methods too: an over-estimate of what its body binds)."""
        if self._walked:
            return
        self._walked = True
        stack: list[tuple[ast.AST, bool]] = [(self._tree, False)]
        while stack:
            node, in_class = stack.pop()
            if isinstance(node, ast.Import):
                self._imports.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                self._imports.add(node.module)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._method_calls.add(node.func.attr)
            in_class = in_class or isinstance(node, ast.ClassDef)
            if in_class:
                self._class_bindings.update(_bound_names(node))
            stack.extend((child, in_class) for child in ast.iter_child_nodes(node))


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
