"""Run one fuzz target under atheris (libFuzzer): `python fuzz/fuzz.py TARGET [libFuzzer options] [CORPUS | FILE]`.

Given a file instead of a corpus directory, libFuzzer runs the target on that one input: the way to replay a
crash from fuzz/crashes/. `fuzz/run.py` is the bounded driver that CI runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["crosswire", "hcl2"]):
    import hcl2  # noqa: F401

    import crosswire.checks  # noqa: F401  (imported here so that their code is instrumented for coverage)
    import crosswire.loaders.cloudformation  # noqa: F401
    import crosswire.loaders.terraform  # noqa: F401
    import crosswire.loaders.terraform_plan  # noqa: F401
    import crosswire.runner  # noqa: F401

import targets  # noqa: E402


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in targets.TARGETS:
        sys.exit(f"usage: fuzz.py {{{','.join(targets.TARGETS)}}} [libFuzzer options] [CORPUS | FILE]")
    target = targets.TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
