"""Fuzz every target for a bounded time: `python fuzz/run.py --seconds 24 [--target NAME ...]`.

Each target starts from its seeds (read from fixtures/ into a temporary corpus) and runs for `--seconds`; an
exception other than a LoadError, a hang longer than `--timeout` or more than 1.5 GB of memory is a crash: its
input is saved as fuzz/crashes/<target>-crash-<sha1> (or -timeout-, -oom-) and the driver exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import targets  # noqa: E402

CRASHES = HERE / "crashes"


def fuzz(name: str, seconds: int, timeout: int, max_len: int) -> int:
    CRASHES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"crosswire-fuzz-{name}-") as work:
        corpus = os.path.join(work, "corpus")
        os.mkdir(corpus)
        for seed in targets.seeds(name):
            Path(corpus, hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        command = [
            sys.executable,
            str(HERE / "fuzz.py"),
            name,
            f"-max_total_time={seconds}",
            f"-timeout={timeout}",
            "-rss_limit_mb=1536",  # the hostile-input catalogue's memory bound
            f"-max_len={max_len}",
            f"-artifact_prefix={CRASHES}/{name}-",
            "-print_final_stats=1",
            corpus,
        ]
        dictionary = HERE / "dicts" / f"{name}.dict"
        if dictionary.exists():  # keywords and type names that mutations rarely build byte by byte
            command.insert(-1, f"-dict={dictionary}")
        print(f"== fuzzing {name} for {seconds} s", flush=True)
        environment = {**os.environ, "CROSSWIRE_FUZZ_TMP": work}
        return subprocess.run(command, cwd=HERE.parent, env=environment).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=24, help="time per target (default 24)")
    parser.add_argument("--timeout", type=int, default=20, help="seconds one input may take (default 20)")
    parser.add_argument("--max-len", type=int, default=16384, help="largest input in bytes (default 16384)")
    parser.add_argument("--target", action="append", choices=sorted(targets.TARGETS), help="default: all")
    args = parser.parse_args(argv)
    failed = {}
    for name in args.target or list(targets.TARGETS):
        code = fuzz(name, args.seconds, args.timeout, args.max_len)
        if code != 0:
            failed[name] = code
    if failed:
        # libFuzzer exits 1 on an uncaught exception, 70 on a timeout, 71 on running out of memory
        listed = ", ".join(f"{name} (exit {code})" for name, code in failed.items())
        print(f"fuzzing failed: {listed}; crashing inputs are under {CRASHES}", file=sys.stderr)
        return 1
    print("fuzzing found no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main())
