"""CW205 beyond its fixtures: the message, which source each service needs, SAM's permissions, and skips."""

from __future__ import annotations

from conftest import scan_json

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Who:
    Type: String
Resources:
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::111122223333:role/worker
      Code:
        ZipFile: "def handler(event, context): pass"
  Invoke:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Worker
      Action: lambda:InvokeFunction
      Principal: {principal}
{source}
"""


def scan(write, principal, source=""):
    write("t.yaml", TEMPLATE.format(principal=principal, source=source))
    return scan_json(".", "--select", "CW205", "--fail-on", "never")


def test_message_names_the_permission_the_service_the_function_and_what_is_missing(write):
    run = scan(write, "events.amazonaws.com")
    assert run.findings() == {("CW205", "Invoke", 14)}
    finding = run.report["findings"][0]
    assert finding["message"] == (
        "permission Invoke lets events.amazonaws.com invoke function Worker without SourceArn: the service may "
        "invoke it for any resource, in any account, that names it (confused deputy)"
    )
    assert [r["resource"] for r in finding["related"]] == ["Worker"]


def test_s3_and_ses_need_the_source_account_and_it_is_enough(write):
    arn = "      SourceArn: arn:aws:ses:eu-west-1:111122223333:receipt-rule-set/main:receipt-rule/worker"
    account = "      SourceAccount: '111122223333'"
    assert scan(write, "ses.amazonaws.com", arn).findings() == {("CW205", "Invoke", 14)}
    assert scan(write, "ses.amazonaws.com", account).findings() == set()
    assert scan(write, "s3.amazonaws.com", account).findings() == set()


def test_other_services_need_the_source_arn_the_account_is_not_enough(write):
    account = "      SourceAccount: '111122223333'"
    assert scan(write, "sns.amazonaws.com", account).findings() == {("CW205", "Invoke", 14)}


def test_a_source_written_from_an_unresolved_parameter_is_there_all_the_same(write):
    run = scan(write, "sns.amazonaws.com", "      SourceArn: !Ref Who")
    assert run.findings() == set()
    assert run.report["unresolved"] == []


def test_an_unresolved_principal_is_skipped_with_the_reason(write):
    run = scan(write, "!Ref Who")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [("CW205", "Invoke", 14)]
    assert run.report["unresolved"][0]["reason"].startswith("the principal of permission Invoke is unresolved: ")


def test_the_permission_sam_writes_for_an_sns_event_names_its_topic(write):
    write(
        "t.yaml",
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): pass"
      Events:
        Orders:
          Type: SNS
          Properties:
            Topic: !Ref Events
""",
    )
    run = scan_json(".", "--select", "CW205", "--fail-on", "never")
    assert run.findings() == set()
    assert run.report["unresolved"] == []


def test_a_source_account_without_source_arn_narrows_the_consequence_to_that_account(write):
    # the finding stands (SPEC §4: SourceAccount suffices only for S3 and SES), but its consequence must not claim
    # "any account" (aws-samples/serverless-patterns strands-agentcore-lambda: bedrock with SourceAccount)
    run = scan(write, "bedrock.amazonaws.com", '      SourceAccount: !Ref "AWS::AccountId"')
    assert run.findings() == {("CW205", "Invoke", 14)}
    assert run.report["findings"][0]["message"] == (
        "permission Invoke lets bedrock.amazonaws.com invoke function Worker without SourceArn: the service may "
        "invoke it for any resource of the account in its SourceAccount that names it (confused deputy)"
    )
