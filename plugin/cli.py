"""Command line entry point: `crosswire scan|checks|explain`."""

from __future__ import annotations

import argparse

from crosswire import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crosswire")
    parser.add_argument("--version", action="version", version=f"crosswire {__version__}")
    parser.parse_args(argv)
    return 0
