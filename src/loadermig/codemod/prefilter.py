"""What is decided about a file before libcst parses it: which rules may have something to
do in it (trigger words, patterns, the facts of its ``ast`` tree), and the outcomes that
need no parsing (a binary, undecodable or skipped file, code nested too deeply)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from .compile_check import check_source
from .decoding import decoding_problem
from .findings import Finding
from .nesting import MAX_BRACKET_DEPTH, MAX_TREE_DEPTH, too_deeply_nested
from .outcome import SourceOutcome
from .rules import ALL_RULES, Rule
from .rules._imp_on_ast import imp_findings_beside_class_edits, imp_findings_on_ast
from .rules._load_module_on_ast import load_module_findings_on_ast
from .rules._report_only_on_ast import FileOnAst, Unsupported, findings_on_ast, runs_on_ast
from .rules.lm006_meta_path_finder import MetaPathFinderRule
from .rules.lm007_path_entry_finder import PathEntryFinderRule
from .rules.lm008_load_module import LoadModuleRule
from .rules.lm010_imp_calls import ImpCallsRule
from .skip_comments import SKIP_MARK, SkipComments, skip_comments
from .tree_facts import TreeFacts

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
    screened = before_libcst(data, path, rules)
    return decided_on_ast(screened, data, path)[1]


class Screened(NamedTuple):
    """What the checks before libcst found out about a file."""

    #: The outcome so far (final when :attr:`rules` is empty).
    outcome: SourceOutcome
    #: The rules that may have something to do in the file.
    rules: list[type[Rule]]
    #: The file's skip comments (None: it has none).
    skip: SkipComments | None
    #: Whether the running Python compiles the file.
    original_compiles: bool
    #: The file's ``ast`` tree, where the running Python parses it.
    tree: ast.Module | None


def before_libcst(data: bytes, path: str, rules: Sequence[type[Rule]]) -> Screened:
    """Every check made before libcst: the outcome so far, the rules that may apply (none
    when the outcome is final), the skip comments, whether the running Python compiles the
    file, and its ``ast`` tree."""
    outcome, rules_here, skip = _screen(data, path, rules)
    if not rules_here:
        return Screened(outcome, [], skip, False, None)
    original_compiles, tree = check_source(data, path)
    if original_compiles is None or (not original_compiles and too_deeply_nested(data)):
        outcome.error = (
            f"too deeply nested to rewrite (over {MAX_BRACKET_DEPTH} nested brackets or "
            f"a syntax tree over {MAX_TREE_DEPTH} levels deep)"
        )
        return Screened(outcome, [], skip, False, None)
    return Screened(outcome, admitted_by_tree(rules_here, tree), skip, original_compiles, tree)


def decided_on_ast(
    screened: Screened, data: bytes, path: str
) -> tuple[list[Finding], list[type[Rule]]]:
    """The findings of the rules decided on the file's ``ast`` tree (the report-only rules,
    see :mod:`.rules._report_only_on_ast`; LM010 and LM008 too where one of them is the only
    other rule and plainly only reports, see :data:`DECIDED_ALONE_ON_AST`, and LM010 beside
    rules that only edit classes, see :data:`EDIT_CLASSES_ONLY`), and the rules left for
    libcst.

    A file with skip comments, one the running Python does not parse, and one the ``ast``
    analysis cannot be sure about leave every rule to libcst.
    """
    on_ast = [rule for rule in screened.rules if runs_on_ast(rule)]
    left = [rule for rule in screened.rules if not runs_on_ast(rule)]
    alone = left[0] if len(left) == 1 else None
    decide_alone = next((d for r, d in DECIDED_ALONE_ON_AST if alone is r), None)
    class_editors = [rule for rule in left if rule is not ImpCallsRule]
    imp_beside = 0 < len(class_editors) < len(left) and set(class_editors) <= EDIT_CLASSES_ONLY
    if not (on_ast or decide_alone or imp_beside):
        return [], screened.rules
    if screened.tree is None or screened.skip is not None:
        return [], screened.rules
    try:
        file = FileOnAst(screened.tree, data, path)
        findings = findings_on_ast(on_ast, file)
    except Unsupported:
        return [], screened.rules
    try:
        if alone is not None and decide_alone is not None:
            # the one rule that rewrites left: decided too where it plainly only reports
            return [*findings, *decide_alone(alone, file)], []
        if imp_beside:
            found = imp_findings_beside_class_edits(ImpCallsRule, file)
            return [*findings, *found], class_editors
    except Unsupported:
        pass
    return findings, left


#: Rules that rewrite, each with what decides it on ``ast`` where it is the one such rule
#: left for a file and plainly only reports there (raising :class:`Unsupported` otherwise).
DECIDED_ALONE_ON_AST: tuple[
    tuple[type[Rule], Callable[[type[Rule], FileOnAst], list[Finding]]], ...
] = (
    (ImpCallsRule, imp_findings_on_ast),
    (LoadModuleRule, load_module_findings_on_ast),
)


#: Rules that rewrite only inside class bodies (and add imports): LM010's findings outside
#: classes are the same whether these ran first or not.
EDIT_CLASSES_ONLY: frozenset[type[Rule]] = frozenset(
    {MetaPathFinderRule, PathEntryFinderRule, LoadModuleRule}
)


def admitted_by_tree(rules: Sequence[type[Rule]], tree: ast.Module | None) -> list[type[Rule]]:
    """``rules`` less those the file's ``ast`` tree rules out (``NEEDS_*``); all of them
    where the running Python could not parse the file."""
    if tree is None:
        return list(rules)
    facts = TreeFacts(tree)
    return [rule for rule in rules if facts.admit(rule)]
