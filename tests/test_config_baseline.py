"""Baselines keyed by fingerprint, and configuration from pyproject.toml / .crosswire.toml / --config."""

from __future__ import annotations

import json

import pytest

from conftest import cli_subprocess, run_cli, scan_json
from crosswire.runner import skipped

STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
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
SECOND_QUEUE = """\
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 10
  JobsMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Jobs.Arn
      FunctionName: !Ref Worker
"""


# -- baselines ----------------------------------------------------------------------------------------------


def test_write_baseline_records_fingerprints_and_exits_zero(write, tmp_path):
    write("infra/stack.yaml", STACK)
    fingerprint = scan_json("--select", "CW302", "infra").report["findings"][0]["fingerprint"]
    run = run_cli("scan", "--select", "CW302", "infra", "--write-baseline", "baseline.json")
    assert run.code == 0
    assert "wrote 1 finding to the baseline baseline.json" in run.err
    # outside a repository, files are named from the baseline's folder: here the current one, as in the report
    assert json.loads((tmp_path / "baseline.json").read_text()) == {
        "tool": "crosswire",
        "schema": 2,
        "fingerprints": [fingerprint],
        "findings": [
            {"check_id": "CW302", "resource": "Queue", "file": "infra/stack.yaml", "fingerprint": fingerprint}
        ],
    }
    assert sorted(p.name for p in (tmp_path / "infra").iterdir()) == ["stack.yaml"]


def test_baseline_drops_known_findings_even_after_a_line_move_and_new_ones_still_fail(write):
    write("stack.yaml", STACK)
    assert run_cli("scan", "--select", "CW301,CW302", ".", "--write-baseline", "baseline.json").code == 0
    run = scan_json("--select", "CW301,CW302", ".", "--baseline", "baseline.json")
    assert (run.code, run.findings()) == (0, set())
    assert run.report["summary"]["baselined"] == 1

    moved = STACK.replace("Resources:\n", "Resources:\n\n  # the orders queue\n\n")
    write("stack.yaml", moved)
    assert scan_json("--select", "CW301,CW302", ".").findings() == {("CW302", "Queue", 6)}  # the finding did move
    run = scan_json("--select", "CW301,CW302", ".", "--baseline", "baseline.json")
    assert (run.code, run.findings(), run.report["summary"]["baselined"]) == (0, set(), 1)

    write("stack.yaml", moved + SECOND_QUEUE)
    run = scan_json("--select", "CW301,CW302", ".", "--baseline", "baseline.json")
    assert run.code == 1
    assert run.findings() == {("CW301", "Jobs", 20)}
    assert run.report["summary"]["baselined"] == 1


def test_rewriting_the_baseline_keeps_baselined_findings(write, tmp_path):
    write("stack.yaml", STACK + SECOND_QUEUE)
    assert run_cli("scan", "--select", "CW301,CW302", ".", "--write-baseline", "b.json").code == 0
    assert (
        run_cli("scan", "--select", "CW301,CW302", ".", "--baseline", "b.json", "--write-baseline", "b.json").code == 0
    )
    assert len(json.loads((tmp_path / "b.json").read_text())["fingerprints"]) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "crosswire: error: baseline missing.json: cannot read: No such file or directory\n"),
        ("{not json", "crosswire: error: baseline missing.json: not JSON: "),
        ('{"fingerprints": []}', 'crosswire: error: baseline missing.json: not a crosswire baseline (no "tool": '),
        ('{"tool": "crosswire", "schema": 7}', "crosswire: error: baseline missing.json: unsupported schema 7"),
        (
            '{"tool": "crosswire", "schema": 1, "fingerprints": [1]}',
            'crosswire: error: baseline missing.json: "fingerprints" must be a list of strings\n',
        ),
    ],
    ids=["missing", "not-json", "not-ours", "schema", "fingerprints"],
)
def test_unusable_baseline_is_a_usage_error(write, content, message):
    write("stack.yaml", STACK)
    if content is not None:
        write("missing.json", content)
    run = scan_json("--select", "CW302", ".", "--baseline", "missing.json")
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(message)
    proc = cli_subprocess("scan", "--select", "CW302", ".", "--baseline", "missing.json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_unwritable_baseline_is_a_usage_error(write):
    write("stack.yaml", STACK)
    run = run_cli("scan", "--select", "CW302", ".", "--write-baseline", "no/such/dir/b.json")
    assert run.code == 2
    assert "crosswire: error: baseline no/such/dir/b.json: cannot write: No such file or directory" in run.err


# -- configuration ------------------------------------------------------------------------------------------


def test_pyproject_select_ignore_and_fail_on(write):
    # the configuration selects by prefix, so other checks may run too: findings are compared on these two
    about = ("CW301", "CW302")
    write("stack.yaml", STACK + SECOND_QUEUE)
    assert scan_json(".", any_check=True).findings(about) == {("CW302", "Queue", 3), ("CW301", "Jobs", 17)}
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.crosswire]\nignore = ["CW301"]\n')
    assert scan_json(".", any_check=True).findings(about) == {("CW302", "Queue", 3)}
    write("pyproject.toml", '[tool.crosswire]\nselect = ["cw30"]\nignore = ["CW302"]\nfail-on = "error"\n')
    run = scan_json(".", any_check=True)
    assert (run.code, run.findings(about)) == (1, {("CW301", "Jobs", 17)})
    assert all(f[0].startswith("CW30") for f in run.findings())
    write("pyproject.toml", '[tool.crosswire]\nselect = ["CW302"]\nfail-on = "error"\n')
    run = scan_json(".", any_check=True)
    assert (run.code, run.findings()) == (0, {("CW302", "Queue", 3)})


def test_command_line_flags_beat_the_file(write):
    write("stack.yaml", STACK + SECOND_QUEUE)
    write(".crosswire.toml", 'select = ["CW302"]\nfail-on = "error"\n')
    assert scan_json(".", any_check=True).code == 0
    assert scan_json(".", "--fail-on", "warning", any_check=True).code == 1
    run = scan_json(".", "--select", "CW301")
    assert (run.code, run.findings()) == (1, {("CW301", "Jobs", 17)})


def test_dedicated_file_wins_over_pyproject_and_pyproject_without_table_is_ignored(write):
    write("stack.yaml", STACK)
    write("pyproject.toml", '[project]\nname = "x"\n')
    assert scan_json("--select", "CW302", ".").code == 1
    write("pyproject.toml", '[tool.crosswire]\nfail-on = "never"\n')
    assert scan_json("--select", "CW302", ".").code == 0
    write(".crosswire.toml", 'fail-on = "warning"\n')
    assert scan_json("--select", "CW302", ".").code == 1


def test_explicit_config_file(write):
    write("stack.yaml", STACK)
    write("ci/crosswire.toml", 'ignore = ["CW3"]\n')
    write("ci/pyproject.toml", '[tool.crosswire]\nfail-on = "never"\n')
    assert scan_json(".", "--config", "ci/crosswire.toml", any_check=True).findings() == set()
    assert scan_json("--select", "CW302", ".", "--config", "ci/pyproject.toml").code == 0
    missing = scan_json("--select", "CW302", ".", "--config", "ci/nope.toml")
    assert (missing.code, missing.err) == (2, "crosswire: error: ci/nope.toml: no such configuration file\n")


def test_skip_paths(write):
    write("live/stack.yaml", STACK)
    write("legacy/old/stack.yaml", STACK)
    write("sandbox.yaml", STACK)
    assert len(scan_json("--select", "CW302", ".").report["findings"]) == 3
    write(".crosswire.toml", 'skip-paths = ["legacy", "**/sandbox.yaml"]\n')
    run = scan_json("--select", "CW302", ".")
    assert [f["file"] for f in run.report["findings"]] == ["live/stack.yaml"]
    assert run.report["summary"]["files"] == 1
    # explicitly named files are skipped too, so pre-commit's file lists honour the setting
    assert scan_json("--select", "CW302", "legacy/old/stack.yaml", "sandbox.yaml").report["summary"]["files"] == 0


def test_skip_path_patterns():
    assert skipped("legacy/a/b.yaml", ["legacy"])
    assert skipped("legacy/a/b.yaml", ["./legacy/"])
    assert skipped("a/legacy/b.yaml", ["*/legacy"])
    assert skipped("b.yaml", ["**/b.yaml"]) and skipped("x/y/b.yaml", ["**/b.yaml"])
    assert skipped("x/test.yaml", ["*test*"])
    assert not skipped("legacy2/b.yaml", ["legacy"])
    assert not skipped("live/b.yaml", ["legacy"])


def test_per_check_option_multiplier(write):
    write("stack.yaml", STACK)  # visibility 60 s, function 20 s: 6 × 20 = 120 fires, 3 × 20 = 60 does not
    write(".crosswire.toml", "[checks.CW302]\nmultiplier = 4\n")
    (finding,) = scan_json("--select", "CW302", ".").report["findings"]
    assert finding["message"].endswith("is below 4 × 20 s (function Worker) + 0 s (AWS default) batching window = 80 s")
    write("pyproject.toml", "[tool.crosswire.checks.CW302]\nmultiplier = 3\n")
    assert scan_json("--select", "CW302", ".", "--config", "pyproject.toml").findings() == set()


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        (".crosswire.toml", 'fail_on = "error"\n', ".crosswire.toml: fail_on: unknown key (did you mean 'fail-on'?)"),
        ("pyproject.toml", "[tool.crosswire]\nselekt = []\n", "pyproject.toml: tool.crosswire.selekt: unknown key"),
        (".crosswire.toml", 'select = "CW3"\n', ".crosswire.toml: select: expected a list of check IDs or prefixes"),
        (".crosswire.toml", 'ignore = ["X1"]\n', ".crosswire.toml: ignore: 'X1' is not a check ID or prefix"),
        (".crosswire.toml", 'fail-on = "sometimes"\n', ".crosswire.toml: fail-on: 'sometimes' is not one of error"),
        (".crosswire.toml", "skip-paths = [1]\n", ".crosswire.toml: skip-paths: expected a list of glob patterns"),
        (".crosswire.toml", "[checks.CW999]\nx = 1\n", ".crosswire.toml: checks.CW999: unknown check"),
        (
            "pyproject.toml",
            "[tool.crosswire.checks.CW302]\nmultipler = 4\n",
            "pyproject.toml: tool.crosswire.checks.CW302.multipler: unknown option of CW302 (its options: multiplier)",
        ),
        (
            ".crosswire.toml",
            '[checks.CW302]\nmultiplier = "4"\n',
            ".crosswire.toml: checks.CW302.multiplier: expected int, got '4'",
        ),
        (
            ".crosswire.toml",
            "[checks.CW302]\nmultiplier = true\n",
            ".crosswire.toml: checks.CW302.multiplier: expected int, got True",
        ),
        (
            ".crosswire.toml",
            "[checks.CW302]\nmultiplier = 0\n",
            ".crosswire.toml: checks.CW302.multiplier: must be at least 1, got 0",
        ),
        (".crosswire.toml", "select = [\n", ".crosswire.toml: not valid TOML: "),
    ],
    ids=[
        "unknown-key",
        "unknown-key-pyproject",
        "select-not-list",
        "bad-id",
        "bad-fail-on",
        "bad-skip-paths",
        "unknown-check",
        "unknown-option",
        "option-type",
        "option-bool",
        "option-minimum",
        "bad-toml",
    ],
)
def test_bad_configuration_is_a_usage_error_naming_file_and_key(write, file, text, message):
    write("stack.yaml", STACK)
    write(file, text)
    run = scan_json(".", any_check=True)
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith("crosswire: error: " + message), run.err
    proc = cli_subprocess("scan", ".", any_check=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
