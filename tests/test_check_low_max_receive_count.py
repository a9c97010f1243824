"""CW303 beyond its fixtures: the info band, the exact messages, and what it skips."""

from __future__ import annotations

import pytest

from conftest import scan_json

CONSUMED_QUEUE = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Receives:
    Type: Number
    {default}
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt JobsDeadLetters.Arn
        maxReceiveCount: {count}
  JobsDeadLetters:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {{ZipFile: "def handler(event, context): pass"}}
  Jobs2Worker:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
"""


def scan(write, count: str, default: str = "") -> dict:
    write("template.yaml", CONSUMED_QUEUE.format(count=count, default=default))
    run = scan_json(".", "--select", "CW303", "--fail-on", "never")
    assert run.code == 0, run.err
    return run.report


def test_one_receive_is_a_warning_with_the_exact_message(write):
    report = scan(write, "1")
    [finding] = report["findings"]
    assert (finding["check_id"], finding["resource"], finding["line"], finding["severity"]) == (
        "CW303",
        "Jobs",
        8,
        "warning",
    )
    assert finding["message"] == (
        "queue Jobs is consumed by function Worker and dead-letters to queue JobsDeadLetters after maxReceiveCount 1: "
        "a message is dead-lettered on its first failed or throttled receive, without a retry"
    )
    assert [r["resource"] for r in finding["related"]] == ["Worker", "JobsDeadLetters"]


@pytest.mark.parametrize("count", ["2", "4"])
def test_two_to_four_receives_is_an_info_finding(write, count):
    [finding] = scan(write, count)["findings"]
    assert (finding["resource"], finding["severity"]) == ("Jobs", "info")
    assert finding["message"] == (
        f"queue Jobs is consumed by function Worker and dead-letters to queue JobsDeadLetters after maxReceiveCount "
        f"{count}: AWS recommends at least 5, so that receives lost to throttling do not dead-letter messages that "
        "were never processed"
    )


@pytest.mark.parametrize("count", ["5", "1000", "0"])
def test_five_or_more_receives_and_an_invalid_zero_are_not_judged(write, count):
    # 0 is outside 1-1000: SQS rejects the redrive policy at deploy, which is no retry setting to warn about
    assert scan(write, count)["findings"] == []


def test_a_count_from_a_parameter_says_so(write):
    [finding] = scan(write, "!Ref Receives", "Default: 2")["findings"]
    assert "after maxReceiveCount 2 (parameter Receives default):" in finding["message"]


def test_an_unresolved_count_is_skipped_with_its_reason(write):
    report = scan(write, "!Ref Receives")
    assert report["findings"] == []
    assert [(u["check_id"], u["resource"]) for u in report["unresolved"]] == [("CW303", "Jobs")]
    assert report["unresolved"][0]["reason"].startswith("maxReceiveCount of queue Jobs is unresolved: ")


def test_standalone_redrive_policy_and_unlinked_function_in_terraform(write):
    # the redrive policy on its own resource counts as the queue's; a mapping is Lambda's even when its function
    # is not among the scanned resources (the message names the mapping instead)
    write(
        "main.tf",
        """
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "aws_sqs_queue" "jobs_dead_letters" {
  name = "jobs-dead-letters"
}

resource "aws_sqs_queue_redrive_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.jobs_dead_letters.arn
    maxReceiveCount     = 1
  })
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = "worker-in-another-stack"
}
""",
    )
    run = scan_json(".", "--select", "CW303", "--fail-on", "never")
    assert run.findings() == {("CW303", "aws_sqs_queue.jobs", 2)}
    assert run.report["findings"][0]["message"] == (
        "queue aws_sqs_queue.jobs is consumed by mapping aws_lambda_event_source_mapping.jobs and dead-letters to "
        "queue aws_sqs_queue.jobs_dead_letters after maxReceiveCount 1: a message is dead-lettered on its first "
        "failed or throttled receive, without a retry"
    )


def test_a_mapping_whose_queue_is_unresolved_is_skipped(write):
    write(
        "main.tf",
        """
variable "queue_arn" {}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = var.queue_arn
  function_name    = "worker"
}
""",
    )
    run = scan_json(".", "--select", "CW303", "--fail-on", "never")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "CW303",
            "aws_lambda_event_source_mapping.jobs",
            "queue of mapping aws_lambda_event_source_mapping.jobs is unresolved: "
            "variable queue_arn has no default and no value is given",
        )
    ]
