"""CloudFormation conditions on parameters without a value are judged scenario by scenario (issue 12, item 1): a
finding that holds in some way the template can be deployed is reported once, naming the conditions it needs
unless it holds in all; resources whose conditions never hold together are never wired; past the bound, the
template is judged as before (skips that say which condition is undecided)."""

from __future__ import annotations

import json

from conftest import run_cli, scan_json
from crosswire.loaders import cloudformation
from crosswire.loaders.cloudformation.scenarios import MAX_SCENARIOS, OTHER, Scenario, scenarios

STAGES = """\
Parameters:
  Stage:
    Type: String
    AllowedValues: [dev, staging, prod]
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsStaging: !Equals [!Ref Stage, staging]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !If [IsStaging, 20, 400]
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(event, context): pass"}
      Timeout: !If [IsProd, 70, 30]
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
"""


def test_allowed_values_are_the_scenarios():
    template = cloudformation.parse(STAGES, "t.yaml")
    assert scenarios(template, "t.yaml", {}) == [
        Scenario((("Stage", "dev"),), (("IsProd", False), ("IsStaging", False))),
        Scenario((("Stage", "staging"),), (("IsProd", False), ("IsStaging", True))),
        Scenario((("Stage", "prod"),), (("IsProd", True), ("IsStaging", False))),
    ]
    assert scenarios(template, "t.yaml", {"Stage": "prod"}) == []  # decided: nothing to enumerate


def test_a_finding_names_the_scenario_it_holds_in(write):
    write("t.yaml", STAGES)
    run = scan_json("--select", "CW301,CW302", ".")
    assert run.findings() == {("CW301", "Jobs", 9), ("CW302", "Jobs", 9)}
    messages = {f["check_id"]: f["message"] for f in run.report["findings"]}
    # staging: 20 s against 30 s; dev: 400 s against 6 × 30 s is enough; prod: 400 s against 6 × 70 s is not
    assert messages["CW301"].endswith("(when IsProd is false and IsStaging is true)")
    assert "400 s" in messages["CW302"] and messages["CW302"].endswith("(when IsProd is true and IsStaging is false)")
    assert run.report["unresolved"] == []


def test_a_finding_that_holds_in_every_scenario_names_none(write):
    write("t.yaml", STAGES.replace("!If [IsStaging, 20, 400]", "!If [IsStaging, 20, 10]"))
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "Jobs", 9)}
    assert "(when" not in run.report["findings"][0]["message"]


EXCLUSIVE = """\
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Condition: IsProd
    Properties:
      VisibilityTimeout: 10
  Worker:
    Type: AWS::Lambda::Function
    Condition: IsDev
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(event, context): pass"}
      Timeout: 60
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Condition: IsDev
    Properties:
      EventSourceArn: !If [IsProd, !GetAtt Jobs.Arn, !Ref AWS::NoValue]
      FunctionName: !Ref Worker
"""


def test_resources_whose_conditions_never_hold_together_are_not_wired(write):
    write("t.yaml", EXCLUSIVE)
    assert scenarios(cloudformation.parse(EXCLUSIVE, "t.yaml"), "t.yaml", {}) == [
        Scenario((("Env", "prod"),), (("IsProd", True), ("IsDev", False))),
        Scenario((("Env", OTHER),), (("IsProd", False), ("IsDev", True))),
    ]
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == set() and run.report["unresolved"] == []


def test_past_the_bound_conditions_stay_undecided_and_findings_are_skips(write):
    names = [f"P{i}" for i in range(5)]  # 2^5 = 32 ways > MAX_SCENARIOS
    assert 2 ** len(names) > MAX_SCENARIOS
    text = "Parameters:\n" + "".join(f"  {n}:\n    Type: String\n" for n in names)
    text += "Conditions:\n" + "".join(f"  C{n}: !Equals [!Ref {n}, on]\n" for n in names)
    resources = "Resources:\n" + EXCLUSIVE.split("Resources:\n", 1)[1]
    resources = resources.replace("Condition: IsProd", "Condition: CP0").replace("Condition: IsDev", "Condition: CP1")
    text += resources.replace("!If [IsProd, !GetAtt Jobs.Arn, !Ref AWS::NoValue]", "!GetAtt Jobs.Arn")
    write("t.yaml", text)
    assert scenarios(cloudformation.parse(text, "t.yaml"), "t.yaml", {}) == []
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == set()
    (skip,) = run.report["unresolved"]
    assert skip["resource"] == "Jobs" and "depends on condition CP0, which is unresolved" in skip["reason"]


def test_the_graph_dump_shows_each_template_once(write):
    write("t.yaml", STAGES)
    dump = json.loads(run_cli("graph", ".", "--format", "json").out)
    assert sorted(n["address"] for n in dump["nodes"]) == ["Jobs", "Mapping", "Worker"]


def test_a_template_whose_every_resource_hangs_on_one_condition_still_names_it(write):
    """With every resource behind IsProd, only the IsProd scenario has nodes; the finding must still say when it
    holds (the scenarios a file was loaded in were read off its nodes, which missed the scenario with none)."""
    write(
        "t.yaml",
        """\
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Condition: IsProd
    Properties:
      VisibilityTimeout: 20
  Worker:
    Type: AWS::Lambda::Function
    Condition: IsProd
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(event, context): pass"}
      Timeout: 30
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Condition: IsProd
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
""",
    )
    run = scan_json("--select", "CW301", ".")
    assert run.findings() == {("CW301", "Jobs", 7)}
    assert run.report["findings"][0]["message"].endswith("(when IsProd is true)")
