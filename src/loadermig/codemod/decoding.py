"""Whether Python can decode a file's bytes as source, as its own tokenizer decides."""

from __future__ import annotations

import ast
import io
import re
import tokenize

_COOKIE_HINT = b"coding"
_DECODING_FAILURE = re.compile(
    r"decoding with|unknown encoding|encoding problem|\(unicode error\)|codec can't decode"
)


def decoding_problem(data: bytes) -> str | None:
    """Why Python could not decode ``data`` as source (None when it can), as its tokenizer
    decides: the PEP 263 declaration or BOM, else UTF-8.

    Cheap for the usual file: pure ASCII without a declaration needs no decoding at all.
    """
    if data.isascii() and _COOKIE_HINT not in data:
        return None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown codec, a BOM that contradicts the declaration
        return str(error.msg or error)
    try:
        data.decode(encoding)
    except UnicodeError as error:
        return f"not valid {encoding}: {error}"
    except LookupError as error:  # a declared codec that is not a text encoding (base64)
        return str(error)
    if encoding in ("utf-8", "utf-8-sig"):
        return None
    # Some codecs decode a whole file that CPython's tokenizer cannot (punycode): rare
    # declarations, so ask CPython itself.
    try:
        ast.parse(data)
    except SyntaxError as error:
        # A decoding failure is reported before line 1 (line 0); its wording varies.
        if not error.lineno or _DECODING_FAILURE.search(str(error.msg)):
            return str(error.msg)
    except (ValueError, RecursionError, MemoryError):
        pass
    return None
