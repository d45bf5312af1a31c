"""The rewrite rules, one module each; ``ALL_RULES`` in ID order, which is the order they run.

Order matters: LM001 collapses the 3.1-compat ``try``/``except`` import first, so that the
later rules see one unambiguous meaning for every base class name.
"""

from __future__ import annotations

from ._base import Rule
from .lm001_compat_import import CompatImportRule
from .lm002_pyloader import PyLoaderRule
from .lm003_pypycloader import PyPycLoaderRule
from .lm004_module_for_loader import ModuleForLoaderRule
from .lm005_set_loader_package import SetLoaderPackageRule
from .lm006_meta_path_finder import MetaPathFinderRule
from .lm007_path_entry_finder import PathEntryFinderRule
from .lm008_load_module import LoadModuleRule
from .lm009_imp_new_module import ImpNewModuleRule
from .lm010_imp_calls import ImpCallsRule

ALL_RULES: tuple[type[Rule], ...] = (
    CompatImportRule,
    PyLoaderRule,
    PyPycLoaderRule,
    ModuleForLoaderRule,
    SetLoaderPackageRule,
    MetaPathFinderRule,
    PathEntryFinderRule,
    LoadModuleRule,
    ImpNewModuleRule,
    ImpCallsRule,
)


def rule_by_id(rule_id: str) -> type[Rule]:
    """The rule with ID ``rule_id`` (KeyError naming it when there is none)."""
    by_id = {rule.ID: rule for rule in ALL_RULES}
    return by_id[rule_id]


__all__ = ["ALL_RULES", "Rule", "rule_by_id"]
