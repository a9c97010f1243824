"""CW304: a queue that a Lambda function consumes, with no dead-letter queue (no redrive policy): a message the
function cannot process is retried until it expires, and is then lost."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, consumed_queues, listing, noun, seconds
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Origin

META = CheckMeta(
    id="CW304",
    slug="consumed-queue-without-dead-letter-queue",
    title="Lambda-consumed queue without a dead-letter queue",
    severity=Severity.WARNING,
    kinds=(Kind.QUEUE,),
    rationale=(
        "Lambda deletes a message only after the function processed it. Without a redrive policy on the queue, a "
        "message the function keeps failing on is received again and again (a whole batch with it, unless the "
        "function reports batch item failures) until its retention period ends, and SQS then deletes it: the "
        "message is lost without a trace, and on a FIFO queue it holds up its message group until then. A "
        "function's own `DeadLetterConfig` does not help: it serves asynchronous invocations, not event source "
        "mappings. Only queues a Lambda event source mapping consumes are judged, so a dead-letter queue that "
        "nothing consumes is not flagged (serverless-rules' ES6000 flags those too, because it cannot tell)."
    ),
    fix_terraform=(
        "Create an `aws_sqs_queue` for the failed messages (with a longer `message_retention_seconds`) and set the "
        "consumed queue's `redrive_policy` to `jsonencode({ deadLetterTargetArn = aws_sqs_queue.<dlq>.arn, "
        "maxReceiveCount = 5 })`."
    ),
    fix_cloudformation=(
        "Create an `AWS::SQS::Queue` for the failed messages (with a longer `MessageRetentionPeriod`) and give the "
        "consumed queue a `RedrivePolicy` with `deadLetterTargetArn: !GetAtt <Dlq>.Arn` and `maxReceiveCount: 5`; "
        "a SAM `SqsSubscription` queue cannot have one, so create the queue yourself and pass its `QueueArn`."
    ),
    references=(
        Reference(
            "Lambda Developer Guide: understanding SQS retries",
            "https://docs.aws.amazon.com/lambda/latest/dg/sqs-retries.html",
        ),
        Reference(
            "SQS Developer Guide: using dead-letter queues",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for consumed in consumed_queues(graph, META):
        if isinstance(consumed, Skip):
            yield consumed
            continue
        queue, mappings, functions = consumed
        target = queue.dead_letter_target
        if not target.resolved:
            yield Skip(META, queue, f"dead-letter queue of {noun(queue)} is unresolved: {target.note}")
            continue
        if target.origin is not Origin.ABSENT:
            reason = graph.why_unlinked(queue, EdgeKind.DEAD_LETTERS_TO)
            if reason:
                yield Skip(META, queue, f"dead-letter queue of {noun(queue)} is unresolved: {reason}")
            continue
        retention = queue.message_retention
        expiry = f"after {seconds(retention)}" if retention.resolved else "when its retention period ends"
        yield Finding(
            META,
            queue,
            f"{noun(queue)} is consumed by {listing(functions or mappings)} but has no dead-letter queue: a message "
            f"the function keeps failing on is retried until it expires {expiry}, and is then lost",
            related=tuple(functions),
            via=tuple(mappings),
        )
