"""CW101: a queue that an AWS service delivers into, encrypted with SSE-SQS instead of a customer managed key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, listing, noun, service_fed_queues
from crosswire.graph import Graph
from crosswire.model import Kind

META = CheckMeta(
    id="CW101",
    slug="sse-sqs-on-service-fed-queue",
    title="Service-fed queue encrypted with SSE-SQS instead of a customer managed KMS key",
    severity=Severity.WARNING,
    kinds=(Kind.QUEUE,),
    rationale=(
        "AWS guidance for queues that SNS, S3 or EventBridge deliver into is a customer managed KMS key whose key "
        'policy grants the service; SSE-SQS has broken SNS delivery in practice ("AWS SQS Inside Out", 2022). '
        "crosswire judges what the author "
        "wrote: the check fires when SSE-SQS is set explicitly, not when a queue only inherits AWS's default."
    ),
    fix_terraform=(
        "Set `kms_master_key_id` to a customer managed `aws_kms_key` whose policy allows the delivering service "
        "`kms:GenerateDataKey*` and `kms:Decrypt`, and drop `sqs_managed_sse_enabled = true`."
    ),
    fix_cloudformation=(
        "Set `KmsMasterKeyId` to a customer managed `AWS::KMS::Key` whose `KeyPolicy` allows the delivering service "
        "`kms:GenerateDataKey*` and `kms:Decrypt`, and drop `SqsManagedSseEnabled: true`."
    ),
    references=(
        Reference(
            "SQS Developer Guide: key management (event sources and encrypted queues)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html",
        ),
        Reference(
            "SNS Developer Guide: key management (publishers and subscribed encrypted queues)",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for fed in service_fed_queues(graph, META):
        if isinstance(fed, Skip):
            yield fed
            continue
        queue, origins = fed
        sse = queue.sqs_managed_sse
        if not sse.resolved:
            yield Skip(META, queue, f"SSE-SQS setting of {noun(queue)} is unresolved: {sse.note}")
            continue
        if not (sse.explicit and sse.value is True):
            continue
        yield Finding(
            META,
            queue,
            f"{noun(queue)} is encrypted with SSE-SQS (set explicitly) but {listing(origins)} delivers into it; "
            "AWS services deliver reliably only to queues with a customer managed KMS key that grants them",
            related=origins,
            via=tuple(graph.feeders_of(queue)),
        )
