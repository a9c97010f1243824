"""CW303: a Lambda-consumed queue whose redrive policy dead-letters a message after fewer than 5 receives
(a warning at 1, where a message gets no retry at all; info at 2-4, below what AWS recommends)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, consumed_queues, listing, noun
from crosswire.graph import Graph
from crosswire.model import Kind, Origin

RECOMMENDED = 5  # "Understanding SQS retries": set maxReceiveCount on the source queue to at least 5

META = CheckMeta(
    id="CW303",
    slug="low-max-receive-count",
    title="Lambda-consumed queue dead-letters messages after fewer than 5 receives",
    severity=Severity.WARNING,
    kinds=(Kind.QUEUE,),
    rationale=(
        "A receive counts against `maxReceiveCount` whether or not the function ever saw the message: when the "
        "function errors, times out, or is throttled while Lambda is polling, the batch goes back to the queue and "
        "every message in it has used one receive. With `maxReceiveCount` 1 a message goes to the dead-letter queue "
        "on its first failure, without a single retry (Well-Architected SQS, part 2, says never to do this with a "
        "Lambda consumer): a warning. With 2 to 4, a burst of throttling dead-letters messages that were never "
        "processed; AWS recommends at least 5: an info finding. Only queues that have a redrive policy and a Lambda "
        "consumer are judged (a queue without a dead-letter queue is CW304)."
    ),
    fix_terraform=(
        "Set `maxReceiveCount` in the queue's `redrive_policy` (or its `aws_sqs_queue_redrive_policy`) to at "
        "least 5."
    ),
    fix_cloudformation="Set `maxReceiveCount` in the queue's `RedrivePolicy` to at least 5.",
    references=(
        Reference(
            "Lambda Developer Guide: understanding SQS retries",
            "https://docs.aws.amazon.com/lambda/latest/dg/sqs-retries.html",
        ),
        Reference(
            "AWS Compute Blog: Well-Architected SQS, part 2",
            "https://aws.amazon.com/blogs/compute/implementing-aws-well-architected-best-practices-for-amazon-sqs-part-2/",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for consumed in consumed_queues(graph, META):
        if isinstance(consumed, Skip):
            yield consumed
            continue
        queue, mappings, functions = consumed
        count = queue.max_receive_count
        if Origin.ABSENT in (count.origin, queue.dead_letter_target.origin):
            continue  # no redrive policy: nothing is dead-lettered (CW304's finding, not this one)
        if not count.resolved:
            yield Skip(META, queue, f"maxReceiveCount of {noun(queue)} is unresolved: {count.note}")
            continue
        if count.value >= RECOMMENDED or count.value < 1:
            continue  # below 1 SQS rejects the redrive policy: a deploy error, not a retry setting
        dlq = graph.dlq_of(queue)
        written = f"maxReceiveCount {count.value}" + (f" ({count.note})" if count.note else "")
        wire = (
            f"{noun(queue)} is consumed by {listing(functions or mappings)} and dead-letters to "
            f"{noun(dlq) if dlq else 'its dead-letter queue'} after {written}"
        )
        related = (*functions, *((dlq,) if dlq else ()))
        if count.value == 1:
            yield Finding(
                META,
                queue,
                f"{wire}: a message is dead-lettered on its first failed or throttled receive, without a retry",
                related=related,
                via=tuple(mappings),
            )
        else:
            yield Finding(
                META,
                queue,
                f"{wire}: AWS recommends at least {RECOMMENDED}, so that receives lost to throttling do not "
                "dead-letter messages that were never processed",
                related=related,
                via=tuple(mappings),
                severity=Severity.INFO,
            )
