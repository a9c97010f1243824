"""An ARN known but for its region or account still names its resource when its last part is a reference
(issue 12, item 4): `arn:aws:sqs:${var.region}:${var.account_id}:${aws_sqs_queue.q.name}` is queue q. One whose
last part is text is not linked (it could be another account's resource of that name): it stays unresolved."""

from __future__ import annotations

from conftest import scan_json

MODULE = """\
variable "region" {
  type = string
}
variable "account_id" {
  type = string
}
resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = 30
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  timeout       = 60
}
resource "aws_lambda_event_source_mapping" "by_reference" {
  event_source_arn = "arn:aws:sqs:${var.region}:${var.account_id}:${aws_sqs_queue.jobs.name}"
  function_name    = aws_lambda_function.worker.arn
}
resource "aws_lambda_event_source_mapping" "by_text" {
  event_source_arn = "arn:aws:sqs:${var.region}:${var.account_id}:jobs"
  function_name    = aws_lambda_function.worker.arn
}
"""

TEMPLATE = """\
Parameters:
  Account:
    Type: String
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(event, context): pass"}
      Timeout: 60
  ByReference:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${Account}:${Jobs.QueueName}"
      FunctionName: !Ref Worker
  ByText:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !Sub "arn:${AWS::Partition}:sqs:${AWS::Region}:${Account}:jobs"
      FunctionName: !Ref Worker
"""


def test_terraform_partly_known_arn_names_its_queue_by_reference(write):
    write("main.tf", MODULE)
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 7)}
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "aws_lambda_event_source_mapping.by_text",
            "queue of mapping aws_lambda_event_source_mapping.by_text is unresolved: "
            "variable region has no default and no value is given",
        )
    ]


def test_cloudformation_partly_known_arn_names_its_queue_by_reference(write):
    write("t.yaml", TEMPLATE)
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "Jobs", 5)}
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("ByText", "queue of mapping ByText is unresolved: parameter Account has no default and no --param value")
    ]


def test_a_partly_known_aws_managed_key_alias_is_no_crash_and_no_wire(write):
    """Found by the CloudFormation fuzzer: `alias/aws/sqs` in an ARN whose account is unknown names AWS's key by text,
    not by reference, so it stays unresolved (it used to reach the AWS managed key's node without a span)."""
    write(
        "t.yaml",
        """\
Parameters:
  Account:
    Type: String
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Sub "arn:${AWS::Partition}:kms:${AWS::Region}:${Account}:alias/aws/sqs"
  Subscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Alerts, Protocol: sqs, Endpoint: !GetAtt Orders.Arn}
""",
    )
    run = scan_json("--select", "CW102", ".")
    assert run.report["errors"] == [] and run.findings() == set()
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("Orders", "KMS key of queue Orders is unresolved: parameter Account has no default and no --param value")
    ]
