"""Root modules loaded in worker processes report what loading them in the scan's own process reports."""

from __future__ import annotations

import pytest
from test_terraform import COUNTED

from conftest import scan_json
from crosswire.loaders import terraform

ROOT = """\
resource "aws_sqs_queue" "jobs" {{
  name                       = "jobs-{index}"
  visibility_timeout_seconds = {visibility}
}}

resource "aws_lambda_function" "worker" {{
  function_name = "worker-{index}"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  timeout       = 60
}}

resource "aws_lambda_event_source_mapping" "jobs" {{
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}}
"""

CALLER = """\
module "queue" {
  source = "../shared"
}
"""

SHARED = """\
resource "aws_sqs_queue" "shared" {
  visibility_timeout_seconds = 10
}
"""


@pytest.fixture
def roots(write, monkeypatch):
    """Twenty root modules (one with a syntax error), a root module that calls a local module, and that module."""
    for index in range(20):
        write(f"stacks/s{index:02d}/main.tf", ROOT.format(index=index, visibility=30 if index % 2 else 400))
    write("stacks/s07/broken.tf", 'resource "aws_sqs_queue" "x" {\n  name = \n}\n')
    write("stacks/caller/main.tf", CALLER)
    write("stacks/shared/main.tf", SHARED)
    apart: list[int] = []
    load_apart = terraform.Loader.load_apart
    monkeypatch.setattr(
        terraform.Loader, "load_apart", lambda self, roots: apart.append(len(found := load_apart(self, roots))) or found
    )
    monkeypatch.setattr(terraform, "_cores", lambda: 2)
    return apart


def test_root_modules_loaded_apart_report_what_one_process_reports(roots, monkeypatch):
    monkeypatch.setattr(terraform, "PARALLEL_ROOTS", 10**9)
    alone = scan_json("--select", "CW301", "stacks")
    monkeypatch.setattr(terraform, "PARALLEL_ROOTS", 2)
    apart = scan_json("--select", "CW301", "stacks")
    assert roots == [0, 20]  # every root module but the caller, loaded apart the second time
    assert apart.out == alone.out
    report = apart.report
    assert report["errors"] == [
        {"file": "stacks/s07/broken.tf", "line": 2, "message": "malformed HCL: unexpected '}' at column 10"}
    ]
    found = sorted((f["check_id"], f["file"], f["line"]) for f in report["findings"])
    assert found == [("CW301", f"stacks/s{i:02d}/main.tf", 1) for i in range(1, 20, 2) if i != 7]



def test_scenarios_and_declared_variables_survive_loading_apart(write, monkeypatch):
    """Root modules loaded in workers are judged in scenarios, and their variables count as declared for --var."""
    for index in range(4):
        write(f"stacks/s{index}/main.tf", COUNTED)
    monkeypatch.setattr(terraform, "_cores", lambda: 2)
    monkeypatch.setattr(terraform, "PARALLEL_ROOTS", 2)
    run = scan_json("--select", "CW301", "stacks")
    assert {(f["file"], f["line"], f["message"][-26:]) for f in run.report["findings"]} == {
        (f"stacks/s{index}/main.tf", 4, "(when var.enabled is true)") for index in range(4)
    }
    given = scan_json("--select", "CW301", "--var", "enabled=true", "stacks")
    assert (given.err, len(given.report["findings"])) == ("", 4)


def test_a_scan_leaves_the_objects_its_process_froze_frozen(tmp_path, monkeypatch):
    """The scan freezes the garbage collector's objects while it wires and checks, and around its workers; a
    process that froze objects of its own (a server about to fork, as Python's gc docs advise) keeps them frozen
    (found by review: the scan unfroze them)."""
    import gc

    from crosswire import runner
    from crosswire.checks import ALL_CHECKS

    for index in range(20):  # enough root modules for the worker processes
        (tmp_path / f"m{index}").mkdir()
        (tmp_path / f"m{index}" / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    monkeypatch.chdir(tmp_path)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        runner.scan(["."], ALL_CHECKS, runner.ScanOptions(select=("CW301",), cache=False))
        assert gc.get_freeze_count() >= frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()
