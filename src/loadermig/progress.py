"""A one-line progress bar for a terminal, out of the way of the lines printed meanwhile."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import IO

REDRAW_EVERY_SECONDS = 0.1
BAR_WIDTH = 30
CLEAR_LINE = "\r\x1b[K"


class Progress:
    """``[#####.....] done/total files`` on ``stream``; a no-op when ``total`` is None."""

    def __init__(self, total: int | None, stream: IO[str]) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self._drawn = False
        self._last_draw = 0.0

    def advance(self) -> None:
        """Count one file; redraw at most every ``REDRAW_EVERY_SECONDS``."""
        self.done += 1
        if self.total is None:
            return
        now = time.monotonic()
        if now - self._last_draw >= REDRAW_EVERY_SECONDS or self.done == self.total:
            self._last_draw = now
            self._draw()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Clear the bar while other output is printed; it comes back on the next redraw."""
        if self._drawn:
            self._clear()
        yield

    def close(self) -> None:
        """Remove the bar from the terminal."""
        if self._drawn:
            self._clear()

    def _draw(self) -> None:
        assert self.total is not None
        shown = min(self.done, self.total)  # files seen twice are counted once up front
        filled = BAR_WIDTH * shown // self.total if self.total else BAR_WIDTH
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"{CLEAR_LINE}[{bar}] {shown}/{self.total} files")
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        self.stream.write(CLEAR_LINE)
        self.stream.flush()
        self._drawn = False
