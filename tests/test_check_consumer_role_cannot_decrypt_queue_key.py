"""CW104 beyond its fixtures: the exact messages (which policy refuses), SAM's KMSDecryptPolicy, and the consumers
it cannot judge (listed under `unresolved` with the evaluator's reason)."""

from __future__ import annotations

from conftest import scan_json

CONSUMER = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  QueueKey:
    Type: String
Resources:
  Key:
    Type: AWS::KMS::Key
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: KEY
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
POLICIES
      Events:
        Jobs:
          Type: SQS
          Properties: { Queue: !GetAtt Jobs.Arn }
"""


def consumer(policies: str = "", key: str = "!Ref Key") -> str:
    return CONSUMER.replace("KEY", key).replace("POLICIES\n", policies)


def test_a_sam_consumer_of_a_key_with_the_default_policy_needs_kms_decrypt_in_its_role(write):
    write("t.yaml", consumer())
    run = scan_json("--select", "CW104", ".")
    assert run.findings() == {("CW104", "Worker", 12)}
    (finding,) = run.report["findings"]
    assert finding["message"] == (
        "function Worker consumes queue Jobs, encrypted with key Key, but its execution role (role of SAM function "
        "Worker) may not call kms:Decrypt on that key: the key policy leaves it to the account's IAM policies, and "
        "no policy of role of SAM function Worker allows it; Lambda cannot receive from the queue (KMS access "
        "denied), so the function never runs and the messages expire in the queue"
    )
    assert [r["resource"] for r in finding["related"]] == ["Jobs", "Key"]
    write("t.yaml", consumer("      Policies:\n        - KMSDecryptPolicy: { KeyId: !Ref Key }\n"))
    run = scan_json("--select", "CW104", ".")
    assert (run.findings(), run.report["unresolved"]) == (set(), [])


def test_a_deny_is_the_statement_at_fault(write):
    policies = """\
      Policies:
        - KMSDecryptPolicy: { KeyId: !Ref Key }
        - Statement:
            - { Effect: Deny, Action: "kms:*", Resource: "*" }
"""
    write("t.yaml", consumer(policies))
    run = scan_json("--select", "CW104", ".")
    assert run.findings() == {("CW104", "Worker", 12)}
    assert "may not call kms:Decrypt on that key: a Deny statement of the policy at t.yaml:20 covers it;" in (
        run.report["findings"][0]["message"]
    )


def test_a_queue_without_a_customer_managed_key_is_not_judged(write):
    for key in ("alias/aws/sqs", '""'):
        write("t.yaml", consumer(key=key).replace("      KmsMasterKeyId: \"\"\n", ""))
        run = scan_json("--select", "CW104", ".")
        assert (run.findings(), run.report["unresolved"]) == (set(), []), key


def test_an_unknown_key_or_condition_is_a_skip_not_a_finding(write):
    write("t.yaml", consumer(key="!Ref QueueKey"))
    run = scan_json("--select", "CW104", ".")
    assert run.findings() == set()
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        ("Worker", "KMS key of queue Jobs is unresolved: parameter QueueKey has no default and no --param value")
    ]
    # the call comes through SQS in the stack's region: a condition naming one region cannot be decided here
    policies = """\
      Policies:
        - Statement:
            - Effect: Allow
              Action: kms:Decrypt
              Resource: !GetAtt Key.Arn
              Condition: { StringEquals: { kms:ViaService: VIA } }
"""
    write("t.yaml", consumer(policies.replace("VIA", "sqs.eu-west-1.amazonaws.com")))
    run = scan_json("--select", "CW104", ".")
    assert run.findings() == set()
    assert [(u["resource"], u["reason"]) for u in run.report["unresolved"]] == [
        (
            "Worker",
            "whether role of SAM function Worker may call kms:Decrypt on key Key is unknown: a statement may allow "
            "kms:Decrypt on Key: its condition StringEquals on kms:ViaService cannot be decided (t.yaml:19)",
        )
    ]
    write("t.yaml", consumer(policies.replace("VIA", '!Sub "sqs.${AWS::Region}.amazonaws.com"')))
    run = scan_json("--select", "CW104", ".")
    assert (run.findings(), run.report["unresolved"]) == (set(), [])
    write("t.yaml", consumer(policies.replace("VIA", '!Sub "s3.${AWS::Region}.amazonaws.com"')))
    assert scan_json("--select", "CW104", ".").findings() == {("CW104", "Worker", 12)}
