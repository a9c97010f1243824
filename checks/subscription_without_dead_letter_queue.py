"""CW307: an SNS subscription without a dead-letter queue of its own, so a message SNS cannot deliver is dropped
without a trace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, listing, noun
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Origin, Subscription

META = CheckMeta(
    id="CW307",
    slug="subscription-without-dead-letter-queue",
    title="SNS subscription without its own dead-letter queue",
    severity=Severity.INFO,
    kinds=(Kind.SUBSCRIPTION,),
    rationale=(
        "A message SNS cannot deliver to a subscription's endpoint (the queue's key denies SNS, the function is "
        "throttled past the retries, the endpoint is gone) is held in the subscription's dead-letter queue when it "
        "has one, and discarded when it has none: client-side errors are not even retried. The dead-letter queue "
        "of the queue or function at the other end does not help, since the message never reached it. Without "
        "one, lost notifications leave nothing to inspect or redrive, only the topic's "
        "NumberOfNotificationsFailed metric."
    ),
    fix_terraform=(
        "Set the subscription's `redrive_policy` to `jsonencode({ deadLetterTargetArn = aws_sqs_queue.<dlq>.arn })` "
        "(a FIFO queue for a FIFO topic), and let `sns.amazonaws.com` send to that queue in its queue policy."
    ),
    fix_cloudformation=(
        "Set the subscription's `RedrivePolicy` to `{deadLetterTargetArn: !GetAtt <Dlq>.Arn}` (a FIFO queue for a "
        "FIFO topic; SAM SNS events take `RedrivePolicy` too), and let `sns.amazonaws.com` send to that queue in "
        "an `AWS::SQS::QueuePolicy`. A `Subscription` entry written inside an `AWS::SNS::Topic` cannot have one: "
        "declare it as an `AWS::SNS::Subscription`."
    ),
    references=(
        Reference(
            "SNS Developer Guide: Amazon SNS dead-letter queues",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html",
        ),
        Reference(
            "SNS Developer Guide: configuring a dead-letter queue for a subscription",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-configure-dead-letter-queue.html",
        ),
        Reference(
            "SNS Developer Guide: message delivery retries",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for subscription in graph.of_kind(Subscription):
        dead_letter_target = subscription.dead_letter_target
        if not dead_letter_target.resolved:
            yield Skip(
                META,
                subscription,
                f"dead-letter queue of {noun(subscription)} is unresolved: {dead_letter_target.note}",
            )
            continue
        if dead_letter_target.origin is not Origin.ABSENT:
            continue  # it has one, scanned here or not
        # a literal ARN or name may lead to several resources: name them all, in an order of their own
        topics = sorted(graph.targets(subscription, EdgeKind.SUBSCRIBES_TO), key=lambda n: n.uid)
        endpoints = sorted(graph.targets(subscription, EdgeKind.DELIVERS_TO), key=lambda n: n.uid)
        protocol = subscription.protocol.value if subscription.protocol.resolved else None
        to = listing(endpoints) if endpoints else f"its {protocol} endpoint" if protocol else "its endpoint"
        wire = f"from {listing(topics)} to {to}" if topics else f"to {to}"
        # CloudFormation's inline `Subscription` entries take a protocol and an endpoint, nothing else
        inline = (
            " (written inline in the topic, it cannot have one)"
            if subscription.resource_type == "AWS::SNS::Topic"
            else ""
        )
        yield Finding(
            META,
            subscription,
            f"{noun(subscription)}, {wire}, has no dead-letter queue{inline}: a message SNS cannot deliver is "
            "discarded after its retries, with nothing kept to inspect or redrive",
            related=(*topics, *endpoints),
        )
