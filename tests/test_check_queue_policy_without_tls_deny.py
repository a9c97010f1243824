"""CW204 beyond its fixtures: the message, which Deny statements cover every caller, and what it skips."""

from __future__ import annotations

from conftest import scan_json

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Document:
    Type: String
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: {principal}
            Action: {action}
            Resource: !GetAtt Orders.Arn
            Condition: {condition}
"""


def scan(write, principal='"*"', action="sqs:*", condition="{Bool: {aws:SecureTransport: 'false'}}"):
    write("t.yaml", TEMPLATE.format(principal=principal, action=action, condition=condition))
    return scan_json(".", "--select", "CW204", "--fail-on", "never")


def test_message_names_the_policy_the_queue_and_the_actions_left_open(write):
    run = scan(write, action="sqs:ReceiveMessage")
    assert run.findings() == {("CW204", "Orders", 6)}
    assert run.report["findings"][0]["message"] == (
        "policy OrdersPolicy of queue Orders (t.yaml:12) has no Deny for aws:SecureTransport false covering "
        "sqs:SendMessage: the queue can be used over plain HTTP, its messages unencrypted in transit"
    )
    assert [r["resource"] for r in run.report["findings"][0]["related"]] == ["OrdersPolicy"]


def test_denies_that_cover_every_caller_pass(write):
    for principal, action, condition in (
        ('"*"', "[sqs:Send*, sqs:Receive*]", "{Bool: {aws:SecureTransport: 'false'}}"),
        ("{AWS: '*'}", "sqs:*", "{BoolIfExists: {aws:SecureTransport: false}}"),
    ):
        run = scan(write, principal, action, condition)
        assert run.findings() == set(), (principal, action, condition)
        assert run.report["unresolved"] == []


def test_a_deny_for_one_account_only_does_not_cover_every_caller(write):
    run = scan(write, principal="{AWS: 'arn:aws:iam::111122223333:root'}")
    assert run.findings() == {("CW204", "Orders", 6)}


def test_a_deny_for_other_than_plain_http_does_not_count(write):
    run = scan(write, condition="{Bool: {aws:SecureTransport: 'true'}}")
    assert run.findings() == {("CW204", "Orders", 6)}


def test_a_deny_the_evaluator_cannot_decide_is_skipped_with_its_reason(write):
    condition = "{Bool: {aws:SecureTransport: 'false'}, StringNotEquals: {aws:SourceVpce: vpce-0a1b2c3d}}"
    run = scan(write, condition=condition)
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [("CW204", "Orders", 6)]
    reason = run.report["unresolved"][0]["reason"]
    assert reason.startswith("whether the policy of queue Orders denies calls without TLS: a Deny statement may cover")
    assert "aws:SourceVpce" in reason and reason.endswith("(t.yaml:14)")


def test_an_unresolved_policy_is_skipped(write):
    write(
        "t.yaml",
        """\
Parameters:
  Document:
    Type: String
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument: !Ref Document
""",
    )
    run = scan_json(".", "--select", "CW204", "--fail-on", "never")
    assert run.findings() == set()
    assert [(u["resource"], u["line"]) for u in run.report["unresolved"]] == [("Orders", 5)]
    assert run.report["unresolved"][0]["reason"].startswith(
        "the policy of queue Orders (policy OrdersPolicy) is unresolved: "
    )


def test_the_queue_policy_sam_writes_for_an_sqs_subscription_is_judged_on_the_sam_function(write):
    # the policy SAM writes for the queue it creates allows SNS and denies nothing: the queue takes plain HTTP
    write(
        "t.yaml",
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): pass"
      Events:
        Orders:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: true
""",
    )
    run = scan_json(".", "--select", "CW204", "--fail-on", "never")
    assert run.findings() == {("CW204", "Worker", 12)}
    assert run.report["findings"][0]["message"].startswith(
        "the policy of queue of SAM function Worker (t.yaml:12) has no Deny for aws:SecureTransport false"
    )
