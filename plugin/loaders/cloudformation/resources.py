"""CloudFormation resources into graph nodes, one builder per resource type: the Terraform loader's twins."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any, ClassVar

from crosswire.graph import Graph, may_name
from crosswire.loaders import LoadError, UnresolvedInput, joined
from crosswire.loaders.budget import OverBudget
from crosswire.loaders.cloudformation.intrinsics import (
    NO_VALUE,
    Intrinsics,
    Props,
    _Block,
    _block,
    _convert,
    _is_intrinsic,
    _line,
    _to_bool,
    _to_int,
)
from crosswire.loaders.cloudformation.scenarios import Scenario
from crosswire.model import (
    ABSENT,
    EXISTS,
    Alarm,
    BucketNotification,
    Function,
    Key,
    Kind,
    Mapping,
    Origin,
    Permission,
    Policy,
    Queue,
    Ref,
    Role,
    RuleTarget,
    Span,
    Subscription,
    Suppression,
    Topic,
    Unresolved,
    Value,
    describe,
)
from crosswire.model import Alias as AliasNode
from crosswire.model import EdgeKind as E
from crosswire.policy import statements
from crosswire.suppressions import CHECK_ID, Comment, covering, split_ids


class Resources(Intrinsics):
    """The resources of one template, built into graph nodes with their values' provenance."""

    # the builder of each resource type, filled in by the class that has them all (crosswire.loaders.cloudformation.sam)
    BUILDERS: ClassVar[dict[str, Callable[..., None]]] = {}

    def __init__(
        self,
        template: dict,
        file: str,
        graph: Graph,
        params: dict[str, str],
        comment_lines: dict[int, Comment] | None = None,
        scenario: Scenario | None = None,
    ) -> None:
        super().__init__(template, file, params | dict(scenario.params) if scenario else params)
        self.scenario = scenario
        # each scenario of a template is a unit of its own: its resources wire only to each other
        self.unit = file if scenario is None else f"{file}@{describe(scenario.conditions)}"
        self.graph = graph
        self.comment_lines = comment_lines or {}
        globals_ = template.get("Globals") or {}
        self.function_globals = globals_.get("Function") or {} if isinstance(globals_, dict) else {}
        self.problems: list[LoadError] = []
        self.unresolved: list[UnresolvedInput] = []

    def load(self) -> int:
        count = 0
        key = next((k for k in self.t if k == "Transform"), None)
        transforms = self.t.get("Transform")
        for transform in transforms if isinstance(transforms, list) else [transforms]:
            if isinstance(transform, dict):  # a macro with parameters (AWS::Include) rather than a name
                self.included("Transform", key, transform, "parts of the template", "Transform")
        for logical_id, resource in self.resources.items():
            if str(logical_id).startswith("Fn::ForEach::"):
                continue  # AWS::LanguageExtensions loops are expanded at deploy time; not modelled
            if logical_id == "Fn::Transform":
                self.included("Fn::Transform", logical_id, resource, "resources")
                continue
            try:
                props, suppressions = self.readable(logical_id, resource)
            except LoadError as problem:
                self.problems.append(problem)
                continue
            count += 1
            span = self.span(logical_id, resource)
            try:
                self.build(str(logical_id), resource, props, span, suppressions)
            except OverBudget as exc:  # a bound passed on data an intrinsic produced, which carries no line
                raise LoadError(self.file, span.line, f"cannot resolve resource {logical_id}: {exc}") from None
        return count

    def build(self, logical_id: str, resource: dict, props: Props, span: Span, suppressions: tuple) -> None:
        """Add the nodes of one resource, unless its Condition says it is not created."""
        existence = self.existence(logical_id, resource)
        if existence.value is False:
            return
        builder = self.BUILDERS.get(str(resource["Type"]))
        if builder is not None:
            first = len(self.graph.nodes)
            builder(self, logical_id, resource, props, span)
            self.mark_parts(first, span, suppressions, existence)

    def readable(self, logical_id: Any, resource: Any) -> tuple[Props, tuple[Suppression, ...]]:
        """A resource's Properties and Metadata suppressions, or a LoadError saying why they cannot be read.

        Properties that an `Fn::Transform` (AWS::Include) writes are only known at deploy time: every property
        of the resource is unresolved, and the include is listed as an input not checked."""
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise LoadError(self.file, _line(logical_id) or 1, f"resource {logical_id} has no Type")
        props = resource.get("Properties") or {}
        if not isinstance(props, dict):
            raise LoadError(self.file, _line(props) or 1, f"Properties of {logical_id} is not a mapping")
        key = next((k for k in props if k == "Fn::Transform"), None)
        if key is not None:
            reason = self.included(str(logical_id), key, props[key], f"the properties of {logical_id}")
            span = self.span(key, props[key])
            props = _Block(span=span, unresolved=Unresolved(reason))
        return props, self.metadata_suppressions(str(logical_id), resource)

    def included(self, address: str, key: Any, transform: Any, what: str, via: str = "Fn::Transform") -> str:
        """List a transform (AWS::Include) as an input not checked; the reason, which names the macro and its
        location."""
        transform = transform if isinstance(transform, dict) else {}
        macro = transform.get("Name")
        parameters = transform.get("Parameters")
        location = parameters.get("Location") if isinstance(parameters, dict) else None
        source = f"{macro if isinstance(macro, str) else 'a macro'}" + (
            f" of {location}" if isinstance(location, str) else ""
        )
        reason = f"{what} come from {source} ({via}), only known at deploy time"
        self.unresolved.append(UnresolvedInput(address, self.file, _line(key) or 1, reason))
        return reason

    def existence(self, logical_id: str, resource: dict) -> Value:
        """Whether the resource is created: its `Condition` decided (True or False), or unresolved with why."""
        key = next((k for k in resource if k == "Condition"), None)
        if key is None:
            return EXISTS
        name = str(resource[key])
        decided = self.condition(name)
        span = self.span(key, resource[key])
        if isinstance(decided, Unresolved):
            note = f"whether {logical_id} exists depends on condition {name}, which is unresolved: {decided.reason}"
            return Value(None, Origin.UNRESOLVED, span, note)
        return Value(decided is not False, Origin.EXPLICIT, span)

    def mark_parts(self, first: int, span: Span, suppressions: tuple[Suppression, ...], existence: Value) -> None:
        """Every node built from one resource (SAM events, inline subscriptions...) learns the resource's span,
        its suppressions (in its Metadata, and in comments on or above it) and whether the resource exists."""
        suppressions = (*suppressions, *covering(self.comment_lines, span))
        for node in itertools.islice(reversed(self.graph.nodes.values()), len(self.graph.nodes) - first):
            node.resource_span = span
            node.suppressions = suppressions
            node.existence = existence

    def metadata_suppressions(self, logical_id: str, resource: dict) -> tuple[Suppression, ...]:
        """`Metadata: crosswire: ignore: [{id: CW302, reason: ...}]`; a malformed entry is an input error (like a
        typo in cfn-lint's Metadata config), so it cannot silently suppress nothing."""
        metadata = resource.get("Metadata")
        if not isinstance(metadata, dict) or "crosswire" not in metadata:
            return ()
        section = metadata["crosswire"]
        where = f"Metadata crosswire of {logical_id}"
        usage = "expected `ignore: [{id: CW302, reason: ...}]`"
        if not isinstance(section, dict) or set(section) != {"ignore"} or not isinstance(section["ignore"], list):
            raise LoadError(self.file, _line(section) or _line(metadata) or 1, f"{where}: {usage}")
        found: list[Suppression] = []
        for entry in section["ignore"]:
            line = _line(entry) or _line(section) or 1
            span = Span(self.file, line, max(line, self.last_line(entry)))
            entry = {"id": entry} if isinstance(entry, str) else entry
            if not isinstance(entry, dict) or not set(entry) <= {"id", "reason"} or "id" not in entry:
                raise LoadError(self.file, line, f"{where}: {usage}")
            ids, reason = entry["id"], entry.get("reason", "")
            if not isinstance(ids, str) or not isinstance(reason, str):
                raise LoadError(self.file, line, f"{where}: id and reason must be text")
            for check_id in split_ids(ids) or [ids]:
                if not CHECK_ID.fullmatch(check_id):
                    raise LoadError(self.file, line, f"{where}: {check_id!r} is not a check ID like CW302")
                found.append(Suppression(check_id, reason.strip(), span))
        return tuple(found)

    def node_kwargs(self, logical_id: str, resource_type: str, span: Span, suffix: str = "") -> dict:
        """Constructor arguments of a node; `suffix` names a part of the resource (an inline subscription) or a
        resource SAM creates from it (`FnRole`), which reports show as the resource itself."""
        return {
            "uid": f"{self.unit}#{logical_id}{suffix}",
            "address": logical_id,
            "resource_type": resource_type,
            "span": span,
            "unit": self.unit,
            "source_format": "cloudformation",
            "scenario": self.scenario.conditions if self.scenario else (),
        }

    def as_int(self, value: Value) -> Value:
        return _convert(value, _to_int, "a whole number")

    def as_bool(self, value: Value) -> Value:
        return _convert(value, _to_bool, "true or false")

    def queue(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        q = Kind.QUEUE
        redrive = self.sub_props(props, "RedrivePolicy")
        name = self.value(props, "QueueName", q, "name")
        node = Queue(
            **self.node_kwargs(logical_id, "AWS::SQS::Queue", span),
            name=name,
            fifo=self.as_bool(self.value(props, "FifoQueue", q, "fifo")),
            visibility_timeout=self.as_int(self.value(props, "VisibilityTimeout", q, "visibility_timeout")),
            message_retention=self.as_int(self.value(props, "MessageRetentionPeriod", q, "message_retention")),
            sqs_managed_sse=self.as_bool(self.value(props, "SqsManagedSseEnabled", q, "sqs_managed_sse")),
            kms_key=self.value(props, "KmsMasterKeyId", q, "kms_key"),
            max_receive_count=self.as_int(self.value(redrive, "maxReceiveCount", q, "max_receive_count")),
            dead_letter_target=self.value(redrive, "deadLetterTargetArn", q, "dead_letter_target"),
            redrive_allow_policy=self.value(props, "RedriveAllowPolicy", q, "redrive_allow_policy"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
        self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))

    def sub_props(self, props: Props, name: str) -> _Block:
        """The nested property mapping `name`: as written, or what an intrinsic on it resolves to (RedrivePolicy
        may also be a JSON string); empty when absent, unresolved when it cannot be worked out."""
        block = _block(props)
        if block.unresolved is not None:
            return block
        key = next((k for k in block.entries if k == name), None)
        if key is None:
            return _Block()
        raw = block.entries[key]
        span = self.span(key, raw, block.span)
        if isinstance(raw, dict) and not _is_intrinsic(raw):
            return _Block(raw, span)  # as written, so that each entry keeps its own line
        resolved = self.resolve(raw)
        if isinstance(resolved, str):
            try:
                resolved = json.loads(resolved)
            except ValueError:
                return _Block(span=span, unresolved=Unresolved(f"{name} is neither a mapping nor JSON text"))
        if resolved is NO_VALUE:
            return _Block()
        if isinstance(resolved, Unresolved):
            return _Block(span=span, unresolved=resolved)
        if resolved is None:
            return _Block(span=span, unresolved=Unresolved(f"{name} is empty"))
        if not isinstance(resolved, dict):
            return _Block(span=span, unresolved=Unresolved(f"{name} is not a mapping"))
        return _Block(resolved, span)

    def items(self, props: Props, name: str, around: Span) -> list[tuple[int, _Block, Span]]:
        """The mappings of the list property `name` (notification configurations, rule targets), each with its
        index and lines. The list, or one item, may be an intrinsic: it is resolved, and when it cannot be, one
        unresolved item stands for whatever it holds."""
        block = _block(props)
        if block.unresolved is not None:
            return [(0, block, block.span or around)]
        key = next((k for k in block.entries if k == name), None)
        if key is None:
            return []
        raw = block.entries[key]
        list_span = self.span(key, raw, block.span or around)
        if not isinstance(raw, list):
            raw = self.resolve(raw)
            if isinstance(raw, Unresolved):
                return [(0, _Block(span=list_span, unresolved=raw), list_span)]
        found: list[tuple[int, _Block, Span]] = []
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            item_span = self.item_span(item, list_span) if _line(item) else list_span
            if isinstance(item, dict) and _is_intrinsic(item):
                item = self.resolve(item)
                if item is NO_VALUE:
                    continue
            if isinstance(item, Unresolved):
                found.append((index, _Block(span=item_span, unresolved=item), item_span))
            elif isinstance(item, dict):
                found.append((index, _Block(item, item_span), item_span))
        return found

    def topic(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        t = Kind.TOPIC
        name = self.value(props, "TopicName", t, "name")
        node = Topic(
            **self.node_kwargs(logical_id, "AWS::SNS::Topic", span),
            name=name,
            fifo=self.as_bool(self.value(props, "FifoTopic", t, "fifo")),
            kms_key=self.value(props, "KmsMasterKeyId", t, "kms_key"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
        inline = _block(props).entries.get("Subscription")
        if isinstance(inline, list):
            for index, item in enumerate(inline):
                if isinstance(item, dict):
                    sub_span = self.item_span(item, span)
                    kwargs = self.node_kwargs(logical_id, "AWS::SNS::Topic", sub_span, f".Subscription[{index}]")
                    self.subscription_node(kwargs, item, Value(Ref(logical_id), Origin.EXPLICIT, span))

    def subscription(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, "AWS::SNS::Subscription", span)
        self.subscription_node(kwargs, props, self.value(props, "TopicArn", Kind.SUBSCRIPTION, "topic"))

    def subscription_node(self, kwargs: dict, props: Props, topic: Value) -> Subscription:
        s = Kind.SUBSCRIPTION
        protocol = self.value(props, "Protocol", s, "protocol")
        redrive = self.sub_props(props, "RedrivePolicy")
        node = Subscription(
            **kwargs,
            topic=topic,
            protocol=protocol,
            endpoint=self.value(props, "Endpoint", s, "endpoint"),
            dead_letter_target=self.value(redrive, "deadLetterTargetArn", s, "dead_letter_target"),
            raw_message_delivery=self.as_bool(self.value(props, "RawMessageDelivery", s, "raw_message_delivery")),
        )
        self.graph.add(node, ids=(kwargs["uid"].split("#", 1)[1],))
        self.graph.wire(E.SUBSCRIBES_TO, node, topic, (Kind.TOPIC,))
        self.graph.wire(E.DELIVERS_TO, node, node.endpoint, _endpoint_kinds(protocol))
        self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))
        return node

    def policy_node(self, kwargs: dict, props: Props, document_key: str, targets_key: str, kinds: tuple) -> Policy:
        document = self.value(props, document_key, Kind.POLICY, "statements")
        if document.resolved:
            statements_value = statements(document.value, document.span, self.statement_spans(props, document_key))
        else:
            statements_value = document
        # a policy written inside its resource (a key policy, a role's inline policy) attaches to nothing else
        targets = self.value(props, targets_key, Kind.POLICY, "targets") if targets_key else ABSENT
        node = self.graph.add(Policy(**kwargs, statements=statements_value, targets=targets))
        if targets_key:
            self.graph.wire(E.GOVERNED_BY, node, targets, kinds, reverse=True)
        return node

    def statement_spans(self, props: Props, document_key: str) -> list[Span | None]:
        """The lines of each statement of a policy document as written (none for one an intrinsic produced), so
        that messages can point at the statement rather than the document."""
        block = _block(props)
        document = next((v for k, v in block.entries.items() if k == document_key), None)
        if not isinstance(document, dict):
            return []
        written = next((v for k, v in document.items() if k == "Statement"), None)
        items = written if isinstance(written, list) else [written]
        spans: list[Span | None] = []
        for item in items:
            line = _line(item)
            spans.append(Span(self.file, line, max(line, self.last_line(item))) if line else None)
        return spans

    def queue_policy(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, "AWS::SQS::QueuePolicy", span)
        self.policy_node(kwargs, props, "PolicyDocument", "Queues", (Kind.QUEUE,))

    def topic_policy(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, "AWS::SNS::TopicPolicy", span)
        self.policy_node(kwargs, props, "PolicyDocument", "Topics", (Kind.TOPIC,))

    def iam_policy(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, str(resource["Type"]), span)
        self.policy_node(kwargs, props, "PolicyDocument", "Roles", (Kind.ROLE,))

    def key(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        node = Key(
            **self.node_kwargs(logical_id, "AWS::KMS::Key", span),
            rotation=self.as_bool(self.value(props, "EnableKeyRotation", Kind.KEY, "rotation")),
        )
        self.graph.add(node, ids=(logical_id,))
        block = _block(props)
        if block.unresolved is None and "KeyPolicy" not in block.entries:
            return  # AWS gives it the default key policy, like an aws_kms_key without `policy` (crosswire.access)
        policy = self.policy_node(
            self.node_kwargs(logical_id, "AWS::KMS::Key", span, ".KeyPolicy"),
            props,
            "KeyPolicy",
            "",
            (),
        )
        self.graph.link(E.GOVERNED_BY, node, policy)

    def alias(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        name = self.value(props, "AliasName", Kind.ALIAS, "name")
        node = AliasNode(
            **self.node_kwargs(logical_id, "AWS::KMS::Alias", span),
            name=name,
            target_key=self.value(props, "TargetKeyId", Kind.ALIAS, "target_key"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ALIASES, node, node.target_key, (Kind.KEY,))

    def role(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        name = self.value(props, "RoleName", Kind.ROLE, "name")
        node = Role(
            **self.node_kwargs(logical_id, "AWS::IAM::Role", span),
            managed_policy_arns=self.value(props, "ManagedPolicyArns", Kind.ROLE, "managed_policy_arns"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        inline = _block(props).entries.get("Policies")
        if isinstance(inline, list):
            for index, item in enumerate(inline):
                if isinstance(item, dict):
                    item_span = self.item_span(item, span)
                    kwargs = self.node_kwargs(logical_id, "AWS::IAM::Role", item_span, f".Policies[{index}]")
                    self.graph.link(E.GOVERNED_BY, node, self.policy_node(kwargs, item, "PolicyDocument", "", ()))

    def lambda_function(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        f = Kind.FUNCTION
        name = self.value(props, "FunctionName", f, "name")
        dlq = self.sub_props(props, "DeadLetterConfig")
        node = Function(
            **self.node_kwargs(logical_id, "AWS::Lambda::Function", span),
            name=name,
            timeout=self.as_int(self.value(props, "Timeout", f, "timeout")),
            reserved_concurrency=self.as_int(
                self.value(props, "ReservedConcurrentExecutions", f, "reserved_concurrency")
            ),
            role=self.value(props, "Role", f, "role"),
            dead_letter_target=self.value(dlq, "TargetArn", f, "dead_letter_target"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ASSUMES, node, node.role, (Kind.ROLE,))
        self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE, Kind.TOPIC))

    def mapping_node(self, kwargs: dict, props: Props, source: Value, function: Value) -> Mapping:
        m = Kind.MAPPING
        scaling = self.sub_props(props, "ScalingConfig")
        response_types = self.value(props, "FunctionResponseTypes", m, "report_batch_item_failures")
        if response_types.explicit:
            reports = isinstance(response_types.value, list) and "ReportBatchItemFailures" in response_types.value
            response_types = Value(reports, Origin.EXPLICIT, response_types.span)
        node = Mapping(
            **kwargs,
            source=source,
            function=function,
            batch_size=self.as_int(self.value(props, "BatchSize", m, "batch_size")),
            batching_window=self.as_int(self.value(props, "MaximumBatchingWindowInSeconds", m, "batching_window")),
            report_batch_item_failures=response_types,
            maximum_concurrency=self.as_int(self.value(scaling, "MaximumConcurrency", m, "maximum_concurrency")),
            enabled=self.as_bool(self.value(props, "Enabled", m, "enabled")),
        )
        self.graph.add(node, ids=(kwargs["uid"].split("#", 1)[1],))
        self.graph.wire(E.CONSUMES, node, source, (Kind.QUEUE,))
        self.graph.wire(E.INVOKES, node, function, (Kind.FUNCTION,))
        return node

    def event_source_mapping(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        m = Kind.MAPPING
        source = self.value(props, "EventSourceArn", m, "source")
        if not self.may_read_a_queue(props, source):
            return  # a stream, Kafka, MQ or DocumentDB mapping: no consumer of a queue
        self.mapping_node(
            self.node_kwargs(logical_id, "AWS::Lambda::EventSourceMapping", span),
            props,
            source,
            self.value(props, "FunctionName", m, "function"),
        )

    def may_read_a_queue(self, props: Props, source: Value) -> bool:
        """Whether a mapping may read an SQS queue: it sets none of the properties only other sources take, and its
        source is not a resource of this template of another type, nor the ARN of another service."""
        if any(k in _NON_SQS_MAPPING_PROPERTIES for k in _block(props).entries):
            return False
        raw = source.value if source.resolved else None
        if isinstance(raw, Ref):
            target = self.resources.get(raw.target)
            return not isinstance(target, dict) or target.get("Type") == "AWS::SQS::Queue"
        return may_name(raw, Kind.QUEUE)

    def function_alias(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        """An `AWS::Lambda::Alias` or `AWS::Lambda::Version`: what refers to it invokes its function."""
        self.graph.forward(self.unit, logical_id, self.value(props, "FunctionName", Kind.FUNCTION, "name"))

    def permission_node(self, kwargs: dict, props: Props) -> Permission:
        p = Kind.PERMISSION
        node = Permission(
            **kwargs,
            function=self.value(props, "FunctionName", p, "function"),
            principal=self.value(props, "Principal", p, "principal"),
            action=self.value(props, "Action", p, "action"),
            source_arn=self.value(props, "SourceArn", p, "source_arn"),
            source_account=self.value(props, "SourceAccount", p, "source_account"),
        )
        self.graph.add(node, ids=(kwargs["uid"].split("#", 1)[1],))
        self.graph.wire(E.PERMITS, node, node.function, (Kind.FUNCTION,))
        return node

    def permission(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        self.permission_node(self.node_kwargs(logical_id, "AWS::Lambda::Permission", span), props)

    def bucket(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        config = self.sub_props(props, "NotificationConfiguration")
        for section, target_key, kinds in (
            ("QueueConfigurations", "Queue", (Kind.QUEUE,)),
            ("TopicConfigurations", "Topic", (Kind.TOPIC,)),
            ("LambdaConfigurations", "Function", (Kind.FUNCTION,)),
        ):
            for index, item, item_span in self.items(config, section, span):
                kwargs = self.node_kwargs(logical_id, "AWS::S3::Bucket", item_span, f".{section}[{index}]")
                node = BucketNotification(
                    **kwargs,
                    bucket=Value(Ref(logical_id), Origin.EXPLICIT, span),
                    destination=self.value(item, target_key, Kind.BUCKET_NOTIFICATION, "destination"),
                    events=self.value(item, "Event", Kind.BUCKET_NOTIFICATION, "events"),
                )
                self.graph.add(node)
                self.graph.wire(E.DELIVERS_TO, node, node.destination, kinds)

    def rule(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        for index, item, item_span in self.items(props, "Targets", span):
            kwargs = self.node_kwargs(logical_id, "AWS::Events::Rule", item_span, f".Targets[{index}]")
            dlq = self.sub_props(item, "DeadLetterConfig")
            node = RuleTarget(
                **kwargs,
                rule=Value(Ref(logical_id), Origin.EXPLICIT, span),
                destination=self.value(item, "Arn", Kind.RULE_TARGET, "destination"),
                dead_letter_target=self.value(dlq, "Arn", Kind.RULE_TARGET, "dead_letter_target"),
                role=self.value(item, "RoleArn", Kind.RULE_TARGET, "role"),
            )
            self.graph.add(node)
            self.graph.wire(E.ASSUMES, node, node.role, (Kind.ROLE,))
            self.graph.wire(E.DELIVERS_TO, node, node.destination, (Kind.QUEUE, Kind.TOPIC, Kind.FUNCTION))
            self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))

    def alarm(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        a = Kind.ALARM
        name = self.value(props, "AlarmName", a, "name")
        kinds_of_action = ("AlarmActions", "OKActions", "InsufficientDataActions")
        actions = joined([self.value(props, key, a, "actions") for key in kinds_of_action])
        node = Alarm(**self.node_kwargs(logical_id, "AWS::CloudWatch::Alarm", span), name=name, actions=actions)
        self.graph.add(node, ids=(logical_id,), names=(name,))
        if actions.resolved and actions.value is not None:
            actions = Value([raw for raw in actions.value if self.may_be_topic(raw)], actions.origin, actions.span)
        self.graph.wire(E.DELIVERS_TO, node, actions, (Kind.TOPIC,))

    def may_be_topic(self, raw: Any) -> bool:
        """An alarm action that may be an SNS topic: a reference to one, or text that may be its ARN."""
        if isinstance(raw, Ref):
            target = self.resources.get(raw.target)
            return isinstance(target, dict) and target.get("Type") == "AWS::SNS::Topic"
        return may_name(raw, Kind.TOPIC)

    # -- SAM ----------------------------------------------------------------------------------------------


# what only stream, Kafka, MQ and DocumentDB event source mappings take (Lambda CreateEventSourceMapping)
_NON_SQS_MAPPING_PROPERTIES = frozenset(
    {
        "StartingPosition",
        "StartingPositionTimestamp",
        "Topics",
        "Queues",
        "SelfManagedEventSource",
        "AmazonManagedKafkaEventSourceConfig",
        "SelfManagedKafkaEventSourceConfig",
        "DocumentDBEventSourceConfig",
    }
)


def _endpoint_kinds(protocol: Value) -> tuple[Kind, ...]:
    return {"sqs": (Kind.QUEUE,), "lambda": (Kind.FUNCTION,)}.get(str(protocol.value).lower(), ())


def _as_dict(raw: Any) -> dict:
    return raw if isinstance(raw, dict) else {}
