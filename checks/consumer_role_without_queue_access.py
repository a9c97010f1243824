"""CW311: a Lambda function consuming a queue whose execution role may not receive, delete or read the attributes
of messages on that queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import may
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, lambda_consumers, noun, role_of
from crosswire.graph import Graph
from crosswire.iam import Answer, Decision
from crosswire.model import Kind

# what Lambda's poller calls on the queue with the function's role (AWSLambdaSQSQueueExecutionRole grants them)
ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")

META = CheckMeta(
    id="CW311",
    slug="consumer-role-without-queue-access",
    title="Lambda consumer's role may not receive, delete or read the attributes of its queue",
    severity=Severity.ERROR,
    kinds=(Kind.FUNCTION,),
    rationale=(
        "Lambda polls an SQS queue with the function's execution role, which must be allowed `sqs:ReceiveMessage`, "
        "`sqs:DeleteMessage` and `sqs:GetQueueAttributes` on that queue. Without them Lambda refuses the event "
        "source mapping and the deployment fails (\"The provided execution role does not have permissions to call "
        "ReceiveMessage on SQS\"); if a permission goes away later, the function stops receiving and the messages "
        "pile up. The role's own policies, SAM policy templates such as `SQSPollerPolicy`, AWS managed policies "
        "such as AWSLambdaSQSQueueExecutionRole (which SAM adds for an `SQS` event or an `SqsSubscription`) and a "
        "queue policy of the same account naming the role all count; an explicit Deny anywhere wins."
    ),
    fix_terraform=(
        "Attach `arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole` to the function's role "
        "(`aws_iam_role_policy_attachment`), or give the role a policy allowing `sqs:ReceiveMessage`, "
        "`sqs:DeleteMessage` and `sqs:GetQueueAttributes` on the queue's `arn`."
    ),
    fix_cloudformation=(
        "Add AWSLambdaSQSQueueExecutionRole to the role's `ManagedPolicyArns`, or a statement allowing "
        "`sqs:ReceiveMessage`, `sqs:DeleteMessage` and `sqs:GetQueueAttributes` on `!GetAtt Queue.Arn`; in SAM, "
        "`Policies: [SQSPollerPolicy: {QueueName: !GetAtt Queue.QueueName}]` grants them."
    ),
    references=(
        Reference(
            "Lambda Developer Guide: using Lambda with Amazon SQS (execution role permissions)",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
        ),
        Reference(
            "AWS Managed Policy Reference: AWSLambdaSQSQueueExecutionRole",
            "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaSQSQueueExecutionRole.html",
        ),
        Reference(
            "aws/aws-cdk#6770: the deployment fails when the role may not call ReceiveMessage",
            "https://github.com/aws/aws-cdk/issues/6770",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for pair in lambda_consumers(graph, META):
        if isinstance(pair, Skip):
            yield pair
            continue
        queue, function, mappings = pair
        role = role_of(graph, META, function)
        if isinstance(role, Skip):
            yield role
            continue
        answers = {action: may(graph, action, queue, role=role) for action in ACTIONS}
        refused = {action: answer for action, answer in answers.items() if answer.decision is Decision.NO}
        if not refused:
            unknown = next(((a, answer) for a, answer in answers.items() if answer.decision is Decision.UNKNOWN), None)
            if unknown is not None:
                action, answer = unknown
                where = f" ({answer.where})" if answer.where else ""
                yield Skip(
                    META, function, f"whether {noun(role)} may call {action} on {noun(queue)} is unknown: "
                    f"{answer.reason}{where}"
                )
            continue
        first = next(iter(refused)).split(":", 1)[1]
        yield Finding(
            META,
            function,
            f"{noun(function)} consumes {noun(queue)}, but its execution role ({noun(role)}) may not call "
            f"{_either(list(refused))} on the queue: {_because(refused)}; Lambda refuses the event source mapping "
            f"(\"The provided execution role does not have permissions to call {first} on SQS\") and the queue is "
            "never read",
            related=tuple(n for n in (queue, role) if n.address != function.address),
            via=tuple(mappings),
        )


def _because(refused: dict[str, Answer]) -> str:
    """Why the role may not: the Deny statements that decided, or the absence of any Allow."""
    reasons = [
        f"a Deny statement of the policy at {answer.where} covers {action}"
        for action, answer in refused.items()
        if answer.where
    ]
    unmentioned = len(refused) - len(reasons)
    if unmentioned:
        them = "them" if unmentioned > 1 else "it"
        reasons.append(f"no statement of the role's policies, or of a queue policy naming the role, allows {them}")
    return "; ".join(reasons)


def _either(actions: list[str]) -> str:
    return actions[0] if len(actions) == 1 else f"{', '.join(actions[:-1])} or {actions[-1]}"
