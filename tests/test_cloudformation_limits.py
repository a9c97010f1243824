"""Templates beyond what any deployable one holds: each is an input error with its file, line and the bound it
passed, and the other templates are still scanned. The big inputs live in the hostile-input catalogue
(fixtures/hostile/cfn-*); these are the small ones and the bounds' edges."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import scan_json
from crosswire.loaders import LoadError
from crosswire.loaders.cloudformation import shape as template_shape

PAIR = """\
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 10}}
  F: {Type: AWS::Lambda::Function, Properties: {Timeout: 20, Role: arn:aws:iam::1:role/r}}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F}}
"""


def errors_of(run) -> list[tuple[str, int, str]]:
    return [(e["file"], e["line"], e["message"]) for e in run.report["errors"]]


def test_a_mapping_with_more_keys_than_any_template_is_refused_at_its_key(write):
    write("ok.yaml", "Resources:\n" + PAIR)
    write("t.yaml", "Resources:\n" + "".join(f"  Q{i}: {{Type: AWS::SQS::Queue}}\n" for i in range(2_001)))
    run = scan_json(".", "--select", "CW301")
    assert run.code == 2
    assert errors_of(run) == [
        (
            "t.yaml",
            1,
            "Resources has more than 2,000 keys (CloudFormation allows 500 resources and 200 parameters, mappings "
            "or outputs)",
        )
    ]
    assert run.findings() == {("CW301", "Q", 2)}


def test_two_thousand_keys_are_still_read(write):
    write("t.yaml", "Metadata:\n" + "".join(f"  k{i}: 1\n" for i in range(2_000)) + "Resources:\n" + PAIR)
    run = scan_json(".", "--select", "CW301")
    assert run.report["errors"] == []
    assert run.findings() == {("CW301", "Q", 2_003)}


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("flow.yaml", "Resources:\n" + PAIR + "Metadata:\n  X: " + "[" * 400 + "]" * 400 + "\n", 6),
        (
            "block.yaml",
            "Resources:\n" + PAIR + "Metadata:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200)),
            105,
        ),
        (
            "deep.json",
            '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}},\n"Metadata":\n' + "[" * 400 + "]" * 400 + "}",
            3,
        ),
    ],
)
def test_nesting_deeper_than_any_template_is_an_error_at_its_line(write, name, text, line):
    write(name, text)
    assert errors_of(scan_json("--select", "CW301", ".")) == [(name, line, "nested deeper than 100 levels")]


def test_an_alias_bomb_is_named_at_the_alias_that_passes_the_bound(write):
    lines = ["Metadata:", "  a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefgh":
        lines.append(f"  {level}: &{level} [" + ", ".join([f"*{chr(ord(level) - 1)}"] * 10) + "]")
    write("t.yaml", "\n".join(lines) + "\nResources:\n" + PAIR)
    assert errors_of(scan_json("--select", "CW301", ".")) == [
        ("t.yaml", 7, "the template expands to more than 250,000 values through YAML aliases (an alias bomb)")
    ]


def test_a_few_aliases_are_not_a_bomb(write):
    write("t.yaml", "Metadata: {a: &a [1, 2], b: *a, c: *a}\nResources:\n" + PAIR)
    assert scan_json("--select", "CW301", ".").report["errors"] == []


def test_json_that_cfn_lint_decodes_as_json_is_bounded_too(monkeypatch):
    """Without libyaml, PyYAML stops at a tab and cfn-lint decodes the text with its own (quadratic) JSON decoder:
    the same bounds hold, counted by the JSON scanner."""
    monkeypatch.setattr(template_shape, "_YamlLoader", yaml.SafeLoader)
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Metadata": {f"k{i}": [i, "x"] for i in range(2_001)}}
    text = json.dumps(template, indent="\t")
    with pytest.raises(LoadError) as raised:
        template_shape.check(text, "t.json")
    assert (raised.value.file, raised.value.line) == ("t.json", 7)
    assert raised.value.message.startswith("Metadata has more than 2,000 keys")
    template["Metadata"] = {"k": [[[[1]]]]}
    template_shape.check(json.dumps(template, indent="\t"), "t.json")
    with pytest.raises(LoadError, match="nested deeper than 100 levels"):
        template_shape.check("{\n\t" + '"a": ' + "[" * 101 + "]" * 101 + "}", "t.json")


def test_conditions_that_are_not_a_mapping_are_an_input_error(write):
    write("t.yaml", "Conditions: [1]\nResources:\n" + PAIR + "  S: {Type: AWS::SNS::Topic, Condition: C}\n")
    assert errors_of(scan_json("--select", "CW301", ".")) == [("t.yaml", 1, "Conditions is not a mapping")]


def test_a_chain_of_conditions_deeper_than_the_bound_is_an_error_at_a_condition(write):
    chain = "".join(f"  C{i}: !Condition C{i + 1}\n" for i in range(400)) + "  C400: !Equals [a, a]\n"
    write("t.yaml", "Conditions:\n" + chain + "Resources:\n" + PAIR + "  S: {Type: AWS::SNS::Topic, Condition: C0}\n")
    # C0 is one level deep, C99 a hundred: C100 (line 102) is one too many
    assert errors_of(scan_json("--select", "CW301", ".")) == [
        ("t.yaml", 102, "condition C100 is nested deeper than 100 levels of evaluation")
    ]


def test_a_shorter_chain_of_conditions_resolves(write):
    chain = "".join(f"  C{i}: !Condition C{i + 1}\n" for i in range(20)) + "  C20: !Equals [a, b]\n"
    write("t.yaml", "Conditions:\n" + chain + "Resources:\n" + PAIR.replace("Q: {", "Q: {Condition: C0, "))
    run = scan_json(".", "--select", "CW301")
    assert run.report["errors"] == []
    assert run.findings() == set()  # C0 is false: the queue is not created
