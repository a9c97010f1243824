"""CW310 beyond its fixtures: messages, where the value came from, -1 in Terraform, unresolved values."""

from __future__ import annotations

from conftest import scan_json

CONSEQUENCE = (
    "the batches it has no concurrency for are throttled and go back to the queue, each receive counting against "
    "maxReceiveCount, so messages that were never processed reach the dead-letter queue or expire"
)


def scan() -> tuple[set[tuple[str, str, int]], dict]:
    run = scan_json(".", "--select", "CW310", "--fail-on", "never")
    assert run.code == 0, run.err
    return run.findings(), run.report


def consumer(reserved: str, mapping_extra: str = "", variables: str = "") -> str:
    return (
        variables + 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n\n'
        'resource "aws_lambda_function" "worker" {\n'
        '  function_name = "worker"\n  role = "arn:aws:iam::123456789012:role/worker"\n'
        f"  reserved_concurrent_executions = {reserved}\n}}\n\n"
        'resource "aws_lambda_event_source_mapping" "jobs" {\n'
        "  event_source_arn = aws_sqs_queue.jobs.arn\n"
        "  function_name    = aws_lambda_function.worker.arn\n" + mapping_extra + "}\n"
    )


def test_a_value_from_sam_globals_says_so(write):
    write(
        "template.yaml",
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    ReservedConcurrentExecutions: 3\n"
        "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
        "  Worker:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: src/\n"
        "      Events:\n        FromJobs:\n          Type: SQS\n          Properties:\n"
        "            Queue: !GetAtt Jobs.Arn\n",
    )
    findings, report = scan()
    assert findings == {("CW310", "Worker", 8)}
    assert report["findings"][0]["message"] == (
        "function Worker consumes queue Jobs with reserved concurrency 3 (from Globals), below the 5 AWS asks for "
        f"on an SQS consumer: {CONSEQUENCE}"
    )
    assert [r["resource"] for r in report["findings"][0]["related"]] == ["Jobs"]


def test_the_widest_mapping_sets_the_floor_and_is_named(write):
    write(
        "main.tf",
        consumer("8", "  scaling_config {\n    maximum_concurrency = 6\n  }\n")
        + '\nresource "aws_sqs_queue" "audit" {\n  name = "audit"\n}\n\n'
        'resource "aws_lambda_event_source_mapping" "audit" {\n'
        "  event_source_arn = aws_sqs_queue.audit.arn\n"
        "  function_name    = aws_lambda_function.worker.arn\n"
        "  scaling_config {\n    maximum_concurrency = 12\n  }\n}\n",
    )
    findings, report = scan()
    assert findings == {("CW310", "aws_lambda_function.worker", 5)}
    assert report["findings"][0]["message"] == (
        "function aws_lambda_function.worker consumes queue aws_sqs_queue.audit, queue aws_sqs_queue.jobs with "
        "reserved concurrency 8, below the MaximumConcurrency 12 of mapping aws_lambda_event_source_mapping.audit: "
        f"{CONSEQUENCE}"
    )


def test_reserved_concurrency_zero_with_an_enabled_mapping_says_how_to_pause(write):
    write("main.tf", consumer("0"))
    findings, report = scan()
    assert findings == {("CW310", "aws_lambda_function.worker", 5)}
    assert report["findings"][0]["message"] == (
        "function aws_lambda_function.worker is switched off with reserved concurrency 0 while its mapping from "
        f"queue aws_sqs_queue.jobs is enabled: {CONSEQUENCE}; disable the mapping instead to pause the consumer"
    )


def test_minus_one_is_terraforms_no_reservation(write):
    write("main.tf", consumer("-1"))
    findings, report = scan()
    assert findings == set()
    assert report["unresolved"] == []


def test_an_unresolved_reserved_concurrency_is_skipped(write):
    write("main.tf", consumer("var.reserved", variables='variable "reserved" {\n  type = number\n}\n\n'))
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in report["unresolved"]] == [
        ("CW310", "aws_lambda_function.worker", 9)
    ]
    assert report["unresolved"][0]["reason"].startswith(
        "reserved concurrency of function aws_lambda_function.worker is unresolved: "
    )


def test_an_unresolved_maximum_concurrency_is_skipped_when_it_could_decide(write):
    variables = 'variable "most" {\n  type = number\n}\n\n'
    write("main.tf", consumer("50", "  scaling_config {\n    maximum_concurrency = var.most\n  }\n", variables))
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"]) for u in report["unresolved"]] == [
        ("CW310", "aws_lambda_function.worker")
    ]
    assert report["unresolved"][0]["reason"].startswith(
        "MaximumConcurrency of mapping aws_lambda_event_source_mapping.jobs is unresolved: "
    )


def test_below_five_is_a_finding_whatever_an_unresolved_maximum_concurrency_is(write):
    variables = 'variable "most" {\n  type = number\n}\n\n'
    write("main.tf", consumer("3", "  scaling_config {\n    maximum_concurrency = var.most\n  }\n", variables))
    findings, report = scan()
    assert findings == {("CW310", "aws_lambda_function.worker", 9)}
    assert report["unresolved"] == []


def test_whether_the_only_mapping_is_enabled_unresolved_is_skipped(write):
    variables = 'variable "on" {\n  type = bool\n}\n\n'
    write("main.tf", consumer("0", "  enabled = var.on\n", variables))
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"]) for u in report["unresolved"]] == [
        ("CW310", "aws_lambda_function.worker")
    ]
    assert report["unresolved"][0]["reason"].startswith(
        "whether mapping aws_lambda_event_source_mapping.jobs is enabled is unresolved: "
    )


def test_a_mapping_whose_source_is_unknown_is_skipped_only_for_a_function_that_reserves(write):
    mapping = (
        'variable "source" {{\n  type = string\n}}\n\n'
        'resource "aws_lambda_function" "worker" {{\n'
        '  function_name = "worker"\n  role = "arn:aws:iam::123456789012:role/worker"\n{reserved}}}\n\n'
        'resource "aws_lambda_event_source_mapping" "jobs" {{\n'
        "  event_source_arn = var.source\n"
        "  function_name    = aws_lambda_function.worker.arn\n}}\n"
    )
    write("main.tf", mapping.format(reserved=""))
    findings, report = scan()
    assert findings == set()
    assert report["unresolved"] == []
    write("main.tf", mapping.format(reserved="  reserved_concurrent_executions = 2\n"))
    findings, report = scan()
    assert findings == set()
    assert [(u["check_id"], u["resource"]) for u in report["unresolved"]] == [
        ("CW310", "aws_lambda_event_source_mapping.jobs")
    ]
