"""CW103: the customer managed key of a queue that an AWS service delivers into, whose key policy does not let that
service generate data keys and decrypt with it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from crosswire.access import may
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Delivery, Graph
from crosswire.iam import Answer, Decision
from crosswire.model import EdgeKind, Key, Kind, Node, Policy, Queue, Subscription

# what a service needs of the key to write into the queue (a grant of `kms:GenerateDataKey*` or `kms:*` covers the
# first: the evaluator matches wildcards)
ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")

META = CheckMeta(
    id="CW103",
    slug="key-policy-refuses-feeding-service",
    title="Customer managed key of a service-fed queue whose policy does not let the feeding service use it",
    severity=Severity.ERROR,
    kinds=(Kind.KEY,),
    rationale=(
        "A service that writes into an encrypted queue (SNS, S3, EventBridge) generates the message's data key and "
        "decrypts it with the queue's KMS key, as its own service principal. Only the key policy can let it: a "
        "policy that grants the account root only (AWS's default policy, which a key without one gets) lets the "
        "account's IAM policies decide, and those never reach a service. Every delivery then fails: SNS logs "
        "KMS.AccessDeniedException and drops the message, EventBridge counts FailedInvocations, S3 notifications "
        "never arrive. The same holds for the dead-letter queue of an SNS subscription or an EventBridge target."
    ),
    fix_terraform=(
        "Add a statement to the `aws_kms_key`'s `policy` that allows the delivering service principal "
        '(`Principal = { Service = "sns.amazonaws.com" }`) `kms:GenerateDataKey*` and `kms:Decrypt`, with '
        "`aws:SourceArn` equal to the topic or bucket that feeds the queue (EventBridge grants take no condition)."
    ),
    fix_cloudformation=(
        "Add a statement to the `AWS::KMS::Key`'s `KeyPolicy` that allows the delivering service principal "
        "(`Principal: { Service: sns.amazonaws.com }`) `kms:GenerateDataKey*` and `kms:Decrypt`, with "
        "`aws:SourceArn` equal to the topic or bucket that feeds the queue (EventBridge grants take no condition)."
    ),
    references=(
        Reference(
            "SQS Developer Guide: key management (AWS services that send to encrypted queues)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html",
        ),
        Reference(
            "SNS Developer Guide: enabling compatibility between event sources and encrypted topics and queues",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
        ),
        Reference(
            "AWS KMS Developer Guide: default key policy",
            "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
        ),
        Reference(
            "EventBridge User Guide: encrypted Amazon SQS targets and dead-letter queues",
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html",
        ),
        Reference(
            "AWS Security Blog: least privilege access to your encrypted Amazon SQS queue",
            "https://aws.amazon.com/blogs/security/how-to-set-up-least-privilege-access-to-your-encrypted-amazon-sqs-queue/",
        ),
    ),
)

# what the user sees when the service may not use the key, by service principal: for the queue it feeds, and for the
# dead-letter queue of its subscription or target
_FAILS = {
    "sns.amazonaws.com": "SNS delivery fails with KMS.AccessDeniedException",
    "s3.amazonaws.com": "S3 cannot publish its event notifications into the queue",
    "events.amazonaws.com": "EventBridge fails to deliver the events (FailedInvocations)",
}
_FAILS_INTO_DLQ = {
    "sns.amazonaws.com": "SNS cannot move the messages it failed to deliver into the dead-letter queue",
    "events.amazonaws.com": "EventBridge cannot move the events it failed to deliver into the dead-letter queue",
}
# the resources whose one job is to attach a policy to a key: one whose key cannot be followed may be this key's
_KEY_POLICY_TYPES = frozenset({"aws_kms_key_policy"})


@dataclass
class _Feed:
    """The deliveries of one source into queues encrypted with one key: what the key policy is asked about."""

    key: Key
    delivery: Delivery
    queues: list[tuple[Queue, Delivery]] = field(default_factory=list)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    feeds: dict[tuple[str, str], _Feed] = {}
    for queue in graph.of_kind(Queue):
        deliveries = graph.deliveries_into(queue)
        if not deliveries:
            continue
        if not queue.kms_key.resolved:
            yield Skip(META, queue, f"KMS key of {noun(queue)} is unresolved: {queue.kms_key.note}")
            continue
        key = graph.key_of(queue)
        if key is None:
            reason = graph.why_unlinked(queue, EdgeKind.ENCRYPTED_BY)
            if reason:
                yield Skip(META, queue, f"KMS key of {noun(queue)} is unresolved: {reason}")
            continue
        if key.aws_managed:
            continue  # its policy cannot be edited: CW102's
        for delivery in deliveries:
            feed = feeds.setdefault((key.uid, delivery.source.uid), _Feed(key, delivery))
            if all(q is not queue for q, _ in feed.queues):
                feed.queues.append((queue, delivery))
    stray = next(
        (
            (policy, reason)
            for policy, reason in graph.unlinked(Policy, EdgeKind.GOVERNED_BY)
            if policy.resource_type in _KEY_POLICY_TYPES and not policy.targets.resolved
        ),
        None,
    )
    for feed in feeds.values():
        yield from _judge(graph, feed, stray)


def _judge(graph: Graph, feed: _Feed, stray: tuple[Policy, str] | None) -> Iterator[Finding | Skip]:
    key, service, source = feed.key, feed.delivery.service, feed.delivery.source
    if isinstance(source, Subscription):
        reason = graph.why_unlinked(source, EdgeKind.SUBSCRIBES_TO) or "it names no topic"
        yield Skip(META, key, f"topic of {noun(source)} is unresolved: {reason}")
        return
    answers = {action: may(graph, action, key, service=service, source=source) for action in ACTIONS}
    refused = {action: a for action, a in answers.items() if a.decision is Decision.NO}
    unknown = next((a for a in answers.values() if a.decision is Decision.UNKNOWN), None)
    denied = [a for a in refused.values() if a.statement is not None]
    if refused and not denied and stray is not None:
        policy, reason = stray
        yield Skip(
            META,
            key,
            f"the key of {noun(policy)} is unresolved ({reason}); it may let {service} use {noun(key)}",
        )
    elif refused:
        yield _finding(graph, feed, refused)
    elif unknown is not None:
        yield Skip(
            META,
            key,
            f"{_wires(feed)}, and whether {noun(key)}'s policy lets {service} use it is unknown: {unknown.reason}",
        )


def _wires(feed: _Feed) -> str:
    """ "queue Orders is fed by SNS topic Alerts", for each queue of the feed."""
    source = feed.delivery.source
    wires = []
    for queue, delivery in feed.queues:
        if delivery.dead_letter:
            feeder = delivery.feeder
            of = f"{noun(feeder)} of {noun(source)}" if feeder is not source else noun(source)
            wires.append(f"{noun(queue)} is the dead-letter queue of {of}")
        else:
            wires.append(f"{noun(queue)} is fed by {noun(source)}")
    return " and ".join(wires)


def _finding(graph: Graph, feed: _Feed, refused: dict[str, Answer]) -> Finding:
    key, service, source = feed.key, feed.delivery.service, feed.delivery.source
    actions = " and ".join(refused)
    deny = next((a for a in refused.values() if a.statement is not None), None)
    policies = graph.policies_of(key)
    if deny is not None:
        why = f"a statement of key {key.address}'s policy ({deny.where}) denies {service} {actions}"
    elif policies:
        # the policy document itself where it was written (a `KeyPolicy`, an inline `policy`)
        spans = ", ".join(f"{span.file}:{span.line}" for span in (p.statements.span or p.span for p in policies))
        why = f"key {key.address}'s policy ({spans}) does not let {service} call {actions}"
    else:
        why = (
            f"key {key.address} has no key policy, and AWS's default one, which grants the account root only, "
            f"does not let {service} call {actions}"
        )
    fails = []
    if any(not d.dead_letter for _, d in feed.queues):
        fails.append(_FAILS.get(service, "its deliveries fail with KMS access denied"))
    if any(d.dead_letter for _, d in feed.queues):
        fails.append(_FAILS_INTO_DLQ.get(service, "it cannot move undeliverable messages into the dead-letter queue"))
    queues: tuple[Node, ...] = tuple(q for q, _ in feed.queues)
    feeders = {d.feeder.uid: d.feeder for _, d in feed.queues if d.feeder is not source}
    return Finding(
        META,
        key,
        f"{_wires(feed)}, but {why}: {'; '.join(fails)}",
        related=(*queues, source),
        via=tuple(feeders.values()),
    )
