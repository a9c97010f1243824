"""CW205: a Lambda permission for an AWS service principal that does not say which resource (or, for S3 and SES,
which account) may invoke the function."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crosswire.check import CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Permission

# services whose resources' ARNs carry no account (an S3 bucket ARN is the bucket's name): the account that owns
# the source is what says whose, and SAM's S3 events set only it
_ACCOUNT_NAMED = ("s3.amazonaws.com", "ses.amazonaws.com")

META = CheckMeta(
    id="CW205",
    slug="lambda-permission-without-source",
    title="Lambda permission for a service principal without SourceArn (SourceAccount for S3 and SES)",
    severity=Severity.WARNING,
    kinds=(Kind.PERMISSION,),
    rationale=(
        "A Lambda permission for a service principal (`sns.amazonaws.com`, `events.amazonaws.com`...) without "
        "`SourceArn` lets that service invoke the function for any resource, in any account, that names it: "
        "another account's topic or rule can run your code (the confused deputy problem). For S3 and SES the "
        "resource's ARN does not name its account, so `SourceAccount` is what is needed, and is enough: a bucket "
        "name can be deleted and taken by another account."
    ),
    fix_terraform=(
        "Set the `aws_lambda_permission`'s `source_arn` to the invoking resource (`aws_sns_topic.events.arn`, "
        "`aws_cloudwatch_event_rule.nightly.arn`); for `s3.amazonaws.com` and `ses.amazonaws.com` set "
        "`source_account` (e.g. `data.aws_caller_identity.current.account_id`)."
    ),
    fix_cloudformation=(
        "Set the `AWS::Lambda::Permission`'s `SourceArn` to the invoking resource (`!Ref Events`, "
        "`!GetAtt Nightly.Arn`); for `s3.amazonaws.com` and `ses.amazonaws.com` set `SourceAccount: "
        '!Ref "AWS::AccountId"`.'
    ),
    references=(
        Reference(
            "Lambda Developer Guide: granting function access to AWS services (SourceArn, SourceAccount)",
            "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html",
        ),
        Reference(
            "Lambda API Reference: AddPermission",
            "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html",
        ),
        Reference(
            "IAM User Guide: the confused deputy problem",
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
        ),
    ),
)


def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
    for permission in graph.of_kind(Permission):
        principal = permission.principal
        if not principal.resolved:
            yield Skip(META, permission, f"the principal of {noun(permission)} is unresolved: {principal.note}")
            continue
        service = principal.value
        if not isinstance(service, str) or not service.lower().endswith(".amazonaws.com"):
            continue  # an account, an organization or an Alexa skill: not a service acting for a resource
        if service.lower() in _ACCOUNT_NAMED:
            needed, value, whose = "SourceAccount", permission.source_account, "a resource of any account"
        else:
            needed, value, whose = "SourceArn", permission.source_arn, "any resource, in any account, that names it"
            account = permission.source_account
            if account.value is not None or not account.resolved:
                whose = "any resource of the account in its SourceAccount that names it"
        # a written value counts even when unresolved: the condition is there, whatever it names
        if value.value is not None or not value.resolved:
            continue
        function = next(iter(graph.targets(permission, EdgeKind.PERMITS)), None)
        yield Finding(
            META,
            permission,
            f"{noun(permission)} lets {service} invoke {noun(function) if function else 'its function'} without "
            f"{needed}: the service may invoke it for {whose} (confused deputy)",
            related=(function,) if function is not None and function.address != permission.address else (),
        )
