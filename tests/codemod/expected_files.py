"""The expected outputs stored next to a fixture input ``case.py``: ``case.py.expected``, the
exact rewrite (absent: the file comes out unchanged), and ``case.py.findings``, the rendered
findings, one ``line:col: LMnnn message [fixed|manual]`` per line (absent: none). Read by the
fixture tests; written instead of compared under ``pytest --regen-fixtures``."""

from __future__ import annotations

from pathlib import Path


def expected_path(case: Path) -> Path:
    """Where ``case``'s expected rewrite is stored."""
    return case.with_name(case.name + ".expected")


def findings_path(case: Path) -> Path:
    """Where ``case``'s expected findings are stored."""
    return case.with_name(case.name + ".findings")


def expected_output(case: Path) -> bytes:
    """What ``case`` must come out as: its ``.expected`` file, else the input itself."""
    path = expected_path(case)
    return path.read_bytes() if path.exists() else case.read_bytes()


def expected_findings(case: Path) -> list[str]:
    """The rendered findings ``case`` must give (without the file name)."""
    path = findings_path(case)
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def write_expected_outputs(case: Path, output: bytes, findings: list[str]) -> None:
    """Store ``output`` and the rendered ``findings`` as ``case``'s expected outputs, so that
    :func:`expected_output` and :func:`expected_findings` give them back. An ``.expected``
    file is only created for an output that differs from the input (one that exists is
    rewritten); a ``.findings`` file goes when there are no findings."""
    expected = expected_path(case)
    if expected.exists() or output != case.read_bytes():
        expected.write_bytes(output)
    stored = findings_path(case)
    if findings:
        stored.write_text("".join(line + "\n" for line in findings), encoding="utf-8")
    elif stored.exists():
        stored.unlink()
