"""A check's CloudFormation fixture and its Terraform twin load into equivalent graphs: the loaders' contract says
both formats become one shape, and this holds them to it on every check's examples.

Equivalent means the same nodes by kind, the same edges by (kind, source kind, target kind), the same references
left unlinked by (source kind, edge kind), and for every node kind and attribute (`exists` included) the same
(origin, type of the dumped value) pairs. Addresses, spans, notes and the values themselves are aside: the twins name
things in each format's own way."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable

import pytest

from conftest import FIXTURES, run_cli
from crosswire.checks import ALL_CHECKS
from crosswire.schema import SCHEMA, Shape

# A reference is written as a reference in one format and as a literal ARN or name in the other, and the graph
# links both: for these attributes, both are one type
REFERENCE_ATTRIBUTES = {
    (kind.value, name)
    for kind, attributes in SCHEMA.items()
    for name, attribute in attributes.items()
    if attribute.shape in (Shape.REFERENCE, Shape.REFERENCES)
}

# Differences that only the format makes (something one format cannot express), as (node kind, attribute) pairs
# left out of the comparison. Keep it small: every other difference is one in the fixtures' wiring or a loader's.
FORMAT_ONLY = {
    # SAM generates a function's execution role when `Role` is left out (the graph has the assumes-role edge and the
    # attribute is absent); Terraform's aws_lambda_function must name its role. The edge is still compared.
    ("function", "role"),
    # Terraform's aws_lambda_function must have a function_name (it has no name_prefix); CloudFormation and SAM let
    # the stack name a function. (Queues and topics can be named by the stack in both: Terraform's name_prefix.)
    ("function", "name"),
}

CASES = [
    (meta, verdict)
    for meta in (c.meta for c in ALL_CHECKS)
    if {"cloudformation", "terraform"} <= set(meta.formats)
    for verdict in ("bad", "good")
]


def dump(meta, fmt: str, verdict: str) -> dict:
    folder = FIXTURES / meta.slug / fmt / verdict
    run = run_cli("graph", str(folder), "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)


def value_type(value, is_reference: bool) -> str:
    """The JSON type of a dumped value; a reference, ARN or name of another resource is "reference"."""
    if isinstance(value, list):
        return "array of " + "/".join(sorted({value_type(v, is_reference) for v in value})) if value else "array"
    if isinstance(value, dict) and "unresolved" in value:
        return "unresolved"
    if is_reference and (isinstance(value, str) or (isinstance(value, dict) and "ref" in value)):
        return "reference"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "object"


def projection(document: dict) -> dict[str, Counter[Hashable]]:
    """What the twins must share: node kinds, edge shapes, and each attribute's origin and value type."""
    kind_of = {node["id"]: node["kind"] for node in document["nodes"]}
    attributes: Counter[Hashable] = Counter()
    for node in document["nodes"]:
        kind = node["kind"]
        fields = {"exists": node["exists"], **node["attributes"]}
        for name, field in fields.items():
            if (kind, name) not in FORMAT_ONLY:
                is_reference = (kind, name) in REFERENCE_ATTRIBUTES
                attributes[(kind, name, field["origin"], value_type(field["value"], is_reference))] += 1
    return {
        "nodes (kind)": Counter(node["kind"] for node in document["nodes"]),
        "edges (kind, source kind, target kind)": Counter(
            (edge["kind"], kind_of[edge["source"]], kind_of[edge["target"]]) for edge in document["edges"]
        ),
        "unlinked references (source kind, edge kind)": Counter(
            (kind_of[link["source"]], link["kind"]) for link in document["unlinked"]
        ),
        "attributes (node kind, attribute, origin, value type)": attributes,
    }


def differences(cloudformation: dict[str, Counter[Hashable]], terraform: dict[str, Counter[Hashable]]) -> str:
    """Each part of the projection that differs, with what only one side has (and how many times more)."""
    lines = []
    for part, counts in cloudformation.items():
        only_cfn, only_tf = counts - terraform[part], terraform[part] - counts
        if only_cfn or only_tf:
            lines.append(f"{part}:")
            lines += [f"  only in CloudFormation: {item} x{n}" for item, n in sorted(only_cfn.items(), key=str)]
            lines += [f"  only in Terraform:      {item} x{n}" for item, n in sorted(only_tf.items(), key=str)]
    return "\n".join(lines)


@pytest.mark.parametrize(("meta", "verdict"), CASES, ids=[f"{m.id}-{v}" for m, v in CASES])
def test_cloudformation_and_terraform_twins_load_into_equivalent_graphs(meta, verdict):
    cloudformation = projection(dump(meta, "cloudformation", verdict))
    terraform = projection(dump(meta, "terraform", verdict))
    diff = differences(cloudformation, terraform)
    assert not diff, f"fixtures/{meta.slug}/{{cloudformation,terraform}}/{verdict} differ:\n{diff}"
