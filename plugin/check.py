"""What a check is: frozen metadata, and the findings and skips its function yields."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from crosswire.graph import Graph
from crosswire.model import EdgeKind, Function, Kind, Mapping, Node, Queue, Role, Subscription, Value


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

    @property
    def docs(self) -> str:
        return f"docs/checks/{self.id}-{self.slug}.md"


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
        addresses = [self.node.address, *sorted(r.address for r in self.related)]
        parts = [
            self.meta.id.encode(),
            os.fsencode(self.node.span.file),
            *(address.encode("utf-8", "surrogatepass") for address in addresses),
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
}


def noun(node: Node) -> str:
    """How messages name a resource: "queue OrdersQueue", "SNS topic Events", "function Worker"."""
    word = _NOUNS.get(node.resource_type, node.kind.value)
    if node.resource_type == "AWS::Serverless::Function" and node.kind is not Kind.FUNCTION:
        return f"{node.kind.value} of SAM function {node.address}"
    # a count/for_each declaration is one node: say the verdict holds for each of its instances
    repeated = f" (every instance of its {node.repeated})" if node.repeated else ""
    return f"{word} {node.address}{repeated}"


def delivering_origins(graph: Graph, node: Node) -> tuple[Node, ...]:
    """Where the AWS deliveries into a queue or topic start: a subscription's topic, an S3 notification's bucket, an
    EventBridge rule; ordered and without repeats."""
    origins: dict[str, Node] = {}
    for feeder in graph.feeders_of(node):
        origin = (graph.topic_of(feeder) if isinstance(feeder, Subscription) else None) or feeder
        origins.setdefault(origin.uid, origin)
    return tuple(origins.values())


def listing(nodes: Iterable[Node]) -> str:
    """ "SNS topic A, S3 bucket B" for a message."""
    return ", ".join(sorted({noun(n) for n in nodes}))


def seconds(value: Value) -> str:
    """ "120 s", with where the number came from when it was not written on the resource itself."""
    how = value.describe()
    return f"{value.value} s" + (f" ({how})" if how else "")


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
