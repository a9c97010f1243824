"""CW203 beyond its fixtures: the message, which conditions narrow, and what it skips."""

from __future__ import annotations

from conftest import scan_json

QUEUE_POLICY = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Who:
    Type: String
  QueueUrl:
    Type: String
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [{queues}]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {principal}
            Action: sqs:SendMessage
            Resource: "*"
            Condition: {condition}
"""


def scan(write, principal='"*"', condition="{}", queues="!Ref Orders"):
    write("t.yaml", QUEUE_POLICY.format(principal=principal, condition=condition, queues=queues))
    return scan_json(".", "--select", "CW203", "--fail-on", "never")


def test_message_names_the_policy_the_queue_the_statement_and_the_consequence(write):
    run = scan(write)
    assert run.findings() == {("CW203", "OrdersPolicy", 10)}
    assert run.report["findings"][0]["message"] == (
        'policy OrdersPolicy of queue Orders allows Principal "*" to call sqs:SendMessage (t.yaml:16) with no '
        "condition narrowing who may call: anyone, in any AWS account or none, may do so"
    )
    assert [r["resource"] for r in run.report["findings"][0]["related"]] == ["Orders"]


def test_conditions_that_a_request_without_the_key_passes_do_not_narrow(write):
    for condition in (
        "{StringLikeIfExists: {aws:SourceArn: arn:aws:sns:*:111122223333:orders}}",
        "{StringNotEquals: {aws:SourceAccount: '111122223333'}}",
        "{'Null': {aws:SourceArn: 'false'}}",
        "{ForAllValues:StringEquals: {aws:PrincipalOrgID: o-a1b2c3d4e5}}",
        "{StringLike: {aws:SourceArn: '*'}}",
        "{Bool: {aws:SecureTransport: 'true'}}",
    ):
        assert scan(write, condition=condition).findings() == {("CW203", "OrdersPolicy", 10)}, condition


def test_a_narrowing_key_in_any_case_with_a_positive_operator_narrows(write):
    for condition in (
        "{ArnEquals: {aws:SourceArn: arn:aws:sns:eu-west-1:111122223333:orders}}",
        "{StringEquals: {AWS:SourceAccount: '111122223333'}}",
        "{ForAnyValue:StringLike: {aws:PrincipalOrgPaths: 'o-a1b2c3d4e5/*'}}",
        "{IpAddress: {aws:SourceIp: 203.0.113.0/24}}",
    ):
        assert scan(write, condition=condition).findings() == set(), condition


def test_a_principal_named_by_an_unresolved_parameter_is_skipped_with_the_reason(write):
    run = scan(write, principal="{AWS: !Ref Who}")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [
        ("CW203", "OrdersPolicy", 10)
    ]
    assert run.report["unresolved"][0]["reason"].startswith(
        "a statement of policy OrdersPolicy (t.yaml:16) may allow anyone: its Principal is unresolved: "
    )


def test_an_unresolved_narrowing_condition_is_skipped_not_judged(write):
    run = scan(write, condition="{StringEquals: {aws:SourceAccount: !Ref Who}}")
    assert run.findings() == set()
    assert [u["reason"] for u in run.report["unresolved"]] == [
        "a statement of policy OrdersPolicy (t.yaml:16) may allow anyone: its condition StringEquals on "
        "aws:SourceAccount is unresolved: parameter Who has no default and no --param value"
    ]


def test_a_narrowing_condition_decides_even_beside_an_unresolved_one(write):
    condition = "{StringEquals: {aws:SourceAccount: !Ref Who}, ArnEquals: {aws:SourceArn: arn:aws:sns:eu-west-1:1:t}}"
    run = scan(write, condition=condition)
    assert run.findings() == set()
    assert run.report["unresolved"] == []


def test_a_policy_whose_queue_cannot_be_followed_is_skipped(write):
    run = scan(write, queues="!Ref QueueUrl")
    assert run.findings() == set()
    assert [(u["resource"], u["line"]) for u in run.report["unresolved"]] == [("OrdersPolicy", 10)]
    assert run.report["unresolved"][0]["reason"].startswith(
        'policy OrdersPolicy (t.yaml:16) allows Principal "*" with no narrowing condition, but which queue or '
        "topic it governs is unresolved: "
    )


def test_an_inline_terraform_queue_policy_is_reported_on_the_queue(write):
    write(
        "main.tf",
        """\
resource "aws_sqs_queue" "orders" {
  name_prefix = "orders-"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:*", Resource = "*" }]
  })
}
""",
    )
    run = scan_json(".", "--select", "CW203", "--fail-on", "never")
    assert run.findings() == {("CW203", "aws_sqs_queue.orders", 1)}
    assert run.report["findings"][0]["message"].startswith(
        'the policy of queue aws_sqs_queue.orders allows Principal "*" to call sqs:* (main.tf:4)'
    )


def test_a_policy_of_unknown_statements_for_an_unknown_resource_says_nothing(write):
    # a role policy whose role and document are both variables: nothing says it is a queue's or topic's
    write(
        "main.tf",
        """\
variable "role" {}
variable "document" {}

resource "aws_iam_role_policy" "worker" {
  role   = var.role
  policy = var.document
}
""",
    )
    run = scan_json(".", "--select", "CW203", "--fail-on", "never")
    assert (run.findings(), run.report["unresolved"]) == (set(), [])
