"""Teams' own checks in YAML (`--checks-dir`): hops, conditions, skips, malformed files, and every report format."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_reporters import validate_sarif

from conftest import ROOT, run_cli, scan_json

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")

# a topic delivering into two queues, each consumed by a function: two hops from the topic to each function
CHAIN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SNS::Topic
  Slow:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 300
  Fast:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 900
  SlowSubscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt Slow.Arn}
  FastSubscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt Fast.Arn}
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Timeout: 60, Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
  SlowMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Slow.Arn, FunctionName: !Ref Worker}
  FastMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Fast.Arn, FunctionName: !Ref Worker}
"""

TOPIC_CHECK = """\
id: ORD1
title: Queues of the orders topic give their consumers ten times their timeout
severity: warning
rationale: Our consumers retry within one visibility timeout.
fix: Raise the visibility timeout.
references:
  - title: Our wiki
    url: https://wiki.example.com/queues
resource: topic
hops:
  queue: topic.subscribers
  function: queue.consumers
require: queue.visibility_timeout >= 10 * function.timeout
"""

TOPIC_MESSAGE = (
    "SNS topic Orders: queue.visibility_timeout >= 10 * function.timeout does not hold "
    "(queue.visibility_timeout = 300, function.timeout = 60)"
)


@pytest.fixture
def chain(write):
    write("template.yaml", CHAIN)
    write("checks/orders.yaml", TOPIC_CHECK)


def test_a_two_hop_comparison_fires_on_the_combination_that_breaks_it(chain):
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1")
    assert run.code == 1, run.err
    (finding,) = run.report["findings"]
    assert (finding["check_id"], finding["resource"], finding["line"]) == ("ORD1", "Orders", 3)
    assert finding["message"] == TOPIC_MESSAGE
    assert [(r["resource"], r["line"]) for r in finding["related"]] == [("Slow", 5), ("Worker", 19)]
    assert finding["docs"] == os.path.join("checks", "orders.yaml")
    assert finding["severity"] == "warning"


def test_a_two_hop_comparison_that_holds_passes(write):
    write("template.yaml", CHAIN.replace("VisibilityTimeout: 300", "VisibilityTimeout: 600"))
    write("checks/orders.yaml", TOPIC_CHECK)
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1")
    assert (run.code, run.report["findings"], run.report["unresolved"]) == (0, [], [])


def test_an_unresolved_value_skips_with_its_reason(write):
    template = CHAIN.replace("VisibilityTimeout: 300", "VisibilityTimeout: !Ref SlowVisibility").replace(
        "Resources:", "Parameters:\n  SlowVisibility: {Type: Number}\nResources:"
    )
    write("template.yaml", template)
    write("checks/orders.yaml", TOPIC_CHECK)
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1")
    assert (run.code, run.report["findings"]) == (0, [])
    assert run.report["unresolved"] == [
        {
            "check_id": "ORD1",
            "resource": "Orders",
            "file": "template.yaml",
            "line": 5,
            "reason": "queue.visibility_timeout of queue Slow is unresolved: parameter SlowVisibility has no default and no --param value",
        }
    ]


def test_the_checks_dir_of_the_configuration_is_relative_to_its_file(chain, write):
    write("infra/.crosswire.toml", 'checks-dir = "../checks"\n')
    run = scan_json(".", "--config", "infra/.crosswire.toml", "--select", "ORD1")
    assert run.findings() == {("ORD1", "Orders", 3)}


def test_ignore_and_select_prefixes_name_user_checks(chain):
    assert scan_json(".", "--checks-dir", "checks", "--select", "ORD").findings() == {("ORD1", "Orders", 3)}
    ignored = scan_json(".", "--checks-dir", "checks", "--select", "ORD,CW301", "--ignore", "ORD1")
    assert (ignored.code, ignored.report["findings"]) == (0, [])


def test_a_select_without_the_checks_dir_is_a_usage_error(chain):
    run = scan_json(".", "--select", "ORD1")
    assert (run.code, run.err) == (2, "crosswire: error: --select: ORD1 matches no check; `crosswire checks` lists them\n")


def test_a_comment_suppresses_a_user_check(write):
    write(
        "template.yaml",
        CHAIN.replace("  Orders:\n", "  # crosswire:ignore ORD1 the orders team accepts it\n  Orders:\n"),
    )
    write("checks/orders.yaml", TOPIC_CHECK)
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1")
    assert (run.code, run.report["findings"], run.report["summary"]["suppressed"]) == (0, [], 1)


def test_a_baseline_accepts_a_user_check_finding(chain):
    wrote = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1", "--write-baseline", "baseline.json")
    assert wrote.code == 0, wrote.err
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1", "--baseline", "baseline.json")
    assert (run.code, run.report["findings"], run.report["summary"]["baselined"]) == (0, [], 1)


def test_a_user_check_in_sarif(chain):
    run = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1", "--format", "sarif")
    log = validate_sarif(run.out)
    (sarif_run,) = log["runs"]
    (rule,) = sarif_run["tool"]["driver"]["rules"]
    assert (rule["id"], rule["name"], rule["helpUri"]) == ("ORD1", "orders", "https://wiki.example.com/queues")
    (result,) = sarif_run["results"]
    assert (result["ruleId"], result["level"], result["message"]["text"]) == ("ORD1", "warning", TOPIC_MESSAGE)
    location = result["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"]["uri"], location["region"]["startLine"]) == ("template.yaml", 3)


def test_a_user_check_in_junit(chain):
    run = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1", "--format", "junit")
    root = ET.fromstring(run.out)
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("crosswire.ORD1", "1", "1")
    (case,) = suite.findall("testcase")
    failure = case.find("failure")
    assert case.get("name") == "Orders (template.yaml)"
    assert failure is not None and failure.get("message") == TOPIC_MESSAGE
    assert f"docs: {os.path.join('checks', 'orders.yaml')}" in (failure.text or "").splitlines()


def test_a_user_check_in_github_annotations(chain):
    run = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1", "--format", "github")
    assert run.out.splitlines()[0].startswith(
        "::warning file=template.yaml,line=3,endLine=4,title=ORD1 Queues of the orders topic give their consumers "
        "ten times their timeout::SNS topic Orders"
    )


def test_a_user_check_is_a_cfn_lint_rule(chain, tmp_path):
    environment = {**os.environ, "CROSSWIRE_CHECKS_DIR": str(tmp_path / "checks")}
    run = subprocess.run(
        [CFN_LINT, "template.yaml", "--append-rules", "crosswire.adapters.cfnlint", "--format", "parseable"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert "Traceback" not in run.stderr, run.stderr
    ours = [line for line in run.stdout.splitlines() if ":WORD1:" in line]
    assert ours == [f"template.yaml:3:3:3:9:WORD1:{TOPIC_MESSAGE}"]


def test_cfn_lint_finds_the_checks_dir_in_the_configuration(chain, write, tmp_path):
    write(".crosswire.toml", 'checks-dir = "checks"\n')
    environment = {k: v for k, v in os.environ.items() if k != "CROSSWIRE_CHECKS_DIR"}
    run = subprocess.run(
        [CFN_LINT, "template.yaml", "--append-rules", "crosswire.adapters.cfnlint", "--format", "parseable"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert [line for line in run.stdout.splitlines() if ":WORD1:" in line] == [
        f"template.yaml:3:3:3:9:WORD1:{TOPIC_MESSAGE}"
    ]


def test_a_malformed_check_stops_cfn_lint_with_file_and_line(chain, write, tmp_path):
    write("checks/orders.yaml", TOPIC_CHECK.replace("severity: warning", "severity: loud"))
    environment = {**os.environ, "CROSSWIRE_CHECKS_DIR": "checks"}
    run = subprocess.run(
        [CFN_LINT, "template.yaml", "--append-rules", "crosswire.adapters.cfnlint"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=120,
    )
    assert "Traceback" not in run.stderr
    assert run.returncode == 1
    assert run.stderr == (
        f"crosswire: error: {os.path.join('checks', 'orders.yaml')}:3: severity 'loud' is not error, warning or info\n"
    )


# -- malformed check files: exit 2, file, line and what is wrong ---------------------------------------------


MALFORMED = [
    ("not yaml", "id: [ORD1\n", "2: not valid YAML: expected ',' or ']', but got '<stream end>'"),
    ("empty", "", "1: empty file: expected a check (id, title, severity, ...)"),
    ("a list", "- id: ORD1\n", "1: expected a mapping of id, title, severity, ..."),
    (
        "unknown key",
        TOPIC_CHECK + "colour: red\n",
        "14: unknown key 'colour' (known: id, title, severity, "
        "rationale, fix, references, resource, hops, when, require, message)",
    ),
    (
        "missing key",
        TOPIC_CHECK.replace("require: queue.visibility_timeout >= 10 * function.timeout\n", ""),
        "1: require is missing",
    ),
    ("duplicate key", TOPIC_CHECK + "severity: error\n", "14: severity is given twice"),
    (
        "built-in id",
        TOPIC_CHECK.replace("id: ORD1", "id: CW302"),
        "1: id 'CW302' must be 2-8 capital letters and 1-4 digits, not CW (e.g. PAY001)",
    ),
    (
        "bad severity",
        TOPIC_CHECK.replace("severity: warning", "severity: loud"),
        "3: severity 'loud' is not error, warning or info",
    ),
    (
        "unknown kind",
        TOPIC_CHECK.replace("resource: topic", "resource: bucket"),
        "9: resource 'bucket' is not a kind of resource (queue, topic, key, alias, function, mapping, subscription, "
        "policy, permission, role, bucket-notification, rule-target, alarm)",
    ),
    (
        "unknown edge",
        TOPIC_CHECK.replace("topic.subscribers", "topic.readers"),
        "11: hops.queue: unknown edge 'readers' (edges: consumers, mappings, queue, function, feeders, topics, "
        "subscriptions, subscribers, topic, endpoint, key, dlq, dead_letter_sources, policy, role, permissions)",
    ),
    (
        "edge from the wrong kind",
        TOPIC_CHECK.replace("queue.consumers", "topic.consumers"),
        "12: hops.function: consumers leads from queue, not from topic",
    ),
    (
        "hop from an unbound name",
        TOPIC_CHECK.replace("queue.consumers", "mapping.consumers"),
        "12: hops.function: expected FROM.EDGE with FROM one of topic, queue, got 'mapping.consumers'",
    ),
    (
        "unknown attribute",
        TOPIC_CHECK.replace("queue.visibility_timeout", "queue.visiblity_timeout"),
        "13: require: column 7: queue/topic/function has no attribute 'visiblity_timeout' (it has: address, "
        "dead_letter_target, fifo, kind, kms_key, max_receive_count, message_retention, name, redrive_allow_policy, "
        "reserved_concurrency, resource_type, role, sqs_managed_sse, timeout, visibility_timeout)",
    ),
    (
        "unbound name",
        TOPIC_CHECK.replace("10 * function.timeout", "10 * lambda.timeout"),
        "13: require: column 34: 'lambda' is not a bound resource (bound: function, queue, topic)",
    ),
    (
        "syntax",
        TOPIC_CHECK.replace("10 * function.timeout", "10 * * function.timeout"),
        "13: require: column 34: unexpected '*'",
    ),
    (
        "chained comparison",
        TOPIC_CHECK.replace(">= 10 * function.timeout", ">= 10 > 2"),
        "13: require: column 32: comparisons do not chain: put '>=' and '>' apart",
    ),
    (
        "unclosed parenthesis",
        TOPIC_CHECK.replace("10 * function.timeout", "(10 * function.timeout"),
        "13: require: column 29: '(' is never closed",
    ),
    (
        "too deep",
        TOPIC_CHECK.replace("10 * function.timeout", "(" * 40 + "1" + ")" * 40),
        "13: require: column 45: nested deeper than 32",
    ),
    (
        "too long",
        TOPIC_CHECK.replace("10 * function.timeout", "1 + " * 300 + "1"),
        "13: require: column 1: longer than 1000 characters",
    ),
    (
        "too many operations",
        TOPIC_CHECK.replace("10 * function.timeout", "1" + " + 1" * 120),
        "13: require: column 1: more than 100 operations deep",
    ),
    (
        "a python expression",
        TOPIC_CHECK.replace("10 * function.timeout", "__import__('os').system('id')"),
        "13: require: column 45: unexpected '.'",
    ),
    ("yaml nested deeper than the composer goes", "id: " + "[" * 3000 + "]" * 3000 + "\n", "1: nested too deeply"),
    ("yaml nested deeper than a check", "id: " + "[" * 20 + "]" * 20 + "\n", "1: nested deeper than 8"),
    ("not utf-8", b"id: \xff\n", "1: not UTF-8 text: byte 0xff at column 5"),
    (
        "yaml tag",
        TOPIC_CHECK.replace("title: Queues", "title: !!python/object:os.system Queues"),
        "2: YAML tag tag:yaml.org,2002:python/object:os.system is not allowed here",
    ),
    (
        "bad reference",
        TOPIC_CHECK.replace("https://wiki.example.com/queues", "javascript:alert(1)"),
        "8: references.url: 'javascript:alert(1)' is not an http(s) address",
    ),
]


@pytest.mark.parametrize("text,message", [(t, m) for _, t, m in MALFORMED], ids=[n for n, _, _ in MALFORMED])
def test_a_malformed_check_file_is_a_configuration_error(write, text, message):
    write("template.yaml", CHAIN)
    write("checks/orders.yaml", text)
    run = scan_json(".", "--checks-dir", "checks", "--select", "CW301")
    assert (run.code, run.out) == (2, "")
    assert run.err == f"crosswire: error: {os.path.join('checks', 'orders.yaml')}:{message}\n"


def test_anchors_cannot_multiply_a_check_file(write):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(6)
    )
    write("checks/laughs.yaml", laughs)
    run = scan_json(".", "--checks-dir", "checks", "--select", "CW301")
    assert run.code == 2
    assert run.err == f"crosswire: error: {os.path.join('checks', 'laughs.yaml')}:1: more than 2000 YAML nodes\n"


def test_two_checks_with_one_id_are_a_configuration_error(write):
    write("checks/a.yaml", TOPIC_CHECK)
    write("checks/b.yaml", TOPIC_CHECK)
    run = scan_json(".", "--checks-dir", "checks", "--select", "CW301")
    assert run.code == 2
    assert run.err == (
        f"crosswire: error: {os.path.join('checks', 'b.yaml')}:1: id ORD1 is taken by {os.path.join('checks', 'a.yaml')}\n"
    )


def test_a_missing_checks_dir_is_a_configuration_error(write):
    run = scan_json(".", "--checks-dir", "nowhere", "--select", "CW301")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: nowhere:0: cannot read the checks directory: No such file or directory\n",
    )


def test_checks_dir_in_the_configuration_must_be_text(write):
    write(".crosswire.toml", "checks-dir = 3\n")
    run = scan_json(".", "--select", "CW301")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: .crosswire.toml: checks-dir: expected the path of a folder of check files\n",
    )


# -- the examples in docs/user-checks ------------------------------------------------------------------------

EXAMPLES = ROOT / "docs" / "user-checks"

PAYMENTS = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Payments:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: payments
  PaymentsKey:
    Type: AWS::KMS::Key
  OtherKey:
    Type: AWS::KMS::Key
  Ledger:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref PaymentsKey
  Audit:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref OtherKey
  Plain:
    Type: AWS::SQS::Queue
  LedgerSubscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Payments, Protocol: sqs, Endpoint: !GetAtt Ledger.Arn}
  AuditSubscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Payments, Protocol: sqs, Endpoint: !GetAtt Audit.Arn}
  PlainSubscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Payments, Protocol: sqs, Endpoint: !GetAtt Plain.Arn}
"""


def example(name: str, write) -> None:
    write("checks/" + name, (EXAMPLES / name).read_text(encoding="utf-8"))


def test_example_payments_topic_payments_key(write):
    example("payments-topic-payments-key.yaml", write)
    write("template.yaml", PAYMENTS)
    run = scan_json(".", "--checks-dir", "checks", "--select", "PAY001")
    assert [(f["resource"], f["line"], f["message"]) for f in run.report["findings"]] == [
        (
            "Audit",
            15,
            "queue Audit receives from SNS topic Payments but is encrypted with key OtherKey, not the payments key",
        ),
        ("Plain", 19, "queue Plain receives from SNS topic Payments but is encrypted with none, not the payments key"),
    ]


FIFO = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties: {FifoQueue: true, VisibilityTimeout: 60}
  Standard:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Timeout: 10, Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
  OrdersMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Orders.Arn, FunctionName: !Ref Worker}
  ReportingMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Orders.Arn
      FunctionName: !Ref Worker
      FunctionResponseTypes: [ReportBatchItemFailures]
  StandardMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Standard.Arn, FunctionName: !Ref Worker}
"""


def test_example_fifo_consumers_report_batch_item_failures(write):
    example("fifo-consumers-report-batch-item-failures.yaml", write)
    write("template.yaml", FIFO)
    run = scan_json(".", "--checks-dir", "checks", "--select", "FIFO001")
    assert [(f["resource"], f["line"], f["message"]) for f in run.report["findings"]] == [
        ("OrdersMapping", 11, "mapping OrdersMapping reads FIFO queue Orders without ReportBatchItemFailures"),
    ]


def test_example_slow_consumer_visibility_timeout(write):
    example("slow-consumer-visibility-timeout.yaml", write)
    # Slow (300 s) is below 10 x 60 s; Fast (900 s) is not; a 10 s consumer is not slow, whatever its queue
    write("template.yaml", CHAIN)
    write("quick.yaml", FIFO)
    run = scan_json(".", "--checks-dir", "checks", "--select", "SLOW001")
    assert [(f["resource"], f["file"], f["line"], f["message"]) for f in run.report["findings"]] == [
        (
            "Slow",
            "template.yaml",
            5,
            "queue Slow: queue.visibility_timeout >= 10 * function.timeout does not hold "
            "(queue.visibility_timeout = 300, function.timeout = 60)",
        ),
    ]


def test_every_example_is_tested():
    tested = {"payments-topic-payments-key.yaml", "fifo-consumers-report-batch-item-failures.yaml",
              "slow-consumer-visibility-timeout.yaml"}  # fmt: skip
    assert {p.name for p in EXAMPLES.glob("*.yaml")} == tested


def test_the_examples_load_together(write):
    write("template.yaml", PAYMENTS)
    run = scan_json(".", "--checks-dir", str(EXAMPLES), "--select", "PAY,FIFO,SLOW")
    assert run.code == 1, run.err
    assert json.loads(run.out)["findings"][0]["check_id"] == "PAY001"


def test_the_catalogue_lists_user_checks(write):
    write("checks/orders.yaml", TOPIC_CHECK)
    run = run_cli("checks", "--checks-dir", "checks")
    assert (
        run.out.splitlines()[-1]
        == "ORD1  warning  Queues of the orders topic give their consumers ten times their timeout"
    )
    listed = json.loads(run_cli("checks", "--format", "json", "--checks-dir", "checks").out)[-1]
    assert (listed["id"], listed["resources"], listed["docs"]) == (
        "ORD1",
        ["topic"],
        os.path.join("checks", "orders.yaml"),
    )


def test_a_hop_that_cannot_be_followed_skips(write):
    example("payments-topic-payments-key.yaml", write)
    template = PAYMENTS.replace(
        "{TopicArn: !Ref Payments, Protocol: sqs, Endpoint: !GetAtt Plain.Arn}",
        "{TopicArn: !Ref TopicArn, Protocol: sqs, Endpoint: !GetAtt Plain.Arn}",
    ).replace("Resources:", "Parameters:\n  TopicArn: {Type: String}\nResources:")
    write("template.yaml", template)
    run = scan_json(".", "--checks-dir", "checks", "--select", "PAY001")
    assert [f["resource"] for f in run.report["findings"]] == ["Audit"]
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("Plain", "topics of queue Plain is unresolved: parameter TopicArn has no default and no --param value")
    ]


SLOW_TERRAFORM = """\
variable "slow_visibility" {
  type = number
}

resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = 300
}

resource "aws_sqs_queue" "later" {
  visibility_timeout_seconds = var.slow_visibility
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_event_source_mapping" "later" {
  event_source_arn = aws_sqs_queue.later.arn
  function_name    = aws_lambda_function.worker.arn
}
"""


def test_a_user_check_reads_terraform_through_the_same_graph(write):
    example("slow-consumer-visibility-timeout.yaml", write)
    write("main.tf", SLOW_TERRAFORM)
    run = scan_json(".", "--checks-dir", "checks", "--select", "SLOW001")
    assert [(f["resource"], f["line"], f["fix"]) for f in run.report["findings"]] == [
        (
            "aws_sqs_queue.jobs",
            5,
            "Raise visibility_timeout_seconds of the queue to at least 10 x the consumer's timeout.",
        )
    ]
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "aws_sqs_queue.later",
            "queue.visibility_timeout of queue aws_sqs_queue.later is unresolved: variable slow_visibility has no default and no value is given",
        )
    ]


def test_metadata_suppresses_a_user_check(write):
    write(
        "template.yaml",
        CHAIN.replace(
            "  Orders:\n    Type: AWS::SNS::Topic\n",
            "  Orders:\n    Type: AWS::SNS::Topic\n    Metadata:\n      crosswire:\n        ignore:\n"
            "          - {id: ORD1, reason: the orders team accepts it}\n",
        ),
    )
    write("checks/orders.yaml", TOPIC_CHECK)
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1")
    assert (run.code, run.report["findings"], run.report["summary"]["suppressed"]) == (0, [], 1)


def test_the_edge_table_of_the_docs_is_every_edge_from_the_kinds_it_leaves():
    from crosswire.user_checks import EDGES

    rows = re.findall(r"^\| `(\w+)` \| ([a-z, -]+) \|", (EXAMPLES / "README.md").read_text(encoding="utf-8"), re.M)
    assert {name: sources.split(", ") for name, sources in rows} == {
        name: [k.value for k in edge.sources] for name, edge in EDGES.items()
    }


def test_a_user_check_in_the_text_report(chain):
    run = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1")
    assert run.out.splitlines()[:5] == [
        "template.yaml:3: ORD1 warning: Queues of the orders topic give their consumers ten times their timeout",
        f"  {TOPIC_MESSAGE}",
        "  related: Slow (template.yaml:5)",
        "  related: Worker (template.yaml:19)",
        "  fix: Raise the visibility timeout.",
    ]


def test_a_user_check_in_the_markdown_summary(chain):
    run = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1", "--format", "markdown")
    row = next(line for line in run.out.splitlines() if line.startswith("| warning"))
    assert row.startswith("| warning | ORD1 Queues of the orders topic give their consumers ten times their timeout | Orders |")
    assert '  n1{{"SNS topic<br/>Orders<br/>ORD1"}}' in run.out.splitlines()


def test_a_configured_checks_dir_outside_the_repository_is_refused(write, tmp_path):
    """A .crosswire.toml in the scanned code must not make crosswire read files elsewhere (found by review: an
    absolute checks-dir read a credentials file and quoted its keys in the error)."""
    write("secret/hosts.yml", "github.com:\n  oauth_token: x\n")
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/template.yaml", CHAIN)
    for where in (str(tmp_path / "secret"), "../secret"):
        write("repo/.crosswire.toml", f'checks-dir = "{where}"\n')
        run = scan_json("repo", "--select", "CW301")
        assert (run.code, run.out) == (2, "")
        assert run.err == (
            f"crosswire: error: repo/.crosswire.toml: checks-dir: {where!r} leads outside the repository; crosswire "
            "reads no checks there\n"
        )


def test_a_check_file_that_is_a_symlink_leading_out_of_the_checks_folder_is_refused(write, tmp_path):
    write("outside.env", "TOKEN=x\n")
    write("template.yaml", CHAIN)
    write("checks/orders.yaml", TOPIC_CHECK)
    (tmp_path / "checks" / "x.yaml").symlink_to(tmp_path / "outside.env")
    run = scan_json(".", "--checks-dir", "checks", "--select", "CW301")
    assert (run.code, run.err) == (
        2,
        "crosswire: error: checks/x.yaml:0: a symlink that leads outside the checks folder; crosswire does not read it\n",
    )


def test_a_planted_git_file_does_not_mark_a_repository(write, tmp_path, monkeypatch):
    """Only a .git folder, or a .git file starting with gitdir:, is a repository root (found by review: any path
    named .git moved the root used for configuration discovery)."""
    from crosswire import inputs

    write("infra/.git", "not a repository\n")
    write("wt/.git", "gitdir: /elsewhere/.git/worktrees/wt\n")
    assert inputs.git_root(str(tmp_path / "infra")) != str(tmp_path / "infra")
    assert inputs.git_root(str(tmp_path / "wt")) == str(tmp_path / "wt")


def test_arithmetic_beyond_a_float_skips_instead_of_losing_the_check(write):
    """A hostile template's 401-digit visibility timeout divided by 60 overflowed a float and lost the check for
    every resource (found by review); it is now a skip of that one queue, saying why."""
    write("template.yaml", CHAIN.replace("VisibilityTimeout: 300", "VisibilityTimeout: 1" + "0" * 400))
    write("checks/orders.yaml", TOPIC_CHECK.replace("require: queue.visibility_timeout >= 10 * function.timeout", "require: queue.visibility_timeout / 60.0 >= 1"))
    run = scan_json(".", "--checks-dir", "checks", "--select", "ORD1")
    assert (run.code, run.report["errors"], run.findings()) == (0, [], set())
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("ORD1", "Orders", "a 401-digit number / 60 is out of range")
    ]


def test_a_user_checks_words_are_inert_in_the_sarif_help(write):
    """A check file from a pull request cannot put links, images or HTML into code scanning's rule help (found by
    review: the rationale, fixes and references went into help.markdown as written)."""
    write("template.yaml", CHAIN)
    hostile = (
        TOPIC_CHECK.replace("rationale: Our consumers retry within one visibility timeout.", 'rationale: "<img src=x> ![a](https://evil.example/p.png)"')
        .replace("title: Our wiki", 'title: "x](https://evil.example) [y"')
        .replace("url: https://wiki.example.com/queues", "url: https://wiki.example.com/q)(x")
    )
    write("checks/orders.yaml", hostile)
    run = run_cli("scan", ".", "--checks-dir", "checks", "--select", "ORD1", "--format", "sarif")
    (rule,) = validate_sarif(run.out)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["help"]["markdown"].splitlines() == [
        "\\<img src\\=x\\> \\!\\[a\\]\\(https\\:\\/\\/evil\\.example\\/p\\.png\\)",
        "",
        "**Fix (Terraform):** Raise the visibility timeout\\.",
        "",
        "**Fix (CloudFormation):** Raise the visibility timeout\\.",
        "",
        "**References:**",
        "",
        "- [x\\]\\(https\\:\\/\\/evil\\.example\\) \\[y](https://wiki.example.com/q%29%28x)",
    ]
