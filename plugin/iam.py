"""IAM policy evaluation for wiring questions: may this principal call this action on this resource, in this context?

Answers yes, no or unknown, with the reason and the statement that decided, following AWS's documented logic:
an explicit Deny wins, then an Allow, else the implicit deny. Whatever the loaders could not resolve (a value, a
condition key the question does not know) makes a statement "unknown", never "yes".

No library was taken: policyuniverse parses statements and lists principals and conditions, parliament lints
policy text and policy_sentry writes policies; none evaluates a request against statements with unknowns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from crosswire.model import Span, Statement, Unresolved

Tri = bool | None  # True, False, or None for "cannot be known"


class Decision(str, Enum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class _Absent:
    """A condition key the request is known not to carry (as opposed to one the question did not mention)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class _AccountGrant:
    """A principal matched only through its account (`123456789012`, `arn:aws:iam::123456789012:root`)."""

    def __bool__(self) -> bool:
        return True


ACCOUNT_GRANT: Any = _AccountGrant()


@dataclass(frozen=True)
class Same:
    """One thing with several spellings (a topic's ARN as `!Ref Topic`, `!GetAtt Topic.TopicArn` or text): a
    pattern matches it when it matches any spelling."""

    forms: tuple[Any, ...]


@dataclass(frozen=True)
class Principal:
    """Who asks: a service (`sns.amazonaws.com`) or an IAM principal by ARN, with its account."""

    service: str | None = None
    arn: Any = None  # text, or something that stands for it (a Ref); None when unknown
    account: Any = None  # text such as "123456789012" or "${AWS::AccountId}"; None when unknown


@dataclass(frozen=True)
class Request:
    """One call. `resource` lists everything that stands for the resource: its ARN text when known, and the
    references the loaders use for it; an empty tuple means the resource is unknown. `context` holds the condition
    keys (any case) with a value, a list of values, ABSENT, or an Unresolved value."""

    action: str
    principal: Principal | None = None  # None: the holder of an identity policy
    resource: tuple[Any, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    decision: Decision
    reason: str
    statement: Statement | None = None  # the statement that decided (or made it unknown)
    # yes only as far as these policies go: they grant the caller's account, so its IAM policies decide (a key
    # policy's grant to the account root is not a grant to the role, and never one to a service)
    delegated: bool = False

    @property
    def where(self) -> str:
        span = self.statement.span if self.statement is not None else None
        return f"{span.file}:{span.line}" if isinstance(span, Span) else ""


def evaluate(statements: Iterable[Statement], request: Request, *, resource_policy: bool) -> Answer:
    """The decision of one or more policies of one kind (resource policies, or a principal's identity policies)."""
    denied: list[tuple[Statement, str]] = []
    maybe_denied: list[tuple[Statement, str]] = []
    allowed: list[Statement] = []
    delegating: list[Statement] = []
    maybe_allowed: list[tuple[Statement, str]] = []
    for statement in statements:
        applies, why = _applies(statement, request, resource_policy)
        if applies is False:
            continue
        if statement.effect not in ("Allow", "Deny"):
            effect = f"Effect {statement.effect!r}" if statement.effect else "no Effect"
            # AWS rejects such a policy: what it was meant to allow or deny cannot be known
            maybe_denied.append((statement, f"a statement has {effect}, neither Allow nor Deny"))
            maybe_allowed.append(maybe_denied[-1])
        elif statement.effect == "Deny":
            (denied if applies else maybe_denied).append((statement, why))
        elif applies is ACCOUNT_GRANT:
            delegating.append(statement)
        elif applies:
            allowed.append(statement)
        else:
            maybe_allowed.append((statement, why))
    what = f"{request.action} on {_shown(request.resource)}"
    if denied:
        statement, _ = denied[0]
        return Answer(Decision.NO, f"a Deny statement covers {what}", statement)
    if allowed and not maybe_denied:
        return Answer(Decision.YES, f"a statement allows {what}", allowed[0])
    if delegating and not maybe_denied:
        reason = f"a statement grants {what} to the caller's account, whose IAM policies decide"
        return Answer(Decision.YES, reason, delegating[0], delegated=True)
    if maybe_denied and not (allowed or delegating or maybe_allowed):
        return Answer(Decision.NO, f"no statement allows {what}")
    if maybe_denied:
        statement, why = maybe_denied[0]
        return Answer(Decision.UNKNOWN, f"a Deny statement may cover {what}: {why}", statement)
    if maybe_allowed:
        statement, why = maybe_allowed[0]
        return Answer(Decision.UNKNOWN, f"a statement may allow {what}: {why}", statement)
    return Answer(Decision.NO, f"no statement allows {what}")


# -- does one statement apply to the request ------------------------------------------------------------------
def _applies(statement: Statement, request: Request, resource_policy: bool) -> tuple[Tri, str]:
    """Whether every element of the statement matches the request (ACCOUNT_GRANT when its principal matched only
    through the caller's account); when unknown, the first reason why."""
    parts: list[tuple[Tri, str]] = []
    if resource_policy:
        if statement.principals is not None:
            parts.append(_principal(statement.principals, request.principal, "Principal"))
        if statement.not_principals is not None:
            matched, why = _principal(statement.not_principals, request.principal, "NotPrincipal")
            parts.append((_not(matched), why))
        if statement.principals is None and statement.not_principals is None:
            parts.append((None, "the statement names no Principal"))
    parts.append(
        _element(statement.actions, statement.not_actions, lambda p: _action(p, request.action), "Action", True)
    )
    # a resource policy's statements may leave Resource out (the policy's own resource); an identity policy's not
    parts.append(
        _element(
            statement.resources,
            statement.not_resources,
            lambda p: _resource(p, request.resource),
            "Resource",
            not resource_policy,
        )
    )
    parts.append(_conditions(statement.conditions, request.context))
    if any(matched is False for matched, _ in parts):
        return False, ""
    unknown = [why for matched, why in parts if matched is None]
    if unknown:
        return None, unknown[0]
    return (ACCOUNT_GRANT if any(matched is ACCOUNT_GRANT for matched, _ in parts) else True), ""


def _element(
    patterns: tuple[Any, ...], not_patterns: tuple[Any, ...], match: Any, name: str, required: bool
) -> tuple[Tri, str]:
    """`Action`/`NotAction` or `Resource`/`NotResource`: whether the request matches the one the statement has."""
    if patterns:
        return _any(patterns, match, name)
    if not_patterns:
        matched, why = _any(not_patterns, match, f"Not{name}")
        return _not(matched), why
    return (None, f"the statement has no {name}") if required else (True, "")


def _not(value: Tri) -> Tri:
    return None if value is None else not value


def _any(patterns: Iterable[Any], match: Any, element: str) -> tuple[Tri, str]:
    unknown = ""
    for pattern in patterns:
        matched = match(pattern)
        if matched:
            return True, ""
        if matched is None and not unknown:
            unknown = (
                f"{element} is unresolved: {pattern.reason}"
                if isinstance(pattern, Unresolved)
                else f"{element} {_shown((pattern,))} cannot be compared"
            )
    return (None, unknown) if unknown else (False, "")


def _principal(principals: Any, who: Principal | None, element: str) -> tuple[Tri, str]:
    if principals == "*":
        return True, ""
    if isinstance(principals, Unresolved):
        return None, f"{element} is unresolved: {principals.reason}"
    if who is None or not isinstance(principals, Mapping):
        return None, f"{element} cannot be compared"
    unknown = ""
    through_account = False
    for kind, values in principals.items():
        for value in values if isinstance(values, (list, tuple)) else (values,):
            matched = _one_principal(str(kind), value, who)
            if matched is True:
                return True, ""
            through_account = through_account or matched is ACCOUNT_GRANT
            if matched is None and not unknown and isinstance(value, Unresolved):
                unknown = f"{element} {kind} is unresolved: {value.reason}"
            elif matched is None and not unknown:
                unknown = f"{element} {kind} {_shown((value,))} cannot be compared with the caller"
    if through_account:
        return ACCOUNT_GRANT, ""
    return (None, unknown) if unknown else (False, "")


_ACCOUNT = re.compile(r"^(\d{12}|\$\{AWS::AccountId\})$")
_ROOT = re.compile(r"^arn:(?:[^:$]+|\$\{AWS::Partition\}):iam::(\d{12}|\$\{AWS::AccountId\}):root$")


def _one_principal(kind: str, value: Any, who: Principal) -> Tri:
    if isinstance(value, Unresolved):
        return None
    if kind == "AWS" and value == "*":
        return True
    if kind == "Service":
        return isinstance(value, str) and who.service is not None and value.lower() == who.service.lower()
    if kind != "AWS" or who.service is not None:
        return False  # a service principal is only ever named as a Service (or by "*")
    if isinstance(value, str):
        account = _ACCOUNT.match(value) or _ROOT.match(value)
        if account:
            # the account (or its root) delegates to the IAM policies of that account's principals
            matched = _equal(account.group(1), who.account if who.account is not None else _account_of(who.arn))
            return ACCOUNT_GRANT if matched else matched
        return _any_spelling(_equal(value, arn) for arn in _spellings(who.arn))
    if isinstance(who.arn, Same):
        return _is_spelling(value, who.arn)
    return _same_reference(value, who.arn)


def _is_spelling(reference: Any, same: Same) -> bool:
    """A reference names the thing `same` stands for exactly when it is one of its spellings: `same` lists them
    all, so any other reference names something else."""
    return reference in same.forms


def _spellings(value: Any) -> tuple[Any, ...]:
    return value.forms if isinstance(value, Same) else (value,)


def _same_reference(pattern: Any, value: Any) -> Tri:
    if value is None or isinstance(value, str):
        return None  # a reference against text (or nothing): only known after deploy
    return pattern == value


def _account_of(arn: Any) -> Any:
    for spelling in _spellings(arn):
        if isinstance(spelling, str) and spelling.startswith("arn:"):
            parts = _arn_segments(spelling)
            if parts is not None and parts[4]:
                return parts[4]
    return None


def _action(pattern: Any, action: str) -> Tri:
    if not isinstance(pattern, str):
        return None
    return _glob(pattern.lower()).fullmatch(action.lower()) is not None


def _resource(pattern: Any, identities: tuple[Any, ...]) -> Tri:
    if pattern == "*":
        return True
    if isinstance(pattern, Unresolved) or not identities:
        return None
    texts = [i for i in identities if isinstance(i, str)]
    if not isinstance(pattern, str):
        if pattern in identities:
            return True
        return False if any(type(i) is type(pattern) for i in identities) else None
    results = [_arn_like(pattern, text) for text in texts]
    if any(results):
        return True
    return None if None in results or not texts else False


# -- conditions ---------------------------------------------------------------------------------------------------
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}


def _conditions(block: Any, context: Mapping[str, Any]) -> tuple[Tri, str]:
    if not block:
        return True, ""
    if isinstance(block, Unresolved):
        return None, f"its Condition is unresolved: {block.reason}"
    if not isinstance(block, Mapping):
        return None, "its Condition is not a map of operators"
    keys = {str(k).lower(): v for k, v in context.items()}
    unknown = ""
    for operator, entries in block.items():
        if not isinstance(entries, Mapping):
            return None, f"condition {operator} is not a map of keys"
        for key, expected in entries.items():
            matched = _condition(str(operator), str(key), expected, keys)
            if matched is False:
                return False, ""
            if matched is None and not unknown:
                unknown = f"its condition {operator} on {key} cannot be decided"
                if str(key).lower() not in keys:
                    unknown += f" (the value of {key} is not known here)"
    return (None, unknown) if unknown else (True, "")


def _condition(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> Tri:
    """One operator on one key, with the IfExists, ForAnyValue and ForAllValues forms (AWS IAM User Guide,
    "IAM JSON policy elements: Condition operators" and "Multivalued context keys")."""
    quantifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    wanted = tuple(expected) if isinstance(expected, (list, tuple)) else (expected,)
    if key.lower() not in context:
        return None
    actual = context[key.lower()]
    if isinstance(actual, Unresolved):
        return None
    if base == "Null":
        if len(wanted) != 1 or _boolean(wanted[0]) is None:
            return None
        return (actual is ABSENT) == _boolean(wanted[0])
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    if actual is ABSENT:
        # a missing key matches nothing: a negated operator is then true, as is IfExists and ForAllValues
        return if_exists or quantifier == "ForAllValues" or (negated and quantifier != "ForAnyValue")
    values = tuple(actual) if isinstance(actual, (list, tuple)) else (actual,)

    def one(value: Any) -> Tri:
        matched = _or(_compare(positive, pattern, value) for pattern in wanted)
        return _not(matched) if negated else matched

    if quantifier == "ForAnyValue":
        return _or(one(v) for v in values)
    if quantifier == "ForAllValues":
        return _and(one(v) for v in values)
    if quantifier or len(values) != 1:
        return None  # an unknown set operator, or several values on a single-valued operator
    return one(values[0])


def _or(results: Iterable[Tri]) -> Tri:
    seen_unknown = False
    for result in results:
        if result:
            return True
        seen_unknown = seen_unknown or result is None
    return None if seen_unknown else False


def _any_spelling(results: Iterable[Tri]) -> Tri:
    """Whether a pattern matches one thing, from its matches against that thing's spellings: every spelling stands
    for the same value, so the first that decides, decides (a topic's ARN text with its known name says "no" where
    `!Ref Topic` cannot be compared with text)."""
    decided = [r for r in results if r is not None]
    return None if not decided else any(decided)


def _and(results: Iterable[Tri]) -> Tri:
    seen_unknown = False
    for result in results:
        if result is False:
            return False
        seen_unknown = seen_unknown or result is None
    return None if seen_unknown else True


def _compare(operator: str, pattern: Any, value: Any) -> Tri:
    if isinstance(value, Same):
        if isinstance(pattern, Same) or not isinstance(pattern, (str, Unresolved, type(None))):
            return _is_spelling(pattern, value)
        return _any_spelling(_compare(operator, pattern, form) for form in value.forms)
    if isinstance(pattern, Unresolved) or isinstance(value, Unresolved):
        return None
    if operator == "StringEquals":
        return _equal(pattern, value)
    if operator == "StringEqualsIgnoreCase":
        return _equal(pattern, value, case=False)
    if operator == "StringLike":
        return _like(pattern, value)
    if operator in ("ArnEquals", "ArnLike"):
        if isinstance(pattern, str) and isinstance(value, str):
            return _arn_like(pattern, value)
        return _equal(pattern, value)
    if operator == "Bool":
        wanted, actual = _boolean(pattern), _boolean(value)
        return None if wanted is None or actual is None else wanted == actual
    if operator.startswith("Numeric"):
        return _numeric(operator, pattern, value)
    return None  # Date*, IpAddress, Binary*: not asked by any wiring question


def _numeric(operator: str, pattern: Any, value: Any) -> Tri:
    try:
        wanted, actual = float(pattern), float(value)
    except (TypeError, ValueError):
        return None
    tests = {
        "NumericEquals": actual == wanted,
        "NumericLessThan": actual < wanted,
        "NumericLessThanEquals": actual <= wanted,
        "NumericGreaterThan": actual > wanted,
        "NumericGreaterThanEquals": actual >= wanted,
    }
    return tests.get(operator)


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


# -- text with wildcards and unresolved parts ------------------------------------------------------------------
_TOKEN = re.compile(r"\$\{[^}]*\}")


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def _equal(pattern: Any, value: Any, case: bool = True) -> Tri:
    if not isinstance(pattern, str) or not isinstance(value, str):
        if isinstance(pattern, str) or isinstance(value, str):
            return None  # text against a reference: only known after deploy
        return None if pattern is None or value is None else pattern == value
    if not case:
        pattern, value = pattern.lower(), value.lower()
    if pattern == value:
        return True
    return None if _TOKEN.search(pattern) or _TOKEN.search(value) else False


def _like(pattern: Any, value: Any) -> Tri:
    if not isinstance(pattern, str) or not isinstance(value, str):
        return _equal(pattern, value)
    if _glob(pattern).fullmatch(value):
        return True
    return None if _TOKEN.search(pattern) or _TOKEN.search(value) else False


def _arn_segments(arn: str) -> list[str] | None:
    """The six colon-separated parts of an ARN; deploy-time tokens (`${AWS::Region}`) hold colons of their own."""
    tokens = _TOKEN.findall(arn)
    masked = _TOKEN.sub("\0", arn)
    parts = masked.split(":", 5)
    if len(parts) != 6:
        return None
    restored = iter(tokens)
    return [re.sub("\0", lambda _: next(restored), part) for part in parts]


def _arn_like(pattern: str, value: str) -> Tri:
    """ARN matching segment by segment (wildcards allowed in each); a segment that is a deploy-time token
    on one side only cannot be decided."""
    wanted = _arn_segments(pattern) if pattern.startswith("arn:") else None
    actual = _arn_segments(value) if value.startswith("arn:") else None
    if wanted is None or actual is None:
        return _like(pattern, value)
    return _and(_like(w, a) for w, a in zip(wanted, actual, strict=True))


def _shown(items: tuple[Any, ...]) -> str:
    texts = [i if isinstance(i, str) else getattr(i, "target", None) or repr(i) for i in items]
    return texts[0] if texts else "an unknown resource"
