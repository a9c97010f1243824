"""Terraform resources into graph nodes, one builder per resource type: the CloudFormation loader's twins.

Values come with provenance: explicit (with how a variable set them), the AWS default when absent, or unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from crosswire.graph import Graph, may_name
from crosswire.loaders import joined
from crosswire.loaders.hcl_eval import Evaluator, Invalid, document, first_unresolved, plain, to_bool, to_number
from crosswire.loaders.terraform_config import (
    Attr,
    Block,
    JsonValue,
    ModuleSource,
    repeated_by,
    statement_spans,
    without_indexes,
)
from crosswire.model import (
    ABSENT,
    Alarm,
    BucketNotification,
    Function,
    Key,
    Kind,
    Mapping,
    Node,
    Origin,
    Permission,
    Policy,
    Queue,
    Ref,
    Role,
    RuleTarget,
    Span,
    Subscription,
    Topic,
    Unresolved,
    Value,
)
from crosswire.model import Alias as AliasNode
from crosswire.model import EdgeKind as E
from crosswire.policy import statements

_JSON_VARIABLE = re.compile(r"\$\{\s*var\.([A-Za-z_][\w-]*)\s*\}")


class Unit(Protocol):
    """The graph unit a resource is built into (one root module with the modules it calls)."""

    name: str
    graph: Graph
    tokens: dict[str, Ref]
    deferred: list[Callable[[], None]]


class Scope(Protocol):
    """What a resource needs of the module instance it is declared in: its values, evaluated there. Declared here
    so that this module needs nothing from the one that drives it (crosswire.loaders.terraform)."""

    unit: Unit
    repeated: str
    source: ModuleSource

    def eval(self, attr: Attr, evaluator: Evaluator | None = None) -> Any: ...

    def resource_evaluator(self, block: Block) -> Evaluator: ...

    def variable(self, name: str) -> tuple[Any, str]: ...


class Resource:
    """One resource declaration being turned into nodes: its values with provenance."""

    def __init__(self, instance: Scope, block: Block, address: str, evaluator: Evaluator | None = None) -> None:
        """`evaluator` is given for one instance of a repeated declaration (its `count.index` or `each`); without
        it, the node stands for every instance of the declaration."""
        self.instance = instance
        self.block = block
        self.address = address
        self.type = block.labels[0]
        self.unit = instance.unit
        self.graph = instance.unit.graph
        self.span = Span(block.file, block.line, block.end_line)
        self.evaluator = evaluator or instance.resource_evaluator(block)
        self.repeated = instance.repeated or ("" if evaluator else repeated_by(block))

    def kwargs(self, suffix: str = "", span: Span | None = None) -> dict[str, Any]:
        return {
            "uid": f"{self.unit.name}#{self.address}{suffix}",
            "address": self.address,
            "resource_type": self.type,
            "span": span or self.span,
            "resource_span": self.span,  # a notification's `queue` block is reported as part of its resource
            "unit": self.unit.name,
            "repeated": self.repeated,
            "source_format": "terraform",
            "suppressions": self.instance.source.suppressions(self.span),
        }

    def value(self, name: str, kind: Kind, attribute: str, block: Block | None = None) -> Value:
        """An attribute as a Value: explicit, the AWS default when absent (or null), or unresolved."""
        block = block or self.block
        attr = block.attrs.get(name)
        if attr is None:
            return ABSENT
        span = Span(attr.file, attr.line, max(attr.line, attr.end_line))
        raw = self.instance.eval(attr, self.evaluator)
        return self.as_value(raw, kind, attribute, span, self.note(attr))

    def as_value(self, raw: Any, kind: Kind, attribute: str, span: Span, note: str = "") -> Value:
        data = plain(raw, self.unit.tokens)
        if data is None:
            return ABSENT
        found = first_unresolved(data) if isinstance(data, (list, Unresolved)) else None
        if found:
            return Value(None, Origin.UNRESOLVED, span, found.reason, partial=found.partial)
        return Value(data, Origin.EXPLICIT, span, note)

    def note(self, attr: Attr) -> str:
        """How a value written as `var.NAME` (in .tf.json, `"${var.NAME}"`) was set: the module input, tfvars
        file or default."""
        expr = attr.expr
        if isinstance(expr, JsonValue):
            whole = _JSON_VARIABLE.fullmatch(expr.value) if isinstance(expr.value, str) else None
            return str(self.instance.variable(whole.group(1))[1]) if whole else ""
        try:
            term = expr.children[0]
            if term.data != "get_attr_expr_term":
                return ""
            base, get_attr = term.children
            if base.children[0].data == "identifier" and str(base.children[0].children[0]) == "var":
                return str(self.instance.variable(str(get_attr.children[1].children[0]))[1])
        except (AttributeError, IndexError, ValueError):
            return ""
        return ""

    def document(self, name: str, block: Block | None = None) -> Value:
        """A JSON attribute (policy, redrive policy) as data."""
        block = block or self.block
        attr = block.attrs.get(name)
        if attr is None:
            return ABSENT
        span = Span(attr.file, attr.line, max(attr.line, attr.end_line))
        raw = self.instance.eval(attr, self.evaluator)
        if raw is None:
            return Value(None, Origin.DEFAULT)
        if isinstance(raw, Unresolved):
            return Value(None, Origin.UNRESOLVED, span, raw.reason)
        data = document(raw, self.unit.tokens)
        if isinstance(data, Unresolved):
            return Value(None, Origin.UNRESOLVED, span, f"{name}: {data.reason}")
        return Value(data, Origin.EXPLICIT, span, self.note(attr))

    def field(self, doc: Value, key: str, kind: Kind, attribute: str) -> Value:
        if not doc.resolved:
            return doc
        if not isinstance(doc.value, dict) or key not in doc.value:
            return ABSENT
        assert doc.span is not None
        return self.as_value(doc.value[key], kind, attribute, doc.span, doc.note)

    def nested_value(self, block_name: str, name: str, kind: Kind, attribute: str) -> Value:
        """An attribute of a nested block written once (`dead_letter_config`, `scaling_config`)."""
        dynamic = next((b for b in self.block.blocks if b.type == "dynamic" and b.labels == (block_name,)), None)
        if dynamic is not None:
            span = Span(dynamic.file, dynamic.line, dynamic.end_line)
            return Value(None, Origin.UNRESOLVED, span, f"dynamic {block_name} block is not evaluated")
        found = self.block.nested(block_name)
        return self.value(name, kind, attribute, found[0]) if found else ABSENT

    def add(self, node: Node, names: tuple[Value, ...] = (), ids: tuple[str, ...] | None = None) -> Any:
        return self.graph.add(node, ids=(self.address, *self.block.aliases) if ids is None else ids, names=names)

    def policy(
        self,
        name: str,
        suffix: str,
        targets: Value | None = None,
        kinds: tuple[Kind, ...] = (),
        names: tuple[Value, ...] = (),
    ) -> Policy | None:
        doc = self.document(name)
        if doc.value is None and doc.resolved:
            return None
        if doc.resolved:
            lines = statement_spans(self.block.attrs[name], self.instance.source)
            statements_value = statements(doc.value, doc.span, lines)
        else:
            statements_value = doc
        node = Policy(
            **self.kwargs(suffix), statements=statements_value, targets=targets or ABSENT
        )
        self.graph.add(node, ids=(self.address + suffix,), names=names)
        if targets is not None:
            self.graph.wire(E.GOVERNED_BY, node, targets, kinds, reverse=True)
        return node


def _as_int(value: Value) -> Value:
    return _convert(value, _whole_number, "a whole number")


def _whole_number(raw: Any) -> Any:
    number = to_number(raw)
    if isinstance(number, float):
        return int(number) if number.is_integer() else Invalid(f"{number} is not a whole number")
    return number


def _as_bool(value: Value) -> Value:
    return _convert(value, to_bool, "true or false")


def _convert(value: Value, convert: Callable[[Any], Any], expected: str) -> Value:
    if not value.explicit or value.value is None:
        return value
    converted = convert(value.value)
    if isinstance(converted, Invalid):
        return Value(None, Origin.UNRESOLVED, value.span, f"{value.value!r} is not {expected}")
    if isinstance(converted, Unresolved):
        return Value(None, Origin.UNRESOLVED, value.span, converted.reason)
    return Value(converted, value.origin, value.span, value.note)


# -- builders, one per resource type (the CloudFormation loader's twins) -----------------------------------------
def _queue(r: Resource) -> None:
    q = Kind.QUEUE
    redrive = r.document("redrive_policy")
    name = r.value("name", q, "name")
    node = Queue(
        **r.kwargs(),
        name=name,
        fifo=_as_bool(r.value("fifo_queue", q, "fifo")),
        visibility_timeout=_as_int(r.value("visibility_timeout_seconds", q, "visibility_timeout")),
        message_retention=_as_int(r.value("message_retention_seconds", q, "message_retention")),
        sqs_managed_sse=_as_bool(r.value("sqs_managed_sse_enabled", q, "sqs_managed_sse")),
        kms_key=r.value("kms_master_key_id", q, "kms_key"),
        max_receive_count=_as_int(r.field(redrive, "maxReceiveCount", q, "max_receive_count")),
        dead_letter_target=r.field(redrive, "deadLetterTargetArn", q, "dead_letter_target"),
        redrive_allow_policy=_document_value(r.document("redrive_allow_policy")),
    )
    r.add(node, names=(name,))
    r.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))
    policy = r.policy("policy", ".policy")
    if policy is not None:
        r.graph.link(E.GOVERNED_BY, node, policy)


def _document_value(doc: Value) -> Value:
    return doc if doc.value is not None or not doc.resolved else ABSENT


def _queue_policy(r: Resource) -> None:
    r.policy("policy", "", r.value("queue_url", Kind.POLICY, "targets"), (Kind.QUEUE,))


def _queue_redrive(r: Resource, allow: bool) -> None:
    """A standalone redrive (allow) policy sets the queue's own attributes, as if written on the queue."""
    queue_url = r.value("queue_url", Kind.QUEUE, "name")
    doc = r.document("redrive_allow_policy" if allow else "redrive_policy")

    def apply() -> None:
        if not queue_url.resolved:
            return
        for queue in r.graph.find(r.unit.name, queue_url.value, (Kind.QUEUE,), queue_url):
            assert isinstance(queue, Queue)
            if allow:
                queue.redrive_allow_policy = doc
                continue
            queue.max_receive_count = _as_int(r.field(doc, "maxReceiveCount", Kind.QUEUE, "max_receive_count"))
            queue.dead_letter_target = r.field(doc, "deadLetterTargetArn", Kind.QUEUE, "dead_letter_target")
            r.graph.wire(E.DEAD_LETTERS_TO, queue, queue.dead_letter_target, (Kind.QUEUE,))

    r.unit.deferred.append(apply)


def _topic(r: Resource) -> None:
    t = Kind.TOPIC
    name = r.value("name", t, "name")
    node = Topic(
        **r.kwargs(),
        name=name,
        fifo=_as_bool(r.value("fifo_topic", t, "fifo")),
        kms_key=r.value("kms_master_key_id", t, "kms_key"),
    )
    r.add(node, names=(name,))
    r.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
    policy = r.policy("policy", ".policy")
    if policy is not None:
        r.graph.link(E.GOVERNED_BY, node, policy)


def _topic_policy(r: Resource) -> None:
    r.policy("policy", "", r.value("arn", Kind.POLICY, "targets"), (Kind.TOPIC,))


def _subscription(r: Resource) -> None:
    s = Kind.SUBSCRIPTION
    protocol = r.value("protocol", s, "protocol")
    redrive = r.document("redrive_policy")
    topic = r.value("topic_arn", s, "topic")
    node = Subscription(
        **r.kwargs(),
        topic=topic,
        protocol=protocol,
        endpoint=r.value("endpoint", s, "endpoint"),
        dead_letter_target=r.field(redrive, "deadLetterTargetArn", s, "dead_letter_target"),
        raw_message_delivery=_as_bool(r.value("raw_message_delivery", s, "raw_message_delivery")),
    )
    r.add(node)
    kinds = {"sqs": (Kind.QUEUE,), "lambda": (Kind.FUNCTION,)}.get(str(protocol.value).lower(), ())
    r.graph.wire(E.SUBSCRIBES_TO, node, topic, (Kind.TOPIC,))
    r.graph.wire(E.DELIVERS_TO, node, node.endpoint, kinds)
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))


def _key(r: Resource) -> None:
    node = Key(**r.kwargs(), rotation=_as_bool(r.value("enable_key_rotation", Kind.KEY, "rotation")))
    r.add(node)
    policy = r.policy("policy", ".policy")
    if policy is not None:
        r.graph.link(E.GOVERNED_BY, node, policy)


def _key_policy(r: Resource) -> None:
    r.policy("policy", "", r.value("key_id", Kind.POLICY, "targets"), (Kind.KEY,))


def _alias(r: Resource) -> None:
    name = r.value("name", Kind.ALIAS, "name")
    node = AliasNode(**r.kwargs(), name=name, target_key=r.value("target_key_id", Kind.ALIAS, "target_key"))
    r.add(node, names=(name,))
    r.graph.wire(E.ALIASES, node, node.target_key, (Kind.KEY,))


def _role(r: Resource) -> None:
    name = r.value("name", Kind.ROLE, "name")
    node = Role(**r.kwargs(), managed_policy_arns=r.value("managed_policy_arns", Kind.ROLE, "managed_policy_arns"))
    r.add(node, names=(name,))
    for dynamic in (b for b in r.block.blocks if b.type == "dynamic" and b.labels == ("inline_policy",)):
        span = Span(dynamic.file, dynamic.line, dynamic.end_line)
        unknown = Value(None, Origin.UNRESOLVED, span, "dynamic inline_policy block is not evaluated")
        policy = Policy(**r.kwargs(".inline_policy[dynamic]", span), statements=unknown)
        r.graph.add(policy, ids=())
        r.graph.link(E.GOVERNED_BY, node, policy)
    for index, inline in enumerate(r.block.nested("inline_policy")):
        doc = r.document("policy", inline)
        if doc.value is None and doc.resolved:
            continue
        span = Span(inline.file, inline.line, inline.end_line)
        statements_value = statements(doc.value, doc.span) if doc.resolved else doc
        policy = Policy(**r.kwargs(f".inline_policy[{index}]", span), statements=statements_value)
        r.graph.add(policy, ids=(f"{r.address}.inline_policy[{index}]",))
        r.graph.link(E.GOVERNED_BY, node, policy)


def _role_policy(r: Resource) -> None:
    r.policy("policy", "", r.value("role", Kind.POLICY, "targets"), (Kind.ROLE,))


def _iam_policy(r: Resource) -> None:
    r.policy("policy", "", names=(r.value("name", Kind.POLICY, "name"),))


def _policy_attachment(r: Resource) -> None:
    """A managed policy attached to a role: a policy of this module becomes the role's, an ARN joins the role's
    managed policy ARNs (AWS managed policies are known by name)."""
    role = r.value("role", Kind.ROLE, "name")
    policy_arn = r.value("policy_arn", Kind.ROLE, "managed_policy_arns")

    def apply() -> None:
        if not role.resolved:
            return
        for node in r.graph.find(r.unit.name, role.value, (Kind.ROLE,), role):
            assert isinstance(node, Role)
            if not policy_arn.resolved:
                # a policy attached that cannot be known (for_each over several ARNs): the role's policies are
                # unknown, not merely those written elsewhere
                node.managed_policy_arns = Value(None, Origin.UNRESOLVED, policy_arn.span, policy_arn.note)
                continue
            if isinstance(policy_arn.value, Ref):
                for policy in r.graph.find(r.unit.name, policy_arn.value, (Kind.POLICY,), policy_arn):
                    r.graph.link(E.GOVERNED_BY, node, policy)
                continue
            existing = node.managed_policy_arns
            arns = list(existing.value) if existing.resolved and isinstance(existing.value, (list, tuple)) else []
            if existing.resolved:
                node.managed_policy_arns = Value([*arns, policy_arn.value], Origin.EXPLICIT, policy_arn.span)

    r.unit.deferred.append(apply)


def _function(r: Resource) -> None:
    f = Kind.FUNCTION
    name = r.value("function_name", f, "name")
    reserved = _as_int(r.value("reserved_concurrent_executions", f, "reserved_concurrency"))
    if reserved.explicit and reserved.value == -1:  # Terraform's way of writing "no reservation"
        reserved = ABSENT
    node = Function(
        **r.kwargs(),
        name=name,
        timeout=_as_int(r.value("timeout", f, "timeout")),
        reserved_concurrency=reserved,
        role=r.value("role", f, "role"),
        dead_letter_target=r.nested_value("dead_letter_config", "target_arn", f, "dead_letter_target"),
    )
    r.add(node, names=(name,))
    r.graph.wire(E.ASSUMES, node, node.role, (Kind.ROLE,))
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE, Kind.TOPIC))


# what only stream, Kafka, MQ and DocumentDB event source mappings take (aws_lambda_event_source_mapping)
_NON_SQS_MAPPING_ARGUMENTS = frozenset(
    {
        "starting_position",
        "starting_position_timestamp",
        "topics",
        "queues",
        "self_managed_event_source",
        "amazon_managed_kafka_event_source_config",
        "self_managed_kafka_event_source_config",
        "document_db_event_source_config",
    }
)


def _may_read_a_queue(r: Resource, source: Value) -> bool:
    """Whether a mapping may read an SQS queue: it sets none of the arguments only other sources take, and its source
    is not a resource of another type, nor the ARN of another service."""
    written = set(r.block.attrs) | {b.type for b in r.block.blocks} | {b.labels[0] for b in r.block.blocks if b.labels}
    if written & _NON_SQS_MAPPING_ARGUMENTS:
        return False
    raw = source.value if source.resolved else None
    if isinstance(raw, Ref):
        resource_type = _type_of(raw)
        return not resource_type.startswith("aws_") or resource_type == "aws_sqs_queue"
    return may_name(raw, Kind.QUEUE)


def _type_of(reference: Ref) -> str:
    """The resource type a reference names, whatever module prefix or `data.` it has (for `module.x`, "module")."""
    parts = without_indexes(reference.target).rsplit(".", 2)
    return parts[-2] if len(parts) > 1 else ""


def _mapping(r: Resource) -> None:
    m = Kind.MAPPING
    response_types = r.value("function_response_types", m, "report_batch_item_failures")
    if response_types.explicit:
        reports = isinstance(response_types.value, list) and "ReportBatchItemFailures" in response_types.value
        response_types = Value(reports, Origin.EXPLICIT, response_types.span, response_types.note)
    source = r.value("event_source_arn", m, "source")
    if not _may_read_a_queue(r, source):
        return  # a stream, Kafka, MQ or DocumentDB mapping: no consumer of a queue
    function = r.value("function_name", m, "function")
    node = Mapping(
        **r.kwargs(),
        source=source,
        function=function,
        batch_size=_as_int(r.value("batch_size", m, "batch_size")),
        batching_window=_as_int(r.value("maximum_batching_window_in_seconds", m, "batching_window")),
        report_batch_item_failures=response_types,
        maximum_concurrency=_as_int(r.nested_value("scaling_config", "maximum_concurrency", m, "maximum_concurrency")),
        enabled=_as_bool(r.value("enabled", m, "enabled")),
    )
    r.add(node)
    r.graph.wire(E.CONSUMES, node, source, (Kind.QUEUE,))
    r.graph.wire(E.INVOKES, node, function, (Kind.FUNCTION,))


def _function_alias(r: Resource) -> None:
    """An `aws_lambda_alias`: what refers to it invokes its function."""
    r.graph.forward(r.unit.name, r.address, r.value("function_name", Kind.FUNCTION, "name"))


def _permission(r: Resource) -> None:
    p = Kind.PERMISSION
    node = Permission(
        **r.kwargs(),
        function=r.value("function_name", p, "function"),
        principal=r.value("principal", p, "principal"),
        action=r.value("action", p, "action"),
        source_arn=r.value("source_arn", p, "source_arn"),
        source_account=r.value("source_account", p, "source_account"),
    )
    r.add(node)
    r.graph.wire(E.PERMITS, node, node.function, (Kind.FUNCTION,))


def _bucket_notification(r: Resource) -> None:
    bucket = r.value("bucket", Kind.BUCKET_NOTIFICATION, "bucket")
    for section, target, kinds in (
        ("queue", "queue_arn", (Kind.QUEUE,)),
        ("topic", "topic_arn", (Kind.TOPIC,)),
        ("lambda_function", "lambda_function_arn", (Kind.FUNCTION,)),
    ):
        for index, item in enumerate(r.block.nested(section)):
            span = Span(item.file, item.line, item.end_line)
            node = BucketNotification(
                **r.kwargs(f".{section}[{index}]", span),
                bucket=bucket,
                destination=r.value(target, Kind.BUCKET_NOTIFICATION, "destination", item),
                events=r.value("events", Kind.BUCKET_NOTIFICATION, "events", item),
            )
            r.add(node, ids=())
            r.graph.wire(E.DELIVERS_TO, node, node.destination, kinds)


def _event_target(r: Resource) -> None:
    node = RuleTarget(
        **r.kwargs(),
        rule=r.value("rule", Kind.RULE_TARGET, "rule"),
        destination=r.value("arn", Kind.RULE_TARGET, "destination"),
        dead_letter_target=r.nested_value("dead_letter_config", "arn", Kind.RULE_TARGET, "dead_letter_target"),
        role=r.value("role_arn", Kind.RULE_TARGET, "role"),
    )
    r.add(node)
    r.graph.wire(E.ASSUMES, node, node.role, (Kind.ROLE,))
    r.graph.wire(E.DELIVERS_TO, node, node.destination, (Kind.QUEUE, Kind.TOPIC, Kind.FUNCTION))
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))


def _alarm(r: Resource) -> None:
    a = Kind.ALARM
    name = r.value("alarm_name", a, "name")
    kinds_of_action = ("alarm_actions", "ok_actions", "insufficient_data_actions")
    actions = joined([r.value(key, a, "actions") for key in kinds_of_action])
    node = Alarm(**r.kwargs(), name=name, actions=actions)
    r.add(node, names=(name,))
    if actions.resolved and actions.value is not None:
        topics = [raw for raw in actions.value if _may_be_topic(raw)]
        actions = Value(topics, actions.origin, actions.span, actions.note)
    r.graph.wire(E.DELIVERS_TO, node, actions, (Kind.TOPIC,))


def _may_be_topic(raw: Any) -> bool:
    """An alarm action that may be an SNS topic: a reference to one, or text that may be its ARN."""
    if isinstance(raw, Ref):
        return _type_of(raw) == "aws_sns_topic"
    return may_name(raw, Kind.TOPIC)


BUILDERS: dict[str, Callable[[Resource], None]] = {
    "aws_sqs_queue": _queue,
    "aws_sqs_queue_policy": _queue_policy,
    "aws_sqs_queue_redrive_policy": lambda r: _queue_redrive(r, allow=False),
    "aws_sqs_queue_redrive_allow_policy": lambda r: _queue_redrive(r, allow=True),
    "aws_sns_topic": _topic,
    "aws_sns_topic_policy": _topic_policy,
    "aws_sns_topic_subscription": _subscription,
    "aws_kms_key": _key,
    "aws_kms_key_policy": _key_policy,
    "aws_kms_alias": _alias,
    "aws_iam_role": _role,
    "aws_iam_role_policy": _role_policy,
    "aws_iam_policy": _iam_policy,
    "aws_iam_role_policy_attachment": _policy_attachment,
    "aws_lambda_function": _function,
    "aws_lambda_event_source_mapping": _mapping,
    "aws_lambda_alias": _function_alias,
    "aws_lambda_permission": _permission,
    "aws_s3_bucket_notification": _bucket_notification,
    "aws_cloudwatch_event_target": _event_target,
    "aws_cloudwatch_metric_alarm": _alarm,
}
