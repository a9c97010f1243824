"""CW202 beyond its fixtures: the message, where EventBridge is exempt, which keys are judged, and what it skips."""

from __future__ import annotations

from conftest import scan_json

QUEUE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Who:
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
          - Effect: {effect}
            Principal: {principal}
            Action: sqs:SendMessage
            Resource: "*"
            Condition: {condition}
"""

KEY = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {{ Service: {service} }}
            Action: kms:GenerateDataKey*
            Resource: "*"
{queue}
"""
ENCRYPTED_QUEUE = """\
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Key
"""


def scan(write, principal="{Service: sns.amazonaws.com}", condition="{}", effect="Allow"):
    write("t.yaml", QUEUE.format(principal=principal, condition=condition, effect=effect))
    return scan_json(".", "--select", "CW202", "--fail-on", "never")


def scan_key(write, service, queue=ENCRYPTED_QUEUE):
    write("t.yaml", KEY.format(service=service, queue=queue))
    return scan_json(".", "--select", "CW202", "--fail-on", "never")


def test_message_names_the_policy_the_queue_the_service_and_the_statement(write):
    run = scan(write)
    assert run.findings() == {("CW202", "OrdersPolicy", 8)}
    assert run.report["findings"][0]["message"] == (
        "policy OrdersPolicy of queue Orders grants sns.amazonaws.com sqs:SendMessage (t.yaml:14) without "
        "aws:SourceArn or aws:SourceAccount: the service may do so for any resource of any account (confused deputy)"
    )


def test_conditions_that_do_not_say_whose_calls_are_flagged(write):
    for condition in (
        "{StringNotEquals: {aws:SourceAccount: '111122223333'}}",
        "{'Null': {aws:SourceArn: 'false'}}",
        "{Bool: {aws:SecureTransport: 'true'}}",
    ):
        assert scan(write, condition=condition).findings() == {("CW202", "OrdersPolicy", 8)}, condition


def test_any_source_key_with_a_positive_operator_names_the_source(write):
    for condition in (
        "{ArnLike: {AWS:SourceArn: 'arn:aws:sns:*:111122223333:*'}}",
        "{StringEquals: {aws:SourceAccount: '111122223333'}}",
        "{StringEquals: {aws:SourceOrgID: o-a1b2c3d4e5}}",
    ):
        assert scan(write, condition=condition).findings() == set(), condition


def test_a_deny_for_a_service_grants_nothing(write):
    assert scan(write, effect="Deny").findings() == set()


def test_eventbridge_is_exempt_in_key_and_topic_policies_only(write):
    assert scan(write, principal="{Service: events.amazonaws.com}").findings() == {("CW202", "OrdersPolicy", 8)}
    assert scan_key(write, "events.amazonaws.com").findings() == set()
    assert scan_key(write, "s3.amazonaws.com").findings() == {("CW202", "Key", 3)}


def test_a_key_that_encrypts_no_queue_or_topic_is_not_judged(write):
    assert scan_key(write, "s3.amazonaws.com", queue="").findings() == set()


def test_an_unresolved_principal_or_condition_is_skipped_with_the_reason(write):
    for principal, condition, reason in (
        ("{Service: !Ref Who}", "{}", "its Principal is unresolved: "),
        ("{Service: sns.amazonaws.com}", "!Ref Who", "its Condition is unresolved: "),
    ):
        run = scan(write, principal=principal, condition=condition)
        assert run.findings() == set()
        assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [
            ("CW202", "OrdersPolicy", 8)
        ]
        assert run.report["unresolved"][0]["reason"].startswith(
            "a statement of policy OrdersPolicy (t.yaml:14) may grant a service: " + reason
        )


def test_the_queue_policy_sam_writes_for_an_sqs_subscription_names_its_topic(write):
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
    run = scan_json(".", "--select", "CW202", "--fail-on", "never")
    assert run.findings() == set()
    assert run.report["unresolved"] == []


def test_a_policy_of_unknown_statements_for_an_unknown_resource_says_nothing(write):
    # a role policy whose role and document are both variables: nothing says it is a queue's, topic's or key's
    write(
        "main.tf",
        """\
variable "role" {}
variable "document" {}

resource "aws_iam_role_policy" "worker" {
  role   = var.role
  policy = var.document
}
""",
    )
    run = scan_json(".", "--select", "CW202", "--fail-on", "never")
    assert (run.findings(), run.report["unresolved"]) == (set(), [])
