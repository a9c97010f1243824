"""Where crosswire writes: standard output and error, and report files (the one place crosswire writes a file the
user named, --output-file)."""

from __future__ import annotations

import contextlib
import os
import sys


def tolerant_streams() -> None:
    """Standard output and error replace what their encoding cannot show: a console that cannot show "×" must not
    turn a report into a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def write_file(path: str, text: str) -> str | None:
    """Write `text` to `path` through a temporary file beside it, so a reader never sees half a report; the reason
    when it cannot be written, None when it was. Whatever stops the write (an unwritable folder, a report that
    cannot be encoded, an interrupt), the temporary file does not stay behind.

    A `path` that is a symlink is replaced by the report, never written through: a report path often lies in a
    checkout of the pull request being scanned, which may plant `crosswire.sarif -> ~/.bashrc`."""
    target = os.path.abspath(path)
    temporary = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{os.getpid()}.tmp")
    pending = False  # the temporary file exists and has not replaced the target
    try:
        with open(temporary, "x", encoding="utf-8") as handle:
            pending = True
            handle.write(text)
        os.replace(temporary, target)
        pending = False
    except (OSError, UnicodeError) as exc:
        return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    finally:
        if pending:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return None
