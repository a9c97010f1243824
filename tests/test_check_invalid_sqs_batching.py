"""CW308 beyond its fixtures: one finding per fault with its exact message, SAM events, and the skips."""

from __future__ import annotations

from conftest import scan_json


def scan(*args: str):
    run = scan_json(".", "--select", "CW308", "--fail-on", "never", *args)
    assert run.code == 0, run.err
    return run


def unresolved(run) -> dict[tuple[str, int], list[str]]:
    found: dict[tuple[str, int], list[str]] = {}
    for u in run.report["unresolved"]:
        assert u["check_id"] == "CW308"
        found.setdefault((u["resource"], u["line"]), []).append(u["reason"])
    return found


FUNCTION = """\
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: "def handler(event, context): pass"}
      Role: arn:aws:iam::123456789012:role/worker
"""


def test_every_fault_of_a_mapping_is_a_finding_of_its_own_saying_which_rule_and_the_values(write):
    write(
        "t.yaml",
        """Resources:
  Payments:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Payments.Arn
      FunctionName: !Ref Worker
      BatchSize: 20
      MaximumBatchingWindowInSeconds: 5
      ScalingConfig: {MaximumConcurrency: 1001}
"""
        + FUNCTION,
    )
    run = scan()
    wire = "mapping Mapping from FIFO queue Payments to function Worker"
    outcome = "Lambda rejects the mapping and the deployment fails"
    assert sorted((f["resource"], f["line"], f["message"]) for f in run.report["findings"]) == [
        ("Mapping", 5, f"{wire}: batch size 20 is above 10, the most a FIFO queue allows: {outcome}"),
        ("Mapping", 5, f"{wire}: batching window 5 s is set, and FIFO queues take none: {outcome}"),
        ("Mapping", 5, f"{wire}: maximum concurrency 1001 is outside 2–1000: {outcome}"),
    ]
    assert len({f["fingerprint"] for f in run.report["findings"]}) == 3  # each fault can be baselined on its own
    assert unresolved(run) == {}


def test_a_sam_sqs_event_is_judged_and_reported_on_its_function(write):
    write(
        "t.yaml",
        """Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 10
Resources:
  Clicks:
    Type: AWS::SQS::Queue
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Bulk:
          Type: SQS
          Properties:
            Queue: !GetAtt Clicks.Arn
            BatchSize: 500
""",
    )
    run = scan()
    assert run.findings() == {("CW308", "Consumer", 15)}
    (finding,) = run.report["findings"]
    assert finding["resource_type"] == "AWS::Serverless::Function"
    assert finding["message"] == (
        "mapping of SAM function Consumer from standard queue Clicks to function Consumer: batch size 500 is above "
        "10, which needs a batching window of at least 1 s, and the window is 0 s (AWS default): Lambda rejects the "
        "mapping and the deployment fails"
    )


def test_unknown_values_are_skipped_unless_no_queue_type_could_make_the_batching_wrong(write):
    write(
        "t.yaml",
        """Parameters:
  Ordered: {Type: String}
  Batch: {Type: Number}
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: !Ref Ordered}
  Clicks:
    Type: AWS::SQS::Queue
  Plain:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Orders.Arn, FunctionName: !Ref Worker, BatchSize: 10}
  Bulk:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Orders.Arn, FunctionName: !Ref Worker, BatchSize: 20}
  Sized:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Clicks.Arn, FunctionName: !Ref Worker, BatchSize: !Ref Batch}
  Shared:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !ImportValue shared-queue-arn, FunctionName: !Ref Worker, BatchSize: 20}
"""
        + FUNCTION,
    )
    run = scan()
    assert run.findings() == set()
    reasons = unresolved(run)
    assert set(reasons) == {("Bulk", 13), ("Sized", 16), ("Shared", 19)}
    assert [r.split(": ")[0] for r in reasons[("Bulk", 13)]] == ["whether queue Orders is FIFO is unresolved"]
    assert [r.split(": ")[0] for r in reasons[("Sized", 16)]] == ["batch size of mapping Sized is unresolved"]
    assert [r.split(": ")[0] for r in reasons[("Shared", 19)]] == ["queue of mapping Shared is unresolved"]


def test_terraform_window_from_a_variable_without_value_is_skipped_and_with_one_judged(write):
    write(
        "main.tf",
        """variable "window" {}

resource "aws_sqs_queue" "clicks" {}

resource "aws_lambda_event_source_mapping" "clicks" {
  event_source_arn                   = aws_sqs_queue.clicks.arn
  function_name                      = "arn:aws:lambda:eu-west-1:123456789012:function:worker"
  batch_size                         = 100
  maximum_batching_window_in_seconds = var.window
}
""",
    )
    run = scan()
    assert run.findings() == set()
    ((reason,),) = unresolved(run).values()
    assert reason.startswith("batching window of mapping aws_lambda_event_source_mapping.clicks is unresolved: ")
    run = scan("--var", "window=0")
    assert run.findings() == {("CW308", "aws_lambda_event_source_mapping.clicks", 5)}
    assert "the window is 0 s (variable window" in run.report["findings"][0]["message"]
    assert scan("--var", "window=1").findings() == set()


def test_a_baseline_that_accepts_one_fault_of_a_mapping_does_not_hide_a_new_one(write):
    from conftest import run_cli

    template = (
        """Resources:
  Payments:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true}
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Payments.Arn
      FunctionName: !Ref Worker
      BatchSize: 20
"""
        + "WINDOW"
        + FUNCTION
    )
    write("t.yaml", template.replace("WINDOW", ""))
    assert run_cli("scan", "--select", "CW308", ".", "--write-baseline", "b.json").code == 0
    write("t.yaml", template.replace("WINDOW", "      MaximumBatchingWindowInSeconds: 5\n"))
    run = scan("--baseline", "b.json")
    assert [f["message"].split(": ")[1] for f in run.report["findings"]] == [
        "batching window 5 s is set, and FIFO queues take none"
    ]
    assert run.report["summary"]["baselined"] == 1
