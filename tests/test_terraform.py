"""The Terraform loader, through the real CLI: each case asserts exact findings (ID, resource, line) and files."""

from __future__ import annotations

import copy
import json

from conftest import run_cli, scan_json
from crosswire.graph import Graph
from crosswire.loaders import terraform, terraform_plan
from crosswire.model import EdgeKind as E
from crosswire.model import (
    Function,
    Key,
    Mapping,
    Origin,
    Permission,
    Policy,
    Queue,
    Ref,
    Role,
    Span,
    Statement,
    Subscription,
    Topic,
)

CONSUMER = """\
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}
"""


def load(directory: str = ".", **variables: str) -> Graph:
    graph = Graph()
    outcome = terraform.load_directories(
        [directory], graph, terraform.Variables(tuple(("var", f"{k}={v}") for k, v in variables.items()))
    )
    assert outcome.errors == []
    graph.resolve_wires()
    return graph


def files_and_findings(run) -> set[tuple[str, str, str, int]]:
    return {(f["check_id"], f["resource"], f["file"], f["line"]) for f in run.report["findings"]}


def test_a_module_split_across_files_is_one_module(write):
    write("infra/queues.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = var.visibility\n}\n')
    write("infra/variables.tf", 'variable "visibility" {\n  default = 120\n}\n')
    write("infra/lambda.tf", CONSUMER)
    run = scan_json("--select", "CW302", ".")
    assert files_and_findings(run) == {("CW302", "aws_sqs_queue.jobs", "infra/queues.tf", 1)}
    assert run.report["findings"][0]["related"] == [
        {"resource": "aws_lambda_function.worker", "file": "infra/lambda.tf", "line": 1}
    ]
    assert run.report["summary"]["files"] == 3
    assert run.report["summary"]["resources"] == 3


def test_tfvars_override_the_default_in_terraform_precedence(write, tmp_path, monkeypatch):
    write("queues.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = var.visibility\n}\n')
    write("variables.tf", 'variable "visibility" {\n  type    = number\n  default = 400\n}\n')
    write("lambda.tf", CONSUMER)
    assert scan_json("--select", "CW301,CW302", ".").findings() == set()
    write("terraform.tfvars", "visibility = 100\n")
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == {("CW302", "aws_sqs_queue.jobs", 1)}
    message = run.report["findings"][0]["message"]
    assert "visibility timeout 100 s (variable visibility, from terraform.tfvars)" in message
    write("a.auto.tfvars", "visibility = 50\n")
    assert scan_json("--select", "CW301,CW302", ".").findings() == {("CW301", "aws_sqs_queue.jobs", 1)}
    write("../prod.tfvars", "visibility = 500\n")
    assert scan_json("--select", "CW301,CW302", ".", "--var-file", str(tmp_path.parent / "prod.tfvars")).findings() == set()
    assert scan_json("--select", "CW301,CW302", ".", "--var-file", str(tmp_path.parent / "prod.tfvars"), "--var", "visibility=90").findings() == {
        ("CW302", "aws_sqs_queue.jobs", 1)
    }
    monkeypatch.setenv("TF_VAR_visibility", "20")
    write("a.auto.tfvars", "")
    write("terraform.tfvars", "")
    assert scan_json("--select", "CW301,CW302", ".").findings() == set()  # the environment is read only with --var-env
    assert scan_json("--select", "CW301,CW302", ".", "--var-env").findings() == {("CW301", "aws_sqs_queue.jobs", 1)}


def test_var_and_var_file_apply_in_command_line_order(write):
    write("queues.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = var.vt\n}\n')
    write("variables.tf", 'variable "vt" {\n  type = number\n}\n')
    write("lambda.tf", CONSUMER)
    write("f.tfvars", "vt = 20\n")
    write("g.tfvars", "vt = 400\n")
    # the later of -var and -var-file wins, as in Terraform
    assert scan_json("--select", "CW301", ".", "--var", "vt=900", "--var-file", "f.tfvars").findings() == {
        ("CW301", "aws_sqs_queue.jobs", 1)
    }
    assert scan_json("--select", "CW301", ".", "--var-file", "f.tfvars", "--var", "vt=900").findings() == set()
    assert scan_json("--select", "CW301", ".", "--var-file", "g.tfvars", "--var-file", "f.tfvars").findings() == {
        ("CW301", "aws_sqs_queue.jobs", 1)
    }


QUEUE_MODULE = """\
variable "name" {}
variable "visibility" {
  default = 30
}

resource "aws_sqs_queue" "this" {
  name                       = var.name
  visibility_timeout_seconds = var.visibility
}

output "arn" {
  value = aws_sqs_queue.this.arn
}
"""


def test_a_local_module_output_feeds_an_event_source_mapping(write):
    write("modules/queue/main.tf", QUEUE_MODULE)
    write(
        "main.tf",
        """\
module "queue" {
  source     = "./modules/queue"
  name       = "jobs"
  visibility = 120
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = module.queue.arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    run = scan_json("--select", "CW302", ".")
    assert files_and_findings(run) == {("CW302", "module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 6)}
    assert "(module input visibility of module.queue)" in run.report["findings"][0]["message"]
    assert run.report["summary"] == {
        "files": 2,
        "resources": 3,
        "findings": {"error": 0, "warning": 1, "info": 0},
        "suppressed": 0,
        "baselined": 0,
    }
    # the module directory scanned on its own is a root of its own; its findings are not repeated
    run = scan_json("--select", "CW302", ".", "modules/queue")
    assert files_and_findings(run) == {("CW302", "module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 6)}


def test_nested_modules_nest_the_address_and_inputs(write):
    write("modules/queue/main.tf", QUEUE_MODULE)
    write(
        "modules/service/main.tf",
        """\
variable "timeout" {}

module "queue" {
  source     = "../queue"
  name       = "jobs"
  visibility = var.timeout * 2
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  timeout       = var.timeout
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = module.queue.arn
  function_name    = aws_lambda_function.worker.function_name
}
""",
    )
    write("main.tf", 'module "orders" {\n  source  = "./modules/service"\n  timeout = 30\n}\n')
    run = scan_json("--select", "CW302", ".")
    assert files_and_findings(run) == {
        ("CW302", "module.orders.module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 6)
    }


def test_jsonencode_redrive_and_queue_policies(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "dlq" {
  name = "jobs-dlq"
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
  redrive_allow_policy = <<-EOT
    {"redrivePermission": "byQueue", "sourceQueueArns": ["${aws_sqs_queue.jobs.arn}"]}
  EOT
}

resource "aws_sns_topic" "events" {}

resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.jobs.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.events.arn } }
    }]
  })
}
""",
    )
    graph = load()
    jobs = graph.nodes[".#aws_sqs_queue.jobs"]
    assert isinstance(jobs, Queue)
    assert jobs.max_receive_count.value == 5
    assert jobs.max_receive_count.span is not None and jobs.max_receive_count.span.line == 7
    assert graph.dlq_of(jobs) is graph.nodes[".#aws_sqs_queue.dlq"]
    assert jobs.redrive_allow_policy.value == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [Ref("aws_sqs_queue.jobs", "arn")],
    }
    (policy,) = graph.policies_of(jobs)
    assert policy.address == "aws_sqs_queue_policy.jobs"
    assert policy.statements.value == (
        Statement(
            effect="Allow",
            principals={"Service": ("sns.amazonaws.com",)},
            actions=("sqs:SendMessage",),
            resources=(Ref("aws_sqs_queue.jobs", "arn"),),
            conditions={"ArnEquals": {"aws:SourceArn": Ref("aws_sns_topic.events", "arn")}},
            span=Span("main.tf", 22, 28),  # the statement's own lines, within the document's
        ),
    )


def test_standalone_redrive_policy_resources_set_the_queue(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "dlq" {}
resource "aws_sqs_queue" "jobs" {}

resource "aws_sqs_queue_redrive_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 1 })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url            = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({ redrivePermission = "denyAll" })
}
""",
    )
    graph = load()
    jobs, dlq = graph.nodes[".#aws_sqs_queue.jobs"], graph.nodes[".#aws_sqs_queue.dlq"]
    assert isinstance(jobs, Queue) and isinstance(dlq, Queue)
    assert graph.dlq_of(jobs) is dlq
    assert jobs.max_receive_count.value == 1
    assert dlq.redrive_allow_policy.value == {"redrivePermission": "denyAll"}


POLICY_DOCUMENTS = """\
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "base" {
  statement {
    sid       = "Admin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

data "aws_iam_policy_document" "key" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    sid       = "Sns"
    actions   = ["kms:GenerateDataKey*", "kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "queue" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.jobs.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.events.arn]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_kms_key" "queue" {
  policy = data.aws_iam_policy_document.key.json
}

resource "aws_sns_topic" "events" {}

resource "aws_sqs_queue" "jobs" {
  kms_master_key_id = aws_kms_key.queue.id
  policy            = data.aws_iam_policy_document.queue.json
}
"""


def test_policy_documents_render_to_statements(write):
    write("main.tf", POLICY_DOCUMENTS)
    graph = load()
    jobs = graph.nodes[".#aws_sqs_queue.jobs"]
    assert isinstance(jobs, Queue)
    key = graph.key_of(jobs)
    assert isinstance(key, Key) and key.address == "aws_kms_key.queue"
    (key_policy,) = graph.policies_of(key)
    assert [(s.effect, s.principals, s.actions) for s in key_policy.statements.value] == [
        ("Allow", {"AWS": ("arn:aws:iam::${AWS::AccountId}:root",)}, ("kms:*",)),
        ("Allow", {"Service": ("sns.amazonaws.com",)}, ("kms:GenerateDataKey*", "kms:Decrypt")),
    ]
    (queue_policy,) = graph.policies_of(jobs)
    assert isinstance(queue_policy, Policy)
    assert [(s.effect, s.principals, s.resources, s.conditions) for s in queue_policy.statements.value] == [
        (
            "Allow",
            {"Service": ("sns.amazonaws.com",)},
            (Ref("aws_sqs_queue.jobs", "arn"),),
            {"ArnEquals": {"aws:SourceArn": [Ref("aws_sns_topic.events", "arn")]}},
        ),
        ("Deny", "*", ("*",), {"Bool": {"aws:SecureTransport": ["false"]}}),
    ]


def test_override_documents_replace_statements_with_the_same_sid(write):
    write(
        "main.tf",
        """\
data "aws_iam_policy_document" "override" {
  statement {
    sid     = "Send"
    actions = ["sqs:SendMessage"]
  }
}

data "aws_iam_policy_document" "queue" {
  override_policy_documents = [data.aws_iam_policy_document.override.json]
  statement {
    sid     = "Send"
    actions = ["sqs:*"]
  }
  statement {
    sid     = "Read"
    actions = ["sqs:ReceiveMessage"]
  }
}

resource "aws_sqs_queue" "jobs" {
  policy = data.aws_iam_policy_document.queue.json
}
""",
    )
    graph = load()
    (policy,) = graph.policies_of(graph.nodes[".#aws_sqs_queue.jobs"])
    assert [s.actions for s in policy.statements.value] == [("sqs:SendMessage",), ("sqs:ReceiveMessage",)]


def test_each_instance_of_a_counted_queue_is_a_node_that_its_index_reaches(write):
    """Terraform plans `count = 3` as three queues; the mapping reads the first only, so only it is checked."""
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {
  count                      = 3
  name                       = "jobs-${count.index}"
  visibility_timeout_seconds = 20
}
"""
        + CONSUMER.replace("aws_sqs_queue.jobs.arn", "aws_sqs_queue.jobs[0].arn"),
    )
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs[0]", 1)}
    graph = load()
    queues = [graph.nodes[f".#aws_sqs_queue.jobs[{n}]"] for n in range(3)]
    assert [(q.repeated, q.name.value) for q in queues if isinstance(q, Queue)] == [
        ("", "jobs-0"),
        ("", "jobs-1"),
        ("", "jobs-2"),
    ]
    assert ".#aws_sqs_queue.jobs" not in graph.nodes


def test_count_zero_declares_nothing_and_for_each_links_through_each_value(write):
    write(
        "main.tf",
        """\
variable "enabled" {
  default = false
}

resource "aws_sqs_queue" "disabled" {
  count                      = var.enabled ? 1 : 0
  visibility_timeout_seconds = 1
}

resource "aws_sqs_queue" "jobs" {
  for_each                   = toset(["a", "b"])
  name                       = "jobs-${each.key}"
  visibility_timeout_seconds = 20
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  for_each         = aws_sqs_queue.jobs
  event_source_arn = each.value.arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_event_source_mapping" "disabled" {
  event_source_arn = aws_sqs_queue.disabled[0].arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    assert scan_json("--select", "CW301", ".").findings() == {
        ("CW301", 'aws_sqs_queue.jobs["a"]', 10),
        ("CW301", 'aws_sqs_queue.jobs["b"]', 10),
    }
    graph = load()
    assert ".#aws_sqs_queue.disabled" not in graph.nodes
    for key in ("a", "b"):  # for_each over a resource: each mapping instance reads the queue instance of its key
        mapping = graph.nodes[f'.#aws_lambda_event_source_mapping.jobs["{key}"]']
        assert [q.address for q in graph.targets(mapping, E.CONSUMES)] == [f'aws_sqs_queue.jobs["{key}"]']


def test_the_aws_managed_key_by_alias_arn_data_alias_and_data_key(write):
    write(
        "main.tf",
        """\
data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_kms_alias" "sqs" {
  name = "alias/aws/sqs"
}
data "aws_kms_key" "sqs" {
  key_id = "alias/aws/sqs"
}

locals {
  prefix = "arn:${data.aws_partition.current.partition}:kms:${data.aws_region.current.name}"
  keys = {
    alias = "alias/aws/sqs"
    arn   = "${local.prefix}:${data.aws_caller_identity.current.account_id}:alias/aws/sqs"
    data  = data.aws_kms_alias.sqs.arn
    key   = data.aws_kms_key.sqs.arn
  }
}

resource "aws_sns_topic" "events" {}

resource "aws_sqs_queue" "by_alias" {
  kms_master_key_id = local.keys.alias
}

resource "aws_sqs_queue" "by_arn" {
  kms_master_key_id = lookup(local.keys, "arn")
}

resource "aws_sqs_queue" "by_data" {
  kms_master_key_id = local.keys["data"]
}

resource "aws_sqs_queue" "by_key" {
  kms_master_key_id = local.keys.key
}

resource "aws_sns_topic_subscription" "all" {
  for_each  = { a = aws_sqs_queue.by_alias.arn }
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = each.value
}

resource "aws_sns_topic_subscription" "arn" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.by_arn.arn
}

resource "aws_sns_topic_subscription" "data" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.by_data.arn
}

resource "aws_sns_topic_subscription" "key" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.by_key.arn
}
""",
    )
    assert scan_json("--select", "CW102", ".").findings() == {
        ("CW102", "aws_sqs_queue.by_alias", 23),
        ("CW102", "aws_sqs_queue.by_arn", 27),
        ("CW102", "aws_sqs_queue.by_data", 31),
        ("CW102", "aws_sqs_queue.by_key", 35),
    }


def test_an_unresolvable_variable_skips_and_is_listed_as_unresolved(write):
    write(
        "main.tf",
        'variable "visibility" {}\n\nresource "aws_sqs_queue" "jobs" {\n'
        "  visibility_timeout_seconds = var.visibility\n}\n" + CONSUMER,
    )
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.code == 0
    assert run.findings() == set()
    assert {(u["check_id"], u["resource"], u["file"], u["line"]) for u in run.report["unresolved"]} == {
        ("CW301", "aws_sqs_queue.jobs", "main.tf", 3),
        ("CW302", "aws_sqs_queue.jobs", "main.tf", 3),
    }
    assert "variable visibility has no default" in run.report["unresolved"][0]["reason"]
    assert scan_json("--select", "CW301,CW302", ".", "--var", "visibility=30").findings() == {("CW301", "aws_sqs_queue.jobs", 3)}


def test_a_registry_module_is_opaque_unless_vendored(write):
    write(
        "main.tf",
        """\
module "queue" {
  source  = "terraform-aws-modules/sqs/aws"
  version = "4.0.0"
  name    = "jobs"
}
"""
        + CONSUMER.replace("aws_sqs_queue.jobs.arn", "module.queue.queue_arn"),
    )
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == set()
    reason = (
        "queue of mapping aws_lambda_event_source_mapping.jobs is unresolved: "
        "module module.queue (terraform-aws-modules/sqs/aws) is not vendored; its outputs are unknown"
    )
    assert [(u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        ("CW301", "aws_lambda_event_source_mapping.jobs", 12, reason),
        ("CW302", "aws_lambda_event_source_mapping.jobs", 12, reason),
        (None, "module.queue", 1, OPAQUE.format(kind="registry", source="terraform-aws-modules/sqs/aws")),
    ]
    graph = load()
    mapping = graph.nodes[".#aws_lambda_event_source_mapping.jobs"]
    assert mapping.source.origin is Origin.UNRESOLVED  # type: ignore[attr-defined]
    assert "terraform-aws-modules/sqs/aws) is not vendored" in mapping.source.note  # type: ignore[attr-defined]
    write(".terraform/modules/modules.json", '{"Modules": [{"Key": "queue", "Dir": ".terraform/modules/queue"}]}')
    write(
        ".terraform/modules/queue/main.tf",
        'variable "name" {}\nresource "aws_sqs_queue" "this" {\n  name = var.name\n}\n'
        'output "queue_arn" {\n  value = aws_sqs_queue.this.arn\n}\n',
    )
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == {("CW301", "module.queue.aws_sqs_queue.this", 2)}
    assert run.report["unresolved"] == []


OPAQUE = (
    "{kind} module {source} is not downloaded (no .terraform/modules/modules.json entry): its resources are not checked"
)


def test_opaque_modules_are_named_under_unresolved_even_when_nothing_reads_them(write):
    write(
        "main.tf",
        """\
module "reg" {
  source = "terraform-aws-modules/sqs/aws"
}

module "git" {
  source = "git::https://example.com/x.git"
}

module "off" {
  source = "terraform-aws-modules/sns/aws"
  count  = 0
}

module "local" {
  source = "./modules/local"
}
""",
    )
    write("modules/local/main.tf", 'module "inner" {\n  source = "github.com/acme/queue"\n}\n')
    run = scan_json("--select", "CW301", ".")
    assert run.code == 0 and run.findings() == set()
    assert [(u["check_id"], u["resource"], u["file"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        (None, "module.reg", "main.tf", 1, OPAQUE.format(kind="registry", source="terraform-aws-modules/sqs/aws")),
        (None, "module.git", "main.tf", 5, OPAQUE.format(kind="git", source="git::https://example.com/x.git")),
        (
            None,
            "module.local.module.inner",
            "modules/local/main.tf",
            1,
            OPAQUE.format(kind="git", source="github.com/acme/queue"),
        ),
    ]
    text = run_cli("scan", "--select", "CW301", ".").out
    assert "main.tf:1: not checked: module.reg: registry module terraform-aws-modules/sqs/aws is not" in text
    assert text.endswith("3 inputs not checked\n")


def test_malformed_and_binary_files_are_errors_and_other_modules_still_scanned(write):
    write("good/main.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n' + CONSUMER)
    write("broken/main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "x"\n  visibility_timeout_seconds = \n}\n')
    write("binary/main.tf", b"\x7fELF\x00\x01\x02")
    write("latin/main.tf", b'resource "aws_sqs_queue" "q" {\n  name = "caf\xe9"\n}\n')
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 1)}
    errors = {(e["file"], e["line"]) for e in run.report["errors"]}
    assert errors == {("broken/main.tf", 3), ("binary/main.tf", 1), ("latin/main.tf", 2)}
    assert "Traceback" not in run.err
    assert run.report["summary"]["files"] == 1


def test_a_tree_of_100_modules_is_reported_in_full(write):
    for index in range(100):
        write(
            f"services/s{index:03}/main.tf",
            f'resource "aws_sqs_queue" "jobs" {{\n  visibility_timeout_seconds = {index}\n}}\n' + CONSUMER,
        )
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.report["summary"]["files"] == 100
    assert run.report["summary"]["resources"] == 300
    expected = {("CW301", f"services/s{i:03}/main.tf") for i in range(60)}
    expected |= {("CW302", f"services/s{i:03}/main.tf") for i in range(60, 100)}
    assert {(f["check_id"], f["file"]) for f in run.report["findings"]} == expected


def test_functions_templates_and_files(write):
    write("policies/queue.json", '{"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}')
    write(
        "policies/key.json.tpl",
        '{"Statement": [{"Effect": "Allow", "Principal": {"Service": "${service}"}, "Action": "kms:Decrypt"}]}',
    )
    write(
        "main.tf",
        """\
locals {
  settings = merge({ timeout = 10 }, { timeout = 20, extra = true })
  names    = concat(["a"], ["b", "c"])
  label    = format("%s-%d", upper("jobs"), 3)
  number   = tonumber("42") + 1
  text     = tostring(5)
  first    = coalesce(null, "", "x")
  picked   = try(local.settings.missing, "fallback")
  decoded  = jsondecode("{\\"a\\": [1, 2]}")
  squares  = [for n in [1, 2, 3] : n * n if n > 1]
  upper    = { for k, v in { a = "x" } : k => upper(v) }
  compare  = 3 >= 2 && !(1 == 2) || false
  modulo   = 7 % 3
}

resource "aws_lambda_function" "worker" {
  function_name = "${local.label}-${local.text}-${join(",", local.names)}"
  timeout       = local.settings.timeout * 2 + local.number - length(local.names)
}

resource "aws_sqs_queue" "jobs" {
  name   = "${local.first}-${local.picked}-${local.decoded.a[1]}-${local.squares[1]}-${local.upper.a}"
  policy = file("${path.module}/policies/queue.json")
  fifo_queue = local.compare
  message_retention_seconds = local.modulo
}

resource "aws_kms_key" "k" {
  policy = templatefile("${path.module}/policies/key.json.tpl", { service = "sqs.amazonaws.com" })
}
""",
    )
    graph = load()
    worker = graph.nodes[".#aws_lambda_function.worker"]
    assert isinstance(worker, Function)
    assert worker.name.value == "JOBS-3-5-a,b,c"
    assert worker.timeout.value == 20 * 2 + 43 - 3
    queue = graph.nodes[".#aws_sqs_queue.jobs"]
    assert isinstance(queue, Queue)
    assert queue.name.value == "x-fallback-2-9-X"
    assert queue.fifo.value is True
    assert queue.message_retention.value == 1
    (queue_policy,) = graph.policies_of(queue)
    assert queue_policy.statements.value[0].actions == ("sqs:SendMessage",)
    (key_policy,) = graph.policies_of(graph.nodes[".#aws_kms_key.k"])
    assert key_policy.statements.value[0].principals == {"Service": ("sqs.amazonaws.com",)}


def test_unknown_functions_and_deploy_time_values_stay_unresolved(write):
    write(
        "main.tf",
        """\
resource "aws_lambda_function" "worker" {
  timeout = parseint("ff", 16)
}

resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = aws_lambda_function.worker.last_modified
  message_retention_seconds  = var.nope
  kms_master_key_id          = var.key == null ? "alias/aws/sqs" : var.key
}

variable "key" {
  default = null
}
""",
    )
    graph = load()
    worker, queue = graph.nodes[".#aws_lambda_function.worker"], graph.nodes[".#aws_sqs_queue.jobs"]
    assert isinstance(worker, Function) and isinstance(queue, Queue)
    assert worker.timeout.origin is Origin.UNRESOLVED and "parseint() is not evaluated" in worker.timeout.note
    assert queue.visibility_timeout.origin is Origin.UNRESOLVED
    assert "only known after apply" in queue.visibility_timeout.note
    assert queue.message_retention.origin is Origin.UNRESOLVED
    assert queue.kms_key.value == "alias/aws/sqs"


def test_a_tf_json_module(write):
    write(
        "main.tf.json",
        """\
{
  "resource": {
    "aws_sqs_queue": {
      "jobs": {
        "visibility_timeout_seconds": 20
      }
    },
    "aws_lambda_function": {
      "worker": {"function_name": "worker", "timeout": "${var.timeout}"}
    },
    "aws_lambda_event_source_mapping": {
      "jobs": {
        "event_source_arn": "${aws_sqs_queue.jobs.arn}",
        "function_name": "${aws_lambda_function.worker.arn}"
      }
    }
  },
  "variable": {"timeout": {"default": 60}}
}
""",
    )
    assert scan_json("--select", "CW301", ".").findings() == {("CW301", "aws_sqs_queue.jobs", 4)}
    graph = load()
    assert graph.nodes[".#aws_lambda_event_source_mapping.jobs"].span.line == 12


def test_role_policies_and_attachments_reach_the_role(write):
    write(
        "main.tf",
        """\
resource "aws_iam_role" "worker" {
  name = "worker"
}

resource "aws_iam_policy" "read" {
  name   = "read"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["sqs:ReceiveMessage"], Resource = "*" }] })
}

resource "aws_iam_role_policy_attachment" "read" {
  role       = aws_iam_role.worker.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_role_policy_attachment" "managed" {
  role       = "worker"
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
}

resource "aws_iam_role_policy" "inline" {
  role   = aws_iam_role.worker.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "kms:Decrypt", Resource = "*" }] })
}

resource "aws_lambda_function" "worker" {
  role = aws_iam_role.worker.arn
}
""",
    )
    graph = load()
    function = graph.nodes[".#aws_lambda_function.worker"]
    assert isinstance(function, Function)
    role = graph.role_of(function)
    assert isinstance(role, Role)
    assert sorted(p.address for p in graph.policies_of(role)) == ["aws_iam_policy.read", "aws_iam_role_policy.inline"]
    assert role.managed_policy_arns.value == ("arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",)


def test_a_directory_named_twice_is_loaded_once(write):
    write("infra/main.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n' + CONSUMER)
    run = scan_json("--select", "CW301", ".", "infra", "./infra/main.tf")
    assert [(f["check_id"], f["resource"]) for f in run.report["findings"]] == [("CW301", "aws_sqs_queue.jobs")]
    assert run.report["summary"]["files"] == 1


def test_a_broken_local_module_is_an_error_and_its_caller_still_loads(write):
    write("modules/queue/main.tf", 'resource "aws_sqs_queue" "this" {\n  name = \n}\n')
    write(
        "main.tf",
        'module "queue" {\n  source = "./modules/queue"\n}\n'
        'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n' + CONSUMER,
    )
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert [(e["file"], e["line"]) for e in run.report["errors"]] == [("modules/queue/main.tf", 2)]
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 4)}


def test_a_module_that_fails_to_evaluate_is_reported_once(write):
    write("main.tf", 'module "self" {\n  source = "./"\n}\n')
    run = scan_json("--select", "CW301", ".")
    assert [(e["file"], e["line"], e["message"]) for e in run.report["errors"]] == [
        ("main.tf", 1, "module self calls itself (through ./)")
    ]


PLAN = {
    "format_version": "1.2",
    "terraform_version": "1.9.0",
    "planned_values": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_lambda_function.worker",
                    "mode": "managed",
                    "type": "aws_lambda_function",
                    "name": "worker",
                    "values": {"function_name": "worker", "timeout": 60, "reserved_concurrent_executions": -1},
                },
                {
                    "address": "aws_lambda_event_source_mapping.jobs",
                    "mode": "managed",
                    "type": "aws_lambda_event_source_mapping",
                    "name": "jobs",
                    "values": {"batch_size": 10, "scaling_config": []},
                },
                {
                    "address": "aws_sqs_queue.extra[0]",
                    "mode": "managed",
                    "type": "aws_sqs_queue",
                    "name": "extra",
                    "index": 0,
                    "values": {"name": "extra-0", "visibility_timeout_seconds": 30},
                },
                {
                    "address": "aws_sqs_queue.extra[1]",
                    "mode": "managed",
                    "type": "aws_sqs_queue",
                    "name": "extra",
                    "index": 1,
                    "values": {"name": "extra-1", "visibility_timeout_seconds": 30},
                },
            ],
            "child_modules": [
                {
                    "address": "module.queue",
                    "resources": [
                        {
                            "address": "module.queue.aws_sqs_queue.this",
                            "mode": "managed",
                            "type": "aws_sqs_queue",
                            "name": "this",
                            "values": {"name": "jobs", "visibility_timeout_seconds": 120},
                        }
                    ],
                }
            ],
        }
    },
    "configuration": {
        "root_module": {
            "resources": [
                {
                    "address": "aws_lambda_event_source_mapping.jobs",
                    "mode": "managed",
                    "type": "aws_lambda_event_source_mapping",
                    "name": "jobs",
                    "expressions": {
                        "event_source_arn": {"references": ["module.queue.arn", "module.queue"]},
                        "function_name": {
                            "references": ["aws_lambda_function.worker.arn", "aws_lambda_function.worker"]
                        },
                    },
                }
            ],
            "module_calls": {
                "queue": {
                    "source": "./modules/queue",
                    "expressions": {"visibility": {"constant_value": 120}},
                    "module": {
                        "outputs": {
                            "arn": {"expression": {"references": ["aws_sqs_queue.this.arn", "aws_sqs_queue.this"]}}
                        },
                        "resources": [
                            {
                                "address": "aws_sqs_queue.this",
                                "mode": "managed",
                                "type": "aws_sqs_queue",
                                "name": "this",
                                "expressions": {"visibility_timeout_seconds": {"references": ["var.visibility"]}},
                            }
                        ],
                    },
                }
            },
        }
    },
}


def test_a_plan_links_new_resources_through_configuration_references(write):
    text = json.dumps(PLAN, indent=2)
    write("plan.json", text)
    run = scan_json("--select", "CW302", "plan.json")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"module.queue.aws_sqs_queue.this"' in t)
    assert files_and_findings(run) == {("CW302", "module.queue.aws_sqs_queue.this", "plan.json", line)}
    assert run.report["summary"]["files"] == 1
    assert run.report["summary"]["resources"] == 4  # declarations: aws_sqs_queue.extra has two instances
    graph = Graph()
    terraform_plan.load_plan(text, "plan.json", graph)
    graph.resolve_wires()
    extras = [graph.nodes[f"plan.json#aws_sqs_queue.extra[{n}]"] for n in range(2)]
    assert [(q.repeated, q.name.value) for q in extras if isinstance(q, Queue)] == [("", "extra-0"), ("", "extra-1")]
    assert graph.nodes["plan.json#module.queue.aws_sqs_queue.this"].repeated == ""
    # the only instance of a module call is reached through the configuration's module.queue.arn
    module_instance = copy.deepcopy(PLAN)
    child = module_instance["planned_values"]["root_module"]["child_modules"][0]
    child["resources"][0]["address"] = 'module.queue["a"].aws_sqs_queue.this'
    graph = Graph()
    terraform_plan.load_plan(json.dumps(module_instance), "plan.json", graph)
    graph.resolve_wires()
    queue = graph.nodes['plan.json#module.queue["a"].aws_sqs_queue.this']
    assert [m.address for m in graph.mappings_of(queue)] == ["aws_lambda_event_source_mapping.jobs"]
    worker = graph.nodes["plan.json#aws_lambda_function.worker"]
    assert isinstance(worker, Function) and worker.reserved_concurrency.value is None


def test_a_json_file_that_is_neither_plan_nor_template_is_ignored(write):
    write("package.json", '{"name": "x", "format_version": 1}')
    write("broken-plan.json", '{"format_version": "1.2", "planned_values": {')
    run = scan_json("--select", "CW301", ".")
    assert [(e["file"], e["line"]) for e in run.report["errors"]] == [("broken-plan.json", 1)]
    assert run.report["summary"]["files"] == 0


def test_override_files_merge_and_duplicates_are_errors(write):
    write("main.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n' + CONSUMER)
    write("nooverride.tf", "")
    write("main_override.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 400\n}\n')
    assert scan_json("--select", "CW301,CW302", ".").findings() == set()
    write("other/a.tf", 'resource "aws_sqs_queue" "q" {}\n')
    write("other/b.tf", '\nresource "aws_sqs_queue" "q" {}\n')
    run = scan_json("--select", "CW301,CW302", ".")
    assert [(e["file"], e["line"], e["message"]) for e in run.report["errors"]] == [
        ("other/b.tf", 2, "resource aws_sqs_queue.q is declared twice (also at line 1)")
    ]


def test_dynamic_blocks_make_their_values_unresolved(write):
    write(
        "main.tf",
        """\
resource "aws_lambda_function" "worker" {
  dynamic "dead_letter_config" {
    for_each = var.dlq == null ? [] : [var.dlq]
    content {
      target_arn = dead_letter_config.value
    }
  }
}

data "aws_iam_policy_document" "queue" {
  statement {
    actions = ["sqs:SendMessage"]
    dynamic "principals" {
      for_each = var.principals
      content {
        type        = "Service"
        identifiers = [principals.value]
      }
    }
  }
}

resource "aws_sqs_queue" "jobs" {
  policy = data.aws_iam_policy_document.queue.json
}

variable "dlq" {
  default = null
}

variable "principals" {
  type    = list(string)
  default = []
}
""",
    )
    graph = load()
    worker = graph.nodes[".#aws_lambda_function.worker"]
    assert isinstance(worker, Function)
    assert worker.dead_letter_target.origin is Origin.UNRESOLVED
    assert worker.dead_letter_target.note == "dynamic dead_letter_config block is not evaluated"
    (policy,) = graph.policies_of(graph.nodes[".#aws_sqs_queue.jobs"])
    assert policy.statements.note == "policy document with dynamic blocks is not evaluated"


def test_collection_variables_from_the_command_line_are_parsed(write):
    write(
        "main.tf",
        """\
variable "settings" {
  type = map(number)
}

resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = var.settings["visibility"]
}
"""
        + CONSUMER,
    )
    assert scan_json("--select", "CW302", ".", "--var", "settings={ visibility = 100 }").findings() == {("CW302", "aws_sqs_queue.jobs", 5)}
    run = scan_json("--select", "CW302", ".", "--var", "settings={ visibility =")
    assert run.findings() == set()
    assert "is not a valid value" in run.report["unresolved"][0]["reason"]


def test_a_malformed_variables_file_is_an_error_with_its_line(write):
    write("main.tf", 'variable "visibility" {\n  default = 20\n}\n')
    write("terraform.tfvars", "visibility = 100\nbroken =\n")
    write("extra.tfvars.json", '{"visibility": ')
    run = scan_json("--select", "CW301", ".", "--var-file", "extra.tfvars.json", "--var-file", "missing.tfvars")
    assert run.code == 2
    assert {(e["file"], e["line"]) for e in run.report["errors"]} == {
        ("terraform.tfvars", 2),
        ("extra.tfvars.json", 1),
        ("missing.tfvars", 1),
    }


def test_numbers_must_be_whole_and_deploy_time_values_say_so(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {
  visibility_timeout_seconds = "360.0"
  message_retention_seconds  = 1.5
  max_message_size           = 1
}

resource "aws_lambda_function" "worker" {
  timeout = aws_sqs_queue.jobs.id
}
""",
    )
    graph = load()
    queue, worker = graph.nodes[".#aws_sqs_queue.jobs"], graph.nodes[".#aws_lambda_function.worker"]
    assert isinstance(queue, Queue) and isinstance(worker, Function)
    assert queue.visibility_timeout.value == 360 and isinstance(queue.visibility_timeout.value, int)
    assert queue.message_retention.note == "1.5 is not a whole number"
    assert worker.timeout.note == "aws_sqs_queue.jobs.id is only known after apply"


def test_the_patterns_of_registry_style_modules_resolve(write):
    write(
        "modules/queue/main.tf",
        """\
variable "create" {
  default = true
}
variable "function_timeout" {}

resource "aws_sqs_queue" "this" {
  count                      = var.create ? 1 : 0
  visibility_timeout_seconds = max(var.function_timeout * 2, 30)
}

output "queue_arn" {
  value = try(aws_sqs_queue.this[0].arn, null)
}

output "queue_arns" {
  value = one(aws_sqs_queue.this[*].arn)
}
""",
    )
    write(
        "main.tf",
        """\
module "queue" {
  source           = "./modules/queue"
  function_timeout = element(split(",", "60,90"), 0)
}

resource "aws_lambda_function" "worker" {
  timeout = 60
}

resource "aws_lambda_event_source_mapping" "one" {
  event_source_arn = module.queue.queue_arns
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_event_source_mapping" "try" {
  event_source_arn = module.queue.queue_arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    run = scan_json("--select", "CW302", ".")
    assert files_and_findings(run) == {("CW302", "module.queue.aws_sqs_queue.this[0]", "modules/queue/main.tf", 6)}
    assert "visibility timeout 120 s" in run.report["findings"][0]["message"]
    graph = load()
    queue = graph.nodes[".#module.queue.aws_sqs_queue.this[0]"]
    assert isinstance(queue, Queue)
    assert sorted(m.address for m in graph.mappings_of(queue)) == [
        "aws_lambda_event_source_mapping.one",
        "aws_lambda_event_source_mapping.try",
    ]


def test_a_module_called_by_two_roots_reports_each_distinct_cause_once(write):
    write("modules/queue/main.tf", QUEUE_MODULE)
    for env, visibility in (("dev", 120), ("prod", 120), ("test", 20)):
        write(
            f"envs/{env}/main.tf",
            f'module "queue" {{\n  source     = "../../modules/queue"\n  name       = "jobs"\n'
            f"  visibility = {visibility}\n}}\n" + CONSUMER.replace("aws_sqs_queue.jobs.arn", "module.queue.arn"),
        )
    run = scan_json("--select", "CW301,CW302", ".")
    assert sorted((f["check_id"], f["resource"], f["file"], f["line"]) for f in run.report["findings"]) == [
        ("CW301", "module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 6),
        ("CW302", "module.queue.aws_sqs_queue.this", "modules/queue/main.tf", 6),
    ]


def test_every_resource_type_wires_like_its_cloudformation_twin(write):
    write(
        "main.tf",
        """\
resource "aws_kms_key" "k" {
  enable_key_rotation = true
}

resource "aws_kms_alias" "k" {
  name          = "alias/events"
  target_key_id = aws_kms_key.k.key_id
}

resource "aws_kms_key_policy" "k" {
  key_id = aws_kms_key.k.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "sns.amazonaws.com" } }] })
}

resource "aws_sns_topic" "events" {
  name              = "events.fifo"
  fifo_topic        = true
  kms_master_key_id = aws_kms_alias.k.name
}

resource "aws_sns_topic_policy" "events" {
  arn    = aws_sns_topic.events.arn
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sns:Publish" }] })
}

resource "aws_sqs_queue" "dlq" {}

resource "aws_sns_topic_subscription" "fn" {
  topic_arn            = aws_sns_topic.events.arn
  protocol             = "lambda"
  endpoint             = aws_lambda_function.fn.arn
  raw_message_delivery = "true"
  redrive_policy       = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn })
}

resource "aws_lambda_function" "fn" {
  function_name                  = "fn"
  reserved_concurrent_executions = 3
  role                           = aws_iam_role.fn.arn
  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }
}

resource "aws_iam_role" "fn" {
  inline_policy {
    name   = "read"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = "*" }] })
  }
}

resource "aws_lambda_permission" "sns" {
  function_name = aws_lambda_function.fn.function_name
  principal     = "sns.amazonaws.com"
  action        = "lambda:InvokeFunction"
  source_arn    = aws_sns_topic.events.arn
}

resource "aws_lambda_event_source_mapping" "dlq" {
  event_source_arn                   = aws_sqs_queue.dlq.arn
  function_name                      = "fn"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 2
  function_response_types            = ["ReportBatchItemFailures"]
  enabled                            = false
  scaling_config {
    maximum_concurrency = 5
  }
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = "uploads"
  topic {
    topic_arn = aws_sns_topic.events.arn
    events    = ["s3:ObjectCreated:*"]
  }
  lambda_function {
    lambda_function_arn = aws_lambda_function.fn.arn
    events              = ["s3:ObjectRemoved:*"]
  }
}

resource "aws_cloudwatch_event_target" "fn" {
  rule = "nightly"
  arn  = aws_lambda_function.fn.arn
}
""",
    )
    graph = load()

    nodes = graph.nodes
    key, topic, dlq = nodes[".#aws_kms_key.k"], nodes[".#aws_sns_topic.events"], nodes[".#aws_sqs_queue.dlq"]
    function, role = nodes[".#aws_lambda_function.fn"], nodes[".#aws_iam_role.fn"]
    assert isinstance(key, Key) and key.rotation.value is True
    assert isinstance(topic, Topic) and topic.fifo.value is True and graph.key_of(topic) is key
    assert [p.address for p in graph.policies_of(key)] == ["aws_kms_key_policy.k"]
    assert [p.address for p in graph.policies_of(topic)] == ["aws_sns_topic_policy.events"]
    subscription = nodes[".#aws_sns_topic_subscription.fn"]
    assert isinstance(subscription, Subscription)
    assert graph.topic_of(subscription) is topic and graph.endpoint_of(subscription) is function
    assert graph.dlq_of(subscription) is dlq and subscription.raw_message_delivery.value is True
    assert isinstance(function, Function) and function.reserved_concurrency.value == 3
    assert graph.dlq_of(function) is dlq and graph.role_of(function) is role
    assert [p.address for p in graph.policies_of(role)] == ["aws_iam_role.fn"]
    permission = nodes[".#aws_lambda_permission.sns"]
    assert isinstance(permission, Permission) and graph.targets(permission, E.PERMITS) == [function]
    assert permission.source_arn.value == Ref("aws_sns_topic.events", "arn")
    mapping = nodes[".#aws_lambda_event_source_mapping.dlq"]
    assert isinstance(mapping, Mapping)
    assert graph.consumers_of(dlq) == [(mapping, function)]  # type: ignore[arg-type]
    assert (mapping.batch_size.value, mapping.batching_window.value, mapping.maximum_concurrency.value) == (100, 2, 5)
    assert (mapping.report_batch_item_failures.value, mapping.enabled.value) == (True, False)
    assert [f.address for f in graph.feeders_of(topic)] == ["aws_s3_bucket_notification.uploads"]
    assert sorted(f.uid for f in graph.sources(function, E.DELIVERS_TO)) == [
        ".#aws_cloudwatch_event_target.fn",
        ".#aws_s3_bucket_notification.uploads.lambda_function[0]",
        ".#aws_sns_topic_subscription.fn",
    ]
    assert nodes[".#aws_s3_bucket_notification.uploads.topic[0]"].span.line == 73


def test_plan_values_built_from_several_things_stay_unresolved(write):
    plan = copy.deepcopy(PLAN)
    resources = plan["planned_values"]["root_module"]["child_modules"][0]["resources"]
    resources[0]["values"].pop("visibility_timeout_seconds")
    resources.append(
        {
            "address": "module.queue.aws_sqs_queue.dlq",
            "mode": "managed",
            "type": "aws_sqs_queue",
            "name": "dlq",
            "values": {"name": "jobs-dlq"},
        }
    )
    config = plan["configuration"]["root_module"]["module_calls"]["queue"]["module"]["resources"][0]
    config["expressions"] = {
        "visibility_timeout_seconds": {"references": ["var.visibility", "aws_lambda_function.x.timeout"]},
        "redrive_policy": {"references": ["aws_sqs_queue.dlq.arn", "aws_sqs_queue.dlq"]},
        "kms_master_key_id": {"references": ["var.key", "aws_kms_key.k.arn", "aws_kms_key.k"]},
    }
    graph = Graph()
    terraform_plan.load_plan(json.dumps(plan), "plan.json", graph)
    graph.resolve_wires()
    queue = graph.nodes["plan.json#module.queue.aws_sqs_queue.this"]
    assert isinstance(queue, Queue)
    assert queue.visibility_timeout.origin is Origin.UNRESOLVED
    assert (
        queue.max_receive_count.note == "redrive_policy: module.queue.aws_sqs_queue.dlq.arn is only known after apply"
    )
    assert queue.dead_letter_target.origin is Origin.UNRESOLVED
    assert queue.kms_key.note == "var.key is only known after apply"


def test_a_subscription_to_an_unknown_queue_is_listed_as_unresolved(write):
    write(
        "main.tf",
        """\
variable "queue_arn" {}

resource "aws_sns_topic" "events" {}

resource "aws_sns_topic_subscription" "queue" {
  topic_arn = aws_sns_topic.events.arn
  protocol  = "sqs"
  endpoint  = var.queue_arn
}
""",
    )
    run = scan_json(".", "--select", "CW1")
    reason = "endpoint of subscription aws_sns_topic_subscription.queue is unresolved: variable queue_arn has no"
    assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [
        ("CW101", "aws_sns_topic_subscription.queue", 5),
        ("CW102", "aws_sns_topic_subscription.queue", 5),
    ]
    assert run.report["unresolved"][0]["reason"].startswith(reason)


def test_tf_json_nested_blocks_modules_and_tfvars_json(write):
    write(
        "modules/queue/main.tf.json",
        '{"variable": {"visibility": {}},'
        ' "resource": {"aws_sqs_queue": {"this": {"visibility_timeout_seconds": "${var.visibility}"}}},'
        ' "output": {"arn": {"value": "${aws_sqs_queue.this.arn}"}}}',
    )
    write(
        "main.tf.json",
        """\
{
  "variable": {"visibility": {"type": "number"}},
  "module": {"queue": {"source": "./modules/queue", "visibility": "${var.visibility}"}},
  "resource": {
    "aws_lambda_function": {
      "worker": {"timeout": 60, "dead_letter_config": [{"target_arn": "${module.queue.arn}"}]}
    },
    "aws_lambda_event_source_mapping": {
      "jobs": {
        "event_source_arn": "${module.queue.arn}",
        "function_name": "${aws_lambda_function.worker.arn}",
        "scaling_config": {"maximum_concurrency": 4}
      }
    }
  }
}
""",
    )
    write("terraform.tfvars.json", '{"visibility": "100"}')
    assert scan_json("--select", "CW302", ".").findings() == {("CW302", "module.queue.aws_sqs_queue.this", 1)}
    graph = load()
    worker = graph.nodes[".#aws_lambda_function.worker"]
    mapping = graph.nodes[".#aws_lambda_event_source_mapping.jobs"]
    assert isinstance(worker, Function) and isinstance(mapping, Mapping)
    assert graph.dlq_of(worker) is graph.nodes[".#module.queue.aws_sqs_queue.this"]
    assert mapping.maximum_concurrency.value == 4
    assert (worker.span.line, mapping.span.line) == (6, 9)


def test_a_module_its_only_caller_disables_is_not_scanned_on_its_own(write):
    write("modules/queue/main.tf", QUEUE_MODULE)
    write("main.tf", 'module "queue" {\n  count  = 0\n  source = "./modules/queue"\n  name   = "jobs"\n}\n')
    run = scan_json("--select", "CW301", ".")
    assert (run.report["summary"]["files"], run.report["summary"]["resources"]) == (2, 0)
    assert run.report["unresolved"] == []


def test_a_queue_counted_past_the_instance_bound_is_reported_once_with_a_note_that_it_is_repeated(write):
    """Past MAX_INSTANCES (64) instances of one declaration, one node stands for all of them."""
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {
  count                      = 65
  name                       = "jobs-${count.index}"
  visibility_timeout_seconds = 20
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/r"
  timeout       = 30
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs[0].arn
  function_name    = aws_lambda_function.worker.arn
}
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 1)}
    assert run.report["findings"][0]["message"].startswith(
        "queue aws_sqs_queue.jobs (every instance of its count): visibility timeout 20 s is below the timeout 30 s"
    )


def _plan_with_queue_instances(*instances: dict) -> dict:
    """PLAN with the module queue replaced by for_each instances of `aws_sqs_queue.q`, consumed by the worker."""
    plan = copy.deepcopy(PLAN)
    plan["planned_values"]["root_module"]["child_modules"] = []
    plan["planned_values"]["root_module"]["resources"][2:] = [
        {"address": f'aws_sqs_queue.q["{key}"]', "mode": "managed", "type": "aws_sqs_queue", "name": "q", **rest}
        for key, rest in instances
    ]
    plan["configuration"]["root_module"]["module_calls"] = {}
    mapping = plan["configuration"]["root_module"]["resources"][0]
    mapping["expressions"]["event_source_arn"] = {
        "references": ['aws_sqs_queue.q["b"].arn', 'aws_sqs_queue.q["b"]', "aws_sqs_queue.q"]
    }
    return plan


def test_each_planned_instance_is_a_node_and_a_reference_with_its_key_reaches_it(write):
    plan = _plan_with_queue_instances(
        ("a", {"values": {"name": "a", "visibility_timeout_seconds": 900, "fifo_queue": False}}),
        ("b", {"values": {"name": "b", "visibility_timeout_seconds": 20, "fifo_queue": False}}),
    )
    text = json.dumps(plan, indent=2)
    write("plan.json", text)
    run = scan_json("plan.json", "--select", "CW301")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if 'aws_sqs_queue.q[\\"b\\"]' in t)
    assert run.findings() == {("CW301", 'aws_sqs_queue.q["b"]', line)}
    assert run.report["summary"]["resources"] == 3  # declarations, as for configuration files
    graph = Graph()
    terraform_plan.load_plan(text, "plan.json", graph)
    graph.resolve_wires()
    queues = [graph.nodes[f'plan.json#aws_sqs_queue.q["{key}"]'] for key in ("a", "b")]
    assert [(q.repeated, q.visibility_timeout.value) for q in queues if isinstance(q, Queue)] == [("", 900), ("", 20)]
    (mapping,) = graph.of_kind(Mapping)
    assert [q.address for q in graph.targets(mapping, E.CONSUMES)] == ['aws_sqs_queue.q["b"]']


def test_a_plan_reference_to_a_declaration_with_several_instances_is_unresolved(write):
    plan = _plan_with_queue_instances(
        ("a", {"values": {"name": "a", "visibility_timeout_seconds": 20}}),
        ("b", {"values": {"name": "b", "visibility_timeout_seconds": 20}}),
    )
    mapping = plan["configuration"]["root_module"]["resources"][0]
    mapping["expressions"]["event_source_arn"] = {"references": ["aws_sqs_queue.q"]}
    text = json.dumps(plan, indent=2)
    write("plan.json", text)
    run = scan_json("plan.json", "--select", "CW301")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "CW301",
            "aws_lambda_event_source_mapping.jobs",
            "queue of mapping aws_lambda_event_source_mapping.jobs is unresolved: aws_sqs_queue.q names "
            "aws_sqs_queue.q, which has 2 instances, and the plan does not say which one",
        )
    ]


def test_plan_values_known_only_after_apply_are_unresolved_not_defaults(write):
    plan = copy.deepcopy(PLAN)
    queue = plan["planned_values"]["root_module"]["child_modules"][0]["resources"][0]
    queue["values"].pop("visibility_timeout_seconds")
    plan["planned_values"]["root_module"]["resources"][1]["values"]["scaling_config"] = [{}]
    plan["resource_changes"] = [
        {
            "address": "module.queue.aws_sqs_queue.this",
            "change": {"after_unknown": {"visibility_timeout_seconds": True, "arn": True}},
        },
        {
            "address": "aws_lambda_event_source_mapping.jobs",
            "change": {"after_unknown": {"scaling_config": [{"maximum_concurrency": True}]}},
        },
    ]
    text = json.dumps(plan, indent=2)
    write("plan.json", text)
    run = scan_json("plan.json", "--select", "CW301,CW302")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"module.queue.aws_sqs_queue.this"' in t)
    assert run.findings() == set()
    reason = "visibility timeout of queue module.queue.aws_sqs_queue.this is unresolved: known only after apply"
    assert {(u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]} == {
        ("CW301", "module.queue.aws_sqs_queue.this", line, reason),
        ("CW302", "module.queue.aws_sqs_queue.this", line, reason),
    }
    graph = Graph()
    terraform_plan.load_plan(text, "plan.json", graph)
    mapping = graph.nodes["plan.json#aws_lambda_event_source_mapping.jobs"]
    assert isinstance(mapping, Mapping) and mapping.maximum_concurrency.origin is Origin.UNRESOLVED


def test_tf_json_lines_follow_the_nesting_not_the_first_matching_key(write):
    write(
        "main.tf.json",
        """\
{
  "resource": {
    "aws_sqs_queue": {
      "a": {
        "tags": {
          "q": "x"
        },
        "visibility_timeout_seconds": 900
      },
      "q": {
        "visibility_timeout_seconds": 20
      }
    },
    "aws_lambda_function": {"f": {"function_name": "f", "role": "r", "timeout": 60}},
    "aws_lambda_event_source_mapping": {
      "m": {"event_source_arn": "${aws_sqs_queue.q.arn}", "function_name": "${aws_lambda_function.f.arn}"}
    }
  }
}
""",
    )
    run = scan_json(".", "--select", "CW301")
    assert run.findings() == {("CW301", "aws_sqs_queue.q", 10)}
    assert run.report["findings"][0]["end_line"] == 12
    assert run.report["findings"][0]["related"][0]["line"] == 14


def test_blocks_terraform_rejects_are_errors_not_dropped(write):
    write("one/main.tf", 'resource "aws_sqs_queue" {\n  name = "a"\n}\n')
    write("three/main.tf", 'variable "v" {}\n\nresource "aws_sqs_queue" "a" "b" {\n  name = "a"\n}\n')
    write("twice/main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "a"\n\n  name = "b"\n}\n')
    write("good/main.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n' + CONSUMER)
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 1)}
    assert {(e["file"], e["line"], e["message"]) for e in run.report["errors"]} == {
        ("one/main.tf", 1, "resource block has 1 label; it takes type and name"),
        ("three/main.tf", 3, "resource block has 3 labels; it takes type and name"),
        ("twice/main.tf", 4, "attribute name is set twice (also at line 2)"),
    }


def test_a_module_looping_through_a_symlink_is_one_error_and_the_root_still_checked(write, tmp_path):
    write(
        "main.tf",
        'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n\n'
        + 'module "loop" {\n  source = "./loop"\n}\n\n'
        + CONSUMER,
    )
    (tmp_path / "loop").symlink_to(".")
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs", 1)}
    assert [(e["file"], e["line"], e["message"]) for e in run.report["errors"]] == [
        ("loop", 0, "loop is a symlink loop: it leads back to ."),
        ("main.tf", 5, "module loop calls itself (through ./loop)"),
    ]


def test_a_variable_value_of_the_wrong_type_is_an_error_naming_the_variable(write):
    write("variables.tf", 'variable "vt" {\n  type = number\n}\n\nvariable "unused" {\n  type = bool\n}\n')
    write("queues.tf", 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = var.vt\n}\n')
    write("lambda.tf", CONSUMER)
    write("terraform.tfvars", 'unused = "maybe"\n')
    run = scan_json("--select", "CW301,CW302", ".", "--var", "vt=abc")
    assert run.code == 2
    assert run.findings() == set()
    assert [(e["file"], e["line"], e["message"]) for e in run.report["errors"]] == [
        ("variables.tf", 1, "variable vt, from --var: 'abc' is not a number (type number)"),
        ("variables.tf", 5, "variable unused, from terraform.tfvars: 'maybe' is not true or false (type bool)"),
    ]
    assert {(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]} == {
        ("CW301", "aws_sqs_queue.jobs", 1),
        ("CW302", "aws_sqs_queue.jobs", 1),
    }


def test_syntax_errors_say_what_was_met_in_words(write):
    write("open/main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "x\n}\n')
    write("brace/main.tf", 'resource "aws_sqs_queue" "q" {\n  tags = [1,\n}\n')
    write("binary/main.tf", b"\x7fELF\x00\x01\x02")
    run = scan_json("--select", "CW301", ".")
    assert {(e["file"], e["line"], e["message"]) for e in run.report["errors"]} == {
        ("open/main.tf", 2, "malformed HCL: unexpected end of file (a block, string or bracket is not closed)"),
        ("brace/main.tf", 3, "malformed HCL: unexpected '}' at column 1"),
        ("binary/main.tf", 1, "binary file, not text"),
    }


def test_a_related_bucket_notification_points_at_its_resource_not_its_queue_block(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "uploads" {
  sqs_managed_sse_enabled = true
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = "uploads-bucket"

  queue {
    queue_arn = aws_sqs_queue.uploads.arn
    events    = ["s3:ObjectCreated:*"]
  }
}
""",
    )
    run = scan_json("--select", "CW101", ".")
    assert run.findings() == {("CW101", "aws_sqs_queue.uploads", 1)}
    assert run.report["findings"][0]["related"] == [
        {"resource": "aws_s3_bucket_notification.uploads", "file": "main.tf", "line": 5}
    ]


def test_a_policy_attached_by_for_each_over_several_arns_attaches_each_of_them(write):
    write(
        "main.tf",
        """\
resource "aws_iam_role" "worker" {
  name               = "worker"
  assume_role_policy = "{}"
}

resource "aws_iam_role_policy_attachment" "worker" {
  for_each   = toset(["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"])
  role       = aws_iam_role.worker.name
  policy_arn = each.value
}
""",
    )
    (role,) = [n for n in load().nodes.values() if n.address == "aws_iam_role.worker"]
    assert (role.managed_policy_arns.origin, sorted(role.managed_policy_arns.value)) == (
        Origin.EXPLICIT,
        [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
        ],
    )


def test_a_heredoc_closing_marker_with_trailing_blanks_is_valid_terraform(write):
    """HCL trims the closing marker's line before comparing it; python-hcl2 8 did not, and rejected 13 public files."""
    write(
        "main.tf",
        'resource "aws_sqs_queue" "orders" {\n'
        "  policy = <<EOT\n"
        '{"Statement": []}\n'
        "EOT  \t\n"
        "  visibility_timeout_seconds = 40\n"
        "}\n"
        'resource "aws_sqs_queue" "audit" {\n'
        "  policy = <<-POLICY\n"
        '    {"Statement": []}\n'
        "    POLICY \n"
        "}\n",
    )
    graph = load()
    orders, audit = graph.nodes[".#aws_sqs_queue.orders"], graph.nodes[".#aws_sqs_queue.audit"]
    assert orders.visibility_timeout.value == 40 and orders.visibility_timeout.span.line == 5  # type: ignore[attr-defined]
    assert audit.span.line == 7
    assert [p.statements.value for p in graph.policies_of(orders)] == [()]


def test_a_utf8_byte_order_mark_at_the_start_of_a_file_is_valid_terraform(write):
    """Terraform ignores a leading UTF-8 BOM (hashicorp/terraform#19715: Windows editors write one), and so does
    crosswire's decoder, before python-hcl2 (which rejects it) sees the text; Checkov's parser tests have such a file."""
    write("main.tf", '\ufeffresource "aws_sqs_queue" "orders" {\n  visibility_timeout_seconds = 40\n}\n')
    queue = load().nodes[".#aws_sqs_queue.orders"]
    assert (queue.span.line, queue.visibility_timeout.value, queue.visibility_timeout.span.line) == (1, 40, 2)  # type: ignore[attr-defined]


COUNTED = """\
variable "enabled" {
  type = bool
}
resource "aws_sqs_queue" "jobs" {
  count                      = var.enabled ? 1 : 0
  visibility_timeout_seconds = 30
}
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  timeout       = 60
}
resource "aws_lambda_event_source_mapping" "jobs" {
  count            = var.enabled ? 1 : 0
  event_source_arn = aws_sqs_queue.jobs[0].arn
  function_name    = aws_lambda_function.worker.arn
}
"""


def test_a_count_on_a_bool_variable_without_a_value_is_judged_both_ways_as_a_condition_is(write):
    """`count = var.enabled ? 1 : 0` without a value for enabled: as with a CloudFormation Condition on a parameter
    without default, the module is judged with enabled true and false, and the finding says when it holds."""
    write("main.tf", COUNTED)
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "aws_sqs_queue.jobs[0]", 4)}
    assert run.report["findings"][0]["message"].endswith("Lambda rejects the event source mapping (when var.enabled is true)")
    assert run.report["unresolved"] == []
    assert run.report["summary"]["resources"] == 3  # the scenarios are ways of reading one module, not more resources
    enabled = scan_json("--select", "CW301", "--var", "enabled=true", ".")
    assert enabled.findings() == {("CW301", "aws_sqs_queue.jobs[0]", 4)}
    assert not enabled.report["findings"][0]["message"].endswith(")")
    disabled = scan_json("--select", "CW301", "--var", "enabled=false", ".")
    assert disabled.findings() == set() and disabled.report["unresolved"] == []


def test_a_module_called_with_a_count_on_a_bool_variable_without_a_value_is_judged_both_ways(write):
    write("main.tf", 'variable "enabled" {\n  type = bool\n}\nmodule "jobs" {\n  source = "./jobs"\n  count  = var.enabled ? 1 : 0\n}\n')
    write("jobs/main.tf", COUNTED.replace("var.enabled ? 1 : 0", "1").replace('variable "enabled" {\n  type = bool\n}\n', ""))
    run = scan_json("--select", "CW301", ".")
    assert {(f["resource"], f["file"], f["line"], f["message"][-26:]) for f in run.report["findings"]} == {
        ("module.jobs[0].aws_sqs_queue.jobs[0]", "jobs/main.tf", 1, "(when var.enabled is true)")
    }
    assert run.report["unresolved"] == []


def test_a_count_on_a_variable_that_is_not_a_bool_stays_a_skip(write):
    """Only bool variables are judged both ways: a string compared with a literal has no finite set of values."""
    write("main.tf", COUNTED.replace("type = bool", "type = string").replace("var.enabled ?", 'var.enabled == "prod" ?'))
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "CW301",
            "aws_sqs_queue.jobs",
            "whether aws_lambda_event_source_mapping.jobs exists depends on its count, which is unresolved: "
            "variable enabled has no default and no value is given; "
            "whether aws_sqs_queue.jobs exists depends on its count, which is unresolved: "
            "variable enabled has no default and no value is given",
        )
    ]


def test_two_bool_variables_make_four_scenarios_and_the_finding_names_the_one_it_holds_in(write):
    write(
        "main.tf",
        COUNTED.replace('variable "enabled" {', 'variable "slow" {\n  type = bool\n}\nvariable "enabled" {').replace(
            "visibility_timeout_seconds = 30", "visibility_timeout_seconds = var.slow ? 900 : 30"
        ).replace("count            = var.enabled ? 1 : 0", "count            = var.enabled && var.slow == false ? 1 : 0"),
    )
    run = scan_json("--select", "CW301", ".")
    (finding,) = run.report["findings"]
    assert (finding["resource"], finding["line"]) == ("aws_sqs_queue.jobs[0]", 7)
    assert finding["message"].endswith("(when var.enabled is true and var.slow is false)")


def test_more_bool_variables_than_the_bound_leave_the_old_skip(write):
    names = [f"flag{n}" for n in range(5)]
    declared = "".join(f'variable "{n}" {{\n  type = bool\n}}\n' for n in names)
    write("main.tf", declared + COUNTED.replace("var.enabled ? 1 : 0", " && ".join(f"var.{n}" for n in names) + " ? 1 : 0"))
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"]) for u in run.report["unresolved"]] == [("CW301", "aws_sqs_queue.jobs")]


def test_an_empty_kms_key_is_no_key_and_no_unfollowed_reference(write):
    # `encryption_enabled ? <key> : ""` leaves "" where a key would be (the provider sends no key): it names no
    # resource, so no check may skip the queue or topic as if a key reference could not be followed
    write(
        "main.tf",
        """
resource "aws_sqs_queue" "jobs" {
  kms_master_key_id = ""
}

resource "aws_sns_topic" "alerts" {
  kms_master_key_id = ""
}
""",
    )
    graph = load()
    queue, topic = graph.nodes[".#aws_sqs_queue.jobs"], graph.nodes[".#aws_sns_topic.alerts"]
    assert (queue.kms_key.value, queue.kms_key.origin) == ("", Origin.EXPLICIT)  # type: ignore[attr-defined]
    assert graph.key_of(queue) is None and graph.key_of(topic) is None  # type: ignore[arg-type]
    assert list(graph.unlinked_all()) == []


def test_each_statement_of_a_jsonencoded_policy_has_its_own_lines(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "orders" {
  name_prefix = "orders-"
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy = jsonencode({
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
      },
      { Effect = "Deny", Principal = "*", Action = "sqs:*" },
    ]
  })
}

resource "aws_sqs_queue_policy" "audit" {
  queue_url = aws_sqs_queue.orders.id
  policy    = "{\\"Statement\\": [{\\"Effect\\": \\"Deny\\", \\"Principal\\": \\"*\\", \\"Action\\": \\"sqs:*\\"}]}"
}
""",
    )
    policies = {n.address: n for n in load().nodes.values() if isinstance(n, Policy)}
    spans = [(s.span.line, s.span.end_line) for s in policies["aws_sqs_queue_policy.orders"].statements.value]
    assert spans == [(9, 13), (14, 14)]
    # JSON text has no statements Terraform can point at: they have the attribute's lines
    assert [(s.span.line, s.span.end_line) for s in policies["aws_sqs_queue_policy.audit"].statements.value] == [
        (21, 21)
    ]


def test_each_statement_of_a_policy_document_data_source_has_the_lines_of_its_block(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "orders" {
  name_prefix = "orders-"
}

data "aws_iam_policy_document" "orders" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.orders.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
  }
  statement {
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.orders.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

data "aws_iam_policy_document" "merged" {
  source_policy_documents = [data.aws_iam_policy_document.orders.json]
  statement {
    actions   = ["sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.orders.arn]
  }
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy    = data.aws_iam_policy_document.orders.json
}

resource "aws_sqs_queue_policy" "merged" {
  queue_url = aws_sqs_queue.orders.id
  policy    = data.aws_iam_policy_document.merged.json
}
""",
    )
    policies = {n.address: n for n in load().nodes.values() if isinstance(n, Policy)}
    spans = [(s.span.line, s.span.end_line) for s in policies["aws_sqs_queue_policy.orders"].statements.value]
    assert spans == [(6, 13), (14, 22)]
    # statements another document adds have no block here: all keep the attribute's lines
    merged = [(s.span.line, s.span.end_line) for s in policies["aws_sqs_queue_policy.merged"].statements.value]
    assert merged == [(40, 40)] * 3


def test_a_policy_written_inside_its_resource_has_no_targets(write):
    """A queue's, topic's or key's `policy` and a role's inline_policy attach to their own resource: `targets`
    (what a standalone policy resource attaches to) is absent, as in CloudFormation."""
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "q" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:*", Resource = "*" }] })
}
resource "aws_kms_key" "k" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = "*", Action = "kms:*", Resource = "*" }] })
}
resource "aws_iam_role" "r" {
  assume_role_policy = "{}"
  inline_policy {
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = "*" }] })
  }
}
""",
    )
    graph = load()
    for owner in ("aws_sqs_queue.q", "aws_kms_key.k", "aws_iam_role.r"):
        (node,) = [n for n in graph.nodes.values() if n.address == owner and n.kind.value != "policy"]
        (policy,) = graph.policies_of(node)
        assert policy.targets.origin is Origin.ABSENT, owner


def test_an_event_target_assumes_its_role_arn(write):
    """EventBridge delivers to an SQS target with the target's role when it names one (CW201 asks the role)."""
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "jobs" {}
resource "aws_iam_role" "sender" {
  assume_role_policy = "{}"
}
resource "aws_cloudwatch_event_rule" "rule" {
  event_pattern = "{}"
}
resource "aws_cloudwatch_event_target" "jobs" {
  rule     = aws_cloudwatch_event_rule.rule.name
  arn      = aws_sqs_queue.jobs.arn
  role_arn = aws_iam_role.sender.arn
}
resource "aws_cloudwatch_event_target" "plain" {
  rule = aws_cloudwatch_event_rule.rule.name
  arn  = aws_sqs_queue.jobs.arn
}
""",
    )
    graph = load()
    targets = {n.address: n for n in graph.nodes.values() if n.kind.value == "rule-target"}
    assert [r.address for r in graph.targets(targets["aws_cloudwatch_event_target.jobs"], E.ASSUMES)] == [
        "aws_iam_role.sender"
    ]
    assert targets["aws_cloudwatch_event_target.plain"].role.origin is Origin.ABSENT
