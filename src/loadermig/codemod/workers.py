"""Running the rules over many files: in this process, or in worker processes that may crash.

Only the rules run in workers; reading, writing and diffing stay in the calling process. A file
in which no rule's trigger occurs is settled here without a round trip to a worker.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path

from .files import OutsideLink
from .outcome import SourceOutcome
from .prefilter import settled_without_parsing
from .rules import Rule
from .source import rewrite_source

#: Files handed to the pool ahead of the one the caller waits for, per worker.
QUEUE_AHEAD_PER_WORKER = 4
#: Content of files already settled, held while a slow file ahead of them is still parsed.
MAX_BUFFERED_BYTES = 64 * 1024 * 1024
CRASHED = "the rules crashed on this file (the worker process died{reason}); left as it is"
#: What a fork server reports when it could not learn how its child ended.
_STATUS_LOST = 255


@dataclass(frozen=True)
class Job:
    """One file read and ready for the rules, or (``error`` set) one that could not be read.

    ``outside``: the file was reached through a symbolic link to outside the given paths.
    """

    path: Path
    shown: str
    data: bytes | None = None
    error: str | None = None
    outside: OutsideLink | None = None


def rewrite_source_safely(data: bytes, shown: str, rules: Sequence[type[Rule]]) -> SourceOutcome:
    """``rewrite_source``, with a bug in a rule turned into an error for this file only."""
    try:
        return rewrite_source(data, shown, rules)
    except (Exception, SystemExit) as error:  # a bug must not cost the user the other files
        return failed_outcome(job_data=data, shown=shown, error=error)


def failed_outcome(job_data: bytes, shown: str, error: BaseException) -> SourceOutcome:
    """The outcome for a file on which loadermig itself failed unexpectedly."""
    outcome = SourceOutcome(shown, job_data)
    detail = f": {error}" if str(error) else ""
    outcome.error = f"internal error, please report it: {type(error).__name__}{detail}"
    return outcome


def serial_outcomes(
    jobs: Iterable[Job], rules: Sequence[type[Rule]]
) -> Iterator[tuple[Job, SourceOutcome | None]]:
    """Each job with its outcome (None for a job that could not be read), in this process."""
    for job in jobs:
        outcome = None if job.data is None else rewrite_source_safely(job.data, job.shown, rules)
        yield job, outcome


def parallel_outcomes(
    jobs: Iterable[Job], rules: Sequence[type[Rule]], workers: int
) -> Iterator[tuple[Job, SourceOutcome | None]]:
    """Like :func:`serial_outcomes`, in order, with the parsing spread over ``workers``
    processes. A worker that dies costs the file it was working on an error; the others it
    held are retried one by one in a fresh process, and the run goes on with a new pool."""
    pool = WorkerPool(workers)
    window: deque[tuple[Job, SourceOutcome | Future[SourceOutcome] | None]] = deque()
    in_flight = 0  # files of the window at a worker
    buffered = 0  # bytes of file content the window holds
    try:
        for job in jobs:
            if job.data is None:
                window.append((job, None))
            elif (settled := settled_without_parsing(job.data, job.shown, rules)) is not None:
                window.append((job, settled))
            else:
                window.append((job, pool.submit(job, rules)))
                in_flight += 1
            buffered += len(job.data or b"")
            # Files settled here pile up behind a slow file at the front (so workers never
            # wait for it), up to a bound on memory.
            while window and (
                _ready(window[0])
                or in_flight > workers * QUEUE_AHEAD_PER_WORKER
                or buffered > MAX_BUFFERED_BYTES
            ):
                entry = window.popleft()
                in_flight -= isinstance(entry[1], Future)
                buffered -= len(entry[0].data or b"")
                yield _settle(entry, pool, rules)
        while window:
            yield _settle(window.popleft(), pool, rules)
    finally:
        pool.close()


def _ready(entry: tuple[Job, SourceOutcome | Future[SourceOutcome] | None]) -> bool:
    """Whether the front entry can be yielded without waiting."""
    pending = entry[1]
    return not isinstance(pending, Future) or pending.done()


def _settle(
    entry: tuple[Job, SourceOutcome | Future[SourceOutcome] | None],
    pool: WorkerPool,
    rules: Sequence[type[Rule]],
) -> tuple[Job, SourceOutcome | None]:
    """The entry's outcome, waiting for its worker; a crash is isolated to its file."""
    job, pending = entry
    if not isinstance(pending, Future):
        return job, pending
    assert job.data is not None
    try:
        return job, pending.result()
    except BrokenProcessPool:
        pool.drop_if_broken()
        return job, run_isolated(job, rules)
    except Exception as error:  # e.g. an outcome that could not be sent back
        return job, failed_outcome(job.data, job.shown, error)


class WorkerPool:
    """A process pool started on first use, restartable after a worker died."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, job: Job, rules: Sequence[type[Rule]]) -> Future[SourceOutcome]:
        """Hand one job to a worker, starting a fresh pool if the current one broke."""
        assert job.data is not None
        while True:
            if self._executor is None:
                self._executor = _new_executor(self.workers)
            try:
                return self._executor.submit(
                    rewrite_source_safely, job.data, job.shown, tuple(rules)
                )
            except BrokenProcessPool:
                self.drop_if_broken()

    def drop_if_broken(self) -> None:
        """Drop the current pool if a worker of it died; the next ``submit`` starts a fresh
        one. Futures of a broken pool fail with ``BrokenProcessPool``, and their owner
        retries them in isolation; a pool started since is left alone."""
        executor = self._executor
        if executor is not None and getattr(executor, "_broken", True):
            self._executor = None
            executor.shutdown(wait=False)

    def close(self) -> None:
        """Stop the workers now, also in the middle of a file (on an interrupt, say)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        for process in list(getattr(executor, "_processes", {}).values()):
            # The executor would wait for running files to finish; nothing of theirs is
            # needed any more and they never write, so they are stopped at once.
            process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)


def run_isolated(job: Job, rules: Sequence[type[Rule]]) -> SourceOutcome:
    """Run one job alone in a fresh worker: the outcome, or an error saying the worker died."""
    assert job.data is not None
    executor = _new_executor(1)
    try:
        return executor.submit(rewrite_source_safely, job.data, job.shown, tuple(rules)).result()
    except BrokenProcessPool:
        outcome = SourceOutcome(job.shown, job.data)
        reason = _death_reason(executor)
        outcome.error = CRASHED.format(reason=f": {reason}" if reason else "")
        return outcome
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _death_reason(executor: ProcessPoolExecutor) -> str | None:
    """How the executor's dead worker ended (``signal SIGSEGV``, ``exit code 1``), when that
    can be known: the executor may already have reaped it, or the fork server lost it."""
    for process in getattr(executor, "_processes", {}).values():
        code = process.exitcode
        if code is not None and code < 0:
            return f"signal {signal.Signals(-code).name}"
        if code and code != _STATUS_LOST:
            return f"exit code {code}"
    return None


def _new_executor(workers: int) -> ProcessPoolExecutor:
    """Workers forked from a server that has the codemod imported (cheap to start, no
    inherited threads), ignoring Ctrl-C: the calling process handles it and stops them."""
    context: BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        forkserver.set_forkserver_preload(["loadermig.codemod.workers"])
        context = forkserver
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)


def _ignore_interrupts() -> None:
    """In a worker: leave Ctrl-C to the calling process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
