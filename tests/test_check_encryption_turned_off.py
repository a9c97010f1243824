"""CW107 beyond its fixtures: exact messages, values that reach the resource from elsewhere, and what it skips."""

from __future__ import annotations

import pytest

from conftest import scan_json


def scan(write, text: str):
    write("main.tf", text)
    run = scan_json(".", "--select", "CW107", "--fail-on", "never")
    assert run.code == 0, run.err
    return run


def test_a_module_that_turns_topic_encryption_off_is_reported_on_the_topic_with_the_input(write):
    # the common module shape: `encryption_enabled = false` makes the key "" (cloudposse's sns-topic does this)
    write(
        "modules/topic/main.tf",
        """
variable "encryption_enabled" {
  type    = bool
  default = true
}

resource "aws_sns_topic" "this" {
  name              = "alerts"
  kms_master_key_id = var.encryption_enabled ? "alias/aws/sns" : ""
}
""",
    )
    run = scan(write, 'module "alerts" {\n  source             = "./modules/topic"\n  encryption_enabled = false\n}\n')
    assert run.findings() == {("CW107", "module.alerts.aws_sns_topic.this", 7)}
    assert run.report["findings"][0]["message"] == (
        "SNS topic module.alerts.aws_sns_topic.this has its KMS key set to the empty string, which leaves server-side "
        "encryption off: its messages are stored unencrypted until SNS delivers them"
    )


def test_queue_message_says_where_the_setting_came_from(write):
    run = scan(
        write,
        """
variable "sse" {
  type    = bool
  default = false
}

resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = var.sse
  kms_master_key_id       = ""
}
""",
    )
    assert run.findings() == {("CW107", "aws_sqs_queue.jobs", 7)}
    [finding] = run.report["findings"]
    assert finding["severity"] == "info"
    assert finding["message"] == (
        "queue aws_sqs_queue.jobs has SSE-SQS turned off (variable sse default) and no KMS key: its messages are "
        "stored unencrypted until they are consumed"
    )


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        (
            "sqs_managed_sse_enabled = false\n  kms_master_key_id = var.key",
            "KMS key of queue aws_sqs_queue.jobs is unresolved: variable key has no default and no value is given",
        ),
        (
            "sqs_managed_sse_enabled = var.sse",
            "SSE-SQS setting of queue aws_sqs_queue.jobs is unresolved: variable sse has no default and no value is "
            "given",
        ),
    ],
    ids=["key", "sse"],
)
def test_an_unknown_queue_setting_is_skipped_with_its_reason(write, attributes, reason):
    run = scan(write, f'variable "key" {{}}\nvariable "sse" {{}}\nresource "aws_sqs_queue" "jobs" {{\n  {attributes}\n}}\n')
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("CW107", "aws_sqs_queue.jobs", reason)
    ]


def test_an_unknown_setting_next_to_a_key_is_no_skip(write):
    # whatever SSE-SQS is, a KMS key encrypts the queue
    run = scan(
        write,
        'variable "sse" {}\nresource "aws_sqs_queue" "jobs" {\n  sqs_managed_sse_enabled = var.sse\n'
        '  kms_master_key_id = "alias/orders"\n}\n',
    )
    assert run.findings() == set() and run.report["unresolved"] == []


def test_an_unknown_topic_key_is_skipped_and_a_named_key_passes(write):
    run = scan(
        write,
        """
variable "key" {}

resource "aws_sns_topic" "unknown" {
  kms_master_key_id = var.key
}

resource "aws_sns_topic" "encrypted" {
  kms_master_key_id = "alias/aws/sns"
}
""",
    )
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "CW107",
            "aws_sns_topic.unknown",
            "KMS key of SNS topic aws_sns_topic.unknown is unresolved: variable key has no default and no value is "
            "given",
        )
    ]
