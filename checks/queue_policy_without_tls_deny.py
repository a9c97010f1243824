"""CW204: a queue with a queue policy that does not deny sending and receiving without TLS
(`aws:SecureTransport` false)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import arn_of
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, line_of, noun, policy_of
from crosswire.graph import Graph
from crosswire.iam import Decision, Principal, Request, evaluate
from crosswire.model import Kind, Queue, Statement

ACTIONS = ("sqs:SendMessage", "sqs:ReceiveMessage")
# a caller the policy cannot have named: only a Deny for every caller covers it
ANY_CALLER = Principal(arn="arn:aws:iam::000000000000:role/any-caller", account="000000000000")
# asked beside the queue's own statements, so that the evaluator's answer is "no" only where an explicit Deny wins
# and "unknown" only where a Deny may apply: whether anything allows the call is not this check's question
_ALLOW_EVERYTHING = Statement("Allow", "*", ("*",), ("*",), {})

META = CheckMeta(
    id="CW204",
    slug="queue-policy-without-tls-deny",
    title="Queue policy without a Deny for aws:SecureTransport false",
    severity=Severity.INFO,
    kinds=(Kind.QUEUE,),
    rationale=(
        "SQS accepts requests over plain HTTP unless the queue policy denies them: AWS recommends a Deny for every "
        "principal on the queue's actions with the condition `aws:SecureTransport` = false, so that messages "
        "are only ever sent and received over TLS. The check asks the policy evaluator whether sqs:SendMessage "
        "and sqs:ReceiveMessage by any caller without TLS meet an explicit Deny (`sqs:*` covers both). A queue "
        "with no policy at all is not flagged: it is reachable only through IAM policies of its own account."
    ),
    fix_terraform=(
        "Add to the queue's policy (`aws_sqs_queue_policy` or the queue's `policy`) a statement "
        '`{ Effect = "Deny", Principal = "*", Action = "sqs:*", Resource = aws_sqs_queue.NAME.arn, '
        'Condition = { Bool = { "aws:SecureTransport" = "false" } } }`.'
    ),
    fix_cloudformation=(
        "Add to the `AWS::SQS::QueuePolicy` document a statement `Effect: Deny`, `Principal: \"*\"`, "
        "`Action: sqs:*`, `Resource: !GetAtt NAME.Arn`, `Condition: { Bool: { aws:SecureTransport: \"false\" } }`."
    ),
    references=(
        Reference(
            "SQS Developer Guide: Amazon SQS security best practices (enforce encryption of data in transit)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html",
        ),
        Reference(
            "AWS Compute Blog: Well-Architected SQS, part 2",
            "https://aws.amazon.com/blogs/compute/implementing-aws-well-architected-best-practices-for-amazon-sqs-part-2/",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for queue in graph.of_kind(Queue):
        policies = graph.policies_of(queue)
        if not policies:
            continue
        unresolved = next((p for p in policies if not p.statements.resolved), None)
        if unresolved is not None:
            note = unresolved.statements.note
            yield Skip(META, queue, f"the policy of {noun(queue)} ({noun(unresolved)}) is unresolved: {note}")
            continue
        statements = [s for p in policies for s in p.statements.value or ()]
        uncovered = []
        unknown = ""
        for action in ACTIONS:
            request = Request(action, ANY_CALLER, arn_of(graph, queue).forms, {"aws:SecureTransport": False})
            answer = evaluate([*statements, _ALLOW_EVERYTHING], request, resource_policy=True)
            if answer.decision is Decision.UNKNOWN:
                unknown = unknown or f"{answer.reason} ({answer.where})"
            elif answer.decision is Decision.YES:
                uncovered.append(action)
        if uncovered:
            policy = policies[0]
            yield Finding(
                META,
                queue,
                f"{policy_of(policy, (queue,))} ({line_of(policy.statements.span)}) has no Deny for "
                f"aws:SecureTransport false covering {' and '.join(uncovered)}: the queue can be used over plain "
                "HTTP, its messages unencrypted in transit",
                related=tuple(p for p in policies if p.address != queue.address),
            )
        elif unknown:
            yield Skip(META, queue, f"whether the policy of {noun(queue)} denies calls without TLS: {unknown}")
