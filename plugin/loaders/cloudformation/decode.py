"""Decoding a template: cfn-lint's decoder (line numbers, short and long intrinsic forms, JSON), after the shape
pre-scan (crosswire.loaders.cloudformation.shape) has bounded what reaches it."""

from __future__ import annotations

from typing import Any

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


def parse(text: str, file: str) -> Any:
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
