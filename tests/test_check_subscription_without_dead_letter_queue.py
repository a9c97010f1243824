"""CW307 beyond its fixtures: SAM's and inline subscriptions, the exact message, and the skip of an unknown one."""

from __future__ import annotations

from conftest import scan_json


def scan():
    run = scan_json(".", "--select", "CW307", "--fail-on", "never")
    assert run.code == 0, run.err
    return run


SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Undelivered:
    Type: AWS::SQS::Queue
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Direct:
          Type: SNS
          Properties:
            Topic: !Ref Events
        Queued:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: true
        Kept:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: true
            RedrivePolicy:
              deadLetterTargetArn: !GetAtt Undelivered.Arn
"""


def test_sam_sns_events_are_subscriptions_with_or_without_a_queue_in_between(write):
    write("t.yaml", SAM)
    run = scan()
    assert run.findings() == {("CW307", "Consumer", 14), ("CW307", "Consumer", 18)}
    assert [f["message"] for f in run.report["findings"]] == [
        "subscription of SAM function Consumer, from SNS topic Events to function Consumer, has no dead-letter "
        "queue: a message SNS cannot deliver is discarded after its retries, with nothing kept to inspect or redrive",
        "subscription of SAM function Consumer, from SNS topic Events to queue of SAM function Consumer, has no "
        "dead-letter queue: a message SNS cannot deliver is discarded after its retries, with nothing kept to "
        "inspect or redrive",
    ]
    assert run.report["findings"][0]["resource_type"] == "AWS::Serverless::Function"


def test_an_inline_subscription_is_told_it_cannot_have_one(write):
    write(
        "t.yaml",
        """Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - Protocol: email
          Endpoint: oncall@example.com
""",
    )
    run = scan()
    assert run.findings() == {("CW307", "Alerts", 6)}
    assert run.report["findings"][0]["message"] == (
        "inline subscription of SNS topic Alerts, from SNS topic Alerts to its email endpoint, has no dead-letter "
        "queue (written inline in the topic, it cannot have one): a message SNS cannot deliver is discarded after "
        "its retries, with nothing kept to inspect or redrive"
    )


def test_a_dead_letter_queue_that_cannot_be_worked_out_is_skipped(write):
    write(
        "main.tf",
        """variable "undelivered_arn" {}

resource "aws_sns_topic_subscription" "alerts" {
  topic_arn      = "arn:aws:sns:eu-west-1:123456789012:alerts"
  protocol       = "email"
  endpoint       = "oncall@example.com"
  redrive_policy = jsonencode({ deadLetterTargetArn = var.undelivered_arn })
}

resource "aws_sns_topic_subscription" "audit" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:audit"
  protocol  = "email"
  endpoint  = "audit@example.com"
}
""",
    )
    run = scan()
    assert run.findings() == {("CW307", "aws_sns_topic_subscription.audit", 10)}
    assert run.report["findings"][0]["message"].startswith(
        "subscription aws_sns_topic_subscription.audit, to its email endpoint, has no dead-letter queue: "
    )
    ((check, resource, line, reason),) = [
        (u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]
    ]
    assert (check, resource, line) == ("CW307", "aws_sns_topic_subscription.alerts", 3)
    assert reason.startswith("dead-letter queue of subscription aws_sns_topic_subscription.alerts is unresolved: ")
    assert "undelivered_arn" in reason


def test_a_topic_name_that_leads_to_several_topics_names_none_whatever_their_order(write):
    # found by tests/test_properties.py: the message named whichever topic was linked first; a name that leads to
    # several scanned topics is now no wire to any (crosswire.graph)
    subscription = (
        "  S:\n    Type: AWS::SNS::Subscription\n    Properties:\n"
        '      TopicArn: !Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:orders"\n'
        "      Protocol: email\n      Endpoint: a@example.com\n"
    )
    first = "  T1: {Type: AWS::SNS::Topic, Properties: {TopicName: orders}}\n"
    second = "  T2: {Type: AWS::SNS::Topic, Properties: {TopicName: orders}}\n"
    messages = []
    for topics in (first + second, second + first):
        write("t.yaml", "Resources:\n" + topics + subscription)
        messages.append([f["message"] for f in scan().report["findings"]])
    assert messages[0] == messages[1] == [
        "subscription S, to its email endpoint, has no dead-letter queue: a message SNS cannot deliver is discarded "
        "after its retries, with nothing kept to inspect or redrive"
    ]
