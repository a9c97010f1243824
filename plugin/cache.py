"""The parse cache: what parsing a file produced, kept under the user cache directory so that a file that has not
changed is not parsed again.

An entry is keyed by a hash of the file's content, the path reports show for it (Terraform blocks carry it), the
kind of product, and a stamp of everything that shapes the product: crosswire's version and the sources of the
modules that build it, the parser's version (python-hcl2 and Lark, or cfn-lint) and Python's. It lives in
`$XDG_CACHE_HOME/crosswire/parse/` (`~/.cache/crosswire/parse/` without XDG_CACHE_HOME). Beside it, `scans/` holds
the records of whole scans (crosswire.memo), written and bounded the same way.

- An entry holds a magic header and a hash of its payload: a corrupt, truncated or foreign file is a miss, and is
  rewritten.
- Entries are written to a temporary file in the same directory and renamed into place, so a concurrent scan
  sees a whole entry or none.
- The cache (both folders) holds at most MAX_BYTES. A scan that wrote entries and finds it larger removes the least
  recently used entries (a hit refreshes an entry's modification time) until it is under 3/4 of the bound.
- `--no-cache` turns it off: nothing is read or written.
- Nothing here is ever written into the scanned tree, and a failure to read or write the cache is only a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import stat
import sys
import time
from collections.abc import Callable
from typing import Any

MAX_BYTES = 256 * 1024 * 1024
_MAGIC = b"CWPARSE1"
_DIGEST = 16
_STALE_TEMPORARY = 3600.0  # seconds: a temporary file this old was left by a scan that died while writing

_state = {"enabled": True, "wrote": False}
_trusted: dict[str, bool] = {}  # cache directory -> whether it is private, asked once per scan
_stamps: dict[tuple[str, str], bytes] = {}


def configure(enabled: bool) -> None:
    """Turn the cache on or off for the scans that follow (the runner calls this at the start of each scan)."""
    _state["enabled"] = enabled
    _state["wrote"] = False
    _trusted.clear()


def mark_written() -> None:
    """Entries may have been written by other processes of this scan: trim the cache at its end."""
    _state["wrote"] = True


def enabled() -> bool:
    """Whether the cache is on, and its directory is one only this user can write: entries (and Lark's grammar
    cache) are unpickled, so a directory others may write would let them run code in the scan."""
    if not _state["enabled"]:
        return False
    folder = directory()
    if folder not in _trusted:  # asked for every file parsed: the directory is looked at once per scan
        _trusted[folder] = _private(folder)
    return _trusted[folder]


def _private(folder: str) -> bool:
    """`folder` (made 0700 when missing) is owned by this user and not writable by anyone else."""
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        return owned(folder)
    except OSError:
        return False


def owned(path: str) -> bool:
    """Whether `path` (not a symlink) belongs to this user and only this user may write it."""
    try:
        status = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(status.st_mode) or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def directory() -> str:
    """The user cache directory of crosswire (XDG_CACHE_HOME honoured when it is an absolute path)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "crosswire")


def _entries() -> str:
    return os.path.join(directory(), "parse")


def _records() -> str:
    """Where scans' records live (crosswire.memo), beside the parse entries and bounded with them."""
    return os.path.join(directory(), "scans")


_VERSION = re.compile(r"""__version__\s*(?::\s*str\s*)?=\s*(?:version\s*=\s*)?["']([^"']+)""")


def package_version(package: str, file: str) -> str:
    """The version a package states in one of its files, read without importing it (importing cfn-lint costs
    0.4 s, and `importlib.metadata` tens of milliseconds); "?" when it cannot be found."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return "?"
    try:
        with open(os.path.join(os.path.dirname(spec.origin), file), encoding="utf-8") as source:
            found = _VERSION.search(source.read())
    except OSError:
        return "?"
    return found.group(1) if found else "?"


def _stamp(kind: str, versions: Callable[[], tuple[str, ...]], sources: tuple[str, ...]) -> bytes:
    """What shapes a product of `kind`, computed once per process: versions, Python's, and the size and time of
    the crosswire modules that build it (so an edited checkout does not read products of its older code)."""
    import crosswire

    parts = [crosswire.__version__, sys.implementation.cache_tag or sys.version, *versions()]
    for module in sources:
        try:
            status = os.stat(sys.modules[module].__file__ or "")
            parts.append(f"{module}:{status.st_size}:{status.st_mtime_ns}")
        except (KeyError, OSError):
            parts.append(f"{module}:?")
    return "\0".join([kind, *parts]).encode()


def _key(kind: str, versions: Callable[[], tuple[str, ...]], sources: tuple[str, ...], shown: str, text: str) -> str:
    import crosswire

    # computed once per kind and crosswire version (which a test may change within one process)
    stamp = _stamps.get((kind, crosswire.__version__))
    if stamp is None:
        stamp = _stamps[(kind, crosswire.__version__)] = _stamp(kind, versions, sources)
    digest = hashlib.blake2b(stamp, digest_size=20)
    digest.update(b"\0" + shown.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def cached(
    kind: str,
    versions: Callable[[], tuple[str, ...]],
    sources: tuple[str, ...],
    shown: str,
    text: str,
    produce: Callable[[], Any],
    dump: Callable[[Any], bytes],
    load: Callable[[bytes], Any],
) -> Any:
    """The product of `produce()` for the file `shown` holding `text`: read from the cache when an entry is
    there, else produced and stored. `dump` and `load` turn a product into bytes and back."""
    if not enabled():
        return produce()
    path = os.path.join(_entries(), _key(kind, versions, sources, shown, text))
    payload = _read(path)
    if payload is not None:
        try:
            return load(payload)
        except Exception:  # an entry that does not load is a miss, whatever is wrong with it
            pass
    product = produce()
    try:
        payload = dump(product)
    except (RecursionError, ValueError):  # nested deeper than the encoder (or marshal) goes: parsed each time
        return product
    _write(path, payload)
    return product


def digest(kind: str, data: bytes) -> str:
    """The key of an entry of `kind` made from `data` (for products that are not one file's, such as a scan's
    record: crosswire.memo)."""
    return hashlib.blake2b(kind.encode() + b"\0" + data, digest_size=20).hexdigest()


def read(key: str) -> bytes | None:
    """The payload of the record `key` (a hex digest), None when there is none whole."""
    return _read(os.path.join(_records(), key))


def write(key: str, payload: bytes) -> None:
    """Keep `payload` as the record `key`, whole or not at all, and trim the cache."""
    _write(os.path.join(_records(), key), payload)
    trim()


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as entry:
            data = entry.read()
    except OSError:
        return None
    start = len(_MAGIC) + _DIGEST
    header, digest, payload = data[: len(_MAGIC)], data[len(_MAGIC) : start], data[start:]
    if header != _MAGIC or hashlib.blake2b(payload, digest_size=_DIGEST).digest() != digest:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: eviction removes the oldest first
    return payload


def _write(path: str, payload: bytes) -> None:
    import tempfile  # only when writing: a scan replayed from its record never does

    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as entry:
                entry.write(_MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return  # a cache that cannot be written (read-only, full) only costs time
    _state["wrote"] = True


def trim() -> None:
    """After a scan that wrote entries: bring the cache under its bound, least recently used entries first."""
    if not _state["wrote"]:
        return
    _state["wrote"] = False
    now = time.time()
    entries: list[tuple[float, int, str]] = []
    for folder in (_entries(), _records()):
        try:
            with os.scandir(folder) as found:
                for item in found:
                    try:
                        status = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if item.name.startswith(".tmp-"):
                        if now - status.st_mtime > _STALE_TEMPORARY:
                            _remove(item.path)
                        continue
                    entries.append((status.st_mtime, status.st_size, item.path))
        except OSError:
            continue
    total = sum(size for _, size, _ in entries)
    if total <= MAX_BYTES:
        return
    for _, size, path in sorted(entries):
        if total <= MAX_BYTES * 3 // 4:
            break
        _remove(path)
        total -= size


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
