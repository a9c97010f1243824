"""Decoding a template: cfn-lint's decoder (line numbers, short and long intrinsic forms, JSON), after the shape
pre-scan (crosswire.loaders.cloudformation.shape) has bounded what reaches it.

The decoded template is copied into crosswire's own node classes (`MarkedDict`, `MarkedList`, `MarkedStr`: the
same values, with the same `start_mark` and `end_mark`), which the parse cache (crosswire.cache) stores: a
template read from the cache never imports cfn-lint, whose import alone costs about 0.4 s.
"""

from __future__ import annotations

import pickle
from typing import Any

from crosswire import cache
from crosswire.loaders import LoadError
from crosswire.loaders.cloudformation.shape import check as check_shape

_MARKERS = ("AWSTemplateFormatVersion", "Resources")


def looks_like_template(text: str) -> bool:
    """Cheap test before parsing: a file without these words cannot be a template."""
    return any(marker in text for marker in _MARKERS)


def is_template(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return False
    # a SAM/extensions template may lack the version; one typed resource is enough to know what this is
    return "Transform" in data or any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values()
    )


class Mark:
    """Where a node starts or ends (0-based line and column), as cfn-lint's marks say."""

    __slots__ = ("line", "column")

    def __init__(self, line: int = 0, column: int = 0) -> None:
        self.line = line
        self.column = column


class MarkedStr(str):
    start_mark: Mark
    end_mark: Mark

    def __new__(cls, value: str, start_mark: Mark | None = None, end_mark: Mark | None = None) -> MarkedStr:
        node = super().__new__(cls, value)
        node.start_mark = start_mark or Mark()
        node.end_mark = end_mark or Mark()
        return node


class MarkedList(list):
    def __init__(self, items: Any = (), start_mark: Mark | None = None, end_mark: Mark | None = None) -> None:
        super().__init__(items)
        self.start_mark = start_mark or Mark()
        self.end_mark = end_mark or Mark()


class MarkedDict(dict):
    def __init__(self, items: Any = (), start_mark: Mark | None = None, end_mark: Mark | None = None) -> None:
        super().__init__(items)
        self.start_mark = start_mark or Mark()
        self.end_mark = end_mark or Mark()

    def get(self, key: Any, default: Any = None) -> Any:
        # as cfn-lint's dict_node: a mapping given as the default stands where this one is written
        if isinstance(default, dict):
            default = MarkedDict(default, self.start_mark, self.end_mark)
        return super().get(key, default)


def _marks(node: Any) -> tuple[Mark, Mark] | None:
    start, end = getattr(node, "start_mark", None), getattr(node, "end_mark", None)
    if start is None or end is None:
        return None
    return Mark(start.line, start.column), Mark(end.line, end.column)


def portable(node: Any, memo: dict[int, Any] | None = None) -> Any:
    """A decoded template in crosswire's node classes (nesting is bounded by the shape pre-scan). A node the
    template holds several times (a YAML alias) stays one shared node: a copy each time would multiply a large
    aliased value."""
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    marks = _marks(node)
    copy: Any = node
    if isinstance(node, dict):
        pairs = [(portable(k, memo), portable(v, memo)) for k, v in node.items()]
        copy = MarkedDict(pairs, *marks) if marks else dict(pairs)
    elif isinstance(node, list):
        items = [portable(v, memo) for v in node]
        copy = MarkedList(items, *marks) if marks else items
    elif isinstance(node, str) and marks and type(node) is not str:
        copy = MarkedStr(node, *marks)
    memo[id(node)] = copy
    return copy


# the modules whose code shapes a cached template: an edited checkout does not read what its older code cached
_CACHED_BY = (__name__, "crosswire.loaders.cloudformation.shape", "crosswire.cache")


def parse(text: str, file: str) -> Any:
    """The decoded template (`decode`), from the parse cache when this text was decoded before."""
    return cache.cached(
        "cloudformation",
        lambda: (cache.package_version("cfnlint", "version.py"),),
        _CACHED_BY,
        "",  # a template holds no path: a copy or a moved file is the same entry
        text,
        lambda: portable(decode(text, file)),
        lambda template: pickle.dumps(template, protocol=pickle.HIGHEST_PROTOCOL),
        pickle.loads,
    )


def decode(text: str, file: str) -> Any:
    """Decode a template with cfn-lint's decoder; a parse error becomes a LoadError with its line."""
    from cfnlint.decode import decode_str  # lazy: importing cfn-lint costs about 0.4 s

    check_shape(text, file)  # what would make the decoder hang, recurse or explode, refused first
    if text.lstrip().startswith("{"):
        as_json = _json(text)
        if as_json is not None:
            return as_json
    try:
        template, matches = decode_str(text)
    except Exception as exc:  # cfn-lint's decoder raises many kinds of errors on odd input
        raise LoadError(file, 1, f"cannot parse: {exc}") from None
    if template is None:
        match = matches[0] if matches else None
        line = getattr(match, "linenumber", 1) if match else 1
        message = getattr(match, "message", "cannot parse") if match else "cannot parse"
        raise LoadError(file, line, f"malformed template: {message}")
    return template


def _json(text: str) -> Any:
    """A JSON template read as JSON, or None when it is not valid JSON (a YAML flow mapping, or broken JSON, which
    the YAML-first decoder then reports). cfn-lint's decoder reads JSON as YAML 1.1 first, which turns `1e1` into
    a string and rejects escaped surrogate pairs and raw DEL or C1 characters that JSON allows."""
    from cfnlint.decode import cfn_json

    try:
        return cfn_json.loads(text)
    except Exception:  # every kind of decoding error means the same here: not (valid) JSON
        return None
