"""The ``loadermig`` command line (click). Thin: parses options and renders results."""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="loadermig")
def main() -> None:
    """Move Python import hooks off the legacy PEP 302 loader API.

    The runtime shim lives in the ``loadermig.shim`` package; see the README.
    """
