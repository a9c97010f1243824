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


def checkov(directory: Path, framework: str = "cloudformation") -> list[tuple[str, str, str, list[int]]]:
    env = dict(os.environ, CROSSWIRE_BIN=str(Path(sys.executable).with_name("crosswire")), BC_SKIP_MAPPING="TRUE")
    done = subprocess.run(
        [
            CHECKOV,
            "-d",
            str(directory),
            "--framework",
            framework,
            "--skip-download",
            "--quiet",
            "--external-checks-dir",
            str(ADAPTER),
            "-c",
            "CW101,CW102,CW301,CW302",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=directory,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else {}
    results = report.get("results", {}) if isinstance(report, dict) else {}
    return sorted(
        (r["check_id"], r["resource"], r["check_result"]["result"], r["file_line_range"])
        for r in results.get("failed_checks", [])
    )


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
