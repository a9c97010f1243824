"""The `crosswire` command. A scan whose files did not change since it last ran is replayed from its record
(crosswire.memo) before the rest of crosswire is even imported; anything else runs through crosswire.cli."""

from __future__ import annotations

import sys


def main() -> int:
    argv = sys.argv[1:]
    from crosswire import memo

    for stream in (sys.stdout, sys.stderr):
        # a console that cannot show "×" must not turn a report into a traceback (as crosswire.cli does)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    try:
        replayed = memo.replay(argv)
    except KeyboardInterrupt:
        return 130
    if replayed is not None:
        return replayed
    memo.arm(argv)
    from crosswire.cli import main as run

    return run(argv)
