"""``# loadermig: skip`` comments: where a file has them and which rules they keep away."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Bytes every skip comment contains; only files that have them are tokenized.
SKIP_MARK = re.compile(rb"loadermig:[ \t]*skip")
_DIRECTIVE = re.compile(
    r"#.*?\bloadermig:[ \t]*(skip-file|skip)(?![\w-])(?:[ \t]*=[ \t]*([\w \t,]*))?"
)
_RULE_ID = re.compile(r"LM\d+")
_LINE_ENDS = re.compile(rb"\r\n?")
_NOT_CODE = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.ENCODING,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}


@dataclass(frozen=True)
class SkipComments:
    """The ``# loadermig: skip`` comments of one file.

    ``whole_file`` holds the file-level directives (``skip-file``, or ``skip`` alone on a line
    before the first statement), ``lines`` the trailing ones by line number; each names the
    rules it applies to, or None for every rule.
    """

    whole_file: tuple[frozenset[str] | None, ...] = ()
    lines: Mapping[int, frozenset[str] | None] = field(default_factory=dict)

    def skips_file(self, rule_id: str) -> bool:
        """Whether ``rule_id`` must leave the whole file alone."""
        return any(rules is None or rule_id in rules for rules in self.whole_file)

    def lines_for(self, rule_id: str) -> frozenset[int]:
        """The lines whose statements ``rule_id`` must leave alone."""
        return frozenset(
            line for line, rules in self.lines.items() if rules is None or rule_id in rules
        )


def skip_comments(data: bytes) -> SkipComments:
    """The ``# loadermig: skip`` comments of a file (real comments, not text in strings).

    ``skip-file`` anywhere, or ``skip`` on a line of its own before the first statement,
    applies to the whole file; ``skip`` after code on a line applies to that line's statement.
    Either may name rules: ``skip=LM006,LM008``. A file that cannot be tokenized to the end
    keeps the comments found before the problem.
    """
    whole_file: list[frozenset[str] | None] = []
    lines: dict[int, frozenset[str] | None] = {}
    before_code = True
    # Line numbers as libcst counts them: a lone \r ends a line too.
    readline = io.BytesIO(_LINE_ENDS.sub(b"\n", data)).readline
    try:
        for token in tokenize.tokenize(readline):
            if token.type == tokenize.COMMENT:
                directive = _DIRECTIVE.search(token.string)
                if directive is None:
                    continue
                kind, names = directive.group(1), directive.group(2)
                rules = frozenset(_RULE_ID.findall(names.upper())) if names else None
                own_line = not token.line[: token.start[1]].strip()
                if kind == "skip-file" or (own_line and before_code):
                    whole_file.append(rules)
                elif not own_line:
                    lines[token.start[0]] = rules
            elif token.type not in _NOT_CODE:
                before_code = False
    except (SyntaxError, tokenize.TokenError, UnicodeDecodeError, LookupError):
        pass
    return SkipComments(tuple(whole_file), lines)
