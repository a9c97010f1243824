"""CW207: a dead-letter queue whose redrive allow policy excludes a queue that names it as its dead-letter queue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import arn_of
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Graph
from crosswire.iam import names_resource
from crosswire.model import EdgeKind, Kind, Queue, Unresolved, Value

META = CheckMeta(
    id="CW207",
    slug="redrive-allow-policy-excludes-source-queue",
    title="Dead-letter queue whose redrive allow policy excludes the queue that dead-letters to it",
    severity=Severity.ERROR,
    kinds=(Kind.QUEUE,),
    rationale=(
        "A queue's redrive allow policy says which source queues may name it as their dead-letter queue: "
        "`allowAll` (the default), `denyAll`, or `byQueue` with up to ten `sourceQueueArns`. A source queue it "
        "excludes cannot specify it as its dead-letter queue (SQS API Reference, RedriveAllowPolicy): SQS refuses "
        "that queue's redrive policy, so the failed messages of the source queue have no dead-letter queue to go to."
    ),
    fix_terraform=(
        "Add the source queue's `arn` to `sourceQueueArns` in the dead-letter queue's `redrive_allow_policy` (or "
        "its `aws_sqs_queue_redrive_allow_policy`), or set `redrivePermission` to `allowAll`."
    ),
    fix_cloudformation=(
        "Add `!GetAtt SourceQueue.Arn` to `sourceQueueArns` in the dead-letter queue's `RedriveAllowPolicy`, or set "
        "`redrivePermission` to `allowAll`."
    ),
    references=(
        Reference(
            "SQS Developer Guide: using dead-letter queues",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
        ),
        Reference(
            "SQS API Reference: SetQueueAttributes, RedriveAllowPolicy",
            "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for source in graph.of_kind(Queue):
        dlq = graph.dlq_of(source)
        if dlq is None:
            reason = graph.why_unlinked(source, EdgeKind.DEAD_LETTERS_TO)
            if reason:
                yield Skip(META, source, f"dead-letter queue of {noun(source)} is unresolved: {reason}")
            continue
        verdict = _excludes(graph, dlq.redrive_allow_policy, source)
        if isinstance(verdict, Unresolved):
            yield Skip(META, dlq, f"whether {noun(dlq)} lets {noun(source)} use it is unknown: {verdict.reason}")
        elif verdict:
            policy = dlq.redrive_allow_policy
            where = f" ({policy.span.file}:{policy.span.line})" if policy.span else ""
            yield Finding(
                META,
                dlq,
                f"{noun(source)} dead-letters to {noun(dlq)}, but the redrive allow policy of {noun(dlq)}{where} "
                f"{verdict}: SQS refuses the redrive policy of {noun(source)}, whose failed messages then have no "
                "dead-letter queue",
                related=(source,),
            )


def _excludes(graph: Graph, policy: Value, source: Queue) -> str | Unresolved:
    """How the redrive allow policy excludes `source` ("" when it does not), or why that cannot be known."""
    if not policy.resolved:
        return Unresolved(f"its redrive allow policy is unresolved: {policy.note}")
    if policy.value is None:
        return ""  # no policy: allowAll, AWS's default
    permission = policy.value.get("redrivePermission")
    if isinstance(permission, Unresolved):
        return Unresolved(f"its redrivePermission is unresolved: {permission.reason}")
    if permission == "allowAll":
        return ""
    if permission == "denyAll":
        return "is denyAll"
    if permission != "byQueue" or "sourceQueueArns" not in policy.value:
        # SQS documents allowAll, denyAll, and byQueue with sourceQueueArns; what it makes of anything else is not
        return Unresolved(f"its redrive allow policy has redrivePermission {permission!r} with no sourceQueueArns")
    arns = policy.value["sourceQueueArns"]
    patterns = tuple(arns) if isinstance(arns, (list, tuple)) else (arns,)
    identities = arn_of(graph, source).forms
    matches = [names_resource(pattern, identities) for pattern in patterns]
    if any(matches):
        return ""
    if None in matches:
        unknown = next(p for p, matched in zip(patterns, matches, strict=True) if matched is None)
        shown = unknown.reason if isinstance(unknown, Unresolved) else f"{_shown(unknown)} cannot be compared with it"
        return Unresolved(f"sourceQueueArns: {shown}")
    return f"allows only {', '.join(_shown(p) for p in patterns) or 'no source queue'} (byQueue)"


def _shown(pattern: Any) -> str:
    target = getattr(pattern, "target", None)
    return f"queue {target}" if target else str(pattern)
