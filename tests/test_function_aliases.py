"""A mapping, subscription or permission that names a Lambda alias or version names its function: the function's
timeout and role apply (issue 12, item 3). SAM's AutoPublishAlias, AWS::Lambda::Alias / Version, aws_lambda_alias
and qualified names ("worker:live") all lead to the function."""

from __future__ import annotations

from conftest import scan_json

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    AutoPublishAlias: live
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: worker
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): pass"
      Timeout: 60
  Current:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Worker
  Stable:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Worker
      FunctionVersion: !GetAtt Current.Version
      Name: stable
  ViaSamAlias:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref WorkerAliaslive
  ViaSamAliasAttribute:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker.Alias
  ViaAlias:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Stable
  ViaQualifiedName:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: worker:stable
"""

MODULE = """\
resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = 30
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"
  timeout       = 60
  publish       = true
}
resource "aws_lambda_alias" "stable" {
  name             = "stable"
  function_name    = aws_lambda_function.worker.function_name
  function_version = aws_lambda_function.worker.version
}
resource "aws_lambda_event_source_mapping" "via_alias" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_alias.stable.arn
}
resource "aws_lambda_event_source_mapping" "via_qualified_name" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = "worker:stable"
}
resource "aws_lambda_event_source_mapping" "via_qualified_arn" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.qualified_arn
}
"""


def test_cloudformation_aliases_and_versions_lead_to_the_function(write):
    write("t.yaml", TEMPLATE)
    run = scan_json("--select", "CW301", ".")
    assert run.report["errors"] == [] and run.report["unresolved"] == []
    assert run.findings() == {("CW301", "Jobs", 6)}
    (finding,) = run.report["findings"]
    assert "function Worker" in finding["message"] and "60 s" in finding["message"]


def test_terraform_aliases_and_qualified_names_lead_to_the_function(write):
    write("main.tf", MODULE)
    run = scan_json("--select", "CW301", ".")
    assert run.report["errors"] == [] and run.report["unresolved"] == []
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 1)}
