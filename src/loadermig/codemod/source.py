"""Rewrite one file's bytes in memory: prefilter, parse, run the rules, check, splice."""

from __future__ import annotations

import ast
import functools
import io
import re
import threading
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import accumulate
from typing import TypeVar

import libcst as cst
from libcst.codemod import CodemodContext

from .findings import Finding
from .rules import ALL_RULES, Rule
from .rules._base import FINDINGS_KEY, SHARED_KEY, SharedTree, SkipComments

_T = TypeVar("_T")

# libcst's native parser recurses on the C stack and can crash the process on deeply nested
# code; it runs in a thread with a large stack, and code nested deeper than CPython accepts
# (200 brackets) is refused before it gets there.
PARSER_STACK_BYTES = 512 * 1024 * 1024
MAX_BRACKET_DEPTH = 200
MAX_TREE_DEPTH = 1000  # libcst needs ~0.2 s for a 1000-term chain, minutes for 20000
_BRACKETS = bytes(range(256)).translate(None, b"()[]{}")
#: Bytes every skip comment contains; only files that have them are tokenized.
SKIP_MARK = re.compile(rb"loadermig:[ \t]*skip")
_DIRECTIVE = re.compile(
    r"#.*?\bloadermig:[ \t]*(skip-file|skip)(?![\w-])(?:[ \t]*=[ \t]*([\w \t,]*))?"
)
_RULE_ID = re.compile(r"LM\d+")
_LINE_ENDS = re.compile(rb"\r\n?")
_NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.ENCODING,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}
_DEPTH_STEP = {ord("("): 1, ord("["): 1, ord("{"): 1, ord(")"): -1, ord("]"): -1, ord("}"): -1}


@dataclass
class SourceOutcome:
    """What rewriting one file's bytes gave: new bytes (None if unchanged), findings, error."""

    path: str
    original: bytes
    rewritten: bytes | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    parsed: bool = False
    #: What ``# loadermig: skip`` comments kept from the rules: 1 for a whole file, else the
    #: number of statements they designate.
    skipped: int = 0

    @property
    def changed(self) -> bool:
        """Whether the file's content would change."""
        return self.rewritten is not None and self.rewritten != self.original


#: Substrings that several trigger words share. Each search of a file costs about the same
#: whether it finds something or not, so a file is first searched for these (and for the
#: words that contain none of them); only the words whose anchor occurs are then looked for.
#: Which anchors there are decides the speed, never the result.
TRIGGER_ANCHORS = (b"Loader", b"_loader", b"_module", b"Finder")


def applicable_rules(data: bytes, rules: Sequence[type[Rule]]) -> list[type[Rule]]:
    """The rules that may have something to do in ``data``: the cheap prefilter.

    One of a rule's trigger words must occur, and its ``PATTERN``, if it has one, must match.
    Report-only rules (``REWRITES = False``) come first: they see the file as it was read.
    """
    present = _present_trigger_words(data, _anchored_words(tuple(rules)))
    matched: dict[re.Pattern[bytes], bool] = {}  # rules may share a pattern (LM009, LM010)
    found: list[type[Rule]] = []
    for rule in rules:
        if present.isdisjoint(rule.TRIGGERS):
            continue
        pattern = rule.PATTERN
        if pattern is not None and pattern not in matched:
            matched[pattern] = pattern.search(data) is not None
        if pattern is None or matched[pattern]:
            found.append(rule)
    return sorted(found, key=lambda rule: rule.REWRITES)


@functools.lru_cache(maxsize=8)
def _anchored_words(rules: tuple[type[Rule], ...]) -> dict[bytes, tuple[bytes, ...]]:
    """The trigger words of ``rules`` by the first of :data:`TRIGGER_ANCHORS` each contains
    (a word that contains none is its own anchor)."""
    grouped: dict[bytes, list[bytes]] = {}
    for word in dict.fromkeys(word for rule in rules for word in rule.TRIGGERS):
        anchor = next((anchor for anchor in TRIGGER_ANCHORS if anchor in word), word)
        grouped.setdefault(anchor, []).append(word)
    return {anchor: tuple(words) for anchor, words in grouped.items()}


def _present_trigger_words(data: bytes, anchored: dict[bytes, tuple[bytes, ...]]) -> set[bytes]:
    """The trigger words that occur in ``data``: a word can only occur where its anchor does."""
    present: set[bytes] = set()
    for anchor, words in anchored.items():
        if anchor in data:
            present.update(word for word in words if word == anchor or word in data)
    return present


_COOKIE_HINT = b"coding"
_DECODING_FAILURE = re.compile(
    r"decoding with|unknown encoding|encoding problem|\(unicode error\)|codec can't decode"
)


def decoding_problem(data: bytes) -> str | None:
    """Why Python could not decode ``data`` as source (None when it can), as its tokenizer
    decides: the PEP 263 declaration or BOM, else UTF-8.

    Cheap for the usual file: pure ASCII without a declaration needs no decoding at all.
    """
    if data.isascii() and _COOKIE_HINT not in data:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown codec, a BOM that contradicts the declaration
        return str(error.msg or error)
    try:
        data.decode(encoding)
    except UnicodeError as error:
        return f"not valid {encoding}: {error}"
    except LookupError as error:  # a declared codec that is not a text encoding (base64)
        return str(error)
    if encoding in ("utf-8", "utf-8-sig"):
        return None
    # Some codecs decode a whole file that CPython's tokenizer cannot (punycode): rare
    # declarations, so ask CPython itself.
    try:
        ast.parse(data)
    except SyntaxError as error:
        # A decoding failure is reported before line 1 (line 0); its wording varies.
        if not error.lineno or _DECODING_FAILURE.search(str(error.msg)):
            return str(error.msg)
    except (ValueError, RecursionError, MemoryError):
        pass
    return None


def settled_without_parsing(
    data: bytes, path: str, rules: Sequence[type[Rule]] = ALL_RULES
) -> SourceOutcome | None:
    """The outcome of :func:`rewrite_source` when it needs no parsing (a binary or
    undecodable file, no rule's trigger, a file-level skip), else None: the cheap checks a
    caller can make before handing the file to a worker process."""
    outcome, rules_here, _ = _screen(data, path, rules)
    return None if rules_here else outcome


def _screen(
    data: bytes, path: str, rules: Sequence[type[Rule]]
) -> tuple[SourceOutcome, list[type[Rule]], SkipComments | None]:
    """The checks made before parsing: the outcome so far, the rules still to run (none when
    the outcome is final) and the file's skip comments."""
    outcome = SourceOutcome(path, data)
    if b"\0" in data:  # looked for first: a binary file gets a line even without trigger words
        outcome.error = "binary file (contains NUL bytes)"
        return outcome, [], None
    problem = decoding_problem(data)
    if problem is not None:  # also without trigger words: Python cannot read this file either
        outcome.error = f"cannot decode: {problem}"
        return outcome, [], None
    rules_here = applicable_rules(data, rules)
    if not rules_here:
        return outcome, [], None
    skip = skip_comments(data) if SKIP_MARK.search(data) else None
    if skip is not None and skip.whole_file:
        kept = [rule for rule in rules_here if not skip.skips_file(rule.ID)]
        outcome.skipped = int(len(kept) < len(rules_here))
        rules_here = kept
    return outcome, rules_here, skip


def rules_to_parse(
    data: bytes, path: str, rules: Sequence[type[Rule]] = ALL_RULES
) -> list[type[Rule]]:
    """The rules for which :func:`rewrite_source` hands ``data`` to libcst: those left after
    every check it makes without libcst (empty: it does not parse the file at all)."""
    return _before_libcst(data, path, rules)[1]


def _before_libcst(
    data: bytes, path: str, rules: Sequence[type[Rule]]
) -> tuple[SourceOutcome, list[type[Rule]], SkipComments | None, bool]:
    """Every check made before libcst: the outcome so far, the rules libcst must run (none
    when the outcome is final), the skip comments, and whether the running Python compiles
    the file."""
    outcome, rules_here, skip = _screen(data, path, rules)
    if not rules_here:
        return outcome, [], skip, False
    original_compiles, tree = check_source(data, path)
    if original_compiles is None or (not original_compiles and too_deeply_nested(data)):
        outcome.error = (
            f"too deeply nested to rewrite (over {MAX_BRACKET_DEPTH} nested brackets or "
            f"a syntax tree over {MAX_TREE_DEPTH} levels deep)"
        )
        return outcome, [], skip, False
    return outcome, admitted_by_tree(rules_here, tree), skip, original_compiles


def admitted_by_tree(rules: Sequence[type[Rule]], tree: ast.Module | None) -> list[type[Rule]]:
    """``rules`` less those the file's ``ast`` tree rules out (``NEEDS_*``); all of them
    where the running Python could not parse the file."""
    if tree is None:
        return list(rules)
    facts = TreeFacts(tree)
    return [rule for rule in rules if facts.admit(rule)]


def rewrite_source(
    data: bytes, path: str, rules: Sequence[type[Rule]] = ALL_RULES
) -> SourceOutcome:
    """Apply ``rules`` to a file's bytes; never raises for bad input (see ``error``).

    Files with NUL bytes are reported as binary, files Python could not decode as undecodable,
    whatever they contain. Files in which no rule's trigger word occurs
    are not parsed, nor are files that a ``# loadermig: skip-file`` comment keeps from every
    rule that would apply, nor files whose ``ast`` rules out every rule (``NEEDS_*``). The
    result keeps the file's encoding, BOM and line endings, and every line no rule changed is
    kept byte for byte (libcst's own round trip is not always exact). A result that no longer
    compiles is refused with an error instead of being returned.
    """
    outcome, rules_here, skip, original_compiles = _before_libcst(data, path, rules)
    if not rules_here:
        return outcome
    context = CodemodContext(filename=path)
    statement_skip = skip if skip is not None and skip.lines else None

    def transform() -> tuple[bytes, bytes, int]:
        module = cst.parse_module(data)
        code = module.code
        roundtrip = code.encode(module.encoding)
        shared = SharedTree(module, code, statement_skip)
        context.scratch[SHARED_KEY] = shared
        for rule in rules_here:
            shared.advance(rule(context).transform_module(shared.module))
        return roundtrip, shared.result.bytes, len(shared.skipped)

    try:
        roundtrip, transformed, skipped = run_with_large_stack(transform)
    except cst.ParserSyntaxError as error:
        outcome.error = f"cannot parse: {error.message} (line {error.raw_line})"
        return outcome
    except RecursionError:
        outcome.error = "too deeply nested for the parser (RecursionError)"
        return outcome
    except (UnicodeError, LookupError, SyntaxError) as error:
        outcome.error = f"cannot decode: {error}"
        return outcome
    outcome.parsed = True
    outcome.skipped += skipped
    outcome.findings = sorted(context.scratch.get(FINDINGS_KEY, []))
    if transformed == roundtrip:
        return outcome
    rewritten = splice(data, roundtrip, transformed)
    problem = compile_regression(original_compiles, rewritten, path)
    if problem:
        outcome.error = f"rewrite refused, the result would not compile: {problem}"
        outcome.findings = [f for f in outcome.findings if not f.fixed]
        return outcome
    outcome.rewritten = rewritten
    return outcome


def skip_comments(data: bytes) -> SkipComments:
    """The ``# loadermig: skip`` comments of a file (real comments, not text in strings).

    ``skip-file`` anywhere, or ``skip`` on a line of its own before the first statement,
    applies to the whole file; ``skip`` after code on a line applies to that line's statement.
    Either may name rules: ``skip=LM006,LM008``. A file that cannot be tokenized to the end
    keeps the comments found before the problem.
    """
    whole_file: list[frozenset[str] | None] = []
    lines: dict[int, frozenset[str] | None] = {}
    before_code = True
    # Line numbers as libcst counts them: a lone \r ends a line too.
    readline = io.BytesIO(_LINE_ENDS.sub(b"\n", data)).readline
    try:
        for token in tokenize.tokenize(readline):
            if token.type == tokenize.COMMENT:
                directive = _DIRECTIVE.search(token.string)
                if directive is None:
                    continue
                kind, names = directive.group(1), directive.group(2)
                rules = frozenset(_RULE_ID.findall(names.upper())) if names else None
                own_line = not token.line[: token.start[1]].strip()
                if kind == "skip-file" or (own_line and before_code):
                    whole_file.append(rules)
                elif not own_line:
                    lines[token.start[0]] = rules
            elif token.type not in _NOT_CODE:
                before_code = False
    except (SyntaxError, tokenize.TokenError, UnicodeDecodeError, LookupError):
        pass
    return SkipComments(tuple(whole_file), lines)


def check_source(data: bytes, path: str) -> tuple[bool | None, ast.Module | None]:
    """Whether the running interpreter compiles ``data`` (None when it is too deep to
    rewrite), and the ``ast`` tree where it parses.

    A SyntaxError may only mean newer syntax than this interpreter's, which libcst may still
    parse. Syntax trees deeper than ``MAX_TREE_DEPTH`` (long operator chains, generated code)
    are refused on every Python: libcst's time grows much faster than linearly on them.
    """
    tree = None
    try:
        tree = ast.parse(data, path)
        if tree_depth(tree) > MAX_TREE_DEPTH:
            return None, None
        compile(tree, path, "exec", dont_inherit=True)
    except (RecursionError, MemoryError):
        return None, None
    except (SyntaxError, ValueError):
        return False, tree
    return True, tree


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


def too_deeply_nested(data: bytes) -> bool:
    """Whether ``data`` nests brackets deeper than any Python accepts.

    Counted over every bracket byte, strings and comments included, so this can only
    over-estimate; callers ask it only of files the interpreter did not compile.
    """
    brackets = data.translate(None, _BRACKETS)
    if len(brackets) <= 2 * MAX_BRACKET_DEPTH:
        return False
    return max(accumulate(_DEPTH_STEP[byte] for byte in brackets)) > MAX_BRACKET_DEPTH


def run_with_large_stack(work: Callable[[], _T]) -> _T:
    """Run ``work`` in a thread with a large C stack and return (or raise) what it does."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller
            outcome["error"] = error

    previous = threading.stack_size(PARSER_STACK_BYTES)
    try:
        worker = threading.Thread(target=target, name="loadermig-parser", daemon=True)
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def compile_regression(original_compiles: bool, rewritten: bytes, path: str) -> str | None:
    """Why ``rewritten`` fails to compile where the original compiled (None if it is fine).

    Code the running interpreter cannot compile in the first place (newer syntax) is checked
    by re-parsing with libcst instead.
    """
    if not original_compiles:
        try:
            cst.parse_module(rewritten)
        except cst.ParserSyntaxError as error:
            return error.message
        return None
    try:
        compile(rewritten, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return str(error)
    return None


def splice(original: bytes, roundtrip: bytes, transformed: bytes) -> bytes:
    """``transformed``, but with every line the rules left alone taken from ``original``.

    ``roundtrip`` is libcst's output for the unchanged tree. Where it equals the original (the
    usual case) ``transformed`` is the answer. Otherwise lines that differ between
    ``roundtrip`` and ``transformed`` come from ``transformed`` and all others from
    ``original``, so formatting that libcst's round trip loses survives outside the edits.
    """
    if original == roundtrip:
        return transformed
    lines_a = original.splitlines(keepends=True)
    lines_0 = roundtrip.splitlines(keepends=True)
    lines_1 = transformed.splitlines(keepends=True)
    a_to_0 = SequenceMatcher(None, lines_a, lines_0, autojunk=False).get_opcodes()

    def original_lines(start: int, end: int) -> list[bytes]:
        """Lines of ``original`` that stand for ``roundtrip`` lines [start, end)."""
        taken: list[bytes] = []
        for tag, a1, a2, r1, r2 in a_to_0:
            if r1 == r2:  # original lines the round trip dropped
                if start <= r1 < end or r1 == end == len(lines_0):
                    taken.extend(lines_a[a1:a2])
                continue
            low, high = max(start, r1), min(end, r2)
            if low >= high:
                continue
            if tag == "equal":
                taken.extend(lines_a[a1 + low - r1 : a1 + high - r1])
            elif low == r1 and high == r2:
                taken.extend(lines_a[a1:a2])
            else:
                taken.extend(lines_0[low:high])
        return taken

    out: list[bytes] = []
    edits = SequenceMatcher(None, lines_0, lines_1, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in edits:
        out.extend(original_lines(i1, i2) if tag == "equal" else lines_1[j1:j2])
    return b"".join(out)
