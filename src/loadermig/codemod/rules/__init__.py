"""The rules, one module each; ``ALL_RULES`` in ID order.

The rewriting rules run in that order, and order matters: LM001 collapses the 3.1-compat
``try``/``except`` import first, so that the later rules see one unambiguous meaning for every
base class name. LM011-LM016 only report (``REWRITES = False``); the engine runs them before
the others, on the file as read.

Layout. Adding a rule = a rule module ``lmNNN_<what>.py`` (a :class:`Rule` subclass) +
fixtures under ``fixtures/codemod/LMNNN/`` + one line in ``ALL_RULES`` (then regenerate
README's rule details: ``python -m loadermig.codemod.rules.docs README.md``). The helper
modules, each named for what it holds:

* ``_base``: :class:`Rule` (codemod command plus findings) and ``Problem`` (why code is kept);
* ``_shared``: one shared tree per file, positions on the file's own lines, skip comments;
* ``_cst_helpers``: generic CST utilities (walks, body statements, names, ``ClassBody``...);
* ``_cst_walk``: a node's children and visitor runs without libcst rebuilding the tree, and
  which node classes each statement holds (rules skip the statements they have no hook for);
* ``_node_finding``: ``NodeFinding``, a finding decided on (node, message, reason);
* ``_value_flow``: ``Flow``, what the expressions of a loader method may evaluate to;
* ``_sourceloader_conversion``: LM002/LM003's move of a legacy loader onto ``SourceLoader``;
* ``_mixins``: the mixin bases LM002/LM003 can see through;
* ``_pypyc_get_code``: PyPycLoader's own ``get_code``/``get_source``, for LM003;
* ``_decorators``: the removed ``importlib.util`` loader decorators (LM004, LM005, LM008);
* ``_exec_module_conversion``: ``load_module`` -> ``create_module`` + ``exec_module``
  (LM004/LM008): the facts about loader classes and the rules' common base;
* ``_exec_module_body``: LM004's edits of the decorated method itself;
* ``_module_for_loader_forms``: LM004's other shapes of ``module_for_loader``;
* ``_is_package``: the ``is_package()`` LM004 adds to loaders that set ``__path__``;
* ``_removed_import_cleanup``: emptied ``try`` statements and a blank file start, tidied;
* ``_load_module``: LM008's reading of a ``load_module`` body (which idiom it is);
* ``_load_module_on_ast``: LM008 on ``ast`` for loaders that already define ``exec_module``;
* ``_loader_evidence``: what shows that a ``load_module`` class is an import loader (LM008
  and the prefilter's ``ast`` check);
* ``_module_attrs``: what LM008 adds for the ``load_module`` fallback's side effects;
* ``_finders``: LM006/LM007's delegating ``find_spec`` for PEP 302 finders;
* ``_stack_inspection``: which methods read the call stack;
* ``_imp``: LM009/LM010's reading of ``imp`` uses;
* ``_imp_on_ast``: LM010 on ``ast``, which decides it without libcst where it only reports;
* ``_report_only``: what the report-only rules LM011-LM016 share;
* ``_report_only_on_ast``: the same analysis on ``ast``, which decides those rules without
  libcst wherever it is sure to give the same findings;
* ``_ast_scopes``: libcst's scope analysis and qualified names, rebuilt on ``ast``;
* ``docs``: rule documentation in Markdown and text (README's rule details).
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
