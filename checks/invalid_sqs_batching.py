"""CW308: an SQS event source mapping whose batching Lambda refuses: a FIFO batch above 10 or with a batching window,
a standard batch above 10 without a window of at least 1 s, a maximum concurrency outside 2–1000."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
    seconds,
    written_on_resource,
)
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Function, Kind, Mapping, Queue, Value

# Lambda CreateEventSourceMapping (SPEC §5): the most records a batch from a FIFO queue, or from a standard queue
# without a batching window, may hold; the range of ScalingConfig.MaximumConcurrency
LARGEST_UNWINDOWED_BATCH = 10
LEAST_CONCURRENCY, MOST_CONCURRENCY = 2, 1000
FIFO_BATCH_SIZE = "fifo-batch-size"


def _reported_by_cfn_lint_e3705(finding: Finding) -> bool:
    """cfn-lint's E3705 follows an AWS::Lambda::EventSourceMapping's EventSourceArn by Ref or GetAtt (through each
    branch of an Fn::If) to an AWS::SQS::Queue with FifoQueue true written on it ("true" as text too) and reports
    a BatchSize above 10 written on the mapping (a number as text too), on the mapping; of an Fn::If in either
    property it reads the then branch. It reads no SAM event, literal ARN, Fn::Sub,
    parameter or mapping, and checks neither the batching window nor the maximum concurrency."""
    mapping = finding.node
    queue = finding.related[0] if finding.related else None
    return (
        finding.aspect == FIFO_BATCH_SIZE
        and isinstance(mapping, Mapping)
        and isinstance(queue, Queue)
        and mapping.resource_type == "AWS::Lambda::EventSourceMapping"
        and queue.resource_type == "AWS::SQS::Queue"
        and references_directly(mapping.source, queue, every_branch=True)
        and written_on_resource(queue.fifo)
        and written_on_resource(mapping.batch_size)
    )


META = CheckMeta(
    id="CW308",
    slug="invalid-sqs-batching",
    title="Invalid SQS batching on an event source mapping",
    severity=Severity.ERROR,
    kinds=(Kind.MAPPING,),
    rationale=(
        "Lambda validates an SQS event source mapping when it is created: a FIFO queue takes a batch size of at "
        "most 10 and no batching window; a standard queue takes a batch size above 10 only with "
        "MaximumBatchingWindowInSeconds of at least 1 s; ScalingConfig MaximumConcurrency must be between 2 and "
        "1000. Any other combination is refused, so the deployment fails (CloudFormation rolls back, `terraform "
        "apply` stops) and the function never receives the queue's messages."
    ),
    fix_terraform=(
        "On the `aws_lambda_event_source_mapping`: for a FIFO queue keep `batch_size` at 10 or less and leave out "
        "`maximum_batching_window_in_seconds`; for a standard queue with `batch_size` above 10 set "
        "`maximum_batching_window_in_seconds` to at least 1; keep `scaling_config { maximum_concurrency }` "
        "between 2 and 1000."
    ),
    fix_cloudformation=(
        "On the `AWS::Lambda::EventSourceMapping` (or the SAM `SQS` event): for a FIFO queue keep `BatchSize` at "
        "10 or less and leave out `MaximumBatchingWindowInSeconds`; for a standard queue with `BatchSize` above 10 "
        "set `MaximumBatchingWindowInSeconds` to at least 1; keep `ScalingConfig.MaximumConcurrency` between 2 "
        "and 1000."
    ),
    references=(
        Reference(
            "Lambda Developer Guide: Lambda parameters for Amazon SQS event source mappings",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html",
        ),
        Reference(
            "Lambda API Reference: CreateEventSourceMapping",
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html",
        ),
        Reference(
            "Lambda Developer Guide: configuring maximum concurrency for Amazon SQS event sources",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
        ),
    ),
    overlaps=(
        Overlap(
            "cfn-lint",
            "E3705",
            "a BatchSize above 10 written on an AWS::Lambda::EventSourceMapping that names an AWS::SQS::Queue by "
            "Ref or GetAtt with FifoQueue true written on it (the FIFO batch size case only)",
            _reported_by_cfn_lint_e3705,
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for mapping, reason in graph.unlinked(Mapping, EdgeKind.CONSUMES):
        yield Skip(META, mapping, f"queue of {noun(mapping)} is unresolved: {reason}")
    for mapping in graph.of_kind(Mapping):
        for queue in graph.targets(mapping, EdgeKind.CONSUMES):
            if isinstance(queue, Queue):
                yield from _faults(graph, mapping, queue)


def _count(value: Value) -> str:
    how = value.describe()
    return f"{value.value}" + (f" ({how})" if how else "")


def _faults(graph: Graph, mapping: Mapping, queue: Queue) -> Iterator[Finding | Skip]:
    functions = tuple(f for f in graph.targets(mapping, EdgeKind.INVOKES) if isinstance(f, Function))
    consumers = listing(functions)  # sorted: a name may lead to several functions, found in any order
    batch, window, concurrency = mapping.batch_size, mapping.batching_window, mapping.maximum_concurrency

    def fault(aspect: str, rule: str) -> Finding:
        kind = "FIFO" if queue.fifo.value else "standard"
        wire = f"{noun(mapping)} from {kind} {noun(queue)}" + (f" to {consumers}" if consumers else "")
        return Finding(
            META,
            mapping,
            f"{wire}: {rule}: Lambda rejects the mapping and the deployment fails",
            related=(queue, *functions),
            aspect=aspect,
        )

    def unknown(what: str, value: Value) -> Skip:
        return Skip(META, mapping, f"{what} of {noun(mapping)} is unresolved: {value.note}")

    if not concurrency.resolved:
        yield unknown("maximum concurrency", concurrency)
    elif concurrency.value is not None and not LEAST_CONCURRENCY <= concurrency.value <= MOST_CONCURRENCY:
        yield fault(
            "maximum-concurrency",
            f"maximum concurrency {_count(concurrency)} is outside {LEAST_CONCURRENCY}–{MOST_CONCURRENCY}",
        )

    if not queue.fifo.resolved:
        # a batch of at most 10 without a window suits both queue types: only the rest needs to know which
        small = batch.resolved and batch.value <= LARGEST_UNWINDOWED_BATCH
        if not (small and window.resolved and window.value == 0):
            yield Skip(META, mapping, f"whether {noun(queue)} is FIFO is unresolved: {queue.fifo.note}")
        return
    if not batch.resolved:
        yield unknown("batch size", batch)
    if queue.fifo.value:
        if batch.resolved and batch.value > LARGEST_UNWINDOWED_BATCH:
            yield fault(
                FIFO_BATCH_SIZE,
                f"batch size {_count(batch)} is above {LARGEST_UNWINDOWED_BATCH}, the most a FIFO queue allows",
            )
        if not window.resolved:
            yield unknown("batching window", window)
        elif window.value > 0:
            yield fault("fifo-batching-window", f"batching window {seconds(window)} is set, and FIFO queues take none")
    elif batch.resolved and batch.value > LARGEST_UNWINDOWED_BATCH:
        if not window.resolved:
            yield unknown("batching window", window)
        elif window.value < 1:
            yield fault(
                "standard-batching-window",
                f"batch size {_count(batch)} is above {LARGEST_UNWINDOWED_BATCH}, which needs a batching window of "
                f"at least 1 s, and the window is {seconds(window)}",
            )
