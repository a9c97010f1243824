"""Loaders turn Terraform and CloudFormation files into the resource graph."""

from __future__ import annotations

import os
from dataclasses import dataclass

from crosswire.inputs import LoadError  # loaders raise the reader's error for whatever they cannot use

__all__ = ["LoadError", "UnresolvedInput", "display_path"]


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
