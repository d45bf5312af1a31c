"""What a rewrite reports: one finding per rewritten or unrewritable place."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """A place in a file where a rule rewrote code (``fixed``) or needs a person (not fixed)."""

    path: str
    line: int
    column: int
    rule: str
    message: str
    fixed: bool
    #: Where the reported node ends (line, and 1-based column just past it); 0 when unknown.
    #: Not part of a finding's identity or order.
    end_line: int = field(default=0, compare=False)
    end_column: int = field(default=0, compare=False)
    #: Which of the rule's reasons the finding is an instance of: the key of its long
    #: explanation (``Rule.DETAILS``), printed once per reason by ``loadermig rules LMnnn``.
    reason: str = field(default="", compare=False)

    @property
    def details(self) -> str:
        """The long explanation of the finding's rule and reason ("" when there is none)."""
        from .rules import details_for  # the rules import this module

        return details_for(self.rule, self.reason)

    def render(self, fixed_label: str = "fixed") -> str:
        """``path:line:col: LMnnn message [fixed|manual]`` (columns count from 1, like
        compilers print them); ``fixed_label`` replaces ``fixed`` (``fixable`` before a run
        has written anything)."""
        state = fixed_label if self.fixed else "manual"
        return f"{self.path}:{self.line}:{self.column}: {self.rule} {self.message} [{state}]"

    def render_details(self, indent: str = "    ", width: int = 88) -> str:
        """:attr:`details` for under the finding's line: indented, wrapped at ``width`` (only at
        spaces), paragraphs kept apart by an empty line; no trailing newline."""
        from .rules.docs import wrapped

        paragraphs = self.details.split("\n\n")
        return "\n\n".join("\n".join(wrapped(p, width, indent)) for p in paragraphs)
