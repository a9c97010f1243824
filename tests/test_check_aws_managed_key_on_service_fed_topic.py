"""CW105 beyond its fixtures: the message, one finding for a topic with several publishers, and the skips where the
topic's key or an alarm's topic cannot be known."""

from __future__ import annotations

from conftest import scan_json

ALARM = """\
  Backlog:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: backlog
      ComparisonOperator: GreaterThanThreshold
      EvaluationPeriods: 1
      Threshold: 100
      {actions}
"""


def test_one_finding_names_every_publisher_by_service(write):
    write(
        "t.yaml",
        """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/aws/sns
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: alerts
          Arn: !Ref Alerts
"""
        + ALARM.format(actions="OKActions: [!Ref Alerts]")
        + ALARM.format(actions="AlarmActions: [!Ref Alerts]").replace("Backlog", "Errors").replace("backlog", "errors"),
    )
    run = scan_json("--select", "CW105", ".")
    assert run.findings() == {("CW105", "Alerts", 2)}
    (finding,) = run.report["findings"]
    assert finding["message"] == (
        "SNS topic Alerts is encrypted with the AWS managed key alias/aws/sns, whose policy cannot be edited to let "
        "cloudwatch.amazonaws.com (for CloudWatch alarm Backlog, CloudWatch alarm Errors) and events.amazonaws.com "
        "(for EventBridge rule Nightly) use it: every publish fails with KMS access denied and the notifications are lost"
    )
    assert sorted(r["resource"] for r in finding["related"]) == ["Backlog", "Errors", "Nightly"]


def test_a_topic_key_that_cannot_be_known_is_a_skip(write):
    write(
        "t.yaml",
        """\
Parameters:
  AlertsKey:
    Type: String
Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref AlertsKey
"""
        + ALARM.format(actions="AlarmActions: [!Ref Alerts]"),
    )
    run = scan_json("--select", "CW105", ".")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        ("CW105", "Alerts", 5, "KMS key of SNS topic Alerts is unresolved: parameter AlertsKey has no default and no --param value")
    ]


def test_an_alarm_whose_topic_cannot_be_followed_is_a_skip(write):
    write(
        "main.tf",
        """\
variable "alerts_topic_arn" {
  type = string
}

resource "aws_cloudwatch_metric_alarm" "backlog" {
  alarm_name          = "backlog"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 100
  alarm_actions       = [var.alerts_topic_arn]
}
""",
    )
    run = scan_json("--select", "CW105", ".")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [
        ("CW105", "aws_cloudwatch_metric_alarm.backlog", 5)
    ]
    assert run.report["unresolved"][0]["reason"].startswith(
        "topic of CloudWatch alarm aws_cloudwatch_metric_alarm.backlog is unresolved: "
    )
