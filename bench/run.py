"""Benchmark: crosswire (cold, warm, without cache) against cfn-lint and Checkov on the same generated inputs.

Usage: python bench/run.py [--templates N] [--resources N ...] [--repeat K] [--repeat-large K] [--checkov PATH]
Generates 100 SAM templates and Terraform trees of 1,000 and 10,000 wired resources, then runs the tools on each
input set alternately (one run of each in turn, K times), so that load from other work on the machine falls on
all of them alike. Prints wall-clock medians (start-up included, as users pay it), the peak resident memory of
each run (the tool's process, through wait4), and both as ratios to crosswire cold on the same inputs.

- crosswire cold: no parsed files and no scan records in the cache (Lark's compiled grammar, built once per
  installation, is kept).
- crosswire warm: nothing changed since the run before (the scan is replayed from its record: crosswire.memo).
- crosswire, files cached: the scan records emptied before each run, the parsed files kept: what a scan costs when
  its record does not match (some file changed) but most files are in the parse cache.
- pre-commit, 1 file changed: `crosswire scan FILE` from the tree's root after one file of the 1,000-resource tree
  changed, the cache warm for the others (what the pre-commit hook runs).
The cache lives in a temporary XDG_CACHE_HOME, never the user's. The tools run as installed packages do, with their
bytecode compiled once (PYTHONDONTWRITEBYTECODE is dropped from their environment: pip compiles a package when it
installs it, and Checkov's and cfn-lint's installations here hold theirs). Never imported by the test suite:
timings belong here, not in assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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

STACK_MAIN = """\
variable "prefix" {{
  type    = string
  default = "stack-{index}"
}}

locals {{
  name    = "${{var.prefix}}-jobs"
  timeout = {timeout}
}}

resource "aws_kms_key" "key" {{
  description         = "key of ${{local.name}}"
  enable_key_rotation = true
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Sid       = "Root"
        Effect    = "Allow"
        Principal = {{ AWS = "arn:aws:iam::123456789012:root" }}
        Action    = "kms:*"
        Resource  = "*"
      }},
      {{
        Sid       = "Sns"
        Effect    = "Allow"
        Principal = {{ Service = "sns.amazonaws.com" }}
        Action    = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource  = "*"
      }}
    ]
  }})
}}

resource "aws_sns_topic" "events" {{
  name              = "${{var.prefix}}-events"
  kms_master_key_id = aws_kms_key.key.arn
}}

resource "aws_sqs_queue" "dlq" {{
  name                      = "${{local.name}}-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.key.arn
}}

resource "aws_sqs_queue" "jobs" {{
  name                       = local.name
  visibility_timeout_seconds = {visibility}
  kms_master_key_id          = aws_kms_key.key.arn
  redrive_policy = jsonencode({{
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  }})
}}

resource "aws_sns_topic_subscription" "jobs" {{
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.jobs.arn
}}
"""

STACK_FUNCTION = """\
resource "aws_sqs_queue_policy" "jobs" {{
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect    = "Allow"
        Principal = {{ Service = "sns.amazonaws.com" }}
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.jobs.arn
        Condition = {{ ArnEquals = {{ "aws:SourceArn" = aws_sns_topic.events.arn }} }}
      }}
    ]
  }})
}}

resource "aws_iam_role" "worker" {{
  name = "${{var.prefix}}-worker"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect    = "Allow"
        Principal = {{ Service = "lambda.amazonaws.com" }}
        Action    = "sts:AssumeRole"
      }}
    ]
  }})
}}

resource "aws_iam_role_policy" "worker" {{
  role = aws_iam_role.worker.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = aws_sqs_queue.jobs.arn
      }},
      {{
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = aws_kms_key.key.arn
      }}
    ]
  }})
}}

resource "aws_lambda_function" "worker" {{
  function_name = "${{var.prefix}}-worker"
  role          = aws_iam_role.worker.arn
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  timeout       = local.timeout
}}

resource "aws_lambda_event_source_mapping" "jobs" {{
  event_source_arn        = aws_sqs_queue.jobs.arn
  function_name           = aws_lambda_function.worker.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}}
"""


def generate_templates(root: Path, templates: int) -> list[Path]:
    paths = []
    for index in range(templates):
        path = root / f"stack{index:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE.format(timeout=30 + index % 5, visibility=60 if index % 3 else 400))
        paths.append(path)
    return paths


def generate_terraform(root: Path, resources: int) -> list[Path]:
    """A tree of root modules, ten wired resources each (key, topic, two queues, subscription, queue policy, role,
    role policy, function, mapping) in two files: the queue's visibility timeout is too short in every third."""
    paths = []
    for index in range(resources // 10):
        directory = root / f"stack{index:04d}"
        directory.mkdir(parents=True, exist_ok=True)
        main_tf, function_tf = directory / "main.tf", directory / "function.tf"
        main_tf.write_text(STACK_MAIN.format(index=index, timeout=30, visibility=60 if index % 3 else 400))
        function_tf.write_text(STACK_FUNCTION.format(index=index))
        paths += [main_tf, function_tf]
    return paths


@dataclass
class Measure:
    """One tool on one input set: a command, and how to prepare each run (an empty cache, a changed file); what
    `prepare` returns is added to the run's environment."""

    inputs: str
    name: str
    command: list[str]
    prepare: Callable[[int], dict[str, str] | None] = lambda run: None
    cwd: Path | None = None
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the tool and its workers
    peak_kb: list[int] = field(default_factory=list)
    failed: str = ""

    def run(self, index: int, environment: dict[str, str]) -> None:
        if self.failed:
            return
        environment = environment | (self.prepare(index) or {})
        # standard error goes to a file: a pipe nobody reads while the bench waits would block a chatty tool
        with tempfile.TemporaryFile() as errors:
            start = time.perf_counter()
            try:
                process = subprocess.Popen(
                    self.command, cwd=self.cwd, env=environment, stdout=subprocess.DEVNULL, stderr=errors
                )
            except OSError as exc:
                self.failed = str(exc)
                return
            # wait4 gives this child's own peak resident set (with the children it waited for), not the bench's
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            self.seconds.append(time.perf_counter() - start)
            self.cpu.append(usage.ru_utime + usage.ru_stime)
            self.peak_kb.append(usage.ru_maxrss)
            if process.returncode not in (0, 1):
                errors.seek(0)
                last = errors.read().decode(errors="replace").strip().splitlines()[-1:]
                self.failed = f"exit {process.returncode}: {' '.join(last)}"


def tool(name: str, explicit: str | None = None) -> str | None:
    if explicit:
        return explicit if Path(explicit).exists() else None
    sibling = Path(sys.executable).with_name(name)
    return str(sibling) if sibling.exists() else shutil.which(name)


def measures(root: Path, args: argparse.Namespace, cache_home: Path) -> list[list[Measure]]:
    """The measures, in groups whose members run alternately (one run of each in turn), on the same inputs."""
    crosswire, cfn_lint, checkov = tool("crosswire"), tool("cfn-lint"), tool("checkov", args.checkov)
    if crosswire is None:
        sys.exit("crosswire is not installed in this environment")
    records = cache_home / "crosswire" / "scans"

    moved = iter(range(1_000_000))
    parse_cache = cache_home / "crosswire" / "parse"

    def cold(run: int) -> None:
        # cold: nothing cached (Lark's compiled grammar, built once per installation, stays). What the last run
        # cached is moved aside, not deleted: deleting thousands of entries just before the run made the file system
        # slow to create the run's own (a file creation went from 20 us to 0.8 ms on this machine)
        for folder in (parse_cache, records):
            if folder.exists():
                folder.rename(cache_home / f"{folder.name}-set-aside-{next(moved)}")

    def parsed_only(run: int) -> None:
        shutil.rmtree(records, ignore_errors=True)

    groups: list[list[Measure]] = []
    inputs = [(f"{args.templates} CloudFormation templates", root / "cfn", "cloudformation")]
    inputs += [(f"{n:,} Terraform resources", root / f"tf{n}", "terraform") for n in args.resources]
    for label, directory, framework in inputs:
        scan = [crosswire, "scan", "--fail-on", "never", str(directory)]
        group = [
            Measure(label, "crosswire cold", scan, cold),
            Measure(label, "crosswire warm", scan),
            Measure(label, "crosswire, files cached", scan, parsed_only),
            Measure(label, "crosswire --no-cache", [*scan, "--no-cache"]),
        ]
        if framework == "cloudformation" and cfn_lint:
            group.append(Measure(label, "cfn-lint", [cfn_lint, *map(str, sorted(directory.glob("*.yaml")))]))
        large = label.startswith(f"{max(args.resources):,} ") and max(args.resources) >= 10_000
        if checkov and (not large or args.large_checkov):
            command = [checkov, "--quiet", "--compact", "--framework", framework, "-d", str(directory)]
            group.append(Measure(label, "checkov", command))
        groups.append(group)
        if framework == "terraform" and directory.name == "tf1000":
            groups.append([precommit(crosswire, directory)])
    return groups


def precommit(crosswire: str, tree: Path) -> Measure:
    """What the pre-commit hook runs after one file of the tree changed: crosswire on that file, from the tree's
    root, with the cache warm for every other file."""
    changed = tree / "stack0042" / "main.tf"
    original = changed.read_text()

    def change(run: int) -> None:
        changed.write_text(original.replace("visibility_timeout_seconds = ", f"visibility_timeout_seconds = {run}"))

    command = [crosswire, "scan", "--fail-on", "never", str(changed.relative_to(tree))]
    return Measure("1,000 Terraform resources", "pre-commit, 1 file changed", command, change, cwd=tree)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=100)
    parser.add_argument("--resources", type=int, nargs="+", default=[1_000, 10_000], help="Terraform tree sizes")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each tool on each input set")
    parser.add_argument("--repeat-large", type=int, default=2, help="runs on the largest Terraform tree (>= 10,000)")
    parser.add_argument("--checkov", help="path to a checkov executable (e.g. from its own virtualenv)")
    parser.add_argument("--large-checkov", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        generate_templates(root / "cfn", args.templates)
        for size in args.resources:
            generate_terraform(root / f"tf{size}", size)
        cache_home = root / "cache"
        environment = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
        environment.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode compiled once, not every run
        groups = measures(root, args, cache_home)
        # Lark compiles python-hcl2's grammar once per installation (kept in the cache directory): not measured
        generate_terraform(root / "grammar", 10)
        crosswire = groups[0][0].command[0]
        subprocess.run([crosswire, "scan", str(root / "grammar")], env=environment, capture_output=True, check=False)
        for group in groups:
            large = group[0].inputs.startswith(f"{max(args.resources):,} ") and max(args.resources) >= 10_000
            for warming in group:
                if warming.name in ("crosswire warm", "pre-commit, 1 file changed"):
                    subprocess.run(warming.command, cwd=warming.cwd, env=environment, capture_output=True)
            for index in range(args.repeat_large if large else args.repeat):
                for measure in group:
                    measure.run(index, environment)
                    print(".", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        report(groups)
    return 0


COLUMNS = (("wall s", "seconds", 1, 2), ("cpu s", "cpu", 1, 2), ("MB", "peak_kb", 1024, 0))


def report(groups: list[list[Measure]]) -> None:
    """Medians and ratios to crosswire cold on the same inputs: wall-clock time, CPU time (user + system, less
    sensitive to other work on the machine than wall-clock time) and peak memory (of the largest process)."""
    print(f"{'inputs':<30} {'tool':<27} {'runs':>4}" + "".join(f" {title:>7} {'ratio':>7}" for title, *_ in COLUMNS))
    cold: dict[str, Measure] = {}
    for group in groups:
        for measure in group:
            if measure.name == "crosswire cold":
                cold[measure.inputs] = measure
            if measure.failed or not measure.seconds:
                print(f"{measure.inputs:<30} {measure.name:<27} failed: {measure.failed}")
                continue
            base = cold.get(measure.inputs)
            line = f"{measure.inputs:<30} {measure.name:<27} {len(measure.seconds):>4}"
            for _, attribute, unit, digits in COLUMNS:
                value = statistics.median(getattr(measure, attribute)) / unit
                reference = statistics.median(getattr(base, attribute)) / unit if base else 0
                ratio = f"{value / reference:.2f}x" if reference else "-"
                line += f" {value:>7.{digits}f} {ratio:>7}"
            print(line)
    print("ratio: the tool's median over crosswire cold's on the same inputs (runs alternated); MB: peak resident")
    print("memory of the tool's largest process (ru_maxrss through wait4), not the sum over its processes")


if __name__ == "__main__":
    sys.exit(main())
