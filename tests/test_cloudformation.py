"""The CloudFormation/SAM loader, through the real CLI: each case asserts exact findings (ID, resource, line)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import scan_json
from crosswire.graph import Graph
from crosswire.loaders import cloudformation
from crosswire.model import EdgeKind, Origin, Queue, Ref, Subscription

CONSUMER = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 60
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {visibility}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
{timeout}      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
"""


def load(text: str, params: dict[str, str] | None = None) -> Graph:
    graph = Graph()
    cloudformation.load(cloudformation.parse(text, "t.yaml"), "t.yaml", graph, params or {})
    graph.resolve_wires()
    return graph


def test_globals_timeout_applies_when_the_function_has_none(write):
    write("t.yaml", CONSUMER.format(visibility=120, timeout=""))
    run = scan_json("--select", "CW302", ".")
    assert run.findings() == {("CW302", "Queue", 7)}
    assert "6 × 60 s (function Worker, from Globals)" in run.report["findings"][0]["message"]


def test_function_timeout_wins_over_globals(write):
    write("t.yaml", CONSUMER.format(visibility=120, timeout="      Timeout: 30\n"))
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == {("CW302", "Queue", 7)}
    assert "6 × 30 s (function Worker)" in run.report["findings"][0]["message"]
    write("t.yaml", CONSUMER.format(visibility=180, timeout="      Timeout: 30\n"))
    assert scan_json("--select", "CW301,CW302", ".").findings() == set()
    write("t.yaml", CONSUMER.format(visibility=20, timeout="      Timeout: 30\n"))
    assert scan_json("--select", "CW301,CW302", ".").findings() == {("CW301", "Queue", 7)}


def test_sqs_subscription_true_creates_a_default_queue_reported_on_the_function(write):
    write(
        "t.yaml",
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 45
      Events:
        Orders:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: true
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "Consumer", 13)}
    finding = run.report["findings"][0]
    assert finding["resource_type"] == "AWS::Serverless::Function"
    assert "visibility timeout 30 s (AWS default)" in finding["message"]
    graph = load(Path("t.yaml").read_text())
    queue = graph.nodes["t.yaml#ConsumerOrdersQueue"]
    assert isinstance(queue, Queue)
    assert [s.address for s in graph.feeders_of(queue)] == ["Consumer"]
    assert graph.topic_of(graph.feeders_of(queue)[0]).address == "Events"  # type: ignore[arg-type, union-attr]
    assert queue.visibility_timeout.origin is Origin.DEFAULT


PARAMETERISED = """\
Parameters:
  Visibility:
    Type: Number
    Default: 30
  Timeout:
    Type: Number
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Visibility
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: !Ref Timeout
      Role: arn:aws:iam::123456789012:role/worker
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Worker
"""


def test_parameter_without_default_makes_checks_skip_and_lists_them_as_unresolved(write):
    write("t.yaml", PARAMETERISED)
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.code == 0
    assert run.findings() == set()
    unresolved = {(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]}
    assert unresolved == {("CW301", "Queue", 8), ("CW302", "Queue", 8)}
    assert "parameter Timeout has no default and no --param value" in run.report["unresolved"][0]["reason"]


def test_param_overrides_a_default(write):
    write("t.yaml", PARAMETERISED)
    assert scan_json("--select", "CW301,CW302", ".", "--param", "Timeout=10").findings() == {("CW302", "Queue", 8)}
    assert scan_json("--select", "CW301,CW302", ".", "--param", "Timeout=10", "--param", "Visibility=60").findings() == set()
    run = scan_json("--select", "CW301,CW302", ".", "--param", "Timeout=60", "--param", "Visibility=45")
    assert run.findings() == {("CW301", "Queue", 8)}
    assert "45 s (parameter Visibility, from --param)" in run.report["findings"][0]["message"]


def test_fn_if_follows_the_condition(write):
    write(
        "t.yaml",
        """\
Parameters:
  Stage:
    Type: String
    Default: dev
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !If [IsProd, 300, 20]
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 100
      Role: arn:aws:iam::123456789012:role/worker
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !GetAtt Worker.Arn
""",
    )
    assert scan_json("--select", "CW301,CW302", ".").findings() == {("CW301", "Queue", 8)}
    assert scan_json("--select", "CW301,CW302", ".", "--param", "Stage=prod").findings() == {("CW302", "Queue", 8)}


def test_queue_policy_shared_by_two_queues_governs_both():
    graph = load(
        """\
Resources:
  First:
    Type: AWS::SQS::Queue
  Second:
    Type: AWS::SQS::Queue
  Shared:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref First, !Ref Second]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: sqs:SendMessage
            Resource: "*"
"""
    )
    for name in ("First", "Second"):
        policies = graph.policies_of(graph.nodes[f"t.yaml#{name}"])
        assert [p.address for p in policies] == ["Shared"]
        (statement,) = policies[0].statements.value
        assert statement.principals == {"Service": ("sns.amazonaws.com",)}
        assert statement.actions == ("sqs:SendMessage",)


def test_sqs_subscription_to_an_existing_queue_gives_it_sams_policy_for_sns():
    """SAM writes the same queue policy for an existing queue (`QueueArn`, `QueueUrl`) as for one it creates;
    without it, the queue looked as if SNS could not send to it (CW201)."""
    graph = load(
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Inbox:
    Type: AWS::SQS::Queue
  Worker:
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
            SqsSubscription:
              QueueArn: !GetAtt Inbox.Arn
              QueueUrl: !Ref Inbox
"""
    )
    (policy,) = graph.policies_of(graph.nodes["t.yaml#Inbox"])
    assert (policy.address, policy.uid) == ("Worker", "t.yaml#WorkerFromAlertsQueuePolicy")
    (statement,) = policy.statements.value
    assert statement.principals == {"Service": ("sns.amazonaws.com",)}
    assert statement.actions == ("sqs:SendMessage",)
    assert statement.resources == (Ref("Inbox", "Arn"),)
    assert statement.conditions == {"ArnEquals": {"aws:SourceArn": Ref("Alerts")}}


def test_inline_topic_subscription_feeds_the_queue(write):
    write(
        "t.yaml",
        """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - Protocol: sqs
          Endpoint: !GetAtt Queue.Arn
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true
""",
    )
    run = scan_json("--select", "CW101", ".")
    assert run.findings() == {("CW101", "Queue", 8)}
    assert run.report["findings"][0]["related"] == [{"resource": "Topic", "file": "t.yaml", "line": 2}]


def test_json_template_is_read_with_lines(write):
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "40"}},
            "Worker": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 30, "Role": "arn:aws:iam::1:role/r"}},
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
                    "FunctionName": {"Ref": "Worker"},
                    "MaximumBatchingWindowInSeconds": 2,
                },
            },
        },
    }
    write("cdk.out/Stack.template.json", json.dumps(template, indent=1))
    run = scan_json("--select", "CW302", ".")
    assert run.findings() == {("CW302", "Queue", 4)}
    assert run.report["findings"][0]["file"] == "cdk.out/Stack.template.json"


def test_links_by_literal_name_url_and_arn(write):
    write(
        "t.yaml",
        """\
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
      VisibilityTimeout: 10
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: jobs-worker
      Timeout: 20
      Role: arn:aws:iam::123456789012:role/worker
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: arn:aws:sqs:eu-west-1:123456789012:jobs
      FunctionName: jobs-worker
""",
    )
    assert scan_json("--select", "CW301", ".").findings() == {("CW301", "Queue", 2)}


def test_import_value_is_unresolved_not_guessed(write):
    write(
        "t.yaml",
        """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - Protocol: sqs
          Endpoint: !GetAtt Queue.Arn
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !ImportValue shared-key
""",
    )
    run = scan_json("--select", "CW102", ".")
    assert run.findings() == set()
    assert [(u["check_id"], u["resource"], u["line"]) for u in run.report["unresolved"]] == [("CW102", "Queue", 8)]
    assert "Fn::ImportValue" in run.report["unresolved"][0]["reason"]


def test_sam_policy_template_and_generated_role():
    graph = load(
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Policies:
        - SQSPollerPolicy:
            QueueName: !GetAtt Queue.QueueName
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
"""
    )
    worker = graph.nodes["t.yaml#Worker"]
    role = graph.role_of(worker)  # type: ignore[arg-type]
    assert role is not None and role.address == "Worker"
    assert any("AWSLambdaSQSQueueExecutionRole" in arn for arn in role.managed_policy_arns.value)
    (policy,) = graph.policies_of(role)
    (statement,) = policy.statements.value
    assert "sqs:ReceiveMessage" in statement.actions
    assert statement.resources == ("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName}",)  # the GetAtt attribute is kept


def test_ignore_globals_opts_a_function_out_of_globals(write):
    base = CONSUMER.format(visibility=10, timeout="")
    function = "    Type: AWS::Serverless::Function\n"
    for ignored in ("'*'", "[Timeout]"):
        write("t.yaml", base.replace(function, f"{function}    IgnoreGlobals: {ignored}\n"))
        run = scan_json("--select", "CW301,CW302", ".")
        assert run.findings() == {("CW302", "Queue", 7)}
        assert "6 × 3 s (function Worker, AWS default)" in run.report["findings"][0]["message"]
    write("t.yaml", base.replace(function, f"{function}    IgnoreGlobals: [Runtime]\n"))
    assert scan_json("--select", "CW301,CW302", ".").findings() == {("CW301", "Queue", 7)}


def test_an_empty_kms_key_is_no_key_and_no_unfollowed_reference():
    # `!If [Encrypted, <key>, ""]` leaves "" where a key would be: it names no resource, so no check may skip the
    # queue or topic as if a key reference could not be followed (the value itself stays as written: CW107 reads it)
    graph = load(
        """
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: ""
  Alerts:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: ""
"""
    )
    queue, topic = graph.nodes["t.yaml#Jobs"], graph.nodes["t.yaml#Alerts"]
    assert (queue.kms_key.value, queue.kms_key.origin) == ("", Origin.EXPLICIT)  # type: ignore[attr-defined]
    assert graph.key_of(queue) is None and graph.key_of(topic) is None  # type: ignore[arg-type]
    assert list(graph.unlinked_all()) == []


def test_a_value_says_how_it_reached_the_property_when_not_written_there():
    graph = load(
        "Parameters:\n  Stage:\n    Type: String\n    Default: prod\n"
        "  Wait:\n    Type: Number\n    Default: 90\n"
        "Conditions:\n  Prod: !Equals [!Ref Stage, prod]\n"
        "Mappings:\n  Sizes:\n    prod:\n      visibility: 120\n"
        "Resources:\n"
        "  Written:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n"
        "  Mapped:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      VisibilityTimeout: !FindInMap [Sizes, !Ref Stage, visibility]\n"
        "  Chosen:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !If [Prod, 60, !Ref Wait]\n"
        "  ChosenParameter:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      VisibilityTimeout: !If [Prod, !Ref Wait, 60]\n"
        "  Selected:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !Select [1, [10, 20]]\n"
        "  Dead:\n    Type: AWS::SQS::Queue\n"
        "  Source:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Dead.Arn\n        maxReceiveCount: 5\n"
    )
    queues = {q.address: q for q in graph.of_kind(Queue)}
    assert {name: (q.visibility_timeout.value, q.visibility_timeout.note) for name, q in queues.items()} == {
        "Written": (30, ""),
        "Mapped": (120, "mapping Sizes"),
        "Chosen": (60, ""),
        "ChosenParameter": (90, "parameter Wait default"),
        "Selected": (20, "through Fn::Select"),
        "Dead": (30, ""),
        "Source": (30, ""),
    }
    assert queues["Source"].dead_letter_target.note == ""


def test_sam_sns_event_with_sqs_subscription_keeps_its_redrive_policy_on_the_subscription():
    # SAM passes the event's RedrivePolicy to the subscription it generates, with or without SqsSubscription
    graph = load(
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Undelivered:
    Type: AWS::SQS::Queue
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Queued:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: true
            RedrivePolicy:
              deadLetterTargetArn: !GetAtt Undelivered.Arn
        Direct:
          Type: SNS
          Properties:
            Topic: !Ref Events
            RedrivePolicy:
              deadLetterTargetArn: !GetAtt Undelivered.Arn
"""
    )
    for event in ("Queued", "Direct"):
        subscription = graph.nodes[f"t.yaml#Consumer{event}"]
        assert isinstance(subscription, Subscription)
        assert subscription.dead_letter_target.origin is Origin.EXPLICIT, event
        assert graph.dlq_of(subscription) is graph.nodes["t.yaml#Undelivered"], event


def test_each_policy_statement_has_its_own_lines_unless_an_intrinsic_changed_the_list():
    graph = load(
        """\
Conditions:
  Never: !Equals [a, b]
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: sns.amazonaws.com }
            Action: sqs:SendMessage
          - Effect: Deny
            Principal: "*"
            Action: sqs:*
  AuditPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - !If [Never, { Effect: Allow, Principal: "*", Action: sqs:* }, !Ref AWS::NoValue]
          - Effect: Deny
            Principal: "*"
            Action: sqs:*
"""
    )
    policies = {n.address: n for n in graph.nodes.values() if n.kind.value == "policy"}
    spans = [(s.span.line, s.span.end_line) for s in policies["OrdersPolicy"].statements.value]
    assert spans == [(12, 14), (15, 17)]
    # the !If left one statement of two: which lines it has cannot be told, so it has the document's
    assert [(s.span.line, s.span.end_line) for s in policies["AuditPolicy"].statements.value] == [(22, 27)]


def test_sqs_subscription_gives_the_generated_role_the_sqs_execution_policy():
    """SAM consumes the queue of `SqsSubscription` through an SQS event source, which adds
    AWSLambdaSQSQueueExecutionRole to the role it generates (samtranslator SNS._inject_sqs_event_source_mapping),
    as an SQS event does; a plain SNS event does not."""
    template = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Events:
    Type: AWS::SNS::Topic
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Orders:
          Type: SNS
          Properties:
            Topic: !Ref Events
            SqsSubscription: SUBSCRIPTION
"""
    sqs = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
    for subscription, expected in (("true", True), ("{ BatchSize: 5 }", True), ("false", False)):
        graph = load(template.replace("SUBSCRIPTION", subscription))
        role = graph.role_of(graph.nodes["t.yaml#Consumer"])  # type: ignore[arg-type]
        assert role is not None
        assert (sqs in role.managed_policy_arns.value) is expected, subscription


def test_a_policy_written_inside_its_resource_has_no_targets():
    """`targets` is what a standalone policy resource attaches to: a role's inline policy or a key policy has
    none (absent, as in Terraform's inline_policy and SAM's Policies), so the twins load alike."""
    graph = load(
        """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: { Statement: [{ Effect: Allow, Principal: "*", Action: "kms:*", Resource: "*" }] }
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
      Policies:
        - PolicyName: poll
          PolicyDocument: { Statement: [{ Effect: Allow, Action: sqs:ReceiveMessage, Resource: "*" }] }
"""
    )
    for owner in ("t.yaml#Key", "t.yaml#Role"):
        (policy,) = graph.policies_of(graph.nodes[owner])
        assert policy.targets.origin is Origin.ABSENT, owner


def test_a_value_chosen_by_the_else_branch_of_an_fn_if_says_so():
    # cfn-lint's rules read only the then branch of a property's Fn::If: the graph tells a value it would not see
    graph = load(
        "Parameters:\n  Stage:\n    Type: String\n    Default: dev\n"
        "Conditions:\n  Prod: !Equals [!Ref Stage, prod]\n  Dev: !Not [Condition: Prod]\n"
        "Resources:\n"
        "  Then:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !If [Dev, 60, 30]\n"
        "  Else:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: !If [Prod, 60, 30]\n"
        "  NestedElse:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      VisibilityTimeout: !If [Dev, !If [Prod, 60, 20], 30]\n"
        "  Text:\n    Type: AWS::SQS::Queue\n    Properties:\n      FifoQueue: !If [Prod, \"false\", \"true\"]\n"
        "  Written:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 30\n"
    )
    queues = {q.address: q for q in graph.of_kind(Queue)}
    assert {name: (q.visibility_timeout.value, q.visibility_timeout.else_branch) for name, q in queues.items()} == {
        "Then": (60, False),
        "Else": (30, True),
        "NestedElse": (20, True),
        "Text": (30, False),
        "Written": (30, False),
    }
    # kept through the conversion of text to a boolean
    assert (queues["Text"].fifo.value, queues["Text"].fifo.else_branch) == (True, True)


def test_a_sam_connector_grants_the_roles_of_the_functions_it_names():
    """A connector (standalone or embedded in its source) adds a policy to the role of a function it names as
    Source or Destination, by Id or Arn: between a queue and a function, SAM's profile for the pair; for any other
    pair, a policy whose statements are unresolved."""
    graph = load(
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Connectors:
      ToSam:
        Properties: { Destination: { Id: Sam }, Permissions: [Read, Write] }
  Sam:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: index.handler, InlineCode: x }
  PlainRole:
    Type: AWS::IAM::Role
    Properties: { AssumeRolePolicyDocument: { Statement: [] } }
  Plain:
    Type: AWS::Lambda::Function
    Properties: { Role: !GetAtt PlainRole.Arn, Runtime: python3.12, Handler: index.handler, Code: { ZipFile: x } }
  Notified:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, Handler: index.handler, InlineCode: x }
  PlainToJobs:
    Type: AWS::Serverless::Connector
    Properties:
      Source: { Type: AWS::Lambda::Function, Arn: !GetAtt Plain.Arn }
      Destination: { Id: Jobs }
      Permissions: [Write]
  Alerts:
    Type: AWS::SNS::Topic
  AlertsToNotified:
    Type: AWS::Serverless::Connector
    Properties: { Source: { Id: Alerts }, Destination: { Id: Notified }, Permissions: [Write] }
"""
    )

    def grants(function: str) -> list:
        (node,) = [n for n in graph.nodes.values() if n.address == function and n.kind.value == "function"]
        role = graph.role_of(node)
        assert role is not None
        found = []
        for policy in graph.policies_of(role):
            if not policy.statements.resolved:
                found.append(policy.statements.note)
                continue
            found += [(s.actions, s.resources) for s in policy.statements.value]
        return found

    queue_arn = (Ref("Jobs", "Arn"),)
    assert grants("Sam") == [(("sqs:ReceiveMessage", "sqs:GetQueueAttributes", "sqs:DeleteMessage"), queue_arn)]
    write = ("sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue")
    assert grants("Plain") == [(write, queue_arn)]
    assert grants("Notified") == ["SAM connector AlertsToNotified grants permissions that are not modelled"]


def test_an_event_rule_target_assumes_its_role_arn():
    """EventBridge delivers to an SQS target with the target's role when it names one (CW201 asks the role)."""
    graph = load(
        """\
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Sender:
    Type: AWS::IAM::Role
    Properties: { AssumeRolePolicyDocument: { Statement: [] } }
  Rule:
    Type: AWS::Events::Rule
    Properties:
      Targets:
        - { Id: a, Arn: !GetAtt Jobs.Arn, RoleArn: !GetAtt Sender.Arn }
        - { Id: b, Arn: !GetAtt Jobs.Arn }
"""
    )
    with_role, plain = [n for n in graph.nodes.values() if n.kind.value == "rule-target"]
    assert [r.address for r in graph.targets(with_role, EdgeKind.ASSUMES)] == ["Sender"]
    assert plain.role.origin is Origin.ABSENT
