"""CW309: an SQS event source mapping that hands a function batches of several messages without
ReportBatchItemFailures, so one failed message sends the whole batch back to the queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun, sqs_mappings
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Function, Kind, Mapping, Node

META = CheckMeta(
    id="CW309",
    slug="batch-without-item-failures",
    title="SQS mapping with a batch size above 1 without ReportBatchItemFailures",
    severity=Severity.INFO,
    kinds=(Kind.MAPPING,),
    rationale=(
        "Without ReportBatchItemFailures, a function that fails on one message of a batch fails the whole batch: "
        "every message of it becomes visible again, the ones already processed included, so they are processed "
        "twice, and a single poison message keeps returning with its batch until the batch reaches the "
        "dead-letter queue. BatchSize defaults to 10, so a mapping that leaves it out batches too. With "
        "ReportBatchItemFailures the function returns the IDs of the messages that failed and only those are retried."
    ),
    fix_terraform=(
        'Set `function_response_types = ["ReportBatchItemFailures"]` on the `aws_lambda_event_source_mapping` and '
        "return `batchItemFailures` from the function (or set `batch_size = 1`)."
    ),
    fix_cloudformation=(
        "Set `FunctionResponseTypes: [ReportBatchItemFailures]` on the `AWS::Lambda::EventSourceMapping` or the "
        "SAM `SQS` event, and return `batchItemFailures` from the function (or set `BatchSize: 1`). SAM's "
        "`SqsSubscription` cannot set it: give it `BatchSize: 1`, or declare the queue, its subscription and an "
        "`SQS` event yourself."
    ),
    references=(
        Reference(
            "Lambda Developer Guide: handling errors for an SQS event source (partial batch responses)",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
        ),
        Reference(
            "Lambda API: CreateEventSourceMapping (BatchSize default 10, FunctionResponseTypes)",
            "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for pair in sqs_mappings(graph, META):
        if isinstance(pair, Skip):
            if not _settled(pair.node):  # whatever its source, a mapping that batches singly or reports is fine
                yield pair
            continue
        mapping, queue = pair
        size, reports = mapping.batch_size, mapping.report_batch_item_failures
        unknown = next((v for v in (size, reports) if not v.resolved), None)
        if unknown is not None:
            what = "batch size" if unknown is size else "function response types"
            yield Skip(META, mapping, f"{what} of {noun(mapping)} is unresolved: {unknown.note}")
            continue
        if size.value <= 1 or reports.value:
            continue
        functions = [f for f in graph.targets(mapping, EdgeKind.INVOKES) if isinstance(f, Function)]
        source = noun(queue) if queue is not None else f"queue {mapping.source.value}"
        consumer = f" to {noun(functions[0])}" if functions else ""
        how = size.describe()
        yield Finding(
            META,
            mapping,
            f"{noun(mapping)} hands batches of up to {size.value} messages{f' ({how})' if how else ''} from "
            f"{source}{consumer} without ReportBatchItemFailures: when one message fails, the whole batch "
            "becomes visible again and the messages already processed are processed again",
            related=tuple(n for n in (queue, *functions) if n is not None),
        )


def _settled(mapping: Node) -> bool:
    if not isinstance(mapping, Mapping):
        return False
    size, reports = mapping.batch_size, mapping.report_batch_item_failures
    return (size.resolved and size.value <= 1) or (reports.resolved and reports.value is True)
