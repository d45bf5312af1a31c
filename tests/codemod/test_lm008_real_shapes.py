"""LM008 on the aliasing and redirecting loaders of real projects, executed before and after.

Each fixture (``fixtures/codemod/LM008/<case>.py``, cut from six 1.10, bottle 0.12, flask 0.12,
future and IPython) defines ``install(root)``, which sets the hook up as its project does and
returns the finder, and ``NAMES``, the modules to import through it. The legacy file runs
under the interpreter's own ``load_module`` fallback where there is one (3.9-3.11), else
under ``loadermig.shim.wrap_legacy_finder`` (3.11's semantics); the rewritten file runs bare,
with ``ImportWarning`` and ``DeprecationWarning`` as errors. Both must leave the same modules
in ``sys.modules`` with the same attributes, before and after ``importlib.reload``.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest

from loadermig.codemod.source import rewrite_source
from loadermig.shim import wrap_legacy_finder

from ..conftest import FIXTURES
from .behaviour import execute_fixture, write_tree

LM008 = FIXTURES / "codemod" / "LM008"

TREES: dict[str, dict[str, str]] = {
    "six_1_10.py": {},
    "bottle_redirect.py": {
        "lm8bottle_alpha.py": "ALPHA = 1\n",
        "lm8bottle_beta/__init__.py": "BETA = 2\n",
    },
    "flask_exthook.py": {
        "lm8flask_alpha.py": "ALPHA = 1\n",
        "lm8flaskext/__init__.py": "",
        "lm8flaskext/beta.py": "BETA = 2\n",
    },
    "future_rename.py": {"lm8ConfigParser.py": "SECTIONS = []\n"},
    "ipython_shim.py": {
        "lm8mirror/__init__.py": "",
        "lm8mirror/alpha.py": "ALPHA = 1\n",
        "lm8mirror/sub/__init__.py": "",
        "lm8mirror/sub/leaf.py": "from .. import alpha\n\nLEAF = alpha.ALPHA + 1\n",
    },
}
PREFIXES = ("lm8six", "lm8bottle", "lm8flask", "lm8ConfigParser", "lm8configparser", "lm8shim")
PREFIXES += ("lm8mirror",)


def describe(module: Any, root: Path) -> dict[str, Any]:
    """What an import gave: the object, its import attributes and its public globals."""

    def rel(value: Any) -> Any:
        return value.replace(str(root), "<root>") if isinstance(value, str) else value

    spec = getattr(module, "__spec__", None)
    return {
        "type": type(module).__name__,
        "__name__": module.__name__,
        "__file__": rel(getattr(module, "__file__", None)),
        "__path__": [rel(p) for p in getattr(module, "__path__", None) or []],
        "__package__": module.__package__,
        "__loader__": type(module.__loader__).__name__,
        "spec": None if spec is None else (spec.name, rel(spec.origin), spec.parent),
        "globals": sorted(name for name in vars(module) if not name.startswith("_")),
    }


def observe(source: bytes, case: Path, root: Path, *, legacy: bool) -> list[Any]:
    """Import the fixture's NAMES through its hook, reload them; describe every step."""
    fixture = execute_fixture(source, str(case), legacy=legacy)
    finder = fixture.install(root)
    if legacy and sys.version_info >= (3, 12):
        finder = wrap_legacy_finder(finder, "meta")
    sys.meta_path.insert(0, finder)
    seen: list[Any] = []
    try:
        with warnings.catch_warnings():
            if legacy:
                warnings.simplefilter("ignore", ImportWarning)
            else:
                warnings.simplefilter("error", ImportWarning)
                warnings.simplefilter("error", DeprecationWarning)
            for category in [getattr(fixture, "ExtDeprecationWarning", None)]:
                if category is not None:  # flask's own notice about flask.ext
                    warnings.simplefilter("ignore", category)
            for name in fixture.NAMES:
                module = importlib.import_module(name)
                assert sys.modules[name] is module
                seen.append((name, describe(module, root)))
            for name in fixture.NAMES:
                module = importlib.reload(sys.modules[name])
                seen.append(("reload " + name, describe(module, root)))
                seen.append(("entry " + name, describe(sys.modules[name], root)))
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.startswith(PREFIXES)]:
            del sys.modules[name]
        importlib.invalidate_caches()
    return seen


@pytest.mark.parametrize("case", sorted(TREES))
def test_rewritten_hook_imports_what_the_legacy_one_did(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = LM008 / case
    outcome = rewrite_source(path.read_bytes(), case)
    assert outcome.error is None and outcome.rewritten is not None
    assert b"def load_module" not in outcome.rewritten
    assert b"def exec_module" in outcome.rewritten and b"def find_spec" in outcome.rewritten
    write_tree(tmp_path, TREES[case])
    monkeypatch.syspath_prepend(str(tmp_path))
    before = observe(path.read_bytes(), path, tmp_path, legacy=True)
    after = observe(outcome.rewritten, path, tmp_path, legacy=False)
    assert after == before


def test_six_lazy_modules_get_the_spec_the_fallback_gave_them(tmp_path: Path) -> None:
    """six's own modules have no __spec__ until the import fills it in: without the fill-ins
    ``importlib.util.find_spec("six.moves")`` raises ValueError (``__spec__ is None``)."""
    path = LM008 / "six_1_10.py"
    outcome = rewrite_source(path.read_bytes(), path.name)
    assert outcome.rewritten is not None
    fixture = execute_fixture(outcome.rewritten, str(path), legacy=False)
    finder = fixture.install(tmp_path)
    sys.meta_path.insert(0, finder)
    try:
        moves = importlib.import_module("lm8six.moves")
        assert isinstance(moves, types.ModuleType) and type(moves).__name__ == "_MovedItems"
        assert moves.__spec__.name == "lm8six.moves" and moves.__package__ == "lm8six.moves"
        assert importlib.util.find_spec("lm8six.moves") is moves.__spec__
        parse = importlib.import_module("lm8six.moves.urllib_parse")
        assert parse.__package__ == "lm8six.moves"
        entities = importlib.import_module("lm8six.moves.html_entities")
        assert entities is sys.modules["html.entities"]
        assert entities.__spec__.name == "html.entities"  # its own spec, untouched
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.startswith("lm8six")]:
            del sys.modules[name]
