"""loadermig: move Python import hooks off the legacy PEP 302 loader API."""

from .shim import install, uninstall, wrap_legacy, wrap_modern

__version__ = "0.1.0"

__all__ = ["__version__", "install", "uninstall", "wrap_legacy", "wrap_modern"]
