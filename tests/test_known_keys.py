"""A fact the input states is not unresolved: a queue whose key is an alias outside `alias/aws/` is on a customer
managed key even when that alias is not among the scanned files, so CW102 (the AWS managed key) is decided, not
skipped (issue 12, item 6). What needs the key's policy still skips."""

from __future__ import annotations

import pytest

from conftest import scan_json

TEMPLATE = """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: {key}
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: sqs
      Endpoint: !GetAtt Orders.Arn
"""

MODULE = """\
resource "aws_sns_topic" "alerts" {{}}
resource "aws_sqs_queue" "orders" {{
  kms_master_key_id = "{key}"
}}
resource "aws_sns_topic_subscription" "subscription" {{
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.orders.arn
}}
"""


@pytest.mark.parametrize("key", ["alias/orders", "arn:aws:kms:us-east-1:123456789012:alias/orders"])
@pytest.mark.parametrize(("name", "text"), [("t.yaml", TEMPLATE), ("main.tf", MODULE)])
def test_an_alias_outside_aws_names_a_customer_managed_key(write, name, text, key):
    write(name, text.format(key=key))
    run = scan_json("--select", "CW102", ".")
    assert run.code == 0, run.err
    assert run.report["findings"] == [] and run.report["unresolved"] == []


@pytest.mark.parametrize(("name", "text"), [("t.yaml", TEMPLATE), ("main.tf", MODULE)])
def test_the_aws_managed_alias_written_as_an_arn_is_still_the_aws_managed_key(write, name, text):
    write(name, text.format(key="arn:aws:kms:us-east-1:123456789012:alias/aws/sqs"))
    run = scan_json("--select", "CW102", ".")
    assert [f["check_id"] for f in run.report["findings"]] == ["CW102"]
