"""CW203: a queue or topic policy that allows `Principal: "*"` with no condition narrowing who may call."""

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
from crosswire.model import Kind, Statement, Unresolved

# Condition keys that, compared with a positive operator, say whose calls a statement allows: the caller's own
# identity, the resource a service acts for, or the network the call comes through (the keys IAM Access Analyzer
# counts as restricting a public grant)
NARROWING_KEYS = (
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:userid",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
)
_NARROWING = frozenset(key.lower() for key in NARROWING_KEYS)
# operators that are true for a request without the key, or for every value but some: they narrow nothing
_NEGATED_PREFIXES = ("StringNot", "ArnNot", "NotIpAddress", "NumericNot", "DateNot")

META = CheckMeta(
    id="CW203",
    slug="policy-allows-anyone",
    title='Queue or topic policy allows Principal "*" with no narrowing condition',
    severity=Severity.ERROR,
    kinds=(Kind.POLICY,),
    rationale=(
        'A statement with `Principal: "*"` (or `{"AWS": "*"}`) allows every caller, in any AWS account or none, '
        "unless a condition says whose calls it means: anyone can then send to the queue, read or delete its "
        "messages, or publish to the topic, whatever the statement's actions are. A grant meant for a service "
        "(SNS, S3, EventBridge) must name the resource it acts for. These condition keys narrow a statement, "
        "compared with a positive operator (not a `Not` operator, `Null`, `...IfExists` or `ForAllValues:`, "
        "which a request without the key passes) on a value other than `*`: "
        + ", ".join(f"`{key}`" for key in NARROWING_KEYS)
        + "."
    ),
    fix_terraform=(
        'Name the principal instead of `"*"` (`Service = "sns.amazonaws.com"`, an account or role ARN), or add a '
        'condition on the resource it acts for, e.g. `Condition = { ArnEquals = { "aws:SourceArn" = '
        "aws_sns_topic.events.arn } }`, in the `aws_sqs_queue_policy` / `aws_sns_topic_policy` document."
    ),
    fix_cloudformation=(
        'Name the principal instead of `"*"` (`Service: sns.amazonaws.com`, an account or role ARN), or add a '
        "condition on the resource it acts for, e.g. `Condition: { ArnEquals: { aws:SourceArn: !Ref Events } }`, "
        "in the `AWS::SQS::QueuePolicy` / `AWS::SNS::TopicPolicy` document."
    ),
    references=(
        Reference(
            "SQS Developer Guide: Amazon SQS security best practices (implement least-privilege access)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html",
        ),
        Reference(
            "AWS Security Blog: How to set up least privilege access to your encrypted Amazon SQS queue",
            "https://aws.amazon.com/blogs/security/how-to-set-up-least-privilege-access-to-your-encrypted-amazon-sqs-queue/",
        ),
        Reference(
            "IAM User Guide: the confused deputy problem (aws:SourceArn, aws:SourceAccount)",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for policy, governed, unlinked in resource_policies(graph, (Kind.QUEUE, Kind.TOPIC)):
        if not policy.statements.resolved:
            if governed:  # unknown statements of a policy whose resource is unknown too say nothing about a queue
                yield Skip(META, policy, f"the statements of {noun(policy)} are unresolved: {policy.statements.note}")
            continue
        open_statements: list[Statement] = []
        unknown = ""
        for statement in policy.statements.value or ():
            if statement.effect != "Allow":
                continue
            verdict, why = _open_to_anyone(statement)
            if verdict:
                open_statements.append(statement)
            elif verdict is None and not unknown:
                unknown = f"a statement of {noun(policy)} ({line_of(statement.span)}) may allow anyone: {why}"
        if not open_statements:
            if unknown:
                yield Skip(META, policy, unknown)
            continue
        first = open_statements[0]
        if not governed:
            yield Skip(
                META,
                policy,
                f'{noun(policy)} ({line_of(first.span)}) allows Principal "*" with no narrowing condition, but which '
                f"queue or topic it governs is unresolved: {unlinked}",
            )
            continue
        more = f" (and {len(open_statements) - 1} more)" if len(open_statements) > 1 else ""
        yield Finding(
            META,
            policy,
            f'{policy_of(policy, governed)} allows Principal "*" {_actions(first)} '
            f"({line_of(first.span)}){more} with no condition narrowing who may call: anyone, in any AWS account or "
            "none, may do so",
            related=tuple(n for n in governed if n.address != policy.address),
        )


def _open_to_anyone(statement: Statement) -> tuple[bool | None, str]:
    """Whether an Allow statement lets every caller in: its principal is everyone and no condition narrows it."""
    everyone, why = _everyone(statement.principals)
    if everyone is False:
        return False, ""
    narrowed, why_condition = _narrowed(statement.conditions)
    if narrowed:
        return False, ""
    if everyone is None or narrowed is None:
        return None, why or why_condition
    return True, ""


def _everyone(principals: Any) -> tuple[bool | None, str]:
    if principals == "*":
        return True, ""
    if isinstance(principals, Unresolved):
        return None, f"its Principal is unresolved: {principals.reason}"
    if not isinstance(principals, Mapping):
        return False, ""
    values = principals.get("AWS", ())
    values = values if isinstance(values, (list, tuple)) else (values,)
    if "*" in values:
        return True, ""
    unknown = next((v for v in values if isinstance(v, Unresolved)), None)
    return (None, f"its Principal is unresolved: {unknown.reason}") if unknown else (False, "")


def _narrowed(conditions: Any) -> tuple[bool | None, str]:
    """Whether a condition of the block narrows who may call (see NARROWING_KEYS)."""
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
        quantifier, _, base = str(operator).rpartition(":")
        if base.endswith("IfExists") or base == "Null" or base.startswith(_NEGATED_PREFIXES):
            continue
        if quantifier == "ForAllValues":
            continue
        for key, expected in entries.items():
            if str(key).lower() not in _NARROWING:
                continue
            values = expected if isinstance(expected, (list, tuple)) else (expected,)
            missing = next((v for v in values if isinstance(v, Unresolved)), None)
            if missing is not None:
                unknown = unknown or f"its condition {operator} on {key} is unresolved: {missing.reason}"
            elif values and any(v != "*" for v in values):
                return True, ""
    return (None, unknown) if unknown else (False, "")


def _actions(statement: Statement) -> str:
    if statement.actions:
        return "to call " + ", ".join(str(a) for a in statement.actions)
    if statement.not_actions:
        return "to call every action but " + ", ".join(str(a) for a in statement.not_actions)
    return "to call its actions"
