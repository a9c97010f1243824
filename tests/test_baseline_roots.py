"""Baselines that mean the same from any directory (files named from the repository root, or the baseline's own
folder outside a repository), stale entries named so they can be dropped, and schema 1 baselines still read."""

from __future__ import annotations

import json

from conftest import run_cli, scan_json

STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 90
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 20
      Role: arn:aws:iam::123456789012:role/worker
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Worker
  JobsMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
"""
FIXED_JOBS = STACK.replace("VisibilityTimeout: 90", "VisibilityTimeout: 900")
SELECT = ("--select", "CW302")


def _repository(write) -> None:
    write("repo/.git/HEAD", "ref: refs/heads/main\n")
    write("repo/infra/stack.yaml", STACK)


def test_a_baseline_written_at_the_repository_root_is_used_from_a_subdirectory(write, tmp_path, monkeypatch):
    _repository(write)
    monkeypatch.chdir(tmp_path / "repo")
    assert run_cli("scan", *SELECT, "infra", "--write-baseline", ".crosswire-baseline.json").code == 0
    recorded = json.loads((tmp_path / "repo" / ".crosswire-baseline.json").read_text())
    assert [(r["check_id"], r["resource"], r["file"]) for r in recorded["findings"]] == [
        ("CW302", "Jobs", "infra/stack.yaml"),
        ("CW302", "Queue", "infra/stack.yaml"),
    ]
    monkeypatch.chdir(tmp_path / "repo" / "infra")
    run = scan_json(*SELECT, ".", "--baseline", "../.crosswire-baseline.json")
    assert (run.code, run.findings(), run.report["summary"]["baselined"], run.err) == (0, set(), 2, "")
    monkeypatch.chdir(tmp_path)
    run = scan_json(*SELECT, "repo/infra/stack.yaml", "--baseline", "repo/.crosswire-baseline.json")
    assert (run.code, run.findings(), run.report["summary"]["baselined"], run.err) == (0, set(), 2, "")


def test_a_baseline_written_from_a_subdirectory_is_used_from_the_root(write, tmp_path, monkeypatch):
    _repository(write)
    monkeypatch.chdir(tmp_path / "repo" / "infra")
    assert run_cli("scan", *SELECT, ".", "--write-baseline", "../baseline.json").code == 0
    monkeypatch.chdir(tmp_path / "repo")
    run = scan_json(*SELECT, ".", "--baseline", "baseline.json")
    assert (run.code, run.report["summary"]["baselined"]) == (0, 2)


def test_outside_a_repository_files_are_named_from_the_baseline_folder(write, tmp_path, monkeypatch):
    write("project/infra/stack.yaml", STACK)
    monkeypatch.chdir(tmp_path / "project")
    assert run_cli("scan", *SELECT, "infra", "--write-baseline", "ci/baseline.json").code == 2  # no folder ci/
    write("project/ci/.keep", "")
    assert run_cli("scan", *SELECT, "infra", "--write-baseline", "ci/baseline.json").code == 0
    recorded = json.loads((tmp_path / "project" / "ci" / "baseline.json").read_text())
    assert {r["file"] for r in recorded["findings"]} == {"../infra/stack.yaml"}
    monkeypatch.chdir(tmp_path / "project" / "infra")
    run = scan_json(*SELECT, ".", "--baseline", "../ci/baseline.json")
    assert (run.code, run.report["summary"]["baselined"]) == (0, 2)


def test_stale_entries_are_named_on_stderr_and_counted_in_both_summaries(write, tmp_path, monkeypatch):
    _repository(write)
    monkeypatch.chdir(tmp_path / "repo")
    assert run_cli("scan", *SELECT, ".", "--write-baseline", "baseline.json").code == 0
    jobs = next(r for r in json.loads((tmp_path / "repo" / "baseline.json").read_text())["findings"])
    assert jobs["resource"] == "Jobs"
    write("repo/infra/stack.yaml", FIXED_JOBS)
    run = scan_json(*SELECT, ".", "--baseline", "baseline.json")
    assert (run.code, run.findings()) == (0, set())
    assert (run.report["summary"]["baselined"], run.report["summary"]["stale_baseline"]) == (1, 1)
    assert run.err == (
        "crosswire: warning: baseline baseline.json: 1 entry matches no finding any more (fixed, renamed or moved); "
        f"rewrite it with --write-baseline to drop it: CW302 Jobs in infra/stack.yaml ({jobs['fingerprint']})\n"
    )
    text = run_cli("scan", *SELECT, ".", "--baseline", "baseline.json")
    assert text.out.endswith(
        "crosswire: scanned 1 file, 5 resources; findings: 0 errors, 0 warnings, 0 info; 0 suppressed, 1 baselined, "
        "0 skipped as unresolved; 1 stale baseline entry\n"
    )
    assert run_cli("scan", *SELECT, ".", "--baseline", "baseline.json", "--write-baseline", "baseline.json").code == 0
    again = scan_json(*SELECT, ".", "--baseline", "baseline.json")
    assert (again.report["summary"]["baselined"], again.report["summary"]["stale_baseline"], again.err) == (1, 0, "")


def test_entries_a_scan_could_not_have_found_are_not_stale(write, tmp_path, monkeypatch):
    _repository(write)
    write("repo/other/stack.yaml", STACK)
    monkeypatch.chdir(tmp_path / "repo")
    assert run_cli("scan", *SELECT, ".", "--write-baseline", "baseline.json").code == 0
    run = scan_json(*SELECT, "infra", "--baseline", "baseline.json")  # the entries of other/ are out of sight
    assert (run.report["summary"]["baselined"], run.report["summary"]["stale_baseline"], run.err) == (2, 0, "")
    run = scan_json("--select", "CW301", ".", "--baseline", "baseline.json")  # CW302 did not run
    assert (run.report["summary"]["stale_baseline"], run.err) == (0, "")


def test_a_schema_1_baseline_still_matches_from_where_it_was_written_and_says_to_rewrite_it(write, tmp_path):
    write("infra/stack.yaml", STACK)
    report = scan_json(*SELECT, "infra").report
    # what crosswire wrote before schema 2: the report's fingerprints, files relative to the current directory
    legacy = {
        "tool": "crosswire",
        "schema": 1,
        "fingerprints": sorted(f["fingerprint"] for f in report["findings"]),
        "findings": [
            {"check_id": f["check_id"], "resource": f["resource"], "file": f["file"], "fingerprint": f["fingerprint"]}
            for f in report["findings"]
        ],
    }
    write("old.json", json.dumps(legacy))
    run = scan_json(*SELECT, "infra", "--baseline", "old.json")
    assert (run.code, run.findings(), run.report["summary"]["baselined"]) == (0, set(), 2)
    assert run.err == (
        "crosswire: warning: baseline old.json has schema 1: its paths are relative to the directory it was written "
        "from, so it matches only when crosswire runs there; rewrite it with --baseline and --write-baseline naming "
        "it to key it to the repository root\n"
    )
    assert run_cli("scan", *SELECT, "infra", "--baseline", "old.json", "--write-baseline", "old.json").code == 0
    assert json.loads((tmp_path / "old.json").read_text())["schema"] == 2
    run = scan_json(*SELECT, "infra", "--baseline", "old.json")
    assert (run.code, run.report["summary"]["baselined"], run.err) == (0, 2, "")


def test_entries_of_a_file_that_no_longer_parses_are_not_stale(write, tmp_path, monkeypatch):
    _repository(write)
    monkeypatch.chdir(tmp_path / "repo")
    assert run_cli("scan", *SELECT, ".", "--write-baseline", "baseline.json").code == 0
    write("repo/infra/stack.yaml", STACK + "  Broken: [\n")
    run = scan_json(*SELECT, ".", "--baseline", "baseline.json")
    assert [(e["file"], e["line"]) for e in run.report["errors"]] == [("infra/stack.yaml", 27)]
    assert (run.code, run.report["summary"]["stale_baseline"], run.err) == (2, 0, "")
