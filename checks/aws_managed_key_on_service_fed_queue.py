"""CW102: a queue that an AWS service delivers into, encrypted with the AWS managed key `alias/aws/sqs`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import (
    CheckMeta,
    Finding,
    Reference,
    Severity,
    Skip,
    encryption_key,
    listing,
    noun,
    service_fed_queues,
)
from crosswire.graph import Graph
from crosswire.model import Kind

META = CheckMeta(
    id="CW102",
    slug="aws-managed-key-on-service-fed-queue",
    title="Service-fed queue encrypted with the AWS managed key alias/aws/sqs",
    severity=Severity.ERROR,
    kinds=(Kind.QUEUE,),
    rationale=(
        "The key policy of the AWS managed key `alias/aws/sqs` cannot be edited, so it can never grant SNS, S3 or "
        "EventBridge the `kms:GenerateDataKey*` and `kms:Decrypt` they need to write into the queue: every delivery "
        "fails (SNS logs KMS.AccessDeniedException) and the messages are lost."
    ),
    fix_terraform=(
        "Create an `aws_kms_key` whose policy grants the delivering service principal `kms:GenerateDataKey*` and "
        "`kms:Decrypt`, and set the queue's `kms_master_key_id` to it."
    ),
    fix_cloudformation=(
        "Create an `AWS::KMS::Key` whose `KeyPolicy` grants the delivering service principal `kms:GenerateDataKey*` "
        "and `kms:Decrypt`, and set the queue's `KmsMasterKeyId` to it."
    ),
    references=(
        Reference(
            "SQS Developer Guide: configuring KMS permissions for AWS services",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for fed in service_fed_queues(graph, META):
        if isinstance(fed, Skip):
            yield fed
            continue
        queue, origins = fed
        key = encryption_key(graph, META, queue, whether_aws_managed=True)
        if isinstance(key, Skip):
            yield key
            continue
        if key is None or not (key.aws_managed and key.address == "alias/aws/sqs"):
            continue
        yield Finding(
            META,
            queue,
            f"{noun(queue)} is encrypted with the AWS managed key alias/aws/sqs, whose policy cannot grant "
            f"{listing(origins)}: its deliveries fail with KMS access denied and the messages are lost",
            related=origins,
            via=tuple(graph.feeders_of(queue)),
        )
