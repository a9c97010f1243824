"""CW309 beyond its fixtures: messages, queues outside the scan, other services' mappings, unresolved values."""

from __future__ import annotations

from conftest import scan_json

WORKER = """
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
"""


def scan() -> tuple[set[tuple[str, str, int]], dict]:
    run = scan_json(".", "--select", "CW309", "--fail-on", "never")
    assert run.code == 0, run.err
    return run.findings(), run.report


def test_message_names_the_queue_the_function_and_the_default_batch_size(write):
    write(
        "template.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
        + WORKER
        + "      Events:\n        FromJobs:\n          Type: SQS\n          Properties:\n"
        "            Queue: !GetAtt Jobs.Arn\n",
    )
    findings, report = scan()
    assert findings == {("CW309", "Worker", 13)}
    assert report["findings"][0]["message"] == (
        "mapping of SAM function Worker hands batches of up to 10 messages (AWS default) from queue Jobs to "
        "function Worker without ReportBatchItemFailures: when one message fails, the whole batch becomes visible "
        "again and the messages already processed are processed again"
    )
    assert [r["resource"] for r in report["findings"][0]["related"]] == ["Jobs", "Worker"]


def test_a_queue_named_by_a_literal_arn_outside_the_scan_is_still_an_sqs_mapping(write):
    write(
        "main.tf",
        'resource "aws_lambda_event_source_mapping" "orders" {\n'
        '  event_source_arn = "arn:aws:sqs:eu-west-1:123456789012:orders"\n'
        '  function_name    = "orders-worker"\n'
        "  batch_size       = 25\n"
        "  maximum_batching_window_in_seconds = 5\n"
        "}\n",
    )
    findings, report = scan()
    assert findings == {("CW309", "aws_lambda_event_source_mapping.orders", 1)}
    assert report["findings"][0]["message"] == (
        "mapping aws_lambda_event_source_mapping.orders hands batches of up to 25 messages from queue "
        "arn:aws:sqs:eu-west-1:123456789012:orders without ReportBatchItemFailures: when one message fails, the "
        "whole batch becomes visible again and the messages already processed are processed again"
    )
    assert report["unresolved"] == []


def test_a_dynamodb_stream_mapping_is_not_judged_and_not_skipped(write):
    write(
        "main.tf",
        'resource "aws_lambda_event_source_mapping" "changes" {\n'
        '  event_source_arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"\n'
        '  function_name     = "orders-worker"\n'
        '  starting_position = "LATEST"\n'
        "}\n",
    )
    findings, report = scan()
    assert findings == set()
    assert report["unresolved"] == []


def test_a_source_that_cannot_be_followed_is_skipped_with_the_reason(write):
    write(
        "template.yaml",
        "Parameters:\n  QueueArn:\n    Type: String\nResources:\n"
        "  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n"
        "      EventSourceArn: !Ref QueueArn\n      FunctionName: worker\n",
    )
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in report["unresolved"]] == [("CW309", "Mapping", 5)]
    assert report["unresolved"][0]["reason"].startswith("source of mapping Mapping is unresolved: ")


def test_an_unresolved_batch_size_is_skipped_not_guessed(write):
    write(
        "main.tf",
        'variable "batch_size" {\n  type = number\n}\n\n'
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n\n'
        'resource "aws_lambda_event_source_mapping" "jobs" {\n'
        "  event_source_arn = aws_sqs_queue.jobs.arn\n"
        '  function_name    = "jobs-worker"\n'
        "  batch_size       = var.batch_size\n"
        "}\n",
    )
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in report["unresolved"]] == [
        ("CW309", "aws_lambda_event_source_mapping.jobs", 9)
    ]
    assert report["unresolved"][0]["reason"].startswith(
        "batch size of mapping aws_lambda_event_source_mapping.jobs is unresolved: "
    )


def test_a_batch_size_of_one_through_a_parameter_default_is_not_flagged(write):
    write(
        "template.yaml",
        "Parameters:\n  Batch:\n    Type: Number\n    Default: 1\nResources:\n"
        "  Jobs:\n    Type: AWS::SQS::Queue\n"
        "  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n"
        "      EventSourceArn: !GetAtt Jobs.Arn\n      FunctionName: worker\n      BatchSize: !Ref Batch\n",
    )
    findings, report = scan()
    assert findings == set()
    assert report["unresolved"] == []


def test_a_sam_sqs_subscription_batches_too(write):
    # SqsSubscription has no FunctionResponseTypes: the fix names its BatchSize
    write(
        "template.yaml",
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Alerts:\n    Type: AWS::SNS::Topic\n"
        + WORKER
        + "      Events:\n        FromAlerts:\n          Type: SNS\n          Properties:\n"
        "            Topic: !Ref Alerts\n            SqsSubscription: true\n",
    )
    findings, report = scan()
    assert findings == {("CW309", "Worker", 13)}
    assert report["findings"][0]["message"].startswith(
        "mapping of SAM function Worker hands batches of up to 10 messages (AWS default) from queue of SAM "
        "function Worker to function Worker without ReportBatchItemFailures"
    )
    assert "`SqsSubscription` cannot set it: give it `BatchSize: 1`" in report["findings"][0]["fix"]


def test_a_mapping_of_unknown_source_that_reports_item_failures_is_not_skipped(write):
    write(
        "template.yaml",
        "Parameters:\n  QueueArn:\n    Type: String\nResources:\n"
        "  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n"
        "      EventSourceArn: !Ref QueueArn\n      FunctionName: worker\n"
        "      FunctionResponseTypes: [ReportBatchItemFailures]\n",
    )
    findings, report = scan()
    assert findings == set()
    assert report["unresolved"] == []
