"""The scan memo: `crosswire scan` run again on files that did not change writes what it wrote the last time, without
loading, checking or even importing the rest of crosswire.

A scan run from the `crosswire` command keeps a journal of everything it learnt from the file system (crosswire.fs:
the content of each file it read, as a hash; which paths exist and what folders hold; where symlinks lead) and of
what it wrote (standard output and error, --output-file reports) and its exit code. That record is kept in the parse
cache's folder (crosswire.cache: private to the user, bounded, written whole or not at all), under a key made of the
command line, the current folder, whether its outputs are terminals, the environment variables crosswire reads, and
a stamp of the code that runs (crosswire's files, its parsers', Python's).

The next scan with the same key asks every probe of the journal again; when every answer is the same, the files it
would read are the ones it read, and the record is written out instead of scanning. Any difference (a file edited,
added, removed or renamed, a symlink moved, a configuration changed) is a miss, and the scan runs as usual.

Not memoized: --no-cache (nothing is read or written), --write-baseline, scans whose journal saw the files change
while it ran, and anything but `scan`. Calling `crosswire.cli.main` directly never uses the memo.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
import sys

from crosswire import cache, fs, inputs, outputs

_KIND = "scan"
_PROBES = inputs  # the reader registers the probes of reads (fs.register): imported for them
_ENVIRONMENT = ("NO_COLOR", "TERM")  # what the reporters read (colour); and TF_VAR_*, CROSSWIRE_* below
_ENVIRONMENT_PREFIXES = ("TF_VAR_", "CROSSWIRE_")
_PARSERS = ("hcl2", "lark", "cfnlint", "yaml", "jsonpath_ng")

_state: dict = {"key": None, "effects": None}


def _stamp() -> list[str]:
    """What the code that runs a scan is: Python, and the size and time of crosswire's files and its parsers'."""
    import crosswire

    parts = [crosswire.__version__, sys.version]
    folders: list[str] = []
    for package in ("crosswire", "crosswire.checks"):
        spec = importlib.util.find_spec(package)
        # installed, the checks are inside crosswire's folder (walked with it); in a checkout, beside it
        for folder in (spec.submodule_search_locations or ()) if spec else ():
            if not any(folder == f or folder.startswith(f + os.sep) for f in folders):
                folders.append(folder)
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json", ".lark", ".catalogue")) or root.endswith("data"):
                    parts.append(_stat(os.path.join(root, name)))
    for package in _PARSERS:
        spec = importlib.util.find_spec(package)
        parts.append(_stat(spec.origin if spec and spec.origin else package))
    # the installed metadata, where reports take the check pages' address from (crosswire.check.docs_root): a
    # reinstall, or another distribution of crosswire earlier on sys.path, changes them
    for folder in sys.path:
        try:
            names = os.listdir(folder or os.curdir)
        except OSError:
            continue
        for name in sorted(names):
            if name.lower().startswith("crosswire-") and name.endswith((".dist-info", ".egg-info")):
                metadata = "METADATA" if name.endswith(".dist-info") else "PKG-INFO"
                parts.append(_stat(os.path.join(folder, name, metadata)))
    return parts


def _stat(path: str) -> str:
    try:
        status = os.stat(path)
    except OSError:  # gone (an installation being changed): a stamp no scan will match
        return f"{path}:?"
    return f"{path}:{status.st_size}:{status.st_mtime_ns}"


def key(argv: list[str]) -> str | None:
    """The key of a run of `crosswire ARGV`; None when it is not one the memo keeps."""
    if not argv or argv[0] != "scan" or any(_means(a, ("--no-cache", "--write-baseline")) for a in argv):
        return None
    try:
        where = os.getcwd()
    except OSError:
        return None
    environment = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name in _ENVIRONMENT or name.startswith(_ENVIRONMENT_PREFIXES)
    )
    terminals = [stream is not None and stream.isatty() for stream in (sys.stdout, sys.stderr)]
    # repr, not marshal: marshal's bytes for equal values differ with the objects' identities
    described = repr((_stamp(), where, list(argv), terminals, environment))
    return cache.digest(_KIND, described.encode("utf-8", "surrogatepass"))


def _means(argument: str, options: tuple[str, ...]) -> bool:
    """Whether a command-line argument is one of `options`, whole, with a value (`--write-baseline=b.json`) or
    abbreviated as argparse takes it (`--no-cach`)."""
    name = argument.split("=", 1)[0]
    return len(name) > 2 and name.startswith("--") and any(option.startswith(name) for option in options)


def replay(argv: list[str]) -> int | None:
    """The exit code of a scan replayed from its record, its outputs written; None when there is no record for
    ARGV or the files changed since (the scan must run)."""
    found = key(argv)
    if found is None or not cache.enabled():
        return None
    payload = cache.read(found)
    if payload is None:
        return None
    try:
        observations, effects, code = marshal.loads(payload)
        if not fs.unchanged(observations):
            return None
        files = [(str(effect[1]), str(effect[2])) for effect in effects if effect[0] == "file"]
        streams = [(effect[0], str(effect[1])) for effect in effects if effect[0] in ("stdout", "stderr")]
        code = int(code)
    except Exception:  # a record this code did not write (the digest matched, the content is foreign): a miss
        return None
    # reports first: one that cannot be written now sends the scan to run (and say why) before anything is shown
    for path, text in files:
        if outputs.write_file(path, text) is not None:
            return None
    for stream, text in streams:
        (sys.stdout if stream == "stdout" else sys.stderr).write(text)
    return code


def arm(argv: list[str]) -> None:
    """This process runs `crosswire ARGV` from the command line: a scan it runs may be recorded."""
    _state["key"] = key(argv)


def begin(wanted: bool) -> None:
    """A scan starts: when armed, `wanted` (no --no-cache, no --write-baseline) and the cache usable, its journal
    opens and its outputs are kept."""
    if wanted and _state["key"] is not None and cache.enabled():
        fs.start()
        _state["effects"] = []


def effect(*what: str) -> None:
    """An output of the scan: ("stdout", text), ("stderr", text) or ("file", path, text)."""
    if _state["effects"] is not None:
        _state["effects"].append(what)


def spoil() -> None:
    """Something the record could not replay happened (a report that could not be written): keep none."""
    _state["effects"] = None
    fs.stop()


def finish(code: int) -> None:
    """The scan ended with `code`: its record is kept when the journal saw one state of the files."""
    effects, found = _state["effects"], _state["key"]
    _state.update(effects=None, key=None)
    observations = fs.take()
    fs.stop()
    if effects is None or found is None or observations is None:
        return
    cache.write(found, marshal.dumps((observations, effects, code)))
