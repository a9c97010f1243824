"""Odd but possible templates: each either resolves correctly, skips as unresolved, or is an input error with a
line — never a wrong verdict, a silent drop, or an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import scan_json

PAIR = """\
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 10}}
  F: {Type: AWS::Lambda::Function, Properties: {Timeout: 20, Role: arn:aws:iam::1:role/r}}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F}}
"""


def test_a_null_value_is_unresolved_and_does_not_hide_other_findings(write):
    write("a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n" + PAIR)
    write(
        "z.yaml",
        """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: }}
  F: {Type: AWS::Lambda::Function, Properties: {Timeout: .inf, Role: arn:aws:iam::1:role/r}}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F}}
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert run.report["errors"] == []
    assert run.findings() == {("CW301", "Q", 3)}
    unresolved = {(u["check_id"], u["file"], u["reason"]) for u in run.report["unresolved"]}
    assert ("CW301", "z.yaml", "visibility timeout of queue Q is unresolved: the value is empty") in unresolved


def test_a_boolean_is_not_a_number(write):
    write("t.yaml", "Resources:\n" + PAIR.replace("VisibilityTimeout: 10", "VisibilityTimeout: true"))
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == set()
    assert [u["reason"] for u in run.report["unresolved"]][0].endswith("True is not a whole number")


def test_yaml_boolean_parameter_default_compares_as_cloudformation_sees_it(write):
    write(
        "t.yaml",
        """\
Parameters: {UseCmk: {Type: String, AllowedValues: [true, false], Default: true}}
Conditions: {Cmk: !Equals [!Ref UseCmk, "true"]}
Resources:
  Key: {Type: AWS::KMS::Key}
  Topic: {Type: AWS::SNS::Topic, Properties: {Subscription: [{Protocol: sqs, Endpoint: !GetAtt Q.Arn}]}}
  Q: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: !If [Cmk, !Ref Key, alias/aws/sqs]}}
""",
    )
    assert scan_json("--select", "CW102", ".").findings() == set()
    assert scan_json("--select", "CW102", ".", "--param", "UseCmk=false").findings() == {("CW102", "Q", 6)}


def test_a_sam_template_with_one_untyped_resource_is_reported_not_dropped(write):
    write(
        "t.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n" + PAIR + "  Broken: {Typ: AWS::SNS::Topic}\n",
    )
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "Q", 3)}
    assert run.report["errors"] == [{"file": "t.yaml", "line": 6, "message": "resource Broken has no Type"}]


def test_language_extensions_foreach_is_skipped_and_the_rest_scanned(write):
    write(
        "t.yaml",
        """\
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Topics:
    - Name
    - [A, B]
    - Topic${Name}: {Type: AWS::SNS::Topic}
"""
        + PAIR,
    )
    run = scan_json("--select", "CW301", ".")
    assert run.report["errors"] == []
    assert run.findings() == {("CW301", "Q", 7)}


@pytest.mark.parametrize(
    "fragment",
    [
        "Conditions: {C: !Not []}\n",
        "Conditions: [a]\n",
        "Parameters: [a]\n",
        "Parameters: {P: {Type: String, Default: }}\n",
        "Mappings: [a]\n",
        "Globals: [a]\n",
        "Globals: {Function: [a]}\n",
    ],
)
def test_malformed_sections_do_not_crash(write, fragment):
    write("t.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n" + fragment + "Resources:\n" + PAIR)
    run = scan_json("--select", "CW301", ".")
    assert not any("internal error" in e["message"] for e in run.report["errors"]), run.report["errors"]
    assert run.findings() == {("CW301", "Q", 4)} or run.report["errors"]


@pytest.mark.parametrize(
    "value",
    [
        "!Select [0, {a: 1}]",
        "!Select [-1, [a, b]]",
        "!Select [99999999999999999999, [a]]",
        '!Sub ["x-${A}", [1]]',
        '!Sub ["x-${A}", {A: [1, 2]}]',
        "!Sub 42",
        "!GetAtt [Q, Arn, Extra]",
        "!If [C]",
        "!If [[C], 1, 2]",
        "!Join [1, 2]",
        "!Join ['', [[a]]]",
        "!FindInMap [M]",
        "!Split [',', !Ref Q]",
        "!Split ['', abc]",
        "!Equals [a]",
        "!Ref [a]",
        "{Ref: {Ref: Q}}",
        "!Base64 x",
    ],
)
def test_odd_intrinsics_are_unresolved_or_values_never_internal_errors(write, value):
    write(
        "t.yaml",
        "Conditions: {C: !Equals [a, a]}\nMappings: {M: {a: {b: c}}}\nResources:\n"
        + PAIR
        + f"  S: {{Type: AWS::SQS::Queue, Properties: {{QueueName: {value}}}}}\n",
    )
    run = scan_json("--select", "CW301", ".")
    assert not any("internal error" in e["message"] for e in run.report["errors"]), run.report["errors"]
    assert run.findings() == {("CW301", "Q", 4)}


def test_ignore_globals_with_odd_values_does_not_crash(write):
    write(
        "t.yaml",
        "Transform: AWS::Serverless-2016-10-31\nGlobals: {Function: {Timeout: 60}}\nResources:\n"
        "  F: {Type: AWS::Serverless::Function, IgnoreGlobals: [[Timeout]], Properties: {Handler: x}}\n",
    )
    run = scan_json("--select", "CW302", ".")
    assert not any("internal error" in e["message"] for e in run.report["errors"]), run.report["errors"]


def test_two_mappings_of_one_queue_and_function_give_one_finding(write):
    write(
        "t.yaml",
        """\
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 50}}
  F: {Type: AWS::Lambda::Function, Properties: {Timeout: 100, Role: arn:aws:iam::1:role/r}}
  M1: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F}}
  M2: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !GetAtt F.Arn}}
""",
    )
    assert [(f["check_id"], f["resource"], f["line"]) for f in scan_json("--select", "CW301,CW302", ".").report["findings"]] == [("CW301", "Q", 2)]
    write(
        "t.yaml",
        Path("t.yaml")
        .read_text()
        .replace("VisibilityTimeout: 50", "VisibilityTimeout: 300")
        .replace("FunctionName: !GetAtt F.Arn}", "FunctionName: !GetAtt F.Arn, MaximumBatchingWindowInSeconds: 20}"),
    )
    findings = scan_json("--select", "CW301,CW302", ".").report["findings"]
    assert [(f["check_id"], f["resource"], f["line"]) for f in findings] == [("CW302", "Q", 2)]
    assert findings[0]["message"].endswith("+ 20 s batching window = 620 s")


def test_a_consumer_that_cannot_be_followed_is_listed_as_unresolved(write):
    write(
        "t.yaml",
        """\
Parameters: {FnName: {Type: String}}
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 5}}
  M1: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref FnName}}
  M2: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: elsewhere}}
""",
    )
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == set()
    reasons = sorted((u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"])
    assert reasons == [
        (
            "CW301",
            "Q",
            "consumer of queue Q (mapping M1) is unresolved: parameter FnName has no default and no --param value",
        ),
        (
            "CW301",
            "Q",
            "consumer of queue Q (mapping M2) is unresolved: 'elsewhere' is not among the scanned resources",
        ),
        (
            "CW302",
            "Q",
            "consumer of queue Q (mapping M1) is unresolved: parameter FnName has no default and no --param value",
        ),
        (
            "CW302",
            "Q",
            "consumer of queue Q (mapping M2) is unresolved: 'elsewhere' is not among the scanned resources",
        ),
    ]


@pytest.mark.parametrize(
    "function_name",
    [
        "123456789012:function:worker",
        "arn:aws:lambda:eu-west-1:123456789012:function:worker:live",
        '!Sub "${F.Arn}:live"',
    ],
)
def test_partial_and_qualified_function_arns_link(write, function_name):
    write(
        "t.yaml",
        f"""\
Resources:
  Q: {{Type: AWS::SQS::Queue, Properties: {{VisibilityTimeout: 10}}}}
  F: {{Type: AWS::Lambda::Function, Properties: {{FunctionName: worker, Timeout: 20, Role: arn:aws:iam::1:role/r}}}}
  M: {{Type: AWS::Lambda::EventSourceMapping, Properties: {{EventSourceArn: !GetAtt Q.Arn, FunctionName: {function_name}}}}}
""",
    )
    assert scan_json("--select", "CW301", ".").findings() == {("CW301", "Q", 2)}


def test_cw302_does_not_skip_when_an_unresolved_window_cannot_change_the_verdict(write):
    write(
        "t.yaml",
        "Resources:\n"
        + PAIR.replace("VisibilityTimeout: 10", "VisibilityTimeout: 30").replace(
            "FunctionName: !Ref F}", "FunctionName: !Ref F, MaximumBatchingWindowInSeconds: !ImportValue w}"
        ),
    )
    run = scan_json("--select", "CW302", ".")
    assert run.findings() == {("CW302", "Q", 2)}
    assert run.report["findings"][0]["message"].endswith(
        "is below 6 × 20 s (function F) = 120 s even before the batching window (unresolved: "
        "Fn::ImportValue is only known at deploy time)"
    )


def test_literal_arns_link_across_templates_when_the_name_is_unique(write):
    write(
        "queues.yaml",
        "Resources:\n  Orders: {Type: AWS::SQS::Queue, Properties: {QueueName: orders, VisibilityTimeout: 10}}\n",
    )
    write(
        "functions.yaml",
        """\
Resources:
  F: {Type: AWS::Lambda::Function, Properties: {Timeout: 20, Role: arn:aws:iam::1:role/r}}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: arn:aws:sqs:us-east-1:123456789012:orders, FunctionName: !Ref F}}
""",
    )
    assert scan_json("--select", "CW301", ".").findings() == {("CW301", "Orders", 2)}
    write("other/queues.yaml", "Resources:\n  Orders: {Type: AWS::SQS::Queue, Properties: {QueueName: orders}}\n")
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == set()  # two queues named orders: which one is meant is not guessed
    assert ("CW301", "M") in {(u["check_id"], u["resource"]) for u in run.report["unresolved"]}


def test_an_aws_include_is_listed_as_not_checked_and_the_rest_is_scanned(write):
    """`Fn::Transform` (AWS::Include) is valid CloudFormation whose content only deployment knows: under Resources
    it adds resources no check can see; in Properties every property of that resource is unknown."""
    write(
        "t.yaml",
        """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Fn::Transform:
    Name: AWS::Include
    Parameters: {Location: s3://bucket/resources.yaml}
"""
        + PAIR
        + """\
  Q2:
    Type: AWS::SQS::Queue
    Properties:
      Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://bucket/queue.yaml}}
  M2: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q2.Arn, FunctionName: !Ref F}}
""",
    )
    run = scan_json(".", "--select", "CW301")
    assert run.code == 1
    assert run.report["errors"] == []
    assert run.findings() == {("CW301", "Q", 6)}
    include = "come from AWS::Include of s3://bucket/{} (Fn::Transform), only known at deploy time"
    assert sorted((u["check_id"] or "", u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]) == [
        ("", "Fn::Transform", 3, "resources " + include.format("resources.yaml")),
        ("", "Q2", 12, "the properties of Q2 " + include.format("queue.yaml")),
        (
            "CW301",
            "Q2",
            9,
            "visibility timeout of queue Q2 is unresolved: the properties of Q2 " + include.format("queue.yaml"),
        ),
    ]


def test_an_aws_include_in_the_transform_section_is_listed_as_not_checked(write):
    write(
        "t.yaml",
        "Transform: [AWS::Serverless-2016-10-31, {Name: AWS::Include, Parameters: {Location: s3://b/parts.yaml}}]\n"
        "Resources:\n" + PAIR,
    )
    run = scan_json(".", "--select", "CW301")
    assert run.findings() == {("CW301", "Q", 3)}
    assert [(u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "Transform",
            1,
            "parts of the template come from AWS::Include of s3://b/parts.yaml (Transform), only known at deploy time",
        )
    ]
