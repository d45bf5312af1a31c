"""Unified diffs of a file's bytes that ``git apply`` and ``patch -p1`` reproduce exactly."""

from __future__ import annotations

import difflib
import os

NO_NEWLINE = b"\\ No newline at end of file\n"


def unified_diff(original: bytes, rewritten: bytes, path: str, context: int = 3) -> bytes:
    """The unified diff turning ``original`` into ``rewritten``, as bytes; ``b""`` if equal.

    Headers are ``--- a/<path>`` and ``+++ b/<path>`` (forward slashes; a name with spaces,
    quotes, control or non-ASCII characters is C-quoted the way git does it). Any encoding,
    BOM and line ending is kept byte for byte, and a last line without a newline is marked
    with ``\\ No newline at end of file``. Diffs of several files can be concatenated.
    """
    if original == rewritten:
        return b""
    name = os.fsencode(path.replace(os.sep, "/"))
    out: list[bytes] = []
    for line in difflib.diff_bytes(
        difflib.unified_diff,
        _lines(original),
        _lines(rewritten),
        _header_name(b"a/" + name),
        _header_name(b"b/" + name),
        n=context,
    ):
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n" + NO_NEWLINE)
    return b"".join(out)


def _lines(data: bytes) -> list[bytes]:
    """``data`` split after each ``\\n``, the only line end ``git apply`` and ``patch`` know.

    ``bytes.splitlines`` would also split at a lone ``\\r``, and such a line would then run
    into the next one in the patch.
    """
    lines = [line + b"\n" for line in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    return lines


def _header_name(name: bytes) -> bytes:
    """``name`` as is if it is plain printable ASCII without spaces, else C-quoted like git."""
    if all(0x20 < byte < 0x7F and byte not in b'"\\' for byte in name):
        return name
    quoted = bytearray(b'"')
    for byte in name:
        if byte in b'"\\':
            quoted += b"\\" + bytes([byte])
        elif byte == 0x09:
            quoted += b"\\t"
        elif byte == 0x0A:
            quoted += b"\\n"
        elif 0x20 <= byte < 0x7F:
            quoted.append(byte)
        else:
            quoted += b"\\%03o" % byte
    return bytes(quoted + b'"')
