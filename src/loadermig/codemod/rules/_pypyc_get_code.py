"""LM003's second form: PyPycLoader's own ``get_code``/``get_source``, written into the class.

When the bytecode is not at ``cache_from_source(source)`` (elsewhere, keyed by module name,
bytecode-only modules) or the module name is needed by ``source_mtime``/``write_bytecode``,
SourceLoader's path-keyed hooks cannot express the class. Its legacy methods can stay as they
are if the class gets the ``get_code`` PyPycLoader built on them (the documented contract as
``loadermig.shim.compat.PyPycLoader`` implements it: timestamp pyc of the running Python, mtime
checked, ``write_bytecode`` not called under ``sys.dont_write_bytecode``) and PyLoader's
``get_source`` (None without source). SourceLoader's ``exec_module`` then runs that code and
never calls ``path_stats``/``set_data``.
"""

from __future__ import annotations

#: Modules the added methods use, imported at the top when missing.
MODULES = ("importlib.util", "marshal", "sys", "types")
#: Builtins they use; none may be rebound in the module.
BUILTINS = (
    "ImportError",
    "OSError",
    "EOFError",
    "ValueError",
    "TypeError",
    "compile",
    "isinstance",
    "int",
    "len",
    "bytes",
)
#: Methods the class must not define itself (the added ones would replace them).
REPLACED = ("get_code", "get_source")

GET_SOURCE = (
    "def get_source(self, fullname):",
    '    """PyLoader\'s: the decoded source of source_path(), None without source."""',
    "    path = self.source_path(fullname)",
    "    if path is None:",
    "        return None",
    "    try:",
    "        data = self.get_data(path)",
    "    except OSError as exc:",
    '        raise ImportError(f"source of {fullname!r} is unreadable", name=fullname) from exc',
    "    return importlib.util.decode_source(data)",
)
GET_CODE = (
    "def get_code(self, fullname):",
    '    """PyPycLoader\'s: valid bytecode_path() bytecode, else the compiled source."""',
    "    source_path = self.source_path(fullname)",
    "    mtime = self.source_mtime(fullname)",
    "    bytecode_path = self.bytecode_path(fullname)",
    "    header = importlib.util.MAGIC_NUMBER + bytes(4)",
    '    stamp = None if mtime is None else (int(mtime) & 0xFFFFFFFF).to_bytes(4, "little")',
    "    if bytecode_path is not None and (source_path is None or mtime is not None):",
    "        try:",
    "            data = self.get_data(bytecode_path)",
    "        except OSError:",
    '            data = b""',
    "        valid = len(data) >= 16 and data[:8] == header",
    "        if valid and (source_path is None or data[8:12] == stamp):",
    "            try:",
    "                code = marshal.loads(data[16:])",
    "            except (EOFError, ValueError, TypeError):",
    "                code = None",
    "            if isinstance(code, types.CodeType):",
    "                return code",
    "    if source_path is None:",
    '        raise ImportError(f"no source or valid bytecode for {fullname!r}", name=fullname)',
    "    source = self.get_data(source_path)",
    '    code = compile(source, source_path, "exec", dont_inherit=True)',
    "    if stamp is not None and not sys.dont_write_bytecode:",
    '        size = (len(source) & 0xFFFFFFFF).to_bytes(4, "little")',
    "        self.write_bytecode(fullname, header + stamp + size + marshal.dumps(code))",
    "    return code",
)
