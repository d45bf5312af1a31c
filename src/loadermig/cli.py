"""The ``loadermig`` command line (click). Thin: parses options, calls the codemod, renders."""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .progress import Progress

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_FAILED_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer
STDIN = "-"

if TYPE_CHECKING:
    from .codemod.config import RunSettings
    from .codemod.engine import FileResult, Mode, Summary
    from .codemod.files import Discovered

_F = TypeVar("_F", bound=Callable[..., Any])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="loadermig")
def main() -> None:
    """Move Python import hooks off the legacy PEP 302 loader API.

    The runtime shim lives in the ``loadermig.shim`` package; see the README.
    """


EXIT_CODES = """\b
Exit codes:
  0  nothing found, or everything done
  1  {found}
  2  usage error (bad option, unknown rule or configuration key)
  3  some input could not be processed (unreadable, undecodable, unparsable, unwritable, or
     the rules crashed on it); each is named on stderr with the reason, the rest was processed
  130 interrupted (Ctrl-C); no file is left half-written
"""


@dataclass(frozen=True)
class SharedOptions:
    """The options ``rewrite`` and ``scan`` have in common."""

    paths: tuple[str, ...]
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    exclude: tuple[str, ...]
    jobs: int | None
    report_format: str
    output: str | None
    quiet: bool
    config: Path | None
    stdin_filename: str | None
    show_details: bool = False
    fallback: str | None = None


def shared_options(command: _F) -> _F:
    """Add the options ``rewrite`` and ``scan`` share, collected into a ``SharedOptions``."""
    options = [
        click.argument("paths", nargs=-1, required=True, metavar="PATH..."),
        click.option(
            "--select",
            multiple=True,
            metavar="ID[,ID...]",
            help="Run only these rules (repeatable; default: all, or `select` in the config).",
        ),
        click.option(
            "--ignore", multiple=True, metavar="ID[,ID...]", help="Do not run these rules."
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="GLOB",
            help="Leave out files and directories matching GLOB: a name (`*_pb2.py`) or a "
            "path relative to the current directory (`src/gen/*`). Repeatable; on top of the "
            "default exclusions (VCS, virtualenv, build and cache directories) and what "
            ".gitignore ignores inside a git work tree.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            help="Worker processes parsing files (default: one per CPU). A worker crash costs "
            "only its file. 1 runs everything in this process.",
        ),
        click.option(
            "--format",
            "report_format",
            type=click.Choice(["text", "json", "sarif"]),
            default="text",
            show_default=True,
            help="Report format: lines, JSON (docs/report-format.md), or SARIF 2.1.0 for "
            "code scanning.",
        ),
        click.option(
            "--output",
            type=click.Path(dir_okay=False),
            help="Write the report to this file instead of the terminal.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No summary line and no progress bar."),
        click.option(
            "-v",
            "--show-details",
            is_flag=True,
            help="Print under each finding the long explanation of its rule and reason (why, "
            "which Python removed what, what to do by hand); JSON and SARIF always carry it.",
        ),
        click.option(
            "--config",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Read [tool.loadermig] from this file instead of the nearest pyproject.toml.",
        ),
        click.option(
            "--stdin-filename",
            metavar="NAME",
            help="The name to report for `-` (standard input).",
        ),
        click.option(
            "--fallback",
            type=click.Choice(["none", "shim"]),
            help="What happens to legacy hooks no rule rewrites faithfully: `none` leaves them "
            "(reported; the default, or `fallback` in the config), `shim` moves them onto "
            "loadermig.shim (loadermig becomes a runtime dependency).",
        ),
    ]

    @functools.wraps(command)
    def collect(**values: Any) -> Any:
        shared = SharedOptions(
            paths=values.pop("paths"),
            select=values.pop("select"),
            ignore=values.pop("ignore"),
            exclude=values.pop("exclude"),
            jobs=values.pop("jobs"),
            report_format=values.pop("report_format"),
            output=values.pop("output"),
            quiet=values.pop("quiet"),
            config=values.pop("config"),
            stdin_filename=values.pop("stdin_filename"),
            show_details=values.pop("show_details"),
            fallback=values.pop("fallback"),
        )
        return command(shared, **values)

    for option in reversed(options):
        collect = option(collect)
    return collect  # type: ignore[return-value]


@main.command(
    epilog=EXIT_CODES.format(found="--check: some file would change or needs manual work")
)
@shared_options
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
def rewrite(options: SharedOptions, dry_run: bool, check: bool) -> None:
    """Rewrite legacy import hooks under PATH... into SourceLoader / exec_module form.

    Prints one line per finding (path:line:col: LMnnn message [fixed|fixable|manual]) and a
    summary; -v adds each finding's explanation. `-` reads standard input and writes the
    rewritten source to standard output. Code on a line marked `# loadermig: skip` (or a
    whole file, with the comment before its first statement) is left alone.
    """
    from .codemod.engine import Mode

    mode = Mode.DIFF if dry_run else Mode.CHECK if check else Mode.WRITE
    sys.exit(run("rewrite", mode, options))


@main.command(epilog=EXIT_CODES.format(found="something was found"))
@shared_options
def scan(options: SharedOptions) -> None:
    """Report every use of a legacy import-system API under PATH..., writing nothing.

    One short line per finding: what a rule would rewrite ([fixable]) and what needs a person
    ([manual], with the reason it was kept); -v adds the explanation, `loadermig rules LMnnn`
    lists them all. Like a linter, exits 1 when anything is found.
    """
    from .codemod.engine import Mode

    sys.exit(run("scan", Mode.CHECK, options))


@main.command("rules")
@click.argument("rule_id", required=False, metavar="[LMnnn]")
def rules_command(rule_id: str | None) -> None:
    """List the rules, or explain one: a before/after example, then its findings by reason."""
    from .codemod.rules import ALL_RULES, rule_by_id
    from .codemod.rules.docs import reasons_text, rule_text

    if rule_id is None:
        for rule in ALL_RULES:
            kind = "rewrite" if rule.changes_code() else "report "
            click.echo(f"{rule.ID}  {kind}  {rule.TITLE}")
        return
    try:
        rule = rule_by_id(rule_id.upper())
    except KeyError:
        known = f"{ALL_RULES[0].ID}-{ALL_RULES[-1].ID}"
        raise click.BadParameter(f"no rule {rule_id!r} (known: {known})") from None
    click.echo(rule_text(rule))
    click.echo(reasons_text(rule), nl=False)


def run(command: str, mode: Mode, options: SharedOptions) -> int:
    """Run ``scan`` or ``rewrite`` (in ``mode``) as the options say; the exit code."""
    from .codemod.config import ConfigError, resolve_settings
    from .codemod.engine import Mode
    from .codemod.workers import default_jobs

    if STDIN in options.paths and len(options.paths) > 1:
        raise click.UsageError("`-` (standard input) cannot be combined with other paths")
    from_stdin = options.paths == (STDIN,)
    content_on_stdout = from_stdin and command == "rewrite" and mode is Mode.WRITE
    stdout_taken = mode is Mode.DIFF or content_on_stdout
    if options.report_format != "text" and options.output is None and stdout_taken:
        raise click.UsageError(
            f"the {options.report_format} report and the "
            f"{'diff' if mode is Mode.DIFF else 'rewritten source'} would share stdout; "
            "give --output FILE"
        )
    try:
        settings = resolve_settings(
            options.paths,
            select=options.select,
            ignore=options.ignore,
            exclude=options.exclude,
            jobs=options.jobs,
            config=options.config,
            default_jobs=default_jobs(),
            fallback=options.fallback,
        )
    except ConfigError as error:
        raise click.UsageError(str(error)) from None

    try:
        summary = _process_and_report(
            command,
            mode,
            options,
            settings,
            stdout_taken=stdout_taken,
            content_on_stdout=content_on_stdout,
        )
    except BrokenPipeError:  # stdout closed early (`| head`): stop quietly, as shells expect
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        click.echo("interrupted; files already rewritten are complete, none is partial", err=True)
        return EXIT_INTERRUPTED
    if summary.failed:
        return EXIT_FAILED_INPUT
    if command == "scan" and (summary.fixable_findings or summary.manual_findings):
        return EXIT_FOUND
    if mode is Mode.CHECK and (summary.changed or summary.manual):
        return EXIT_FOUND
    return EXIT_OK


def _process_and_report(
    command: str,
    mode: Mode,
    options: SharedOptions,
    settings: RunSettings,
    *,
    stdout_taken: bool,
    content_on_stdout: bool,
) -> Summary:
    """Process the paths (or standard input), print as results come, then the report.

    ``content_on_stdout``: standard input's source goes back on stdout (rewritten or not).
    """
    from .codemod.engine import Summary
    from .codemod.files import discover

    from_stdin = options.paths == (STDIN,)
    summary = Summary()
    links_told: set[str] = set()  # links to outside the given paths, told once each
    keep_for_report = options.report_format != "text"
    reported: list[FileResult] = []  # for json/sarif: only files with something to say
    with _report_stream(options, stdout_taken) as text_out:
        stdin_data = sys.stdin.buffer.read() if from_stdin else None
        found: Iterable[Discovered] | None = None
        progress = Progress(None, sys.stderr)
        if not from_stdin:
            globs = settings.exclude_globs
            found = discover(options.paths, exclude_globs=globs, gitignore=True)
            if _wants_progress_bar(options):
                walked = list(found)  # walked once: its length is the bar's total
                found, progress = walked, Progress(len(walked), sys.stderr)
        results = _results(settings, mode, stdin_data, found, options.stdin_filename)
        try:
            with contextlib.closing(results):
                for result in results:
                    if command == "scan":  # scan never writes, so it has nothing to say on it
                        result.not_written = None
                    summary.add(result)
                    progress.advance()
                    if content_on_stdout:  # the source, rewritten or as it came
                        assert stdin_data is not None
                        sys.stdout.buffer.write(result.rewritten or stdin_data)
                    if not (
                        result.findings
                        or result.changed
                        or result.error
                        or result.skipped
                        or result.not_written
                    ):
                        continue
                    with progress.paused():
                        _emit(result, options, text_out, mode, links_told)
                    if keep_for_report:
                        # Memory stays flat on big trees: only SARIF fixes need the content.
                        result.diff = b""
                        if options.report_format != "sarif":
                            result.original = result.rewritten = None
                        reported.append(result)
        finally:
            progress.close()
        if options.report_format == "text":
            if not options.quiet:
                click.echo(_summary_line(command, mode, summary), file=text_out)
        else:
            from .codemod.report import json_report, sarif_report

            render = json_report if options.report_format == "json" else sarif_report
            report = render(
                reported, summary, command=command, mode=mode.value, rules=settings.rules
            )
            click.echo(report, file=text_out, nl=not report.endswith("\n"))
        text_out.flush()
    sys.stdout.flush()
    return summary


def _results(
    settings: RunSettings,
    mode: Mode,
    stdin_data: bytes | None,
    found: Iterable[Discovered] | None,
    stdin_filename: str | None,
) -> Generator[FileResult, None, None]:
    """The engine's results: one for standard input (``stdin_data``), else one per file
    ``found``."""
    from .codemod import engine

    if stdin_data is not None:
        shown = stdin_filename or "<stdin>"
        return (engine.process_bytes(stdin_data, shown, mode, settings.rules) for _ in (1,))
    assert found is not None
    return engine.process_discovered(found, mode, settings.rules, jobs=settings.jobs)


def _emit(
    result: FileResult, options: SharedOptions, text_out: IO[str], mode: Mode, links_told: set[str]
) -> None:
    """Print what one file's result has to say, as it comes. A link to outside the given
    paths is told of once (``links_told``), before the first file it kept from being written."""
    from .codemod.engine import Mode, not_written_notice

    if result.diff:
        sys.stdout.buffer.write(result.diff)
        sys.stdout.buffer.flush()
    fixed_label = "fixed" if mode is Mode.WRITE and not result.not_written else "fixable"
    if options.report_format == "text":
        outside = result.not_written
        if outside is not None and outside.link not in links_told:
            links_told.add(outside.link)
            click.echo(not_written_notice(outside, mode), file=text_out)
        for finding in result.findings:
            click.echo(finding.render(fixed_label), file=text_out)
            if options.show_details and finding.details:
                click.echo(finding.render_details(), file=text_out)
    if result.error is not None:
        one_line = result.error.replace("\r", "\\r").replace("\n", "\\n")
        click.echo(f"{result.path}: error: {one_line}", err=True)


def _summary_line(command: str, mode: Mode, summary: Summary) -> str:
    """The last line of a text report."""
    from .codemod.engine import Mode

    skipped = f", {summary.skipped} skipped by comment" if summary.skipped else ""
    if summary.not_written:
        unwritten = "not written" if mode is Mode.WRITE else "would not be written"
        skipped += f", {summary.not_written} {unwritten} (symbolic link outside the given paths)"
    files = f"{summary.scanned} file{'' if summary.scanned == 1 else 's'} scanned"
    if command == "scan":
        return (
            f"{files}, {summary.fixable_findings} fixable and "
            f"{summary.manual_findings} manual findings, {summary.failed} failed{skipped}"
        )
    verb = "rewritten" if mode is Mode.WRITE else "would be rewritten"
    return (
        f"{files}, {summary.changed} {verb}, "
        f"{summary.manual} need manual work, {summary.failed} failed{skipped}"
    )


@contextlib.contextmanager
def _report_stream(options: SharedOptions, stdout_taken: bool) -> Iterator[IO[str]]:
    """Where the report goes: --output FILE, else stderr when stdout carries a diff or
    source, else stdout."""
    if options.output is not None:
        try:
            handle = open(options.output, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as error:
            raise click.UsageError(
                f"cannot write --output {options.output}: {error.strerror or error}"
            ) from None
        with handle:
            yield handle
    else:
        yield sys.stderr if stdout_taken else sys.stdout


def _wants_progress_bar(options: SharedOptions) -> bool:
    """Whether to draw a progress bar: stderr is a terminal and nobody asked for quiet."""
    stream = sys.stderr
    return not options.quiet and stream.isatty() and os.environ.get("TERM") != "dumb"


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
@click.option(
    "-v",
    "--show-details",
    is_flag=True,
    help="Print each hook's long explanation under it (JSON always carries it).",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def audit(fmt: str, output: str | None, show_details: bool, command: tuple[str, ...]) -> None:
    """Run COMMAND (after --) and report the legacy import hooks that served its imports.

    The program runs with the loadermig shim installed in recording mode; at its exit each
    legacy finder and loader class is listed with file:line, the modules it served and the
    rule that would rewrite it. The program's stdout and stderr are untouched.
    """
    from .audit import run as run_audit

    sys.exit(run_audit(command, fmt, output, show_details=show_details))
