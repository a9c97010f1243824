"""The one table of AWS defaults: what AWS uses when a template or module leaves an attribute out.

Loaders fill absent attributes from here (origin DEFAULT); checks never hard-code a default.
"""

from __future__ import annotations

from crosswire.model import Kind, Origin, Span, Value

# (kind, attribute) -> AWS default. SPEC §5: SQS CreateQueue, Lambda CreateFunction / CreateEventSourceMapping.
DEFAULTS: dict[tuple[Kind, str], object] = {
    (Kind.QUEUE, "fifo"): False,
    (Kind.QUEUE, "visibility_timeout"): 30,
    (Kind.QUEUE, "message_retention"): 345600,
    (Kind.QUEUE, "sqs_managed_sse"): True,  # SSE-SQS is on for new queues unless a KMS key is given
    (Kind.TOPIC, "fifo"): False,
    (Kind.KEY, "rotation"): False,
    (Kind.FUNCTION, "timeout"): 3,
    (Kind.MAPPING, "batch_size"): 10,
    (Kind.MAPPING, "batching_window"): 0,
    (Kind.MAPPING, "report_batch_item_failures"): False,
    (Kind.MAPPING, "enabled"): True,
    (Kind.SUBSCRIPTION, "raw_message_delivery"): False,
}


def default(kind: Kind, attribute: str, span: Span | None = None) -> Value:
    """The AWS default of `attribute`, or an absent value when AWS has none (e.g. no KMS key)."""
    return Value(DEFAULTS.get((kind, attribute)), Origin.DEFAULT, span)
