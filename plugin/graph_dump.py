"""`crosswire graph --format json`: the normalised graph as stable JSON, the contract between loaders and checks.

Nodes with every attribute (value, origin, span, note), edges with the reference that made them, and the links
that could not be made with the reason. Sorted by place, so two dumps of the same input are byte-identical.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from enum import Enum
from typing import Any

from crosswire import __version__
from crosswire.graph import Graph
from crosswire.loaders import UnresolvedInput
from crosswire.model import Node, Ref, Span, Statement, Unresolved, Value

SCHEMA_VERSION = 1
# fields every node has: shown as the node's own keys, not among its attributes
_BASE_FIELDS = {f.name for f in dataclasses.fields(Node)}


def span_of(span: Span | None) -> dict[str, Any] | None:
    return None if span is None else {"file": span.file, "line": span.line, "end_line": span.end_line}


def data(raw: Any) -> Any:
    """An attribute's value as JSON: references and unresolved parts are marked, never flattened to text."""
    if isinstance(raw, Ref):
        return {"ref": raw.target, "attribute": raw.attribute}
    if isinstance(raw, Unresolved):
        return {"unresolved": raw.reason}
    if isinstance(raw, Statement):
        return {f.name: data(getattr(raw, f.name)) for f in dataclasses.fields(raw) if f.name != "span"}
    if isinstance(raw, Node):
        return {"node": raw.address}
    if isinstance(raw, Enum):
        return raw.value
    if isinstance(raw, dict):
        return {str(k): data(v) for k, v in raw.items()}
    if isinstance(raw, (list, tuple)):
        return [data(v) for v in raw]
    return raw


def attribute(value: Value) -> dict[str, Any]:
    entry = {"value": data(value.value), "origin": value.origin.value, "span": span_of(value.span), "note": value.note}
    return {**entry, "else_branch": True} if value.else_branch else entry


def node_entry(node: Node) -> dict[str, Any]:
    attributes = {}
    for f in dataclasses.fields(node):
        if f.name in _BASE_FIELDS:
            continue
        raw = getattr(node, f.name)
        attributes[f.name] = attribute(raw) if isinstance(raw, Value) else {"value": data(raw), "origin": "explicit"}
    return {
        "id": node.uid,
        "kind": node.kind.value,
        "address": node.address,
        "resource_type": node.resource_type,
        "span": span_of(node.span),
        "resource_span": span_of(node.resource_span),
        "unit": node.unit,
        "repeated": node.repeated,
        "exists": attribute(node.existence),
        "attributes": attributes,
    }


def _place(node: Node) -> tuple[str, int, str, str]:
    return (node.span.file, node.span.line, node.address, node.uid)


def render(graph: Graph, errors: Sequence[Any] = (), unresolved_inputs: Sequence[UnresolvedInput] = ()) -> str:
    """The dump; `errors` are the inputs that could not be read ({file, line, message} records)."""
    nodes = sorted(graph.nodes.values(), key=_place)
    edges = sorted(graph.edges(), key=lambda e: (_place(e.source), e.kind.value, _place(e.target)))
    unlinked = sorted(graph.unlinked_all(), key=lambda u: (_place(u[0]), u[1].value))
    document = {
        "tool": "crosswire",
        "version": __version__,
        "schema": SCHEMA_VERSION,
        "nodes": [node_entry(n) for n in nodes],
        "edges": [
            {"kind": e.kind.value, "source": e.source.uid, "target": e.target.uid, "span": span_of(e.span)}
            for e in edges
        ],
        "unlinked": [{"source": n.uid, "kind": k.value, "reason": reason} for n, k, reason in unlinked],
        "unresolved_inputs": [
            {"address": u.address, "file": u.file, "line": u.line, "reason": u.reason} for u in unresolved_inputs
        ],
        "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in errors],
    }
    return json.dumps(document, indent=2) + "\n"
