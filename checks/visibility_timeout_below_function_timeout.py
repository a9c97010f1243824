"""CW301: a Lambda-consumed queue whose visibility timeout is below the function timeout (Lambda rejects it)."""

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
    noun,
    references_directly,
    seconds,
    timed_consumers,
    written_on_resource,
)
from crosswire.graph import Graph
from crosswire.model import Function, Kind, Mapping, Queue


def _reported_by_cfn_lint_e3505(finding: Finding) -> bool:
    """cfn-lint's E3505 follows an AWS::Lambda::EventSourceMapping's Ref/GetAtt to an AWS::Lambda::Function (through
    each branch of an Fn::If) and an AWS::SQS::Queue (through the then branch) and compares the Timeout and
    VisibilityTimeout written on them (or their defaults, 3 and 30; the then branch of an Fn::If), reporting on the
    queue. It reads no SAM function or event, literal ARN or name,
    parameter or mapping."""
    queue, function = finding.node, finding.related[0]
    return (
        isinstance(queue, Queue)
        and isinstance(function, Function)
        and queue.resource_type == "AWS::SQS::Queue"
        and function.resource_type == "AWS::Lambda::Function"
        and written_on_resource(queue.visibility_timeout)
        and written_on_resource(function.timeout)
        and any(
            isinstance(m, Mapping)
            and m.resource_type == "AWS::Lambda::EventSourceMapping"
            and references_directly(m.source, queue)
            and references_directly(m.function, function, every_branch=True)
            for m in finding.via
        )
    )


META = CheckMeta(
    id="CW301",
    slug="visibility-timeout-below-function-timeout",
    title="Queue visibility timeout below its Lambda consumer's timeout",
    severity=Severity.ERROR,
    kinds=(Kind.QUEUE,),
    rationale=(
        "Lambda refuses to create an SQS event source mapping when the queue's visibility timeout is less than the "
        "function's timeout, so the stack fails at deploy time (seen in aws/serverless-application-model#3445)."
    ),
    fix_terraform="Raise the queue's `visibility_timeout_seconds` to at least 6 × the function's `timeout` "
    "plus the mapping's `maximum_batching_window_in_seconds`, or lower the function's `timeout`.",
    fix_cloudformation="Raise the queue's `VisibilityTimeout` to at least 6 × the function's `Timeout` plus the "
    "mapping's `MaximumBatchingWindowInSeconds`, or lower the function's `Timeout` (check `Globals.Function`).",
    references=(
        Reference(
            "Lambda Developer Guide: configuring an Amazon SQS event source",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
        ),
        Reference(
            "aws/serverless-application-model#3445",
            "https://github.com/aws/serverless-application-model/issues/3445",
        ),
    ),
    overlaps=(
        Overlap(
            "cfn-lint",
            "E3505",
            "an AWS::Lambda::EventSourceMapping that names an AWS::Lambda::Function and an AWS::SQS::Queue by Ref or "
            "GetAtt, with both timeouts written on them or left to their defaults",
            _reported_by_cfn_lint_e3505,
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for pair in timed_consumers(graph, META):
        if isinstance(pair, Skip):
            yield pair
            continue
        queue, function, mappings = pair
        visibility, timeout = queue.visibility_timeout, function.timeout
        if visibility.value < timeout.value:
            yield Finding(
                META,
                queue,
                f"{noun(queue)}: visibility timeout {seconds(visibility)} is below the timeout "
                f"{seconds(timeout)} of its consumer {noun(function)}; Lambda rejects the event source mapping",
                related=(function,),
                via=tuple(mappings),
            )
