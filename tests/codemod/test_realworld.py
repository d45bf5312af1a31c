"""The real-world corpus (``tests/data/realworld``): its manifest, the safety of rewriting it,
the legacy-class counts the coverage benchmark reports, and executed checks of its hooks. Of
the held-out corpus (``tests/data/heldout``), which no rule is developed against, only the
manifest is checked here: the benchmark measures it.

The counts come from ``benchmarks/bench_coverage.py`` itself (``measure_file``), so what the
README's coverage table says is what these tests see.

Executed checks (``CASES``): a corpus file is laid out in a temporary directory as its project
lays it out, a script installs its hook as the project does and imports through it, and
``realworld_probe.py`` records what the imports gave. The legacy file runs on 3.11 (the last
Python with the whole fallback); the rewritten file must give the same on 3.11 and, once every
class the case exercises is fully modern, on 3.12 and 3.13 with ``ImportWarning`` and
``DeprecationWarning`` as errors. A rule that converts such a class turns its check on; a
class still left must be reported with a reason. To add a check, add a ``Case``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_coverage  # noqa: E402
from legacy_classes import legacy_classes_of_source  # noqa: E402

CORPUS = bench_coverage.CORPUS
HELDOUT = ROOT / "tests" / "data" / "heldout"
#: Every corpus and what issue #11 asks of it: at least so many files from so many projects.
CORPORA = {CORPUS: (40, 20), HELDOUT: (20, 12)}
MANIFEST = json.loads((CORPUS / bench_coverage.MANIFEST).read_text(encoding="utf-8"))
PROBE = Path(__file__).with_name("realworld_probe.py")
FIELDS = {
    "project",
    "version",
    "source",
    "sdist",
    "sdist_sha256",
    "path",
    "sha256",
    "license",
    "license_files",
    "category",
    "note",
}
PERMISSIVE = {"MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0", "PSF-2.0", "ISC"}


@functools.cache
def measured(relative: str, again: bool = True) -> bench_coverage.FileResult:
    """The benchmark's measurement of one corpus file (``again``: with the second rewrite
    that shows idempotence). The rewrite is most of this module's time: once per file."""
    return bench_coverage.measure_file(
        CORPUS, relative, MANIFEST[relative]["category"], bench_coverage.MODES[0], again=again
    )


def _manifest(corpus: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = json.loads(
        (corpus / bench_coverage.MANIFEST).read_text(encoding="utf-8")
    )
    return entries


each_corpus = pytest.mark.parametrize("corpus", CORPORA, ids=lambda corpus: corpus.name)


@each_corpus
def test_manifest_describes_every_file_exactly(corpus: Path) -> None:
    manifest = _manifest(corpus)
    on_disk = {
        path.relative_to(corpus).as_posix()
        for path in corpus.rglob("*")
        if path.is_file() and path.parent != corpus and path.parts[-2] != "LICENSES"
    }
    assert on_disk == set(manifest)
    for relative, entry in manifest.items():
        assert set(entry) == FIELDS, relative
        data = (corpus / relative).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], relative
        sdist_name = entry["sdist"].rsplit("-", 1)[0]  # the sdist's spelling of the project
        assert relative == f"{sdist_name}-{entry['version']}/{entry['path']}", relative
        assert set(entry["license"].split(" AND ")) <= PERMISSIVE, relative
        assert entry["license_files"], relative
        for license_file in entry["license_files"]:
            assert (corpus / license_file).stat().st_size > 0, license_file
        assert entry["category"] in bench_coverage.CATEGORIES, relative
        assert entry["note"], relative


@each_corpus
def test_every_licence_text_is_used(corpus: Path) -> None:
    used = {name for entry in _manifest(corpus).values() for name in entry["license_files"]}
    assert {f"LICENSES/{p.name}" for p in (corpus / "LICENSES").iterdir()} == used


@each_corpus
def test_corpus_is_as_large_as_issue_11_asks(corpus: Path) -> None:
    files, projects = CORPORA[corpus]
    manifest = _manifest(corpus)
    assert len(manifest) >= files
    assert len({entry["project"] for entry in manifest.values()}) >= projects


def test_heldout_corpus_shares_no_project_and_no_file_with_the_development_corpus() -> None:
    development, heldout = _manifest(CORPUS).values(), _manifest(HELDOUT).values()
    assert not {e["project"].lower() for e in development} & {e["project"].lower() for e in heldout}
    assert not {e["sha256"] for e in development} & {e["sha256"] for e in heldout}


@pytest.mark.corpus
@pytest.mark.parametrize("relative", sorted(MANIFEST))
def test_rewrite_compiles_is_idempotent_and_explains_what_it_leaves(relative: str) -> None:
    """Also: the benchmark's classes are the counter's on the file; those left, its count on
    the rewritten file (nothing converted is still counted, nothing left is missed)."""
    result = measured(relative)
    assert result.parsed, "every corpus file parses on 3.9+"
    assert bench_coverage.problems([result]) == []
    assert result.error is None
    for cls in result.classes:
        if cls.category == "hook":
            assert bench_coverage.NO_FINDING not in cls.reasons.values(), cls.legacy.qualname
    before = legacy_classes_of_source((CORPUS / relative).read_bytes()) or []
    assert [c.legacy for c in result.classes] == before
    after = legacy_classes_of_source(result.rewritten or (CORPUS / relative).read_bytes())
    assert sorted(c.legacy.qualname for c in result.classes if not c.converted) == sorted(
        c.qualname for c in after or []
    )


COUNTER_CASES = {
    "six: finder and aliasing loader": (
        "class _SixMetaPathImporter(object):\n"
        "    def find_module(self, fullname, path=None):\n        return self\n"
        "    def load_module(self, fullname):\n        return sys.modules[fullname]\n",
        [("_SixMetaPathImporter", ("LM006", "LM008"))],
    ),
    "path entry finder, loader with exec_module from a base": (
        "class Base:\n    def exec_module(self, module): pass\n"
        "class L(Base):\n    def load_module(self, fullname): pass\n"
        "class F:\n    def find_loader(self, fullname): return None, []\n",
        [("F", ("LM007",))],
    ),
    "modern finder and its nested legacy loader": (
        "class F:\n    def find_spec(self, name, path, target=None): pass\n"
        "    def find_module(self, name, path=None): pass\n"
        "    class L(importlib.abc.PyPycLoader):\n"
        "        @importlib.util.module_for_loader\n"
        "        def load_module(self, module): pass\n",
        [("F.L", ("LM003", "LM004"))],
    ),
    "set_package on another method, a PyLoader inside a function": (
        "def make():\n    class P(PyLoader):\n        @set_package\n"
        "        def helper(self): pass\n    return P\n",
        [("make.<locals>.P", ("LM002", "LM005"))],
    ),
    "legacy methods counted where defined, not in subclasses": (
        "class A:\n    def load_module(self, fullname): pass\nclass B(A):\n    pass\n",
        [("A", ("LM008",))],
    ),
    # the forms --fallback shim writes count as modern
    "a loader under @legacy_loader, and its subclass": (
        "from loadermig.shim import legacy_loader\n"
        "@legacy_loader\nclass L:\n    def load_module(self, fullname): pass\n"
        "class M(L):\n    def load_module(self, fullname): pass\n",
        [],
    ),
    "the shim's removed APIs are modern, importlib's are not": (
        "from loadermig.shim.compat import PyLoader, module_for_loader\n"
        "import loadermig.shim.compat\nfrom importlib.abc import PyPycLoader\n"
        "class A(PyLoader):\n    pass\n"
        "class B(loadermig.shim.compat.PyPycLoader):\n    @module_for_loader\n"
        "    def helper(self, module): pass\n"
        "class C(PyPycLoader):\n    pass\n",
        [("C", ("LM003",))],
    ),
    "a finder under @legacy_finder": (
        "import loadermig.shim\n"
        "@loadermig.shim.legacy_finder\nclass F:\n"
        "    def find_module(self, name, path=None): pass\n",
        [],
    ),
    "a legacy_loader of another origin does not count": (
        "def legacy_loader(cls): return cls\n"
        "@legacy_loader\nclass L:\n    def load_module(self, fullname): pass\n",
        [("L", ("LM008",))],
    ),
}


@pytest.mark.parametrize("name", COUNTER_CASES)
def test_legacy_classes_and_their_rules(name: str) -> None:
    source, expected = COUNTER_CASES[name]
    found = legacy_classes_of_source(source.encode())
    assert [(c.qualname, c.rules) for c in found or []] == expected


@pytest.mark.scripts
def test_benchmark_writes_its_tables_into_the_readme(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    small = "requests-2.5.3/requests/packages/__init__.py"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "vendor.py").write_bytes((CORPUS / small).read_bytes())
    (corpus / "a" / "modern.py").write_text(
        "class F:\n    def find_spec(self, n, p, t=None): pass\n"
    )
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n{bench_coverage.START}\nold\n{bench_coverage.END}\nrest\n")
    code = bench_coverage.main(["--corpus", str(corpus), "--readme", str(readme), "-j", "1"])
    assert code == 0
    text = readme.read_text()
    assert "old" not in text and text.endswith(f"{bench_coverage.END}\nrest\n")
    assert "| hook | 2 | 1 |" in text  # VendorAlias; the modern finder is not legacy
    assert "| LM006: meta path find_module | 1 |" in text
    assert "| LM008: load_module | 1 |" in text


@pytest.mark.scripts
def test_benchmark_writes_another_corpus_into_its_own_section(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "finder.py").write_text(
        "class F:\n    def find_module(self, name, path=None):\n        return None\n"
    )
    readme = tmp_path / "README.md"
    start, end = bench_coverage.markers("heldout")
    development = f"{bench_coverage.START}\nkept\n{bench_coverage.END}\n"
    readme.write_text(f"# x\n{development}{start}\nold\n{end}\nrest\n")
    arguments = ["--corpus", str(corpus), "--readme", str(readme), "--section", "heldout"]
    assert bench_coverage.main([*arguments, "-j", "1"]) == 0
    text = readme.read_text()
    assert text.startswith(f"# x\n{development}{start}\n")
    assert text.endswith(f"{end}\nrest\n") and "old" not in text
    assert "| LM006: meta path find_module | 1 | 1 (100%) | 0 |" in text


# Executed checks ---------------------------------------------------------------------------

SIX_SCRIPT = """
import six
from six.moves import configparser, queue
import six.moves.urllib.parse
from six.moves.urllib.parse import urlparse
snapshot("six.moves", "six.moves.configparser", "six.moves.queue", "six.moves.urllib",
         "six.moves.urllib.parse")
"""

VENDOR_IMPORTER_SCRIPT = """
import pkg_resources.extern.six
import pkg_resources.extern.packaging
snapshot("pkg_resources.extern.six", "pkg_resources.extern.packaging")
"""
VENDOR_IMPORTER_TREE = {
    "pkg_resources/__init__.py": "",
    "pkg_resources/_vendor/__init__.py": "",
    "pkg_resources/_vendor/six.py": "VENDORED = True\n",
    "packaging/__init__.py": "TOP_LEVEL = True\n",
}


@dataclass(frozen=True)
class Case:
    """One executed check: a corpus file laid out at ``place`` under a temporary directory,
    with ``tree`` (stubs of what it imports), and ``script`` importing through its hook."""

    file: str
    place: str
    classes: tuple[str, ...]
    script: str
    tree: dict[str, str] = field(default_factory=dict)
    #: pytest marks, e.g. a strict xfail naming the issue that a rule must fix.
    marks: tuple[pytest.MarkDecorator, ...] = ()


CASES = [
    *(
        Case(f"{sdist}/{path}", "six.py", ("_SixMetaPathImporter",), SIX_SCRIPT)
        for sdist, path in [
            ("six-1.10.0", "six.py"),
            ("six-1.11.0", "six.py"),
            ("pip-6.1.1", "pip/_vendor/six.py"),
            ("Django-1.11.29", "django/utils/six.py"),
            ("botocore-1.4.93", "botocore/vendored/six.py"),
            ("eventlet-0.20.1", "eventlet/support/six.py"),
        ]
    ),
    *(
        Case(
            f"{sdist}/pkg_resources/extern/__init__.py",
            "pkg_resources/extern/__init__.py",
            ("VendorImporter",),
            VENDOR_IMPORTER_SCRIPT,
            VENDOR_IMPORTER_TREE,
        )
        for sdist in ("setuptools-20.0", "setuptools-36.0.1")
    ),
    Case(
        "requests-2.5.3/requests/packages/__init__.py",
        "requests/packages/__init__.py",
        ("VendorAlias",),
        "import requests.packages.urllib3\nsnapshot('requests.packages.urllib3')\n",
        {"requests/__init__.py": "", "urllib3.py": "POOL = 1\n"},
    ),
    Case(
        "pip-6.1.1/pip/_vendor/requests/packages/__init__.py",
        "pip/_vendor/requests/packages/__init__.py",
        ("VendorAlias",),
        "import pip._vendor.requests.packages.urllib3 as u\n"
        "snapshot('pip._vendor.requests.packages.urllib3')\n",
        {
            "pip/__init__.py": "",
            "pip/_vendor/__init__.py": "",
            "pip/_vendor/requests/__init__.py": "",
            "urllib3.py": "POOL = 1\n",
        },
    ),
    Case(
        "urllib3-1.10.4/test/test_no_ssl.py",
        "test_no_ssl.py",
        ("ImportBlocker",),
        "import sys\nfrom test_no_ssl import ImportBlocker\n"
        "sys.meta_path.insert(0, ImportBlocker('csv', 'blocked.sub'))\n"
        "try:\n    import csv\nexcept ImportError as error:\n    RESULT['csv'] = str(error)\n"
        "snapshot('json')\n",
    ),
    Case(
        "pip-6.1.1/pip/_vendor/__init__.py",
        "pip/_vendor/__init__.py",
        ("VendorAlias",),
        "import pip._vendor.six\nsnapshot('pip._vendor.six')\n",
        {"pip/__init__.py": "", "six.py": "PY3 = True\n"},
    ),
    Case(
        "Flask-0.10.1/flask/exthook.py",
        "flask/exthook.py",
        ("ExtensionImporter",),
        "from flask.exthook import ExtensionImporter\n"
        "ExtensionImporter(['flask_%s', 'flaskext.%s'], 'flask.ext').install()\n"
        "import flask.ext.cache\nfrom flask.ext import cache\n"
        "snapshot('flask.ext.cache')\n",
        {
            "flask/__init__.py": "",
            "flask/ext/__init__.py": "",
            "flask/_compat.py": "def reraise(tp, value, tb=None):\n    raise value\n",
            "flask_cache.py": "CACHE = {}\n",
        },
    ),
    Case(
        "ipython-5.10.0/IPython/utils/shimmodule.py",
        "IPython/utils/shimmodule.py",
        ("ShimImporter",),
        "import sys\nfrom IPython.utils.shimmodule import ShimModule\n"
        "sys.modules['IPython.old'] = ShimModule(src='IPython.old', mirror='newpkg')\n"
        "import IPython.old.sub\nsnapshot('IPython.old.sub')\n",
        {
            "IPython/__init__.py": "",
            "IPython/utils/__init__.py": "",
            "IPython/utils/importstring.py": (
                "import importlib\n\ndef import_item(name):\n"
                "    return importlib.import_module(name)\n"
            ),
            "newpkg/__init__.py": "",
            "newpkg/sub.py": "MOVED = True\n",
        },
    ),
    Case(
        "sh-1.12.14/sh.py",
        "sh.py",
        ("ModuleImporterFromVariables",),
        "import sh\nsh2 = sh(_ok_code=[0, 1])\nfrom sh2 import true\nsnapshot('sh2')\n",
    ),
]


def _interpreter(minor: str) -> str | None:
    """A bare CPython ``minor`` of this machine (pyenv's, as CI finds them)."""
    if sys.version_info[:2] == tuple(int(p) for p in minor.split(".")):
        return sys.executable
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(root.glob(f"{minor}.*/bin/python"), key=lambda p: p.parent.parent.name)
    return str(found[-1]) if found else None


def _probe(
    python: str,
    case: Case,
    source: bytes,
    tmp: Path,
    *flags: str,
    with_loadermig: bool = False,
) -> dict[str, object]:
    """Run ``case``'s script on ``python`` with ``source`` as the hook file; what it imported.
    ``with_loadermig``: loadermig importable next to the hook (the probe runs isolated,
    ``-I``, as an installed dependency of the project would be)."""
    root = tmp / f"root{len(list(tmp.iterdir()))}"
    for relative, text in case.tree.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / case.place).parent.mkdir(parents=True, exist_ok=True)
    (root / case.place).write_bytes(source)
    if with_loadermig:
        loadermig = Path(__file__).resolve().parents[2] / "src" / "loadermig"
        (root / "loadermig").symlink_to(loadermig, target_is_directory=True)
    script = tmp / "script.py"
    script.write_text(case.script, encoding="utf-8")
    done = subprocess.run(
        [python, *flags, "-I", str(PROBE), str(root), str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.corpus
@pytest.mark.parametrize(
    "case", [pytest.param(case, marks=case.marks, id=case.file) for case in CASES]
)
def test_corpus_hook_imports_the_same_after_rewrite(case: Case, tmp_path: Path) -> None:
    python311 = _interpreter("3.11")
    if python311 is None:
        pytest.skip("needs a CPython 3.11 to run the legacy hook with the whole fallback")
    original = (CORPUS / case.file).read_bytes()
    result = measured(case.file, again=False)
    rewritten = result.rewritten or original
    legacy = _probe(python311, case, original, tmp_path)
    assert "error" not in legacy, legacy  # the harness itself works
    assert _probe(python311, case, rewritten, tmp_path) == legacy
    exercised = [c for c in result.classes if c.legacy.qualname in case.classes]
    assert len(exercised) == len(case.classes)
    left = [c for c in exercised if not c.converted]
    if left:  # not yet convertible: it must say why, and its check waits for the rule
        assert all(bench_coverage.NO_FINDING not in c.reasons.values() for c in left)
        return
    for minor in ("3.12", "3.13"):
        python = _interpreter(minor)
        assert python is not None, f"no CPython {minor} to run the rewritten hook"
        strict = ("-W", "error::ImportWarning", "-W", "error::DeprecationWarning")
        assert _probe(python, case, rewritten, tmp_path, *strict) == legacy, minor
