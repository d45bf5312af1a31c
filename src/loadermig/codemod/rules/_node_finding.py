"""A finding a rule has decided on but not yet reported: where, what, and why.

:class:`~._base.Problem` is only the why (a clause and the key of its details); a
:class:`NodeFinding` also holds the node it is reported at.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst


@dataclass
class NodeFinding:
    """A finding to report at ``node``: its short message and the key of its long explanation
    in the rule's ``DETAILS`` (why a class stays as it is, or what its rewrite did)."""

    node: cst.CSTNode
    message: str
    reason: str
