"""Real Checkov runs crosswire's checks through `--external-checks-dir` and reports them under crosswire's IDs.

Checkov lives in its own virtualenv (its hcl2 fork clashes with python-hcl2 8); `.ci/run` creates it as
`.venv-checkov`, or point $CROSSWIRE_TEST_CHECKOV at a checkov executable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli

ADAPTER = Path(run_cli("checkov-dir").out.strip())
CHECKOV = os.environ.get("CROSSWIRE_TEST_CHECKOV") or str(ROOT / ".venv-checkov" / "bin" / "checkov")

pytestmark = pytest.mark.skipif(not Path(CHECKOV).exists(), reason="Checkov is not installed (see .ci/run)")


CROSSWIRE = str(Path(sys.executable).with_name("crosswire"))
NOT_RUN = "crosswire did not run, so none of its checks was done: "


def run_checkov(
    directory: Path,
    framework: str,
    env: dict[str, str],
    checks: str = "CW101,CW102,CW301,CW302",
    outcome: str = "failed_checks",
) -> tuple[int, list[dict]]:
    """Checkov's exit code and its failed (or `outcome`) checks, running these of crosswire's checks."""
    done = subprocess.run(
        [
            CHECKOV,
            "-d",
            str(directory),
            "--framework",
            framework,
            "--skip-download",
            *(["--quiet"] if outcome == "failed_checks" else []),  # --quiet leaves out all but the failed
            "--external-checks-dir",
            str(ADAPTER),
            "-c",
            checks,
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        env=dict(env, BC_SKIP_MAPPING="TRUE"),
        cwd=directory,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "[ERROR]" not in done.stderr, done.stderr
    report = json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else {}
    results = report.get("results", {}) if isinstance(report, dict) else {}
    return done.returncode, results.get(outcome, [])


def checkov(directory: Path, framework: str = "cloudformation") -> list[tuple[str, str, str, list[int]]]:
    _, failed = run_checkov(directory, framework, dict(os.environ, CROSSWIRE_BIN=CROSSWIRE))
    return sorted((r["check_id"], r["resource"], r["check_result"]["result"], r["file_line_range"]) for r in failed)


def failures(directory: Path, framework: str, env: dict[str, str]) -> tuple[int, list[tuple[str, str, list[str]]]]:
    """Checkov's exit code, and (check, resource, details) of each failed check of CW302."""
    code, failed = run_checkov(directory, framework, env, "CW302")
    return code, sorted((r["check_id"], r["resource"], r["details"]) for r in failed)


def test_checkov_reports_crosswire_ids_on_the_bad_fixture(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "cloudformation" / "bad" / "template.yaml", tmp_path)
    assert checkov(tmp_path) == [
        ("CW302", "AWS::SQS::Queue.AuditQueue", "FAILED", [24, 27]),
        ("CW302", "AWS::SQS::Queue.OrdersQueue", "FAILED", [8, 11]),
    ]


def test_checkov_passes_the_good_fixture(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "cloudformation" / "good" / "template.yaml", tmp_path)
    assert checkov(tmp_path) == []


def test_checkov_reports_crosswire_ids_on_terraform(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "terraform" / "bad" / "main.tf", tmp_path)
    assert checkov(tmp_path, "terraform") == [
        ("CW302", "aws_sqs_queue.audit", "FAILED", [26, 29]),
        ("CW302", "aws_sqs_queue.orders", "FAILED", [6, 9]),
    ]


@pytest.mark.parametrize("framework", ["cloudformation", "terraform"])
def test_a_finding_suppressed_in_the_source_is_skipped_with_its_reason(tmp_path, framework):
    """`crosswire:ignore` with a reason is Checkov's SKIPPED, the reason its suppress comment (as `checkov:skip`
    gives), not PASSED: the gate's report says the fault is there and was accepted."""
    fixture = FIXTURES / "visibility-timeout" / framework / "bad"
    if framework == "cloudformation":
        text = (fixture / "template.yaml").read_text()
        text = text.replace("  AuditQueue:", "  # crosswire:ignore CW302 audit replays are idempotent\n  AuditQueue:")
        (tmp_path / "template.yaml").write_text(text)
        skipped_resource, directive, failed = "AWS::SQS::Queue.AuditQueue", 24, "AWS::SQS::Queue.OrdersQueue"
        file = "template.yaml"
    else:
        text = (fixture / "main.tf").read_text()
        marker = 'resource "aws_sqs_queue" "audit" {'
        text = text.replace(marker, "# crosswire:ignore CW302 audit replays are idempotent\n" + marker)
        (tmp_path / "main.tf").write_text(text)
        skipped_resource, directive, failed = "aws_sqs_queue.audit", 26, "aws_sqs_queue.orders"
        file = "main.tf"
    environment = dict(os.environ, CROSSWIRE_BIN=CROSSWIRE)
    code, skipped = run_checkov(tmp_path, framework, environment, "CW302", "skipped_checks")
    assert code == 1  # the other queue still fails
    assert [(r["check_id"], r["resource"], r["check_result"]["suppress_comment"]) for r in skipped] == [
        ("CW302", skipped_resource, f"crosswire:ignore at {file}:{directive}: audit replays are idempotent")
    ]
    _, still_failed = run_checkov(tmp_path, framework, environment, "CW302")
    assert [(r["check_id"], r["resource"]) for r in still_failed] == [("CW302", failed)]


def test_checkov_details_name_the_other_end_of_the_wire_in_sam(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "cloudformation" / "bad" / "template.yaml", tmp_path)
    assert failures(tmp_path, "cloudformation", dict(os.environ, CROSSWIRE_BIN=CROSSWIRE)) == (
        1,
        [
            (
                "CW302",
                "AWS::SQS::Queue.AuditQueue",
                [
                    "queue AuditQueue: visibility timeout 20 s is below 6 × 10 s (function AuditConsumer) + 0 s (AWS default) batching window = 60 s",
                    "other end: AuditConsumer (template.yaml:28)",
                ],
            ),
            (
                "CW302",
                "AWS::SQS::Queue.OrdersQueue",
                [
                    "queue OrdersQueue: visibility timeout 120 s is below 6 × 60 s (function OrdersConsumer, from Globals) + 5 s batching window = 365 s",
                    "other end: OrdersConsumer (template.yaml:12)",
                ],
            ),
        ],
    )


def test_checkov_details_name_the_other_end_of_the_wire_in_terraform(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "terraform" / "bad" / "main.tf", tmp_path)
    code, failed = failures(tmp_path, "terraform", dict(os.environ, CROSSWIRE_BIN=CROSSWIRE))
    assert (code, failed[1]) == (
        1,
        (
            "CW302",
            "aws_sqs_queue.orders",
            [
                "queue aws_sqs_queue.orders: visibility timeout 120 s is below 6 × 60 s (function aws_lambda_function.orders_consumer) + 5 s batching window = 365 s",
                "other end: aws_lambda_function.orders_consumer (main.tf:11)",
            ],
        ),
    )


def without_crosswire() -> dict[str, str]:
    """This environment with no crosswire on PATH and no CROSSWIRE_BIN, as on a CI runner that never installed it."""
    env = {k: v for k, v in os.environ.items() if k != "CROSSWIRE_BIN"}
    env["PATH"] = os.pathsep.join(d for d in env["PATH"].split(os.pathsep) if not (Path(d) / "crosswire").exists())
    assert shutil.which("crosswire", path=env["PATH"]) is None
    return env


def broken_crosswire(tmp_path: Path, body: str) -> dict[str, str]:
    executable = tmp_path / "bin" / "crosswire"
    executable.parent.mkdir()
    executable.write_text(f"#!{sys.executable}\n{body}\n")
    executable.chmod(0o755)
    return dict(without_crosswire(), CROSSWIRE_BIN=str(executable))


def every_resource_failed(details: str) -> list[tuple[str, str, list[str]]]:
    """The visibility-timeout fixture's resources that CW302 covers, each failed with these details."""
    resources = ["AWS::SQS::Queue.AuditQueue", "AWS::SQS::Queue.OrdersQueue"]
    resources += ["AWS::Serverless::Function.AuditConsumer", "AWS::Serverless::Function.OrdersConsumer"]
    return sorted(("CW302", resource, [details]) for resource in resources)


def test_checkov_fails_closed_when_crosswire_is_not_on_path(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "cloudformation" / "good" / "template.yaml", tmp_path)
    reason = (
        "no `crosswire` executable on PATH and CROSSWIRE_BIN is not set (install crosswire in its own environment, "
        "e.g. with pipx, or set CROSSWIRE_BIN to its executable)"
    )
    assert failures(tmp_path, "cloudformation", without_crosswire()) == (1, every_resource_failed(NOT_RUN + reason))


def test_checkov_fails_closed_when_crosswire_crashes(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "cloudformation" / "good" / "template.yaml", tmp_path)
    env = broken_crosswire(tmp_path, 'raise RuntimeError("the graph broke")')
    reason = f"{env['CROSSWIRE_BIN']} exited 1 without its JSON report; its last words: RuntimeError: the graph broke"
    assert failures(tmp_path, "cloudformation", env) == (1, every_resource_failed(NOT_RUN + reason))


def test_checkov_fails_closed_when_crosswire_prints_no_json_report(tmp_path):
    shutil.copy(FIXTURES / "visibility-timeout" / "cloudformation" / "good" / "template.yaml", tmp_path)
    env = broken_crosswire(tmp_path, 'print("crosswire 0.0.1")')
    reason = f"{env['CROSSWIRE_BIN']} exited 0 without its JSON report"
    assert failures(tmp_path, "cloudformation", env) == (1, every_resource_failed(NOT_RUN + reason))


def test_checkov_fails_the_resources_of_a_file_crosswire_could_not_read(tmp_path):
    template = (FIXTURES / "visibility-timeout" / "cloudformation" / "good" / "template.yaml").read_text()
    broken = template.replace(
        "    Type: AWS::SQS::Queue\n",
        "    Type: AWS::SQS::Queue\n    Metadata:\n      crosswire:\n        ignore:\n          - {id: CW302, reson: typo}\n",
        1,
    )
    (tmp_path / "template.yaml").write_text(broken)
    unread = (
        "crosswire could not read this file, so none of its checks was done: Metadata crosswire of OrdersQueue: "
        "expected `ignore: [{id: CW302, reason: ...}]` (line 13)"
    )
    assert failures(tmp_path, "cloudformation", dict(os.environ, CROSSWIRE_BIN=CROSSWIRE)) == (
        1,
        every_resource_failed(unread),
    )


def test_a_configuration_in_the_scanned_tree_does_not_turn_the_gate_off(tmp_path):
    """A pull request may add a .crosswire.toml that ignores every check: the adapter reads no configuration
    (`crosswire scan --isolated`), so Checkov still fails the queue (found by review: it passed)."""
    shutil.copy(FIXTURES / "visibility-timeout" / "terraform" / "bad" / "main.tf", tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".crosswire.toml").write_text('ignore = ["CW"]\n')
    assert checkov(tmp_path, "terraform") == [
        ("CW302", "aws_sqs_queue.audit", "FAILED", [26, 29]),
        ("CW302", "aws_sqs_queue.orders", "FAILED", [6, 9]),
    ]
