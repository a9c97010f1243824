"""CW306: a FIFO queue with a standard dead-letter queue (or the reverse), a standard topic subscribing a FIFO queue,
or a FIFO topic subscribing a Lambda function, an HTTP(S), email or SMS endpoint: AWS refuses each of these."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Node, Queue, Subscription, Topic

# SNS FIFO topics deliver to SQS queues only (SNS Developer Guide, FIFO topics); the other protocols they refuse
NOT_FOR_FIFO_TOPICS = ("lambda", "http", "https", "email", "email-json", "sms")

META = CheckMeta(
    id="CW306",
    slug="fifo-standard-mismatch",
    title="FIFO/standard mismatch between a queue and its dead-letter queue, or a topic and its subscriber",
    severity=Severity.ERROR,
    kinds=(Kind.QUEUE, Kind.SUBSCRIPTION),
    rationale=(
        "SQS accepts only a dead-letter queue of the source queue's own type: a FIFO queue needs a FIFO dead-letter "
        "queue and a standard queue a standard one, and any other redrive policy is rejected. SNS standard topics "
        "cannot deliver to FIFO queues, and FIFO topics deliver only to SQS queues, so SNS refuses a subscription "
        "of a FIFO queue to a standard topic, or of a Lambda function, HTTP(S), email or SMS endpoint to a FIFO "
        "topic. Either way the deployment fails (CloudFormation rolls back, `terraform apply` stops) and the "
        "pipeline the template describes never exists."
    ),
    fix_terraform=(
        "Give the queue a dead-letter queue of its own type (`fifo_queue` the same on both). Subscribe FIFO queues "
        "only to FIFO topics (`fifo_topic = true`); subscribe a Lambda function or an HTTP(S), email or SMS "
        "endpoint to a standard topic, or put an SQS queue between a FIFO topic and the function."
    ),
    fix_cloudformation=(
        "Give the queue a dead-letter queue of its own type (`FifoQueue` the same on both). Subscribe FIFO queues "
        "only to FIFO topics (`FifoTopic: true`); subscribe a Lambda function or an HTTP(S), email or SMS endpoint "
        "to a standard topic, or put an SQS queue between a FIFO topic and the function (SAM: `SqsSubscription: "
        "true` on the SNS event)."
    ),
    references=(
        Reference(
            "SQS Developer Guide: using dead-letter queues",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
        ),
        Reference(
            "SQS Developer Guide: configure a dead-letter queue (the queue type must match the source queue type)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html",
        ),
        Reference(
            "SNS Developer Guide: FIFO topic message delivery",
            "https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for queue in graph.of_kind(Queue):
        yield from _dead_letter_mismatch(graph, queue)
    for subscription in graph.of_kind(Subscription):
        yield from _subscription_mismatch(graph, subscription)


def _typed(node: Queue | Topic) -> str:
    """ "FIFO queue Orders", "standard SNS topic Alerts (FIFO left unset)": the type and where it came from."""
    kind = "FIFO" if node.fifo.value else "standard"
    how = "FIFO left unset" if node.fifo.describe() == "AWS default" else node.fifo.describe()
    return f"{kind} {noun(node)}" + (f" ({how})" if how else "")


def _end(graph: Graph, owner: Node, kind: EdgeKind, target: Queue | Topic | None, what: str) -> Queue | Topic | str:
    """The other end of a wire with its FIFO setting known, or why it cannot be judged ("" when there is none)."""
    if target is None:
        reason = graph.why_unlinked(owner, kind)
        return f"{what} of {noun(owner)} is unresolved: {reason}" if reason else ""
    if not target.fifo.resolved:
        return f"whether {noun(target)} is FIFO is unresolved: {target.fifo.note}"
    return target


def _dead_letter_mismatch(graph: Graph, queue: Queue) -> Iterator[Finding | Skip]:
    dlq = _end(graph, queue, EdgeKind.DEAD_LETTERS_TO, graph.dlq_of(queue), "dead-letter queue")
    if isinstance(dlq, str):
        if dlq:
            yield Skip(META, queue, dlq)
        return
    if not queue.fifo.resolved:
        yield Skip(META, queue, f"whether {noun(queue)} is FIFO is unresolved: {queue.fifo.note}")
    elif queue.fifo.value != dlq.fifo.value:
        yield Finding(
            META,
            queue,
            f"{_typed(queue)} dead-letters to {_typed(dlq)}: SQS accepts only a dead-letter queue of the queue's "
            "own type, so it rejects the redrive policy and the deployment fails",
            related=(dlq,),
        )


def _subscription_mismatch(graph: Graph, subscription: Subscription) -> Iterator[Finding | Skip]:
    protocol = subscription.protocol
    if not protocol.resolved:
        yield Skip(META, subscription, f"protocol of {noun(subscription)} is unresolved: {protocol.note}")
        return
    name = str(protocol.value).lower()
    if name != "sqs" and name not in NOT_FOR_FIFO_TOPICS:
        return  # firehose, application: FIFO topics and standard ones alike deliver to them
    topic = _end(graph, subscription, EdgeKind.SUBSCRIBES_TO, graph.topic_of(subscription), "topic")
    endpoint = graph.endpoint_of(subscription)
    if name != "sqs":
        if isinstance(topic, Topic) and topic.fifo.value:
            target = noun(endpoint) if endpoint else f"its {name} endpoint"
            yield Finding(
                META,
                subscription,
                f"{noun(subscription)} subscribes {target} to {_typed(topic)}: FIFO topics deliver only "
                "to SQS queues, so SNS rejects the subscription and the deployment fails",
                related=(topic, *([endpoint] if endpoint else [])),
            )
        elif isinstance(topic, str) and topic:
            yield Skip(META, subscription, topic)
        return
    queue = _end(
        graph,
        subscription,
        EdgeKind.DELIVERS_TO,
        endpoint if isinstance(endpoint, Queue) else None,
        "queue",
    )
    if isinstance(topic, Topic) and isinstance(queue, Queue):
        if not topic.fifo.value and queue.fifo.value:
            yield Finding(
                META,
                subscription,
                f"{noun(subscription)} subscribes {_typed(queue)} to {_typed(topic)}: standard topics cannot deliver "
                "to FIFO queues, so SNS rejects the subscription and the deployment fails",
                related=(queue, topic),
            )
        return
    # a mismatch needs a standard topic and a FIFO queue: skip only when what is known leaves that possible
    possible = not (isinstance(topic, Topic) and topic.fifo.value) and not (
        isinstance(queue, Queue) and not queue.fifo.value
    )
    reasons = [r for r in (topic, queue) if isinstance(r, str) and r]
    if possible and reasons:
        yield Skip(META, subscription, "; ".join(reasons))
