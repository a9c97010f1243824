"""CW306: a FIFO queue with a standard dead-letter queue (or the reverse), a standard topic subscribing a FIFO queue,
or a FIFO topic subscribing a Lambda function, an HTTP(S), email or SMS endpoint: AWS refuses each of these."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from crosswire.check import (
    CheckMeta,
    Finding,
    Overlap,
    Reference,
    Severity,
    Skip,
    listing,
    noun,
    references_directly,
    written_on_resource,
)
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Node, Queue, Subscription, Topic

End = TypeVar("End", Queue, Topic)

# SNS FIFO topics deliver to SQS queues only (SNS Developer Guide, FIFO topics); the other protocols they refuse
NOT_FOR_FIFO_TOPICS = ("lambda", "http", "https", "email", "email-json", "sms")


def _reported_by_cfn_lint_e3502(finding: Finding) -> bool:
    """cfn-lint's E3502 follows an AWS::SQS::Queue's `RedrivePolicy.deadLetterTargetArn` by Ref or GetAtt (through
    each branch of an Fn::If) to an AWS::SQS::Queue and compares the FifoQueue written on both (or its default,
    false; "true"/"false" as text too; the then branch of an Fn::If), reporting on the source queue. It reads no
    literal ARN, Fn::Sub, parameter or mapping (a FifoQueue through one is unknown to it), nor a RedrivePolicy
    written as a JSON string, and no topic or subscription."""
    queue = finding.node
    dlq = finding.related[0] if len(finding.related) == 1 else None
    return (
        isinstance(queue, Queue)
        and isinstance(dlq, Queue)
        and queue.resource_type == dlq.resource_type == "AWS::SQS::Queue"
        and references_directly(queue.dead_letter_target, dlq, every_branch=True)
        and written_on_resource(queue.fifo)
        and written_on_resource(dlq.fifo)
    )


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
    overlaps=(
        Overlap(
            "cfn-lint",
            "E3502",
            "an AWS::SQS::Queue whose RedrivePolicy names an AWS::SQS::Queue by Ref or GetAtt, with FifoQueue "
            "written on both or left out (the queue and dead-letter queue case only)",
            _reported_by_cfn_lint_e3502,
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


def _ends(graph: Graph, owner: Node, kind: EdgeKind, cls: type[End], what: str) -> tuple[list[End], list[str]]:
    """The other ends of `owner`'s wires of `kind` whose FIFO setting is known (a literal ARN or name may lead to
    several), and why the others cannot be judged."""
    targets = sorted((t for t in graph.targets(owner, kind) if isinstance(t, cls)), key=lambda t: t.uid)
    reasons = [f"whether {noun(t)} is FIFO is unresolved: {t.fifo.note}" for t in targets if not t.fifo.resolved]
    unlinked = graph.why_unlinked(owner, kind)
    if unlinked:
        reasons.insert(0, f"{what} of {noun(owner)} is unresolved: {unlinked}")
    return [t for t in targets if t.fifo.resolved], reasons


def _dead_letter_mismatch(graph: Graph, queue: Queue) -> Iterator[Finding | Skip]:
    dlqs, reasons = _ends(graph, queue, EdgeKind.DEAD_LETTERS_TO, Queue, "dead-letter queue")
    if not dlqs and not reasons:
        return
    if not queue.fifo.resolved:
        reasons.insert(0, f"whether {noun(queue)} is FIFO is unresolved: {queue.fifo.note}")
        dlqs = []
    for dlq in dlqs:
        if queue.fifo.value != dlq.fifo.value:
            yield Finding(
                META,
                queue,
                f"{_typed(queue)} dead-letters to {_typed(dlq)}: SQS accepts only a dead-letter queue of the queue's "
                "own type, so it rejects the redrive policy and the deployment fails",
                related=(dlq,),
            )
    if reasons:
        yield Skip(META, queue, "; ".join(reasons))


def _subscription_mismatch(graph: Graph, subscription: Subscription) -> Iterator[Finding | Skip]:
    protocol = subscription.protocol
    if not protocol.resolved:
        yield Skip(META, subscription, f"protocol of {noun(subscription)} is unresolved: {protocol.note}")
        return
    name = str(protocol.value).lower()
    if name != "sqs" and name not in NOT_FOR_FIFO_TOPICS:
        return  # firehose, application: FIFO topics and standard ones alike deliver to them
    topics, topic_reasons = _ends(graph, subscription, EdgeKind.SUBSCRIBES_TO, Topic, "topic")
    if name != "sqs":
        endpoints = sorted(graph.targets(subscription, EdgeKind.DELIVERS_TO), key=lambda n: n.uid)
        target = listing(endpoints) if endpoints else f"its {name} endpoint"
        for topic in (t for t in topics if t.fifo.value):
            yield Finding(
                META,
                subscription,
                f"{noun(subscription)} subscribes {target} to {_typed(topic)}: FIFO topics deliver only "
                "to SQS queues, so SNS rejects the subscription and the deployment fails",
                related=(topic, *endpoints),
            )
        if topic_reasons:
            yield Skip(META, subscription, "; ".join(topic_reasons))
        return
    queues, queue_reasons = _ends(graph, subscription, EdgeKind.DELIVERS_TO, Queue, "queue")
    standard_topics = [t for t in topics if not t.fifo.value]
    fifo_queues = [q for q in queues if q.fifo.value]
    for topic in standard_topics:
        for queue in fifo_queues:
            yield Finding(
                META,
                subscription,
                f"{noun(subscription)} subscribes {_typed(queue)} to {_typed(topic)}: standard topics cannot deliver "
                "to FIFO queues, so SNS rejects the subscription and the deployment fails",
                related=(queue, topic),
            )
    # a mismatch needs a standard topic and a FIFO queue: skip only when what is unknown leaves one possible
    if (standard_topics or topic_reasons) and (fifo_queues or queue_reasons) and (topic_reasons or queue_reasons):
        yield Skip(META, subscription, "; ".join(topic_reasons + queue_reasons))
