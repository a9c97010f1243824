"""Loaders turn Terraform and CloudFormation files into the resource graph."""

from __future__ import annotations


class LoadError(Exception):
    """An input that could not be read: reported with its file and line, never as a traceback."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message
