"""Review findings on the CloudFormation loader: intrinsics on nested property blocks, resources under a
condition nobody can decide, and where reports point for the other ends of a wire."""

from __future__ import annotations

from conftest import scan_json
from crosswire.graph import Graph
from crosswire.loaders import cloudformation
from crosswire.model import EdgeKind, Origin, Span


def related(run, check_id: str) -> list[tuple[str, int]]:
    (finding,) = [f for f in run.report["findings"] if f["check_id"] == check_id]
    return [(r["resource"], r["line"]) for r in finding["related"]]


def test_a_related_bucket_is_reported_on_the_bucket_not_its_notification_item(write):
    write(
        "t.yaml",
        """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: "s3:ObjectCreated:*"
            Queue: !GetAtt Q.Arn
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription:
        - {Protocol: sqs, Endpoint: !GetAtt Q.Arn}
  Q: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: alias/aws/sqs}}
""",
    )
    run = scan_json("--select", "CW102", ".")
    assert run.findings() == {("CW102", "Q", 14)}
    assert sorted(related(run, "CW102")) == [("Bucket", 2), ("Topic", 9)]


# -- intrinsics on nested property blocks ---------------------------------------------------------------------

UNKNOWN_ENV = """\
Parameters: {Env: {Type: String}}
Conditions: {Prod: !Equals [!Ref Env, prod]}
"""
ENV_REASON = "parameter Env has no default and no --param value"


def load(text: str, params: dict[str, str] | None = None) -> Graph:
    graph = Graph()
    cloudformation.load(cloudformation.parse(text, "t.yaml"), "t.yaml", graph, params or {})
    graph.resolve_wires()
    return graph


def unresolved(run) -> set[tuple[str, str, int, str]]:
    return {(u["check_id"], u["resource"], u["line"], u["reason"]) for u in run.report["unresolved"]}


def test_notification_configuration_behind_if_feeds_the_queue(write):
    write(
        "t.yaml",
        """\
Parameters: {Notify: {Type: String, Default: "yes"}}
Conditions: {Notif: !Equals [!Ref Notify, "yes"]}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration: !If [Notif, {QueueConfigurations: [{Event: "s3:ObjectCreated:*", Queue: !GetAtt Q2.Arn}]}, !Ref AWS::NoValue]
  Q2: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: alias/aws/sqs}}
""",
    )
    run = scan_json("--select", "CW102", ".")
    assert run.findings() == {("CW102", "Q2", 8)}
    assert related(run, "CW102") == [("Bucket", 4)]
    assert scan_json("--select", "CW102", ".", "--param", "Notify=no").findings() == set()


def test_values_read_from_a_resolved_block_have_the_property_line_and_an_unresolved_block_is_unresolved():
    template = (
        UNKNOWN_ENV
        + """\
Resources:
  Dlq: {Type: AWS::SQS::Queue}
  Q:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: !If [Prod, {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}, !Ref AWS::NoValue]
  F:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::1:role/r
      DeadLetterConfig: !If [Prod, {TargetArn: !GetAtt Dlq.Arn}, !Ref AWS::NoValue]
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Q.Arn
      FunctionName: !Ref F
      ScalingConfig: !If [Prod, {MaximumConcurrency: 5}, !Ref AWS::NoValue]
"""
    )
    graph = load(template, {"Env": "prod"})
    queue, function, mapping = (graph.nodes[f"t.yaml#{name}"] for name in ("Q", "F", "M"))
    assert (queue.max_receive_count.value, queue.max_receive_count.origin) == (3, Origin.EXPLICIT)
    assert queue.max_receive_count.span == Span("t.yaml", 8, 8)
    assert graph.dlq_of(queue) is graph.nodes["t.yaml#Dlq"]
    assert graph.dlq_of(function) is graph.nodes["t.yaml#Dlq"]
    assert (mapping.maximum_concurrency.value, mapping.maximum_concurrency.span) == (5, Span("t.yaml", 19, 19))

    graph = load(template)
    queue, function, mapping = (graph.nodes[f"t.yaml#{name}"] for name in ("Q", "F", "M"))
    for value in (
        queue.max_receive_count,
        queue.dead_letter_target,
        function.dead_letter_target,
        mapping.maximum_concurrency,
    ):
        assert (value.origin, value.note) == (Origin.UNRESOLVED, ENV_REASON)
    assert queue.max_receive_count.span == Span("t.yaml", 8, 8)

    graph = load(template, {"Env": "dev"})
    assert graph.nodes["t.yaml#Q"].max_receive_count.origin is Origin.ABSENT  # no maxReceiveCount, and AWS has no default


def test_redrive_policy_that_is_not_json_is_unresolved_not_absent():
    graph = load("Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: 'maxReceiveCount=3'}}\n")
    value = graph.nodes["t.yaml#Q"].max_receive_count
    assert (value.origin, value.note) == (Origin.UNRESOLVED, "RedrivePolicy is neither a mapping nor JSON text")


SAM_EVENT = (
    "Transform: AWS::Serverless-2016-10-31\n"
    + UNKNOWN_ENV
    + """\
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 10}}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 20
      Role: arn:aws:iam::1:role/r
      Events:
        Jobs:
          Type: SQS
          Properties: !If [Prod, {Queue: !GetAtt Q.Arn, BatchSize: 5}, {Queue: !GetAtt Q.Arn}]
"""
)


def test_sam_event_properties_behind_if_are_read(write):
    write("t.yaml", SAM_EVENT)
    assert scan_json("--select", "CW301,CW302", ".", "--param", "Env=prod").findings() == {("CW301", "Q", 5)}
    # both branches of the Fn::If wire the queue: the finding holds whatever Env is, and says no scenario
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == {("CW301", "Q", 5)} and unresolved(run) == set()
    assert "(when" not in run.report["findings"][0]["message"]


SQS_SUBSCRIPTION = (
    "Transform: AWS::Serverless-2016-10-31\n"
    + UNKNOWN_ENV
    + """\
Resources:
  Topic: {Type: AWS::SNS::Topic}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 60
      Role: arn:aws:iam::1:role/r
      Events:
        Orders:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            SqsSubscription: !If [Prod, true, false]
"""
)


def test_sqs_subscription_on_an_unknown_condition_models_the_queue_as_unresolved(write):
    write("t.yaml", SQS_SUBSCRIPTION)
    assert scan_json("--select", "CW101,CW102,CW301,CW302", ".", "--param", "Env=prod").findings() == {("CW301", "F", 12)}
    assert scan_json("--select", "CW101,CW102,CW301,CW302", ".", "--param", "Env=dev").findings() == set()
    run = scan_json("--select", "CW101,CW102,CW301,CW302", ".")
    assert run.findings() == {("CW301", "F", 12)} and unresolved(run) == set()
    assert run.report["findings"][0]["message"].endswith("(when Prod is true)")


# -- resources under a condition nobody can decide ------------------------------------------------------------

IS_PROD = """\
Parameters: {Env: {Type: String}}
Conditions: {IsProd: !Equals [!Ref Env, prod]}
"""
IS_PROD_REASON = "which is unresolved: parameter Env has no default and no --param value"


def test_a_finding_on_a_rule_behind_an_undecided_condition_is_a_skip(write):
    write(
        "t.yaml",
        IS_PROD
        + """\
Resources:
  Rule:
    Type: AWS::Events::Rule
    Condition: IsProd
    Properties:
      EventPattern: {source: [aws.s3]}
      Targets: [{Id: q, Arn: !GetAtt Q.Arn}]
  Q: {Type: AWS::SQS::Queue, Properties: {SqsManagedSseEnabled: true}}
""",
    )
    run = scan_json("--select", "CW101", ".")
    assert run.findings() == {("CW101", "Q", 10)} and unresolved(run) == set()
    assert run.report["findings"][0]["message"].endswith("(when IsProd is true)")
    assert scan_json("--select", "CW101", ".", "--param", "Env=prod").findings() == {("CW101", "Q", 10)}
    assert scan_json("--select", "CW101", ".", "--param", "Env=dev").findings() == set()


def test_a_finding_on_a_consumer_behind_an_undecided_condition_is_a_skip(write):
    write(
        "t.yaml",
        IS_PROD
        + """\
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {VisibilityTimeout: 10}}
  F:
    Type: AWS::Lambda::Function
    Condition: IsProd
    Properties: {Timeout: 20, Role: arn:aws:iam::1:role/r}
  M: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F}}
""",
    )
    run = scan_json(".", "--select", "CW301")
    assert run.findings() == {("CW301", "Q", 4)} and unresolved(run) == set()
    assert run.report["findings"][0]["message"].endswith("(when IsProd is true)")
    assert scan_json(".", "--select", "CW301", "--param", "Env=prod").findings() == {("CW301", "Q", 4)}


def test_a_sam_function_behind_an_undecided_condition_skips_on_its_generated_queue(write):
    write(
        "t.yaml",
        SQS_SUBSCRIPTION.replace(
            "    Properties:\n      Timeout: 60", "    Condition: Prod\n    Properties:\n      Timeout: 60"
        ).replace("SqsSubscription: !If [Prod, true, false]", "SqsSubscription: true"),
    )
    run = scan_json(".", "--select", "CW301")
    assert run.findings() == {("CW301", "F", 13)} and unresolved(run) == set()
    assert run.report["findings"][0]["message"].endswith("(when Prod is true)")


def test_a_subscription_or_mapping_behind_an_undecided_condition_makes_the_finding_a_skip(write):
    write(
        "t.yaml",
        IS_PROD
        + """\
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Sub:
    Type: AWS::SNS::Subscription
    Condition: IsProd
    Properties: {TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Q.Arn}
  Q: {Type: AWS::SQS::Queue, Properties: {SqsManagedSseEnabled: true, VisibilityTimeout: 10}}
  F: {Type: AWS::Lambda::Function, Properties: {Timeout: 20, Role: arn:aws:iam::1:role/r}}
  M:
    Type: AWS::Lambda::EventSourceMapping
    Condition: IsProd
    Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F}
""",
    )
    run = scan_json(".", "--select", "CW101,CW301")
    assert run.findings() == {("CW101", "Q", 9), ("CW301", "Q", 9)} and unresolved(run) == set()
    assert all(f["message"].endswith("(when IsProd is true)") for f in run.report["findings"])
    run = scan_json(".", "--select", "CW101,CW301", "--param", "Env=prod")
    assert run.findings() == {("CW101", "Q", 9), ("CW301", "Q", 9)}


def test_an_unresolved_notification_configuration_is_an_unresolved_destination_not_no_notification():
    graph = load(
        UNKNOWN_ENV
        + """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration: !If [Prod, {QueueConfigurations: [{Event: "s3:*", Queue: !GetAtt Q.Arn}]}, {}]
  Q: {Type: AWS::SQS::Queue}
"""
    )
    notification = graph.nodes["t.yaml#Bucket.QueueConfigurations[0]"]
    destination = notification.destination
    assert (destination.origin, destination.note, destination.span) == (
        Origin.UNRESOLVED,
        ENV_REASON,
        Span("t.yaml", 7, 7),
    )
    assert graph.why_unlinked(notification, EdgeKind.DELIVERS_TO) == ENV_REASON


def test_odd_nested_blocks_are_unresolved_or_ignored_never_a_crash(write):
    write(
        "t.yaml",
        "Transform: AWS::Serverless-2016-10-31\n"
        + UNKNOWN_ENV
        + """\
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: [1], VisibilityTimeout: 10}}
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {NotificationConfiguration: {QueueConfigurations: !Ref AWS::NoValue}}
  Rule:
    Type: AWS::Events::Rule
    Properties: {Targets: [!If [Prod, {Id: a, Arn: !GetAtt Q.Arn}, !Ref AWS::NoValue], 3, !Ref Env]}
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 20
      Role: arn:aws:iam::1:role/r
      Events:
        A: {Type: SQS, Properties: 5}
        B: {Type: SNS, Properties: {Topic: !Ref AWS::NoValue, SqsSubscription: {QueueArn: !If [Prod, !GetAtt Q.Arn, x]}}}
""",
    )
    run = scan_json("--select", "CW101,CW102,CW301,CW302", ".")
    assert run.report["errors"] == []
    # the SNS event's subscription queue is Q only when Prod holds: Q's visibility timeout is below F's timeout then
    assert run.findings() == {("CW301", "Q", 5)}
    assert run.report["findings"][0]["message"].endswith("(when Prod is true)")
    not_a_mapping = "queue of mapping of SAM function F is unresolved: Properties is not a mapping"
    queue_arn = "queue of mapping of SAM function F is unresolved: 'x' is not among the scanned resources (when Prod is false)"
    endpoint = (
        "endpoint of subscription of SAM function F is unresolved: 'x' is not among the scanned resources "
        "(when Prod is false)"
    )
    assert unresolved(run) == {
        ("CW301", "F", 18, not_a_mapping),
        ("CW302", "F", 18, not_a_mapping),
        ("CW101", "F", 19, endpoint),
        ("CW102", "F", 19, endpoint),
        ("CW301", "F", 19, queue_arn),
        ("CW302", "F", 19, queue_arn),
    }
