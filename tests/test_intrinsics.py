"""CloudFormation intrinsic functions resolve to plain values, Refs, or Unresolved — never a guess."""

from __future__ import annotations

import pytest

from crosswire.loaders import cloudformation
from crosswire.loaders.cloudformation.intrinsics import Intrinsics
from crosswire.model import Ref, Unresolved

TEMPLATE = """\
Parameters:
  Stage: {Type: String, Default: dev}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
  Secret: {Type: String}
Mappings:
  Sizes:
    dev: {timeout: 30}
    prod: {timeout: 300}
Conditions:
  IsDev: !Equals [!Ref Stage, dev]
  NotDev: !Not [!Condition IsDev]
  Both: !And [!Condition IsDev, !Equals [!Ref Secret, x]]
Resources:
  Queue:
    Type: AWS::SQS::Queue
"""


@pytest.fixture(scope="module")
def template() -> Intrinsics:
    return Intrinsics(cloudformation.parse(TEMPLATE, "t.yaml"), "t.yaml", {})


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "Queue"}, Ref("Queue")),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, Ref("Queue", "Arn")),
        ({"Fn::GetAtt": "Queue.Arn"}, Ref("Queue", "Arn")),
        ({"Fn::Sub": "${Queue.Arn}"}, Ref("Queue", "Arn")),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Stage}-q"},
            "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:dev-q",
        ),
        ({"Fn::Sub": ["${X}-${!Literal}", {"X": {"Ref": "Stage"}}]}, "dev-${Literal}"),
        (
            {"Fn::Join": ["-", ["a", {"Ref": "Stage"}, {"Fn::GetAtt": ["Queue", "QueueName"]}]]},
            "a-dev-${Queue.QueueName}",
        ),
        ({"Fn::Select": [1, {"Ref": "Names"}]}, "b"),
        ({"Fn::Select": ["2", {"Fn::Split": [",", "x,y,z"]}]}, "z"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "timeout"]}, 30),
        ({"Fn::If": ["IsDev", 1, 2]}, 1),
        ({"Fn::If": ["NotDev", 1, 2]}, 2),
        ({"Fn::Join": ["", ["x", {"Ref": "AWS::NoValue"}]]}, "x"),
    ],
)
def test_resolves(template, fragment, expected):
    assert template.resolve(fragment) == expected


@pytest.mark.parametrize(
    ("fragment", "reason"),
    [
        ({"Ref": "Secret"}, "parameter Secret has no default and no --param value"),
        ({"Fn::ImportValue": "shared"}, "Fn::ImportValue is only known at deploy time"),
        ({"Fn::If": ["Both", 1, 2]}, "parameter Secret has no default and no --param value"),
        ({"Fn::Sub": "${Secret}-x"}, "parameter Secret has no default and no --param value"),
        ({"Ref": "Missing"}, "Ref to Missing, which is not in this template"),
        ({"Fn::FindInMap": ["Sizes", "qa", "timeout"]}, "Fn::FindInMap: no entry Sizes/qa/timeout"),
        (
            {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
            "Fn::Equals compares a value only known at deploy time",
        ),
        ({"Fn::If": ["Undefined", 1, 2]}, "condition Undefined is not defined"),
        ({"Fn::Not": []}, "Fn::Not takes one condition"),
        ({"Fn::Not": ["yes"]}, "Fn::Not takes one condition"),
        ({"Fn::And": ["a", "b"]}, "Fn::And takes 2 to 10 conditions"),
        ({"Fn::Or": [{"Condition": "IsDev"}]}, "Fn::Or takes 2 to 10 conditions"),
    ],
)
def test_unresolved(template, fragment, reason):
    assert template.resolve(fragment) == Unresolved(reason)


def test_self_referencing_condition_is_unresolved_not_a_recursion_error():
    text = TEMPLATE.replace("NotDev: !Not [!Condition IsDev]", "NotDev: !Not [!Condition NotDev]")
    template = Intrinsics(cloudformation.parse(text, "t.yaml"), "t.yaml", {})
    assert template.resolve({"Fn::If": ["NotDev", 1, 2]}) == Unresolved("condition NotDev refers to itself")
