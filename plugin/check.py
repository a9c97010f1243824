"""What a check is: frozen metadata, and the findings and skips its function yields."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from crosswire.graph import Graph, literal_identity
from crosswire.model import (
    Alarm,
    EdgeKind,
    Function,
    Key,
    Kind,
    Mapping,
    Node,
    Origin,
    Policy,
    Queue,
    Ref,
    Role,
    Span,
    Subscription,
    Topic,
    Value,
)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Reference:
    title: str
    url: str


@dataclass(frozen=True)
class Option:
    """A setting of one check, read from `[tool.crosswire.checks.<ID>]`; the config loader validates values
    against `type` and `minimum` so a check never meets a bad one."""

    name: str
    type: type
    default: Any
    help: str
    minimum: float | None = None


@dataclass(frozen=True)
class Overlap:
    """Another linter's rule that already reports some of a check's findings, where the check runs inside that
    linter (`tool`, e.g. "cfn-lint"): the adapter leaves those findings to it, so one fault is one match.

    `covers` says, from the finding and the graph alone, whether `rule` reports the same fault on the same
    resource; it must hold only where the rule really fires (a test runs the tool to show it). `summary` says
    which findings it covers, for the docs."""

    tool: str
    rule: str
    summary: str
    covers: Callable[[Finding], bool]


@dataclass(frozen=True)
class CheckMeta:
    id: str
    slug: str
    title: str
    severity: Severity
    kinds: tuple[Kind, ...]
    rationale: str
    fix_terraform: str
    fix_cloudformation: str
    references: tuple[Reference, ...]
    formats: tuple[str, ...] = ("cloudformation", "terraform")
    options: tuple[Option, ...] = ()
    overlaps: tuple[Overlap, ...] = ()
    source: str = ""  # the YAML file a team's own check was read from (crosswire.user_checks); "" when built in

    @property
    def docs(self) -> str:
        """Where the check is documented: its generated page, or a team's check's own file."""
        return self.source or f"docs/checks/{self.id}-{self.slug}.md"

    @property
    def docs_url(self) -> str:
        """The check's page on the web: under the project's Documentation URL (the docs folder) from its installed
        metadata, else under crosswire.DOCS_URL; a team's own check is documented by its file."""
        return self.source or f"{docs_root()}/checks/{self.id}-{self.slug}.md"


@functools.cache
def docs_root() -> str:
    """The `Documentation` project URL of the installed distribution, or crosswire.DOCS_URL."""
    from crosswire import DOCS_URL

    try:
        urls = importlib.metadata.metadata("crosswire").get_all("Project-URL") or []
    except importlib.metadata.PackageNotFoundError:
        return DOCS_URL
    named = dict(url.partition(",")[::2] for url in urls)
    return next((v.strip().rstrip("/") for k, v in named.items() if k.strip().lower() == "documentation"), DOCS_URL)


@dataclass(frozen=True)
class Finding:
    """A broken wire: `node` is the resource reported, `related` the other ends of the wire, `via` the resources
    in between that reports do not name (the subscription behind a topic, the mapping behind a consumer) but
    that the finding rests on all the same (crosswire.runner skips it when one of them may not exist)."""

    meta: CheckMeta
    node: Node
    message: str
    related: tuple[Node, ...] = ()
    severity: Severity | None = None  # overrides the check's severity for this finding (e.g. CW303's info band)
    via: tuple[Node, ...] = ()
    # which fault this is, for a check that can find several on one resource (CW308's rules): it joins the
    # fingerprint, so a baseline that accepts one fault does not accept the others
    aspect: str = ""

    @property
    def level(self) -> Severity:
        return self.severity or self.meta.severity

    @property
    def fix(self) -> str:
        """The fix in the language the resource was written in (Terraform types are lower case)."""
        return self.meta.fix_terraform if self.node.source_format == "terraform" else self.meta.fix_cloudformation

    @property
    def fingerprint(self) -> str:
        """Stable across line moves and unrelated edits: the check, the resource and the other ends. The file
        counts by its name's bytes (a name that is not UTF-8 holds surrogate escapes); a name from a template counts
        by its UTF-8, lone surrogates included (a JSON template can write one as `\\udXXX`)."""
        return self.fingerprint_as(self.node.span.file)

    def fingerprint_as(self, file: str) -> str:
        """The fingerprint with the file named `file` (a baseline names it from the repository root)."""
        addresses = [self.node.address, *sorted(r.address for r in self.related)]
        parts = [
            self.meta.id.encode(),
            os.fsencode(file),
            *(address.encode("utf-8", "surrogatepass") for address in addresses),
            *([self.aspect.encode()] if self.aspect else []),  # absent when empty: other fingerprints stay as they were
        ]
        return hashlib.sha256(b"\x1f".join(parts)).hexdigest()[:32]


@dataclass(frozen=True)
class Skip:
    """A check that could not judge `node` because a value it needs is unresolved."""

    meta: CheckMeta
    node: Node
    reason: str


@dataclass(frozen=True)
class Check:
    meta: CheckMeta
    run: Callable[[Graph, dict[str, Any]], Iterable[Finding | Skip]]


_NOUNS = {
    "AWS::SNS::Topic": "SNS topic",
    "aws_sns_topic": "SNS topic",
    "AWS::S3::Bucket": "S3 bucket",
    "aws_s3_bucket_notification": "S3 bucket notification",
    "AWS::Events::Rule": "EventBridge rule",
    "aws_cloudwatch_event_target": "EventBridge target",
    "AWS::CloudWatch::Alarm": "CloudWatch alarm",
    "aws_cloudwatch_metric_alarm": "CloudWatch alarm",
}


def noun(node: Node) -> str:
    """How messages name a resource: "queue OrdersQueue", "SNS topic Events", "function Worker"."""
    word = _NOUNS.get(node.resource_type, node.kind.value)
    if node.resource_type == "AWS::Serverless::Function" and node.kind is not Kind.FUNCTION:
        return f"{node.kind.value} of SAM function {node.address}"
    if node.resource_type == "AWS::SNS::Topic" and node.kind is not Kind.TOPIC:
        return f"inline {node.kind.value} of SNS topic {node.address}"  # a `Subscription` entry of the topic
    # a count/for_each declaration is one node: say the verdict holds for each of its instances
    repeated = f" (every instance of its {node.repeated})" if node.repeated else ""
    return f"{word} {node.address}{repeated}"


def delivering_origins(graph: Graph, node: Node) -> tuple[Node, ...]:
    """Where the AWS deliveries into a queue or topic start: a subscription's topic, an S3 notification's bucket, an
    EventBridge rule, an alarm; ordered and without repeats."""
    origins: dict[str, Node] = {}
    for delivery in graph.deliveries_into(node):
        origins.setdefault(delivery.source.uid, delivery.source)
    return tuple(origins.values())


def names_customer_managed_key(raw: object) -> bool:
    """Whether a key written as text is customer managed whether or not it was scanned: an alias outside `alias/aws/`
    (AWS managed keys have only those), by name or ARN."""
    if not isinstance(raw, str):
        return False
    kind, name = literal_identity(raw)
    return kind is Kind.ALIAS and not name.startswith("alias/aws/")


def listing(nodes: Iterable[Node]) -> str:
    """ "SNS topic A, S3 bucket B" for a message."""
    return ", ".join(sorted({noun(n) for n in nodes}))


def seconds(value: Value) -> str:
    """ "120 s", with where the number came from when it was not written on the resource itself."""
    how = value.describe()
    return f"{value.value} s" + (f" ({how})" if how else "")


def written_on_resource(value: Value) -> bool:
    """Whether a value is what its resource says by itself, as a rule reading the template alone sees it: written
    there (or the then branch of a decided condition: such rules read only that one), or AWS's default for a
    property left out; not one that came through a parameter, mapping, SAM Globals, a module input or a function."""
    if value.origin is Origin.DEFAULT:
        return True
    return value.origin is Origin.EXPLICIT and not value.note and not value.else_branch


def references_directly(value: Value, node: Node, every_branch: bool = False) -> bool:
    """Whether a value names `node` itself by reference (Ref, Fn::GetAtt, a Terraform address), rather than by a
    literal ARN or name, through a parameter, or through another resource that stands for it (an alias).
    `every_branch`: the rule follows this reference through each branch of an Fn::If, not only the then branch
    (cfn-lint does so for the reference that drives a rule, the first one it gathers)."""
    return (
        isinstance(value.value, Ref)
        and value.value.target == node.address
        and (written_on_resource(value) or (every_branch and value.else_branch and not value.note))
    )


def lambda_consumers(graph: Graph, meta: CheckMeta) -> Iterator[tuple[Queue, Function, list[Mapping]] | Skip]:
    """Each queue with each Lambda function consuming it, once per pair with the mappings that wire them; a Skip
    wherever a mapping's queue or function could not be followed (so a missing consumer is never a pass)."""
    for mapping, reason in graph.unlinked(Mapping, EdgeKind.CONSUMES):
        yield Skip(meta, mapping, f"queue of {noun(mapping)} is unresolved: {reason}")
    for queue in graph.of_kind(Queue):
        pairs: dict[str, tuple[Function, list[Mapping]]] = {}
        for mapping in graph.mappings_of(queue):
            functions = [f for f in graph.targets(mapping, EdgeKind.INVOKES) if isinstance(f, Function)]
            reason = graph.why_unlinked(mapping, EdgeKind.INVOKES)
            if not functions and reason:
                yield Skip(meta, queue, f"consumer of {noun(queue)} ({noun(mapping)}) is unresolved: {reason}")
            for function in functions:
                pairs.setdefault(function.uid, (function, []))[1].append(mapping)
        for function, mappings in pairs.values():
            yield queue, function, mappings


def timed_consumers(graph: Graph, meta: CheckMeta) -> Iterator[tuple[Queue, Function, list[Mapping]] | Skip]:
    """The pairs of `lambda_consumers` whose visibility timeout and function timeout are both known; a Skip for
    the others."""
    for pair in lambda_consumers(graph, meta):
        if isinstance(pair, Skip):
            yield pair
            continue
        queue, function, _ = pair
        unknown = next(
            (
                f"{what} of {noun(owner)} is unresolved: {value.note}"
                for owner, value, what in (
                    (queue, queue.visibility_timeout, "visibility timeout"),
                    (function, function.timeout, "timeout"),
                )
                if not value.resolved
            ),
            None,
        )
        yield Skip(meta, queue, unknown) if unknown else pair


def role_of(graph: Graph, meta: CheckMeta, function: Function) -> Role | Skip:
    """The execution role of `function`, or a Skip saying why it cannot be followed (a role of another stack, an
    unresolved reference)."""
    role = graph.role_of(function)
    if role is not None:
        return role
    reason = graph.why_unlinked(function, EdgeKind.ASSUMES) or "it names no execution role"
    return Skip(meta, function, f"role of {noun(function)} is unresolved: {reason}")


def consumed_queues(graph: Graph, meta: CheckMeta) -> Iterator[tuple[Queue, list[Mapping], list[Function]] | Skip]:
    """Each queue a Lambda event source mapping consumes, with its mappings and the functions they invoke (those
    that could be followed: a mapping is Lambda's whatever function it names); a Skip for every mapping whose queue
    could not be followed (a queue it may consume is not judged)."""
    for mapping, reason in graph.unlinked(Mapping, EdgeKind.CONSUMES):
        yield Skip(meta, mapping, f"queue of {noun(mapping)} is unresolved: {reason}")
    for queue in graph.of_kind(Queue):
        mappings = graph.mappings_of(queue)
        if mappings:
            functions = {function.uid: function for _, function in graph.consumers_of(queue)}
            yield queue, mappings, list(functions.values())


def service_fed_queues(graph: Graph, meta: CheckMeta) -> Iterator[tuple[Queue, tuple[Node, ...]] | Skip]:
    """Each queue an AWS service delivers into, with where those deliveries start; a Skip for every SNS
    subscription to SQS whose queue could not be followed (a queue it may feed is not judged)."""
    for subscription, reason in graph.unlinked(Subscription, EdgeKind.DELIVERS_TO):
        if subscription.protocol.value == "sqs":
            yield Skip(meta, subscription, f"endpoint of {noun(subscription)} is unresolved: {reason}")
    for queue in graph.of_kind(Queue):
        origins = delivering_origins(graph, queue)
        if origins:
            yield queue, origins


def sqs_mappings(graph: Graph, meta: CheckMeta) -> Iterator[tuple[Mapping, Queue | None] | Skip]:
    """Each event source mapping that reads SQS, with its queue (None for a queue outside the scan, named by a
    literal ARN or URL); a Skip for a mapping whose source could not be followed. (Mappings of streams, tables and
    brokers are not in the graph: the loaders leave them out.)"""
    for mapping in graph.of_kind(Mapping):
        queue = next((q for q in graph.targets(mapping, EdgeKind.CONSUMES) if isinstance(q, Queue)), None)
        if queue is not None:
            yield mapping, queue
            continue
        reason = graph.why_unlinked(mapping, EdgeKind.CONSUMES)
        if reason is None:
            continue  # no source written: AWS rejects the mapping, no batching to judge
        source = mapping.source.value if mapping.source.resolved else None
        if isinstance(source, str) and literal_identity(source)[0] is Kind.QUEUE:
            yield mapping, None
        else:
            yield Skip(meta, mapping, f"source of {noun(mapping)} is unresolved: {reason}")


def service_fed_topics(graph: Graph, meta: CheckMeta) -> Iterator[tuple[Topic, tuple[Node, ...]] | Skip]:
    """Each SNS topic an AWS service publishes to (S3 notifications, EventBridge targets, CloudWatch alarms), with
    where those deliveries start; a Skip for every alarm whose topic actions could not be followed (a topic it may
    publish to is not judged)."""
    for alarm, reason in graph.unlinked(Alarm, EdgeKind.DELIVERS_TO):
        yield Skip(meta, alarm, f"topic of {noun(alarm)} is unresolved: {reason}")
    for topic in graph.of_kind(Topic):
        origins = delivering_origins(graph, topic)
        if origins:
            yield topic, origins


def encryption_key(
    graph: Graph, meta: CheckMeta, node: Queue | Topic, whether_aws_managed: bool = False
) -> Key | Skip | None:
    """The KMS key that encrypts a queue or topic (an AWS managed one is a node of its own), None when it has none,
    or a Skip when its key is written but cannot be known or followed. A check that only asks `whether_aws_managed`
    gets None for a key written as an alias outside `alias/aws/` that was not scanned: customer managed all the same."""
    if not node.kms_key.resolved:
        return Skip(meta, node, f"KMS key of {noun(node)} is unresolved: {node.kms_key.note}")
    key = graph.key_of(node)
    if key is None:
        reason = graph.why_unlinked(node, EdgeKind.ENCRYPTED_BY)
        if not reason or (whether_aws_managed and names_customer_managed_key(node.kms_key.value)):
            return None
        return Skip(meta, node, f"KMS key of {noun(node)} is unresolved: {reason}")
    return key


def line_of(span: Span | None) -> str:
    """ "queues.tf:12": where a statement or value was written, for a message ("" when unknown)."""
    return f"{span.file}:{span.line}" if span is not None else ""


def policy_of(policy: Node, governed: Iterable[Node]) -> str:
    """ "policy OrdersPolicy of queue Orders", or "the policy of queue Orders" for a policy written inside its
    resource (a key policy, Terraform's `policy` argument), which has the resource's address."""
    governed = tuple(governed)
    if all(n.address == policy.address for n in governed):
        return f"the policy of {listing(governed)}"
    return f"{noun(policy)} of {listing(governed)}"


def resource_policies(graph: Graph, kinds: tuple[Kind, ...]) -> Iterator[tuple[Policy, tuple[Node, ...], str]]:
    """Each policy that governs a resource of `kinds` (a queue's or topic's policy), with those resources and "";
    a standalone policy whose resource could not be followed comes with none and why, so that a check can judge its
    statements and skip where a verdict would need to know what it governs."""
    for policy in graph.of_kind(Policy):
        governed = tuple(n for n in graph.sources(policy, EdgeKind.GOVERNED_BY) if n.kind in kinds)
        unlinked = graph.why_unlinked(policy, EdgeKind.GOVERNED_BY)
        if governed or unlinked:
            yield policy, governed, "" if governed else unlinked or ""
