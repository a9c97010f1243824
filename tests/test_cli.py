"""The command line contract of SPEC §3: exit codes, the JSON report, bad input without tracebacks."""

from __future__ import annotations

import json
import os
import re

from conftest import DOCUMENTATION, FIXTURES, cli_subprocess, run_cli, scan_json
from crosswire import __version__
from crosswire.checks import ALL_CHECKS

VALID = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 10
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
"""


def test_version_is_printed():
    out = cli_subprocess("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"crosswire {__version__}"


def test_json_report_matches_the_contract_field_for_field(write):
    write("infra/stack.yaml", VALID)
    run = scan_json("--select", "CW301", "infra")
    assert run.code == 1
    report = run.report
    assert list(report) == ["tool", "version", "schema", "findings", "errors", "unresolved", "summary"]
    assert (report["tool"], report["version"], report["schema"]) == ("crosswire", __version__, 1)
    (finding,) = report["findings"]
    assert list(finding) == [
        "check_id",
        "severity",
        "title",
        "message",
        "resource",
        "resource_type",
        "file",
        "line",
        "end_line",
        "related",
        "fix",
        "docs",
        "fingerprint",
    ]
    assert finding["check_id"] == "CW301" and finding["severity"] == "error"
    assert (finding["resource"], finding["resource_type"]) == ("Queue", "AWS::SQS::Queue")
    assert (finding["file"], finding["line"], finding["end_line"]) == ("infra/stack.yaml", 3, 6)
    assert finding["related"] == [{"resource": "Worker", "file": "infra/stack.yaml", "line": 7}]
    assert finding["message"] == (
        "queue Queue: visibility timeout 10 s is below the timeout 20 s of its consumer function Worker; "
        "Lambda rejects the event source mapping"
    )
    assert finding["docs"] == f"{DOCUMENTATION}/checks/CW301-visibility-timeout-below-function-timeout.md"
    assert len(finding["fingerprint"]) == 32
    assert report["summary"] == {
        "files": 1,
        "resources": 3,
        "findings": {"error": 1, "warning": 0, "info": 0},
        "suppressed": 0,
        "baselined": 0,
    }


def test_fail_on_sets_the_exit_code(write):
    write("t.yaml", VALID.replace("VisibilityTimeout: 10", "VisibilityTimeout: 60"))  # CW302 warning only
    assert scan_json("--select", "CW302", ".").code == 1
    assert scan_json("--select", "CW302", ".", "--fail-on", "error").code == 0
    assert scan_json("--select", "CW302", ".", "--fail-on", "info").code == 1
    assert scan_json("--select", "CW302", ".", "--fail-on", "never").code == 0


def test_select_and_ignore_by_id_and_prefix(write):
    write("t.yaml", VALID)
    # other checks may fire on the template too: each selection is judged on the checks it may and may not run
    ignored = scan_json(".", "--ignore", "CW301", any_check=True).findings()
    assert ("CW301", "Queue", 3) not in ignored
    for prefixes in (("CW3",), ("CW1", "CW30")):
        found = scan_json(".", "--select", ",".join(prefixes)).findings()
        assert ("CW301", "Queue", 3) in found and all(f[0].startswith(prefixes) for f in found)
    assert all(f[0].startswith("CW1") for f in scan_json(".", "--select", "CW1").findings())
    bad = run_cli("scan", ".", "--select", "X9")
    assert (bad.code, bad.err) == (
        2,
        "crosswire: error: --select: 'X9' is not a check ID or prefix (expected e.g. CW302 or CW3)\n",
    )


def test_clean_input_exits_zero_and_prints_only_the_summary(write):
    write("t.yaml", VALID.replace("VisibilityTimeout: 10", "VisibilityTimeout: 120"))
    run = run_cli("scan", "--select", "CW301", ".")
    summary = (
        "crosswire: scanned 1 file, 3 resources; findings: 0 errors, 0 warnings, 0 info; 0 suppressed, 0 baselined, "
        "0 skipped as unresolved\n"
    )
    assert (run.code, run.out, run.err) == (0, summary, "")


def test_good_fixtures_print_only_a_clean_summary(monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    clean = re.compile(
        r"crosswire: scanned \d+ files?, \d+ resources?; findings: 0 errors, 0 warnings, 0 info; 0 suppressed, "
        r"0 baselined, 0 skipped as unresolved\n"
    )
    for check in ALL_CHECKS:
        good = sorted(str(p) for p in FIXTURES.glob(f"{check.meta.slug}/*/good"))
        run = run_cli("scan", "--select", check.meta.id, *good)
        assert run.code == 0 and clean.fullmatch(run.out), (check.meta.id, run.out)


def test_text_report_ends_with_a_summary(write):
    write("t.yaml", VALID)
    run = run_cli("scan", "--select", "CW301", ".")
    assert run.code == 1
    assert run.out.splitlines()[:2] == [
        "t.yaml:3: CW301 error: Queue visibility timeout below its Lambda consumer's timeout",
        "  queue Queue: visibility timeout 10 s is below the timeout 20 s of its consumer function Worker; "
        "Lambda rejects the event source mapping",
    ]
    assert run.out.endswith(
        "crosswire: scanned 1 file, 3 resources; findings: 1 error, 0 warnings, 0 info; 0 suppressed, 0 baselined, "
        "0 skipped as unresolved\n"
    )


def test_malformed_and_non_template_yaml_next_to_a_valid_template(write):
    write("good.yaml", VALID)
    write("broken.yaml", "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties: [unclosed\n")
    write(".github/workflows/ci.yml", "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    write("package.json", '{"name": "x", "version": "1.0.0"}')
    write("config.yaml", "Resources:\n  - just a list\n")
    proc = cli_subprocess("scan", "--select", "CW301", "--format", "json", ".", cwd=None)
    assert "Traceback" not in proc.stderr
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "Queue", 3)}
    assert [(e["file"], e["line"]) for e in run.report["errors"]] == [("broken.yaml", 5)]
    assert "malformed template" in run.report["errors"][0]["message"]
    assert run.report["summary"]["files"] == 1


def test_binary_deeply_nested_and_alias_bomb_inputs_are_errors_not_crashes(write):
    write("good.yaml", VALID)
    write("binary.template", b"Resources\x00\x01\x02\xff")
    write(
        "latin1.yaml", "Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: caf\xe9}}\n".encode("latin-1")
    )
    deep = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: " + "[" * 5000 + "]" * 5000
    write("deep.yaml", deep + "\n")
    bomb = ["Resources:", "  Queue:", "    Type: AWS::SQS::Queue", "    Properties:", '      a0: &a0 ["x"]']
    bomb += [f"      a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 30)]
    write("bomb.yaml", "\n".join(bomb) + "\n")
    proc = cli_subprocess("scan", "--select", "CW301", "--format", "json", ".", cwd=None)
    assert "Traceback" not in proc.stderr
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "Queue", 3)}
    errors = {e["file"]: (e["line"], e["message"]) for e in run.report["errors"]}
    assert set(errors) == {"binary.template", "latin1.yaml", "deep.yaml", "bomb.yaml"}
    assert errors["binary.template"] == (1, "binary file, not text")
    assert errors["latin1.yaml"] == (2, "not UTF-8 text: byte 0xe9 at column 57")


def test_symlink_loop_is_an_error_naming_the_link_and_not_followed(write, tmp_path):
    write("stacks/good.yaml", VALID)
    os.symlink(tmp_path / "stacks", tmp_path / "stacks" / "loop")
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.report["errors"] == [
        {"file": "stacks/loop", "line": 0, "message": "stacks/loop is a symlink loop: it leads back to stacks"}
    ]
    assert run.findings() == {("CW301", "Queue", 3)}


def test_missing_path_is_an_error(write):
    run = scan_json("--select", "CW301", "nowhere")
    assert run.code == 2
    assert run.report["errors"] == [{"file": "nowhere", "line": 0, "message": "no such file or directory"}]


def test_bundled_example_scan_reports_every_check(monkeypatch):
    monkeypatch.chdir(FIXTURES.parent)
    run = scan_json("--select", "CW101,CW102,CW301,CW302", "fixtures")
    assert run.code == 1
    assert {f["check_id"] for f in run.report["findings"]} == {"CW101", "CW102", "CW301", "CW302"}
    assert run.report["errors"] == []


def test_checks_and_explain(write):
    listing = run_cli("checks")
    assert listing.code == 0
    assert "CW302  warning  Queue visibility timeout below 6 × function timeout + batching window" in listing.out
    explained = run_cli("explain", "cw302")
    assert explained.code == 0
    assert explained.out.startswith("# CW302: Queue visibility timeout below 6 × function timeout + batching window")
    assert "OrdersQueue:  # expect: CW302 OrdersQueue" in explained.out
    assert run_cli("explain", "CW999").code == 2


def test_checks_as_json_carry_all_their_metadata():
    listing = run_cli("checks", "--format", "json")
    assert listing.code == 0
    rows = {row["id"]: row for row in json.loads(listing.out)}
    assert list(rows) == [c.meta.id for c in ALL_CHECKS]
    for check in ALL_CHECKS:
        meta, row = check.meta, rows[check.meta.id]
        assert (row["title"], row["severity"], row["rationale"]) == (meta.title, meta.severity.value, meta.rationale)
        assert row["fix"] == {"terraform": meta.fix_terraform, "cloudformation": meta.fix_cloudformation}
        assert row["references"] == [{"title": r.title, "url": r.url} for r in meta.references] != []
    assert rows["CW302"]["options"] == [
        {
            "name": "multiplier",
            "type": "int",
            "default": 6,
            "help": "how many function timeouts the visibility timeout must cover",
        }
    ]


def test_usage_errors_exit_two():
    assert run_cli("scan", "--select", "CW301", "--fail-on", "sometimes").code == 2
    assert run_cli("scan", "--select", "CW301", "--param", "novalue").code == 2
    assert run_cli().code == 2


def test_a_file_named_twice_is_scanned_once(write):
    write("stacks/t.yaml", VALID)
    run = scan_json("--select", "CW301", ".", "./stacks/t.yaml", "stacks")
    assert [(f["check_id"], f["resource"], f["line"]) for f in run.report["findings"]] == [("CW301", "Queue", 3)]
    assert run.report["summary"]["files"] == 1


def test_a_crashing_check_is_reported_as_an_error_and_the_others_still_run(write, monkeypatch):
    import crosswire.checks as registry
    from crosswire.check import Check

    def explode(graph, options):
        raise KeyError("boom")

    broken = Check(registry.ALL_CHECKS[0].meta, explode)
    monkeypatch.setattr(registry, "ALL_CHECKS", (broken, *registry.ALL_CHECKS[1:]))
    write("t.yaml", VALID)
    run = scan_json("--select", "CW101,CW301", ".")
    assert run.code == 2
    assert run.findings() == {("CW301", "Queue", 3)}
    assert run.report["errors"] == [
        {"file": "<check CW101>", "line": 0, "message": "internal error, please report: KeyError('boom')"}
    ]


def test_a_console_that_cannot_encode_the_report_gets_replacement_characters_not_a_traceback(write):
    import subprocess
    import sys

    write("t.yaml", VALID.replace("VisibilityTimeout: 10", "VisibilityTimeout: 60"))
    env = dict(os.environ, PYTHONIOENCODING="ascii:strict")
    done = subprocess.run([sys.executable, "-m", "crosswire", "scan", "."], capture_output=True, text=True, env=env)
    assert "Traceback" not in done.stderr
    assert done.returncode == 1
    assert "visibility timeout 60 s is below 6 ? 20 s (function Worker)" in done.stdout


def test_a_file_named_on_the_command_line_is_scanned_whatever_its_suffix(write):
    write("stack.cfn", VALID)
    write("STACK.YAML", VALID)
    assert scan_json("--select", "CW301", "stack.cfn").findings() == {("CW301", "Queue", 3)}
    assert (
        scan_json("--select", "CW301", ".").report["summary"]["files"] == 1
    )  # a directory walk reads template suffixes only, any case
    assert scan_json("--select", "CW301", "STACK.YAML").findings() == {("CW301", "Queue", 3)}


def test_select_that_matches_no_check_is_a_usage_error(write):
    write("t.yaml", VALID)
    # CW9 is outside the catalogue's blocks (SPEC §4): CW31 matched nothing only until CW311 was built
    run = run_cli("scan", ".", "--select", "CW9")
    message = "crosswire: error: --select: CW9 matches no check; `crosswire checks` lists them\n"
    assert (run.code, run.err) == (2, message)


def test_sam_build_output_is_not_scanned_twice(write):
    write("template.yaml", VALID)
    write(".aws-sam/build/template.yaml", VALID)
    run = scan_json("--select", "CW301", ".")
    assert [(f["file"], f["line"]) for f in run.report["findings"]] == [("template.yaml", 3)]
