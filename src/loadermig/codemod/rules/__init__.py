"""The rules, one module each; ``ALL_RULES`` in ID order.

The rewriting rules run in that order, and order matters: LM001 collapses the 3.1-compat
``try``/``except`` import first, so that the later rules see one unambiguous meaning for every
base class name. LM011-LM016 only report (``REWRITES = False``); the engine runs them before
the others, on the file as read.
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
from .lm011_pkgutil_imp import PkgutilImpRule
from .lm012_find_loader_functions import FindLoaderFunctionsRule
from .lm013_finder_method_calls import FinderMethodCallsRule
from .lm014_load_module_calls import LoadModuleCallsRule
from .lm015_module_repr import ModuleReprRule
from .lm016_removed_abcs import RemovedAbcsRule
from .shim_fallback import ShimFallbackRule

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
    PkgutilImpRule,
    FindLoaderFunctionsRule,
    FinderMethodCallsRule,
    LoadModuleCallsRule,
    ModuleReprRule,
    RemovedAbcsRule,
)


#: The steps each ``--fallback`` adds after the rules: what ``none`` (the default) and
#: ``shim`` do with what no rule could rewrite faithfully.
FALLBACK_RULES: dict[str, tuple[type[Rule], ...]] = {"none": (), "shim": (ShimFallbackRule,)}
FALLBACKS = tuple(FALLBACK_RULES)


def rule_by_id(rule_id: str) -> type[Rule]:
    """The rule (or fallback step) with ID ``rule_id`` (KeyError naming it when there is none)."""
    steps = (rule for rules in FALLBACK_RULES.values() for rule in rules)
    by_id = {rule.ID: rule for rule in (*ALL_RULES, *steps)}
    return by_id[rule_id]


def details_for(rule_id: str, reason: str) -> str:
    """The long explanation of a finding of rule ``rule_id`` with ``reason`` ("" if unknown)."""
    try:
        return rule_by_id(rule_id).details(reason)
    except KeyError:
        return ""


__all__ = ["ALL_RULES", "FALLBACKS", "FALLBACK_RULES", "Rule", "details_for", "rule_by_id"]
