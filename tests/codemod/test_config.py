"""``[tool.loadermig]``: where it is found, what it may say, and how the command line wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadermig.codemod.config import (
    ConfigError,
    find_pyproject,
    load_file_settings,
    resolve_settings,
    selected_rules,
    split_rule_ids,
)
from loadermig.codemod.files import ExcludeGlob
from loadermig.codemod.rules import ALL_RULES


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def ids(rules: tuple[type, ...]) -> list[str]:
    return [rule.ID for rule in rules]  # type: ignore[attr-defined]


def test_the_nearest_pyproject_with_a_loadermig_table_wins(tmp_path: Path) -> None:
    root = write(tmp_path / "pyproject.toml", "[tool.loadermig]\njobs = 3\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")  # no table
    inner = write(tmp_path / "pkg" / "sub" / "pyproject.toml", "[tool.loadermig]\njobs = 2\n")
    (tmp_path / "pkg" / "src").mkdir()
    assert find_pyproject([tmp_path / "pkg" / "src"]) == root
    assert find_pyproject([tmp_path / "pkg" / "sub" / "m.py"]) == inner
    # several paths: their deepest common directory is where the search starts
    assert find_pyproject([tmp_path / "pkg" / "sub", tmp_path / "pkg" / "src"]) == root


def test_no_pyproject_means_defaults(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    assert find_pyproject([tmp_path / "src"]) is None  # nothing above a pytest tmp_path
    settings = resolve_settings([tmp_path / "src"], config=None, default_jobs=4)
    assert settings.config is None
    assert settings.rules == ALL_RULES
    assert settings.jobs == 4
    assert settings.exclude_globs == ()


def test_every_key_is_read(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path / "pyproject.toml",
        "[tool.loadermig]\n"
        'select = ["LM006", "LM008", "LM002"]\n'
        'ignore = ["LM008"]\n'
        'exclude = ["vendored", "gen/*_pb2.py"]\n'
        "jobs = 3\n",
    )
    settings = resolve_settings([tmp_path], default_jobs=1)
    assert settings.config == pyproject
    assert ids(settings.rules) == ["LM002", "LM006"]  # run order, not the order given
    assert settings.exclude_globs == (
        ExcludeGlob("vendored", tmp_path),
        ExcludeGlob("gen/*_pb2.py", tmp_path),
    )
    assert settings.jobs == 3


def test_command_line_options_win_key_by_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.loadermig]\nselect = ["LM006"]\nignore = ["LM002"]\nexclude = ["a"]\njobs = 3\n',
    )
    monkeypatch.chdir(tmp_path)
    settings = resolve_settings(
        [tmp_path], select=["lm002,LM003", "LM004"], exclude=["b"], jobs=1, default_jobs=8
    )
    # --select replaces the file's select; the file's ignore still applies
    assert ids(settings.rules) == ["LM003", "LM004"]
    assert settings.exclude_globs == (ExcludeGlob("b", tmp_path),)
    assert settings.jobs == 1


def test_an_explicit_config_file_is_used_instead_of_the_nearest(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.loadermig]\njobs = 3\n")
    other = write(tmp_path / "elsewhere" / "loadermig.toml", "[tool.loadermig]\njobs = 5\n")
    settings = resolve_settings([tmp_path], config=other)
    assert (settings.config, settings.jobs) == (other, 5)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("colour = 'blue'\n", "unknown key 'colour'"),
        ("select = ['LM999']\n", "unknown rule 'LM999'"),
        ("ignore = ['PyLoader']\n", "unknown rule 'PyLoader'"),
        ("select = 'LM001'\n", "select must be a list of strings"),
        ("exclude = [1]\n", "exclude must be a list of strings"),
        ("jobs = 0\n", "jobs must be a whole number of at least 1"),
        ("jobs = true\n", "jobs must be a whole number of at least 1"),
        ("jobs = '4'\n", "jobs must be a whole number of at least 1"),
    ],
)
def test_bad_configuration_names_the_file_and_the_key(
    tmp_path: Path, table: str, message: str
) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.loadermig]\n" + table)
    with pytest.raises(ConfigError) as raised:
        load_file_settings(pyproject)
    assert message in str(raised.value)
    assert str(pyproject) in str(raised.value)


def test_invalid_toml_is_a_configuration_error(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.loadermig\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        find_pyproject([tmp_path])
    assert pyproject.exists()


def test_unknown_rule_on_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--select/--ignore: unknown rule 'LM0'"):
        resolve_settings([tmp_path], select=["LM0"], config=None)


def test_rule_id_lists() -> None:
    assert split_rule_ids(["LM001,lm002", " LM003 ", ""]) == ("LM001", "LM002", "LM003")
    assert ids(selected_rules(None, ["LM001"])) == [r.ID for r in ALL_RULES][1:]
    assert selected_rules(["LM001"], ["LM001"]) == ()
