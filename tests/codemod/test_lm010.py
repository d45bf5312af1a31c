"""LM010 beyond the fixture pairs: the ``imp`` calls it rewrites behave alike (see
``imp_support.py`` for how), and the advice for the rest names what exists."""

from __future__ import annotations

import importlib
import os
import py_compile
import warnings
from pathlib import Path
from typing import Callable

import pytest

from loadermig.codemod.rules.lm010_imp_calls import ADVICE, CONSTANTS

from .imp_support import (
    DOTTED,
    HAS_IMP,
    TAG,
    assert_every_named_replacement_exists_here,
    assert_rewrite_behaves_like_imp,
    assert_runs_like_the_legacy_one,
    manual_fixtures,
    pyc,
    resolve,
)
from .rule_support import case_id, rewrite

#: The public names of Python 3.11's imp module (its own imports left out).
IMP_311 = {
    *CONSTANTS,
    "new_module", "get_magic", "get_tag", "cache_from_source", "source_from_cache",
    "get_suffixes", "NullImporter", "load_source", "load_compiled", "load_package",
    "load_module", "find_module", "reload", "init_builtin", "load_dynamic", "lock_held",
    "acquire_lock", "release_lock", "get_frozen_object", "is_frozen_package", "init_frozen",
    "is_builtin", "is_frozen", "create_dynamic",
}  # fmt: skip


def _magic(tmp_path: Path) -> bytes:
    """The magic number, read from a .pyc file this interpreter wrote."""
    source = tmp_path / "lm_magic.py"
    source.write_text("X = 1\n", encoding="utf-8")
    return Path(py_compile.compile(str(source), doraise=True)).read_bytes()[:4]


CASES: dict[str, tuple[str, Callable[[Path], object]]] = {
    "cache_from_source": (
        "import os, imp\n"
        "def run():\n"
        "    p = os.path.join('pkg', 'mod.py')\n"
        "    return (imp.cache_from_source(p), imp.cache_from_source(p, True),\n"
        "            imp.cache_from_source(p, False), imp.cache_from_source(p, None),\n"
        "            imp.cache_from_source(debug_override=False, path=p))\n",
        lambda _: tuple(pyc("mod", opt) for opt in ("", "", "1", "", "1")),
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


@pytest.mark.parametrize("case", sorted(CASES))
def test_rewrite_behaves_like_imp(case: str, tmp_path: Path) -> None:
    assert_rewrite_behaves_like_imp(*CASES[case], tmp_path)


RUNNABLE = ["LM010/cache_from_source.py", "LM010/magic_and_tag.py"]


@pytest.mark.parametrize("case", RUNNABLE)
def test_rewritten_fixture_runs_like_the_legacy_one(case: str) -> None:
    assert_runs_like_the_legacy_one(case)


@pytest.mark.parametrize("case", manual_fixtures("LM010"), ids=case_id)
def test_every_named_replacement_exists_here(case: Path) -> None:
    assert_every_named_replacement_exists_here(case)


def test_every_imp_name_has_advice() -> None:
    for name in IMP_311 - {"new_module", "create_dynamic"}:
        assert name in ADVICE or name in CONSTANTS, name
    for dotted in set(DOTTED.findall(" ".join(ADVICE.values()))):
        resolve(dotted)
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


def test_a_second_import_of_imp_keeps_the_first() -> None:
    source = "import imp\nimport plugins\nimp.reload(plugins)\n\n\ndef f():\n    return imp\n"
    result, findings = rewrite(source)
    assert result.startswith("import imp\n")
    assert [f.endswith("[fixed]") for f in findings] == [True, False]
