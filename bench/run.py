"""Benchmark: crosswire against cfn-lint and Checkov on the same generated inputs, in one run, with ratios.

Usage: python bench/run.py [--templates N] [--modules N] [--checkov PATH] [--repeat K]
Timings are wall-clock medians of K runs of each tool as a subprocess (start-up included, as users pay it).
Never imported by the test suite: timings belong here, not in assertions.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: {timeout}
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  Dlq:
    Type: AWS::SQS::Queue
    Properties:
      MessageRetentionPeriod: 1209600
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {visibility}
      KmsMasterKeyId: !Ref Key
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt Dlq.Arn
        maxReceiveCount: 5
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{ Service: sns.amazonaws.com }}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
            Condition: {{ ArnEquals: {{ aws:SourceArn: !Ref Topic }} }}
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Queue.Arn
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            BatchSize: 10
"""

MODULE = """\
resource "aws_sqs_queue" "dlq" {{
  name                      = "dlq-{index}"
  message_retention_seconds = 1209600
}}

resource "aws_sqs_queue" "jobs" {{
  name                       = "jobs-{index}"
  visibility_timeout_seconds = {visibility}
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  }})
}}

resource "aws_lambda_function" "worker" {{
  function_name = "worker-{index}"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  timeout       = {timeout}
}}

resource "aws_lambda_event_source_mapping" "jobs" {{
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}}
"""


def generate(root: Path, templates: int, modules: int) -> tuple[list[Path], list[Path]]:
    cfn, tf = [], []
    for index in range(templates):
        path = root / "cfn" / f"stack{index:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE.format(timeout=30 + index % 5, visibility=60 if index % 3 else 400))
        cfn.append(path)
    for index in range(modules):
        path = root / "tf" / f"module{index:04d}" / "main.tf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MODULE.format(index=index, timeout=30, visibility=60 if index % 3 else 400))
        tf.append(path)
    return cfn, tf


def timed(command: list[str], repeat: int) -> float | None:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            subprocess.run(command, capture_output=True, check=False, timeout=900)
        except (OSError, subprocess.TimeoutExpired):
            return None
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def tool(name: str, explicit: str | None = None) -> str | None:
    if explicit:
        return explicit if Path(explicit).exists() else None
    sibling = Path(sys.executable).with_name(name)
    return str(sibling) if sibling.exists() else shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--checkov", help="path to a checkov executable (e.g. from its own virtualenv)")
    args = parser.parse_args()

    crosswire, cfn_lint, checkov = tool("crosswire"), tool("cfn-lint"), tool("checkov", args.checkov)
    if crosswire is None:
        sys.exit("crosswire is not installed in this environment")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        cfn, _ = generate(root, args.templates, args.modules)
        rows: list[tuple[str, str, float | None]] = []
        cf_inputs = f"{args.templates} CloudFormation templates"
        tf_inputs = f"{args.modules} Terraform modules"
        scan = [crosswire, "scan", "--fail-on", "never"]
        rows.append((cf_inputs, "crosswire", timed([*scan, str(root / "cfn")], args.repeat)))
        if cfn_lint:
            rows.append((cf_inputs, "cfn-lint", timed([cfn_lint, *map(str, cfn)], args.repeat)))
        if checkov:
            checkov_cf = [checkov, "--quiet", "--framework", "cloudformation", "-d", str(root / "cfn")]
            rows.append((cf_inputs, "checkov", timed(checkov_cf, args.repeat)))
        rows.append((tf_inputs, "crosswire", timed([*scan, str(root / "tf")], args.repeat)))
        if checkov:
            checkov_tf = [checkov, "--quiet", "--framework", "terraform", "-d", str(root / "tf")]
            rows.append((tf_inputs, "checkov", timed(checkov_tf, args.repeat)))

    print(f"{'inputs':<32} {'tool':<10} {'seconds':>8} {'vs crosswire':>13}")
    for inputs, name, seconds in rows:
        ours = next(s for i, n, s in rows if i == inputs and n == "crosswire")
        ratio = f"{seconds / ours:.1f}x" if seconds and ours else "-"
        shown = f"{seconds:.2f}" if seconds is not None else "failed"
        print(f"{inputs:<32} {name:<10} {shown:>8} {ratio:>13}")
    missing = [n for n, t in (("cfn-lint", cfn_lint), ("checkov", checkov)) if t is None]
    if missing:
        print(f"not installed, not measured: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
