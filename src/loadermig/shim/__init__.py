"""Runtime shim: run PEP 302 import hooks on the PEP 451 protocol, and the reverse.

Standard library only: importing this package never imports libcst or click.
"""

from .finders import legacy_finder, wrap_legacy_finder, wrap_modern_finder
from .install import Installation, install, is_installed, uninstall
from .loaders import legacy_loader, wrap_legacy, wrap_modern

__all__ = [
    "Installation",
    "install",
    "is_installed",
    "legacy_finder",
    "legacy_loader",
    "uninstall",
    "wrap_legacy",
    "wrap_legacy_finder",
    "wrap_modern",
    "wrap_modern_finder",
]
