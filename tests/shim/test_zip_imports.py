"""Imports from zip files work the same with and without ``install()``.

On 3.9 ``zipimport.zipimporter`` has ``find_loader``/``find_module`` but no ``find_spec``;
``install()`` leaves it as it is, so ``pkgutil`` (which dispatches on the importer's type),
``inspect``, ``linecache`` and ``runpy`` get the interpreter's own importer.
"""

from __future__ import annotations

import importlib
import inspect
import linecache
import pkgutil
import runpy
import sys
import zipfile
import zipimport
from pathlib import Path
from typing import Any

import pytest

from loadermig.shim import install

RESOURCE = b"line one\nline two\r\n"
FILES = {
    "lmzip_pkg/__init__.py": "NAME = 'pkg'\n",
    "lmzip_pkg/sub.py": "NAME = 'sub'\n",
    "lmzip_pkg/res.txt": RESOURCE,
    "lmzip_pkg/data/res.txt": RESOURCE,
    "lmzip_mod.py": "def where():\n    return 'in the zip'\n\nRESULT = where()\n",
}


def make_zip(directory: Path, name: str) -> Path:
    archive = directory / name
    with zipfile.ZipFile(archive, "w") as zipped:
        for member, content in FILES.items():
            zipped.writestr(member, content)
    return archive


def observe(archive: Path) -> dict[str, Any]:
    """What the standard library makes of the zip on sys.path."""
    sys.path.insert(0, str(archive))
    module = importlib.import_module("lmzip_mod")
    seen = {
        "get_data": pkgutil.get_data("lmzip_pkg", "res.txt"),
        "get_data in a directory": pkgutil.get_data("lmzip_pkg", "data/res.txt"),
        "iter_modules": sorted(info.name for info in pkgutil.iter_modules([str(archive)])),
        "iter_modules, a Path": sorted(info.name for info in pkgutil.iter_modules([archive])),
        "walk_packages": sorted(info.name for info in pkgutil.walk_packages([str(archive)])),
        "importer": type(pkgutil.get_importer(str(archive))).__name__,
        "cached importer": type(sys.path_importer_cache[str(archive)]).__name__,
        "getsource": inspect.getsource(module.where),
        "linecache": linecache.getline(module.__file__, 2),
        "run_module": runpy.run_module("lmzip_mod")["RESULT"],
        "loader": type(module.__loader__).__name__,
    }
    del sys.modules["lmzip_mod"]
    sys.modules.pop("lmzip_pkg", None)
    sys.modules.pop("lmzip_pkg.sub", None)
    return seen


EXPECTED = {
    "get_data": RESOURCE,
    "get_data in a directory": RESOURCE,
    "iter_modules": ["lmzip_mod", "lmzip_pkg"],
    "iter_modules, a Path": ["lmzip_mod", "lmzip_pkg"],
    "walk_packages": ["lmzip_mod", "lmzip_pkg", "lmzip_pkg.sub"],
    "importer": "zipimporter",
    "cached importer": "zipimporter",
    "getsource": "def where():\n    return 'in the zip'\n",
    "linecache": "    return 'in the zip'\n",
    "run_module": "in the zip",
    "loader": "zipimporter",
}


@pytest.mark.parametrize("installed", [False, True], ids=["plain", "install"])
def test_zip_on_sys_path(installed: bool, tmp_path: Path) -> None:
    archive = make_zip(tmp_path, f"lmzip_{installed}.zip")
    if installed:
        install()
    assert observe(archive) == EXPECTED


def test_zip_importer_cached_before_install_stays_the_interpreters(tmp_path: Path) -> None:
    archive = make_zip(tmp_path, "lmzip_cached.zip")
    sys.path.insert(0, str(archive))
    importlib.import_module("lmzip_pkg")
    cached = sys.path_importer_cache[str(archive)]
    install()
    assert sys.path_importer_cache[str(archive)] is cached
    assert isinstance(cached, zipimport.zipimporter)
    sys.path.remove(str(archive))
    del sys.modules["lmzip_pkg"]
    assert observe(archive) == EXPECTED
