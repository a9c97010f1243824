"""SAM policy templates are expanded from SAM's own data, every one of them; what cannot be expanded is an unresolved
document with the reason, never dropped."""

from __future__ import annotations

import pytest

from crosswire.graph import Graph
from crosswire.loaders import cloudformation, sam_policy_templates
from crosswire.model import Origin, Policy, Ref

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - {policy}
"""


def policy_of(entry: str) -> Policy:
    graph = Graph()
    text = TEMPLATE.format(policy=entry)
    cloudformation.load(cloudformation.parse(text, "t.yaml"), "t.yaml", graph, {})
    graph.resolve_wires()
    (policy,) = [n for n in graph.nodes.values() if isinstance(n, Policy)]
    return policy


def test_every_template_sam_knows_expands_into_statements():
    names = sorted(sam_policy_templates.templates())
    assert len(names) == 81
    for name in names:
        parameters = sam_policy_templates.templates()[name].get("Parameters", {})
        arguments = {p: f"value-of-{p}" for p in parameters}
        document = sam_policy_templates.definition(name, arguments)
        assert isinstance(document, dict) and document["Statement"], name


def test_a_template_resolves_its_arguments_and_pseudo_parameters():
    policy = policy_of("SQSPollerPolicy: {QueueName: !GetAtt Queue.QueueName}")
    (statement,) = policy.statements.value
    assert statement.effect == "Allow"
    assert "sqs:DeleteMessage" in statement.actions
    assert statement.resources == ("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName}",)


def test_a_template_beyond_messaging_is_expanded_too():
    policy = policy_of("DynamoDBReadPolicy: {TableName: orders}")
    actions = {a for s in policy.statements.value for a in s.actions}
    assert {"dynamodb:GetItem", "dynamodb:Query"} <= actions


def test_a_template_without_parameters_takes_an_empty_mapping():
    policy = policy_of("VPCAccessPolicy: {}")
    assert policy.statements.resolved
    assert any("ec2:CreateNetworkInterface" in s.actions for s in policy.statements.value)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("NoSuchPolicy: {QueueName: q}", "SAM policy template NoSuchPolicy is not one SAM knows"),
        ("SQSPollerPolicy: {}", "SAM policy template SQSPollerPolicy lacks QueueName"),
        ("SQSPollerPolicy: {QueueName: q, Other: x}", "SAM policy template SQSPollerPolicy has unknown Other"),
        (
            "SQSPollerPolicy: {QueueName: !ImportValue shared}",
            "argument QueueName of SAM policy template SQSPollerPolicy is unresolved: "
            "Fn::ImportValue is only known at deploy time",
        ),
        ("{A: 1, B: 2}", "a Policies entry that is neither a policy document nor one SAM policy template"),
    ],
)
def test_what_cannot_be_expanded_is_unresolved_with_the_reason(entry, reason):
    policy = policy_of(entry)
    assert (policy.statements.origin, policy.statements.note) == (Origin.UNRESOLVED, reason)


def test_an_inline_document_is_read_as_written():
    policy = policy_of('{Statement: [{Effect: Allow, Action: "sqs:SendMessage", Resource: !GetAtt Queue.Arn}]}')
    (statement,) = policy.statements.value
    assert (statement.actions, statement.resources) == (("sqs:SendMessage",), (Ref("Queue", "Arn"),))
