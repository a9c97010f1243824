"""The resource graph: nodes, typed edges, and the linking of references and literal ARNs/URLs/names.

Both loaders register nodes and ask for wires here, so a queue is found the same way from HCL or a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from crosswire.model import (
    UNKNOWN_PART,
    Alarm,
    BucketNotification,
    Function,
    Key,
    Kind,
    Mapping,
    Node,
    Policy,
    Queue,
    Ref,
    Role,
    RuleTarget,
    Span,
    Subscription,
    Topic,
    Value,
)
from crosswire.model import EdgeKind as E
from crosswire.schema import complete

N = TypeVar("N", bound=Node)

AWS_MANAGED_KEY_ALIASES = ("alias/aws/sqs", "alias/aws/sns")
_TOKEN = re.compile(r"\$\{[^}]*\}")
# "${Worker.Arn}" or "${Worker.Arn}:live": a reference written inside a string, optionally qualified
_REFERENCE_TOKEN = re.compile(r"\$\{([^}]+)\}(?::[^:${}]+)?")
# Lambda accepts "123456789012:function:name" and "function:name[:qualifier]" for a function
_PARTIAL_FUNCTION_ARN = re.compile(r"(?:\d{12}:)?function:([^:]+)(?::[^:]+)?")
# "name:qualifier": a function name with an alias or version, as Lambda's FunctionName accepts it
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9_-]+:[A-Za-z0-9_$-]+")
_MAX_FORWARDS = 8
# the part of an ARN's resource that names the resource, per service
_ARN_KINDS = {"sqs": Kind.QUEUE, "sns": Kind.TOPIC, "lambda": Kind.FUNCTION, "kms": Kind.KEY, "iam": Kind.ROLE}


@dataclass(frozen=True)
class Edge:
    kind: E
    source: Node
    target: Node
    span: Span | None = None  # the reference that made the edge; None for a part written inside its resource


@dataclass
class _Wire:
    kind: E
    source: Node
    value: Value
    kinds: tuple[Kind, ...]
    reverse: bool


def _split_arn(text: str) -> list[str]:
    """Split an ARN on the colons that are not inside `${...}` tokens, into at most six parts."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == ":" and depth == 0 and len(parts) < 5:
            parts.append("".join(current))
            current = []
            continue
        depth += char == "{" and current[-1:] == ["$"]
        depth -= char == "}" and depth > 0
        current.append(char)
    parts.append("".join(current))
    return parts


def literal_identity(text: str) -> tuple[Kind | None, str]:
    """What a literal ARN, queue URL, alias or plain name names: (kind if the text says, name).

    `${...}` tokens (pseudo parameters, unknown interpolations) may stand in any part.
    """
    if text.startswith("arn:"):
        parts = _split_arn(text)
        if len(parts) == 6:
            service, resource = parts[2], parts[5]
            if service == "lambda" and resource.startswith("function:"):
                resource = resource.split(":")[1]
            elif service == "kms" and resource.startswith("alias/"):
                return Kind.ALIAS, resource
            elif service in ("kms", "iam"):
                resource = resource.rsplit("/", 1)[-1]
            return _ARN_KINDS.get(service), resource
    partial = _PARTIAL_FUNCTION_ARN.fullmatch(text)
    if partial:
        return Kind.FUNCTION, partial.group(1)
    if _TOKEN.sub("X", text).startswith(("https://sqs.", "https://queue.amazonaws.com")):
        return Kind.QUEUE, text.rstrip("/").rsplit("/", 1)[-1]
    if text.startswith("alias/"):
        return Kind.ALIAS, text
    return None, text


def _names_by_reference(text: str) -> bool:
    """Whether a partly known ARN names its resource by a reference (`${aws_sqs_queue.q.name}`), not by text that
    could be another account's resource of the same name."""
    _, name = literal_identity(text)
    return bool(_REFERENCE_TOKEN.fullmatch(name)) and name != UNKNOWN_PART


def may_name(raw: Any, kind: Kind) -> bool:
    """Whether a literal may name a resource of `kind`: an ARN of that kind, or text that does not say (a name, a
    `${...}` token). An alarm's actions mix topics with Auto Scaling and EC2 ARNs, which are no wire of ours."""
    if not isinstance(raw, str):
        return True
    said, _ = literal_identity(raw)
    return said is kind or (said is None and not raw.startswith("arn:"))


@dataclass(frozen=True)
class Delivery:
    """An AWS service delivering into a queue or topic: `service` (its principal) delivers for `source` (the topic,
    bucket notification, rule target or alarm whose ARN is the `aws:SourceArn`), wired by `feeder` (the
    subscription, notification, rule target or alarm); `dead_letter` when into the feeder's dead-letter queue."""

    service: str
    source: Node
    feeder: Node
    dead_letter: bool = False


def _shown(raw: Any) -> str:
    return f"reference to {raw.target}" if isinstance(raw, Ref) else repr(raw)


class Graph:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        # edges by node and kind, so following one kind of wire costs what it finds, not every edge of the node
        self._out: dict[str, dict[E, list[Edge]]] = {}
        self._in: dict[str, dict[E, list[Edge]]] = {}
        self._edges: set[tuple[str, E, str]] = set()
        self._ids: dict[tuple[str, str], list[Node]] = {}
        self._own_ids: dict[str, tuple[str, ...]] = {}  # node uid -> the ids a Ref finds it by
        self._names: dict[tuple[str, str], list[Node]] = {}
        self._names_anywhere: dict[str, list[Node]] = {}  # literal names across units, for links between stacks
        self._wires: list[_Wire] = []
        self._unlinked: dict[tuple[str, E], str] = {}
        # ids that stand for what a value refers to: a Lambda alias or version stands for its function
        self._forwards: dict[tuple[str, str], Value] = {}
        # the scenarios each file was loaded in (a template's conditions, a root module's bool variables without a
        # value): a finding that holds in fewer than all says when it holds
        self.scenarios: dict[str, set[tuple[tuple[str, bool], ...]]] = {}

    # -- building ---------------------------------------------------------------------------------------
    def add(self, node: N, ids: tuple[str, ...] = (), names: tuple[Value, ...] = ()) -> N:
        """Add `node`, findable by `Ref` to any of `ids` and by literal to any resolved string in `names`."""
        self.nodes[node.uid] = node
        self._own_ids[node.uid] = ids
        for local_id in ids:
            self._ids.setdefault((node.unit, local_id), []).append(node)
        for name in names:
            if name.resolved and isinstance(name.value, str):
                self._names.setdefault((node.unit, name.value), []).append(node)
                self._names_anywhere.setdefault(name.value, []).append(node)
        return node

    def forward(self, unit: str, local_id: str, value: Value) -> None:
        """Let a `Ref` to `local_id` find whatever `value` refers to (an alias or version of a Lambda function is
        wired to as the function itself: its timeout and role apply)."""
        self._forwards[(unit, local_id)] = value

    def merge(self, other: Graph) -> None:
        """Take over everything `other` holds; loaders build one file into a graph of its own, so a file that
        fails halfway leaves nothing behind."""
        self.nodes.update(other.nodes)
        self._own_ids.update(other._own_ids)
        tables: tuple[tuple[dict, dict], ...] = (
            (self._ids, other._ids),
            (self._names, other._names),
            (self._names_anywhere, other._names_anywhere),
        )
        for table, theirs in tables:
            for key, nodes in theirs.items():
                table.setdefault(key, []).extend(nodes)
        for by_kind in other._out.values():
            for edges in by_kind.values():
                for edge in edges:
                    self.link(edge.kind, edge.source, edge.target, edge.span)
        self._wires.extend(other._wires)
        self._forwards.update(other._forwards)
        for file, scenarios in other.scenarios.items():
            self.scenarios.setdefault(file, set()).update(scenarios)

    def link(self, kind: E, source: Node, target: Node, span: Span | None = None) -> None:
        key = (source.uid, kind, target.uid)
        if key in self._edges:
            return
        self._edges.add(key)
        edge = Edge(kind, source, target, span)
        self._out.setdefault(source.uid, {}).setdefault(kind, []).append(edge)
        self._in.setdefault(target.uid, {}).setdefault(kind, []).append(edge)

    def wire(self, kind: E, source: Node, value: Value, kinds: tuple[Kind, ...], reverse: bool = False) -> None:
        """Ask for an edge from `source` to whatever `value` refers to (or from it, with `reverse`).

        Wires are resolved by `resolve_wires` once every node of the unit is known. An empty string names no
        resource (`!If [Encrypted, <key>, ""]` and Terraform's `cond ? <key> : ""` write "none" that way), so it
        asks for no edge, as a value left out does."""
        if value.resolved and (value.value is None or value.value == ""):
            return
        self._wires.append(_Wire(kind, source, value, kinds, reverse))

    def resolve_wires(self) -> None:
        """Complete every node from the schema, then turn the wires asked for into edges."""
        for node in self.nodes.values():
            complete(node)
        # aliases first, so that a queue naming its key by alias finds the key
        for wire in sorted(self._wires, key=lambda w: w.kind is not E.ALIASES):
            if not wire.value.resolved:
                # an ARN known but for its region or account still names a resource by reference in its last part
                partial = wire.value.partial
                by_reference = bool(partial) and _names_by_reference(partial)
                known = self.find(wire.source.unit, partial, wire.kinds, wire.value) if by_reference else []
                if not known:
                    self._unlinked[(wire.source.uid, wire.kind)] = wire.value.note
                for target in known:
                    source, end = (target, wire.source) if wire.reverse else (wire.source, target)
                    self.link(wire.kind, source, end, wire.value.span)
                continue
            raws = wire.value.value if isinstance(wire.value.value, (list, tuple)) else [wire.value.value]
            # a null among references leads nowhere, as a null reference does (see `wire`)
            for raw in (r for r in raws if r is not None):
                targets = self.find(wire.source.unit, raw, wire.kinds, wire.value)
                if isinstance(raw, str) and len(targets) > 1:
                    # AWS names are unique per account and region: text that names several scanned resources (a
                    # template that could not deploy, or two stacks) is not a wire to any one of them
                    names = ", ".join(sorted(t.address for t in targets))
                    self._unlinked.setdefault((wire.source.uid, wire.kind), f"{_shown(raw)} names {names}")
                    continue
                if not targets:
                    # a checked link that leads nowhere is a value the check cannot judge, not a pass
                    self._unlinked.setdefault(
                        (wire.source.uid, wire.kind), f"{_shown(raw)} is not among the scanned resources"
                    )
                for target in targets:
                    if wire.reverse:
                        self.link(wire.kind, target, wire.source, wire.value.span)
                    else:
                        self.link(wire.kind, wire.source, target, wire.value.span)
        self._wires.clear()

    # -- finding ----------------------------------------------------------------------------------------
    def find(
        self, unit: str, raw: Any, kinds: tuple[Kind, ...], origin: Value | None = None, hops: int = 0
    ) -> list[Node]:
        """The nodes of `kinds` in `unit` that `raw` (a Ref, ARN, URL, alias or name) refers to.

        Aliases are followed to their key; an AWS managed key alias yields that key's node; a Lambda alias or
        version to its function (`hops` bounds chains of them)."""
        found: list[Node] = []
        token = _REFERENCE_TOKEN.fullmatch(raw) if isinstance(raw, str) else None
        if token:
            raw = self._token_reference(unit, token.group(1))
        if isinstance(raw, Ref):
            found = list(self._ids.get((unit, raw.target), ()))
            forward = self._forwards.get((unit, raw.target))
            if not found and forward is not None and forward.resolved and hops < _MAX_FORWARDS:
                return self.find(unit, forward.value, kinds, origin, hops + 1)
        elif isinstance(raw, str):
            if Kind.FUNCTION in kinds and _QUALIFIED_NAME.fullmatch(raw):
                raw = raw.split(":")[0]  # Lambda takes "name:alias" and "name:version" for the function
            kind, name = literal_identity(raw)
            named = _REFERENCE_TOKEN.fullmatch(name) if name.startswith("${") else None
            if named and kind is not None:  # an ARN whose name is a reference: `...:${Queue.QueueName}`
                reference = self._token_reference(unit, named.group(1))
                if isinstance(reference, Ref):
                    found = [n for n in self._ids.get((unit, reference.target), ()) if n.kind is kind]
                    return [n for n in found if n.kind in kinds]
            if name in AWS_MANAGED_KEY_ALIASES:
                return [self._aws_managed_key(name, origin)] if Kind.KEY in kinds else []
            wanted = (kind, Kind.ALIAS) if kind else tuple(Kind)
            found = [n for n in self._names.get((unit, name), ()) if n.kind in wanted]
            if not found:
                # another template or module: only when exactly one resource anywhere has that name
                elsewhere = [n for n in self._names_anywhere.get(name, ()) if n.kind in wanted and n.kind in kinds]
                found = elsewhere if len(elsewhere) == 1 else []
        if Kind.KEY in kinds:
            found = [k for n in found for k in ([n] if n.kind is not Kind.ALIAS else self.targets(n, E.ALIASES))]
        return [n for n in found if n.kind in kinds]

    def _token_reference(self, unit: str, inner: str) -> Ref | str:
        """`Worker.Arn` or `aws_sqs_queue.q.arn` inside `${}`: the longest prefix that names a resource."""
        parts = inner.split(".")
        for end in range(len(parts), 0, -1):
            if (unit, ".".join(parts[:end])) in self._ids:
                return Ref(".".join(parts[:end]), ".".join(parts[end:]) or None)
        return "${" + inner + "}"

    def _aws_managed_key(self, alias: str, origin: Value | None) -> Key:
        uid = f"aws-managed:{alias}"
        if uid not in self.nodes:
            span = origin.span if origin and origin.span else None
            assert span is not None, "an AWS managed key is only ever found through a written value"
            self.nodes[uid] = Key(uid, alias, "AWS managed key", span, "", aws_managed=True)
        key = self.nodes[uid]
        assert isinstance(key, Key)
        return key

    # -- reading ----------------------------------------------------------------------------------------
    def ids_of(self, node: Node) -> tuple[str, ...]:
        """What a `Ref` names `node` by in its unit (a logical ID, a Terraform address)."""
        return self._own_ids.get(node.uid, ())

    def of_kind(self, cls: type[N]) -> Iterator[N]:
        for node in self.nodes.values():
            if isinstance(node, cls):
                yield node

    def targets(self, node: Node, kind: E) -> list[Node]:
        return [e.target for e in self._out.get(node.uid, {}).get(kind, ())]

    def sources(self, node: Node, kind: E) -> list[Node]:
        return [e.source for e in self._in.get(node.uid, {}).get(kind, ())]

    def unlinked(self, cls: type[N], kind: E) -> Iterator[tuple[N, str]]:
        """The nodes of `cls` whose `kind` link could not be followed (an unresolved reference), with why."""
        for (uid, edge), reason in self._unlinked.items():
            node = self.nodes.get(uid)
            if edge is kind and isinstance(node, cls):
                yield node, reason

    def edges(self) -> Iterator[Edge]:
        for by_kind in self._out.values():
            for edges in by_kind.values():
                yield from edges

    def unlinked_all(self) -> Iterator[tuple[Node, E, str]]:
        """Every link that could not be made: its source, the kind of edge, and why."""
        for (uid, kind), reason in self._unlinked.items():
            yield self.nodes[uid], kind, reason

    def why_unlinked(self, node: Node, kind: E) -> str | None:
        """Why a link of `node` could not be followed (an unresolved reference), or None."""
        return self._unlinked.get((node.uid, kind))

    # -- domain helpers ---------------------------------------------------------------------------------
    def consumers_of(self, queue: Queue) -> list[tuple[Mapping, Function]]:
        """The Lambda functions that consume `queue`, each with the event source mapping that wires it."""
        return [
            (mapping, function)
            for mapping in self.mappings_of(queue)
            for function in self.targets(mapping, E.INVOKES)
            if isinstance(function, Function)
        ]

    def mappings_of(self, queue: Queue) -> list[Mapping]:
        return [m for m in self.sources(queue, E.CONSUMES) if isinstance(m, Mapping)]

    def feeders_of(self, node: Node) -> list[Subscription | BucketNotification | RuleTarget | Alarm]:
        """What makes AWS services deliver into a queue or topic: SNS subscriptions, S3 notifications, EventBridge
        rule targets, CloudWatch alarms; and the subscriptions and rule targets that dead-letter into it (SNS and
        EventBridge write a delivery they could not make into their redrive queue themselves)."""
        feeding = (Subscription, BucketNotification, RuleTarget, Alarm)
        dead_lettering = (Subscription, RuleTarget)
        found = [n for n in self.sources(node, E.DELIVERS_TO) if isinstance(n, feeding)]
        found += [n for n in self.sources(node, E.DEAD_LETTERS_TO) if isinstance(n, dead_lettering) and n not in found]
        return found

    def deliveries_into(self, node: Node) -> list[Delivery]:
        """Every AWS service delivery into a queue or topic (SPEC §4, "fed by a service"): those through resources
        that certainly exist first, then in graph order, so that a check judging one delivery per source judges
        one that happens for sure when there is one (whatever order the files are read in)."""
        found = []
        for feeder in self.feeders_of(node):
            # every topic a subscription's reference leads to (one, unless several share its name), never the first
            topics = [t for t in self.targets(feeder, E.SUBSCRIBES_TO) if isinstance(t, Topic)]
            dead_letter = node in self.targets(feeder, E.DEAD_LETTERS_TO)
            for source in (topics if isinstance(feeder, Subscription) else []) or [feeder]:
                found.append(Delivery(feeder.service_principal, source, feeder, dead_letter))
        return sorted(found, key=lambda d: not (d.feeder.existence.resolved and d.source.existence.resolved))

    def key_of(self, node: Queue | Topic) -> Key | None:
        return next((k for k in self.targets(node, E.ENCRYPTED_BY) if isinstance(k, Key)), None)

    def dlq_of(self, node: Node) -> Queue | None:
        return next((q for q in self.targets(node, E.DEAD_LETTERS_TO) if isinstance(q, Queue)), None)

    def policies_of(self, node: Node) -> list[Policy]:
        return [p for p in self.targets(node, E.GOVERNED_BY) if isinstance(p, Policy)]

    def role_of(self, node: Function | RuleTarget) -> Role | None:
        """The execution role of a function, or the role an EventBridge target delivers with."""
        return next((r for r in self.targets(node, E.ASSUMES) if isinstance(r, Role)), None)

    def topic_of(self, subscription: Subscription) -> Topic | None:
        return next((t for t in self.targets(subscription, E.SUBSCRIBES_TO) if isinstance(t, Topic)), None)

    def endpoint_of(self, feeder: Node) -> Node | None:
        return next(iter(self.targets(feeder, E.DELIVERS_TO)), None)
