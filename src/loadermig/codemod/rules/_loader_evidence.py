"""What shows that a class with a ``load_module`` method is an import loader (LM008).

``load_module(self, name)`` is also an ordinary method name (mypyc's IR builders emit a module
load with it). LM008 reads this evidence on libcst's tree and the prefilter on the ``ast`` tree
(:mod:`loadermig.codemod.tree_facts`), both from here, so that the prefilter never rules out
a class the rule would take for a loader.
"""

from __future__ import annotations

import re

#: Methods only an import finder or loader defines: one beside ``load_module`` says what it is.
IMPORT_HOOK_METHODS = frozenset(
    {
        "find_module",
        "find_spec",
        "find_loader",
        "create_module",
        "exec_module",
        "get_code",
        "get_source",
        "get_data",
        "get_filename",
        "is_package",
        "module_repr",
        "get_resource_reader",
        "iter_modules",
    }
)
#: Names, attributes and strings that only import machinery uses, in a ``load_module`` body.
IMPORT_MACHINERY_WORDS = frozenset(
    {
        "modules",
        "imp",
        "importlib",
        "zipimport",
        "zipimporter",
        "ModuleType",
        "new_module",
        "module_from_spec",
        "spec_from_loader",
        "import_module",
        "load_dynamic",
        "load_source",
        "load_compiled",
        "load_package",
        "exec_module",
        "get_code",
        "get_source",
        "exec",
        "compile",
        "__import__",
        "__loader__",
        "__file__",
        "__path__",
        "__package__",
        "__spec__",
    }
)
#: A class name that says it is an import hook.
IMPORT_HOOK_CLASS_NAME = re.compile(r"loader|importer|finder|import|hook", re.IGNORECASE)
