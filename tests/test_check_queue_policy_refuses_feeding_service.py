"""CW201 beyond its fixtures: the exact messages, one finding per refused source, and the skips where the queue's
policies or its feed cannot be known."""

from __future__ import annotations

from conftest import scan_json

TOPICS = """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Audit:
    Type: AWS::SNS::Topic
"""

SUBSCRIBED = """\
  Orders:
    Type: AWS::SQS::Queue
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: sqs
      Endpoint: !GetAtt Orders.Arn
"""


def scan() -> tuple[list[tuple[str, str, int, str]], list[tuple[str, int, str]]]:
    run = scan_json(".", "--select", "CW201", "--fail-on", "never")
    assert run.code == 0, run.err
    assert run.report["errors"] == []
    findings = [(f["check_id"], f["resource"], f["line"], f["message"]) for f in run.report["findings"]]
    unresolved = [(u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]]
    return findings, unresolved


def test_a_deny_names_the_statement_that_refuses(write):
    write(
        "t.yaml",
        TOPICS
        + SUBSCRIBED
        + """\
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Orders.Arn
          - Effect: Deny
            Principal: "*"
            Action: sqs:SendMessage
            Resource: !GetAtt Orders.Arn
            Condition:
              ArnNotEquals: { aws:SourceArn: !Ref Audit }
""",
    )
    assert scan() == (
        [
            (
                "CW201",
                "Orders",
                6,
                "queue Orders is fed by SNS topic Alerts, but sns.amazonaws.com may not call sqs:SendMessage on it: "
                "a statement of its policy (t.yaml:24) denies it, so SNS delivery fails silently and the messages "
                "are lost",
            )
        ],
        [],
    )


def test_a_queue_fed_by_two_refused_topics_has_one_finding_per_topic(write):
    write(
        "t.yaml",
        TOPICS
        + SUBSCRIBED
        + """\
  AuditSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Audit
      Protocol: sqs
      Endpoint: !GetAtt Orders.Arn
  AgainSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Audit
      Protocol: sqs
      Endpoint: !GetAtt Orders.Arn
      FilterPolicy: { kind: [again] }
""",
    )
    findings, unresolved = scan()
    message = (
        "queue Orders is fed by SNS topic {}, but sns.amazonaws.com may not call sqs:SendMessage on it: the queue "
        "has no queue policy, so SNS delivery fails silently and the messages are lost"
    )
    # two subscriptions of one topic are one source: the finding is about what the topic may do
    assert sorted(findings) == [
        ("CW201", "Orders", 6, message.format("Alerts")),
        ("CW201", "Orders", 6, message.format("Audit")),
    ]
    assert unresolved == []


def test_an_eventbridge_dead_letter_queue_left_out_of_the_policy_it_shares(write):
    """One policy for the target and its dead-letter queue, whose statement names only the target's ARN."""
    write(
        "t.yaml",
        """\
Resources:
  Target:
    Type: AWS::SQS::Queue
  TargetDlq:
    Type: AWS::SQS::Queue
  Policy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Target, !Ref TargetDlq]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: events.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Target.Arn
            Condition: { ArnEquals: { aws:SourceArn: !GetAtt Nightly.Arn } }
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: target
          Arn: !GetAtt Target.Arn
          DeadLetterConfig: { Arn: !GetAtt TargetDlq.Arn }
""",
    )
    assert scan() == (
        [
            (
                "CW201",
                "TargetDlq",
                4,
                "queue TargetDlq is the dead-letter queue of EventBridge rule Nightly, but events.amazonaws.com may "
                "not call sqs:SendMessage on it: no statement of its policy (t.yaml:10) allows it, so EventBridge "
                "cannot move the events it failed to deliver into it, and they are lost",
            )
        ],
        [],
    )


def test_terraform_names_the_inline_policy_and_the_notification(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "uploads" {
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "*"
    }]
  })
}
resource "aws_s3_bucket" "uploads" {}
resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  queue {
    events    = ["s3:ObjectCreated:*"]
    queue_arn = aws_sqs_queue.uploads.arn
  }
}
""",
    )
    assert scan() == (
        [
            (
                "CW201",
                "aws_sqs_queue.uploads",
                1,
                "queue aws_sqs_queue.uploads is fed by S3 bucket notification aws_s3_bucket_notification.uploads, "
                "but s3.amazonaws.com may not call sqs:SendMessage on it: no statement of its policy (main.tf:2) "
                "allows it, so S3 cannot publish its event notifications into it (setting them up fails with "
                '"Unable to validate the following destination configurations")',
            )
        ],
        [],
    )


def test_a_condition_the_evaluator_cannot_decide_is_a_skip_with_its_reason(write):
    write(
        "t.yaml",
        TOPICS
        + SUBSCRIBED
        + """\
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: sqs:SendMessage
            Resource: !GetAtt Orders.Arn
            Condition: { ArnEquals: { aws:SourceArn: !ImportValue alerts-topic-arn } }
""",
    )
    findings, unresolved = scan()
    assert findings == []
    assert unresolved == [
        (
            "Orders",
            6,
            "queue Orders is fed by SNS topic Alerts, and whether its policy lets sns.amazonaws.com call "
            "sqs:SendMessage is unknown: a statement may allow sqs:SendMessage on Orders: its condition ArnEquals on "
            "aws:SourceArn cannot be decided",
        )
    ]


def test_an_unresolved_policy_document_is_a_skip(write):
    write(
        "t.yaml",
        TOPICS
        + SUBSCRIBED
        + """\
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument: !ImportValue orders-policy
""",
    )
    findings, unresolved = scan()
    assert findings == []
    assert [(resource, line) for resource, line, _ in unresolved] == [("Orders", 6)]
    assert unresolved[0][2].endswith("the policy OrdersPolicy is unresolved: Fn::ImportValue is only known at deploy time")


def test_a_subscription_whose_topic_is_unresolved_is_a_skip(write):
    """Whether the queue policy allows SNS depends on the topic (aws:SourceArn): without it, no verdict."""
    write(
        "t.yaml",
        """\
Resources:
  Orders:
    Type: AWS::SQS::Queue
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
        [("Orders", 2, "topic of subscription Subscription is unresolved: Fn::ImportValue is only known at deploy time")],
    )


def test_a_queue_policy_whose_queue_is_unresolved_may_be_the_one_that_allows(write):
    """A policy attached to a queue the scan cannot follow may govern this queue: a missing Allow is then no verdict,
    while a Deny that applies still is one."""
    write(
        "main.tf",
        """\
variable "queue_url" {}
resource "aws_sns_topic" "alerts" {}
resource "aws_sqs_queue" "orders" {}
resource "aws_sns_topic_subscription" "orders" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders.arn
}
resource "aws_sqs_queue" "denied" {
  policy = jsonencode({
    Statement = [{ Effect = "Deny", Principal = "*", Action = "sqs:*", Resource = "*" }]
  })
}
resource "aws_sns_topic_subscription" "denied" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.denied.arn
}
resource "aws_sqs_queue_policy" "shared" {
  queue_url = var.queue_url
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*" }]
  })
}
""",
    )
    findings, unresolved = scan()
    assert [(check, resource, line) for check, resource, line, _ in findings] == [
        ("CW201", "aws_sqs_queue.denied", 9)
    ]
    assert unresolved == [
        (
            "aws_sqs_queue.orders",
            3,
            "the queues of policy aws_sqs_queue_policy.shared are unresolved (variable queue_url has no default and no value is given); it "
            "may let sns.amazonaws.com send to queue aws_sqs_queue.orders",
        )
    ]


def test_sams_sqs_subscription_writes_the_policy_for_a_queue_it_creates_and_for_an_existing_one(write):
    write(
        "t.yaml",
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Inbox:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Created:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            SqsSubscription: true
        Existing:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            SqsSubscription:
              QueueArn: !GetAtt Inbox.Arn
              QueueUrl: !Ref Inbox
""",
    )
    assert scan() == ([], [])


RULE_WITH_ROLE = """\
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Sender:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
      Policies:
        - PolicyName: send
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: ACTION, Resource: !GetAtt Jobs.Arn }
  Rule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: { source: [my.app] }
      Targets:
        - Id: jobs
          Arn: !GetAtt Jobs.Arn
          RoleArn: !GetAtt Sender.Arn
"""


def test_an_eventbridge_target_with_a_role_delivers_with_that_role_not_the_queue_policy(write):
    # EventBridge User Guide, "Using resource-based policies": for SQS targets EventBridge uses the target's
    # execution role when it has one (RoleArn), the queue policy only when it has none
    # (aws-samples/serverless-patterns eventbridge-pipes-dynamic-message-group-id/template.yaml)
    write("t.yaml", RULE_WITH_ROLE.replace("ACTION", "sqs:SendMessage"))
    assert scan() == ([], [])
    write("t.yaml", RULE_WITH_ROLE.replace("ACTION", "sqs:ReceiveMessage"))
    findings, unresolved = scan()
    assert unresolved == []
    assert findings == [
        (
            "CW201",
            "Jobs",
            2,
            "queue Jobs is fed by EventBridge rule Rule, but its target's role Sender (RoleArn) may not call "
            "sqs:SendMessage on it: no statement of the role's policies, or of a queue policy naming the role, "
            "allows it, so EventBridge fails to deliver the events (FailedInvocations) and drops them",
        )
    ]


def test_a_delivery_that_certainly_happens_is_judged_before_one_that_may_not(write):
    """Two subscriptions of one topic feed the queue, one behind a count on a variable without a value: the topic is
    judged once, on the subscription that exists for sure, whichever file is read first (found by hypothesis)."""
    write(
        "a.tf",
        """\
variable "env" {}

resource "aws_sns_topic_subscription" "maybe" {
  count     = var.env == "prod" ? 1 : 0
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:jobs"
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.jobs.arn
}
""",
    )
    write(
        "b.tf",
        """\
resource "aws_sqs_queue" "jobs" {
}

resource "aws_sns_topic" "jobs" {
  name = "jobs"
}

resource "aws_sns_topic_subscription" "always" {
  topic_arn = "arn:aws:sns:eu-west-1:123456789012:jobs"
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.jobs.arn
}
""",
    )
    run = scan_json(".", "--select", "CW201")
    assert run.findings() == {("CW201", "aws_sqs_queue.jobs", 1)}
    assert run.report["unresolved"] == []
