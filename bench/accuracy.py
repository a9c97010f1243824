"""Accuracy harness: crosswire over public repositories, with findings per check, skips by reason and input errors.

Usage: python bench/accuracy.py [--mirror DIR] [--corpus FILE] [--save NAME] [--compare NAME] [--only REPO]

Each repository of the corpus (bench/corpus.txt: owner/name and commit) is read from its bare git snapshot under
--mirror (OWNER+NAME/repo), its templates and modules exported once into the user cache directory, and scanned with
every check as a user would (`python -m crosswire scan --format json`). `--save NAME` keeps the result, `--compare
NAME` prints what changed since a saved one: counts per check and skip reason, and each finding that came or went,
so that a change to the loaders can be judged finding by finding. Never imported by the test suite.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "crosswire-bench"
# what crosswire may read: templates, modules and their variable files (the rest of a repository is not exported)
PATHSPECS = ["*.tf", "*.tf.json", "*.tfvars", "*.yaml", "*.yml", "*.json", "*.template"]
_NAMES = re.compile(r"(?<=[ (])(?:queue|function|topic|key|mapping|subscription|policy|role|permission) \S+")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
_NUMBERS = re.compile(r"\b\d+\b")


def corpus(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            repo, commit = line.split()
            rows.append((repo, commit))
    return rows


def blobs(git_dir: Path, commit: str, keep: Callable[[bytes, str], bool]) -> list[tuple[str, bytes]]:
    """(path, content) of the files at `commit` of a bare snapshot that `keep(mode, path)` wants, in tree order;
    those whose blob the snapshot lacks are left out."""
    listing = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit], capture_output=True, check=True
    ).stdout.split(b"\0")
    wanted = []
    for entry in filter(None, listing):
        info, path = entry.split(b"\t", 1)
        mode, kind, sha = info.split()
        name = path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and keep(mode, name):
            wanted.append((sha, name))
    batch = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        input=b"".join(sha + b"\n" for sha, _ in wanted),
        capture_output=True,
        check=True,
    ).stdout
    files, at = [], 0
    for _, name in wanted:
        header_end = batch.index(b"\n", at)
        header = batch[at:header_end].split()
        at = header_end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        files.append((name, batch[at : at + size]))
        at += size + 1
    return files


def exported(repo: str, commit: str, mirror: Path) -> Path:
    """The repository's scannable files at `commit`, exported once into the cache."""
    tree = CACHE / "trees" / f"{repo.replace('/', '+')}@{commit}"
    if tree.is_dir():
        return tree
    git_dir = mirror / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"{repo}: no snapshot at {git_dir} (fetch it, or pass --mirror)")
    # blob by blob rather than `git archive`: a snapshot may lack its largest blobs, which are skipped
    suffixes = tuple(p[1:] for p in PATHSPECS)
    wanted = blobs(git_dir, commit, lambda mode, name: mode != b"120000" and name.endswith(suffixes))
    partial = Path(tempfile.mkdtemp(dir=CACHE, prefix="export-"))
    for name, data in wanted:
        target = partial / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    tree.parent.mkdir(exist_ok=True)
    partial.rename(tree)
    return tree


def scan(tree: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crosswire", "scan", "--format", "json", "--fail-on", "never", "."],
        capture_output=True,
        text=True,
        cwd=tree,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 2) or not done.stdout.startswith("{"):
        raise SystemExit(f"crosswire failed on {tree} (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout), elapsed


def shape(text: str) -> str:
    """A reason or error message with its names and numbers taken out, so that like counts with like."""
    return _NUMBERS.sub("N", _QUOTED.sub("'…'", _NAMES.sub(lambda m: m.group(0).split()[0] + " …", text)))


def measure(rows: list[tuple[str, str]], mirror: Path) -> dict:
    result: dict = {"repos": {}, "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    for repo, commit in rows:
        tree = exported(repo, commit, mirror)
        report, elapsed = scan(tree)
        result["repos"][repo] = {
            "commit": commit,
            "seconds": round(elapsed, 2),
            "files": report["summary"]["files"],
            "resources": report["summary"]["resources"],
            "findings": [
                {k: f[k] for k in ("check_id", "severity", "resource", "file", "line", "message")}
                for f in report["findings"]
            ],
            "unresolved": [{k: u[k] for k in ("check_id", "resource", "file", "reason")} for u in report["unresolved"]],
            "errors": report["errors"],
        }
        print(
            f"{repo}: {report['summary']['files']} files, {report['summary']['resources']} resources, "
            f"{len(report['findings'])} findings, {len(report['unresolved'])} skips, {len(report['errors'])} errors "
            f"in {elapsed:.1f} s",
            file=sys.stderr,
        )
    return result


def summary(result: dict) -> dict[str, collections.Counter]:
    counts: dict[str, collections.Counter] = {
        "findings": collections.Counter(),
        "skips": collections.Counter(),
        "errors": collections.Counter(),
    }
    for data in result["repos"].values():
        counts["findings"].update(f["check_id"] for f in data["findings"])
        counts["skips"].update(f"{u['check_id'] or 'input'}: {shape(u['reason'])}" for u in data["unresolved"])
        counts["errors"].update(shape(e["message"]) for e in data["errors"])
    return counts


def finding_keys(result: dict) -> dict[tuple, dict]:
    return {
        (repo, f["check_id"], f["file"], f["resource"]): f
        for repo, data in result["repos"].items()
        for f in data["findings"]
    }


def show(result: dict, before: dict | None) -> None:
    now = summary(result)
    old = summary(before) if before else None
    totals = {k: sum(data[k] for data in result["repos"].values()) for k in ("files", "resources", "seconds")}
    print(f"# {len(result['repos'])} repositories, {totals['files']} files, {totals['resources']} resources, "
          f"{totals['seconds']:.1f} s")
    for section, top in (("findings", None), ("skips", 25), ("errors", 15)):
        print(f"\n## {section} ({sum(now[section].values())}"
              + (f", before {sum(old[section].values())}" if old else "") + ")")
        keys = [k for k, _ in now[section].most_common(top)]
        if old:
            keys += [k for k, _ in old[section].most_common(top) if k not in keys]
        for key in keys:
            delta = f"  (before {old[section][key]})" if old and old[section][key] != now[section][key] else ""
            print(f"{now[section][key]:6}  {key}{delta}")
    if before:
        was, now_keys = finding_keys(before), finding_keys(result)
        changes = (("came", now_keys.keys() - was.keys(), now_keys), ("went", was.keys() - now_keys.keys(), was))
        for title, keys, source in changes:
            print(f"\n## findings that {title} ({len(keys)})")
            for key in sorted(keys):
                f = source[key]
                print(f"{key[0]}: {f['file']}:{f['line']} {f['check_id']} {f['resource']}: {f['message']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--corpus", type=Path, default=HERE / "corpus.txt")
    parser.add_argument("--save", metavar="NAME", help="keep this result under NAME in the cache")
    parser.add_argument("--compare", metavar="NAME", help="show what changed since the result saved as NAME")
    parser.add_argument("--only", metavar="REPO", action="append", help="scan only these repositories")
    parser.add_argument("--list", action="store_true", help="print every finding")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    rows = [r for r in corpus(args.corpus) if not args.only or r[0] in args.only]
    result = measure(rows, args.mirror)
    before = json.loads((CACHE / f"accuracy-{args.compare}.json").read_text()) if args.compare else None
    show(result, before)
    if args.list:
        for key, f in sorted(finding_keys(result).items()):
            print(f"{key[0]}: {f['file']}:{f['line']} {f['check_id']} {f['resource']}: {f['message']}")
    if args.save:
        (CACHE / f"accuracy-{args.save}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
