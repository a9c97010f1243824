"""CW304 beyond its fixtures: exact messages, the SAM queue SqsSubscription makes, and what it skips."""

from __future__ import annotations

import pytest

from conftest import scan_json

CONSUMED_QUEUE = """
variable "dead_letters_arn" {{}}
variable "retention" {{}}

resource "aws_sqs_queue" "jobs" {{
  name = "jobs"
  {attributes}
}}

resource "aws_lambda_event_source_mapping" "jobs" {{
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}}

resource "aws_lambda_function" "worker" {{
  function_name = "worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"
  role          = "arn:aws:iam::123456789012:role/worker"
}}
"""


def scan(write, attributes: str):
    write("main.tf", CONSUMED_QUEUE.format(attributes=attributes))
    run = scan_json(".", "--select", "CW304", "--fail-on", "never")
    assert run.code == 0, run.err
    return run


def test_message_names_the_consumer_and_the_retention_that_ends_the_retries(write):
    run = scan(write, "message_retention_seconds = 86400")
    assert run.findings() == {("CW304", "aws_sqs_queue.jobs", 5)}
    [finding] = run.report["findings"]
    assert finding["message"] == (
        "queue aws_sqs_queue.jobs is consumed by function aws_lambda_function.worker but has no dead-letter queue: a "
        "message the function keeps failing on is retried until it expires after 86400 s, and is then lost"
    )
    assert [r["resource"] for r in finding["related"]] == ["aws_lambda_function.worker"]


def test_an_unknown_retention_is_not_guessed_in_the_message(write):
    run = scan(write, "message_retention_seconds = var.retention")
    assert run.findings() == {("CW304", "aws_sqs_queue.jobs", 5)}
    assert run.report["findings"][0]["message"].endswith(
        "is retried until it expires when its retention period ends, and is then lost"
    )


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("var.dead_letters_arn", "variable dead_letters_arn has no default and no value is given"),
        (
            '"arn:aws:sqs:eu-west-1:123456789012:jobs-dlq"',
            "'arn:aws:sqs:eu-west-1:123456789012:jobs-dlq' is not among the scanned resources",
        ),
    ],
    ids=["unresolved", "unlinked"],
)
def test_a_dead_letter_queue_that_cannot_be_followed_is_skipped(write, target, reason):
    run = scan(write, f"redrive_policy = jsonencode({{ deadLetterTargetArn = {target}, maxReceiveCount = 5 }})")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("CW304", "aws_sqs_queue.jobs", f"dead-letter queue of queue aws_sqs_queue.jobs is unresolved: {reason}")
    ]


def test_the_queue_sam_makes_for_sqs_subscription_has_no_dead_letter_queue(write):
    # SAM's SqsSubscription queue takes no redrive policy: the fix is a queue of one's own, passed as QueueArn
    write(
        "template.yaml",
        """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Orders:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: true
""",
    )
    run = scan_json(".", "--select", "CW304", "--fail-on", "never")
    assert run.findings() == {("CW304", "Worker", 14)}
    assert run.report["findings"][0]["message"] == (
        "queue of SAM function Worker is consumed by function Worker but has no dead-letter queue: a "
        "message the function keeps failing on is retried until it expires after 345600 s (AWS default), and is "
        "then lost"
    )
