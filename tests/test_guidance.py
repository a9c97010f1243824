"""Two stacks built from AWS's own guidance give only what is really wrong with them (issue 10), with every check:
tests/inputs/guidance/EXPECTED.md says, check by check, why each finding is right and why the others stay silent."""

from __future__ import annotations

from conftest import ROOT, scan_json

GUIDANCE = ROOT / "tests" / "inputs" / "guidance"


def test_the_least_privilege_queue_of_the_sqs_guide():
    run = scan_json(str(GUIDANCE / "least-privilege"), "--select", "CW", "--fail-on", "never", any_check=True)
    assert run.report["errors"] == []
    # the guide gives the SNS subscription no dead-letter queue of its own
    assert run.findings() == {("CW307", "Subscription", 269)}
    # the queue policy denies receiving outside the organization (aws:PrincipalOrgID): nothing here says whether
    # the consumer's role is inside it, so whether it may receive is not guessed
    assert [(u["check_id"], u["resource"]) for u in run.report["unresolved"]] == [("CW311", "Consumer")]
    assert "aws:PrincipalOrgID" in run.report["unresolved"][0]["reason"]


def test_the_well_architected_inventory_stack():
    run = scan_json(str(GUIDANCE / "well-architected"), "--select", "CW", "--fail-on", "never", any_check=True)
    assert run.report["errors"] == [] and run.report["unresolved"] == []
    assert run.findings() == {
        ("CW204", "InventoryUpdatesQueue", 113),
        ("CW305", "InventoryUpdatesQueue", 113),
        ("CW309", "SQSToDynamoDBFunctionMyQueueTrigger", 313),
    }
