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
import subprocess
import sys
import time
from pathlib import Path

from accuracy import corpus  # bench/ is the script's folder, so on its path

from crosswire.inputs import decode
from crosswire.loaders import LoadError
from crosswire.loaders.terraform_config import parse_hcl

HERE = Path(__file__).resolve().parent


def tf_files(git_dir: Path, commit: str) -> list[tuple[str, bytes]]:
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit], capture_output=True, check=True
    ).stdout.split(b"\0")
    wanted = []
    for entry in filter(None, listing):
        info, path = entry.split(b"\t", 1)
        _mode, kind, sha = info.split()
        if kind == b"blob" and path.endswith(b".tf"):
            wanted.append((path.decode("utf-8", "surrogateescape"), sha.decode()))
    batch = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert batch.stdin and batch.stdout
    files = []
    for path, sha in wanted:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[1] == b"missing":
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        files.append((path, data))
    batch.stdin.close()
    batch.wait()
    return files


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
        for path, data in tf_files(git_dir, commit):
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
