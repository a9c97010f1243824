"""Given only changed files (as pre-commit passes them), crosswire reads whole modules and reports what touches
those files: a `.tf` expands to its module and the root modules that call it."""

from __future__ import annotations

import json

from conftest import scan_json

QUEUE = """\
resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = 120
}

resource "aws_sqs_queue" "other" {
  name                       = "other"
  visibility_timeout_seconds = 20
}

resource "aws_lambda_function" "other" {
  function_name = "other"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 10
}

resource "aws_lambda_event_source_mapping" "other" {
  event_source_arn = aws_sqs_queue.other.arn
  function_name    = aws_lambda_function.other.arn
}
"""

LAMBDA = """\
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}
"""


def located(run) -> list[tuple[str, str, str, int]]:
    return [(f["check_id"], f["resource"], f["file"], f["line"]) for f in run.report["findings"]]


def test_a_changed_file_reports_the_wire_into_the_rest_of_its_module(write):
    write("infra/main.tf", QUEUE)
    write("infra/lambda.tf", LAMBDA)
    # the whole module has two findings; only the one wired to lambda.tf concerns a change of lambda.tf
    assert located(scan_json("--select", "CW302", "infra")) == [
        ("CW302", "aws_sqs_queue.jobs", "infra/main.tf", 1),
        ("CW302", "aws_sqs_queue.other", "infra/main.tf", 6),
    ]
    assert located(scan_json("--select", "CW302", "infra/lambda.tf")) == [("CW302", "aws_sqs_queue.jobs", "infra/main.tf", 1)]
    assert located(scan_json("--select", "CW302", "infra/main.tf")) == [
        ("CW302", "aws_sqs_queue.jobs", "infra/main.tf", 1),
        ("CW302", "aws_sqs_queue.other", "infra/main.tf", 6),
    ]


def test_a_changed_local_module_is_checked_through_the_root_module_that_calls_it(write):
    write(
        "envs/prod/main.tf",
        """\
module "queue" {
  source     = "../../modules/queue"
  visibility = 90
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 30
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = module.queue.arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    write(
        "modules/queue/main.tf",
        """\
variable "visibility" {}

resource "aws_sqs_queue" "this" {
  name                       = "jobs"
  visibility_timeout_seconds = var.visibility
}

output "arn" {
  value = aws_sqs_queue.this.arn
}
""",
    )
    run = scan_json("--select", "CW302", "modules/queue/main.tf")
    assert located(run) == [("CW302", "module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 3)]
    assert run.report["unresolved"] == []


def test_a_changed_local_module_is_checked_through_a_json_root_module_that_calls_it(write):
    """`"source": "../x"` in a `.tf.json` file is a local module call too (the quick test for callers looked
    for `source` followed by `=` or `:`, and missed the quote between them)."""
    caller = {
        "module": {"queue": {"source": "../../modules/queue", "visibility": 90}},
        "resource": {
            "aws_lambda_function": {
                "worker": {"function_name": "worker", "role": "arn:aws:iam::123456789012:role/r", "timeout": 30}
            },
            "aws_lambda_event_source_mapping": {
                "jobs": {"event_source_arn": "${module.queue.arn}", "function_name": "${aws_lambda_function.worker.arn}"}
            },
        },
    }
    write("envs/prod/main.tf.json", json.dumps(caller, indent=2))
    write(
        "modules/queue/main.tf",
        """\
variable "visibility" {}

resource "aws_sqs_queue" "this" {
  name                       = "jobs"
  visibility_timeout_seconds = var.visibility
}

output "arn" {
  value = aws_sqs_queue.this.arn
}
""",
    )
    run = scan_json("--select", "CW302", "modules/queue/main.tf")
    assert located(run) == [("CW302", "module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 3)]
    assert run.report["unresolved"] == []


def test_a_clean_changed_file_passes(write):
    write("infra/main.tf", QUEUE.replace("visibility_timeout_seconds = 120", "visibility_timeout_seconds = 360"))
    write("infra/lambda.tf", LAMBDA)
    run = scan_json("--select", "CW302", "infra/lambda.tf")
    assert (run.code, located(run)) == (0, [])
