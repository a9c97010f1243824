"""Policy documents in one shape for every format: statements with principals, actions, resources, conditions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from crosswire.model import Origin, Span, Statement, Unresolved, Value


def _as_tuple(raw: Any) -> tuple[Any, ...]:
    if raw is None:
        return ()
    return tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)


def _principals(raw: Any) -> Any:
    if raw is None or raw == "*" or isinstance(raw, Unresolved):
        return raw
    if isinstance(raw, dict):
        return {k: _as_tuple(v) for k, v in raw.items()}
    return {"AWS": _as_tuple(raw)}


def statements(document: Any, span: Span | None, statement_spans: Sequence[Span | None] = ()) -> Value:
    """The statements of a resolved policy document (a dict, or JSON text), as a Value of a tuple. Each statement
    has its own lines from `statement_spans` (one per statement as written) when the loader could tell them, else
    the document's."""
    if isinstance(document, Unresolved):
        return Value(None, Origin.UNRESOLVED, span, document.reason)
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return Value(None, Origin.UNRESOLVED, span, "policy document is not valid JSON")
    if not isinstance(document, dict):
        return Value(None, Origin.UNRESOLVED, span, "policy document is not an object")
    raw_statements = document.get("Statement")
    if isinstance(raw_statements, Unresolved):
        return Value(None, Origin.UNRESOLVED, span, raw_statements.reason)
    raws = _as_tuple(raw_statements)
    # a statement list an intrinsic or expression changed (an `!If` dropping one) no longer lines up with the text
    own = list(statement_spans) if len(statement_spans) == len(raws) else [None] * len(raws)
    result = []
    for raw, own_span in zip(raws, own, strict=True):
        if not isinstance(raw, dict):
            return Value(None, Origin.UNRESOLVED, span, "policy statement is not an object")
        result.append(
            Statement(
                effect=raw["Effect"] if isinstance(raw.get("Effect"), str) else "",
                principals=_principals(raw.get("Principal")),
                actions=_as_tuple(raw.get("Action")),
                resources=_as_tuple(raw.get("Resource")),
                conditions=raw.get("Condition") or {},
                not_actions=_as_tuple(raw.get("NotAction")),
                span=own_span or span,
                not_principals=_principals(raw.get("NotPrincipal")),
                not_resources=_as_tuple(raw.get("NotResource")),
            )
        )
    return Value(tuple(result), Origin.EXPLICIT, span)
