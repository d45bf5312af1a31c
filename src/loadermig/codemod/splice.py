"""Put a rewrite back into the file's own bytes: only the lines the rules changed change."""

from __future__ import annotations

from difflib import SequenceMatcher


def splice(original: bytes, roundtrip: bytes, transformed: bytes) -> bytes:
    """``transformed``, but with every line the rules left alone taken from ``original``.

    ``roundtrip`` is libcst's output for the unchanged tree. Where it equals the original (the
    usual case) ``transformed`` is the answer. Otherwise lines that differ between
    ``roundtrip`` and ``transformed`` come from ``transformed`` and all others from
    ``original``, so formatting that libcst's round trip loses survives outside the edits.
    """
    if original == roundtrip:
        return transformed
    lines_a = original.splitlines(keepends=True)
    lines_0 = roundtrip.splitlines(keepends=True)
    lines_1 = transformed.splitlines(keepends=True)
    a_to_0 = SequenceMatcher(None, lines_a, lines_0, autojunk=False).get_opcodes()

    def original_lines(start: int, end: int) -> list[bytes]:
        """Lines of ``original`` that stand for ``roundtrip`` lines [start, end)."""
        taken: list[bytes] = []
        for tag, a1, a2, r1, r2 in a_to_0:
            if r1 == r2:  # original lines the round trip dropped
                if start <= r1 < end or r1 == end == len(lines_0):
                    taken.extend(lines_a[a1:a2])
                continue
            low, high = max(start, r1), min(end, r2)
            if low >= high:
                continue
            if tag == "equal":
                taken.extend(lines_a[a1 + low - r1 : a1 + high - r1])
            elif low == r1 and high == r2:
                taken.extend(lines_a[a1:a2])
            else:
                taken.extend(lines_0[low:high])
        return taken

    out: list[bytes] = []
    edits = SequenceMatcher(None, lines_0, lines_1, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in edits:
        out.extend(original_lines(i1, i2) if tag == "equal" else lines_1[j1:j2])
    return b"".join(out)
