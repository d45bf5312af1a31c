"""The harness of the LM009/LM010 behaviour tests: legacy code using ``imp`` and its rewrite.

Rewritten code runs on the running interpreter (3.12+ has no ``imp``, so there it proves the
result needs none). Every result is compared with a value computed without ``imp`` (from the
documented formula or from a file the interpreter wrote), and on 3.9-3.11 also with what the
legacy code gives under the real ``imp``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import types
import warnings
from pathlib import Path
from typing import Any, Callable

from loadermig.codemod.source import rewrite_source

from ..conftest import FIXTURES
from .rule_support import rewrite

HAS_IMP = sys.version_info < (3, 12)
TAG = f"cpython-{sys.version_info[0]}{sys.version_info[1]}"


def execute(source: str, *, legacy: bool = False) -> dict[str, Any]:
    """Run ``source`` as a fresh module; legacy code may import imp, warning suppressed."""
    namespace: dict[str, Any] = {"__name__": "lm_imp_case"}
    with warnings.catch_warnings():
        if legacy:
            warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(source, "case.py", "exec", dont_inherit=True), namespace)
    return namespace


# -- behaviour: a case's run() under the rewrite, the reference and (<3.12) imp -------------


def pyc(stem: str, optimization: str) -> str:
    """What cache_from_source("pkg/<stem>.py") must give: PEP 3147 and PEP 488."""
    suffix = f".opt-{optimization}" if optimization else ""
    return os.path.join("pkg", "__pycache__", f"{stem}.{TAG}{suffix}.pyc")


def prepare(namespace: dict[str, Any], tmp_path: Path) -> None:
    """What the cases' run() needs: a module file to reload, a cached path."""
    target = tmp_path / "lm_reloaded.py"
    target.write_text("VALUE = 1\n", encoding="utf-8")
    sys.modules.pop("lm_reloaded", None)
    if str(tmp_path) not in sys.path:
        sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    namespace["write"] = lambda text: target.write_text(text, encoding="utf-8")
    namespace["CACHED"] = pyc("mod", "")


def assert_rewrite_behaves_like_imp(
    legacy: str, reference: Callable[[Path], object], tmp_path: Path
) -> None:
    """``legacy`` (a module defining ``run()``) is rewritten with only fixed findings and no
    ``imp`` left; its ``run()`` gives ``reference(tmp_path)``, as the legacy one does under
    the real ``imp`` (where there is one)."""
    result, findings = rewrite(legacy)
    assert findings and all(f.endswith("[fixed]") for f in findings), findings
    assert not re.search(r"\bimp\b", result), result
    expected = reference(tmp_path)
    modern = execute(result)
    prepare(modern, tmp_path)
    assert modern["run"]() == expected
    if HAS_IMP:
        old = execute(legacy, legacy=True)
        prepare(old, tmp_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert old["run"]() == expected


def summary(namespace: dict[str, Any]) -> dict[str, object]:
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


def assert_runs_like_the_legacy_one(case: str) -> None:
    """The fixture ``case`` (``LMnnn/name.py``)'s expected rewrite uses no ``imp`` (but in
    ``imp.new_module`` left alone), runs and defines what the legacy file does (where
    ``imp`` exists)."""
    path = FIXTURES / "codemod" / case
    rewritten = path.with_name(path.name + ".expected").read_text(encoding="utf-8")
    assert not re.search(r"\bimp\b", rewritten.replace("imp.new_module", ""))
    modern = summary(execute(rewritten))
    assert modern  # it defines something, and it ran
    if HAS_IMP:
        legacy = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert summary(execute(legacy, legacy=True)) == modern


# -- what the manual findings promise -------------------------------------------------------

#: A dotted name of importlib, sys or types in a message or explanation.
DOTTED = re.compile(r"\b((?:importlib|sys|types)(?:\.\w+)+)")


def manual_fixtures(rule_id: str) -> list[Path]:
    """Rule ``rule_id``'s fixtures that have expected findings."""
    return sorted(
        case
        for case in (FIXTURES / "codemod" / rule_id).glob("*.py")
        if case.with_name(case.name + ".findings").exists()
    )


def resolve(dotted: str) -> object:
    """The object a dotted name names, importing its modules (AttributeError/ImportError if
    it does not exist here)."""
    parts = dotted.split(".")
    target: object = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        if not hasattr(target, part):
            target = importlib.import_module(".".join(parts[: index + 1]))
        else:
            target = getattr(target, part)
    return target


def assert_every_named_replacement_exists_here(case: Path) -> None:
    """Each finding's message and details (its long explanation) name the removal and only
    replacements that exist on this Python."""
    outcome = rewrite_source(case.read_bytes(), case.name)
    assert outcome.findings
    for finding in outcome.findings:
        assert "Python 3.12" in finding.details
        for dotted in set(DOTTED.findall(f"{finding.message}\n{finding.details}")):
            resolve(dotted)
