"""CW106: the customer managed key of an SNS topic that S3, EventBridge or CloudWatch alarms publish to, whose key
policy does not let that service use it (the topic side of CW103)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import EVENTBRIDGE, may
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, encryption_key, noun, service_fed_topics
from crosswire.graph import Delivery, Graph
from crosswire.iam import Answer, Decision
from crosswire.model import Key, Kind, Node, Topic

META = CheckMeta(
    id="CW106",
    slug="topic-key-without-publisher-grant",
    title="Key of a service-fed SNS topic does not grant the publishing service",
    severity=Severity.ERROR,
    kinds=(Kind.KEY,),
    rationale=(
        "An S3 event notification, EventBridge rule or CloudWatch alarm publishes to an encrypted topic only when "
        "the key policy of the topic's KMS key lets its service principal (`s3.amazonaws.com`, "
        "`events.amazonaws.com`, `cloudwatch.amazonaws.com`) call `kms:GenerateDataKey*` and `kms:Decrypt`. A grant "
        "to the account root is no grant to a service. Without it every publish fails with KMS access denied: the "
        "notification, event or alarm never reaches the subscribers and nothing in the stack says so."
    ),
    fix_terraform=(
        "Add a statement to the `aws_kms_key` policy that allows the publishing service principal "
        "`kms:GenerateDataKey*` and `kms:Decrypt` (narrowed by `aws:SourceArn` to the bucket or alarm; EventBridge "
        "sends no `aws:SourceArn`, so leave its statement without one)."
    ),
    fix_cloudformation=(
        "Add a statement to the `AWS::KMS::Key` `KeyPolicy` that allows the publishing service principal "
        "`kms:GenerateDataKey*` and `kms:Decrypt` (narrowed by `aws:SourceArn` to the bucket or alarm; EventBridge "
        "sends no `aws:SourceArn`, so leave its statement without one)."
    ),
    references=(
        Reference(
            "SNS Developer Guide: enable compatibility between event sources from AWS services and encrypted topics",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
        ),
        Reference(
            "AWS KMS Developer Guide: default key policy (the account root grant lets IAM decide, for roles only)",
            "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
        ),
    ),
)

# what a publisher needs of the topic's key (SNS Developer Guide); a grant of kms:GenerateDataKey* covers the first
ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    refusals: dict[str, list[tuple[Topic, Delivery, dict[str, Answer]]]] = {}
    for fed in service_fed_topics(graph, META):
        if isinstance(fed, Skip):
            yield fed
            continue
        topic, _ = fed
        key = encryption_key(graph, META, topic)
        if isinstance(key, Skip):
            yield key
            continue
        if key is None or key.aws_managed:  # alias/aws/sns is CW105's
            continue
        for delivery in graph.deliveries_into(topic):
            answers = {a: may(graph, a, key, service=delivery.service, source=delivery.source) for a in ACTIONS}
            refused = {a: answer for a, answer in answers.items() if answer.decision is Decision.NO}
            unknown = next((x for x in answers.values() if x.decision is Decision.UNKNOWN), None)
            if refused:
                refusals.setdefault(key.uid, []).append((topic, delivery, refused))
            elif unknown is not None:
                reason = f"{noun(delivery.source)} publishing to {noun(topic)}: {unknown.reason}"
                yield Skip(META, key, reason)
    # one finding per key, naming every publisher it shuts out (a key may serve several topics)
    for uid, wires in refusals.items():
        key = graph.nodes[uid]
        assert isinstance(key, Key)
        # the publishers of one topic that one cause shuts out are named together
        publishers: dict[tuple[str, str], list[Node]] = {}
        topics: dict[str, Topic] = {}
        for topic, delivery, refused in wires:
            topics[topic.uid] = topic
            cause = _cause(graph, key, delivery.service, refused)
            publishers.setdefault((topic.uid, cause), []).append(delivery.source)
        yield Finding(
            META,
            key,
            "; ".join(
                f"{noun(topics[topic_uid])} is published to by {', '.join(noun(n) for n in sources)}, but {cause}"
                for (topic_uid, cause), sources in publishers.items()
            )
            + ": every publish fails with KMS access denied and the notifications are lost",
            related=_unique([node for topic, delivery, _ in wires for node in (topic, delivery.source)]),
            via=_unique([delivery.feeder for _, delivery, _ in wires]),
        )


def _cause(graph: Graph, key: Key, service: str, refused: dict[str, Answer]) -> str:
    """ "no statement of key K's policy (keys.tf:3) lets cloudwatch.amazonaws.com call kms:GenerateDataKey", or the
    Deny statement that decided."""
    by_statement: dict[str, list[str]] = {}
    for action, answer in refused.items():
        by_statement.setdefault(answer.where, []).append(action)
    causes = []
    for where, actions in by_statement.items():
        calls = " or ".join(actions)
        if where:
            causes.append(f"a Deny statement of {noun(key)}'s policy ({where}) stops {service} calling {calls}")
        else:
            causes.append(f"no statement of {_policy(graph, key)} lets {service} call {calls}")
            if service == EVENTBRIDGE:  # the usual cause: a grant narrowed by keys EventBridge never sends
                causes[-1] += " (EventBridge calls KMS without aws:SourceArn or aws:SourceAccount)"
    return " and ".join(causes)


def _policy(graph: Graph, key: Key) -> str:
    """Key K's policy and where it is written; AWS's default key policy when none is (it grants only the account)."""
    spans = [p.declared_span for p in graph.policies_of(key)]
    if not spans:
        return f"{noun(key)}'s default key policy ({key.span.file}:{key.span.line})"
    return f"{noun(key)}'s policy ({', '.join(f'{s.file}:{s.line}' for s in spans)})"


def _unique(nodes: list[Node]) -> tuple[Node, ...]:
    return tuple({node.uid: node for node in nodes}.values())
