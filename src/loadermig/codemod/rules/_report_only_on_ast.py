"""The report-only rules (LM011-LM016) decided on ``ast``, without libcst.

:mod:`._report_only` is what these rules do, written on libcst; this is the same analysis on
the ``ast`` tree the prefilter has parsed anyway, with names resolved by :mod:`._ast_scopes`
(libcst's own model, rebuilt). It gives the very findings libcst gives (the tests compare the
two on every fixture and on real files), at a fraction of the cost: a file on which only
these rules have something to say is never handed to libcst. Where it cannot be sure of
that, it raises :class:`Unsupported` and the engine runs the libcst rules instead.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import sys
import tokenize
from collections.abc import Iterator, Sequence

from ..findings import Finding
from ._ast_scopes import Assignment, BuiltinAssignment, Scopes, Unsupported
from ._base import Rule
from ._report_only import (
    DEFINED_REASON,
    Legacy,
    MethodCallsRule,
    RemovedNamesRule,
    call_message,
    import_message,
    reference_message,
    reference_reason,
    short_code,
)

__all__ = ["FileOnAst", "Unsupported", "dotted_on_ast", "findings_on_ast", "runs_on_ast"]

_NEWLINE = re.compile(r"\r\n|\r|\n")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def runs_on_ast(rule: type[Rule]) -> bool:
    """Whether :func:`findings_on_ast` can decide ``rule``."""
    return issubclass(rule, (RemovedNamesRule, MethodCallsRule))


def findings_on_ast(rules: Sequence[type[Rule]], file: FileOnAst) -> list[Finding]:
    """The findings of ``rules`` (each :func:`runs_on_ast`) in ``file``, exactly as the
    libcst rules would report them.

    Raises :class:`Unsupported` where that is not certain: on Python before 3.10 (whose
    ``ast`` has no positions for imported names), for a file with lone carriage returns, or
    with something :mod:`._ast_scopes` does not model.
    """
    require_ast_positions()
    for rule in rules:
        if issubclass(rule, RemovedNamesRule):
            file.find_removed_names(rule)
        elif issubclass(rule, MethodCallsRule):
            file.find_method_calls(rule)
        else:
            raise TypeError(f"{rule.ID} does not run on ast")
    return list(file.findings)


def require_ast_positions() -> None:
    """Raise :class:`Unsupported` where ``ast`` has no positions for imported names."""
    if sys.version_info < (3, 10):
        raise Unsupported("ast positions of imported names need Python 3.10")


class _SourceText:
    """The decoded lines of a file: character columns, source segments, parentheses."""

    def __init__(self, data: bytes) -> None:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
        if "\r" in text.replace("\r\n", ""):
            raise Unsupported("lone carriage returns")
        self.text = text
        self.lines = _NEWLINE.split(text)
        self._tokens: list[tokenize.TokenInfo] | None = None
        self._token_at: dict[tuple[int, int], int] = {}
        self._token_ending_at: dict[tuple[int, int], int] = {}

    def column(self, line: int, byte_offset: int) -> int:
        """The character column of a UTF-8 byte offset into ``line`` (1-based)."""
        text = self.lines[line - 1]
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8"))

    def span(self, node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
        """Where ``node`` starts and ends: lines and character columns."""
        start = (node.lineno, self.column(node.lineno, node.col_offset))  # type: ignore[attr-defined]
        end_line: int = node.end_lineno  # type: ignore[attr-defined]
        return start, (end_line, self.column(end_line, node.end_col_offset))  # type: ignore[attr-defined]

    def code(self, node: ast.expr) -> str:
        """``node``'s source as libcst's ``code_for_node`` gives it, stripped; raises
        :class:`Unsupported` for an expression in parentheses of its own, which libcst
        counts as part of it."""
        start, end = self.span(node)
        if self._in_own_parentheses(start, end):
            raise Unsupported("an expression in parentheses of its own")
        return self.segment(node)

    def segment(self, node: ast.AST) -> str:
        """``node``'s source, stripped."""
        (line, column), (end_line, end_column) = self.span(node)
        if line == end_line:
            return self.lines[line - 1][column:end_column].strip()
        parts = [self.lines[line - 1][column:]]
        parts += self.lines[line : end_line - 1]
        parts.append(self.lines[end_line - 1][:end_column])
        return "\n".join(parts).strip()

    def first_on_its_line(self, node: ast.AST) -> bool:
        """Whether nothing but indentation precedes ``node`` on its line."""
        (line, column), _ = self.span(node)
        return not self.lines[line - 1][:column].strip()

    def _in_own_parentheses(self, start: tuple[int, int], end: tuple[int, int]) -> bool:
        tokens = self._tokenized()
        first, last = self._token_at.get(start), self._token_ending_at.get(end)
        if first is None or last is None:
            raise Unsupported("an expression the tokenizer does not delimit")
        before = self._significant(range(first - 1, -1, -1))
        after = self._significant(range(last + 1, len(tokens)))
        if before is None or after is None:
            return False
        if tokens[before].string != "(" or tokens[after].string != ")":
            return False
        opener = self._significant(range(before - 1, -1, -1))
        if opener is None:
            return True
        token = tokens[opener]
        called = token.string in (")", "]") or token.type == tokenize.STRING
        called |= token.type == tokenize.NAME and not keyword.iskeyword(token.string)
        return not called  # else the parenthesis is a call's (or a class's bases')

    def _significant(self, indexes: range) -> int | None:
        tokens = self._tokenized()
        for index in indexes:
            if tokens[index].type not in _INSIGNIFICANT:
                return index
        return None

    def _tokenized(self) -> list[tokenize.TokenInfo]:
        if self._tokens is None:
            lines = iter(line + "\n" for line in self.lines)
            try:
                self._tokens = list(tokenize.generate_tokens(lambda: next(lines, "")))
            except (tokenize.TokenError, SyntaxError) as error:
                raise Unsupported(f"tokenizer: {error}") from None
            for index, token in enumerate(self._tokens):
                self._token_at.setdefault(token.start, index)
                self._token_ending_at[token.end] = index
        return self._tokens


#: Tokens that do not tell a call's parentheses from others (a NEWLINE, INDENT or DEDENT
#: before an opening parenthesis does: it then starts a statement, and is nobody's call).
_INSIGNIFICANT = frozenset({tokenize.NL, tokenize.COMMENT})


class FileOnAst:
    """One file's ``ast`` tree with what the report-only rules ask of libcst's metadata."""

    def __init__(self, tree: ast.Module, data: bytes, path: str) -> None:
        self.tree = tree
        self.path = path
        self.text = _SourceText(data)
        self.scopes = Scopes(tree)
        self.parents: dict[int, ast.AST] = {}
        #: The names of the file's classes.
        self.class_names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                self.class_names.add(node.name)
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
        self.findings: list[Finding] = []

    def report(self, rule: type[Rule], node: ast.AST, message: str, reason: str) -> None:
        """Record a finding of ``rule`` at ``node``."""
        start, end = self.text.span(node)
        self.findings.append(
            rule.finding(self.path, start, end, message, fixed=False, reason=reason)
        )

    # -- what libcst's metadata says ------------------------------------------------------

    def qualified_names(self, node: ast.AST) -> set[str]:
        """What ``node`` may refer to (libcst's ``QualifiedNameProvider``)."""
        return self.scopes.qualified_names(node)

    def referents(self, name: ast.Name) -> set[Assignment] | None:
        """The assignments a read of ``name`` may see, None when one is a builtin."""
        scope = self.scopes.scope_of(name)
        if scope is None:
            return None
        found: set[Assignment] = set()
        for access in scope.accesses_by_name.get(name.id, ()):
            if access.node is name:
                for referent in access.referents:
                    if isinstance(referent, BuiltinAssignment):
                        return None
                    found.add(referent)
        return found

    def parent(self, node: ast.AST) -> ast.AST | None:
        """``node``'s parent (None for the module)."""
        return self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        """``node``'s parent, its parent, and so on."""
        current = self.parent(node)
        while current is not None:
            yield current
            current = self.parent(current)

    def owning_class(self, function: ast.AST) -> ast.ClassDef | None:
        """The class whose body defines ``function`` directly."""
        owner = self.parent(function)
        return owner if isinstance(owner, ast.ClassDef) else None

    # -- LM011, LM012, LM016: names of removed module-level APIs --------------------------

    def find_removed_names(self, rule: type[RemovedNamesRule]) -> None:
        """:class:`RemovedNamesRule`'s findings."""
        named_like_a_module = self.class_names & {name.split(".")[0] for name in rule.APIS}
        if named_like_a_module:
            # Names in its body have qualified names like the APIs' (libcst's quirk).
            raise Unsupported(f"a class named {min(named_like_a_module)}")
        pending: list[ast.AST] = [self.tree]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Import):
                continue
            if isinstance(node, ast.ImportFrom):
                self._removed_import(rule, node)
                continue
            if isinstance(node, (ast.Name, ast.Attribute)):
                apis = self._removed_use(rule, node)
                if apis is not None:
                    message = reference_message(self.text.code(node), apis)
                    self.report(rule, node, message, reference_reason(apis))
                    continue
            pending.extend(ast.iter_child_nodes(node))

    def _removed_import(self, rule: type[RemovedNamesRule], node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            return
        for alias in node.names:
            if alias.name == "*":
                return
            api = rule.APIS.get(f"{node.module}.{alias.name}")
            if api is not None and not self._has_reported_use(rule, node, alias):
                self.report(rule, alias, import_message(api), api.name)

    def _has_reported_use(
        self, rule: type[RemovedNamesRule], node: ast.ImportFrom, alias: ast.alias
    ) -> bool:
        scope = self.scopes.scope_of(node)
        if scope is None:
            return False
        for assignment in scope.assignments.get(alias.asname or alias.name, ()):
            if assignment.node is node:
                for access in assignment.references:
                    if self._removed_use(rule, access.node) is not None:
                        return True
        return False

    def _removed_use(self, rule: type[RemovedNamesRule], node: ast.AST) -> list[Legacy] | None:
        """The APIs ``node`` means when every meaning it may have is one."""
        if not dotted_on_ast(node):
            return None
        names = self.qualified_names(node)
        if not names or any(name not in rule.APIS for name in names):
            return None
        return [rule.APIS[name] for name in sorted(names)]

    # -- LM013, LM014, LM015: legacy methods called on anything ---------------------------

    def find_method_calls(self, rule: type[MethodCallsRule]) -> None:
        """:class:`MethodCallsRule`'s findings."""
        for node in ast.walk(self.tree):
            if isinstance(node, _FUNCTIONS):
                cls = self.owning_class(node)
                message = cls and rule.definition_message(node.name, cls.name)
                if message:
                    self.report(rule, node, message, DEFINED_REASON)
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if not isinstance(func, ast.Attribute) or func.attr not in rule.METHODS:
                continue
            if self._module_function(func.value) or self._reaches_own_code(rule, func):
                continue
            if rule.LEFT_TO_SUBCLASSES_OF and self._left_to_others(rule, node):
                continue
            method = func.attr
            message = call_message(self._brief(node), method, rule.METHODS[method])
            self.report(rule, node, message, method)

    def _brief(self, node: ast.expr) -> str:
        """:func:`._report_only.brief` on ``ast``."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return f"{self._brief(node.value)}.{node.attr}"
        if isinstance(node, ast.Call):
            return f"{self._brief(node.func)}({'...' if node.args or node.keywords else ''})"
        if isinstance(node, ast.Subscript):
            return f"{self._brief(node.value)}[...]"
        return short_code(self.text.code(node))

    def _left_to_others(self, rule: type[MethodCallsRule], call: ast.Call) -> bool:
        return any(
            isinstance(node, ast.ClassDef) and self._subclass_left_to_others(rule, node, set())
            for node in self.ancestors(call)
        )

    def _subclass_left_to_others(
        self, rule: type[MethodCallsRule], cls: ast.ClassDef, seen: set[int]
    ) -> bool:
        seen.add(id(cls))
        for base in _bases(cls):
            if not self.qualified_names(base).isdisjoint(rule.LEFT_TO_SUBCLASSES_OF):
                return True
            local = self._local_class(base)
            if (
                local is not None
                and id(local) not in seen
                and self._subclass_left_to_others(rule, local, seen)
            ):
                return True
        return False

    def _module_function(self, receiver: ast.expr) -> bool:
        root = receiver
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return False
        found = self.referents(root)
        if not found or not all(isinstance(a.node, ast.Import) for a in found):
            return False
        modules: set[str] = set()
        for assignment in found:
            assert isinstance(assignment.node, ast.Import)
            for alias in assignment.node.names:
                parts = alias.name.split(".") if alias.asname is None else [alias.name]
                modules.update(".".join(parts[: i + 1]) for i in range(len(parts)))
        names = self.qualified_names(receiver)
        return bool(names) and names <= modules

    def _reaches_own_code(self, rule: type[MethodCallsRule], func: ast.Attribute) -> bool:
        method, receiver = func.attr, func.value
        if isinstance(receiver, ast.Call) and "builtins.super" in self.qualified_names(
            receiver.func
        ):
            cls = self._enclosing_class(receiver)
            return cls is not None and self._lookup(rule, cls, method, set(), own=False) is True
        if isinstance(receiver, ast.Call):
            return self._provides(rule, receiver.func, method)
        if isinstance(receiver, ast.Name):
            found = self.referents(receiver)
            if not found or len(found) != 1:
                return False
            binding = next(iter(found)).node
            if isinstance(binding, ast.arg):
                cls = self._first_parameter_of(binding)
                return cls is not None and self._lookup(rule, cls, method, set(), own=True) is True
            value = self._assigned_value(binding)
            if isinstance(value, ast.Call):
                return self._provides(rule, value.func, method)
        return self._provides(rule, receiver, method)

    def _provides(self, rule: type[MethodCallsRule], cls: ast.expr, method: str) -> bool:
        local = self._local_class(cls)
        if local is not None:
            return self._lookup(rule, local, method, set(), own=True) is True
        names = self.qualified_names(cls) if dotted_on_ast(cls) else set()
        return bool(names) and names <= rule.UNAFFECTED

    def _enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        function = next((n for n in self.ancestors(node) if isinstance(n, _FUNCTIONS)), None)
        return self.owning_class(function) if function is not None else None

    def _first_parameter_of(self, param: ast.arg) -> ast.ClassDef | None:
        arguments = self.parent(param)
        function = self.parent(arguments) if arguments is not None else None
        if not isinstance(function, _FUNCTIONS) or not isinstance(arguments, ast.arguments):
            return None
        if not arguments.args or arguments.args[0] is not param:
            return None
        if any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list):
            return None
        return self.owning_class(function)

    def _assigned_value(self, target: ast.AST) -> ast.expr | None:
        statement = self.parent(target)
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and statement.targets[0] is target
        ):
            return statement.value
        return None

    def _local_class(self, expression: ast.expr) -> ast.ClassDef | None:
        if not isinstance(expression, ast.Name):
            return None
        found = self.referents(expression)
        if not found or len(found) != 1:
            return None
        binding = next(iter(found)).node
        return binding if isinstance(binding, ast.ClassDef) else None

    def _lookup(
        self,
        rule: type[MethodCallsRule],
        cls: ast.ClassDef,
        method: str,
        seen: set[int],
        *,
        own: bool,
    ) -> bool | None:
        if own and self._binds(cls, method):
            return True
        for base in _bases(cls):
            local = self._local_class(base)
            if local is None:
                names = self.qualified_names(base)
                if names == {"builtins.object"}:
                    continue
                return bool(names) and names <= rule.UNAFFECTED
            if id(local) in seen:
                continue
            seen.add(id(local))
            found = self._lookup(rule, local, method, seen, own=True)
            if found is not None:
                return found
        return None

    def _binds(self, cls: ast.ClassDef, name: str) -> bool:
        """Whether the indented body of ``cls`` binds ``name`` (libcst sees no statements in
        a body on the ``class`` line itself)."""
        if not self.text.first_on_its_line(cls.body[0]):
            return False
        scope = self.scopes.scope_of(cls.body[0])
        return scope is not None and scope.kind == "class" and bool(scope.assignments.get(name))


def _bases(cls: ast.ClassDef) -> Iterator[ast.expr]:
    """The base class expressions, as libcst's ``Arg.value`` (``*bases`` without the star)."""
    for base in cls.bases:
        yield base.value if isinstance(base, ast.Starred) else base


def dotted_on_ast(node: ast.AST) -> bool:
    """Whether ``node`` is a name or a chain of attributes on a name."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)
