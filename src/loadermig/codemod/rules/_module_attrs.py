"""Source LM008 adds to converted loaders: what the ``load_module`` fallback did on the side.

* :func:`fallback_fill_ins`: after ``load_module``, Python 3.4-3.11's
  ``_load_backward_compatible`` set ``__loader__``, ``__package__`` and ``__spec__`` on the
  module in ``sys.modules[name]`` where they were missing or None. After ``exec_module`` the
  import system does that only on the module it created, not on one the loader put into
  ``sys.modules[name]`` in its place (3.4-3.13 ``_load_unlocked``: "Such modules are on their
  own"), so a converted aliasing loader does it itself, in the same order, the same way.
* :func:`load_module_on_exec_module`: a ``load_module(fullname)`` for callers of the legacy
  API, built on ``exec_module`` as the standard library's ``_load_module_shim`` is, without
  its ``DeprecationWarning`` (and without the shim, gone in 3.15).
"""

from __future__ import annotations

FILL_INS = (
    "# As Python 3.4-3.11 did for a module load_module() left in sys.modules:",
    'if getattr({var}, "__loader__", None) is None:',
    "    try:",
    "        {var}.__loader__ = {module}.__spec__.loader",
    "    except AttributeError:",
    "        pass",
    'if getattr({var}, "__package__", None) is None:',
    "    try:",
    "        {var}.__package__ = {var}.__name__",
    '        if not hasattr({var}, "__path__"):',
    '            {var}.__package__ = {module}.__spec__.name.rpartition(".")[0]',
    "    except AttributeError:",
    "        pass",
    'if getattr({var}, "__spec__", None) is None:',
    "    try:",
    "        {var}.__spec__ = {module}.__spec__",
    "    except AttributeError:",
    "        pass",
)


def fallback_fill_ins(var: str, module: str) -> list[str]:
    """Lines (4-space indents) filling in what the fallback set on ``var``, the module the
    loader registered; ``module`` is ``exec_module``'s parameter, which holds the spec."""
    return [line.format(var=var, module=module) for line in FILL_INS]


def load_module_on_exec_module(
    self_name: str, name: str, *, guard: bool, registers: bool
) -> list[str]:
    """``def load_module(self, fullname)`` (4-space indents) calling ``exec_module``.

    ``guard``: the legacy method returned an existing ``sys.modules[fullname]`` unchanged,
    so this one does too; otherwise an existing entry is executed again in place, as
    ``_load_module_shim`` does. ``registers``: ``exec_module`` executes into the module it
    is given, which is therefore registered first and removed again on failure (as
    ``_load`` does); otherwise ``exec_module`` registers a module of its own, and the one it
    is given is only where it reads the name and spec from.
    """
    lines = [
        f"def load_module({self_name}, {name}):",
        '    """For callers of the legacy API: load through exec_module(), as importlib did."""',
        f"    if {name} in sys.modules:",
    ]
    if guard:
        lines.append(f"        return sys.modules[{name}]")
    elif registers:
        lines += [
            f"        {self_name}.exec_module(sys.modules[{name}])",
            f"        return sys.modules[{name}]",
        ]
    else:
        lines = [lines[0], lines[1]]
    lines.append(f"    spec = importlib.util.spec_from_loader({name}, {self_name})")
    lines.append("    module = importlib.util.module_from_spec(spec)")
    if registers:
        lines += [
            f"    sys.modules[{name}] = module",
            "    try:",
            f"        {self_name}.exec_module(module)",
            "    except BaseException:",
            f"        sys.modules.pop({name}, None)",
            "        raise",
        ]
    else:
        lines.append(f"    {self_name}.exec_module(module)")
    lines.append(f"    return sys.modules[{name}]")
    return lines
