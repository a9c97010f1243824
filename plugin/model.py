"""The normalised resource graph: typed nodes whose attributes remember where each value came from.

Loaders build it; checks only read it. Nothing here knows HCL or CloudFormation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, NamedTuple


class Origin(str, Enum):
    EXPLICIT = "explicit"  # written in the input (or reaching the resource from a parameter, module input...)
    DEFAULT = "default"  # left out, and AWS applies a default (crosswire.schema)
    ABSENT = "absent"  # left out, and AWS has no default: there is none (no KMS key, no DLQ)
    UNRESOLVED = "unresolved"  # written, but its value cannot be known here


@dataclass(frozen=True)
class Span:
    file: str
    line: int
    end_line: int


@dataclass(frozen=True)
class Ref:
    """A reference to another resource of the same unit (template or Terraform module), before linking."""

    target: str
    attribute: str | None = None


@dataclass(frozen=True)
class Unresolved:
    """A value a loader could not work out (a parameter without default, an imported value, ...). `partial` is a
    string's text as far as it is known, its unknown parts written `${?}` (an ARN whose account is a variable), so
    that its known parts may still name a resource by reference; "" when nothing of it is known."""

    reason: str
    partial: str = field(default="", compare=False)


@dataclass(frozen=True)
class Value:
    """One attribute value with its provenance.

    `note` says how an explicit value reached the resource when it was not written on it (e.g. "from Globals",
    "parameter VisTimeout"); for an unresolved value it says why it could not be resolved. `else_branch` is set
    when the value is written on the resource as the else branch of a CloudFormation `Fn::If` (at any depth) whose
    condition the loader decided false: written there, but not the first value a reader of the template meets
    (cfn-lint's rules read only that one).
    """

    value: Any
    origin: Origin
    span: Span | None = None
    note: str = ""
    else_branch: bool = False
    partial: str = field(default="", compare=False)  # an unresolved string's known text (see Unresolved)

    @property
    def resolved(self) -> bool:
        return self.origin is not Origin.UNRESOLVED

    @property
    def explicit(self) -> bool:
        return self.origin is Origin.EXPLICIT

    def describe(self) -> str:
        """How the value came to be, for messages: "", "AWS default" or the note."""
        if self.origin is Origin.DEFAULT:
            return "AWS default"
        return self.note


ABSENT = Value(None, Origin.ABSENT)
UNKNOWN_PART = "${?}"  # a part of a string that is not known, in Unresolved.partial
EXISTS = Value(True, Origin.EXPLICIT)


class Suppression(NamedTuple):
    """An author's decision not to be told about one check on one resource; `reason` is "" when none was given
    (such a suppression is not applied: see crosswire.suppressions)."""

    check_id: str
    reason: str
    span: Span


class Kind(str, Enum):
    QUEUE = "queue"
    TOPIC = "topic"
    KEY = "key"
    ALIAS = "alias"
    FUNCTION = "function"
    MAPPING = "mapping"
    SUBSCRIPTION = "subscription"
    POLICY = "policy"
    PERMISSION = "permission"
    ROLE = "role"
    BUCKET_NOTIFICATION = "bucket-notification"
    RULE_TARGET = "rule-target"
    ALARM = "alarm"


class EdgeKind(str, Enum):
    SUBSCRIBES_TO = "subscribes-to"  # subscription -> topic
    DELIVERS_TO = "delivers-to"  # subscription / bucket notification / rule target / alarm -> queue, topic or function
    CONSUMES = "consumes"  # event source mapping -> queue
    INVOKES = "invokes"  # event source mapping -> function
    DEAD_LETTERS_TO = "dead-letters-to"  # queue, subscription, rule target or function -> queue (or topic)
    ENCRYPTED_BY = "encrypted-by"  # queue or topic -> key
    ALIASES = "aliases"  # alias -> key
    GOVERNED_BY = "governed-by-policy"  # queue, topic, key or role -> policy document
    PERMITS = "permits"  # lambda permission -> function
    ASSUMES = "assumes-role"  # function -> role; rule target -> the role EventBridge delivers with


@dataclass(eq=False)
class Node:
    """A resource of the graph. `address` and `resource_type` are what reports show: for resources a SAM
    resource generates, they are the SAM resource's.

    `resource_span` is the whole resource as written when the node models only part of it (a SAM event, an inline
    subscription, a bucket notification), so a suppression on that resource covers the part too. `suppressions`
    are those the loader read for the resource: comment directives on or above it, and CloudFormation `Metadata`.

    `existence` is whether the resource is deployed at all: unresolved when it hangs on a condition the loader
    cannot decide (a CloudFormation `Condition` on a parameter without default), so that a finding resting on it
    becomes a skip instead of a guess (crosswire.runner). A template whose conditions are undecided is loaded once
    per condition scenario instead, where they can be enumerated; `scenario` says which."""

    uid: str
    address: str
    resource_type: str
    span: Span
    unit: str
    kind: ClassVar[Kind]
    repeated: str = ""
    resource_span: Span | None = None
    suppressions: tuple[Suppression, ...] = ()
    existence: Value = EXISTS
    source_format: str = ""  # "cloudformation" or "terraform": the language it is written in ("" for AWS's own)
    # the condition scenario of its template this node is loaded in (crosswire.loaders.cloudformation.scenarios):
    # the undecided conditions and how the scenario decides them; () outside scenarios
    scenario: tuple[tuple[str, bool], ...] = ()

    @property
    def declared_span(self) -> Span:
        """The resource as written: where reports point when this node is the other end of a wire, so a bucket
        notification points at its bucket, as a topic points at its topic."""
        return self.resource_span or self.span

    def __repr__(self) -> str:
        return f"<{self.kind.value} {self.uid}>"


@dataclass(eq=False)
class Queue(Node):
    name: Value = ABSENT
    fifo: Value = ABSENT
    visibility_timeout: Value = ABSENT
    message_retention: Value = ABSENT
    sqs_managed_sse: Value = ABSENT
    kms_key: Value = ABSENT
    max_receive_count: Value = ABSENT
    dead_letter_target: Value = ABSENT
    redrive_allow_policy: Value = ABSENT
    kind: ClassVar[Kind] = Kind.QUEUE


@dataclass(eq=False)
class Topic(Node):
    name: Value = ABSENT
    fifo: Value = ABSENT
    kms_key: Value = ABSENT
    kind: ClassVar[Kind] = Kind.TOPIC


@dataclass(eq=False)
class Key(Node):
    """A KMS key. AWS managed keys (`alias/aws/sqs`) appear as nodes of their own with `aws_managed` set."""

    aws_managed: bool = False
    rotation: Value = ABSENT
    kind: ClassVar[Kind] = Kind.KEY


@dataclass(eq=False)
class Alias(Node):
    name: Value = ABSENT
    target_key: Value = ABSENT
    kind: ClassVar[Kind] = Kind.ALIAS


@dataclass(eq=False)
class Function(Node):
    name: Value = ABSENT
    timeout: Value = ABSENT
    reserved_concurrency: Value = ABSENT
    role: Value = ABSENT
    dead_letter_target: Value = ABSENT
    kind: ClassVar[Kind] = Kind.FUNCTION


@dataclass(eq=False)
class Mapping(Node):
    """A Lambda event source mapping (or a SAM SQS event)."""

    source: Value = ABSENT
    function: Value = ABSENT
    batch_size: Value = ABSENT
    batching_window: Value = ABSENT
    report_batch_item_failures: Value = ABSENT
    maximum_concurrency: Value = ABSENT
    enabled: Value = ABSENT
    kind: ClassVar[Kind] = Kind.MAPPING


@dataclass(eq=False)
class Subscription(Node):
    topic: Value = ABSENT
    protocol: Value = ABSENT
    endpoint: Value = ABSENT
    dead_letter_target: Value = ABSENT
    raw_message_delivery: Value = ABSENT
    kind: ClassVar[Kind] = Kind.SUBSCRIPTION
    service_principal: ClassVar[str] = "sns.amazonaws.com"


@dataclass(frozen=True)
class Statement:
    """One policy statement as written; "" as `effect` when the statement has none (AWS rejects such a policy)."""

    effect: str
    principals: Any  # None when absent, "*" or {"AWS"|"Service"|"Federated": (values, ...)}
    actions: tuple[Any, ...]
    resources: tuple[Any, ...]
    conditions: Any  # {operator: {key: values}}; an Unresolved marker when it could not be read
    not_actions: tuple[Any, ...] = ()
    span: Span | None = None
    not_principals: Any = None
    not_resources: tuple[Any, ...] = ()


@dataclass(eq=False)
class Policy(Node):
    """A policy document: queue/topic/key resource policies, role inline and managed policies."""

    statements: Value = ABSENT  # value: tuple[Statement, ...]
    targets: Value = ABSENT  # the queues/topics/roles a standalone policy resource attaches to
    kind: ClassVar[Kind] = Kind.POLICY


@dataclass(eq=False)
class Permission(Node):
    function: Value = ABSENT
    principal: Value = ABSENT
    action: Value = ABSENT
    source_arn: Value = ABSENT
    source_account: Value = ABSENT
    kind: ClassVar[Kind] = Kind.PERMISSION


@dataclass(eq=False)
class Role(Node):
    managed_policy_arns: Value = ABSENT
    kind: ClassVar[Kind] = Kind.ROLE


@dataclass(eq=False)
class BucketNotification(Node):
    bucket: Value = ABSENT
    destination: Value = ABSENT
    events: Value = ABSENT
    kind: ClassVar[Kind] = Kind.BUCKET_NOTIFICATION
    service_principal: ClassVar[str] = "s3.amazonaws.com"


@dataclass(eq=False)
class RuleTarget(Node):
    rule: Value = ABSENT
    destination: Value = ABSENT
    dead_letter_target: Value = ABSENT
    role: Value = ABSENT  # the role EventBridge delivers with (RoleArn); without one, the target's resource policy
    kind: ClassVar[Kind] = Kind.RULE_TARGET
    service_principal: ClassVar[str] = "events.amazonaws.com"


@dataclass(eq=False)
class Alarm(Node):
    """A CloudWatch alarm, whose actions publish to SNS topics."""

    name: Value = ABSENT
    actions: Value = ABSENT
    kind: ClassVar[Kind] = Kind.ALARM
    service_principal: ClassVar[str] = "cloudwatch.amazonaws.com"


def describe(scenario: tuple[tuple[str, bool], ...]) -> str:
    """A scenario in words: "when IsProd is true and HasDlq is false", "when var.enabled is true"."""
    return "when " + " and ".join(f"{name} is {'true' if value else 'false'}" for name, value in scenario)
