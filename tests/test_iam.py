"""The IAM policy evaluator: each element, operator and form with a request it allows, one it denies and one whose
answer cannot be known, on policies shaped like those of AWS's least-privilege encrypted-queue guidance."""

from __future__ import annotations

import pytest

from crosswire.iam import ABSENT, Decision, Principal, Request, evaluate
from crosswire.model import Ref, Span, Unresolved
from crosswire.policy import statements

YES, NO, UNKNOWN = Decision.YES, Decision.NO, Decision.UNKNOWN
ACCOUNT = "111122223333"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
OTHER_TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:other"
CONSUMER = f"arn:aws:iam::{ACCOUNT}:role/Consumer"
SNS = Principal(service="sns.amazonaws.com")
S3 = Principal(service="s3.amazonaws.com")
ROLE = Principal(arn=CONSUMER, account=ACCOUNT)
STRANGER = Principal(arn="arn:aws:iam::444455556666:role/Other", account="444455556666")


def decide(policy: list[dict], request: Request, resource_policy: bool = True) -> Decision:
    parsed = statements({"Statement": policy}, Span("policy.json", 1, 9))
    assert parsed.resolved, parsed.note
    return evaluate(parsed.value, request, resource_policy=resource_policy).decision


def send(principal: Principal = SNS, **context) -> Request:
    return Request("sqs:SendMessage", principal, (QUEUE,), context)


# -- the queue policy of the guidance: SNS may send from its topic only, over TLS ---------------------------------
ALLOW_SNS_FROM_TOPIC = {
    "Sid": "AllowSNSToSendToQueue",
    "Effect": "Allow",
    "Principal": {"Service": "sns.amazonaws.com"},
    "Action": "sqs:SendMessage",
    "Resource": QUEUE,
    "Condition": {"ArnLike": {"aws:SourceArn": TOPIC}},
}
DENY_INSECURE = {
    "Sid": "DenyUnsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["sqs:ReceiveMessage", "sqs:SendMessage"],
    "Resource": QUEUE,
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
DENY_OTHER_PRODUCERS = {
    "Sid": "DenyAnyProducersExceptSNS",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sqs:SendMessage",
    "Resource": QUEUE,
    "Condition": {"ArnNotLike": {"aws:SourceArn": TOPIC}},
}
ALLOW_CONSUMER = {
    "Sid": "AllowConsumersToReceive",
    "Effect": "Allow",
    "Principal": {"AWS": CONSUMER},
    "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
    "Resource": QUEUE,
}
DENY_OTHER_CONSUMERS = {
    "Sid": "DenyOtherConsumers",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
    "Resource": QUEUE,
    "Condition": {"StringNotLike": {"aws:PrincipalArn": CONSUMER}},
}
QUEUE_POLICY = [ALLOW_SNS_FROM_TOPIC, DENY_INSECURE, DENY_OTHER_PRODUCERS, ALLOW_CONSUMER, DENY_OTHER_CONSUMERS]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (send(**{"aws:SourceArn": TOPIC, "aws:SecureTransport": True}), YES),
        (send(**{"aws:SourceArn": OTHER_TOPIC, "aws:SecureTransport": True}), NO),  # the wrong topic
        (send(**{"aws:SourceArn": TOPIC, "aws:SecureTransport": False}), NO),  # explicit Deny wins
        (send(**{"aws:SourceArn": TOPIC}), UNKNOWN),  # whether TLS is used is not known: a Deny may apply
        (send(**{"aws:SourceArn": Unresolved("topic ARN is a parameter"), "aws:SecureTransport": True}), UNKNOWN),
        (send(S3, **{"aws:SourceArn": TOPIC, "aws:SecureTransport": True}), NO),  # the right condition, wrong service
        (
            Request("sqs:ReceiveMessage", ROLE, (QUEUE,), {"aws:PrincipalArn": CONSUMER, "aws:SecureTransport": True}),
            YES,
        ),
        (
            Request(
                "sqs:ReceiveMessage",
                STRANGER,
                (QUEUE,),
                {"aws:PrincipalArn": STRANGER.arn, "aws:SecureTransport": True},
            ),
            NO,
        ),
        (
            Request("sqs:DeleteQueue", ROLE, (QUEUE,), {"aws:SecureTransport": True}),
            NO,
        ),  # the right principal, wrong action
    ],
)
def test_the_guidance_queue_policy(request_, expected):
    assert decide(QUEUE_POLICY, request_) is expected


# -- the key policy of the guidance: the account root delegates to IAM, SNS may use the key from its topic ----------
KEY_POLICY = [
    {
        "Sid": "Enable IAM policies",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    },
    {
        "Sid": "AllowSNSToUseTheKey",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}},
    },
    {
        "Sid": "AllowConsumerToDecrypt",
        "Effect": "Allow",
        "Principal": {"AWS": CONSUMER},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}},
    },
]
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (Request("kms:GenerateDataKey", SNS, (KEY,), {"aws:SourceArn": TOPIC}), YES),  # GenerateDataKey* covers it
        (Request("KMS:Decrypt", SNS, (KEY,), {"aws:SourceArn": TOPIC}), YES),  # actions are case-insensitive
        (Request("kms:Encrypt", SNS, (KEY,), {"aws:SourceArn": TOPIC}), NO),
        (Request("kms:GenerateDataKey", SNS, (KEY,), {}), UNKNOWN),  # the source is not known
        # the root grant lets IAM decide for the account's principals; it grants no service
        (Request("kms:GenerateDataKey", S3, (KEY,), {"aws:SourceArn": "arn:aws:s3:::bucket"}), NO),
        (Request("kms:Decrypt", STRANGER, (KEY,), {}), NO),
    ],
)
def test_the_guidance_key_policy(request_, expected):
    assert decide(KEY_POLICY, request_) is expected


VIA_SQS = {"kms:ViaService": "sqs.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (VIA_SQS, YES),
        ({**VIA_SQS, "kms:ViaService": "s3.us-east-1.amazonaws.com"}, NO),
        ({"kms:CallerAccount": ACCOUNT}, UNKNOWN),
    ],
)
def test_the_guidance_key_policy_grants_the_consumer_through_sqs_only(context, expected):
    direct = KEY_POLICY[1:]  # without the root grant, which lets IAM decide for every role of the account
    assert decide(direct, Request("kms:Decrypt", ROLE, (KEY,), context)) is expected


def test_the_root_grant_delegates_to_the_accounts_iam_policies():
    answer = evaluate(
        statements({"Statement": KEY_POLICY[:1]}, None).value,
        Request("kms:Decrypt", ROLE, (KEY,)),
        resource_policy=True,
    )
    assert (answer.decision, answer.delegated) == (YES, True)
    assert (
        answer.reason == f"a statement grants kms:Decrypt on {KEY} to the caller's account, whose IAM policies decide"
    )
    # the account is read from the role's ARN when not given
    assert decide(KEY_POLICY[:1], Request("kms:Decrypt", Principal(arn=CONSUMER), (KEY,))) is YES
    assert decide(KEY_POLICY[:1], Request("kms:Decrypt", STRANGER, (KEY,))) is NO
    unknown_account = Principal(arn=Ref("Consumer", "Arn"), account="${AWS::AccountId}")
    assert decide(KEY_POLICY[:1], Request("kms:Decrypt", unknown_account, (KEY,))) is UNKNOWN
    direct = evaluate(
        statements({"Statement": KEY_POLICY}, None).value,
        Request("kms:Decrypt", ROLE, (KEY,), VIA_SQS),
        resource_policy=True,
    )
    assert (direct.decision, direct.delegated) == (YES, False)  # a statement naming the role wins over delegation


# -- principals in every form -----------------------------------------------------------------------------------
def allow(principal, **extra) -> list[dict]:
    return [{"Effect": "Allow", "Principal": principal, "Action": "sqs:SendMessage", "Resource": QUEUE, **extra}]


@pytest.mark.parametrize(
    ("principal", "who", "expected"),
    [
        ("*", SNS, YES),
        ("*", ROLE, YES),
        ({"AWS": "*"}, ROLE, YES),
        ({"AWS": "*"}, SNS, YES),
        ({"Service": ["s3.amazonaws.com", "sns.amazonaws.com"]}, SNS, YES),
        ({"Service": "s3.amazonaws.com"}, SNS, NO),
        ({"Service": Unresolved("a parameter")}, SNS, UNKNOWN),
        ({"AWS": ACCOUNT}, ROLE, YES),  # a bare account ID stands for the account's root
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, ROLE, YES),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, STRANGER, NO),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, SNS, NO),
        ({"AWS": "arn:aws:iam::${AWS::AccountId}:root"}, ROLE, UNKNOWN),
        ({"AWS": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}, Principal(account="${AWS::AccountId}"), YES),
        ({"AWS": "arn:aws:iam::${AWS::AccountId}:root"}, Principal(arn=CONSUMER, account="${AWS::AccountId}"), YES),
        ({"AWS": CONSUMER}, ROLE, YES),
        ({"AWS": CONSUMER}, STRANGER, NO),
        ({"AWS": CONSUMER}, Principal(arn=None, account=ACCOUNT), UNKNOWN),
        ({"AWS": Ref("ConsumerRole", "Arn")}, Principal(arn=Ref("ConsumerRole", "Arn")), YES),
        ({"AWS": Ref("ConsumerRole", "Arn")}, Principal(arn=Ref("OtherRole", "Arn")), NO),
        ({"AWS": Ref("ConsumerRole", "Arn")}, Principal(arn=CONSUMER), UNKNOWN),
    ],
)
def test_principal_forms(principal, who, expected):
    assert decide(allow(principal), Request("sqs:SendMessage", who, (QUEUE,))) is expected


@pytest.mark.parametrize(
    ("not_principal", "who", "expected"),
    [
        ({"AWS": CONSUMER}, ROLE, NO),
        ({"AWS": CONSUMER}, STRANGER, YES),
        ({"AWS": CONSUMER}, Principal(arn=None), UNKNOWN),
    ],
)
def test_not_principal(not_principal, who, expected):
    policy = [{"Effect": "Allow", "NotPrincipal": not_principal, "Action": "sqs:*", "Resource": QUEUE}]
    assert decide(policy, Request("sqs:SendMessage", who, (QUEUE,))) is expected


def test_a_resource_policy_statement_without_principal_is_unknown():
    policy = [{"Effect": "Allow", "Action": "sqs:*", "Resource": QUEUE}]
    assert decide(policy, send()) is UNKNOWN


# -- actions and resources ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("element", "patterns", "action", "expected"),
    [
        ("Action", ["sqs:*"], "sqs:SendMessage", YES),
        ("Action", ["SQS:send*"], "sqs:SendMessage", YES),
        ("Action", ["sqs:SendMessag?"], "sqs:SendMessage", YES),
        ("Action", ["sqs:Receive*"], "sqs:SendMessage", NO),
        ("Action", ["sns:*"], "sqs:SendMessage", NO),
        ("Action", [Unresolved("a parameter")], "sqs:SendMessage", UNKNOWN),
        ("Action", [Unresolved("a parameter"), "sqs:*"], "sqs:SendMessage", YES),
        ("NotAction", ["sqs:Receive*"], "sqs:SendMessage", YES),
        ("NotAction", ["sqs:*"], "sqs:SendMessage", NO),
        ("NotAction", [Unresolved("a parameter")], "sqs:SendMessage", UNKNOWN),
    ],
)
def test_actions(element, patterns, action, expected):
    policy = [{"Effect": "Allow", "Principal": "*", element: patterns, "Resource": "*"}]
    assert decide(policy, Request(action, SNS, (QUEUE,))) is expected


@pytest.mark.parametrize(
    ("element", "pattern", "resource", "expected"),
    [
        ("Resource", "*", (), YES),
        ("Resource", QUEUE, (QUEUE,), YES),
        ("Resource", "arn:aws:sqs:*:*:ord?rs", (QUEUE,), YES),
        ("Resource", f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders-*", (QUEUE,), NO),
        ("Resource", "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders", (QUEUE,), UNKNOWN),
        (
            "Resource",
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders",
            ("arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders",),
            YES,
        ),
        (
            "Resource",
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs",
            ("arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders",),
            NO,
        ),
        ("Resource", Ref("Orders", "Arn"), (Ref("Orders", "Arn"),), YES),
        ("Resource", Ref("Jobs", "Arn"), (Ref("Orders", "Arn"),), NO),
        ("Resource", QUEUE, (), UNKNOWN),
        ("Resource", Unresolved("imported"), (QUEUE,), UNKNOWN),
        ("NotResource", f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs", (QUEUE,), YES),
        ("NotResource", "arn:aws:sqs:*", (QUEUE,), NO),
        ("NotResource", Unresolved("imported"), (QUEUE,), UNKNOWN),
    ],
)
def test_resources(element, pattern, resource, expected):
    policy = [{"Effect": "Allow", "Action": "sqs:SendMessage", element: pattern}]
    assert decide(policy, Request("sqs:SendMessage", None, resource), resource_policy=False) is expected


def test_an_identity_statement_without_resource_is_unknown():
    policy = [{"Effect": "Allow", "Action": "sqs:SendMessage"}]
    assert decide(policy, Request("sqs:SendMessage", None, (QUEUE,)), resource_policy=False) is UNKNOWN


def test_a_statement_without_effect_is_never_an_allow():
    policy = [{"Principal": "*", "Action": "sqs:SendMessage", "Resource": QUEUE}]
    assert decide(policy, send()) is UNKNOWN
    assert decide([*policy, {**policy[0], "Effect": "Allow"}], send()) is UNKNOWN


def test_no_statement_is_an_implicit_deny_and_says_so():
    answer = evaluate((), send(), resource_policy=True)
    assert (answer.decision, answer.reason, answer.statement) == (
        NO,
        f"no statement allows sqs:SendMessage on {QUEUE}",
        None,
    )


def test_the_answer_names_the_statement_and_its_place():
    parsed = statements({"Statement": [DENY_INSECURE]}, Span("queues.tf", 12, 30)).value
    answer = evaluate(parsed, send(**{"aws:SecureTransport": False}), resource_policy=True)
    assert (answer.decision, answer.where, answer.statement.conditions) == (
        NO,
        "queues.tf:12",
        {"Bool": {"aws:SecureTransport": "false"}},
    )
    unknown = evaluate(statements({"Statement": [ALLOW_SNS_FROM_TOPIC]}, None).value, send(), resource_policy=True)
    assert unknown.decision is UNKNOWN
    assert unknown.reason == (
        f"a statement may allow sqs:SendMessage on {QUEUE}: its condition ArnLike on aws:SourceArn cannot be "
        "decided (the value of aws:SourceArn is not known here)"
    )


# -- condition operators: each with a request it allows, one it denies, one that is unknown ----------------------
def with_condition(operator: str, key: str, values) -> list[dict]:
    return allow("*", Condition={operator: {key: values}})


OPERATOR_CASES = [
    # operator, policy values, (allowed value, denied value); the unknown case is an Unresolved value
    ("StringEquals", ACCOUNT, ACCOUNT, "444455556666"),
    ("StringNotEquals", ACCOUNT, "444455556666", ACCOUNT),
    ("StringEqualsIgnoreCase", "Orders", "ORDERS", "jobs"),
    ("StringNotEqualsIgnoreCase", "Orders", "jobs", "ORDERS"),
    ("StringLike", "arn:aws:sns:*:alerts", TOPIC, OTHER_TOPIC),
    ("StringNotLike", "arn:aws:sns:*:alerts", OTHER_TOPIC, TOPIC),
    ("ArnEquals", TOPIC, TOPIC, OTHER_TOPIC),
    ("ArnLike", "arn:aws:sns:*:*:al*", TOPIC, OTHER_TOPIC),
    ("ArnNotEquals", TOPIC, OTHER_TOPIC, TOPIC),
    ("ArnNotLike", "arn:aws:sns:*:*:al*", OTHER_TOPIC, TOPIC),
    ("Bool", "true", True, "false"),
    ("NumericEquals", "5", 5, 6),
    ("NumericNotEquals", "5", 6, 5),
    ("NumericLessThan", "5", 4, 5),
    ("NumericLessThanEquals", "5", 5, 6),
    ("NumericGreaterThan", "5", 6, 5),
    ("NumericGreaterThanEquals", "5", 5, 4),
]


@pytest.mark.parametrize(("operator", "wanted", "good", "bad"), OPERATOR_CASES, ids=[c[0] for c in OPERATOR_CASES])
def test_condition_operator(operator, wanted, good, bad):
    policy = with_condition(operator, "test:Key", wanted)
    assert decide(policy, send(**{"test:key": good})) is YES  # condition keys are case-insensitive
    assert decide(policy, send(**{"test:Key": bad})) is NO
    assert decide(policy, send(**{"test:Key": Unresolved("a parameter")})) is UNKNOWN
    assert decide(policy, send()) is UNKNOWN  # the question does not say


@pytest.mark.parametrize(
    ("operator", "expected_when_absent"),
    [
        ("StringEquals", NO),
        ("StringNotEquals", YES),  # a negated operator is true when the key is missing
        ("ArnLike", NO),
        ("ArnNotLike", YES),
        ("StringEqualsIfExists", YES),
        ("ArnLikeIfExists", YES),
        ("NumericLessThanIfExists", YES),
        ("BoolIfExists", YES),
        ("ForAnyValue:StringEquals", NO),
        ("ForAllValues:StringEquals", YES),
    ],
)
def test_a_missing_key(operator, expected_when_absent):
    assert decide(with_condition(operator, "aws:SourceArn", TOPIC), send(**{"aws:SourceArn": ABSENT})) is (
        expected_when_absent
    )


def test_if_exists_compares_when_the_key_is_there():
    policy = with_condition("ArnLikeIfExists", "aws:SourceArn", TOPIC)
    assert decide(policy, send(**{"aws:SourceArn": TOPIC})) is YES
    assert decide(policy, send(**{"aws:SourceArn": OTHER_TOPIC})) is NO
    assert decide(policy, send(**{"aws:SourceArn": Unresolved("a parameter")})) is UNKNOWN


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", YES), ("false", NO), (Unresolved("a parameter"), UNKNOWN)],
)
def test_null(value, expected):
    # Null true: the key must be absent
    policy = with_condition("Null", "aws:SourceArn", value)
    if isinstance(value, Unresolved):
        assert decide(policy, send(**{"aws:SourceArn": ABSENT})) is UNKNOWN
        return
    assert decide(policy, send(**{"aws:SourceArn": ABSENT})) is expected
    assert decide(policy, send(**{"aws:SourceArn": TOPIC})) is (NO if expected is YES else YES)


@pytest.mark.parametrize(
    ("operator", "context", "expected"),
    [
        ("ForAnyValue:StringEquals", ["a", "b"], YES),
        ("ForAnyValue:StringEquals", ["c", "d"], NO),
        ("ForAnyValue:StringEquals", ["c", Unresolved("tag")], UNKNOWN),
        ("ForAllValues:StringEquals", ["a", "b"], YES),
        ("ForAllValues:StringEquals", ["a", "c"], NO),
        ("ForAllValues:StringEquals", ["a", Unresolved("tag")], UNKNOWN),
        ("ForAllValues:StringEquals", [], YES),
        ("ForAnyValue:StringLike", ["x-1", "c"], YES),
        ("ForAllValues:StringNotEquals", ["c", "d"], YES),
        ("ForAllValues:StringNotEquals", ["a", "d"], NO),
    ],
)
def test_set_operators(operator, context, expected):
    values = ["a", "b", "x-*"]
    assert decide(with_condition(operator, "aws:TagKeys", values), send(**{"aws:TagKeys": context})) is expected


def test_a_single_valued_operator_on_several_values_is_unknown():
    assert decide(with_condition("StringEquals", "aws:TagKeys", "a"), send(**{"aws:TagKeys": ["a", "b"]})) is UNKNOWN


def test_several_values_of_one_key_are_or_and_several_keys_are_and():
    policy = allow(
        "*",
        Condition={
            "StringEquals": {"aws:SourceAccount": [ACCOUNT, "444455556666"], "aws:PrincipalOrgID": "o-abc"},
        },
    )
    assert decide(policy, send(**{"aws:SourceAccount": "444455556666", "aws:PrincipalOrgID": "o-abc"})) is YES
    assert decide(policy, send(**{"aws:SourceAccount": ACCOUNT, "aws:PrincipalOrgID": "o-xyz"})) is NO
    assert decide(policy, send(**{"aws:SourceAccount": ACCOUNT})) is UNKNOWN


def test_a_negated_operator_with_several_values_matches_none_of_them():
    policy = with_condition("StringNotEquals", "aws:SourceAccount", [ACCOUNT, "444455556666"])
    assert decide(policy, send(**{"aws:SourceAccount": "777788889999"})) is YES
    assert decide(policy, send(**{"aws:SourceAccount": "444455556666"})) is NO


def test_deploy_time_tokens_are_equal_only_to_themselves():
    policy = with_condition("StringEquals", "aws:SourceAccount", "${AWS::AccountId}")
    assert decide(policy, send(**{"aws:SourceAccount": "${AWS::AccountId}"})) is YES
    assert decide(policy, send(**{"aws:SourceAccount": ACCOUNT})) is UNKNOWN
    arn = with_condition("ArnEquals", "aws:SourceArn", "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:alerts")
    assert decide(arn, send(**{"aws:SourceArn": TOPIC})) is UNKNOWN
    assert decide(arn, send(**{"aws:SourceArn": OTHER_TOPIC})) is NO  # the name differs whatever the region


def test_operators_nobody_asks_about_are_unknown_not_allowed():
    for operator in ("DateGreaterThan", "IpAddress", "BinaryEquals", "ForSomeValues:StringEquals"):
        assert decide(with_condition(operator, "aws:X", "1"), send(**{"aws:X": "1"})) is UNKNOWN, operator


def test_an_unresolved_condition_block_is_unknown():
    assert decide(allow("*", Condition=Unresolved("an !If")), send()) is UNKNOWN


def test_an_unresolved_principal_says_why_in_words():
    """The reason reaches reports (a check's skip): it names the principal element and why, not a Python repr."""
    parsed = statements({"Statement": allow({"Service": Unresolved("parameter Publisher has no value")})}, None)
    answer = evaluate(parsed.value, Request("sqs:SendMessage", SNS, (QUEUE,)), resource_policy=True)
    assert answer.reason == (
        f"a statement may allow sqs:SendMessage on {QUEUE}: Principal Service is unresolved: parameter Publisher has "
        "no value"
    )
