"""CW103 beyond its fixtures: the exact messages, one finding per key and source, and the skips where the key, its
policy or the feed cannot be known."""

from __future__ import annotations

from conftest import scan_json

HEAD = """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Audit:
    Type: AWS::SNS::Topic
"""

KEY = """\
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {{ Service: sns.amazonaws.com }}
            Action: {action}
            Resource: "*"
            Condition: {{ ArnEquals: {{ aws:SourceArn: {source} }} }}
"""


def queue(name: str, topic: str, key: str = "!Ref Key") -> str:
    return f"""\
  {name}:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: {key}
  {name}Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref {topic}
      Protocol: sqs
      Endpoint: !GetAtt {name}.Arn
"""


def scan() -> tuple[list[tuple[str, str, int, str]], list[tuple[str, int, str]]]:
    run = scan_json(".", "--select", "CW103", "--fail-on", "never")
    assert run.code == 0, run.err
    assert run.report["errors"] == []
    findings = [(f["check_id"], f["resource"], f["line"], f["message"]) for f in run.report["findings"]]
    unresolved = [(u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]]
    return findings, unresolved


def test_a_grant_of_kms_star_to_the_service_covers_both_actions(write):
    write("t.yaml", HEAD + KEY.format(action="kms:*", source="!Ref Alerts") + queue("Orders", "Alerts"))
    assert scan() == ([], [])


def test_a_key_shared_by_two_queues_of_one_topic_is_one_finding_naming_both(write):
    """The key policy is asked about the service and the topic; the queues do not change its answer."""
    write(
        "t.yaml",
        HEAD
        + KEY.format(action="kms:GenerateDataKey*", source="!Ref Alerts")
        + queue("Orders", "Alerts")
        + queue("Billing", "Alerts"),
    )
    assert scan() == (
        [
            (
                "CW103",
                "Key",
                6,
                "queue Orders is fed by SNS topic Alerts and queue Billing is fed by SNS topic Alerts, but key Key's "
                "policy (t.yaml:9) does not let sns.amazonaws.com call kms:Decrypt: SNS delivery fails with "
                "KMS.AccessDeniedException",
            )
        ],
        [],
    )


def test_the_topic_a_grant_is_narrowed_to_decides(write):
    write(
        "t.yaml",
        HEAD
        + KEY.format(action="[kms:GenerateDataKey*, kms:Decrypt]", source="!Ref Alerts")
        + queue("Orders", "Alerts")
        + queue("Billing", "Audit"),
    )
    assert scan() == (
        [
            (
                "CW103",
                "Key",
                6,
                "queue Billing is fed by SNS topic Audit, but key Key's policy (t.yaml:9) does not let "
                "sns.amazonaws.com call kms:GenerateDataKey and kms:Decrypt: SNS delivery fails with "
                "KMS.AccessDeniedException",
            )
        ],
        [],
    )


def test_a_deny_names_the_statement(write):
    write(
        "main.tf",
        """\
resource "aws_sns_topic" "alerts" {}
resource "aws_kms_key" "orders" {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "kms:*", Resource = "*" },
      { Effect = "Deny", Principal = "*", Action = "kms:Decrypt", Resource = "*" },
    ]
  })
}
resource "aws_sqs_queue" "orders" {
  kms_master_key_id = aws_kms_key.orders.arn
}
resource "aws_sns_topic_subscription" "orders" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders.arn
}
""",
    )
    assert scan() == (
        [
            (
                "CW103",
                "aws_kms_key.orders",
                2,
                "queue aws_sqs_queue.orders is fed by SNS topic aws_sns_topic.alerts, but a statement of key "
                "aws_kms_key.orders's policy (main.tf:6) denies sns.amazonaws.com kms:Decrypt: SNS delivery fails "
                "with KMS.AccessDeniedException",
            )
        ],
        [],
    )


def test_a_condition_the_evaluator_cannot_decide_is_a_skip_with_its_reason(write):
    write(
        "t.yaml",
        HEAD
        + KEY.format(action="[kms:GenerateDataKey*, kms:Decrypt]", source="!ImportValue alerts-arn")
        + queue("Orders", "Alerts"),
    )
    assert scan() == (
        [],
        [
            (
                "Key",
                6,
                "queue Orders is fed by SNS topic Alerts, and whether key Key's policy lets sns.amazonaws.com use it "
                "is unknown: a statement may allow kms:GenerateDataKey on Key: its condition ArnEquals on "
                "aws:SourceArn cannot be decided",
            )
        ],
    )


def test_a_queue_whose_key_cannot_be_followed_is_a_skip(write):
    write(
        "t.yaml",
        HEAD
        + queue("Imported", "Alerts", key="!ImportValue shared-key")
        + queue("Elsewhere", "Alerts", key="arn:aws:kms:us-east-1:111122223333:key/0000-1111"),
    )
    assert scan() == (
        [],
        [
            ("Imported", 6, "KMS key of queue Imported is unresolved: Fn::ImportValue is only known at deploy time"),
            (
                "Elsewhere",
                16,
                "KMS key of queue Elsewhere is unresolved: 'arn:aws:kms:us-east-1:111122223333:key/0000-1111' is not "
                "among the scanned resources",
            ),
        ],
    )


def test_a_subscription_whose_topic_is_unresolved_is_a_skip(write):
    write(
        "t.yaml",
        HEAD
        + KEY.format(action="kms:*", source="!Ref Alerts")
        + """\
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Key
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !ImportValue shared-alerts
      Protocol: sqs
      Endpoint: !GetAtt Orders.Arn
""",
    )
    assert scan() == (
        [],
        [("Key", 6, "topic of subscription Subscription is unresolved: Fn::ImportValue is only known at deploy time")],
    )


def test_a_key_policy_whose_key_is_unresolved_may_be_the_one_that_allows(write):
    """Terraform's aws_kms_key_policy may attach to a key the scan cannot follow: a missing grant is then no verdict
    (the key attached by reference is judged by its own policy)."""
    write(
        "main.tf",
        """\
variable "key_id" {}
resource "aws_sns_topic" "alerts" {}
resource "aws_kms_key" "orders" {}
resource "aws_kms_key_policy" "orders" {
  key_id = aws_kms_key.orders.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "kms:*", Resource = "*" }]
  })
}
resource "aws_sqs_queue" "orders" {
  kms_master_key_id = aws_kms_key.orders.arn
}
resource "aws_sns_topic_subscription" "orders" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders.arn
}
resource "aws_kms_key" "jobs" {}
resource "aws_sqs_queue" "jobs" {
  kms_master_key_id = aws_kms_key.jobs.arn
}
resource "aws_sns_topic_subscription" "jobs" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.jobs.arn
}
resource "aws_kms_key_policy" "shared" {
  key_id = var.key_id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "kms:*", Resource = "*" }]
  })
}
""",
    )
    assert scan() == (
        [],
        [
            (
                "aws_kms_key.jobs",
                18,
                "the key of policy aws_kms_key_policy.shared is unresolved (variable key_id has no default and no "
                "value is given); it may let sns.amazonaws.com use key aws_kms_key.jobs",
            )
        ],
    )
