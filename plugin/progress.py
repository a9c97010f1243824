"""A progress line for long scans: `crosswire: 120/2,000 files read` on standard error, rewritten in place.

Only on a terminal (a CI log or a redirected stream is not one) and only once a scan has run for DELAY seconds, so
short scans and machine-readable output never see it; the line is erased when the files are read.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TextIO

DELAY = 1.0  # seconds before the line appears
_EVERY = 0.1  # seconds between rewrites


class _Line:
    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.start = time.monotonic()
        self.written = 0.0  # when the line was last written; 0 before the first time

    def advance(self) -> None:
        self.done = min(self.done + 1, self.total)
        now = time.monotonic()
        if now - self.start >= DELAY and now - self.written >= _EVERY:
            self.stream.write(f"\rcrosswire: {self.done:,}/{self.total:,} files read")
            self.stream.flush()
            self.written = now

    def close(self) -> None:
        if self.written:
            self.stream.write("\r\x1b[K")  # back to the start of the line, erased
            self.stream.flush()


_current: list[_Line] = []


@contextlib.contextmanager
def files(total: int, stream: TextIO | None = None) -> Iterator[None]:
    """Show the progress of reading `total` files while the block runs (each read calls `advance`)."""
    stream = stream or sys.stderr
    line = _Line(total, stream) if total and _terminal(stream) else None
    if line is not None:
        _current.append(line)
    try:
        yield
    finally:
        if line is not None:
            _current.remove(line)
            line.close()


def advance() -> None:
    """One more file read (parsed, or found in the parse cache)."""
    if _current:
        _current[-1].advance()


def detach() -> None:
    """Show nothing from this process (a worker process started while the line was shown)."""
    _current.clear()


def _terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
