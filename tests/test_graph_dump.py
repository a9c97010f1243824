"""`crosswire graph --format json` is the loaders' contract with the checks: small inputs (tests/graph_inputs/) and
their exact dumps (tests/snapshots/graph/). Set CROSSWIRE_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after a
deliberate change to the graph, then read the diff."""

from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT, run_cli

INPUTS = ROOT / "tests" / "graph_inputs"
SNAPSHOTS = ROOT / "tests" / "snapshots" / "graph"
CASES = sorted(p.name for p in INPUTS.iterdir() if p.is_dir())


def dump(case: str, monkeypatch) -> dict:
    monkeypatch.chdir(INPUTS / case)
    run = run_cli("graph", ".")
    assert run.code == 0, run.err
    document = json.loads(run.out)
    document.pop("version")  # the crosswire release is not part of the contract's shape
    return document


@pytest.mark.parametrize("case", CASES)
def test_graph_dump_matches_its_snapshot(case, monkeypatch):
    document = dump(case, monkeypatch)
    snapshot = SNAPSHOTS / f"{case}.json"
    if os.environ.get("CROSSWIRE_UPDATE_SNAPSHOTS"):
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    assert document == json.loads(snapshot.read_text(encoding="utf-8"))


def attributes(document: dict, address: str, kind: str) -> dict:
    (node,) = [n for n in document["nodes"] if n["address"] == address and n["kind"] == kind]
    return node["attributes"]


def test_globals_fill_a_function_timeout_and_an_own_timeout_wins(monkeypatch):
    document = dump("sam-globals-timeout", monkeypatch)
    assert attributes(document, "FromGlobals", "function")["timeout"] == {
        "value": 60,
        "origin": "explicit",
        "span": {"file": "template.yaml", "line": 4, "end_line": 4},
        "note": "from Globals",
    }
    assert attributes(document, "OwnTimeout", "function")["timeout"]["value"] == 10


def test_a_value_from_the_else_branch_of_an_fn_if_is_marked_and_others_are_not(monkeypatch):
    queue = attributes(dump("cfn-else-branch", monkeypatch), "Queue", "queue")
    assert queue["visibility_timeout"] == {
        "value": 5,
        "origin": "explicit",
        "span": {"file": "template.yaml", "line": 12, "end_line": 12},
        "note": "",
        "else_branch": True,
    }
    assert "else_branch" not in queue["message_retention"]


def test_sqs_subscription_true_makes_a_queue_with_aws_defaults(monkeypatch):
    document = dump("sam-sqs-subscription", monkeypatch)
    queue = attributes(document, "Worker", "queue")
    assert {k: (v["value"], v["origin"]) for k, v in queue.items() if k in ("visibility_timeout", "fifo")} == {
        "visibility_timeout": (30, "default"),
        "fifo": (False, "default"),
    }
    kinds = {(e["kind"]) for e in document["edges"]}
    assert {"subscribes-to", "delivers-to", "consumes", "invokes"} <= kinds


def test_sse_sqs_defaults_on_only_without_a_kms_key(monkeypatch):
    document = dump("queue-kms-key-default", monkeypatch)
    assert attributes(document, "WithKey", "queue")["sqs_managed_sse"]["value"] is False
    assert attributes(document, "WithoutKey", "queue")["sqs_managed_sse"]["value"] is True
    assert attributes(document, "WithoutKey", "queue")["kms_key"]["origin"] == "absent"


def test_a_module_input_reaches_the_module_resource(monkeypatch):
    document = dump("tf-module-input", monkeypatch)
    timeout = attributes(document, "module.jobs.aws_sqs_queue.this", "queue")["visibility_timeout"]
    assert (timeout["value"], timeout["origin"], timeout["note"]) == (
        120,
        "explicit",
        "module input visibility of module.jobs",
    )


def test_a_variable_without_value_is_unresolved_with_the_reason(monkeypatch):
    document = dump("tf-unresolved-variable", monkeypatch)
    timeout = attributes(document, "aws_sqs_queue.jobs", "queue")["visibility_timeout"]
    assert (timeout["value"], timeout["origin"], timeout["note"]) == (
        None,
        "unresolved",
        "variable visibility has no default and no value is given",
    )


def test_a_plan_links_through_its_configuration(monkeypatch):
    document = dump("plan-file", monkeypatch)
    queue = attributes(document, "module.queue.aws_sqs_queue.this", "queue")
    assert queue["visibility_timeout"]["value"] == 120
    ids = {n["id"]: n["address"] for n in document["nodes"]}
    consumes = [(ids[e["source"]], ids[e["target"]]) for e in document["edges"] if e["kind"] == "consumes"]
    assert consumes == [("aws_lambda_event_source_mapping.jobs", "module.queue.aws_sqs_queue.this")]
