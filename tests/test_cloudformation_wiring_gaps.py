"""Review findings on the CloudFormation loader: intrinsics on nested property blocks, resources under a
condition nobody can decide, and where reports point for the other ends of a wire."""

from __future__ import annotations

from conftest import scan_json


def related(run, check_id: str) -> list[tuple[str, int]]:
    (finding,) = [f for f in run.report["findings"] if f["check_id"] == check_id]
    return [(r["resource"], r["line"]) for r in finding["related"]]


def test_a_related_bucket_is_reported_on_the_bucket_not_its_notification_item(write):
    write(
        "t.yaml",
        """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: "s3:ObjectCreated:*"
            Queue: !GetAtt Q.Arn
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - {Protocol: sqs, Endpoint: !GetAtt Q.Arn}
  Q: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: alias/aws/sqs}}
""",
    )
    run = scan_json(".")
    assert run.findings() == {("CW102", "Q", 14)}
    assert sorted(related(run, "CW102")) == [("Bucket", 2), ("Topic", 9)]
