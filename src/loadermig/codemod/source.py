"""Rewrite one file's bytes in memory: prefilter, parse, run the rules, check, splice."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext

from .compile_check import compile_regression
from .nesting import run_with_large_stack
from .outcome import SourceOutcome
from .prefilter import before_libcst, decided_on_ast
from .rules import ALL_RULES, Rule
from .rules._base import FINDINGS_KEY, SHARED_KEY, SharedTree
from .splice import splice


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
    screened = before_libcst(data, path, rules)
    outcome, skip, original_compiles = screened.outcome, screened.skip, screened.original_compiles
    if not screened.rules:
        return outcome
    found_on_ast, rules_here = decided_on_ast(screened, data, path)
    if not rules_here:
        outcome.findings = sorted(found_on_ast)
        return outcome
    context = CodemodContext(filename=path)
    context.scratch[FINDINGS_KEY] = found_on_ast
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
