"""Loaders turn Terraform and CloudFormation files into the resource graph."""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_FILE_BYTES = 20 * 1024 * 1024


class LoadError(Exception):
    """An input that could not be read: reported with its file and line, never as a traceback."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


@dataclass(frozen=True)
class UnresolvedInput:
    """Something a loader knows is there but cannot read (a registry module that is not downloaded): no check
    sees its resources, so the report names it."""

    address: str
    file: str
    line: int
    reason: str


def display_path(path: str) -> str:
    """Paths in reports are relative to the current directory."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else os.path.abspath(path)


def read_text(path: str, shown: str) -> str:
    """A file as text; too large, unreadable, binary or non-UTF-8 input is a LoadError with its line."""
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise LoadError(shown, 1, f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise LoadError(shown, 1, f"cannot read: {exc.strerror}") from None
    if b"\0" in data:
        raise LoadError(shown, 1, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError(shown, line, "not UTF-8 text") from None
