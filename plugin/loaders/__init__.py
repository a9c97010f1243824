"""Loaders turn Terraform and CloudFormation files into the resource graph."""

from __future__ import annotations

import os
from dataclasses import dataclass

from crosswire.inputs import LoadError  # loaders raise the reader's error for whatever they cannot use
from crosswire.model import ABSENT, Origin, Value

__all__ = ["LoadError", "UnresolvedInput", "display_path", "joined"]


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


def joined(lists: list[Value]) -> Value:
    """Several list attributes read as one list (an alarm's three kinds of action): unresolved when one is, absent
    when all are, spanning the first written."""
    written = [v for v in lists if v.origin is not Origin.ABSENT]
    unresolved = next((v for v in written if not v.resolved), None)
    if unresolved is not None or not written:
        return unresolved or ABSENT
    items = [item for v in written for item in (v.value if isinstance(v.value, list) else [v.value])]
    return Value(items, Origin.EXPLICIT, written[0].span, written[0].note)
