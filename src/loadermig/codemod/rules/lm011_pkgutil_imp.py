"""LM011: ``pkgutil.ImpImporter`` / ``pkgutil.ImpLoader`` (removed in Python 3.12).

Both wrapped ``imp``'s ``find_module``/``load_module`` in the PEP 302 protocol and were
deprecated in Python 3.3, once the import system itself was importlib (they warn when
instantiated). Python 3.12 removed them together with ``imp``. Every reference is reported:
an import, an attribute, a base class, a call. What replaces them depends on what the code
did with the emulation, so nothing is rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._report_only import Legacy, RemovedNamesRule, legacy_details

IMP_IMPORTER = Legacy(
    "pkgutil.ImpImporter",
    deprecated="3.3",
    removed="3.12",
    advice=(
        "for a directory, pkgutil.get_importer(path) returns the finder the import system "
        "uses for that sys.path entry (ask it find_spec(fullname)); for sys.path as a whole, "
        "importlib.util.find_spec(fullname); to list modules, pkgutil.iter_modules([path])"
    ),
    where=("pkgutil.ImpImporter",),
)
IMP_LOADER = Legacy(
    "pkgutil.ImpLoader",
    deprecated="3.3",
    removed="3.12",
    advice=(
        "take the loader from a module spec instead: spec = importlib.util.find_spec(name) "
        "or importlib.util.spec_from_file_location(name, path), then module = "
        "importlib.util.module_from_spec(spec) and spec.loader.exec_module(module)"
    ),
    where=("pkgutil.ImpLoader",),
)


class PkgutilImpRule(RemovedNamesRule):
    """Report every reference to ``pkgutil.ImpImporter`` and ``pkgutil.ImpLoader``."""

    ID = "LM011"
    TITLE = "`pkgutil.ImpImporter` / `pkgutil.ImpLoader` (removed in 3.12): reported"
    TRIGGERS = (b"ImpImporter", b"ImpLoader")
    # Every reference goes through an import of the module (checked on the ast, no parse).
    NEEDS_IMPORT = ("pkgutil",)
    APIS: ClassVar[Mapping[str, Legacy]] = {api.name: api for api in (IMP_IMPORTER, IMP_LOADER)}
    DETAILS: ClassVar[Mapping[str, str]] = legacy_details(APIS)
    BEFORE = (
        "import pkgutil\n"
        "\n"
        "finder = pkgutil.ImpImporter(plugin_dir)\n"
        "loader = finder.find_module('plugin')\n"
    )
    AFTER = (
        "(unchanged; a finding points to pkgutil.get_importer(path) and find_spec; the\n"
        "find_module call is LM013's)\n"
    )
