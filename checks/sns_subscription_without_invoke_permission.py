"""CW206: an SNS topic subscribes a Lambda function, but no Lambda permission lets `sns.amazonaws.com` invoke the
function for that topic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.access import may
from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Graph
from crosswire.iam import Decision
from crosswire.model import EdgeKind, Function, Kind, Permission, Subscription, Topic

SNS = Subscription.service_principal

META = CheckMeta(
    id="CW206",
    slug="sns-subscription-without-invoke-permission",
    title="SNS topic subscribes a Lambda function that no permission lets SNS invoke",
    severity=Severity.ERROR,
    kinds=(Kind.FUNCTION,),
    rationale=(
        "SNS invokes a subscribed Lambda function only if the function's resource policy lets `sns.amazonaws.com` "
        "call `lambda:InvokeFunction` for that topic (an `AWS::Lambda::Permission` / `aws_lambda_permission`, whose "
        "`SourceArn` must be the topic when it is set). The subscription is created all the same, but every "
        "delivery is refused: once SNS's retries are spent, the messages are dropped (or go to the subscription's "
        "dead-letter queue) and the function never runs. SAM's `Events: Type: SNS` creates the permission; a topic's "
        "inline `Subscription` or a separate subscription resource does not."
    ),
    fix_terraform=(
        'Add an `aws_lambda_permission` with `action = "lambda:InvokeFunction"`, `principal = "sns.amazonaws.com"`, '
        "the function as `function_name` and `source_arn` = the topic's `arn`."
    ),
    fix_cloudformation=(
        "Add an `AWS::Lambda::Permission` with `Action: lambda:InvokeFunction`, `Principal: sns.amazonaws.com`, "
        "`FunctionName: !GetAtt Function.Arn` and `SourceArn: !Ref Topic` (or subscribe with SAM's "
        "`Events: Type: SNS`, which creates it)."
    ),
    references=(
        Reference(
            "Lambda Developer Guide: invoking Lambda functions with Amazon SNS notifications",
            "https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html",
        ),
        Reference(
            "SNS Developer Guide: fanout to Lambda functions",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html",
        ),
        Reference(
            "AWS SAM: SNS event source (creates the Lambda permission)",
            "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-sns.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for subscription, reason in graph.unlinked(Subscription, EdgeKind.DELIVERS_TO):
        protocol = subscription.protocol
        if not protocol.resolved or str(protocol.value).lower() == "lambda":
            yield Skip(META, subscription, f"endpoint of {noun(subscription)} is unresolved: {reason}")
    # a permission for SNS whose function cannot be followed may be the one that lets SNS in
    unknown_permissions = [
        (permission, reason)
        for permission, reason in graph.unlinked(Permission, EdgeKind.PERMITS)
        if not permission.principal.resolved or permission.principal.value in (SNS, "*")
    ]
    for function in graph.of_kind(Function):
        by_topic: dict[str, tuple[Topic, list[Subscription]]] = {}
        for subscription in graph.sources(function, EdgeKind.DELIVERS_TO):
            if not isinstance(subscription, Subscription):
                continue
            topic = graph.topic_of(subscription)
            if topic is None:
                reason = graph.why_unlinked(subscription, EdgeKind.SUBSCRIBES_TO) or "it names no topic"
                yield Skip(META, function, f"topic of {noun(subscription)} is unresolved: {reason}")
                continue
            by_topic.setdefault(topic.uid, (topic, []))[1].append(subscription)
        for topic, subscriptions in by_topic.values():
            answer = may(graph, "lambda:InvokeFunction", function, service=SNS, source=topic)
            if answer.decision is Decision.YES:
                continue
            if answer.decision is Decision.UNKNOWN:
                where = f" ({answer.where})" if answer.where else ""
                yield Skip(
                    META,
                    function,
                    f"whether {SNS} may invoke {noun(function)} for {noun(topic)} is unknown: {answer.reason}{where}",
                )
                continue
            if unknown_permissions:
                permission, reason = unknown_permissions[0]
                yield Skip(
                    META,
                    function,
                    f"{noun(permission)} may let {SNS} invoke {noun(function)}, but its function is unresolved: "
                    f"{reason}",
                )
                continue
            yield Finding(
                META,
                function,
                f"{noun(topic)} subscribes {noun(function)}, but {_because(graph, function)}: SNS's "
                "deliveries are refused and, once its retries are spent, the messages are dropped",
                related=(topic,),
                via=tuple(subscriptions),
            )


def _because(graph: Graph, function: Function) -> str:
    """Why SNS may not (a function's policy is its permissions, which only allow): there is no permission for SNS,
    or those there are name another source."""
    spans = sorted(
        f"{p.declared_span.file}:{p.declared_span.line}"
        for p in graph.sources(function, EdgeKind.PERMITS)
        if isinstance(p, Permission) and p.principal.value == SNS
    )
    if spans:
        return f"its permissions for {SNS} ({', '.join(spans)}) are for another source"
    return f"no permission lets {SNS} invoke it"
