"""CW305 beyond its fixtures: exact messages with where each retention came from, and what it skips."""

from __future__ import annotations

import pytest

from conftest import scan_json

QUEUE_PAIR = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Retention:
    Type: Number
  Fifo:
    Type: String
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      {jobs}
      RedrivePolicy:
        deadLetterTargetArn: {target}
        maxReceiveCount: 5
  JobsDeadLetters:
    Type: AWS::SQS::Queue
    Properties:
      {dead_letters}
"""


def scan(write, jobs: str = "DelaySeconds: 0", dead_letters: str = "DelaySeconds: 0", target: str = "") -> dict:
    target = target or "!GetAtt JobsDeadLetters.Arn"
    write("template.yaml", QUEUE_PAIR.format(jobs=jobs, dead_letters=dead_letters, target=target))
    run = scan_json(".", "--select", "CW305", "--fail-on", "never")
    assert run.code == 0, run.err
    return run.report


def test_message_gives_both_retentions_and_where_they_came_from(write):
    report = scan(write, jobs="MessageRetentionPeriod: 600000")
    [finding] = report["findings"]
    assert (finding["check_id"], finding["resource"], finding["line"]) == ("CW305", "Jobs", 9)
    assert finding["message"] == (
        "queue Jobs retains messages for 600000 s and its dead-letter queue JobsDeadLetters for 345600 s (AWS "
        "default), which is not longer: a dead-lettered message keeps its original enqueue timestamp, so it can "
        "expire there before anyone looks at it"
    )
    assert [r["resource"] for r in finding["related"]] == ["JobsDeadLetters"]


def test_a_dead_letter_queue_one_second_longer_is_enough(write):
    assert scan(write, jobs="MessageRetentionPeriod: 600000", dead_letters="MessageRetentionPeriod: 600001")[
        "findings"
    ] == []


@pytest.mark.parametrize(
    ("jobs", "dead_letters", "target", "reason"),
    [
        (
            "MessageRetentionPeriod: !Ref Retention",
            "DelaySeconds: 0",
            "",
            "message retention of queue Jobs is unresolved: parameter Retention has no default and no --param value",
        ),
        (
            "DelaySeconds: 0",
            "MessageRetentionPeriod: !Ref Retention",
            "",
            "message retention of queue JobsDeadLetters is unresolved: parameter Retention has no default and no --param value",
        ),
        (
            "FifoQueue: !Ref Fifo",
            "DelaySeconds: 0",
            "",
            "FIFO setting of queue Jobs is unresolved: parameter Fifo has no default and no --param value",
        ),
        (
            "DelaySeconds: 0",
            "DelaySeconds: 0",
            "arn:aws:sqs:eu-west-1:123456789012:elsewhere",
            "dead-letter queue of queue Jobs is unresolved: 'arn:aws:sqs:eu-west-1:123456789012:elsewhere' is not "
            "among the scanned resources",
        ),
    ],
    ids=["own-retention", "dead-letter-retention", "fifo", "unlinked-dead-letter-queue"],
)
def test_what_cannot_be_known_is_skipped_with_its_reason(write, jobs, dead_letters, target, reason):
    report = scan(write, jobs=jobs, dead_letters=dead_letters, target=target)
    assert report["findings"] == []
    assert [(u["check_id"], u["resource"], u["reason"]) for u in report["unresolved"]] == [("CW305", "Jobs", reason)]


def test_a_fifo_queue_is_not_judged_even_when_its_dead_letter_queue_is_shorter(write):
    report = scan(
        write,
        jobs="FifoQueue: true\n      MessageRetentionPeriod: 1209600",
        dead_letters="FifoQueue: true\n      MessageRetentionPeriod: 60",
    )
    assert report["findings"] == [] and report["unresolved"] == []
