"""The cfn-lint rule module, run through the real cfn-lint: rule IDs, lines, exit-code bits and ignore_checks."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, scan_json
from crosswire.adapters import cfnlint as adapter
from crosswire.checks import ALL_CHECKS

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
# inputs of our own (copies of the four checks' CloudFormation fixtures), so a new check's fixtures change nothing here
INPUTS = ROOT / "tests" / "inputs" / "cfnlint"
CHECK_IDS = ("CW101", "CW102", "CW301", "CW302")
# the crosswire rules of every other check are ignored, so a new check that fires on these inputs changes no match
# and no exit code here
OTHER_RULES = [adapter.rule_id(c) for c in ALL_CHECKS if c.meta.id not in CHECK_IDS and "cloudformation" in c.meta.formats]
SAM_BAD = INPUTS / "visibility-timeout" / "bad" / "template.yaml"
PLAIN_BAD = INPUTS / "aws-managed-key-on-service-fed-queue" / "bad" / "template.yaml"
# cfn-lint's exit code is a bit field
ERROR_BIT, WARNING_BIT, INFO_BIT = 2, 4, 8


def cfn_lint(
    *args: str | Path, cwd: Path | None = None, append: bool = True
) -> tuple[int, list[tuple[str, int, str]], str]:
    """Run cfn-lint with the crosswire rules; returns the exit code, (file name, line, rule ID) of every match, and
    the raw output."""
    rules = ["--append-rules", "crosswire.adapters.cfnlint"] if append else []
    ignored = ["--ignore-checks", *OTHER_RULES] if OTHER_RULES else []
    run = subprocess.run(
        [CFN_LINT, *rules, *ignored, "--format", "parseable", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
    assert "Traceback" not in run.stderr, run.stderr
    matches = []
    for line in run.stdout.splitlines():
        file, number, _, _, _, rule, _ = line.split(":", 6)
        matches.append((Path(file).name, int(number), rule))
    return run.returncode, matches, run.stdout


def test_rule_ids_carry_the_check_number_and_its_severity_letter():
    ids = {check.meta.id: adapter.rule_id(check) for check in ALL_CHECKS if "cloudformation" in check.meta.formats}
    assert {i: ids[i] for i in ("CW101", "CW102", "CW301", "CW302")} == {
        "CW101": "W9101",
        "CW102": "E9102",
        "CW301": "E9301",
        "CW302": "W9302",
    }
    letters = {"error": "E", "warning": "W", "info": "I"}
    for check in (c for c in ALL_CHECKS if c.meta.id in ids):
        assert ids[check.meta.id] == letters[check.meta.severity.value] + "9" + check.meta.id[2:]
    rules = {cls.id: cls for cls in vars(adapter).values() if isinstance(cls, type) and getattr(cls, "check_id", "")}
    assert set(rules) == set(ids.values())
    visibility = rules["W9302"]
    assert visibility.shortdesc == "Queue visibility timeout below 6 × function timeout + batching window"
    assert visibility.source_url.startswith("https://docs.aws.amazon.com/lambda/")
    assert "crosswire" in visibility.tags and "queue" in visibility.tags


def test_sam_template_reports_warnings_on_the_queue_lines():
    code, matches, output = cfn_lint(SAM_BAD)
    assert matches == [("template.yaml", 8, "W9302"), ("template.yaml", 24, "W9302")]
    assert "(function OrdersConsumer, from Globals)" in output
    assert code == WARNING_BIT


def test_plain_template_reports_errors_on_the_queue_lines():
    code, matches, _ = cfn_lint(PLAIN_BAD)
    assert matches == [("template.yaml", 14, "E9102"), ("template.yaml", 18, "E9102"), ("template.yaml", 30, "E9102")]
    assert code == ERROR_BIT


def test_cfnlintrc_append_rules_loads_the_module(tmp_path):
    shutil.copy(SAM_BAD, tmp_path / "template.yaml")
    (tmp_path / ".cfnlintrc").write_text("append_rules:\n  - crosswire.adapters.cfnlint\n")
    code, matches, _ = cfn_lint("template.yaml", cwd=tmp_path, append=False)
    assert matches == [("template.yaml", 8, "W9302"), ("template.yaml", 24, "W9302")]
    assert code == WARNING_BIT


def test_exit_code_ors_the_bits_of_every_template(tmp_path):
    sam, plain = tmp_path / "sam.yaml", tmp_path / "plain.yaml"
    shutil.copy(SAM_BAD, sam)
    shutil.copy(PLAIN_BAD, plain)
    code, matches, _ = cfn_lint(sam, plain)
    assert sorted(matches) == [
        ("plain.yaml", 14, "E9102"),
        ("plain.yaml", 18, "E9102"),
        ("plain.yaml", 30, "E9102"),
        ("sam.yaml", 8, "W9302"),
        ("sam.yaml", 24, "W9302"),
    ]
    assert code == ERROR_BIT | WARNING_BIT


def test_ignore_checks_metadata_silences_the_match_on_that_resource(tmp_path):
    text = SAM_BAD.read_text()
    marked = text.replace(
        "    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 120\n",
        "    Type: AWS::SQS::Queue\n    Metadata:\n      cfn-lint:\n        config:\n          ignore_checks: [W9302]\n"
        "    Properties:\n      VisibilityTimeout: 120\n",
    )
    assert marked != text
    template = tmp_path / "template.yaml"
    template.write_text(marked)
    code, matches, _ = cfn_lint(template)
    assert matches == [("template.yaml", 28, "W9302")]  # AuditQueue, moved down by the four Metadata lines
    assert code == WARNING_BIT


def test_sam_generated_queue_is_reported_on_the_event_that_creates_it(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Events:\n"
        "    Type: AWS::SNS::Topic\n"
        "  Worker:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      CodeUri: src/\n"
        "      Timeout: 10\n"
        "      Events:\n"
        "        FromTopic:\n"
        "          Type: SNS\n"
        "          Properties:\n"
        "            Topic: !Ref Events\n"
        "            SqsSubscription: true\n"
    )
    code, matches, output = cfn_lint(template)
    assert matches == [("template.yaml", 13, "W9302")]
    assert "queue of SAM function Worker" in output
    assert code == WARNING_BIT


def test_every_bad_fixture_gives_the_same_findings_through_cfn_lint_as_through_crosswire():
    bad = sorted(INPUTS.glob("*/bad/*"))
    run = subprocess.run(
        [CFN_LINT, "-a", "crosswire.adapters.cfnlint", "--format", "json", *map(str, bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    through_cfn_lint = {
        (str(Path(m["Filename"]).resolve()), m["Location"]["Start"]["LineNumber"], "CW" + m["Rule"]["Id"][2:])
        for m in json.loads(run.stdout)
        if m["Rule"]["Id"][1] == "9" and "CW" + m["Rule"]["Id"][2:] in CHECK_IDS
    }
    report = scan_json("--select", ",".join(CHECK_IDS), "--fail-on", "never", *map(str, bad)).report
    through_crosswire = {(str(Path(f["file"]).resolve()), f["line"], f["check_id"]) for f in report["findings"]}
    assert through_crosswire
    assert through_cfn_lint == through_crosswire


def test_good_fixtures_fire_no_crosswire_rule():
    good = sorted(INPUTS.glob("*/good/template.yaml"))
    assert good
    code, matches, output = cfn_lint(*good)
    assert matches == [], output
    assert code == 0


def test_the_graph_is_built_once_per_template_whatever_the_number_of_rules(monkeypatch):
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    from crosswire.loaders import cloudformation

    loads = []
    real_load = cloudformation.load

    def counting_load(*args, **kwargs):
        loads.append(args[1])
        return real_load(*args, **kwargs)

    monkeypatch.setattr(cloudformation, "load", counting_load)
    config = ManualArgs(append_rules=["crosswire.adapters.cfnlint"], ignore_checks=OTHER_RULES)
    matches = lint(SAM_BAD.read_text(), config=config)
    assert sorted((m.linenumber, m.rule.id) for m in matches) == [(8, "W9302"), (24, "W9302")]
    assert len(loads) == 1


def test_a_template_crosswire_cannot_load_gives_cfn_lint_errors_only(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Queue:\n    Properties: {}\n")
    code, matches, output = cfn_lint(template)
    assert matches and all(not rule[1:].startswith("9") for _, _, rule in matches), output
    assert code & ERROR_BIT


@pytest.mark.parametrize("name", ["CW101", "CW302"])
def test_rule_description_comes_from_the_check_metadata(name):
    check = next(c for c in ALL_CHECKS if c.meta.id == name)
    rule = getattr(adapter, f"Crosswire{name}")()
    assert rule.description.startswith(f"crosswire {name}: {check.meta.rationale}")
    assert check.meta.fix_cloudformation in rule.description


def test_the_core_never_imports_the_adapters():
    plugin = ROOT / "plugin"
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in plugin.rglob("*.py")
        if "adapters" not in path.relative_to(plugin).parts and "crosswire.adapters" in path.read_text()
    ]
    assert importers == []


def test_the_readme_cfn_lint_command_works_as_written(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## cfn-lint", 1)[1]
    (command,) = [line for line in section.split("```sh", 1)[1].split("```", 1)[0].splitlines() if line.strip()]
    shutil.copy(SAM_BAD, tmp_path)
    words = shlex.split(command)
    assert words[0] == "cfn-lint"
    run = subprocess.run([CFN_LINT, *words[1:]], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == WARNING_BIT
    assert "W9302" in run.stdout and "template.yaml:8:" in run.stdout and "template.yaml:24:" in run.stdout
