"""CW106 beyond its fixtures: the exact messages (no statement, a Deny, AWS's default key policy, one key shutting
out several publishers), and the skips where the evaluator cannot decide."""

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
      AlarmActions: [!Ref Alerts]
"""
RULE = """\
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: audit
          Arn: !Ref Audit
"""


def scan(write, text: str):
    write("t.yaml", text)
    return scan_json("--select", "CW106", ".", "--fail-on", "never")


def test_a_deny_statement_is_quoted_where_it_is_written(write):
    run = scan(
        write,
        """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { Service: cloudwatch.amazonaws.com }
            Action: [kms:GenerateDataKey*, kms:Decrypt]
            Resource: "*"
          - Effect: Deny
            Principal: "*"
            Action: kms:Decrypt
            Resource: "*"
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
"""
        + ALARM,
    )
    assert run.findings() == {("CW106", "Key", 2)}
    (finding,) = run.report["findings"]
    where = run.report["findings"][0]["file"]
    assert finding["message"] == (
        f"SNS topic Alerts is published to by CloudWatch alarm Backlog, but a Deny statement of key Key's policy "
        f"({where}:11) stops cloudwatch.amazonaws.com calling kms:Decrypt: every publish fails with KMS access denied "
        f"and the notifications are lost"
    )
    assert sorted(r["resource"] for r in finding["related"]) == ["Alerts", "Backlog"]


def test_a_key_without_a_policy_has_the_default_one_which_grants_no_service(write):
    run = scan(
        write,
        """\
Resources:
  Key:
    Type: AWS::KMS::Key
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
"""
        + ALARM,
    )
    assert run.findings() == {("CW106", "Key", 2)}
    assert run.report["findings"][0]["message"] == (
        "SNS topic Alerts is published to by CloudWatch alarm Backlog, but no statement of key Key's default key "
        "policy (t.yaml:2) lets cloudwatch.amazonaws.com call kms:GenerateDataKey or kms:Decrypt: every publish "
        "fails with KMS access denied and the notifications are lost"
    )


def test_one_finding_per_key_names_every_publisher_it_shuts_out(write):
    """One key for a topic of two alarms and an EventBridge topic: one finding on the key, every wire in its message
    (the alarms together); the AWS managed key on a third fed topic is CW105's, not this check's."""
    run = scan(
        write,
        """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
            Action: kms:*
            Resource: "*"
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
  Audit:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !GetAtt Key.Arn
  Managed:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: alias/aws/sns
  ManagedRule:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - Id: managed
          Arn: !Ref Managed
"""
        + ALARM
        + ALARM.replace("Backlog", "Errors").replace("backlog", "errors")
        + RULE,
    )
    assert run.findings() == {("CW106", "Key", 2)}
    (finding,) = run.report["findings"]
    assert finding["message"] == (
        "SNS topic Alerts is published to by CloudWatch alarm Backlog, CloudWatch alarm Errors, but no statement of key Key's policy "
        "(t.yaml:2) lets cloudwatch.amazonaws.com call kms:GenerateDataKey or kms:Decrypt; SNS topic Audit is "
        "published to by EventBridge rule Nightly, but no statement of key Key's policy (t.yaml:2) lets "
        "events.amazonaws.com call kms:GenerateDataKey or kms:Decrypt (EventBridge calls KMS without "
        "aws:SourceArn or aws:SourceAccount): every publish fails with KMS access denied and the notifications "
        "are lost"
    )
    assert sorted(r["resource"] for r in finding["related"]) == ["Alerts", "Audit", "Backlog", "Errors", "Nightly"]


def test_an_undecidable_grant_is_a_skip_with_the_evaluators_reason(write):
    run = scan(
        write,
        """\
Parameters:
  Publisher:
    Type: String
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { Service: !Ref Publisher }
            Action: [kms:GenerateDataKey*, kms:Decrypt]
            Resource: "*"
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref Key
"""
        + ALARM,
    )
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "CW106",
            "Key",
            5,
            "CloudWatch alarm Backlog publishing to SNS topic Alerts: a statement may allow kms:GenerateDataKey on "
            "Key: Principal Service is unresolved: parameter Publisher has no default and no --param value",
        )
    ]


def test_a_key_that_cannot_be_followed_is_a_skip_on_the_topic(write):
    run = scan(
        write,
        """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !ImportValue shared-alerts-key
"""
        + ALARM,
    )
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        ("CW106", "Alerts", 2, "KMS key of SNS topic Alerts is unresolved: Fn::ImportValue is only known at deploy time")
    ]
