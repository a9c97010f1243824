"""CW305: a standard queue whose dead-letter queue does not keep messages longer than the queue itself, so
dead-lettered messages can expire there before anyone looks at them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun, seconds
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Origin, Queue

META = CheckMeta(
    id="CW305",
    slug="short-dead-letter-queue-retention",
    title="Standard queue whose dead-letter queue retention is not longer than its own",
    severity=Severity.WARNING,
    kinds=(Kind.QUEUE,),
    rationale=(
        "When a standard queue moves a message to its dead-letter queue, the message keeps its original enqueue "
        "timestamp, and the dead-letter queue's retention period counts from it. A message that spent three days "
        "being retried in a queue with the default 4-day retention has one day left in a dead-letter queue that "
        "also keeps 4 days, and is deleted before anyone investigates. AWS advises a dead-letter queue retention "
        "longer than the source queue's. FIFO queues reset the timestamp when they dead-letter a message, so FIFO "
        "queues are not judged. Retentions left out are AWS's default, 345600 s (4 days)."
    ),
    fix_terraform=(
        "Set the dead-letter queue's `message_retention_seconds` above the source queue's (up to 1209600, 14 days)."
    ),
    fix_cloudformation=(
        "Set the dead-letter queue's `MessageRetentionPeriod` above the source queue's (up to 1209600, 14 days)."
    ),
    references=(
        Reference(
            "SQS Developer Guide: using dead-letter queues (message retention)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for queue in graph.of_kind(Queue):
        if queue.dead_letter_target.origin is Origin.ABSENT:
            continue
        if not queue.fifo.resolved:
            yield Skip(META, queue, f"FIFO setting of {noun(queue)} is unresolved: {queue.fifo.note}")
            continue
        if queue.fifo.value:
            continue  # a FIFO queue resets the enqueue timestamp when it dead-letters a message
        dlq = graph.dlq_of(queue)
        if dlq is None:
            reason = graph.why_unlinked(queue, EdgeKind.DEAD_LETTERS_TO)
            if reason:
                yield Skip(META, queue, f"dead-letter queue of {noun(queue)} is unresolved: {reason}")
            continue
        own, theirs = queue.message_retention, dlq.message_retention
        unknown = next(
            (
                f"message retention of {noun(q)} is unresolved: {r.note}"
                for q, r in ((queue, own), (dlq, theirs))
                if not r.resolved
            ),
            None,
        )
        if unknown:
            yield Skip(META, queue, unknown)
            continue
        if theirs.value > own.value:
            continue
        yield Finding(
            META,
            queue,
            f"{noun(queue)} retains messages for {seconds(own)} and its dead-letter {noun(dlq)} for "
            f"{seconds(theirs)}, which is not longer: a dead-lettered message keeps its original enqueue timestamp, "
            "so it can expire there before anyone looks at it",
            related=(dlq,),
        )
