"""Test only: make loadermig's worker processes die on files marked ``CRASH_HERE:<how>``.

tests/cli/test_workers.py puts this directory on PYTHONPATH and sets LOADERMIG_TEST_CRASH=1.
``<how>`` says how the worker goes: ``abort`` (os.abort), ``exit`` (os._exit(9)), ``sigkill``,
``systemexit`` (raise SystemExit(9)) or ``memoryerror``. Only worker processes crash (they have
a parent process); the main process runs the rules as usual.
"""

import os

if os.environ.get("LOADERMIG_TEST_CRASH"):
    import multiprocessing
    import re
    import signal

    import loadermig.codemod.workers as _workers

    _real_rewrite_source = _workers.rewrite_source

    def _crash(how: bytes) -> None:
        if how == b"abort":
            os.abort()
        elif how == b"exit":
            os._exit(9)
        elif how == b"sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == b"systemexit":
            raise SystemExit(9)
        elif how == b"memoryerror":
            raise MemoryError
        raise AssertionError(f"CRASH_HERE:{how!r}: no such way to crash")

    def _rewrite_source(data: bytes, *args: object, **kwargs: object) -> object:
        marker = re.search(rb"CRASH_HERE:(\w+)", data)
        if marker and multiprocessing.parent_process() is not None:
            _crash(marker.group(1))
        return _real_rewrite_source(data, *args, **kwargs)  # type: ignore[arg-type]

    _workers.rewrite_source = _rewrite_source  # type: ignore[assignment]
