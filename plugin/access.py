"""Access questions in the domain's words, answered on the graph by the one policy evaluator (crosswire.iam):
may SNS send to this queue for this topic? may this role decrypt with this key?

Checks ask here and never match policies themselves. Each answer is yes, no or unknown, with the reason and the
statement that decided it (whose span reports quote).
"""

from __future__ import annotations

from typing import Any

from crosswire.graph import Graph
from crosswire.iam import ABSENT, Answer, Decision, Principal, Request, Same, evaluate
from crosswire.managed_policies import KNOWN, name_of
from crosswire.model import (
    BucketNotification,
    Function,
    Kind,
    Node,
    Permission,
    Ref,
    Role,
    RuleTarget,
    Statement,
    Unresolved,
    Value,
)
from crosswire.model import EdgeKind as E

# the attributes of a reference that give a resource's ARN, by kind (`!Ref Topic` is the topic's ARN; `!Ref Queue`
# is the queue's URL); Terraform writes them in lower case
_ARN_ATTRIBUTES: dict[Kind, tuple[str | None, ...]] = {
    Kind.QUEUE: ("Arn", "arn"),
    Kind.TOPIC: (None, "TopicArn", "arn", "id"),
    Kind.KEY: ("Arn", "arn"),
    Kind.FUNCTION: ("Arn", "arn"),
    Kind.ROLE: ("Arn", "arn"),
    Kind.ALARM: ("Arn", "arn"),
}
_ARN_SERVICE = {Kind.QUEUE: "sqs", Kind.TOPIC: "sns", Kind.FUNCTION: "lambda", Kind.ALARM: "cloudwatch"}
_ARN_NAME_PREFIX = {Kind.FUNCTION: "function:", Kind.ALARM: "alarm:"}
# the attributes of a reference that give a resource's name, by kind (`!Ref Function` is the function's name)
_NAME_ATTRIBUTES: dict[Kind, tuple[str | None, ...]] = {
    Kind.QUEUE: ("QueueName", "name"),
    Kind.TOPIC: ("TopicName", "name"),
    Kind.FUNCTION: (None, "function_name"),
    Kind.ALARM: (None, "alarm_name", "id"),
}
EVENTBRIDGE = RuleTarget.service_principal
ACCOUNT = "${AWS::AccountId}"  # resources of one template or module live in one account
# a KMS key created without a key policy gets the default key policy: the account root may do everything, which
# lets the account's IAM policies decide (AWS KMS Developer Guide, "Default key policy")
DEFAULT_KEY_POLICY = (
    Statement("Allow", {"AWS": (f"arn:${{AWS::Partition}}:iam::{ACCOUNT}:root",)}, ("kms:*",), ("*",), {}),
)


def arn_of(graph: Graph, node: Node) -> Same:
    """Every spelling of `node`'s ARN the loaders may have written: references to it, and its ARN text when its
    name is known."""
    ids = graph.ids_of(node)
    forms: list[Any] = [Ref(i, a) for i in ids for a in _ARN_ATTRIBUTES.get(node.kind, ())]
    service = _ARN_SERVICE.get(node.kind)
    if service is None:
        return Same(tuple(forms))
    # its name as a reference written inside a string (`${Queue.QueueName}`), and as text when it is known
    names = ["${" + i + (f".{a}" if a else "") + "}" for i in ids for a in _NAME_ATTRIBUTES[node.kind]]
    name: Value = getattr(node, "name")  # noqa: B009 - every kind with a service has a name
    if name.resolved and isinstance(name.value, str):
        names.append(name.value)
    prefix = _ARN_NAME_PREFIX.get(node.kind, "")
    forms += [f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:{ACCOUNT}:{prefix}{n}" for n in names]
    return Same(tuple(forms))


def source_arn(graph: Graph, source: Node) -> Any:
    """The `aws:SourceArn` of what a service delivers for: a topic or an alarm, or the bucket of an S3 notification,
    or the rule of an EventBridge target."""
    if isinstance(source, BucketNotification):
        return _written_arn(source.bucket, "arn:${AWS::Partition}:s3:::NAME")
    if isinstance(source, RuleTarget):
        return _written_arn(source.rule, "arn:${AWS::Partition}:events:${AWS::Region}:" + ACCOUNT + ":rule/NAME")
    return arn_of(graph, source)


def _written_arn(value: Value, pattern: str) -> Any:
    """An ARN from a written reference to a resource the graph does not hold as a node (a bucket, a rule); `NAME`
    in `pattern` stands for its name."""
    if not value.resolved:
        return Unresolved(value.note)
    raw = value.value
    if isinstance(raw, Ref):
        return Same((Ref(raw.target, "Arn"), Ref(raw.target, "arn"), pattern.replace("NAME", "${" + raw.target + "}")))
    if isinstance(raw, str):
        return raw if raw.startswith("arn:") else Same((pattern.replace("NAME", raw),))
    return Unresolved("the source of the delivery cannot be read")


def may(
    graph: Graph,
    action: str,
    resource: Node,
    *,
    service: str | None = None,
    role: Role | None = None,
    source: Node | None = None,
) -> Answer:
    """May `service` (delivering for `source`) or `role` call `action` on `resource`?

    A service is judged by the resource's policies alone. A role of the same account is allowed by its own
    policies or by a resource policy that names it; a KMS key's policy must allow it too, directly or by granting
    the account (AWS KMS key policies are the only way into a key). An explicit Deny anywhere wins."""
    context: dict[str, Any] = {"aws:SecureTransport": True}  # AWS services and SDKs call over TLS
    # a service acting for a resource names it; a role calling on its own carries neither key, and neither do
    # EventBridge's calls to KMS (SPEC §5: a key policy cannot narrow EventBridge by them)
    context["aws:SourceArn"] = context["aws:SourceAccount"] = ABSENT
    if source is not None and not (resource.kind is Kind.KEY and service == EVENTBRIDGE):
        context["aws:SourceArn"] = source_arn(graph, source)
        context["aws:SourceAccount"] = ACCOUNT
    principal = None
    if service is not None:
        principal = Principal(service=service)
    elif role is not None:
        principal = Principal(arn=arn_of(graph, role), account=ACCOUNT)
        # what every request of an IAM principal carries (IAM: global condition context keys)
        context["aws:PrincipalArn"] = principal.arn
        context["aws:PrincipalAccount"] = ACCOUNT
    request = Request(action, principal, (*arn_of(graph, resource).forms,), context)
    policies = graph.policies_of(resource)
    resource_statements: list[Statement] | Answer = _statements(policies)
    if isinstance(resource_statements, Answer):
        return resource_statements
    if resource.kind is Kind.KEY and not policies:
        resource_statements = list(DEFAULT_KEY_POLICY)
    if isinstance(resource, Function):
        permissions = [p for p in graph.sources(resource, E.PERMITS) if isinstance(p, Permission)]
        resource_statements += [permission_statement(p) for p in permissions]
    granted = evaluate(resource_statements, request, resource_policy=True)
    denied = granted.decision is Decision.NO and granted.statement is not None  # an explicit Deny
    if service is not None or role is None or denied:
        return granted
    own = identity(graph, role, request)
    if own.decision is Decision.NO and own.statement is not None:
        return own  # an explicit Deny in the role's policies
    if resource.kind is Kind.KEY:
        if granted.decision is not Decision.YES:
            return granted
        return own if granted.delegated else granted
    if granted.decision is Decision.YES and not granted.delegated:
        return granted
    if own.decision is Decision.YES:
        return own
    return granted if granted.decision is Decision.UNKNOWN else own


def permission_statement(permission: Permission) -> Statement:
    """A Lambda permission as the statement Lambda adds to the function's policy (AddPermission): its principal
    (a service, or an account), its action, and SourceArn / SourceAccount as conditions."""
    parts: dict[str, Value] = {
        "principal": permission.principal,
        "action": permission.action,
        "source_arn": permission.source_arn,
        "source_account": permission.source_account,
    }
    raw = {name: value.value if value.resolved else Unresolved(value.note) for name, value in parts.items()}
    principal = raw["principal"]
    if isinstance(principal, str) and principal != "*":
        principal = {"Service" if principal.endswith(".amazonaws.com") else "AWS": (principal,)}
    conditions: Any = {}
    for operator, key, value in (
        ("ArnLike", "aws:SourceArn", raw["source_arn"]),
        ("StringEquals", "aws:SourceAccount", raw["source_account"]),
    ):
        if value is not None:
            conditions.setdefault(operator, {})[key] = value
    span = permission.declared_span
    return Statement("Allow", principal, (raw["action"],), ("*",), conditions, span=span)


def identity(graph: Graph, role: Role, request: Request) -> Answer:
    """What the role's own policies (inline, attached, AWS managed) say about `request`."""
    found = _statements(graph.policies_of(role))
    if isinstance(found, Answer):
        return found
    statements = list(found)
    arns = role.managed_policy_arns
    if not arns.resolved:
        return Answer(Decision.UNKNOWN, f"the managed policies of {role.address} are unresolved: {arns.note}")
    for arn in arns.value or ():
        name = name_of(arn) if isinstance(arn, str) else None
        if name in KNOWN:
            statements.extend(KNOWN[name])
        else:
            why = Unresolved(f"managed policy {arn if isinstance(arn, str) else 'of ' + role.address} is not known")
            statements.append(Statement("Allow", None, (why,), ("*",), {}))
    own_request = Request(request.action, None, request.resource, request.context)
    return evaluate(statements, own_request, resource_policy=False)


def _statements(policies: list[Any]) -> list[Statement] | Answer:
    statements: list[Statement] = []
    for policy in policies:
        value: Value = policy.statements
        if not value.resolved:
            return Answer(Decision.UNKNOWN, f"the policy {policy.address} is unresolved: {value.note}")
        statements.extend(value.value or ())
    return statements
