"""The `crosswire` command. A scan whose files did not change since it last ran is replayed from its record
(crosswire.memo) before the rest of crosswire is even imported; anything else runs through crosswire.cli."""

from __future__ import annotations

import sys


def main() -> int:
    argv = sys.argv[1:]
    from crosswire import memo, outputs

    outputs.tolerant_streams()
    try:
        replayed = memo.replay(argv)
    except KeyboardInterrupt:
        return 130
    if replayed is not None:
        return replayed
    memo.arm(argv)
    from crosswire.cli import main as run

    return run(argv)
