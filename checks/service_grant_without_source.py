"""CW202: a queue, topic or key policy that grants an AWS service principal without saying for which resource or
account (no `aws:SourceArn` / `aws:SourceAccount`): the confused deputy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from crosswire.check import (
    CheckMeta,
    Finding,
    Reference,
    Severity,
    Skip,
    line_of,
    noun,
    policy_of,
    resource_policies,
)
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Node, Statement, Unresolved

# the keys a service sets for the resource or account it acts for (IAM User Guide, "The confused deputy problem");
# aws:SourceOwner is SNS's older name for the account of an S3 bucket
SOURCE_KEYS = ("aws:SourceArn", "aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner")
_SOURCE = frozenset(key.lower() for key in SOURCE_KEYS)
_EVENTBRIDGE = "events.amazonaws.com"
# where AWS does not let a grant name its source: EventBridge calls KMS without the source keys, and an SNS topic
# policy for EventBridge is written without them (SPEC §5)
_EXEMPT = {Kind.KEY: _EVENTBRIDGE, Kind.TOPIC: _EVENTBRIDGE}
# operators a request passes for every value but some: they do not say whose calls a statement means
_NEGATED_PREFIXES = ("StringNot", "ArnNot")

META = CheckMeta(
    id="CW202",
    slug="service-grant-without-source",
    title="Queue, topic or key policy grants a service without aws:SourceArn or aws:SourceAccount",
    severity=Severity.WARNING,
    kinds=(Kind.POLICY,),
    rationale=(
        "A policy statement that allows a service principal (`sns.amazonaws.com`, `s3.amazonaws.com`...) with no "
        "condition on the resource or account the service acts for lets that service act for anyone's resource: "
        "another account's SNS topic or S3 bucket can then deliver into your queue, or use your key (the confused "
        "deputy problem). A condition on one of " + ", ".join(f"`{key}`" for key in SOURCE_KEYS) + " (with a "
        "positive operator) says whose. Judged: the policies of queues and topics, and the key policies of keys "
        "that encrypt a queue or topic. Not asked where AWS does not let a grant name its source: a key policy's "
        "grant to EventBridge, and a topic policy's grant to `events.amazonaws.com`."
    ),
    fix_terraform=(
        "Add to the statement a condition on the resource the service acts for, e.g. `Condition = { ArnEquals = "
        '{ "aws:SourceArn" = aws_sns_topic.events.arn } }`, or on its account (`"aws:SourceAccount"`).'
    ),
    fix_cloudformation=(
        "Add to the statement a condition on the resource the service acts for, e.g. `Condition: { ArnEquals: "
        '{ aws:SourceArn: !Ref Events } }`, or on its account (`aws:SourceAccount: !Ref "AWS::AccountId"`).'
    ),
    references=(
        Reference(
            "AWS Security Blog: How to set up least privilege access to your encrypted Amazon SQS queue",
            "https://aws.amazon.com/blogs/security/how-to-set-up-least-privilege-access-to-your-encrypted-amazon-sqs-queue/",
        ),
        Reference(
            "IAM User Guide: the confused deputy problem",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        ),
        Reference(
            "EventBridge User Guide: using resource-based policies (SQS and SNS targets)",
            "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for policy, governed, unlinked in resource_policies(graph, (Kind.QUEUE, Kind.TOPIC, Kind.KEY)):
        judged = tuple(n for n in governed if n.kind is not Kind.KEY or _encrypts_queue_or_topic(graph, n))
        if governed and not judged:
            continue  # a key no queue or topic uses
        if not policy.statements.resolved:
            if judged:  # unknown statements of a policy whose resource is unknown too say nothing about a queue
                yield Skip(META, policy, f"the statements of {noun(policy)} are unresolved: {policy.statements.note}")
            continue
        exempt = {_EXEMPT[n.kind] for n in judged if n.kind in _EXEMPT}
        loose: list[tuple[Statement, list[str]]] = []
        unknown = ""
        for statement in policy.statements.value or ():
            if statement.effect != "Allow":
                continue
            services, why = _services(statement.principals)
            services = [s for s in services if s.lower() not in exempt]
            narrowed, why_condition = _names_source(statement.conditions) if services or why else (True, "")
            if narrowed:
                continue
            if services and narrowed is False:
                loose.append((statement, services))
            elif not unknown:
                reason = why or why_condition
                unknown = f"a statement of {noun(policy)} ({line_of(statement.span)}) may grant a service: {reason}"
        if not loose:
            if unknown:
                yield Skip(META, policy, unknown)
            continue
        statement, services = loose[0]
        if not judged:
            yield Skip(
                META,
                policy,
                f"{noun(policy)} ({line_of(statement.span)}) grants {', '.join(services)} without a source "
                f"condition, but which queue, topic or key it governs is unresolved: {unlinked}",
            )
            continue
        more = f" (and {len(loose) - 1} more statements)" if len(loose) > 1 else ""
        yield Finding(
            META,
            policy,
            f"{policy_of(policy, judged)} grants {', '.join(services)} {_actions(statement)} "
            f"({line_of(statement.span)}){more} without aws:SourceArn or aws:SourceAccount: the service may do so "
            "for any resource of any account (confused deputy)",
            related=tuple(n for n in judged if n.address != policy.address),
        )


def _encrypts_queue_or_topic(graph: Graph, key: Node) -> bool:
    return any(n.kind in (Kind.QUEUE, Kind.TOPIC) for n in graph.sources(key, EdgeKind.ENCRYPTED_BY))


def _services(principals: Any) -> tuple[list[str], str]:
    """The service principals a statement names, and why it cannot be known whether it names more."""
    if isinstance(principals, Unresolved):
        return [], f"its Principal is unresolved: {principals.reason}"
    if not isinstance(principals, Mapping):
        return [], ""
    values = principals.get("Service", ())
    values = values if isinstance(values, (list, tuple)) else (values,)
    unknown = next((v for v in values if isinstance(v, Unresolved)), None)
    services = [v for v in values if isinstance(v, str)]
    return services, f"its Principal is unresolved: {unknown.reason}" if unknown else ""


def _names_source(conditions: Any) -> tuple[bool | None, str]:
    """Whether a condition says which resource or account the service acts for (see SOURCE_KEYS)."""
    if not conditions:
        return False, ""
    if isinstance(conditions, Unresolved):
        return None, f"its Condition is unresolved: {conditions.reason}"
    if not isinstance(conditions, Mapping):
        return None, "its Condition is not a map of operators"
    unknown = ""
    for operator, entries in conditions.items():
        if not isinstance(entries, Mapping):
            unknown = unknown or f"its condition {operator} is unresolved"
            continue
        base = str(operator).rpartition(":")[2]
        if base.startswith(("Null", *_NEGATED_PREFIXES)):
            continue
        if any(str(key).lower() in _SOURCE for key in entries):
            return True, ""
    return (None, unknown) if unknown else (False, "")


def _actions(statement: Statement) -> str:
    if statement.actions:
        return ", ".join(str(a) for a in statement.actions)
    if statement.not_actions:
        return "every action but " + ", ".join(str(a) for a in statement.not_actions)
    return "its actions"
