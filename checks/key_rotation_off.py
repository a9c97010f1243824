"""CW108: a customer managed KMS key that encrypts a queue or topic with automatic rotation off (AWS's default when
EnableKeyRotation / enable_key_rotation is left out). AWS managed keys rotate on their own and are not judged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, listing, noun
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Key, Kind, Node, Queue, Topic

META = CheckMeta(
    id="CW108",
    slug="key-rotation-off",
    title="Customer managed key of a queue or topic with automatic rotation off",
    severity=Severity.INFO,
    kinds=(Kind.KEY,),
    rationale=(
        "A customer managed key keeps the same key material for ever unless automatic rotation is turned on, and "
        "it is off unless the template says otherwise (EnableKeyRotation / enable_key_rotation defaults to false). "
        "Security baselines (AWS Security Hub KMS.4, CIS AWS Foundations) flag such keys; turning rotation on "
        "changes nothing for the queue or topic: KMS keeps the old material to decrypt what it encrypted. AWS "
        "managed keys such as alias/aws/sqs rotate every year on their own and are not flagged."
    ),
    fix_terraform="Set `enable_key_rotation = true` on the `aws_kms_key`.",
    fix_cloudformation="Set `EnableKeyRotation: true` on the `AWS::KMS::Key`.",
    references=(
        Reference(
            "AWS KMS Developer Guide: rotate AWS KMS keys",
            "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
        ),
        Reference(
            "AWS Security Hub: [KMS.4] AWS KMS key rotation should be enabled",
            "https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-4",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    users: dict[str, tuple[Key, list[Node]]] = {}
    encrypted: list[Queue | Topic] = [*graph.of_kind(Queue), *graph.of_kind(Topic)]
    for node in encrypted:
        if not node.kms_key.resolved:
            yield Skip(META, node, f"KMS key of {noun(node)} is unresolved: {node.kms_key.note}")
            continue
        key = graph.key_of(node)
        if key is None:
            reason = graph.why_unlinked(node, EdgeKind.ENCRYPTED_BY)
            if reason:
                yield Skip(META, node, f"KMS key of {noun(node)} is unresolved: {reason}")
            continue
        if not key.aws_managed:
            users.setdefault(key.uid, (key, []))[1].append(node)
    for key, nodes in users.values():
        rotation = key.rotation
        if not rotation.resolved:
            yield Skip(META, key, f"key rotation of {noun(key)} is unresolved: {rotation.note}")
            continue
        if rotation.value:
            continue
        how = rotation.describe() or "set to false"
        yield Finding(
            META,
            key,
            f"{noun(key)} encrypts {listing(nodes)} with automatic rotation off ({how}): its key material is never "
            "rotated",
            related=tuple(nodes),
        )
