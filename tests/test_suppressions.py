"""Inline suppressions: comment directives (crosswire's and Checkov's), CloudFormation Metadata, missing reasons."""

from __future__ import annotations

import pytest

from conftest import cli_subprocess, scan_json
from crosswire.model import Span, Suppression
from crosswire.suppressions import Comment, comments, directives

HEADER = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
QUEUE = """\
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
"""
CONSUMER = """\
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 20
      Role: arn:aws:iam::123456789012:role/worker
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Worker
"""
CW302_MESSAGE = (
    "queue Queue: visibility timeout 60 s is below 6 × 20 s (function Worker) + 0 s (AWS default) batching window"
    " = 120 s"
)


def template(queue: str = QUEUE, before: str = "", after: str = CONSUMER) -> str:
    return HEADER + before + queue + after


def test_without_a_directive_the_queue_is_reported(write):
    write("t.yaml", template())
    run = scan_json("--select", "CW302", ".")
    assert run.code == 1
    assert run.findings() == {("CW302", "Queue", 3)}
    assert run.report["summary"]["suppressed"] == 0
    assert "suppressed" not in run.report  # listed only when something is suppressed


def test_the_json_report_lists_suppressed_findings_with_their_suppression(write):
    """What the Checkov adapter reports as SKIPPED, with the reason as its suppress comment."""
    write("t.yaml", template("  # crosswire:ignore CW302 consumers are idempotent\n" + QUEUE))
    run = scan_json("--select", "CW302", ".")
    [suppressed] = run.report["suppressed"]
    assert (suppressed["check_id"], suppressed["resource"], suppressed["file"], suppressed["line"]) == (
        "CW302",
        "Queue",
        "t.yaml",
        4,
    )
    assert suppressed["message"] == CW302_MESSAGE
    assert suppressed["suppression"] == {"reason": "consumers are idempotent", "file": "t.yaml", "line": 3}


@pytest.mark.parametrize(
    "queue",
    [
        "  # crosswire:ignore CW302 consumers are idempotent\n" + QUEUE,
        QUEUE.replace("  Queue:\n", "  Queue:  # crosswire:ignore CW302 consumers are idempotent\n"),
        QUEUE.replace("      VisibilityTimeout: 60\n", "      VisibilityTimeout: 60  # crosswire:ignore CW302 ok\n"),
        QUEUE.replace("    Properties:\n", "    # crosswire:ignore CW301,CW302 accepted\n    Properties:\n"),
        "  # consumers are idempotent; stacked directives are fine\n  # crosswire:ignore CW302 ok\n" + QUEUE,
        "  # checkov:skip=CW302:consumers are idempotent\n" + QUEUE,
    ],
    ids=["line-above", "first-line", "inside", "id-list", "comment-block-above", "checkov-skip"],
)
def test_comment_directive_on_the_resource_suppresses(write, queue):
    write("t.yaml", template(queue))
    run = scan_json("--select", "CW302", ".")
    assert run.code == 0, run.out
    assert run.findings() == set()
    assert run.report["summary"]["suppressed"] == 1
    assert run.report["summary"]["findings"] == {"error": 0, "warning": 0, "info": 0}


@pytest.mark.parametrize(
    ("queue", "after"),
    [
        # the directive belongs to another resource
        (QUEUE, CONSUMER.replace("      Timeout: 20\n", "      Timeout: 20  # crosswire:ignore CW302 not here\n")),
        # a trailing comment on the previous resource's last line is not "the line above" this one
        ("  Other:\n    Type: AWS::SNS::Topic  # crosswire:ignore CW302 other\n" + QUEUE, CONSUMER),
        # a blank line detaches the comment from the resource
        ("  # crosswire:ignore CW302 detached\n\n" + QUEUE, CONSUMER),
        # another check's ID, and a Checkov check's ID
        ("  # crosswire:ignore CW301 wrong check\n  # checkov:skip=CKV_AWS_27:theirs\n" + QUEUE, CONSUMER),
        # a directive inside string values is data, not a comment
        (
            QUEUE.replace(
                "      VisibilityTimeout: 60\n",
                "      VisibilityTimeout: 60\n"
                "      Tags:\n"
                '        - {Key: a, Value: "x # crosswire:ignore CW302 quoted"}\n'
                "        - Key: b\n"
                "          Value: 'it''s # crosswire:ignore CW302 quoted'\n",
            ),
            CONSUMER,
        ),
    ],
    ids=["other-resource", "previous-trailing", "blank-line", "other-ids", "in-strings"],
)
def test_directives_that_do_not_apply(write, queue, after):
    write("t.yaml", template(queue, after=after))
    run = scan_json("--select", "CW302", ".")
    assert run.code == 1
    (finding,) = run.report["findings"]
    assert finding["check_id"] == "CW302" and finding["resource"] == "Queue"
    assert finding["message"] == CW302_MESSAGE
    assert run.report["summary"]["suppressed"] == 0


def test_directive_in_a_block_scalar_is_code_not_a_comment(write):
    # the inline code's last line sits right above the queue: were it read as a comment, it would suppress
    worker = """\
  Code:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 20
      Role: arn:aws:iam::123456789012:role/worker
      Code:
        ZipFile: !Sub |
          def handler(event, context): pass
          # crosswire:ignore CW302 python comment
"""
    write("t.yaml", template(before=worker, after=CONSUMER.replace("!Ref Worker", "!Ref Code")))
    run = scan_json("--select", "CW302", ".")
    assert run.findings() == {("CW302", "Queue", 12)}


@pytest.mark.parametrize(
    "directive",
    ["# crosswire:ignore CW302", "# checkov:skip=CW302", "# crosswire:ignore CW302   "],
    ids=["crosswire", "checkov", "blank-reason"],
)
def test_suppression_without_a_reason_is_not_applied_and_says_so(write, directive):
    write("t.yaml", template(f"  {directive}\n" + QUEUE))
    run = scan_json("--select", "CW302", ".")
    assert run.code == 1
    assert run.findings() == {("CW302", "Queue", 4)}
    assert run.report["findings"][0]["message"] == (
        CW302_MESSAGE + " (the suppression at t.yaml:3 is not applied: it gives no reason)"
    )
    assert run.report["summary"]["suppressed"] == 0


def test_reasonless_and_reasoned_directives_together_suppress(write):
    write("t.yaml", template("  # crosswire:ignore CW302\n  # checkov:skip=CW302:idempotent consumers\n" + QUEUE))
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.findings(), run.report["summary"]["suppressed"]) == (0, set(), 1)


METADATA = """\
    Metadata:
      crosswire:
        ignore:
          - id: CW302
            reason: consumers are idempotent
"""


def test_cloudformation_metadata_suppresses(write):
    write("t.yaml", template(QUEUE.replace("    Properties:\n", METADATA + "    Properties:\n")))
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.findings(), run.report["summary"]["suppressed"]) == (0, set(), 1)


def test_cloudformation_metadata_without_reason_is_not_applied(write):
    metadata = METADATA.replace(
        "          - id: CW302\n            reason: consumers are idempotent\n", "          - CW302\n"
    )
    write("t.yaml", template(QUEUE.replace("    Properties:\n", metadata + "    Properties:\n")))
    run = scan_json("--select", "CW302", ".")
    assert run.code == 1
    assert run.findings() == {("CW302", "Queue", 3)}
    assert run.report["findings"][0]["message"] == (
        CW302_MESSAGE + " (the suppression at t.yaml:8 is not applied: it gives no reason)"
    )


@pytest.mark.parametrize(
    ("metadata", "line", "message"),
    [
        (
            "    Metadata:\n      crosswire:\n        ignore: CW302\n",
            7,
            "Metadata crosswire of Queue: expected `ignore: [{id: CW302, reason: ...}]`",
        ),
        (
            "    Metadata:\n      crosswire:\n        ignore:\n          - {id: CW302, reson: typo}\n",
            8,
            "Metadata crosswire of Queue: expected `ignore: [{id: CW302, reason: ...}]`",
        ),
        (
            "    Metadata:\n      crosswire:\n        ignore:\n          - {id: W9302, reason: wrong id}\n",
            8,
            "Metadata crosswire of Queue: 'W9302' is not a check ID like CW302",
        ),
    ],
    ids=["not-a-list", "unknown-key", "not-a-check-id"],
)
def test_malformed_metadata_is_an_input_error(write, metadata, line, message):
    write("t.yaml", template(QUEUE.replace("    Properties:\n", metadata + "    Properties:\n")))
    run = scan_json("--select", "CW302", ".")
    assert run.code == 2
    assert run.report["errors"] == [{"file": "t.yaml", "line": line, "message": message}]
    assert "Traceback" not in cli_subprocess("scan", "--select", "CW302", ".").stderr


SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Topic:
    Type: AWS::SNS::Topic
{directive}  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 10
      Events:
        Fanout:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            SqsSubscription: true
"""


def test_sam_generated_queue_is_reported_on_the_event_and_suppressed_by_the_function(write):
    write("t.yaml", SAM.format(directive=""))
    assert scan_json("--select", "CW302", ".").findings() == {("CW302", "Worker", 14)}
    write("t.yaml", SAM.format(directive="  # crosswire:ignore CW302 SAM queue, consumers are idempotent\n"))
    run = scan_json("--select", "CW302", ".")
    assert (run.code, run.findings(), run.report["summary"]["suppressed"]) == (0, set(), 1)


def test_text_report_counts_suppressed_findings(write):
    jobs = QUEUE.replace("Queue:", "Jobs:")
    mapping = "  JobsMapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n"
    mapping += "      EventSourceArn: !GetAtt Jobs.Arn\n      FunctionName: !Ref Worker\n"
    write("t.yaml", template("  # crosswire:ignore CW302 idempotent\n" + QUEUE + jobs, after=CONSUMER + mapping))
    proc = cli_subprocess("scan", "--select", "CW302", ".")
    assert proc.returncode == 1
    assert proc.stdout.startswith("t.yaml:8: CW302 warning:")
    assert proc.stdout.endswith(
        "crosswire: scanned 1 file, 5 resources; findings: 0 errors, 1 warning, 0 info; 1 suppressed, 0 baselined, "
        "0 skipped as unresolved\n"
    )


# -- the comment reader on its own ----------------------------------------------------------------------------


def test_directive_grammar():
    assert directives(" crosswire:ignore CW302 consumers are idempotent", "f", 3) == [
        Suppression("CW302", "consumers are idempotent", Span("f", 3, 3))
    ]
    assert directives(" crosswire:ignore cw301, CW302: - reason", "f", 1) == [
        Suppression("CW301", "reason", Span("f", 1, 1)),
        Suppression("CW302", "reason", Span("f", 1, 1)),
    ]
    assert directives(" checkov:skip=CW302:why not", "f", 1) == [Suppression("CW302", "why not", Span("f", 1, 1))]
    assert directives(" checkov:skip=CKV_AWS_27:theirs", "f", 1) == []
    assert directives(" crosswire:ignore everything", "f", 1) == []
    assert directives(" crosswire:ignore CW302X typo", "f", 1) == []


HCL = """\
# crosswire:ignore CW302 hash comment
resource "aws_sqs_queue" "orders" { // crosswire:ignore CW301 slash comment
  name = "a # crosswire:ignore CW101 not a comment"
  policy = "${jsonencode({a = "b # crosswire:ignore CW102 nested"})}" # crosswire:ignore CW107 after code
  /* crosswire:ignore CW108 block */ visibility_timeout_seconds = 60
  /* crosswire:ignore CW201
     spans lines */
  url = "https://example.com//path"
  "quoted" # crosswire:ignore CW203 after a string
  user_data = <<-EOT
    # crosswire:ignore CW202 heredoc text
  EOT
}
"""


def test_hcl_comment_reader():
    found = comments(HCL, "main.tf")
    assert found == {
        1: Comment(" crosswire:ignore CW302 hash comment", True),
        2: Comment(" crosswire:ignore CW301 slash comment", False),
        4: Comment(" crosswire:ignore CW107 after code", False),
        5: Comment(" crosswire:ignore CW108 block ", False),
        6: Comment(" crosswire:ignore CW201", True),
        7: Comment("     spans lines ", True),
        9: Comment(" crosswire:ignore CW203 after a string", False),
    }
    assert [d.check_id for n in sorted(found) for d in directives(found[n].text, "main.tf", n)] == [
        "CW302",
        "CW301",
        "CW107",
        "CW108",
        "CW201",
        "CW203",
    ]
    assert directives(found[5].text, "main.tf", 5)[0].reason == "block"


def test_json_templates_have_no_comments():
    assert comments('{"Description": "x # crosswire:ignore CW302 y"}', "t.json") == {}


@pytest.mark.parametrize(
    ("name", "text", "resource"),
    [
        ("t.yaml", template(before="  # crosswire:ignore CW302 idempotent consumers\n"), "Queue"),
        (
            "main.tf",
            '# crosswire:ignore CW302 idempotent consumers\nresource "aws_sqs_queue" "q" {\n'
            "  visibility_timeout_seconds = 60\n}\n"
            'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  timeout = 20\n'
            '  role = "arn:aws:iam::123456789012:role/f"\n}\n'
            'resource "aws_lambda_event_source_mapping" "m" {\n  event_source_arn = aws_sqs_queue.q.arn\n'
            "  function_name = aws_lambda_function.f.arn\n}\n",
            "aws_sqs_queue.q",
        ),
    ],
)
def test_directives_are_read_with_the_file_and_never_read_again(write, name, text, resource):
    """The loaders take the directives from the text they parsed: a file changed or gone after loading (a race
    in CI, or a hostile FIFO swapped in) cannot change what is suppressed, and nothing is read twice."""
    from crosswire import suppressions
    from crosswire.checks import ALL_CHECKS
    from crosswire.runner import ScanOptions, load, run_checks

    path = write(name, text)
    options = ScanOptions(select=("CW302",))
    loaded = load(["."], options)
    path.unlink()
    findings, _ = run_checks(loaded.graph, ALL_CHECKS, options)
    kept, suppressed = suppressions.apply(findings)
    assert kept == []
    assert [(s.finding.node.address, s.suppression.check_id, s.suppression.reason) for s in suppressed] == [
        (resource, "CW302", "idempotent consumers")
    ]
