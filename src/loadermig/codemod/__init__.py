"""Codemod: rewrite legacy import-hook code into SourceLoader / exec_module / find_spec form.

Built on libcst; never imports click (the command line lives in ``loadermig.cli``).
"""

from .findings import Finding
from .outcome import SourceOutcome
from .rules import ALL_RULES, Rule, rule_by_id
from .source import rewrite_source

__all__ = ["ALL_RULES", "Finding", "Rule", "SourceOutcome", "rewrite_source", "rule_by_id"]
