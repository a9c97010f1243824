"""The pre-commit hook, installed for real with `pre-commit try-repo` into a temporary git repository, and what
crosswire does with the file lists pre-commit passes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, scan_json

# inputs of our own (copies of fixtures as they were), so a new check's fixtures change nothing here
INPUTS = ROOT / "tests" / "inputs" / "precommit"
SAM_BAD = INPUTS / "sam-bad.yaml"
SAM_GOOD = INPUTS / "sam-good.yaml"
PLAIN_BAD = INPUTS / "plain-bad.yaml"
WORKFLOW = "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
# the hook runs whatever the repository's config selects: pin the checks these tests are about, as scans in tests
# pin --select, so a new check that fires on these inputs changes nothing here
PINNED = {".crosswire.toml": 'select = ["CW301", "CW302"]\n'}
MALFORMED = (
    'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: [\n'
)


def hook() -> dict:
    (found,) = [h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "crosswire"]
    return found


def test_hook_runs_the_scan_on_the_files_pre_commit_passes():
    crosswire = hook()
    assert crosswire["entry"] == "crosswire scan"
    assert crosswire["language"] == "python"
    assert crosswire["pass_filenames"] is True


@pytest.mark.parametrize(
    ("name", "selected"),
    [
        ("main.tf", True),
        ("modules/queue/lambda.tf", True),
        ("main.tf.json", True),
        ("template.yaml", True),
        ("template.yml", True),
        ("cdk.out/Stack.template.json", True),
        ("stack.template", True),
        ("README.md", False),
        ("app.py", False),
        ("terraform.tfvars", False),
        ("template.yaml.bak", False),
    ],
)
def test_hook_selects_terraform_and_template_files(name, selected):
    # pre-commit matches `files` with re.search against the path relative to the repository root
    assert bool(re.search(hook()["files"], name)) is selected


def git_repo(path: Path, files: dict[str, str]) -> Path:
    """A repository with `files` staged, as they are when pre-commit runs from a git hook."""
    path.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True, env=_clean_env())
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True, env=_clean_env())
    return path


def _clean_env() -> dict[str, str]:
    # GIT_DIR and friends leak in when the suite itself runs from a git hook; they would point git at the wrong repo
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def try_repo(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Install the project's hook with `pre-commit try-repo` and run it in `repo`.

    try-repo clones the project at HEAD (plus its uncommitted changes to tracked files) and builds the hook's
    environment with pip in a temporary store, so nothing is kept in ~/.cache; TMPDIR keeps that under tmp_path."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    env = _clean_env() | {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "TMPDIR": str(scratch)}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "crosswire", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


needs_git_checkout = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="try-repo installs the hook from a git checkout"
)


@needs_git_checkout
def test_hook_fails_on_a_bad_sam_template_and_ignores_the_workflow(tmp_path):
    repo = git_repo(
        tmp_path / "repo", {"infra/template.yaml": SAM_BAD.read_text(), ".github/workflows/ci.yml": WORKFLOW, **PINNED}
    )
    run = try_repo(repo, tmp_path, "--all-files")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "crosswire" in output and "Failed" in output
    assert "infra/template.yaml:8: CW302 warning" in output
    assert "queue OrdersQueue: visibility timeout 120 s" in output
    assert "infra/template.yaml:24: CW302 warning" in output
    assert "ci.yml" not in output
    summary = (
        "crosswire: scanned 1 file, 4 resources; findings: 0 errors, 2 warnings, 0 info; 0 suppressed, 0 baselined, "
        "0 skipped as unresolved\n"
    )
    assert summary in output


@needs_git_checkout
def test_hook_passes_on_a_good_template(tmp_path):
    repo = git_repo(
        tmp_path / "repo", {"infra/template.yaml": SAM_GOOD.read_text(), ".github/workflows/ci.yml": WORKFLOW, **PINNED}
    )
    run = try_repo(repo, tmp_path, "--files", "infra/template.yaml", ".github/workflows/ci.yml")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(r"crosswire\.+Passed", output), output


def test_several_changed_templates_are_each_scanned_whole(write):
    write("orders/template.yaml", SAM_BAD.read_text())
    write("events/template.yaml", PLAIN_BAD.read_text())
    write("package.json", '{"name": "app", "version": "1.0.0"}\n')
    run = scan_json("--select", "CW102,CW302", "orders/template.yaml", "events/template.yaml", "package.json")
    assert run.code == 1
    assert run.report["errors"] == []
    assert run.findings() == {
        ("CW302", "OrdersQueue", 8),
        ("CW302", "AuditQueue", 24),
        ("CW102", "OrdersQueue", 14),
        ("CW102", "AuditQueue", 18),
        ("CW102", "BillingQueue", 30),
    }
    assert {f["file"] for f in run.report["findings"]} == {"orders/template.yaml", "events/template.yaml"}
    assert run.report["summary"]["files"] == 2


def test_a_malformed_template_among_the_changed_files_exits_2_with_its_line(write):
    write("good/template.yaml", SAM_GOOD.read_text())
    write("broken/template.yaml", MALFORMED)
    write("notes.yaml", "todo: [\n")  # broken too, but no template: not ours to judge
    run = scan_json("--select", "CW301", "good/template.yaml", "broken/template.yaml", "notes.yaml")
    assert run.code == 2
    assert run.report["errors"] == [
        {"file": "broken/template.yaml", "line": 6, "message": "malformed template: did not find expected node content"}
    ]
    assert run.report["findings"] == []
    assert run.report["summary"]["files"] == 1
    assert "Traceback" not in run.err


@needs_git_checkout
def test_changing_only_lambda_tf_reports_the_queue_in_main_tf_and_a_clean_module_passes(tmp_path):
    from test_changed_files import LAMBDA, QUEUE

    repo = git_repo(
        tmp_path / "repo", {"infra/main.tf": QUEUE, "infra/lambda.tf": LAMBDA.replace("60", "10"), **PINNED}
    )
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"],
        cwd=repo,
        check=True,
        env=_clean_env(),
    )
    (repo / "infra" / "lambda.tf").write_text(LAMBDA)  # the change: the worker's timeout goes from 10 s to 60 s
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=_clean_env())
    run = try_repo(repo, tmp_path, "--files", "infra/lambda.tf")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "infra/main.tf:1: CW302 warning" in output
    assert "queue aws_sqs_queue.jobs: visibility timeout 120 s is below 6 × 60 s" in output
    assert "aws_sqs_queue.other" not in output  # in the module, but not wired to the changed file

    (repo / "infra" / "main.tf").write_text(QUEUE.replace("= 120", "= 360").replace("= 20\n", "= 60\n"))
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=_clean_env())
    run = try_repo(repo, tmp_path, "--files", "infra/lambda.tf")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert re.search(r"crosswire\.+Passed", output), output
