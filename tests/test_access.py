"""Access questions on the graph (crosswire.access): the near misses that trip tools which match policies by hand,
in both formats, each answered yes, no or unknown by the one evaluator."""

from __future__ import annotations

from crosswire.access import may
from crosswire.graph import Graph
from crosswire.iam import Decision
from crosswire.runner import ScanOptions, load

YES, NO, UNKNOWN = Decision.YES, Decision.NO, Decision.UNKNOWN

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Other:
    Type: AWS::SNS::Topic
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
            Action: kms:*
            Resource: "*"
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: [kms:GenerateDataKey*, kms:Decrypt]
            Resource: "*"
            Condition: { ArnEquals: { aws:SourceArn: !Ref Alerts } }
  RootOnlyKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
            Action: kms:*
            Resource: "*"
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !Ref Key
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: sqs:SendMessage
            Resource: !GetAtt Orders.Arn
            Condition: { ArnEquals: { aws:SourceArn: !Ref Alerts } }
          - Effect: Deny
            Principal: "*"
            Action: sqs:*
            Resource: !GetAtt Orders.Arn
            Condition: { Bool: { aws:SecureTransport: "false" } }
  Jobs:
    Type: AWS::SQS::Queue
  JobsPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: sqs:ReceiveMessage
            Resource: !GetAtt Jobs.Arn
            Condition: { ArnEquals: { aws:SourceArn: !Ref Alerts } }
  Poller:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - SQSPollerPolicy: { QueueName: !GetAtt Orders.QueueName }
  Managed:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
      ManagedPolicyArns: [!Sub "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]
  Mystery:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
      ManagedPolicyArns: [arn:aws:iam::111122223333:policy/team-policy]
"""


def graph_of(tmp_path, name: str, text: str) -> Graph:
    (tmp_path / name).write_text(text)
    return load([str(tmp_path)], ScanOptions()).graph


def node(graph: Graph, address: str, kind: str):
    (found,) = [n for n in graph.nodes.values() if n.address == address and n.kind.value == kind]
    return found


def test_near_misses_in_cloudformation(tmp_path):
    graph = graph_of(tmp_path, "t.yaml", TEMPLATE)
    alerts, other = node(graph, "Alerts", "topic"), node(graph, "Other", "topic")
    orders, jobs = node(graph, "Orders", "queue"), node(graph, "Jobs", "queue")
    key, root_only = node(graph, "Key", "key"), node(graph, "RootOnlyKey", "key")
    sns = "sns.amazonaws.com"
    # Principal "*" narrowed by aws:SourceArn = the topic allows SNS for that topic, and for no other
    assert may(graph, "sqs:SendMessage", orders, service=sns, source=alerts).decision is YES
    assert may(graph, "sqs:SendMessage", orders, service=sns, source=other).decision is NO
    # the right principal with the wrong action
    assert may(graph, "sqs:SendMessage", jobs, service=sns, source=alerts).decision is NO
    # the key grants SNS for its topic; a key policy granting only the account root grants no service
    assert may(graph, "kms:GenerateDataKey", key, service=sns, source=alerts).decision is YES
    assert may(graph, "kms:Decrypt", key, service=sns, source=alerts).decision is YES
    assert may(graph, "kms:GenerateDataKey", root_only, service=sns, source=alerts).decision is NO
    # roles: a SAM policy template, an AWS managed policy by its content, an unknown managed policy
    poller = node(graph, "Poller", "role")
    assert may(graph, "sqs:ReceiveMessage", orders, role=poller).decision is YES
    assert may(graph, "sqs:SendMessage", orders, role=poller).decision is NO
    assert may(graph, "sqs:DeleteMessage", jobs, role=node(graph, "Managed", "role")).decision is YES
    unknown = may(graph, "sqs:ReceiveMessage", jobs, role=node(graph, "Mystery", "role"))
    assert (unknown.decision, unknown.reason) == (
        UNKNOWN,
        "a statement may allow sqs:ReceiveMessage on Jobs: Action is unresolved: "
        "managed policy arn:aws:iam::111122223333:policy/team-policy is not known",
    )
    # a role decrypts with a key whose policy grants the account root only when its own policies allow it
    assert may(graph, "kms:Decrypt", key, role=poller).decision is NO
    assert may(graph, "kms:Decrypt", key, role=node(graph, "Mystery", "role")).decision is UNKNOWN


MODULE = """\
resource "aws_sns_topic" "alerts" {}
resource "aws_sns_topic" "other" {}

resource "aws_sqs_queue" "orders" {}

data "aws_iam_policy_document" "orders" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.orders.arn]
    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.alerts.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy    = data.aws_iam_policy_document.orders.json
}
"""


def test_near_misses_in_terraform(tmp_path):
    graph = graph_of(tmp_path, "main.tf", MODULE)
    orders = node(graph, "aws_sqs_queue.orders", "queue")
    alerts, other = node(graph, "aws_sns_topic.alerts", "topic"), node(graph, "aws_sns_topic.other", "topic")
    sns = "sns.amazonaws.com"
    assert may(graph, "sqs:SendMessage", orders, service=sns, source=alerts).decision is YES
    answer = may(graph, "sqs:SendMessage", orders, service=sns, source=other)
    assert (answer.decision, answer.reason) == (NO, "no statement allows sqs:SendMessage on aws_sqs_queue.orders")
    assert may(graph, "sqs:SendMessage", orders, service="s3.amazonaws.com", source=alerts).decision is NO


PERMISSIONS = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Caller:
    Type: String
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Other:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/worker
      Code: { ZipFile: "def handler(event, context): pass" }
      Handler: index.handler
      Runtime: python3.12
  WorkerPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Worker
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
      SourceArn: !Ref Alerts
  Lonely:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/worker
      Code: { ZipFile: "def handler(event, context): pass" }
      Handler: index.handler
      Runtime: python3.12
  Guessed:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/worker
      Code: { ZipFile: "def handler(event, context): pass" }
      Handler: index.handler
      Runtime: python3.12
  GuessedPermission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Guessed
      Action: lambda:InvokeFunction
      Principal: !Ref Caller
  SamWorker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        FromAlerts:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
"""


def test_lambda_permissions_are_the_function_policy(tmp_path):
    graph = graph_of(tmp_path, "t.yaml", PERMISSIONS)
    alerts, other = node(graph, "Alerts", "topic"), node(graph, "Other", "topic")
    sns, invoke = "sns.amazonaws.com", "lambda:InvokeFunction"
    assert may(graph, invoke, node(graph, "Worker", "function"), service=sns, source=alerts).decision is YES
    assert may(graph, invoke, node(graph, "Worker", "function"), service=sns, source=other).decision is NO
    assert may(graph, invoke, node(graph, "Lonely", "function"), service=sns, source=alerts).decision is NO
    unknown = may(graph, invoke, node(graph, "Guessed", "function"), service=sns, source=alerts)
    assert (unknown.decision, unknown.where) == (UNKNOWN, f"{tmp_path / 't.yaml'}:38")  # the permission
    # SAM's SNS event makes the permission itself
    assert may(graph, invoke, node(graph, "SamWorker", "function"), service=sns, source=alerts).decision is YES


NO_KEY_POLICY = """\
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Key:
    Type: AWS::KMS::Key
  Reader:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
      Policies:
        - PolicyName: decrypt
          PolicyDocument:
            Statement:
              - { Effect: Allow, Action: kms:Decrypt, Resource: !GetAtt Key.Arn }
  Stranger:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
"""

NO_KEY_POLICY_TF = """\
resource "aws_sns_topic" "alerts" {}
resource "aws_kms_key" "key" {}
resource "aws_iam_role" "reader" {
  assume_role_policy = "{}"
  inline_policy {
    name   = "decrypt"
    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "kms:Decrypt", Resource = aws_kms_key.key.arn }] })
  }
}
resource "aws_iam_role" "stranger" {
  assume_role_policy = "{}"
}
"""


def test_a_key_without_a_key_policy_has_the_default_one_in_both_formats(tmp_path):
    for name, text, key, topic, reader, stranger in (
        ("t.yaml", NO_KEY_POLICY, "Key", "Alerts", "Reader", "Stranger"),
        (
            "main.tf",
            NO_KEY_POLICY_TF,
            "aws_kms_key.key",
            "aws_sns_topic.alerts",
            "aws_iam_role.reader",
            "aws_iam_role.stranger",
        ),
    ):
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        graph = graph_of(folder, name, text)
        the_key = node(graph, key, "key")
        assert graph.policies_of(the_key) == [], name  # no policy is written: none is in the graph
        # the default key policy grants the account root, which grants no service and lets IAM decide for roles
        sns = may(
            graph, "kms:GenerateDataKey", the_key, service="sns.amazonaws.com", source=node(graph, topic, "topic")
        )
        assert sns.decision is NO, name
        assert may(graph, "kms:Decrypt", the_key, role=node(graph, reader, "role")).decision is YES, name
        assert may(graph, "kms:Decrypt", the_key, role=node(graph, stranger, "role")).decision is NO, name


PRINCIPAL_ARN = """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { AWS: [!GetAtt Consumer.Arn, !GetAtt Other.Arn] }
            Action: [sqs:ReceiveMessage, sqs:DeleteMessage]
            Resource: !GetAtt Queue.Arn
          # the SQS guide's DenyOtherConsumersFromReceiving: everyone but the consumer's role
          - Effect: Deny
            Principal: { AWS: "*" }
            Action: sqs:ReceiveMessage
            Resource: !GetAtt Queue.Arn
            Condition: { StringNotLike: { aws:PrincipalARN: !GetAtt Consumer.Arn } }
  Consumer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  Other:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
"""


def test_a_role_asks_with_its_own_arn_as_aws_principal_arn(tmp_path):
    """A role's request carries aws:PrincipalArn (its ARN) and aws:PrincipalAccount: a Deny for every principal but
    one role is decided for both roles, not left unknown."""
    graph = graph_of(tmp_path, "t.yaml", PRINCIPAL_ARN)
    queue = node(graph, "Queue", "queue")
    consumer, other = node(graph, "Consumer", "role"), node(graph, "Other", "role")
    assert may(graph, "sqs:ReceiveMessage", queue, role=consumer).decision is YES
    denied = may(graph, "sqs:ReceiveMessage", queue, role=other)
    assert denied.decision is NO and denied.statement is not None and denied.statement.effect == "Deny"
    assert may(graph, "sqs:DeleteMessage", queue, role=other).decision is YES


EVENTBRIDGE_KEYS = """\
Resources:
  Plain:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { Service: events.amazonaws.com }
            Action: [kms:GenerateDataKey*, kms:Decrypt]
            Resource: "*"
  Narrowed:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: { Service: events.amazonaws.com }
            Action: [kms:GenerateDataKey*, kms:Decrypt]
            Resource: "*"
            Condition: { ArnEquals: { aws:SourceArn: !GetAtt Nightly.Arn } }
  PlainTopic:
    Type: AWS::SNS::Topic
    Properties: { KmsMasterKeyId: !Ref Plain }
  NarrowedTopic:
    Type: AWS::SNS::Topic
    Properties: { KmsMasterKeyId: !Ref Narrowed }
  Nightly:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 day)
      Targets:
        - { Id: plain, Arn: !Ref PlainTopic }
        - { Id: narrowed, Arn: !Ref NarrowedTopic }
"""


def test_eventbridge_calls_kms_without_source_keys(tmp_path):
    """EventBridge's calls to KMS carry neither aws:SourceArn nor aws:SourceAccount (SPEC §5; SNS Developer Guide:
    those conditions are not supported for EventBridge to encrypted topics): a key policy that narrows its grant by
    them does not let EventBridge in, whatever the rule."""
    graph = graph_of(tmp_path, "t.yaml", EVENTBRIDGE_KEYS)
    for topic, decision in (("PlainTopic", YES), ("NarrowedTopic", NO)):
        the_topic = node(graph, topic, "topic")
        (delivery,) = graph.deliveries_into(the_topic)
        key = graph.key_of(the_topic)
        answer = may(graph, "kms:GenerateDataKey", key, service=delivery.service, source=delivery.source)
        assert answer.decision is decision, (topic, answer.reason)
