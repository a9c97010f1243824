"""SAM policy templates (`Policies: [SQSPollerPolicy: {QueueName: ...}]`) expanded from SAM's own data, all of them:
an unknown template, a missing or extra argument, or an unresolved one is an unresolved document, never dropped."""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

from crosswire.model import Unresolved


@functools.cache
def templates() -> dict[str, Any]:
    text = resources.files("crosswire").joinpath("data/sam_policy_templates.json").read_text(encoding="utf-8")
    return json.loads(text)["Templates"]  # type: ignore[no-any-return]


def definition(name: str, arguments: Any) -> Any:
    """The template's policy document with each `{"Ref": PARAMETER}` replaced by its argument (intrinsics inside
    are left for the template loader to resolve), or Unresolved saying why it cannot be expanded."""
    template = templates().get(name)
    if template is None:
        return Unresolved(f"SAM policy template {name} is not one SAM knows")
    declared = set(template.get("Parameters", {}))
    given = arguments if isinstance(arguments, dict) else {} if arguments in (None, "") else None
    if given is None:
        return Unresolved(f"the arguments of SAM policy template {name} are not a mapping")
    if set(given) != declared:
        missing, extra = sorted(declared - set(given)), sorted(set(given) - declared)
        problem = f"lacks {', '.join(missing)}" if missing else f"has unknown {', '.join(extra)}"
        return Unresolved(f"SAM policy template {name} {problem}")
    for parameter, value in given.items():
        if isinstance(value, Unresolved):
            return Unresolved(f"argument {parameter} of SAM policy template {name} is unresolved: {value.reason}")
    return _substituted(copy.deepcopy(template["Definition"]), given)


def _substituted(node: Any, arguments: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and node["Ref"] in arguments:
            return arguments[node["Ref"]]
        return {key: _substituted(value, arguments) for key, value in node.items()}
    if isinstance(node, list):
        return [_substituted(item, arguments) for item in node]
    return node
