"""The graph's declared schema: for each node kind, each attribute's shape and what it is when the input leaves
it out (an AWS default, which may depend on the node, or absent). Loaders write what the input says; `complete`
fills the rest and holds every value to its shape, so no check ever meets a format's own shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from crosswire.model import Kind, Node, Origin, Ref, Statement, Unresolved, Value


class Shape(str, Enum):
    BOOL = "bool"
    SECONDS = "seconds"  # a whole number of seconds
    COUNT = "count"  # a whole number
    TEXT = "text"
    TEXTS = "texts"  # a tuple of texts
    DOCUMENT = "document"  # a JSON object, with references inside as {"ref": ...}
    STATEMENTS = "statements"  # a tuple of policy statements
    REFERENCE = "reference"  # a reference, ARN, URL, alias or name of another resource
    REFERENCES = "references"  # a tuple of those


@dataclass(frozen=True)
class Attribute:
    shape: Shape
    doc: str
    # the value when the input leaves the attribute out: None for "absent" (AWS has no default), else a function
    # of the node, since a default may depend on the node's other attributes; `default_doc` says it in words
    default: Callable[[Node], Any] | None = None
    default_doc: str = ""


def _fixed(shape: Shape, doc: str, value: Any) -> Attribute:
    return Attribute(shape, doc, lambda node: value, json.dumps(value))


def _sse_sqs_default(queue: Node) -> Any:
    """SSE-SQS is on for a new queue unless it has a KMS key (SQS CreateQueue, SqsManagedSseEnabled)."""
    key: Value = queue.kms_key  # type: ignore[attr-defined]
    if not key.resolved:
        return Unresolved(f"SSE-SQS depends on the KMS key, which is unresolved: {key.note}")
    return key.origin is Origin.ABSENT


# SPEC §5: SQS CreateQueue, SNS CreateTopic, KMS CreateKey, Lambda CreateFunction / CreateEventSourceMapping
SCHEMA: dict[Kind, dict[str, Attribute]] = {
    Kind.QUEUE: {
        "name": Attribute(Shape.TEXT, "QueueName / name"),
        "fifo": _fixed(Shape.BOOL, "FifoQueue / fifo_queue", False),
        "visibility_timeout": _fixed(Shape.SECONDS, "VisibilityTimeout", 30),
        "message_retention": _fixed(Shape.SECONDS, "MessageRetentionPeriod", 345600),
        "sqs_managed_sse": Attribute(
            Shape.BOOL, "SqsManagedSseEnabled", _sse_sqs_default, "true without a KMS key, false with one"
        ),
        "kms_key": Attribute(Shape.REFERENCE, "KmsMasterKeyId"),
        "max_receive_count": Attribute(Shape.COUNT, "RedrivePolicy maxReceiveCount"),
        "dead_letter_target": Attribute(Shape.REFERENCE, "RedrivePolicy deadLetterTargetArn"),
        "redrive_allow_policy": Attribute(Shape.DOCUMENT, "RedriveAllowPolicy"),
    },
    Kind.TOPIC: {
        "name": Attribute(Shape.TEXT, "TopicName / name"),
        "fifo": _fixed(Shape.BOOL, "FifoTopic / fifo_topic", False),
        "kms_key": Attribute(Shape.REFERENCE, "KmsMasterKeyId"),
    },
    Kind.KEY: {
        "rotation": _fixed(Shape.BOOL, "EnableKeyRotation / enable_key_rotation", False),
    },
    Kind.ALIAS: {
        "name": Attribute(Shape.TEXT, "AliasName / name"),
        "target_key": Attribute(Shape.REFERENCE, "TargetKeyId"),
    },
    Kind.FUNCTION: {
        "name": Attribute(Shape.TEXT, "FunctionName / function_name"),
        "timeout": _fixed(Shape.SECONDS, "Timeout (SAM Globals.Function fills it)", 3),
        "reserved_concurrency": Attribute(Shape.COUNT, "ReservedConcurrentExecutions"),
        "role": Attribute(Shape.REFERENCE, "Role"),
        "dead_letter_target": Attribute(Shape.REFERENCE, "DeadLetterConfig TargetArn"),
    },
    Kind.MAPPING: {
        "source": Attribute(Shape.REFERENCE, "EventSourceArn"),
        "function": Attribute(Shape.REFERENCE, "FunctionName"),
        "batch_size": _fixed(Shape.COUNT, "BatchSize", 10),
        "batching_window": _fixed(Shape.SECONDS, "MaximumBatchingWindowInSeconds", 0),
        "report_batch_item_failures": _fixed(Shape.BOOL, "FunctionResponseTypes has ReportBatchItemFailures", False),
        "maximum_concurrency": Attribute(Shape.COUNT, "ScalingConfig MaximumConcurrency"),
        "enabled": _fixed(Shape.BOOL, "Enabled", True),
    },
    Kind.SUBSCRIPTION: {
        "topic": Attribute(Shape.REFERENCE, "TopicArn"),
        "protocol": Attribute(Shape.TEXT, "Protocol"),
        "endpoint": Attribute(Shape.REFERENCE, "Endpoint"),
        "dead_letter_target": Attribute(Shape.REFERENCE, "RedrivePolicy deadLetterTargetArn"),
        "raw_message_delivery": _fixed(Shape.BOOL, "RawMessageDelivery", False),
    },
    Kind.POLICY: {
        "statements": Attribute(Shape.STATEMENTS, "PolicyDocument / policy"),
        "targets": Attribute(Shape.REFERENCES, "the queues, topics or roles a policy resource attaches to"),
    },
    Kind.PERMISSION: {
        "function": Attribute(Shape.REFERENCE, "FunctionName"),
        "principal": Attribute(Shape.TEXT, "Principal"),
        "action": Attribute(Shape.TEXT, "Action"),
        "source_arn": Attribute(Shape.REFERENCE, "SourceArn"),
        "source_account": Attribute(Shape.TEXT, "SourceAccount"),
    },
    Kind.ROLE: {
        "managed_policy_arns": Attribute(Shape.TEXTS, "ManagedPolicyArns"),
    },
    Kind.BUCKET_NOTIFICATION: {
        "bucket": Attribute(Shape.REFERENCE, "the bucket"),
        "destination": Attribute(Shape.REFERENCE, "Queue / Topic / Function"),
        "events": Attribute(Shape.TEXTS, "Event / events"),
    },
    Kind.RULE_TARGET: {
        "rule": Attribute(Shape.REFERENCE, "the rule"),
        "destination": Attribute(Shape.REFERENCE, "Arn"),
        "dead_letter_target": Attribute(Shape.REFERENCE, "DeadLetterConfig Arn"),
        "role": Attribute(Shape.REFERENCE, "RoleArn / role_arn"),
    },
    Kind.ALARM: {
        "name": Attribute(Shape.TEXT, "AlarmName / alarm_name"),
        "actions": Attribute(Shape.REFERENCES, "AlarmActions, OKActions and InsufficientDataActions, in that order"),
    },
}


def complete(node: Node) -> None:
    """Fill the attributes the input left out from the schema, and hold explicit values to their shapes.

    A default that depends on an attribute which is unresolved is a default all the same (the input did not
    write it) whose value is unknown: None, with the note saying why."""
    for name, attribute in SCHEMA[node.kind].items():
        value: Value = getattr(node, name)
        if value.origin is Origin.ABSENT and attribute.default is not None:
            filled = attribute.default(node)
            if isinstance(filled, Unresolved):
                setattr(node, name, Value(None, Origin.DEFAULT, value.span, filled.reason))
            else:
                setattr(node, name, Value(filled, Origin.DEFAULT, value.span))
        elif value.origin is Origin.EXPLICIT:
            setattr(node, name, _shaped(value, attribute.shape))


def _shaped(value: Value, shape: Shape) -> Value:
    raw = value.value
    problem = ""
    if shape is Shape.BOOL and not isinstance(raw, bool):
        problem = "is not true or false"
    elif shape in (Shape.SECONDS, Shape.COUNT) and (isinstance(raw, bool) or not isinstance(raw, int)):
        problem = "is not a whole number"
    elif shape is Shape.TEXT and not isinstance(raw, str):
        problem = "is not text"
    elif shape is Shape.TEXTS:
        items = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, (list, tuple)) else None
        if items is None or not all(isinstance(i, str) for i in items):
            problem = "is not a list of texts"
        else:
            return replace(value, value=items)
    elif shape is Shape.DOCUMENT:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                problem = "is not valid JSON"
        if not problem and not isinstance(raw, dict):
            problem = "is not a JSON object"
        if not problem:
            return replace(value, value=raw)
    elif shape is Shape.STATEMENTS and not (isinstance(raw, tuple) and all(isinstance(s, Statement) for s in raw)):
        problem = "is not a list of policy statements"
    elif shape is Shape.REFERENCES:
        items = tuple(raw) if isinstance(raw, (list, tuple)) else (raw,)
        return replace(value, value=items)
    elif shape is Shape.REFERENCE and not isinstance(raw, (str, Ref)):
        problem = "is not a reference, ARN or name"
    if problem:
        return Value(None, Origin.UNRESOLVED, value.span, f"the value {_shown(raw)} {problem}")
    return value


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."
