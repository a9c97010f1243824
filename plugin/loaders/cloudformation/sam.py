"""SAM: Globals, the implicit resources SAM generates (roles with policy templates, event source mappings,
subscriptions, permissions, the queue of `SqsSubscription: true`), modelled because cfn-lint 1.x no longer runs
the SAM translator; and `load`, which reads a whole template."""

from __future__ import annotations

from typing import Any

from crosswire.graph import Graph
from crosswire.loaders import LoadError, UnresolvedInput, sam_policy_templates
from crosswire.loaders.cloudformation.intrinsics import Props, _Block, _block
from crosswire.loaders.cloudformation.resources import Resources, _as_dict
from crosswire.loaders.cloudformation.scenarios import Scenario
from crosswire.model import EdgeKind as E
from crosswire.model import (
    Function,
    Kind,
    Origin,
    Policy,
    Queue,
    Ref,
    Role,
    Span,
    Unresolved,
    Value,
)
from crosswire.policy import statements
from crosswire.suppressions import comments

SAM_BASIC_ROLE = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
SAM_SQS_ROLE = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
_FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
# what a SAM connector grants a function's role on a queue, by permission (samtranslator connector profiles,
# model/connector_profiles/profiles.json): [0] queue -> function (the destination's role), [1] function -> queue
# (the source's role)
SQS_GRANTS: tuple[dict[str, tuple[str, ...]], ...] = (
    {"Read": ("sqs:ReceiveMessage", "sqs:GetQueueAttributes"), "Write": ("sqs:DeleteMessage",)},
    {
        "Read": ("sqs:ReceiveMessage", "sqs:GetQueueAttributes"),
        "Write": ("sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"),
    },
)


class Template(Resources):
    """One template: its values, its resources, and what SAM generates from them."""

    def with_globals(self, resource: dict, props: Props) -> tuple[Props, set[str]]:
        """A SAM function's properties with `Globals.Function` filled in, and which keys came from Globals.

        `IgnoreGlobals: '*'` or a list of property names on the resource opts it out (SAM resource attribute)."""
        if isinstance(props, _Block):
            return props, set()  # properties only known at deploy time: what Globals would fill in is too
        merged = dict(props)
        from_globals: set[str] = set()
        ignored = self.resolve(resource.get("IgnoreGlobals", []))
        if ignored == "*":
            return merged, from_globals
        ignored = {i for i in ignored if isinstance(i, str)} if isinstance(ignored, list) else set()
        if isinstance(self.function_globals, dict):
            for key, value in self.function_globals.items():
                if key not in merged and str(key) not in ignored:
                    merged[key] = value
                    from_globals.add(str(key))
        return merged, from_globals

    def sam_function(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        f = Kind.FUNCTION
        props, from_globals = self.with_globals(resource, props)

        def prop(name: str, attribute: str) -> Value:
            return self.value(props, name, f, attribute, "from Globals" if name in from_globals else "")

        kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span)
        name = prop("FunctionName", "name")
        dlq = self.sub_props(props, "DeadLetterQueue")
        events = _as_dict(_block(props).entries.get("Events"))
        role = prop("Role", "role")
        function = Function(
            **kwargs,
            name=name,
            timeout=self.as_int(prop("Timeout", "timeout")),
            reserved_concurrency=self.as_int(prop("ReservedConcurrentExecutions", "reserved_concurrency")),
            role=role,
            dead_letter_target=self.value(dlq, "TargetArn", f, "dead_letter_target"),
        )
        self.graph.add(function, ids=(logical_id,), names=(name,))
        self.sam_alias(logical_id, props)
        self.graph.wire(E.DEAD_LETTERS_TO, function, function.dead_letter_target, (Kind.QUEUE, Kind.TOPIC))
        if "Role" in _block(props).entries or _block(props).unresolved is not None:
            self.graph.wire(E.ASSUMES, function, role, (Kind.ROLE,))
        else:
            self.sam_role(logical_id, props, span, function, events)
        for event_key, event in events.items():
            if isinstance(event, dict):
                self.sam_event(logical_id, str(event_key), event, self.span(event_key, event))

    def sam_alias(self, logical_id: str, props: Props) -> None:
        """`AutoPublishAlias: live` makes SAM publish versions and an alias `<Function>Alias<live>`; SAM also lets
        a template write `!Ref Function.Alias` and `!Ref Function.Version`. All stand for the function."""
        alias = self.resolve(_block(props).entries.get("AutoPublishAlias"))
        if not isinstance(alias, str):
            return
        function = Value(Ref(logical_id), Origin.EXPLICIT)
        for local_id in (f"{logical_id}Alias{alias}", f"{logical_id}.Alias", f"{logical_id}.Version"):
            if local_id in self.generated:
                self.graph.forward(self.unit, local_id, function)

    def sam_role(self, logical_id: str, props: Props, span: Span, function: Function, events: dict) -> None:
        """The execution role SAM generates (`<Function>Role`) from `Policies` and the function's events."""
        managed: list[Any] = [SAM_BASIC_ROLE]
        if any(isinstance(e, dict) and self.polls_a_queue(e) for e in events.values()):
            managed.append(SAM_SQS_ROLE)
        policies = _block(props).entries.get("Policies")
        items = policies if isinstance(policies, list) else [policies] if policies is not None else []
        kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, "Role")
        role = self.graph.add(Role(**kwargs), ids=(f"{logical_id}Role",))
        for index, item in enumerate(items):
            resolved = self.resolve(item)
            item_span = self.item_span(item, span)
            if isinstance(resolved, str):
                managed.append(resolved)
                continue
            document = self.sam_policy_document(resolved)
            suffix = f"Role.Policies[{index}]"
            policy_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", item_span, suffix)
            policy = self.graph.add(Policy(**policy_kwargs, statements=statements(document, item_span)))
            self.graph.link(E.GOVERNED_BY, role, policy)
        role.managed_policy_arns = Value(managed, Origin.EXPLICIT, span)
        self.graph.link(E.ASSUMES, function, role)

    def sam_policy_document(self, resolved: Any) -> Any:
        """A SAM `Policies` entry (other than a managed policy's name or ARN) as a policy document: written inline,
        or a SAM policy template expanded; anything else is an unresolved document, never dropped."""
        if isinstance(resolved, Unresolved):
            return resolved
        if isinstance(resolved, dict) and "Statement" in resolved:
            return resolved
        if not (isinstance(resolved, dict) and len(resolved) == 1):
            return Unresolved("a Policies entry that is neither a policy document nor one SAM policy template")
        ((name, arguments),) = resolved.items()
        expanded = sam_policy_templates.definition(str(name), arguments)
        return expanded if isinstance(expanded, Unresolved) else self.resolve(expanded)

    def polls_a_queue(self, event: dict) -> bool:
        """Whether SAM gives the function's generated role AWSLambdaSQSQueueExecutionRole for `event`: an SQS event
        does, and so does an SNS event with `SqsSubscription`, whose queue SAM consumes through an SQS event source
        (samtranslator SNS._inject_sqs_event_source_mapping)."""
        if event.get("Type") == "SQS":
            return True
        props = self.sub_props(event, "Properties")
        return event.get("Type") == "SNS" and self.creates_sqs_subscription(self.sqs_subscription(props))

    def sqs_subscription(self, props: _Block) -> Value:
        return self.value(props, "SqsSubscription", Kind.SUBSCRIPTION, "sqs_subscription")

    @staticmethod
    def creates_sqs_subscription(sqs_subscription: Value) -> bool:
        """Whether an SNS event's `SqsSubscription` makes SAM subscribe a queue and consume it. Unresolved (`!If` on
        an unknown condition): SAM may, so the queue and mapping are modelled with what cannot be known about them
        unresolved, rather than assumed away."""
        choice = sqs_subscription.value
        return not sqs_subscription.resolved or choice is True or isinstance(choice, dict) or choice == "true"

    def sam_event(self, logical_id: str, event_id: str, event: dict, span: Span) -> None:
        props = self.sub_props(event, "Properties")
        function_ref = Value(Ref(logical_id), Origin.EXPLICIT, span)
        kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, event_id)
        if event.get("Type") == "SQS":
            self.mapping_node(kwargs, props, self.value(props, "Queue", Kind.MAPPING, "source"), function_ref)
        elif event.get("Type") == "SNS":
            topic = self.value(props, "Topic", Kind.SUBSCRIPTION, "topic")
            sqs_subscription = self.sqs_subscription(props)
            if self.creates_sqs_subscription(sqs_subscription):
                self.sam_sqs_subscription(logical_id, event_id, props, span, topic, function_ref, sqs_subscription)
                return
            subscription = _subscription_properties(props, "lambda")
            sub_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, event_id)
            node = self.subscription_node(sub_kwargs, subscription, topic)
            node.endpoint = function_ref
            self.graph.wire(E.DELIVERS_TO, node, function_ref, (Kind.FUNCTION,))
            permission = {"FunctionName": {"Ref": logical_id}, "Principal": "sns.amazonaws.com"}
            permission_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, f"{event_id}Permission")
            node_permission = self.permission_node(permission_kwargs, permission)
            node_permission.source_arn = topic
            node_permission.action = Value("lambda:InvokeFunction", Origin.EXPLICIT, span)

    def sam_sqs_subscription(
        self,
        logical_id: str,
        event_id: str,
        props: _Block,
        span: Span,
        topic: Value,
        function_ref: Value,
        sqs_subscription: Value,
    ) -> None:
        """SNS event with `SqsSubscription`: SAM creates a queue (default attributes), its policy for SNS, the
        subscription and an event source mapping from that queue to the function. When `SqsSubscription` is
        unresolved, so are the queue's attributes and the mapping's options."""
        if not sqs_subscription.resolved:
            options = _Block(span=sqs_subscription.span, unresolved=Unresolved(sqs_subscription.note))
        elif isinstance(sqs_subscription.value, dict):
            options = self.sub_props(props, "SqsSubscription")
        else:
            options = _Block()
        suffix = f"{event_id}Queue"
        if "QueueArn" in options.entries:
            queue_ref = self.value(options, "QueueArn", Kind.MAPPING, "source")
            # SAM gives an existing queue the same policy for SNS as one it creates, attached by `QueueUrl`
            queue_url = self.value(options, "QueueUrl", Kind.POLICY, "targets")
            policy = self.sns_queue_policy(logical_id, f"{suffix}Policy", span, topic, queue_ref, queue_url)
            self.graph.wire(E.GOVERNED_BY, policy, queue_url, (Kind.QUEUE,), reverse=True)
        else:
            queue = Queue(**self.node_kwargs(logical_id, "AWS::Serverless::Function", span, suffix))
            if options.unresolved is None:
                for attribute in ("fifo", "visibility_timeout", "message_retention", "sqs_managed_sse"):
                    setattr(queue, attribute, Value(None, Origin.ABSENT, span))
            else:
                unknown = Value(None, Origin.UNRESOLVED, options.span, options.unresolved.reason)
                for attribute in ("fifo", "visibility_timeout", "message_retention", "sqs_managed_sse", "kms_key"):
                    setattr(queue, attribute, unknown)
            self.graph.add(queue, ids=(f"{logical_id}{suffix}",))
            queue_ref = Value(Ref(f"{logical_id}{suffix}"), Origin.EXPLICIT, span)
            arn = Value(Ref(f"{logical_id}{suffix}", "Arn"), Origin.EXPLICIT, span)
            policy = self.sns_queue_policy(logical_id, f"{suffix}Policy", span, topic, arn)
            self.graph.link(E.GOVERNED_BY, queue, policy)
        sub_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, event_id)
        node = self.subscription_node(sub_kwargs, _subscription_properties(props, "sqs"), topic)
        node.endpoint = queue_ref
        self.graph.wire(E.DELIVERS_TO, node, queue_ref, (Kind.QUEUE,))
        suffix = f"{event_id}EventSourceMapping"
        mapping_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, suffix)
        self.mapping_node(mapping_kwargs, options, queue_ref, function_ref)

    def sns_queue_policy(
        self, logical_id: str, suffix: str, span: Span, topic: Value, queue_arn: Value, targets: Value | None = None
    ) -> Policy:
        """The queue policy SAM writes for an SNS event's `SqsSubscription`: SNS may send for that topic."""
        policy_document = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn.value if queue_arn.resolved else Unresolved(queue_arn.note),
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic.value}},
                }
            ]
        }
        policy_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, suffix)
        written = {"targets": targets} if targets is not None else {}
        return self.graph.add(Policy(**policy_kwargs, statements=statements(policy_document, span), **written))



    def build(self, logical_id: str, resource: dict, props: Props, span: Span, suppressions: tuple) -> None:
        """A resource's nodes, and those of the connectors embedded in it (SAM `Connectors`, whose Source is the
        resource and whose logical ID is the resource's followed by the connector's key)."""
        super().build(logical_id, resource, props, span, suppressions)
        existence = self.existence(logical_id, resource)
        connectors = resource.get("Connectors")
        if existence.value is False or not isinstance(connectors, dict):
            return
        for key, connector in connectors.items():
            properties = connector.get("Properties") if isinstance(connector, dict) else None
            if isinstance(properties, dict):
                first = len(self.graph.nodes)
                self.connector_policies(f"{logical_id}{key}", {"Id": logical_id}, properties, self.span(key, connector))
                self.mark_parts(first, span, suppressions, existence)

    def connector(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        block = _block(props)
        self.connector_policies(logical_id, block.entries.get("Source"), block.entries, span)

    def connector_policies(self, logical_id: str, source: Any, properties: dict, span: Span) -> None:
        """A SAM connector adds a policy to the role of a function it names as Source or Destination (by Id or
        Arn). Between a queue and a function, what it grants is SAM's connector profile for that pair (SQS_GRANTS);
        any other pair's grants are not modelled, so the role gets a policy whose statements are unresolved: an
        access question on it is unknown, never answered no."""
        destinations = properties.get("Destination")
        permissions = self.resolve(properties.get("Permissions"))
        source_end = self.connector_end(source)
        for destination in destinations if isinstance(destinations, list) else [destinations]:
            destination_end = self.connector_end(destination)
            for function, other, direction in ((destination_end, source_end, 0), (source_end, destination_end, 1)):
                role = self.function_role(function[0]) if function and function[1] in _FUNCTION_TYPES else None
                if role is None:
                    continue
                grants, categories = SQS_GRANTS[direction], _categories(permissions)
                if other and other[1] == "AWS::SQS::Queue" and categories <= set(grants):
                    actions = [a for category, granted in grants.items() if category in categories for a in granted]
                    arn = Ref(other[0], "Arn")
                    document: Any = {"Statement": [{"Effect": "Allow", "Action": actions, "Resource": arn}]}
                else:
                    document = Unresolved(f"SAM connector {logical_id} grants permissions that are not modelled")
                kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Connector", span)
                policy = self.graph.add(Policy(**kwargs, statements=statements(document, span)))
                self.graph.wire(E.GOVERNED_BY, policy, role, (Kind.ROLE,), reverse=True)

    def connector_end(self, end: Any) -> tuple[str, str] | None:
        """The logical ID and type of the resource of this template that a connector's Source or Destination
        names (by Id, or by an Arn that refers to it)."""
        if not isinstance(end, dict):
            return None
        named = end.get("Id")
        if "Arn" in end:
            arn = self.resolve(end["Arn"])
            named = arn.target if isinstance(arn, Ref) else None
        resource = self.resources.get(named) if isinstance(named, str) else None
        kind = resource.get("Type") if isinstance(resource, dict) else None
        return (named, kind) if isinstance(named, str) and isinstance(kind, str) else None

    def function_role(self, function_id: str) -> Value | None:
        """The role a function of this template assumes, as its builder wires it: `Role` as written (Globals
        filled in), else the role SAM generates for a SAM function."""
        resource = self.resources[function_id]
        props = resource.get("Properties") or {}
        if not isinstance(props, dict) or "Fn::Transform" in props:
            return None  # the function is not loaded, or its role is unresolved: its builder says why
        if resource.get("Type") == "AWS::Serverless::Function":
            props, _ = self.with_globals(resource, props)
            if "Role" not in _block(props).entries and _block(props).unresolved is None:
                return Value(Ref(f"{function_id}Role"), Origin.EXPLICIT)
        return self.value(props, "Role", Kind.FUNCTION, "role")


def _categories(permissions: Any) -> set[str]:
    """A connector's Permissions as a set of names; one that cannot be read is a name no profile grants."""
    items = permissions if isinstance(permissions, list) else [permissions]
    return {item if isinstance(item, str) else "(unresolved)" for item in items}


def _subscription_properties(event: _Block, protocol: str) -> _Block:
    """The properties of the subscription SAM generates for an SNS event: the event's own that SAM passes on
    (whether or not it puts a queue in between), and the protocol."""
    kept = {k: v for k, v in event.entries.items() if k in ("RedrivePolicy", "FilterPolicy", "Region")}
    return _Block(kept | {"Protocol": protocol}, event.span)


Template.BUILDERS = {
    "AWS::SQS::Queue": Template.queue,
    "AWS::SNS::Topic": Template.topic,
    "AWS::SNS::Subscription": Template.subscription,
    "AWS::SQS::QueuePolicy": Template.queue_policy,
    "AWS::SNS::TopicPolicy": Template.topic_policy,
    "AWS::KMS::Key": Template.key,
    "AWS::KMS::Alias": Template.alias,
    "AWS::IAM::Role": Template.role,
    "AWS::IAM::Policy": Template.iam_policy,
    "AWS::IAM::ManagedPolicy": Template.iam_policy,
    "AWS::Lambda::Function": Template.lambda_function,
    "AWS::Serverless::Function": Template.sam_function,
    "AWS::Lambda::EventSourceMapping": Template.event_source_mapping,
    "AWS::Lambda::Alias": Template.function_alias,
    "AWS::Lambda::Version": Template.function_alias,
    "AWS::Lambda::Permission": Template.permission,
    "AWS::S3::Bucket": Template.bucket,
    "AWS::Events::Rule": Template.rule,
    "AWS::CloudWatch::Alarm": Template.alarm,
    "AWS::Serverless::Connector": Template.connector,
}


def load(
    template: Any, file: str, graph: Graph, params: dict[str, str], text: str = "", scenario: Scenario | None = None
) -> tuple[int, list[LoadError], list[UnresolvedInput]]:
    """Add the resources of a parsed template to `graph`: how many template resources it holds, the resources
    that could not be read (each an error with its line; the others are still loaded), and what only deployment
    fills in (`Fn::Transform` includes), which no check sees. `text`, the template as read, holds the comment
    directives that suppress findings on its resources. With `scenario`, the template as that condition scenario
    deploys it (`scenarios.scenarios`)."""
    loaded = Template(template, file, graph, params, comments(text, file) if text else {}, scenario)
    return loaded.load(), loaded.problems, loaded.unresolved
