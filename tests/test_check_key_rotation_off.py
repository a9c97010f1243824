"""CW108 beyond its fixtures: one finding per key whatever uses it, values through parameters, unresolved keys."""

from __future__ import annotations

from conftest import scan_json


def scan() -> tuple[set[tuple[str, str, int]], dict]:
    run = scan_json(".", "--select", "CW108", "--fail-on", "never")
    assert run.code == 0, run.err
    return run.findings(), run.report


def test_one_key_of_a_queue_and_a_topic_is_one_finding_naming_both(write):
    write(
        "template.yaml",
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n"
        "  Orders:\n    Type: AWS::SQS::Queue\n    Properties:\n      KmsMasterKeyId: !GetAtt Key.Arn\n"
        "  Alerts:\n    Type: AWS::SNS::Topic\n    Properties:\n      KmsMasterKeyId: !Ref Key\n",
    )
    findings, report = scan()
    assert findings == {("CW108", "Key", 2)}
    assert report["findings"][0]["message"] == (
        "key Key encrypts SNS topic Alerts, queue Orders with automatic rotation off (AWS default): its key "
        "material is never rotated"
    )
    assert sorted(r["resource"] for r in report["findings"][0]["related"]) == ["Alerts", "Orders"]


def test_rotation_off_through_a_parameter_says_so(write):
    write(
        "template.yaml",
        "Parameters:\n  Rotate:\n    Type: String\n    AllowedValues: ['true', 'false']\n    Default: 'false'\n"
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: !Ref Rotate\n"
        "  Orders:\n    Type: AWS::SQS::Queue\n    Properties:\n      KmsMasterKeyId: !Ref Key\n",
    )
    findings, report = scan()
    assert findings == {("CW108", "Key", 7)}
    assert report["findings"][0]["message"] == (
        "key Key encrypts queue Orders with automatic rotation off (parameter Rotate default): its key material is "
        "never rotated"
    )


def test_rotation_through_a_parameter_without_default_is_skipped(write):
    write(
        "template.yaml",
        "Parameters:\n  Rotate:\n    Type: String\n"
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: !Ref Rotate\n"
        "  Orders:\n    Type: AWS::SQS::Queue\n    Properties:\n      KmsMasterKeyId: !Ref Key\n",
    )
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in report["unresolved"]] == [("CW108", "Key", 5)]
    assert report["unresolved"][0]["reason"].startswith("key rotation of key Key is unresolved: ")


def test_a_key_outside_the_scan_is_skipped_on_its_queue(write):
    write(
        "main.tf",
        'resource "aws_sqs_queue" "orders" {\n  name = "orders"\n'
        '  kms_master_key_id = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"\n}\n',
    )
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in report["unresolved"]] == [
        ("CW108", "aws_sqs_queue.orders", 1)
    ]
    assert report["unresolved"][0]["reason"].startswith("KMS key of queue aws_sqs_queue.orders is unresolved: ")
