"""AWS managed policies the wiring questions meet, by their documented content (AWS Managed Policy Reference).

A managed policy that is not listed here is not guessed: it may allow anything, so a question it could answer is
unknown (crosswire.access), never yes or no.
"""

from __future__ import annotations

from crosswire.model import Statement

_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")


def _allow(*actions: str) -> Statement:
    return Statement(effect="Allow", principals=None, actions=actions, resources=("*",), conditions={})


# by name: the ARN is arn:<partition>:iam::aws:policy/[service-role/]NAME
KNOWN: dict[str, tuple[Statement, ...]] = {
    "AWSLambdaBasicExecutionRole": (_allow(*_LOGS),),
    "AWSLambdaSQSQueueExecutionRole": (
        _allow("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", *_LOGS),
    ),
    "AWSLambdaRole": (_allow("lambda:InvokeFunction"),),
    "AmazonSQSFullAccess": (_allow("sqs:*"),),
    "AmazonSQSReadOnlyAccess": (
        _allow(
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ListDeadLetterSourceQueues",
            "sqs:ListQueues",
            "sqs:ListMessageMoveTasks",
            "sqs:ListQueueTags",
        ),
    ),
    "AmazonSNSFullAccess": (_allow("sns:*"),),
    "AdministratorAccess": (_allow("*"),),
}


def name_of(arn: str) -> str | None:
    """The name of an AWS managed policy ARN (`arn:${AWS::Partition}:iam::aws:policy/service-role/X` -> X), or None
    for a customer managed policy."""
    head, separator, path = arn.partition(":iam::aws:policy/")
    if not separator or not head.startswith("arn:"):
        return None
    return path.rsplit("/", 1)[-1]
