"""CW104: a Lambda function consuming a queue encrypted with a customer managed KMS key, whose role (or the key's
policy) does not let it call `kms:Decrypt` on that key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import may
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, lambda_consumers, noun, role_of
from crosswire.graph import Graph
from crosswire.iam import Answer, Decision
from crosswire.model import EdgeKind, Key, Kind, Role

META = CheckMeta(
    id="CW104",
    slug="consumer-role-cannot-decrypt-queue-key",
    title="Lambda consumer of a CMK-encrypted queue may not decrypt with the queue's key",
    severity=Severity.ERROR,
    kinds=(Kind.FUNCTION,),
    rationale=(
        "SQS decrypts each message it hands to Lambda with the queue's KMS key, as the function's execution role: "
        "the role needs `kms:Decrypt` on a customer managed key, and the key policy must allow it too, either by "
        "naming the role or by granting the account (the default key policy), which leaves it to the role's own "
        "policies. Without it Lambda cannot receive from the queue (KMS access denied): the function never runs and "
        "the messages stay in the queue until they expire. The AWS managed key `alias/aws/sqs` is not judged here: "
        "its key policy lets the account's principals use it through SQS."
    ),
    fix_terraform=(
        "Allow `kms:Decrypt` on the key's `arn` in a policy of the function's role, and keep a key policy that grants "
        "the account (`arn:aws:iam::ACCOUNT:root`) or names the role for `kms:Decrypt`."
    ),
    fix_cloudformation=(
        "Allow `kms:Decrypt` on `!GetAtt Key.Arn` in a policy of the function's role (in SAM, "
        "`KMSDecryptPolicy: {KeyId: !Ref Key}`), and keep a `KeyPolicy` that grants the account root or names the "
        "role for `kms:Decrypt`."
    ),
    references=(
        Reference(
            "SQS Developer Guide: configuring a queue to trigger a Lambda function (permissions for encrypted queues)",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-lambda-function-trigger.html",
        ),
        Reference(
            "Lambda Developer Guide: using Lambda with Amazon SQS (execution role permissions)",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html",
        ),
        Reference(
            "AWS KMS Developer Guide: default key policy",
            "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for pair in lambda_consumers(graph, META):
        if isinstance(pair, Skip):
            yield pair
            continue
        queue, function, mappings = pair
        if not queue.kms_key.resolved:
            yield Skip(META, function, f"KMS key of {noun(queue)} is unresolved: {queue.kms_key.note}")
            continue
        key = graph.key_of(queue)
        if key is None:
            reason = graph.why_unlinked(queue, EdgeKind.ENCRYPTED_BY)
            if reason:
                yield Skip(META, function, f"KMS key of {noun(queue)} is unresolved: {reason}")
            continue
        if key.aws_managed:
            continue
        role = role_of(graph, META, function)
        if isinstance(role, Skip):
            yield role
            continue
        # SQS decrypts the messages it hands to Lambda with the role's credentials: the call comes through SQS
        answer = may(graph, "kms:Decrypt", key, role=role, via="sqs")
        if answer.decision is Decision.YES:
            continue
        if answer.decision is Decision.UNKNOWN:
            where = f" ({answer.where})" if answer.where else ""
            yield Skip(
                META,
                function,
                f"whether {noun(role)} may call kms:Decrypt on {noun(key)} is unknown: {answer.reason}{where}",
            )
            continue
        yield Finding(
            META,
            function,
            f"{noun(function)} consumes {noun(queue)}, encrypted with {noun(key)}, but its execution role "
            f"({noun(role)}) may not call kms:Decrypt on that key: {_because(graph, answer, key, role)}; Lambda "
            "cannot receive from the queue (KMS access denied), so the function never runs and the messages expire "
            "in the queue",
            related=tuple(n for n in (queue, key, role) if n.address != function.address),
            via=tuple(mappings),
        )


def _because(graph: Graph, answer: Answer, key: Key, role: Role) -> str:
    """Which policy refuses: a Deny that decided, the role's policies under a key policy that grants the account,
    or the key policy itself."""
    if answer.statement is not None:
        return f"a Deny statement of the policy at {answer.where} covers it"
    if answer.delegated:
        return f"the key policy leaves it to the account's IAM policies, and no policy of {noun(role)} allows it"
    # the key policy as written (a key without one has the default policy, which grants the account)
    spans = [p.statements.span or p.span for p in graph.policies_of(key)]
    at = f" ({spans[0].file}:{spans[0].line})" if spans else ""
    return f"the key policy{at} grants kms:Decrypt neither to the role nor to the account"
