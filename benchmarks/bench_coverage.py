"""How much of the real legacy hook code in a corpus ``loadermig rewrite`` makes fully modern.

For every file of the corpus (``tests/data/realworld`` by default, or ``--corpus DIR``), the
legacy classes (``legacy_classes.py``) are counted before and after the rewrite, which runs
in-process through ``loadermig.codemod.rewrite_source`` on the file's bytes (nothing on disk
changes). A class still legacy afterwards is *left*, with the reason the rewrite gave: the
first kept (``[manual]``) finding inside the class, the rule's own preferred. Every rewritten
file must still compile and a second rewrite must change nothing.

``--readme README.md`` writes the tables between the ``bench_coverage`` markers
(``--section NAME``: between the ``bench_coverage:NAME`` ones, for another corpus's tables).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from legacy_classes import ROLES, RULES, LegacyClass, legacy_classes_of_source

from loadermig.codemod import ALL_RULES, Finding, SourceOutcome, rewrite_source
from loadermig.codemod.rules import FALLBACK_RULES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "realworld"
MANIFEST = "manifest.json"
START, END = "<!-- bench_coverage:start -->", "<!-- bench_coverage:end -->"
CATEGORIES = ("hook", "api-tests")
NO_FINDING = "no kept finding (left without a report)"


@dataclass(frozen=True)
class Mode:
    """One way of running the codemod: a column of the tables."""

    name: str
    label: str
    rewrite: Callable[[bytes, str], SourceOutcome]


def rewrite_with_shim(data: bytes, path: str) -> SourceOutcome:
    """``loadermig rewrite --fallback shim`` on one file's bytes."""
    return rewrite_source(data, path, ALL_RULES + FALLBACK_RULES["shim"])


#: The columns: the default rewrite, and ``--fallback shim``.
MODES: tuple[Mode, ...] = (
    Mode("rewrite", "`loadermig rewrite`", rewrite_source),
    Mode("shim", "`loadermig rewrite --fallback shim`", rewrite_with_shim),
)


@dataclass
class ClassResult:
    """One legacy class of the corpus and what the rewrite made of it."""

    file: str
    category: str
    legacy: LegacyClass
    #: The rules whose role is still legacy after the rewrite (empty: converted).
    left: tuple[str, ...]
    #: Why each left rule's role was left: the kept finding's message.
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def converted(self) -> bool:
        """Whether the class is fully modern after the rewrite."""
        return not self.left


@dataclass
class FileResult:
    """One corpus file: its classes and the safety checks of the rewrite."""

    file: str
    category: str
    parsed: bool
    classes: list[ClassResult]
    changed: bool
    compiles_before: bool
    compiles_after: bool
    idempotent: bool
    error: str | None = None
    rewritten: bytes | None = None

    @property
    def migrated(self) -> bool:
        """Whether the file had legacy classes and has none left."""
        return bool(self.classes) and all(c.converted for c in self.classes)


def corpus_files(corpus: Path) -> dict[str, str]:
    """The corpus's Python files (relative path -> category): the manifest's if it has one."""
    manifest = corpus / MANIFEST
    if manifest.is_file():
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        return {path: entry["category"] for path, entry in sorted(entries.items())}
    return {path.relative_to(corpus).as_posix(): "hook" for path in sorted(corpus.rglob("*.py"))}


def _compiles(data: bytes, path: str) -> bool:
    with warnings.catch_warnings():  # invalid escapes warn, -W error would make them fail
        warnings.simplefilter("ignore")
        try:
            compile(data, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _reason(findings: Sequence[Finding], legacy: LegacyClass, rule: str) -> str:
    """The kept finding inside the class that explains why ``rule``'s role was left."""
    inside = [f for f in findings if not f.fixed and legacy.line <= f.line <= legacy.end_line]
    for finding in sorted(inside, key=lambda f: (f.rule != rule, f.line)):
        return f"{finding.rule} {finding.message}"
    return NO_FINDING


def _keyed(classes: Iterable[LegacyClass]) -> dict[tuple[str, int], LegacyClass]:
    """Classes by (qualified name, how many of that name came before): stable across a
    rewrite, which adds and removes lines but neither classes nor their order."""
    seen: Counter[str] = Counter()
    keyed = {}
    for legacy in classes:
        keyed[(legacy.qualname, seen[legacy.qualname])] = legacy
        seen[legacy.qualname] += 1
    return keyed


def measure_file(
    corpus: Path, relative: str, category: str, mode: Mode, *, again: bool = True
) -> FileResult:
    """Rewrite one corpus file in memory and compare its legacy classes before and after
    (``again``: rewrite the result once more, to see that nothing changes)."""
    data = (corpus / relative).read_bytes()
    before = legacy_classes_of_source(data)
    outcome = mode.rewrite(data, relative)
    rewritten = outcome.rewritten if outcome.changed else None
    result = data if rewritten is None else rewritten
    after = legacy_classes_of_source(result) or []
    second = mode.rewrite(result, relative) if again and rewritten is not None else outcome
    remaining = _keyed(after)
    classes = []
    for key, legacy in _keyed(before or []).items():
        still = remaining.get(key)
        left = tuple(rule for rule in legacy.rules if still is not None and rule in still.rules)
        if still is not None and not left:  # legacy for another reason after the rewrite
            left = still.rules
        reasons = {rule: _reason(outcome.findings, legacy, rule) for rule in left}
        classes.append(ClassResult(relative, category, legacy, left, reasons))
    return FileResult(
        file=relative,
        category=category,
        parsed=before is not None,
        classes=classes,
        changed=rewritten is not None,
        compiles_before=_compiles(data, relative),
        compiles_after=_compiles(result, relative),
        idempotent=not second.changed,
        error=outcome.error,
        rewritten=rewritten,
    )


def _measure_one(job: tuple[Path, str, str, int]) -> FileResult:
    corpus, relative, category, mode_index = job
    return measure_file(corpus, relative, category, MODES[mode_index])


def measure(corpus: Path, mode: Mode = MODES[0], jobs: int = 1) -> list[FileResult]:
    """Measure every corpus file (``jobs`` processes), in the corpus's order."""
    work = [(corpus, rel, cat, MODES.index(mode)) for rel, cat in corpus_files(corpus).items()]
    if jobs <= 1:
        return [_measure_one(job) for job in work]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_measure_one, work))


def _percent(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.0f}%)" if whole else "0"


def tables(results_by_mode: dict[str, list[FileResult]]) -> str:
    """The Markdown tables: per category, per rule, files, and the reasons classes were left."""
    lines = []
    for mode in MODES:
        results = results_by_mode[mode.name]
        classes = [c for r in results for c in r.classes]
        lines += [
            f"{mode.label}: legacy classes and what the rewrite made of them",
            "",
            "| | files | legacy classes | fully modern after | left | files fully migrated |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for category in CATEGORIES:
            files = [r for r in results if r.category == category]
            mine = [c for c in classes if c.category == category]
            done = sum(c.converted for c in mine)
            with_legacy = sum(bool(r.classes) for r in files)
            lines.append(
                f"| {category} | {len(files)} | {len(mine)} | {_percent(done, len(mine))} "
                f"| {len(mine) - done} | {sum(r.migrated for r in files)} of {with_legacy} |"
            )
        lines += [
            "",
            "| rule (role) | hook classes | converted | left | api-tests classes | converted |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for rule in RULES:
            row = []
            for category in CATEGORIES:
                owned = [c for c in classes if c.category == category and rule in c.legacy.rules]
                done = sum(rule not in c.left for c in owned)
                row.append((len(owned), done))
            (hooks, hooks_done), (api, api_done) = row
            lines.append(
                f"| {rule}: {ROLES[rule]} | {hooks} | {_percent(hooks_done, hooks)} "
                f"| {hooks - hooks_done} "
                f"| {api} | {api_done} |"
            )
        lines += ["", "| why hook classes were left (kept finding) | roles |", "| --- | ---: |"]
        for reason, count in reasons(results).most_common():
            lines.append(f"| {reason} | {count} |")
        lines.append("")
    return "\n".join(lines)


def reasons(results: Iterable[FileResult], category: str = "hook") -> Counter[str]:
    """How often each reason left a role of a class (line numbers replaced by N)."""
    counted: Counter[str] = Counter()
    for result in results:
        for cls in result.classes:
            if cls.category == category:
                for reason in cls.reasons.values():
                    counted[re.sub(r"\b\d+\b", "N", reason).replace("|", "\\|")] += 1
    return counted


def problems(results: Iterable[FileResult]) -> list[str]:
    """What must never happen: a file that compiled no longer does, a second rewrite changes
    it again."""
    found = []
    for r in results:
        if r.compiles_before and not r.compiles_after:
            found.append(f"{r.file}: compiled before the rewrite, not after")
        if not r.idempotent:
            found.append(f"{r.file}: a second rewrite changes it again")
    return found


def markers(section: str | None = None) -> tuple[str, str]:
    """The README markers of a section's tables (``None``: the development corpus's)."""
    if section is None:
        return START, END
    return f"<!-- bench_coverage:{section}:start -->", f"<!-- bench_coverage:{section}:end -->"


def write_readme(readme: Path, text: str, section: str | None = None) -> None:
    """Replace what is between the bench_coverage markers (of ``section``)."""
    first, last = markers(section)
    content = readme.read_text(encoding="utf-8")
    start, end = content.index(first) + len(first), content.index(last)
    readme.write_text(content[:start] + "\n" + text + content[end:], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the corpus; print the tables (and write them into a README)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a directory of .py files")
    parser.add_argument("--readme", type=Path, help="write the tables into this README")
    parser.add_argument(
        "--section", help="with --readme: between the bench_coverage:SECTION markers"
    )
    parser.add_argument("--jobs", "-j", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--details", action="store_true", help="list every class left")
    args = parser.parse_args(argv)
    results = {mode.name: measure(args.corpus, mode, args.jobs) for mode in MODES}
    first = results[MODES[0].name]
    parsed = sum(r.parsed for r in first)
    projects = _projects(args.corpus)
    header = (
        f"Corpus `{_shown(args.corpus)}`: {len(first)} files"
        + (f" from {projects} projects" if projects else "")
        + f", {parsed} parse on Python {sys.version.split()[0]}.\n\n"
    )
    text = header + tables(results)
    print(text)
    if args.details:
        for mode in MODES:
            for result in results[mode.name]:
                for cls in result.classes:
                    for rule, reason in cls.reasons.items():
                        print(
                            f"{mode.name}: {result.file}:{cls.legacy.line}: "
                            f"{cls.legacy.qualname} {rule}: {reason}"
                        )
    found = [
        f"{mode.name}: {problem}" for mode in MODES for problem in problems(results[mode.name])
    ]
    for problem in found:
        print(problem, file=sys.stderr)
    if args.readme:
        write_readme(args.readme, text, args.section)
    return 1 if found else 0


def _projects(corpus: Path) -> int:
    manifest = corpus / MANIFEST
    if not manifest.is_file():
        return 0
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return len({entry["project"] for entry in entries.values()})


def _shown(corpus: Path) -> str:
    try:
        return corpus.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return corpus.name


if __name__ == "__main__":
    raise SystemExit(main())
