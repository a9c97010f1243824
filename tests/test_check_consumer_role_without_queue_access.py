"""CW311 beyond its fixtures: the exact message, the Deny statement at fault, SAM's SqsSubscription consumers, and
the consumers it cannot judge (listed under `unresolved` with the evaluator's reason)."""

from __future__ import annotations

from conftest import scan_json

CONSUMER = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
ROLE
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Role: ROLE_ARN
      Runtime: python3.12
      Handler: index.handler
      Code: { ZipFile: "def handler(event, context): pass" }
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
"""


def consumer(role: str, role_arn: str = "!GetAtt WorkerRole.Arn") -> str:
    return CONSUMER.replace("ROLE_ARN", role_arn).replace("ROLE\n", role)


def test_a_role_without_sqs_permissions_is_reported_on_the_function_with_every_missing_action(write):
    write("t.yaml", consumer(""))
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == {("CW311", "Worker", 9)}
    (finding,) = run.report["findings"]
    assert finding["message"] == (
        "function Worker consumes queue Jobs, but its execution role (role WorkerRole) may not call "
        "sqs:ReceiveMessage, sqs:DeleteMessage or sqs:GetQueueAttributes on the queue: no statement of the role's "
        "policies, or of a queue policy naming the role, allows them; Lambda refuses the event source mapping "
        '("The provided execution role does not have permissions to call ReceiveMessage on SQS") and the queue is '
        "never read"
    )
    assert [r["resource"] for r in finding["related"]] == ["Jobs", "WorkerRole"]


def test_a_deny_next_to_the_managed_policy_is_the_statement_at_fault(write):
    role = """\
      ManagedPolicyArns: [!Sub "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]
      Policies:
        - PolicyName: keep
          PolicyDocument:
            Statement:
              - Effect: Deny
                Action: sqs:DeleteMessage
                Resource: "*"
"""
    write("t.yaml", consumer(role))
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == {("CW311", "Worker", 17)}
    message = run.report["findings"][0]["message"]
    assert "may not call sqs:DeleteMessage on the queue: a Deny statement of the policy at t.yaml:14 covers sqs:DeleteMessage;" in (
        message
    )


def test_sam_consumers_of_an_sqs_subscription_get_the_managed_policy_from_sam(write):
    write(
        "t.yaml",
        """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Alerts:
    Type: AWS::SNS::Topic
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Alerts:
          Type: SNS
          Properties: { Topic: !Ref Alerts, SqsSubscription: true }
""",
    )
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == set()
    assert run.report["unresolved"] == []


def test_an_unknown_managed_policy_or_a_role_of_another_stack_is_a_skip_not_a_finding(write):
    write("t.yaml", consumer("      ManagedPolicyArns: [arn:aws:iam::111122223333:policy/team-consumers]\n"))
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == set()
    assert [(u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "Worker",
            10,
            "whether role WorkerRole may call sqs:ReceiveMessage on queue Jobs is unknown: a statement may allow "
            "sqs:ReceiveMessage on Jobs: Action is unresolved: managed policy "
            "arn:aws:iam::111122223333:policy/team-consumers is not known",
        )
    ]
    write("t.yaml", consumer("", role_arn="arn:aws:iam::111122223333:role/shared-consumer"))
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == set()
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "Worker",
            "role of function Worker is unresolved: 'arn:aws:iam::111122223333:role/shared-consumer' is not among "
            "the scanned resources",
        )
    ]


CONNECTED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
CONNECTORS
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): pass"
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
  JobsToWorker:
    Type: AWS::Serverless::Connector
    Properties:
      Source: { Id: Jobs }
      Destination: DESTINATION
      Permissions: [Read, Write]
"""


def test_a_sam_connector_from_the_queue_grants_what_the_consumer_needs(write):
    # SAM's connector profile for SQS -> Lambda grants the destination function's role sqs:ReceiveMessage and
    # sqs:GetQueueAttributes (Read) and sqs:DeleteMessage (Write) on the queue (aws/serverless-application-model
    # tests/translator/input/connector_sqs_to_function.yaml)
    for destination in ("{ Id: Worker }", "{ Type: AWS::Lambda::Function, Arn: !GetAtt Worker.Arn }"):
        write("t.yaml", CONNECTED.replace("CONNECTORS\n", "").replace("DESTINATION", destination))
        run = scan_json("--select", "CW311", ".")
        assert run.findings() == set()
        assert run.report["unresolved"] == []


def test_an_embedded_connector_of_the_queue_grants_it_too(write):
    embedded = "    Connectors:\n      ToWorker:\n        Properties:\n          Destination: { Id: Worker }\n"
    embedded += "          Permissions: [Read, Write]\n"
    write("t.yaml", CONNECTED.replace("CONNECTORS\n", embedded).split("  JobsToWorker:")[0])
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == set()
    assert run.report["unresolved"] == []


def test_a_connector_from_the_function_to_the_queue_grants_per_permission(write):
    # Function -> SQS: Read grants sqs:ReceiveMessage and sqs:GetQueueAttributes, Write sqs:DeleteMessage among others
    template = CONNECTED.replace("CONNECTORS\n", "").replace("DESTINATION", "{ Id: Jobs }")
    template = template.replace("Source: { Id: Jobs }", "Source: { Id: Worker }")
    write("t.yaml", template)
    run = scan_json("--select", "CW311", ".")
    assert (run.findings(), run.report["unresolved"]) == (set(), [])
    write("t.yaml", template.replace("Permissions: [Read, Write]", "Permissions: [Read]"))
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == {("CW311", "Worker", 5)}
    assert "may not call sqs:DeleteMessage on the queue" in run.report["findings"][0]["message"]


def test_a_connector_whose_grants_are_not_modelled_is_a_skip_and_one_to_another_function_changes_nothing(write):
    # an SNS topic -> function connector: what it grants the function's role is not modelled
    template = CONNECTED.replace("CONNECTORS\n", "").replace("DESTINATION", "{ Id: Worker }")
    template = template.replace("Source: { Id: Jobs }", "Source: { Id: Alerts }")
    write("t.yaml", template + "  Alerts:\n    Type: AWS::SNS::Topic\n")
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == set()
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "Worker",
            "whether role of SAM function Worker may call sqs:ReceiveMessage on queue Jobs is unknown: the "
            "policy JobsToWorker is unresolved: SAM connector JobsToWorker grants permissions that are not "
            "modelled",
        )
    ]
    other = "{ Id: Other }\n  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    other += "      Runtime: python3.12\n      Handler: index.handler\n      InlineCode: x\n"
    write("t.yaml", CONNECTED.replace("CONNECTORS\n", "").replace("DESTINATION", other))
    run = scan_json("--select", "CW311", ".")
    assert run.findings() == {("CW311", "Worker", 5)}
