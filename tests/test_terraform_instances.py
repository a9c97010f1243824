"""Terraform `count` and `for_each` over known collections: each instance is a node of its own, addressed as
Terraform addresses it, evaluated with its own `count.index` or `each`, and wired to the instances its references
name (issue 12, item 2)."""

from __future__ import annotations

import json

from conftest import run_cli, scan_json
from crosswire.graph import Graph
from crosswire.loaders import terraform
from crosswire.model import EdgeKind as E
from crosswire.model import Queue

PER_KEY = """\
variable "queues" {
  default = {
    fast = { visibility = 20, timeout = 30 }
    slow = { visibility = 900, timeout = 60 }
  }
}

resource "aws_sqs_queue" "work" {
  for_each                   = var.queues
  name                       = "work-${each.key}"
  visibility_timeout_seconds = each.value.visibility
}

resource "aws_lambda_function" "worker" {
  for_each      = var.queues
  function_name = "worker-${each.key}"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = each.value.timeout
}

resource "aws_lambda_event_source_mapping" "work" {
  for_each         = var.queues
  event_source_arn = aws_sqs_queue.work[each.key].arn
  function_name    = aws_lambda_function.worker[each.key].arn
}
"""


def load() -> Graph:
    graph = Graph()
    outcome = terraform.load_directories(["."], graph, terraform.Variables())
    assert outcome.errors == []
    graph.resolve_wires()
    return graph


def consumed(graph: Graph) -> set[tuple[str, str, str]]:
    """(mapping, queue, function) for every mapping of the graph."""
    return {
        (m.address, q.address, f.address)
        for m in graph.nodes.values()
        if m.kind.value == "mapping"
        for q in graph.targets(m, E.CONSUMES)
        for f in graph.targets(m, E.INVOKES)
    }


def test_for_each_instances_take_their_own_values_and_wire_by_each_key(write):
    write("main.tf", PER_KEY)
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", 'aws_sqs_queue.work["fast"]', 8)}
    (finding,) = run.report["findings"]
    assert finding["message"].startswith(
        'queue aws_sqs_queue.work["fast"]: visibility timeout 20 s is below the timeout 30 s of its consumer function '
        'aws_lambda_function.worker["fast"]'
    )
    assert run.report["unresolved"] == []
    assert consumed(load()) == {
        ('aws_lambda_event_source_mapping.work["fast"]', 'aws_sqs_queue.work["fast"]', 'aws_lambda_function.worker["fast"]'),
        ('aws_lambda_event_source_mapping.work["slow"]', 'aws_sqs_queue.work["slow"]', 'aws_lambda_function.worker["slow"]'),
    }


def test_count_instances_wire_by_count_index(write):
    write(
        "main.tf",
        """\
locals {
  timeouts = [30, 120]
}

resource "aws_sqs_queue" "jobs" {
  count                      = 2
  visibility_timeout_seconds = 60
}

resource "aws_lambda_function" "worker" {
  count         = length(local.timeouts)
  function_name = "worker-${count.index}"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = local.timeouts[count.index]
}

resource "aws_lambda_event_source_mapping" "jobs" {
  count            = 2
  event_source_arn = aws_sqs_queue.jobs[count.index].arn
  function_name    = aws_lambda_function.worker[count.index].function_name
}
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs[1]", 5)}
    assert consumed(load()) == {
        ("aws_lambda_event_source_mapping.jobs[0]", "aws_sqs_queue.jobs[0]", "aws_lambda_function.worker[0]"),
        ("aws_lambda_event_source_mapping.jobs[1]", "aws_sqs_queue.jobs[1]", "aws_lambda_function.worker[1]"),
    }


def test_a_set_for_each_and_a_splat_reach_every_instance(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {
  for_each                   = toset(["a", "b"])
  name                       = "jobs-${each.value}"
  visibility_timeout_seconds = 10
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 30
}

resource "aws_lambda_event_source_mapping" "jobs" {
  for_each         = toset([for q in values(aws_sqs_queue.jobs) : q.arn])
  event_source_arn = each.value
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    run = scan_json("--select", "CW301", ".")
    # the mappings' for_each is over ARNs known only after apply: one node stands for both, and reads neither
    assert run.findings() == set()
    graph = load()
    assert sorted(n.address for n in graph.nodes.values() if isinstance(n, Queue)) == [
        'aws_sqs_queue.jobs["a"]',
        'aws_sqs_queue.jobs["b"]',
    ]


def test_module_instances_are_addressed_by_their_key_and_take_their_own_inputs(write):
    write(
        "modules/queue/main.tf",
        """\
variable "visibility" {}

resource "aws_sqs_queue" "this" {
  visibility_timeout_seconds = var.visibility
}

output "arn" {
  value = aws_sqs_queue.this.arn
}
""",
    )
    write(
        "main.tf",
        """\
module "queue" {
  source     = "./modules/queue"
  for_each   = { fast = 20, slow = 900 }
  visibility = each.value
}

module "counted" {
  source     = "./modules/queue"
  count      = 1
  visibility = 10
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "fast" {
  event_source_arn = module.queue["fast"].arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_event_source_mapping" "slow" {
  event_source_arn = module.queue["slow"].arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_event_source_mapping" "counted" {
  event_source_arn = module.counted[0].arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert {(f["check_id"], f["resource"], f["file"], f["line"]) for f in run.report["findings"]} == {
        ("CW301", 'module.queue["fast"].aws_sqs_queue.this', "modules/queue/main.tf", 3),
        ("CW301", "module.counted[0].aws_sqs_queue.this", "modules/queue/main.tf", 3),
    }
    assert consumed(load()) == {
        ("aws_lambda_event_source_mapping.fast", 'module.queue["fast"].aws_sqs_queue.this', "aws_lambda_function.worker"),
        ("aws_lambda_event_source_mapping.slow", 'module.queue["slow"].aws_sqs_queue.this', "aws_lambda_function.worker"),
        ("aws_lambda_event_source_mapping.counted", "module.counted[0].aws_sqs_queue.this", "aws_lambda_function.worker"),
    }


def test_keys_that_cannot_be_part_of_an_address_keep_one_node_for_every_instance(write):
    """A key with a quote or a space would make a misleading address: the declaration stays one node."""
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {
  for_each                   = { "a b" = 20, "c\\"d" = 20 }
  visibility_timeout_seconds = each.value
}
""",
    )
    graph = load()
    (queue,) = [n for n in graph.nodes.values() if isinstance(n, Queue)]
    assert (queue.address, queue.repeated, queue.visibility_timeout.value) == ("aws_sqs_queue.jobs", "for_each", 20)


def test_the_graph_dump_lists_each_instance(write):
    write("main.tf", PER_KEY)
    dump = run_cli("graph", ".", "--format", "json")
    nodes = {(n["address"], n["repeated"]) for n in json.loads(dump.out)["nodes"]}
    assert {a for a, _ in nodes} == {
        'aws_sqs_queue.work["fast"]',
        'aws_sqs_queue.work["slow"]',
        'aws_lambda_function.worker["fast"]',
        'aws_lambda_function.worker["slow"]',
        'aws_lambda_event_source_mapping.work["fast"]',
        'aws_lambda_event_source_mapping.work["slow"]',
    }
    assert {r for _, r in nodes} == {""}


def test_an_output_of_one_instance_of_a_module_that_is_not_downloaded_is_unresolved(write):
    """A registry module called with for_each, not downloaded: module.queues["a"].queue_arn is as unknown as the
    module (this crashed the loader: the instance's outputs were read from an unresolved module)."""
    write(
        "main.tf",
        """\
module "queues" {
  source   = "terraform-aws-modules/sqs/aws"
  for_each = toset(["a"])
  name     = each.key
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 30
}

resource "aws_lambda_event_source_mapping" "m" {
  event_source_arn = module.queues["a"].queue_arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert (run.code, run.report["errors"], run.findings()) == (0, [], set())
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "CW301",
            "aws_lambda_event_source_mapping.m",
            "queue of mapping aws_lambda_event_source_mapping.m is unresolved: module module.queues "
            "(terraform-aws-modules/sqs/aws) is not vendored; its outputs are unknown",
        ),
        (
            None,
            "module.queues",
            "registry module terraform-aws-modules/sqs/aws is not downloaded (no .terraform/modules/modules.json "
            "entry): its resources are not checked",
        ),
    ]
