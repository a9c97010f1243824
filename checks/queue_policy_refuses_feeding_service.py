"""CW201: a queue that an AWS service delivers into, whose queue policies do not let that service send for the source
it delivers for (an SNS topic, an S3 bucket, an EventBridge rule)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import may
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Delivery, Graph
from crosswire.iam import Answer, Decision
from crosswire.model import EdgeKind, Kind, Policy, Queue, RuleTarget, Subscription

ACTION = "sqs:SendMessage"

META = CheckMeta(
    id="CW201",
    slug="queue-policy-refuses-feeding-service",
    title="Service-fed queue whose policy does not let the feeding service send",
    severity=Severity.ERROR,
    kinds=(Kind.QUEUE,),
    rationale=(
        "SNS, S3 and EventBridge write into a queue as their service principal, and only the queue policy can let "
        "them: without a statement allowing that principal `sqs:SendMessage` for the topic, bucket or rule it "
        "delivers for, nothing arrives and nothing fails in the console. SNS discards the messages (or moves them "
        "into the subscription's dead-letter queue), EventBridge counts FailedInvocations, S3 refuses the "
        "notification configuration. The same holds for the dead-letter queue of an SNS subscription or an "
        "EventBridge target: the service moves what it could not deliver into it itself, and loses it when the "
        "queue does not let it."
    ),
    fix_terraform=(
        "Attach an `aws_sqs_queue_policy` (or the queue's `policy`) with a statement that allows the service "
        'principal (`Principal = { Service = "sns.amazonaws.com" }`) `sqs:SendMessage` on the queue, with '
        "`aws:SourceArn` equal to the topic, bucket or rule that feeds it."
    ),
    fix_cloudformation=(
        "Add an `AWS::SQS::QueuePolicy` for the queue with a statement that allows the service principal "
        "(`Principal: { Service: sns.amazonaws.com }`) `sqs:SendMessage` on the queue, with `aws:SourceArn` equal "
        "to the topic, bucket or rule that feeds it."
    ),
    references=(
        Reference(
            "SNS Developer Guide: giving the topic permission to send messages to the queue",
            "https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html",
        ),
        Reference(
            "SNS Developer Guide: dead-letter queues (the DLQ's policy must let SNS send)",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html",
        ),
        Reference(
            "S3 User Guide: granting permissions to publish event notification messages to a destination",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html",
        ),
        Reference(
            "EventBridge User Guide: Amazon SQS permissions for targets",
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
        ),
        Reference(
            "EventBridge User Guide: dead-letter queues for targets",
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html",
        ),
        Reference(
            "AWS Security Blog: least privilege access to your encrypted Amazon SQS queue",
            "https://aws.amazon.com/blogs/security/how-to-set-up-least-privilege-access-to-your-encrypted-amazon-sqs-queue/",
        ),
    ),
)

# what the user sees when the service may not send, by service principal: into the queue it feeds, and into the
# dead-letter queue of its subscription or target
_LOST = {
    "sns.amazonaws.com": "SNS delivery fails silently and the messages are lost",
    "s3.amazonaws.com": (
        "S3 cannot publish its event notifications into it (setting them up fails with "
        '"Unable to validate the following destination configurations")'
    ),
    "events.amazonaws.com": "EventBridge fails to deliver the events (FailedInvocations) and drops them",
}
_LOST_FROM_DLQ = {
    "sns.amazonaws.com": "SNS cannot move the messages it failed to deliver into it, and they are lost",
    "events.amazonaws.com": "EventBridge cannot move the events it failed to deliver into it, and they are lost",
}
# the resources whose one job is to attach a policy to queues: one whose queues cannot be followed may govern any
# queue, and what it allows is then unknown
_QUEUE_POLICY_TYPES = frozenset({"AWS::SQS::QueuePolicy", "aws_sqs_queue_policy"})


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for subscription, reason in graph.unlinked(Subscription, EdgeKind.DELIVERS_TO):
        if subscription.protocol.value == "sqs":
            yield Skip(META, subscription, f"endpoint of {noun(subscription)} is unresolved: {reason}")
    stray = next(
        (
            (policy, reason)
            for policy, reason in graph.unlinked(Policy, EdgeKind.GOVERNED_BY)
            if policy.resource_type in _QUEUE_POLICY_TYPES and not policy.targets.resolved
        ),
        None,
    )
    for queue in graph.of_kind(Queue):
        judged: set[str] = set()
        for delivery in graph.deliveries_into(queue):
            if delivery.source.uid in judged:
                continue
            judged.add(delivery.source.uid)
            if isinstance(delivery.source, Subscription):
                reason = graph.why_unlinked(delivery.feeder, EdgeKind.SUBSCRIBES_TO) or "it names no topic"
                yield Skip(META, queue, f"topic of {noun(delivery.feeder)} is unresolved: {reason}")
                continue
            if _delivers_with_role(delivery):
                yield from _by_role(graph, queue, delivery)
                continue
            answer = may(graph, ACTION, queue, service=delivery.service, source=delivery.source)
            if answer.decision is Decision.UNKNOWN:
                yield Skip(
                    META,
                    queue,
                    f"{noun(queue)} is fed by {noun(delivery.source)}, and whether its policy lets {delivery.service} "
                    f"call {ACTION} is unknown: {answer.reason}",
                )
            elif answer.decision is Decision.NO:
                if answer.statement is None and stray is not None:
                    policy, reason = stray
                    yield Skip(
                        META,
                        queue,
                        f"the queues of {noun(policy)} are unresolved ({reason}); it may let {delivery.service} "
                        f"send to {noun(queue)}",
                    )
                    continue
                yield _finding(graph, queue, delivery, answer)


def _delivers_with_role(delivery: Delivery) -> bool:
    """An EventBridge target with an execution role (RoleArn) sends to its SQS target with that role, not as
    events.amazonaws.com (EventBridge User Guide, "Using resource-based policies"); its dead-letter queue is still
    sent to by the service."""
    feeder = delivery.feeder
    return isinstance(feeder, RuleTarget) and not delivery.dead_letter and (
        feeder.role.explicit or not feeder.role.resolved
    )


def _by_role(graph: Graph, queue: Queue, delivery: Delivery) -> Iterator[Finding | Skip]:
    role = graph.role_of(delivery.feeder)
    if role is None:
        reason = graph.why_unlinked(delivery.feeder, EdgeKind.ASSUMES) or "it names no role"
        yield Skip(META, queue, f"role of {noun(delivery.feeder)}, which feeds {noun(queue)}, is unresolved: {reason}")
        return
    answer = may(graph, ACTION, queue, role=role)
    wire = f"{noun(queue)} is fed by {noun(delivery.source)}"
    if answer.decision is Decision.UNKNOWN:
        yield Skip(
            META, queue, f"{wire}, and whether its target's {noun(role)} may call {ACTION} is unknown: "
            f"{answer.reason}"
        )
    elif answer.decision is Decision.NO:
        why = (
            f"a Deny statement of the policy at {answer.where} covers it"
            if answer.where
            else "no statement of the role's policies, or of a queue policy naming the role, allows it"
        )
        yield Finding(
            META,
            queue,
            f"{wire}, but its target's {noun(role)} (RoleArn) may not call {ACTION} on it: {why}, so "
            f"{_LOST[delivery.service]}",
            related=(delivery.source, role),
        )


def _finding(graph: Graph, queue: Queue, delivery: Delivery, answer: Answer) -> Finding:
    service, source, feeder = delivery.service, delivery.source, delivery.feeder
    if delivery.dead_letter:
        of = f"{noun(feeder)} of {noun(source)}" if feeder is not source else noun(source)
        wire = f"{noun(queue)} is the dead-letter queue of {of}"
        lost = _LOST_FROM_DLQ.get(service, "the undeliverable messages are lost")
    else:
        wire = f"{noun(queue)} is fed by {noun(source)}"
        lost = _LOST.get(service, "its deliveries fail and the messages are lost")
    policies = graph.policies_of(queue)
    if answer.statement is not None:
        why = f"a statement of its policy ({answer.where}) denies it"
    elif policies:
        # the policy document itself where it was written (an inline `policy`, a `PolicyDocument`)
        spans = ", ".join(f"{span.file}:{span.line}" for span in (p.statements.span or p.span for p in policies))
        why = f"no statement of its {'policies' if len(policies) > 1 else 'policy'} ({spans}) allows it"
    else:
        why = "the queue has no queue policy"
    return Finding(
        META,
        queue,
        f"{wire}, but {service} may not call {ACTION} on it: {why}, so {lost}",
        related=(source,),
        via=(feeder,) if feeder is not source else (),
    )
