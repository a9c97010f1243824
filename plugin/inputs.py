"""The one way crosswire reads an input file: regular files only, bounded in size, decoded as UTF-8 with the problem
named, and (for scanned files) only inside the scanned tree, symlinks resolved.

Loaders, the configuration and the baseline read through `read_text`; nothing else in crosswire opens an input.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import stat
from typing import Any

from crosswire import fs

MAX_FILE_BYTES = 20 * 1024 * 1024
# POSIX flags (Windows has none of them, nor FIFOs that block an open); O_BINARY is Windows' own
_OPEN_FLAGS = os.O_RDONLY | sum(getattr(os, flag, 0) for flag in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"))
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


class LoadError(Exception):
    """An input that could not be read: reported with its file and line, never as a traceback."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


def tree_root(path: str) -> str:
    """The root of the tree that a scanned PATH stands for (a real path): nothing outside it is read.

    A directory PATH is its own tree. A file PATH (pre-commit names changed files one by one) belongs to the
    repository holding it (`repository_root`)."""
    if fs.isdir(path):
        return fs.realpath(path)
    return repository_root(path)


def repository_root(path: str) -> str:
    """The root of the repository holding `path` (a real path): the nearest directory with a `.git`, starting from
    `path` itself when it is a directory; outside a repository, the current directory if `path` is under it, else
    `path`'s own directory."""
    directory = os.path.abspath(path) if fs.isdir(path) else os.path.dirname(os.path.abspath(path))
    repository = git_root(directory)
    if repository is not None:
        return repository
    current = os.getcwd()
    return fs.realpath(current if within(directory, current) else directory)


def git_root(directory: str) -> str | None:
    """The nearest directory holding a `.git`, from `directory` upward (a real path); None outside a repository.
    Only what git itself takes marks a repository: a `.git` folder, or a `.git` file (a worktree's, a submodule's)
    that starts with `gitdir:`; anything else of that name, which a scanned tree may plant, does not."""
    ancestor = os.path.abspath(directory)
    while True:
        if fs.ask("git-marker", os.path.join(ancestor, ".git")):
            return fs.realpath(ancestor)
        parent = os.path.dirname(ancestor)
        if parent == ancestor:
            return None
        ancestor = parent


def _is_git_marker(path: str) -> bool:
    if os.path.isdir(path):
        return True
    try:  # opened without blocking (a FIFO named .git must not hang the scan), and read only when a regular file
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError:
        return False
    try:
        return stat.S_ISREG(os.fstat(descriptor).st_mode) and os.read(descriptor, 7) == b"gitdir:"
    except OSError:
        return False
    finally:
        os.close(descriptor)


def within(path: str, tree: str) -> bool:
    """Whether `path`, symlinks resolved, is `tree` or under it."""
    real, root = fs.realpath(path), fs.realpath(tree)
    return os.path.commonpath([real, root]) == root


def not_regular(mode: int) -> str | None:
    """What a file that is not a regular file is ("a FIFO"), or None for a regular file."""
    return next((kind for test, kind in _KINDS if test(mode)), None)


def read_bytes(path: str, shown: str, tree: str | None, limit: int = MAX_FILE_BYTES) -> bytes:
    """The content of the regular file `path`, at most `limit` bytes; `shown` names it in errors.

    With `tree`, a path that leads outside it (through a symlink or `..`) is refused before anything is opened.
    A FIFO, device, socket or directory is refused without blocking: it is checked before it is opened, opened
    non-blocking, and checked again on the open descriptor (it may have been swapped in between).

    While a journal is open (crosswire.fs), what the read gave is recorded: a hash of the content, or the error."""
    arguments = (path, shown, tree, limit)
    try:
        with fs.probing():
            data = _read_bytes(*arguments)
    except LoadError as exc:
        fs.note("read", arguments, ("error", exc.file, exc.line, exc.message))
        raise
    if fs.recording():
        fs.note("read", arguments, ("ok", _digest(data)))
    return data


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def _read_probe(path: str, shown: str, tree: str | None, limit: int) -> tuple[Any, ...]:
    """What `read_bytes` gives now, as its journal records it."""
    try:
        return ("ok", _digest(_read_bytes(path, shown, tree, limit)))
    except LoadError as exc:
        return ("error", exc.file, exc.line, exc.message)


def _read_bytes(path: str, shown: str, tree: str | None, limit: int) -> bytes:
    if tree is not None and not within(path, tree):
        how = "is a symlink that leads" if fs.islink(path) else "is"
        raise LoadError(shown, 1, f"{shown} {how} outside the scanned tree")
    try:
        kind = not_regular(os.stat(path).st_mode)
        if kind is not None:
            raise LoadError(shown, 1, f"not a regular file ({kind})")
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ENOENT and fs.islink(path):
            raise LoadError(shown, 1, f"{shown} is a symlink to {os.readlink(path)}, which does not exist") from None
        raise LoadError(shown, 1, f"cannot read: {exc.strerror}") from None
    try:
        status = os.fstat(descriptor)
        kind = not_regular(status.st_mode)
        if kind is not None:
            raise LoadError(shown, 1, f"not a regular file ({kind})")
        if status.st_size > limit:
            raise LoadError(shown, 1, f"file larger than {_size(limit)}")
        chunks: list[bytes] = []
        size = 0
        # a file that grows while it is read is still read only up to the limit
        while size <= limit and (chunk := os.read(descriptor, min(1024 * 1024, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise LoadError(shown, 1, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(descriptor)
    if size > limit:
        raise LoadError(shown, 1, f"file larger than {_size(limit)}")
    return b"".join(chunks)


def decode(data: bytes, shown: str) -> str:
    """UTF-8 text (a BOM is dropped); anything else is a LoadError that says what the bytes are instead."""
    wide = _wide_encoding(data)
    if wide:
        raise LoadError(shown, 1, f"{wide} text; crosswire reads UTF-8")
    if b"\0" in data:
        raise LoadError(shown, 1, "binary file, not text")
    text = data.removeprefix(codecs.BOM_UTF8)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = text.rfind(b"\n", 0, exc.start) + 1
        line = text.count(b"\n", 0, exc.start) + 1
        column = exc.start - line_start + 1
        raise LoadError(shown, line, f"not UTF-8 text: byte 0x{text[exc.start]:02x} at column {column}") from None


def read_text(path: str, shown: str, tree: str | None, limit: int = MAX_FILE_BYTES) -> str:
    """`read_bytes`, then `decode`: the text of an input file, or a LoadError naming the file and line."""
    return decode(read_bytes(path, shown, tree, limit), shown)


def _wide_encoding(data: bytes) -> str | None:
    """Which wide encoding ("UTF-16", "UTF-32") `data` is in, from its BOM or its pattern of NUL bytes."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 4]
    if not sample:
        return None
    units = [sample[i::4] for i in range(4)]
    # ASCII in UTF-32 is one byte and three NULs; in UTF-16, one byte and one NUL (little- or big-endian)
    for text, nuls in ((0, (1, 2, 3)), (3, (0, 1, 2))):
        if any(units[text]) and not any(b for i in nuls for b in units[i]):
            return "UTF-32"
    for ascii_half, nul_half in ((sample[0::2], sample[1::2]), (sample[1::2], sample[0::2])):
        if nul_half.count(0) >= len(nul_half) * 9 // 10 and ascii_half.count(0) <= len(ascii_half) // 10:
            return "UTF-16"
    return None


fs.register("read", _read_probe)
fs.register("git-marker", _is_git_marker)


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
