"""Run settings: ``[tool.loadermig]`` in the nearest ``pyproject.toml``, and rule selection.

The command line builds on what this module reads; its own options win over the file's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import ExcludeGlob
from .rules import ALL_RULES, FALLBACK_RULES, FALLBACKS, Rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9 and 3.10
    import tomli as tomllib

KNOWN_KEYS = ("select", "ignore", "exclude", "jobs", "fallback")


class ConfigError(ValueError):
    """The configuration or an option names something unknown or malformed (a usage error)."""


@dataclass(frozen=True)
class FileSettings:
    """What ``[tool.loadermig]`` says; ``None`` where it says nothing."""

    source: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    exclude: tuple[ExcludeGlob, ...] = ()
    jobs: int | None = None
    fallback: str | None = None


def find_pyproject(paths: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.loadermig]`` table.

    The search starts at the deepest directory holding every path in ``paths`` (the current
    directory for ``-`` or no paths) and goes up to the file-system root.
    """
    real = [os.path.abspath(path) for path in paths if os.fspath(path) != "-"]
    start = Path(os.path.commonpath(real)) if real else Path.cwd()
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and "loadermig" in _tool_tables(candidate):
            return candidate
    return None


def _tool_tables(pyproject: Path) -> dict[str, Any]:
    """The ``[tool]`` table of ``pyproject``; ``ConfigError`` if the file is not valid TOML."""
    try:
        with open(pyproject, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{pyproject}: cannot read: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: not valid TOML: {error}") from error
    tool = document.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def load_file_settings(pyproject: Path | None) -> FileSettings:
    """Read and validate ``[tool.loadermig]`` of ``pyproject`` (nothing when it is None).

    Unknown keys, unknown rule IDs and values of the wrong type raise ``ConfigError`` naming
    the file and the offending key or value. Exclude globs are relative to the file's directory.
    """
    if pyproject is None:
        return FileSettings()
    table = _tool_tables(pyproject).get("loadermig", {})
    where = f"{pyproject}: [tool.loadermig]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(KNOWN_KEYS)})")
    select = _string_list(table, "select", where)
    ignore = _string_list(table, "ignore", where)
    for rule_id in (*(select or ()), *(ignore or ())):
        check_rule_id(rule_id, where)
    exclude = _string_list(table, "exclude", where) or ()
    jobs = table.get("jobs")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f"{where}: jobs must be a whole number of at least 1, not {jobs!r}")
    fallback = table.get("fallback")
    if fallback is not None:
        check_fallback(fallback, f"{where}: fallback")
    return FileSettings(
        source=pyproject,
        select=select,
        ignore=ignore,
        exclude=tuple(ExcludeGlob(pattern, pyproject.parent) for pattern in exclude),
        jobs=jobs,
        fallback=fallback,
    )


def check_fallback(value: object, where: str) -> None:
    """Raise ``ConfigError`` naming ``where`` unless ``value`` is a known ``--fallback``."""
    if value not in FALLBACKS:
        known = " or ".join(repr(name) for name in FALLBACKS)
        raise ConfigError(f"{where} must be {known}, not {value!r}")


def _string_list(table: dict[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    """``table[key]`` as a tuple of strings (None when absent); ``ConfigError`` otherwise."""
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: {key} must be a list of strings, not {value!r}")
    return tuple(value)


def check_rule_id(rule_id: str, where: str) -> None:
    """Raise ``ConfigError`` naming ``rule_id`` and ``where`` it came from if no rule has it."""
    known = [rule.ID for rule in ALL_RULES]
    if rule_id not in known:
        raise ConfigError(f"{where}: unknown rule {rule_id!r} (known: {known[0]}-{known[-1]})")


def split_rule_ids(values: Iterable[str]) -> tuple[str, ...]:
    """Rule IDs from repeatable, comma-separated option values (``LM006,LM008``)."""
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part)


def selected_rules(
    select: Iterable[str] | None, ignore: Iterable[str] = ()
) -> tuple[type[Rule], ...]:
    """The rules to run, in run order: ``select`` (all when None) minus ``ignore``."""
    chosen = set(select) if select is not None else {rule.ID for rule in ALL_RULES}
    chosen -= set(ignore)
    return tuple(rule for rule in ALL_RULES if rule.ID in chosen)


@dataclass(frozen=True)
class RunSettings:
    """What a run uses, the configuration file and the command line merged."""

    rules: tuple[type[Rule], ...]
    exclude_globs: tuple[ExcludeGlob, ...]
    jobs: int
    config: Path | None
    #: What happens to what no rule rewrites faithfully: ``"none"`` (it stays, reported) or
    #: ``"shim"`` (it moves onto loadermig's runtime shim); its step is the last of ``rules``.
    fallback: str = "none"


def resolve_settings(
    paths: Sequence[str | os.PathLike[str]],
    *,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    exclude: Sequence[str] = (),
    jobs: int | None = None,
    config: Path | None = None,
    default_jobs: int = 1,
    fallback: str | None = None,
) -> RunSettings:
    """Merge ``[tool.loadermig]`` (from ``config``, else the nearest pyproject.toml) with the
    command line's values, which win key by key: a ``--select`` replaces the file's
    ``select``, an ``--exclude`` its ``exclude``. Command-line globs are relative to the
    current directory, the file's to the file's directory. ``ConfigError`` names anything
    unknown. ``fallback`` (the command line's, else the file's, else ``"none"``) adds its
    step after the rules."""
    from_file = load_file_settings(config if config is not None else find_pyproject(paths))
    if fallback is not None:
        check_fallback(fallback, "--fallback")
    chosen_fallback = fallback or from_file.fallback or "none"
    cli_select, cli_ignore = split_rule_ids(select), split_rule_ids(ignore)
    for rule_id in (*cli_select, *cli_ignore):
        check_rule_id(rule_id, "--select/--ignore")
    chosen_select = cli_select or from_file.select
    chosen_ignore = cli_ignore or from_file.ignore or ()
    globs = (
        tuple(ExcludeGlob(pattern, Path.cwd()) for pattern in exclude)
        if exclude
        else from_file.exclude
    )
    return RunSettings(
        rules=selected_rules(chosen_select, chosen_ignore) + FALLBACK_RULES[chosen_fallback],
        exclude_globs=globs,
        jobs=jobs or from_file.jobs or default_jobs,
        config=from_file.source,
        fallback=chosen_fallback,
    )
