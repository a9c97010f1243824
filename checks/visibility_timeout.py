"""CW302: a Lambda-consumed queue whose visibility timeout is below 6 × function timeout + batching window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import (
    CheckMeta,
    Finding,
    Option,
    Reference,
    Severity,
    Skip,
    noun,
    seconds,
    timed_consumers,
)
from crosswire.graph import Graph
from crosswire.model import Kind

DEFAULT_MULTIPLIER = 6

META = CheckMeta(
    id="CW302",
    slug="visibility-timeout",
    title="Queue visibility timeout below 6 × function timeout + batching window",
    severity=Severity.WARNING,
    kinds=(Kind.QUEUE,),
    rationale=(
        "AWS recommends a visibility timeout of at least six times the function timeout plus "
        "MaximumBatchingWindowInSeconds, so that throttled or retried invocations do not make a message visible "
        "again while a batch is still being processed (duplicate processing). A queue below the function timeout "
        "itself is CW301 instead. The multiplier is the check option `multiplier`."
    ),
    fix_terraform="Set the queue's `visibility_timeout_seconds` to at least 6 × the function's `timeout` plus the "
    "mapping's `maximum_batching_window_in_seconds`.",
    fix_cloudformation="Set the queue's `VisibilityTimeout` to at least 6 × the function's `Timeout` (mind "
    "`Globals.Function`) plus the mapping's `MaximumBatchingWindowInSeconds`.",
    references=(
        Reference(
            "Lambda Developer Guide: configuring an Amazon SQS event source",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
        ),
        Reference(
            "AWS Compute Blog: Well-Architected SQS, part 2",
            "https://aws.amazon.com/blogs/compute/implementing-aws-well-architected-best-practices-for-amazon-sqs-part-2/",
        ),
    ),
    options=(
        Option(
            "multiplier",
            int,
            DEFAULT_MULTIPLIER,
            "how many function timeouts the visibility timeout must cover",
            minimum=1,
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    multiplier = int(options.get("multiplier", DEFAULT_MULTIPLIER))
    for pair in timed_consumers(graph, META):
        if isinstance(pair, Skip):
            yield pair
            continue
        queue, function, mappings = pair
        visibility, timeout = queue.visibility_timeout, function.timeout
        if visibility.value < timeout.value:
            continue  # CW301's error, not this warning
        consumer = f"{noun(function)}{', ' + timeout.describe() if timeout.describe() else ''}"
        floor = multiplier * timeout.value
        unknown = next((m.batching_window for m in mappings if not m.batching_window.resolved), None)
        if unknown is not None:
            if visibility.value < floor:  # short whatever the window is
                yield Finding(
                    META,
                    queue,
                    f"{noun(queue)}: visibility timeout {seconds(visibility)} is below {multiplier} × "
                    f"{timeout.value} s ({consumer}) = {floor} s even before the batching window "
                    f"(unresolved: {unknown.note})",
                    related=(function,),
                    via=tuple(mappings),
                )
            else:
                yield Skip(
                    META, queue, f"batching window of the mapping to {noun(function)} is unresolved: {unknown.note}"
                )
            continue
        window = max((m.batching_window for m in mappings), key=lambda w: w.value)  # the longest window decides
        needed = floor + window.value
        if visibility.value < needed:
            yield Finding(
                META,
                queue,
                f"{noun(queue)}: visibility timeout {seconds(visibility)} is below {multiplier} × "
                f"{timeout.value} s ({consumer}) + {seconds(window)} batching window = {needed} s",
                related=(function,),
                via=tuple(mappings),
            )
