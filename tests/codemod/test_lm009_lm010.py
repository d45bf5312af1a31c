"""LM009 and LM010 beyond the fixture pairs: docs, triggers, and behaviour against ``imp``.

Rewritten code runs on the running interpreter (3.12+ has no ``imp``, so there it proves the
result needs none). Every result is compared with a value computed without ``imp`` (from the
documented formula or from a file the interpreter wrote), and on 3.9-3.11 also with what the
legacy code gives under the real ``imp``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import py_compile
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

from loadermig.codemod.prefilter import applicable_rules
from loadermig.codemod.rules import rule_by_id
from loadermig.codemod.rules.lm010_imp_calls import ADVICE, CONSTANTS
from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES

HAS_IMP = sys.version_info < (3, 12)
TAG = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"
#: The public names of Python 3.11's imp module (its own imports left out).
IMP_311 = {
    *CONSTANTS,
    "new_module", "get_magic", "get_tag", "cache_from_source", "source_from_cache",
    "get_suffixes", "NullImporter", "load_source", "load_compiled", "load_package",
    "load_module", "find_module", "reload", "init_builtin", "load_dynamic", "lock_held",
    "acquire_lock", "release_lock", "get_frozen_object", "is_frozen_package", "init_frozen",
    "is_builtin", "is_frozen", "create_dynamic",
}  # fmt: skip


def rewrite(source: str, *rule_ids: str) -> tuple[str, list[str]]:
    """The rewritten source (the input when unchanged) and the rendered findings."""
    rules = [rule_by_id(rule_id) for rule_id in rule_ids] or None
    outcome = rewrite_source(source.encode(), "case.py", *([rules] if rules else []))
    assert outcome.error is None
    result = outcome.rewritten.decode() if outcome.rewritten is not None else source
    return result, [f.render().split(":", 1)[1] for f in outcome.findings]


def execute(source: str, *, legacy: bool = False) -> dict[str, Any]:
    """Run ``source`` as a fresh module; legacy code may import imp, warning suppressed."""
    namespace: dict[str, Any] = {"__name__": "lm_imp_case"}
    with warnings.catch_warnings():
        if legacy:
            warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(source, "case.py", "exec", dont_inherit=True), namespace)
    return namespace


@pytest.mark.parametrize("rule_id", ["LM009", "LM010"])
def test_documentation_is_what_the_rule_does(rule_id: str) -> None:
    rule = rule_by_id(rule_id)
    assert rule.TITLE and rule.TRIGGERS and rule.BEFORE and rule.AFTER
    assert rule.TITLE != "placeholder"
    assert applicable_rules(rule.BEFORE.encode(), [rule]) == [rule]
    result, findings = rewrite(rule.BEFORE, rule_id)
    assert result == rule.AFTER
    assert findings and all(f.endswith("[fixed]") for f in findings)


IMPORTS = [
    "import imp",
    "import imp as i",
    "import os, imp",
    "import os,imp",
    "import os, imp as i",
    "import imp, os",
    "import imp;import os",
    "import\timp",
    "from imp import new_module",
    "from imp import (reload)",
    "from  imp  import reload",
    "if True: import imp\n",
]


@pytest.mark.parametrize("statement", IMPORTS)
def test_every_import_spelling_triggers(statement: str) -> None:
    rules = [rule_by_id("LM009"), rule_by_id("LM010")]
    assert applicable_rules(f"{statement}\n".encode(), rules) == rules


def test_files_without_an_imp_import_are_not_parsed() -> None:
    data = b"import importlib\nfrom importlib import util\nimport important, simple\n\timport x\n"
    assert applicable_rules(data, [rule_by_id("LM009"), rule_by_id("LM010")]) == []


# -- behaviour: each case's run() under the rewrite, the reference and (<3.12) imp -----------

NEW_MODULE_RUN = """
def run():
    m = {call}
    return type(m), m.__name__, m.__doc__, sorted(vars(m)), m.__spec__, m.__loader__, \\
        m.__package__, "lm_fresh" in sys.modules
"""
NEW_MODULE_EXPECTED = (
    types.ModuleType,
    "lm_fresh",
    None,
    ["__doc__", "__loader__", "__name__", "__package__", "__spec__"],
    None,
    None,
    None,
    False,
)


def _pyc(stem: str, optimization: str) -> str:
    """What cache_from_source("pkg/<stem>.py") must give: PEP 3147 and PEP 488."""
    suffix = f".opt-{optimization}" if optimization else ""
    return os.path.join("pkg", "__pycache__", f"{stem}.{TAG}{suffix}.pyc")


def _magic(tmp_path: Path) -> bytes:
    """The magic number, read from a .pyc file this interpreter wrote."""
    source = tmp_path / "lm_magic.py"
    source.write_text("X = 1\n", encoding="utf-8")
    return Path(py_compile.compile(str(source), doraise=True)).read_bytes()[:4]


CASES: dict[str, tuple[str, Callable[[Path], object]]] = {
    **{
        f"new_module-{label}": (
            f"import sys\n{imports}\n" + NEW_MODULE_RUN.format(call=call),
            lambda _: NEW_MODULE_EXPECTED,
        )
        for label, imports, call in [
            ("import", "import imp", "imp.new_module('lm_fresh')"),
            ("import-as", "import imp as i", "i.new_module('lm_fresh')"),
            ("from", "from imp import new_module", "new_module('lm_fresh')"),
            ("from-as", "from imp import new_module as nm", "nm(name='lm_fresh')"),
        ]
    },
    "cache_from_source": (
        "import os, imp\n"
        "def run():\n"
        "    p = os.path.join('pkg', 'mod.py')\n"
        "    return (imp.cache_from_source(p), imp.cache_from_source(p, True),\n"
        "            imp.cache_from_source(p, False), imp.cache_from_source(p, None),\n"
        "            imp.cache_from_source(debug_override=False, path=p))\n",
        lambda _: tuple(_pyc("mod", opt) for opt in ("", "", "1", "", "1")),
    ),
    "source_from_cache": (
        "from imp import source_from_cache\ndef run():\n    return source_from_cache(CACHED)\n",
        lambda _: os.path.join("pkg", "mod.py"),
    ),
    "get_magic": ("import imp\ndef run():\n    return imp.get_magic()\n", _magic),
    "get_tag": ("from imp import get_tag\ndef run():\n    return get_tag()\n", lambda _: TAG),
    "reload": (
        "import imp\n"
        "def run():\n"
        "    import lm_reloaded\n"
        "    lm_reloaded.EXTRA = 'kept'\n"
        "    write('VALUE = 2  # changed\\n')\n"
        "    again = imp.reload(lm_reloaded)\n"
        "    return again is lm_reloaded, again.VALUE, again.EXTRA\n",
        lambda _: (True, 2, "kept"),
    ),
}


def _prepare(namespace: dict[str, Any], tmp_path: Path) -> None:
    """What the cases' run() needs: a module file to reload, a cached path."""
    target = tmp_path / "lm_reloaded.py"
    target.write_text("VALUE = 1\n", encoding="utf-8")
    sys.modules.pop("lm_reloaded", None)
    if str(tmp_path) not in sys.path:
        sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    namespace["write"] = lambda text: target.write_text(text, encoding="utf-8")
    namespace["CACHED"] = _pyc("mod", "")


@pytest.mark.parametrize("case", sorted(CASES))
def test_rewrite_behaves_like_imp(case: str, tmp_path: Path) -> None:
    legacy, reference = CASES[case]
    result, findings = rewrite(legacy)
    assert findings and all(f.endswith("[fixed]") for f in findings), findings
    assert not re.search(r"\bimp\b", result), result
    expected = reference(tmp_path)
    modern = execute(result)
    _prepare(modern, tmp_path)
    assert modern["run"]() == expected
    if HAS_IMP:
        old = execute(legacy, legacy=True)
        _prepare(old, tmp_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert old["run"]() == expected


RUNNABLE = [
    "LM009/crlf.py",
    "LM009/from_import.py",
    "LM009/from_import_as.py",
    "LM009/import_as.py",
    "LM009/import_in_function.py",
    "LM009/import_list.py",
    "LM009/types_already_imported.py",
    "LM010/cache_from_source.py",
    "LM010/magic_and_tag.py",
]


def _summary(namespace: dict[str, Any]) -> dict[str, object]:
    """The plain values a fixture defines, and what its functions give for a name."""
    out: dict[str, object] = {}
    for key, value in list(namespace.items()):
        if key.startswith("__"):
            continue
        if isinstance(value, (str, bytes, int, tuple)):
            out[key] = value
        elif isinstance(value, types.ModuleType) and value.__spec__ is None:
            out[key] = (repr(value), sorted(vars(value)))  # one the fixture made
        elif (
            isinstance(value, types.FunctionType)
            and value.__module__ == "lm_imp_case"
            and key != "header_ok"
        ):
            made = value("lm_fixture") if value.__code__.co_argcount == 1 else value()
            out[key] = repr(made)
    if "header_ok" in namespace:
        out["header_ok"] = namespace["header_ok"](importlib.util.MAGIC_NUMBER + b"rest")
    return out


@pytest.mark.parametrize("case", RUNNABLE)
def test_rewritten_fixture_runs_like_the_legacy_one(case: str) -> None:
    path = FIXTURES / "codemod" / case
    rewritten = path.with_name(path.name + ".expected").read_text(encoding="utf-8")
    assert not re.search(r"\bimp\b", rewritten.replace("imp.new_module", ""))
    modern = _summary(execute(rewritten))
    assert modern  # it defines something, and it ran
    if HAS_IMP:
        legacy = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert _summary(execute(legacy, legacy=True)) == modern


# -- what the manual findings promise -------------------------------------------------------

MANUAL = sorted(
    case
    for rule_id in ("LM009", "LM010")
    for case in (FIXTURES / "codemod" / rule_id).glob("*.py")
    if case.with_name(case.name + ".findings").exists()
)
DOTTED = re.compile(r"\b((?:importlib|sys|types)(?:\.\w+)+)")


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    target: object = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        if not hasattr(target, part):
            target = importlib.import_module(".".join(parts[: index + 1]))
        else:
            target = getattr(target, part)
    return target


@pytest.mark.parametrize("case", MANUAL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_named_replacement_exists_here(case: Path) -> None:
    """Each finding's message and details (its long explanation) name the removal and only
    replacements that exist on this Python."""
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert outcome.findings
    for finding in outcome.findings:
        assert "Python 3.12" in finding.details
        for dotted in set(DOTTED.findall(f"{finding.message}\n{finding.details}")):
            _resolve(dotted)


def test_every_imp_name_has_advice() -> None:
    for name in IMP_311 - {"new_module", "create_dynamic"}:
        assert name in ADVICE or name in CONSTANTS, name
    for dotted in set(DOTTED.findall(" ".join(ADVICE.values()))):
        _resolve(dotted)
    if HAS_IMP:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            imp = importlib.import_module("imp")
        imports = {"importlib", "machinery", "util", "os", "sys", "tokenize", "types"}
        imports |= {"warnings", "SourcelessFileLoader"}
        public = {n for n in vars(imp) if not n.startswith("_")} - imports
        assert public == IMP_311
        assert {name: getattr(imp, name) for name in CONSTANTS} == CONSTANTS


def test_get_suffixes_advice_rebuilds_it() -> None:
    machinery = importlib.import_module("importlib.machinery")
    rebuilt = (
        [(s, "rb", 3) for s in machinery.EXTENSION_SUFFIXES]
        + [(s, "r", 1) for s in machinery.SOURCE_SUFFIXES]
        + [(s, "rb", 2) for s in machinery.BYTECODE_SUFFIXES]
    )
    assert sorted(s for s, _, _ in rebuilt) == sorted(machinery.all_suffixes())
    if HAS_IMP:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            imp = importlib.import_module("imp")
            assert imp.get_suffixes() == rebuilt


# -- what the rules leave alone --------------------------------------------------------------


def test_names_in_strings_comments_and_own_modules_stay() -> None:
    source = (
        "from . import imp\n"
        "import mypkg.imp as imp2\n"
        "# imp.reload(x), imp.new_module(y)\n"
        "TEXT = 'import imp; imp.new_module(y)'\n"
        "imp.reload(imp2)\n"
        "imp.new_module('x')\n"
    )
    assert rewrite(source) == (source, [])


def test_a_second_import_of_imp_keeps_the_first() -> None:
    source = "import imp\nimport plugins\nimp.reload(plugins)\n\n\ndef f():\n    return imp\n"
    result, findings = rewrite(source)
    assert result.startswith("import imp\n")
    assert [f.endswith("[fixed]") for f in findings] == [True, False]
