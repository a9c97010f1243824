"""Event source mappings that read Kinesis, DynamoDB streams, MSK, MQ or DocumentDB are not SQS consumers: they are
not in the graph, so they are neither judged nor listed as consumers whose queue is unresolved (issue 12: 78 of 116
skip lines on public templates). A mapping whose source may still be a queue keeps being a skip."""

from __future__ import annotations

from conftest import scan_json

TEMPLATE = """\
Parameters:
  SourceArn:
    Type: String
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(event, context): pass"}
  FromStream:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Stream.Arn
      FunctionName: !Ref Worker
      StartingPosition: LATEST
  FromTable:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Table.StreamArn
      FunctionName: !Ref Worker
  FromLiteralStream:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: arn:aws:kinesis:us-east-1:123456789012:stream/clicks
      FunctionName: !Ref Worker
  FromKafka:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !Ref SourceArn
      FunctionName: !Ref Worker
      Topics: [orders]
  FromUnknown:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !Ref SourceArn
      FunctionName: !Ref Worker
"""

MODULE = """\
variable "source_arn" {
  type = string
}
resource "aws_kinesis_stream" "stream" {
  name        = "clicks"
  shard_count = 1
}
resource "aws_dynamodb_table" "table" {
  name             = "orders"
  hash_key         = "id"
  billing_mode     = "PAY_PER_REQUEST"
  stream_enabled   = true
  stream_view_type = "NEW_IMAGE"
  attribute {
    name = "id"
    type = "S"
  }
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "worker.zip"
}
resource "aws_lambda_event_source_mapping" "from_stream" {
  event_source_arn  = aws_kinesis_stream.stream.arn
  function_name     = aws_lambda_function.worker.arn
  starting_position = "LATEST"
}
resource "aws_lambda_event_source_mapping" "from_table" {
  event_source_arn  = aws_dynamodb_table.table.stream_arn # computed: only known after apply
  function_name     = aws_lambda_function.worker.arn
  starting_position = "TRIM_HORIZON"                      # which Lambda requires of every stream
}
resource "aws_lambda_event_source_mapping" "from_literal_stream" {
  event_source_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
  function_name    = aws_lambda_function.worker.arn
}
resource "aws_lambda_event_source_mapping" "from_kafka" {
  event_source_arn = var.source_arn
  function_name    = aws_lambda_function.worker.arn
  topics           = ["orders"]
}
resource "aws_lambda_event_source_mapping" "from_unknown" {
  event_source_arn = var.source_arn
  function_name    = aws_lambda_function.worker.arn
}
"""


def skipped(run) -> list[tuple[str, str, str]]:
    return sorted((u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"])


def test_cloudformation_mappings_of_streams_and_brokers_are_no_queue_consumers(write):
    write("t.yaml", TEMPLATE)
    run = scan_json("--select", "CW301", ".")
    assert run.code == 0, run.err
    assert skipped(run) == [
        (
            "CW301",
            "FromUnknown",
            "queue of mapping FromUnknown is unresolved: parameter SourceArn has no default and no --param value",
        )
    ]


def test_terraform_mappings_of_streams_and_brokers_are_no_queue_consumers(write):
    write("main.tf", MODULE)
    run = scan_json("--select", "CW301", ".")
    assert run.code == 0, run.err
    assert skipped(run) == [
        (
            "CW301",
            "aws_lambda_event_source_mapping.from_unknown",
            "queue of mapping aws_lambda_event_source_mapping.from_unknown is unresolved: "
            "variable source_arn has no default and no value is given",
        )
    ]


def test_a_stream_mapping_inside_a_module_is_no_queue_consumer(write):
    """Inside a module, references carry the module's prefix (`module.feed.aws_kinesis_stream.stream`): the resource
    type is still read from the reference, so the mapping is left out as it is in a root module."""
    write("main.tf", 'module "feed" {\n  source = "./feed"\n}\n')
    module = MODULE.split('resource "aws_lambda_event_source_mapping" "from_stream"')[0]
    # no starting_position: only the reference's resource type says this is a stream's mapping
    module += 'resource "aws_lambda_event_source_mapping" "from_stream" {\n'
    module += "  event_source_arn = aws_kinesis_stream.stream.arn\n  function_name    = aws_lambda_function.worker.arn\n}\n"
    write("feed/main.tf", module)
    run = scan_json("--select", "CW301", ".")
    assert run.code == 0, run.err
    assert run.report["unresolved"] == []
