"""What rewriting one file's bytes gave: the outcome every stage of the rewrite fills in."""

from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding


@dataclass
class SourceOutcome:
    """What rewriting one file's bytes gave: new bytes (None if unchanged), findings, error."""

    path: str
    original: bytes
    rewritten: bytes | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    parsed: bool = False
    #: What ``# loadermig: skip`` comments kept from the rules: 1 for a whole file, else the
    #: number of statements they designate.
    skipped: int = 0

    @property
    def changed(self) -> bool:
        """Whether the file's content would change."""
        return self.rewritten is not None and self.rewritten != self.original
