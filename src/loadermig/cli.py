"""The ``loadermig`` command line (click). Thin: parses options, calls the codemod, renders."""

from __future__ import annotations

import sys

import click

from . import __version__

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_FAILED_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="loadermig")
def main() -> None:
    """Move Python import hooks off the legacy PEP 302 loader API.

    The runtime shim lives in the ``loadermig.shim`` package; see the README.
    """


REWRITE_EPILOG = """\b
Exit codes:
  0  done, or nothing to do
  1  --check: some file would change or needs manual work
  2  usage error
  3  some input could not be processed (unreadable, undecodable, unparsable, unwritable)
  130 interrupted (Ctrl-C); no file is left half-written
"""


@main.command(epilog=REWRITE_EPILOG)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write nothing; print a unified diff (a/ b/ paths relative to the current "
    "directory, for `git apply` or `patch -p1`) to stdout and the report to stderr.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when any file would change or needs manual work.",
)
def rewrite(paths: tuple[str, ...], dry_run: bool, check: bool) -> None:
    """Rewrite legacy import hooks under PATHS into SourceLoader / exec_module form.

    Prints one line per finding (path:line:col: LMnnn message [fixed|manual]) and a summary.
    """
    from .codemod.engine import Mode, Summary, process_paths

    mode = Mode.DIFF if dry_run else Mode.CHECK if check else Mode.WRITE
    report_to_stderr = dry_run
    summary = Summary()
    try:
        for result in process_paths(paths, mode):
            summary.add(result)
            if result.diff:
                sys.stdout.buffer.write(result.diff)
                sys.stdout.buffer.flush()
            for finding in result.findings:
                click.echo(finding.render(), err=report_to_stderr)
            if result.error is not None:
                click.echo(f"{result.path}: error: {result.error}", err=True)
    except KeyboardInterrupt:
        click.echo("interrupted; files already rewritten are complete, none is partial", err=True)
        sys.exit(EXIT_INTERRUPTED)
    verb = "rewritten" if mode is Mode.WRITE else "would be rewritten"
    click.echo(
        f"{summary.scanned} files scanned, {summary.changed} {verb}, "
        f"{summary.manual} need manual work, {summary.failed} failed",
        err=report_to_stderr,
    )
    if summary.failed:
        sys.exit(EXIT_FAILED_INPUT)
    if check and (summary.changed or summary.manual):
        sys.exit(EXIT_FOUND)


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    epilog="Exit code: the program's own (128 + N if signal N ended it; 127 if it cannot start).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the report to this file instead of stderr.",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def audit(fmt: str, output: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND (after --) and report the legacy import hooks that served its imports.

    The program runs with the loadermig shim installed in recording mode; at its exit each
    legacy finder and loader class is listed with file:line, the modules it served and the
    rule that would rewrite it. The program's stdout and stderr are untouched.
    """
    from .audit import run

    sys.exit(run(command, fmt, output))
