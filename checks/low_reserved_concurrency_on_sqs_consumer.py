"""CW310: a function that consumes SQS with reserved concurrency below 5 or below its mapping's MaximumConcurrency,
so the mapping receives more batches than the function may run and the throttled ones burn maxReceiveCount."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, listing, noun, sqs_mappings
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Function, Kind, Mapping, Queue, Value

# AWS: with reserved concurrency on an SQS consumer, set at least 5 (Lambda starts reading a standard queue with
# five concurrent batches; Lambda Developer Guide, SQS scaling)
POLLING_FLOOR = 5

META = CheckMeta(
    id="CW310",
    slug="low-reserved-concurrency-on-sqs-consumer",
    title="SQS-consumed function with reserved concurrency below 5 or below the mapping's MaximumConcurrency",
    severity=Severity.WARNING,
    kinds=(Kind.FUNCTION,),
    rationale=(
        "Checkov (CKV_AWS_115) and cdk-nag ask for reserved concurrency on every function, but an SQS event source "
        "mapping does not look at it: Lambda starts reading a standard queue with five concurrent batches and scales "
        "up to the mapping's MaximumConcurrency. The batches the function has no concurrency for are throttled and "
        "return to the queue, each receive counting against the queue's maxReceiveCount, so messages that were never "
        "processed end up in the dead-letter queue (or expire). AWS asks for at least 5, and for the mapping's "
        "MaximumConcurrency to limit an SQS consumer rather than reserved concurrency. Reserved concurrency 0 "
        "(a function switched off on purpose) is flagged too while an SQS mapping to it is enabled: the mapping keeps "
        "receiving messages and every invocation is throttled; pause a consumer by disabling its mapping, which "
        "leaves the messages in the queue untouched. Disabled mappings are not judged."
    ),
    fix_terraform=(
        "Remove `reserved_concurrent_executions` (or raise it to at least 5 and to the mapping's "
        "`scaling_config.maximum_concurrency`), and limit the consumer with `scaling_config { maximum_concurrency }` "
        "on the `aws_lambda_event_source_mapping`; to pause it, set the mapping's `enabled = false`."
    ),
    fix_cloudformation=(
        "Remove `ReservedConcurrentExecutions` (or raise it to at least 5 and to the mapping's "
        "`ScalingConfig.MaximumConcurrency`), and limit the consumer with `ScalingConfig: {MaximumConcurrency: N}` on "
        "the mapping or SAM `SQS` event; to pause it, set the mapping's `Enabled: false`."
    ),
    references=(
        Reference(
            "Lambda Developer Guide: handling errors for an SQS event source (backoff on throttling)",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
        ),
        Reference(
            "Lambda Developer Guide: configuring scaling behavior for SQS event source mappings",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
        ),
        Reference(
            "AWS Compute Blog: introducing maximum concurrency of AWS Lambda functions with Amazon SQS",
            "https://aws.amazon.com/blogs/compute/introducing-maximum-concurrency-of-aws-lambda-functions-when-using-amazon-sqs-as-an-event-source/",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    consumed: dict[str, tuple[Function, list[tuple[Mapping, Queue | None]]]] = {}
    for pair in sqs_mappings(graph, META):
        if isinstance(pair, Skip):
            # a mapping whose source is unknown matters only to a function that reserves concurrency
            functions = [f for f in graph.targets(pair.node, EdgeKind.INVOKES) if isinstance(f, Function)]
            if not functions or any(f.reserved_concurrency.value is not None for f in functions):
                yield pair
            continue
        for function in graph.targets(pair[0], EdgeKind.INVOKES):
            if isinstance(function, Function):
                consumed.setdefault(function.uid, (function, []))[1].append(pair)
    for function, pairs in consumed.values():
        yield from _judge(function, pairs)


def _judge(function: Function, pairs: list[tuple[Mapping, Queue | None]]) -> Iterator[Finding | Skip]:
    reserved = function.reserved_concurrency
    if not reserved.resolved:
        yield Skip(META, function, f"reserved concurrency of {noun(function)} is unresolved: {reserved.note}")
        return
    if reserved.value is None:
        return  # no reservation: the function scales with the account's concurrency
    undecided = next((m for m, _ in pairs if not m.enabled.resolved), None)
    enabled = [(m, q) for m, q in pairs if m.enabled.resolved and m.enabled.value]
    if not enabled:
        if undecided is not None:
            yield Skip(META, function, f"whether {noun(undecided)} is enabled is unresolved: {undecided.enabled.note}")
        return
    queues = tuple(q for _, q in enabled if q is not None)
    sources = listing(queues) if queues else "its queue"
    mappings = tuple(m for m, _ in enabled)
    consequence = (
        "the batches it has no concurrency for are throttled and go back to the queue, each receive counting "
        "against maxReceiveCount, so messages that were never processed reach the dead-letter queue or expire"
    )
    if reserved.value == 0:
        yield Finding(
            META,
            function,
            f"{noun(function)} is switched off with reserved concurrency 0{_how(reserved)} while its mapping from "
            f"{sources} is enabled: {consequence}; disable the mapping instead to pause the consumer",
            related=queues,
            via=mappings,
        )
        return
    unknown = next((m for m in mappings if not m.maximum_concurrency.resolved), None)
    widest = max(
        (m for m in mappings if m.maximum_concurrency.resolved and m.maximum_concurrency.value is not None),
        key=lambda m: m.maximum_concurrency.value,
        default=None,
    )
    floor = max(POLLING_FLOOR, widest.maximum_concurrency.value if widest else 0)
    if reserved.value >= floor and unknown is not None:
        yield Skip(
            META, function, f"MaximumConcurrency of {noun(unknown)} is unresolved: {unknown.maximum_concurrency.note}"
        )
        return
    if reserved.value >= floor:
        return
    if widest is not None and widest.maximum_concurrency.value > POLLING_FLOOR:
        reason = f"the MaximumConcurrency {widest.maximum_concurrency.value} of {noun(widest)}"
    else:
        reason = f"the {POLLING_FLOOR} AWS asks for on an SQS consumer"
    yield Finding(
        META,
        function,
        f"{noun(function)} consumes {sources} with reserved concurrency {reserved.value}{_how(reserved)}, below "
        f"{reason}: {consequence}",
        related=queues,
        via=mappings,
    )


def _how(value: Value) -> str:
    how = value.describe()
    return f" ({how})" if how else ""
