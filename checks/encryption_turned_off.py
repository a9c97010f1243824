"""CW107: a queue or topic whose configuration turns encryption at rest off: SSE-SQS disabled on a queue with no
KMS key, or a topic whose KMS key is written as the empty string."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Graph
from crosswire.model import Kind, Origin, Queue, Topic, Value

META = CheckMeta(
    id="CW107",
    slug="encryption-turned-off",
    title="Queue or topic with encryption at rest turned off",
    severity=Severity.INFO,
    kinds=(Kind.QUEUE, Kind.TOPIC),
    rationale=(
        "Messages in a queue or topic without server-side encryption are stored in plain text until they are "
        "consumed or delivered. crosswire judges what the author wrote, not AWS's defaults. A new SQS queue is "
        "encrypted with SSE-SQS unless it has a KMS key, so a queue is flagged only when SSE-SQS is turned off "
        "explicitly (`SqsManagedSseEnabled: false`, `sqs_managed_sse_enabled = false`) and it has no KMS key. SNS "
        "has no SSE-SNS: a topic is encrypted only with a KMS key, and one that names none is unencrypted by "
        "default. That default is not flagged (the author did not write it; posture scanners such as Checkov's "
        "CKV_AWS_26 report it). The one way to write encryption off for a topic is a KMS key that is the empty "
        'string, as `!If [Encrypted, <key>, ""]` or a module\'s `encryption_enabled ? <key> : ""` yields: that '
        "is flagged."
    ),
    fix_terraform=(
        "Drop `sqs_managed_sse_enabled = false` (or set a `kms_master_key_id`) on the queue; give the topic a "
        '`kms_master_key_id` (a customer managed key when AWS services publish to it) instead of "".'
    ),
    fix_cloudformation=(
        "Drop `SqsManagedSseEnabled: false` (or set a `KmsMasterKeyId`) on the queue; give the topic a "
        '`KmsMasterKeyId` (a customer managed key when AWS services publish to it) instead of "".'
    ),
    references=(
        Reference(
            "SQS Developer Guide: encryption at rest",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html",
        ),
        Reference(
            "AWS Compute Blog: SSE-SQS by default for new queues",
            "https://aws.amazon.com/blogs/compute/announcing-server-side-encryption-with-amazon-simple-queue-service-managed-encryption-keys-sse-sqs-by-default/",
        ),
        Reference(
            "SNS Developer Guide: encryption at rest",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for queue in graph.of_kind(Queue):
        yield from _queue(queue)
    for topic in graph.of_kind(Topic):
        key = topic.kms_key
        if not key.resolved:
            yield Skip(META, topic, f"KMS key of {noun(topic)} is unresolved: {key.note}")
        elif _empty(key):
            yield Finding(
                META,
                topic,
                f"{noun(topic)} has its KMS key set to the empty string{_how(key)}, which leaves server-side "
                "encryption off: its messages are stored unencrypted until SNS delivers them",
            )


def _queue(queue: Queue) -> Iterator[Finding | Skip]:
    sse, key = queue.sqs_managed_sse, queue.kms_key
    if sse.resolved and not (sse.explicit and sse.value is False):
        return  # SSE-SQS on, or left to AWS's default
    if not key.resolved:
        yield Skip(META, queue, f"KMS key of {noun(queue)} is unresolved: {key.note}")
        return
    if key.origin is not Origin.ABSENT and not _empty(key):
        return  # SSE-SQS is off because a KMS key encrypts the queue
    if not sse.resolved:
        yield Skip(META, queue, f"SSE-SQS setting of {noun(queue)} is unresolved: {sse.note}")
        return
    yield Finding(
        META,
        queue,
        f"{noun(queue)} has SSE-SQS turned off{_how(sse)} and no KMS key: its messages are stored unencrypted "
        "until they are consumed",
    )


def _empty(key: Value) -> bool:
    """A key written as "": how a template or module says "no key" (a condition or variable yields it)."""
    return key.explicit and key.value == ""


def _how(value: Value) -> str:
    return f" ({value.note})" if value.note else ""
