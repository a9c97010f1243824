"""CW105: an SNS topic that S3, EventBridge or CloudWatch alarms publish to, encrypted with the AWS managed key
`alias/aws/sns` (the twin of CW102 for queues)."""

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
    noun,
    service_fed_topics,
)
from crosswire.graph import Graph
from crosswire.model import Kind

META = CheckMeta(
    id="CW105",
    slug="aws-managed-key-on-service-fed-topic",
    title="Service-fed SNS topic encrypted with the AWS managed key alias/aws/sns",
    severity=Severity.ERROR,
    kinds=(Kind.TOPIC,),
    rationale=(
        "S3 event notifications, EventBridge rules and CloudWatch alarms publish to an encrypted topic only when "
        "the topic's KMS key policy grants their service principal `kms:GenerateDataKey*` and `kms:Decrypt`. The "
        "key policy of the AWS managed key `alias/aws/sns` cannot be edited, so it never does: every publish fails "
        "with KMS access denied, nothing reaches the subscribers, and the alarm or event goes unnoticed."
    ),
    fix_terraform=(
        "Create an `aws_kms_key` whose policy grants the publishing service principal (`s3.amazonaws.com`, "
        "`events.amazonaws.com`, `cloudwatch.amazonaws.com`) `kms:GenerateDataKey*` and `kms:Decrypt`, and set the "
        "topic's `kms_master_key_id` to it."
    ),
    fix_cloudformation=(
        "Create an `AWS::KMS::Key` whose `KeyPolicy` grants the publishing service principal (`s3.amazonaws.com`, "
        "`events.amazonaws.com`, `cloudwatch.amazonaws.com`) `kms:GenerateDataKey*` and `kms:Decrypt`, and set the "
        "topic's `KmsMasterKeyId` to it."
    ),
    references=(
        Reference(
            "SNS Developer Guide: enable compatibility between event sources from AWS services and encrypted topics",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
        ),
        Reference(
            "SNS Developer Guide: encryption at rest (AWS managed key alias/aws/sns)",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for fed in service_fed_topics(graph, META):
        if isinstance(fed, Skip):
            yield fed
            continue
        topic, origins = fed
        key = encryption_key(graph, META, topic, whether_aws_managed=True)
        if isinstance(key, Skip):
            yield key
            continue
        if key is None or not (key.aws_managed and key.address == "alias/aws/sns"):
            continue
        by_service: dict[str, set[str]] = {}
        for delivery in graph.deliveries_into(topic):
            by_service.setdefault(delivery.service, set()).add(noun(delivery.source))
        publishers = " and ".join(f"{s} (for {', '.join(sorted(n))})" for s, n in sorted(by_service.items()))
        yield Finding(
            META,
            topic,
            f"{noun(topic)} is encrypted with the AWS managed key alias/aws/sns, whose policy cannot be edited to "
            f"let {publishers} use it: every publish fails with KMS access denied and the notifications are lost",
            related=origins,
            via=tuple(graph.feeders_of(topic)),
        )
