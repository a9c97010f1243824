"""CW207 beyond its fixtures: the exact message, ARN spellings of the source queue, and the redrive allow policies it
cannot judge (listed under `unresolved` with the reason)."""

from __future__ import annotations

from conftest import scan_json

PAIR = """\
Parameters:
  Allowed:
    Type: String
  Target:
    Type: String
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
      RedrivePolicy: { deadLetterTargetArn: TARGET, maxReceiveCount: 5 }
  JobsDlq:
    Type: AWS::SQS::Queue
    Properties:
      RedriveAllowPolicy: POLICY
"""


def pair(policy: str, target: str = "!GetAtt JobsDlq.Arn") -> str:
    return PAIR.replace("POLICY", policy).replace("TARGET", target)


def unresolved(run) -> list[tuple[str, str]]:
    return [(u["resource"], u["reason"]) for u in run.report["unresolved"]]


def test_deny_all_is_reported_on_the_dead_letter_queue_with_the_policy_at_fault(write):
    write("t.yaml", pair("{ redrivePermission: denyAll }"))
    run = scan_json("--select", "CW207", ".")
    assert run.findings() == {("CW207", "JobsDlq", 12)}
    (finding,) = run.report["findings"]
    assert finding["message"] == (
        "queue Jobs dead-letters to queue JobsDlq, but the redrive allow policy of queue JobsDlq (t.yaml:15) is "
        "denyAll: SQS refuses the redrive policy of queue Jobs, whose failed messages then have no dead-letter queue"
    )
    assert [r["resource"] for r in finding["related"]] == ["Jobs"]


def test_the_source_queue_is_matched_in_every_spelling_of_its_arn(write):
    allowed = (
        "!GetAtt Jobs.Arn",
        "!Sub arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs",
        "arn:*:sqs:*:*:jobs",
    )
    for arn in allowed:
        write("t.yaml", pair(f"{{ redrivePermission: byQueue, sourceQueueArns: [{arn}] }}"))
        run = scan_json("--select", "CW207", ".")
        assert (run.findings(), unresolved(run)) == (set(), []), arn
    # another queue, by reference or by an ARN whose name differs from the queue's known name, is a definite no
    for other, shown in (
        ("!GetAtt JobsDlq.Arn", "queue JobsDlq"),
        ("arn:aws:sqs:us-east-1:123456789012:job", "arn:aws:sqs:us-east-1:123456789012:job"),
    ):
        write("t.yaml", pair(f"{{ redrivePermission: byQueue, sourceQueueArns: [{other}] }}"))
        run = scan_json("--select", "CW207", ".")
        assert run.findings() == {("CW207", "JobsDlq", 12)}
        assert f"(t.yaml:15) allows only {shown} (byQueue):" in run.report["findings"][0]["message"]


def test_what_cannot_be_known_is_a_skip_not_a_finding(write):
    cases = (
        (
            pair("{ redrivePermission: byQueue, sourceQueueArns: [!Ref Allowed] }"),
            "JobsDlq",
            "whether queue JobsDlq lets queue Jobs use it is unknown: sourceQueueArns: parameter Allowed has no "
            "default and no --param value",
        ),
        (
            pair("{ redrivePermission: byQueue }"),
            "JobsDlq",
            "whether queue JobsDlq lets queue Jobs use it is unknown: its redrive allow policy has redrivePermission "
            "'byQueue' with no sourceQueueArns",
        ),
        (
            pair("{ redrivePermission: denyAll }", target="!Ref Target"),
            "Jobs",
            "dead-letter queue of queue Jobs is unresolved: parameter Target has no default and no --param value",
        ),
    )
    for text, resource, reason in cases:
        write("t.yaml", text)
        run = scan_json("--select", "CW207", ".")
        assert (run.findings(), unresolved(run)) == (set(), [(resource, reason)])


def test_terraform_redrive_allow_policy_resource_counts_and_an_unnamed_queue_is_unknown(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {
  name_prefix    = "jobs-"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.jobs_dlq.arn, maxReceiveCount = 5 })
}

resource "aws_sqs_queue" "jobs_dlq" {
  name_prefix = "jobs-dlq-"
}

resource "aws_sqs_queue_redrive_allow_policy" "jobs_dlq" {
  queue_url            = aws_sqs_queue.jobs_dlq.id
  redrive_allow_policy = jsonencode({ redrivePermission = "byQueue", sourceQueueArns = ["arn:aws:sqs:us-east-1:123456789012:jobs-1"] })
}
""",
    )
    run = scan_json("--select", "CW207", ".")
    assert run.findings() == set()
    assert unresolved(run) == [
        (
            "aws_sqs_queue.jobs_dlq",
            "whether queue aws_sqs_queue.jobs_dlq lets queue aws_sqs_queue.jobs use it is unknown: sourceQueueArns: "
            "arn:aws:sqs:us-east-1:123456789012:jobs-1 cannot be compared with it",
        )
    ]
