"""CW206 beyond its fixtures: the exact message, and the subscriptions it cannot judge (listed under `unresolved`
with the reason): an endpoint, a permission's SourceArn or a permission's function that cannot be followed."""

from __future__ import annotations

from conftest import scan_json

SUBSCRIBED = """\
Parameters:
  Endpoint:
    Type: String
  Source:
    Type: String
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Alerts
      Protocol: lambda
      Endpoint: ENDPOINT
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/worker
      Runtime: python3.12
      Handler: index.handler
      Code: { ZipFile: "def handler(event, context): pass" }
PERMISSION"""

PERMISSION = """\
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: FUNCTION
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
      SourceArn: SOURCE
"""


def subscribed(endpoint: str = "!GetAtt Worker.Arn", function: str = "", source: str = "!Ref Alerts") -> str:
    permission = PERMISSION.replace("FUNCTION", function).replace("SOURCE", source) if function else ""
    return SUBSCRIBED.replace("ENDPOINT", endpoint).replace("PERMISSION", permission)


def test_a_subscription_without_a_permission_is_reported_on_the_function(write):
    write("t.yaml", subscribed())
    run = scan_json("--select", "CW206", ".")
    assert run.findings() == {("CW206", "Worker", 15)}
    (finding,) = run.report["findings"]
    assert finding["message"] == (
        "SNS topic Alerts subscribes function Worker, but no permission lets sns.amazonaws.com invoke it: SNS's "
        "deliveries are refused and, once its retries are spent, the messages are dropped"
    )
    assert [r["resource"] for r in finding["related"]] == ["Alerts"]
    write("t.yaml", subscribed(function="!Ref Worker"))
    assert scan_json("--select", "CW206", ".").findings() == set()


def test_what_cannot_be_followed_is_a_skip_not_a_finding(write):
    cases = (
        (
            subscribed(endpoint="!Ref Endpoint"),
            "Subscription",
            "endpoint of subscription Subscription is unresolved: parameter Endpoint has no default and no --param "
            "value",
        ),
        (
            subscribed(function="!Ref Worker", source="!Ref Source"),
            "Worker",
            "whether sns.amazonaws.com may invoke function Worker for SNS topic Alerts is unknown: a statement may "
            "allow lambda:InvokeFunction on Worker: its condition ArnLike on aws:SourceArn cannot be decided "
            "(t.yaml:22)",
        ),
        (
            subscribed(function="!ImportValue worker-function"),
            "Worker",
            "permission Permission may let sns.amazonaws.com invoke function Worker, but its function is unresolved: "
            "Fn::ImportValue is only known at deploy time",
        ),
    )
    for text, resource, reason in cases:
        write("t.yaml", text)
        run = scan_json("--select", "CW206", ".")
        assert run.findings() == set(), reason
        assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [(resource, reason)]
