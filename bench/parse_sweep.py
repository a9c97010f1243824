"""Parse sweep: every `.tf` file of a set of public repositories through crosswire's HCL parser.

Usage: python bench/parse_sweep.py [--mirror DIR] [--corpus FILE]

Issue 12 asks that every file Terraform accepts parses. The corpus (bench/sweep.txt: owner/name and commit) is read
from bare git snapshots under --mirror (OWNER+NAME/repo), blob by blob, never written anywhere; each `.tf` file is
parsed as the Terraform loader parses it, and every rejected file is printed with crosswire's message. The
repositories are released modules whose CI runs `terraform validate`, so a rejection is a parser gap until shown
otherwise. Never imported by the test suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from accuracy import blobs, corpus  # bench/ is the script's folder, so on its path

from crosswire.inputs import decode
from crosswire.loaders import LoadError
from crosswire.loaders.terraform_config import parse_hcl

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--corpus", type=Path, default=HERE / "sweep.txt")
    args = parser.parse_args()
    total = rejected = 0
    started = time.perf_counter()
    for repo, commit in corpus(args.corpus):
        git_dir = args.mirror / repo.replace("/", "+") / "repo"
        if (git_dir / ".git").is_dir():  # a clone with a work tree rather than a bare one
            git_dir = git_dir / ".git"
        if not git_dir.is_dir():
            print(f"{repo}: no snapshot at {git_dir}", file=sys.stderr)
            return 2
        for path, data in blobs(git_dir, commit, lambda mode, name: name.endswith(".tf")):
            total += 1
            shown = f"{repo}/{path}"
            try:  # decoded and parsed as the loader does (inputs.read_text, then parse_hcl)
                parse_hcl(decode(data, shown), shown)
            except LoadError as exc:
                rejected += 1
                print(f"{exc.file}:{exc.line}: {exc.message}")
    print(f"{total} .tf files in {len(corpus(args.corpus))} repositories, {rejected} rejected, "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
