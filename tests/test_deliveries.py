"""What "fed by a service" means on the graph (SPEC §4), the same in both formats: SNS subscriptions and their
redrive queues, S3 notifications, EventBridge targets and their dead-letter queues, CloudWatch alarm actions."""

from __future__ import annotations

import pytest

from conftest import run_cli
from crosswire.access import may
from crosswire.graph import Graph
from crosswire.iam import Decision
from crosswire.loaders import cloudformation, terraform
from crosswire.model import EdgeKind as E

TEMPLATE = """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Orders:
    Type: AWS::SQS::Queue
  OrdersDlq:
    Type: AWS::SQS::Queue
  EventsDlq:
    Type: AWS::SQS::Queue
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: sqs
      Endpoint: !GetAtt Orders.Arn
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDlq.Arn
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: orders
          Arn: !GetAtt Orders.Arn
          DeadLetterConfig:
            Arn: !GetAtt EventsDlq.Arn
  Scaling:
    Type: AWS::AutoScaling::ScalingPolicy
    Properties:
      AutoScalingGroupName: group
      ScalingAdjustment: 1
  Backlog:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: backlog
      ComparisonOperator: GreaterThanThreshold
      EvaluationPeriods: 1
      Threshold: 100
      AlarmActions: [!Ref Alerts, !Ref Scaling]
      OKActions: [arn:aws:automate:us-east-1:ec2:stop]
      InsufficientDataActions: [!Ref Alerts]
"""

MODULE = """\
resource "aws_sns_topic" "alerts" {}
resource "aws_sqs_queue" "orders" {}
resource "aws_sqs_queue" "orders_dlq" {}
resource "aws_sqs_queue" "events_dlq" {}
resource "aws_sns_topic_subscription" "subscription" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders.arn
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.orders_dlq.arn })
}
resource "aws_cloudwatch_event_rule" "nightly" {
  schedule_expression = "rate(1 day)"
}
resource "aws_cloudwatch_event_target" "nightly" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = aws_sqs_queue.orders.arn
  dead_letter_config {
    arn = aws_sqs_queue.events_dlq.arn
  }
}
resource "aws_autoscaling_policy" "scaling" {
  name                   = "scaling"
  autoscaling_group_name = "group"
}
resource "aws_cloudwatch_metric_alarm" "backlog" {
  alarm_name                = "backlog"
  comparison_operator       = "GreaterThanThreshold"
  evaluation_periods        = 1
  threshold                 = 100
  alarm_actions             = [aws_sns_topic.alerts.arn, aws_autoscaling_policy.scaling.arn]
  ok_actions                = ["arn:aws:automate:us-east-1:ec2:stop"]
  insufficient_data_actions = [aws_sns_topic.alerts.arn]
}
"""

NAMES = {
    "cloudformation": {
        "alerts": "Alerts",
        "orders": "Orders",
        "orders_dlq": "OrdersDlq",
        "events_dlq": "EventsDlq",
        "subscription": "Subscription",
        "target": "Nightly",
        "alarm": "Backlog",
    },
    "terraform": {
        "alerts": "aws_sns_topic.alerts",
        "orders": "aws_sqs_queue.orders",
        "orders_dlq": "aws_sqs_queue.orders_dlq",
        "events_dlq": "aws_sqs_queue.events_dlq",
        "subscription": "aws_sns_topic_subscription.subscription",
        "target": "aws_cloudwatch_event_target.nightly",
        "alarm": "aws_cloudwatch_metric_alarm.backlog",
    },
}


def load(fmt: str, write) -> Graph:
    graph = Graph()
    if fmt == "cloudformation":
        cloudformation.load(cloudformation.parse(TEMPLATE, "t.yaml"), "t.yaml", graph, {})
    else:
        write("main.tf", MODULE)
        outcome = terraform.load_directories(["."], graph, terraform.Variables(()))
        assert outcome.errors == []
    graph.resolve_wires()
    return graph


def by_address(graph: Graph, address: str):
    (node,) = [n for n in graph.nodes.values() if n.address == address and n.kind.value in ("queue", "topic")]
    return node


@pytest.mark.parametrize("fmt", ["cloudformation", "terraform"])
def test_every_way_a_service_delivers_is_a_delivery(fmt, write):
    graph = load(fmt, write)
    name = NAMES[fmt]

    def deliveries(address: str) -> list[tuple[str, str, str, bool]]:
        return [
            (d.service, d.source.address, d.feeder.address, d.dead_letter)
            for d in graph.deliveries_into(by_address(graph, address))
        ]

    assert deliveries(name["orders"]) == [
        ("sns.amazonaws.com", name["alerts"], name["subscription"], False),
        ("events.amazonaws.com", name["target"], name["target"], False),
    ]
    # SNS and EventBridge write what they could not deliver into the redrive queue themselves
    assert deliveries(name["orders_dlq"]) == [("sns.amazonaws.com", name["alerts"], name["subscription"], True)]
    assert deliveries(name["events_dlq"]) == [("events.amazonaws.com", name["target"], name["target"], True)]
    # the alarm's topic actions (twice over, as alarm and as insufficient-data action) are one delivery
    assert deliveries(name["alerts"]) == [("cloudwatch.amazonaws.com", name["alarm"], name["alarm"], False)]


@pytest.mark.parametrize("fmt", ["cloudformation", "terraform"])
def test_alarm_actions_that_are_no_topic_make_no_unlinked_wire(fmt, write):
    """An Auto Scaling policy or an EC2 action is no wire of ours: it is not reported as a reference that leads
    nowhere (checks would skip on it)."""
    graph = load(fmt, write)
    alarm = next(n for n in graph.nodes.values() if n.address == NAMES[fmt]["alarm"])
    assert graph.why_unlinked(alarm, E.DELIVERS_TO) is None
    assert [t.address for t in graph.targets(alarm, E.DELIVERS_TO)] == [NAMES[fmt]["alerts"]]
    assert len(alarm.actions.value) == 4  # type: ignore[attr-defined]  # all actions as written, in the dump


def test_an_unresolved_alarm_action_leaves_the_wire_unlinked_with_why(write):
    write(
        "t.yaml",
        """\
Resources:
  Backlog:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmActions: [!ImportValue shared-alerts-topic]
""",
    )
    run = run_cli("graph", ".", "--format", "json")
    unlinked = run.report["unlinked"]
    assert [(u["source"], u["kind"]) for u in unlinked] == [("t.yaml#Backlog", "delivers-to")]
    assert unlinked[0]["reason"] == "Fn::ImportValue is only known at deploy time"


ALARM_KEY = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {{Service: cloudwatch.amazonaws.com}}
            Action: [kms:Decrypt, kms:GenerateDataKey*]
            Resource: "*"
            Condition:
              ArnEquals:
                aws:SourceArn: {source}
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
  Backlog:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: backlog
      AlarmActions: [!Ref Alerts]
"""


@pytest.mark.parametrize(
    ("source", "decision"),
    [
        ("!GetAtt Backlog.Arn", Decision.YES),
        ("!Sub arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:backlog", Decision.YES),
        ("!Sub arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:other", Decision.NO),
    ],
)
def test_an_alarm_is_the_source_arn_of_its_deliveries(source, decision):
    graph = Graph()
    cloudformation.load(cloudformation.parse(ALARM_KEY.format(source=source), "t.yaml"), "t.yaml", graph, {})
    graph.resolve_wires()
    topic = graph.nodes["t.yaml#Alerts"]
    (delivery,) = graph.deliveries_into(topic)
    key = graph.key_of(topic)  # type: ignore[arg-type]
    assert key is not None
    answer = may(graph, "kms:GenerateDataKey", key, service=delivery.service, source=delivery.source)
    assert answer.decision is decision, answer.reason


def test_a_null_alarm_action_is_no_wire(write):
    """A null in a list of references (a variable whose default is null) leads nowhere, as a null reference does:
    it is not a reference to a resource outside the scan (checks would skip on it, saying "None")."""
    write(
        "main.tf",
        """\
variable "alerts_topic_arn" {
  type    = string
  default = null
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
    run = run_cli("graph", ".", "--format", "json")
    assert run.report["unlinked"] == []


def test_text_that_names_several_scanned_resources_is_no_wire_to_any(write):
    """Two queues with one name (a template that could not deploy): a literal ARN naming it wires to neither, and
    says so, rather than to whichever came first (found by the resource-order property: CW305 named either DLQ)."""
    write(
        "t.yaml",
        """\
Resources:
  Audit:
    Type: AWS::SQS::Queue
    Properties: {QueueName: audit}
  AuditCopy:
    Type: AWS::SQS::Queue
    Properties: {QueueName: audit}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:audit", maxReceiveCount: 5}
""",
    )
    run = run_cli("graph", ".", "--format", "json")
    assert [(u["source"], u["kind"], u["reason"]) for u in run.report["unlinked"]] == [
        ("t.yaml#Jobs", "dead-letters-to", "'arn:aws:sqs:us-east-1:123456789012:audit' names Audit, AuditCopy")
    ]
    assert [e for e in run.report["edges"] if e["kind"] == "dead-letters-to"] == []
