"""LM002: a ``PyLoader`` subclass becomes an ``importlib.abc.SourceLoader`` subclass.

PyLoader (removed in Python 3.4) built everything on ``source_path(fullname)``, ``get_data``
and ``is_package``; SourceLoader builds on ``get_filename`` and ``get_data``. The class keeps
all its methods and gains the ``get_filename`` PyLoader used to supply (``source_path()``, and
ImportError where that is None), so code calling ``self.source_path()`` keeps working. The
checks that keep a class as it is live in :mod:`._sourceloader_conversion`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ._node_finding import NodeFinding
from ._sourceloader_conversion import (
    LegacyBaseClass,
    LegacyBaseRule,
    SourceLoaderPlan,
    legacy_base_details,
)

_CONVERTED = (
    "The class now derives from importlib.abc.SourceLoader, which every Python since 3.2 has; "
    "its source_path() stays. get_source() of a module without source now raises ImportError "
    "instead of returning None."
)


class PyLoaderRule(LegacyBaseRule):
    """Rewrite ``class L(PyLoader)`` to ``class L(SourceLoader)`` with PyLoader's get_filename."""

    ID = "LM002"
    TITLE = "PyLoader subclass -> importlib.abc.SourceLoader, keeping source_path()"
    REMOVAL = "importlib.abc.PyLoader was removed in Python 3.4, deprecated since 3.2"
    TRIGGERS = (b"PyLoader",)
    LEGACY = "PyLoader"
    DETAILS: ClassVar[Mapping[str, str]] = {
        "converted": _CONVERTED
        + (
            " get_filename() was added with PyLoader's contract: it returns source_path(), "
            "and raises ImportError where that is None."
        ),
        "converted-own-get-filename": _CONVERTED
        + " The class's own get_filename() gives the source path, as SourceLoader needs.",
        **legacy_base_details("PyLoader"),
    }
    BEFORE = """\
from importlib.abc import PyLoader

class DirLoader(PyLoader):
    def source_path(self, fullname):
        return self.paths.get(fullname)

    def get_data(self, path): ...
    def is_package(self, fullname): ...
"""
    AFTER = '''\
from importlib.abc import SourceLoader

class DirLoader(SourceLoader):
    def source_path(self, fullname):
        return self.paths.get(fullname)

    def get_filename(self, fullname):
        """Return source_path(fullname); ImportError when that is None (no source)."""
        path = self.source_path(fullname)
        if path is None:
            raise ImportError(f"no source path for {fullname!r}", name=fullname)
        return path

    def get_data(self, path): ...
    def is_package(self, fullname): ...
'''

    def plan_methods(
        self, info: LegacyBaseClass, plan: SourceLoaderPlan, problems: list[NodeFinding]
    ) -> None:
        """Nothing beyond the shared rewrite; say what was done."""
        if info.binds("get_filename"):
            done, reason = "now subclasses SourceLoader", "converted-own-get-filename"
        else:
            done, reason = "now subclasses SourceLoader, get_filename() added", "converted"
        plan.notes.append(self._problem(info, info.base.value, done, reason, fixed=True))
