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
from crosswire.check import Finding
from crosswire.checks import ALL_CHECKS
from crosswire.model import Function, Mapping, Origin, Queue, Ref, Span, Subscription, Topic, Value

CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")
# inputs of our own (copies of the four checks' CloudFormation fixtures), so a new check's fixtures change nothing here
INPUTS = ROOT / "tests" / "inputs" / "cfnlint"
CHECK_IDS = ("CW101", "CW102", "CW301", "CW302")
# the rules of every other check are ignored, so a new check that fires on these inputs (a queue without a
# dead-letter queue, say) changes nothing here either
OTHER_RULES = [adapter.rule_id(c) for c in ALL_CHECKS if c.meta.id not in CHECK_IDS and "cloudformation" in c.meta.formats]
SAM_BAD = INPUTS / "visibility-timeout" / "bad" / "template.yaml"
PLAIN_BAD = INPUTS / "aws-managed-key-on-service-fed-queue" / "bad" / "template.yaml"
# cfn-lint's exit code is a bit field
ERROR_BIT, WARNING_BIT, INFO_BIT = 2, 4, 8


def cfn_lint(
    *args: str | Path, cwd: Path | None = None, append: bool = True, keep: tuple[str, ...] = ()
) -> tuple[int, list[tuple[str, int, str]], str]:
    """Run cfn-lint with the crosswire rules (those of CHECK_IDS, and of the checks in `keep`); returns the exit
    code, (file name, line, rule ID) of every match, and the raw output."""
    rules = ["--append-rules", "crosswire.adapters.cfnlint"] if append else []
    ignored = [r for r in OTHER_RULES if "CW" + r[2:] not in keep]
    others = ["--ignore-checks", *ignored] if ignored else []
    run = subprocess.run(
        [CFN_LINT, *rules, *others, "--format", "parseable", *map(str, args)],
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
    matches = json.loads(run.stdout)
    through_cfn_lint = {
        (str(Path(m["Filename"]).resolve()), m["Location"]["Start"]["LineNumber"], "CW" + m["Rule"]["Id"][2:])
        for m in matches
        if m["Rule"]["Id"][1] == "9" and "CW" + m["Rule"]["Id"][2:] in CHECK_IDS
    }
    report = scan_json("--select", ",".join(CHECK_IDS), "--fail-on", "never", *map(str, bad)).report
    through_crosswire = {(str(Path(f["file"]).resolve()), f["line"], f["check_id"]) for f in report["findings"]}
    # ReportsQueue is consumed through a plain mapping: cfn-lint's own E3505 reports it, crosswire's rule does not
    reports_queue = (
        str((INPUTS / "visibility-timeout-below-function-timeout" / "bad" / "template.yaml").resolve()),
        21,
    )
    e3505 = {
        (str(Path(m["Filename"]).resolve()), m["Location"]["Start"]["LineNumber"])
        for m in matches
        if m["Rule"]["Id"] == "E3505"
    }
    assert e3505 == {reports_queue}
    assert through_crosswire
    assert through_cfn_lint == through_crosswire - {(*reports_queue, "CW301")}


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
    matches = lint(SAM_BAD.read_text(), config=ManualArgs(append_rules=["crosswire.adapters.cfnlint"], ignore_checks=OTHER_RULES))
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


OVERLAP = INPUTS / "overlap"


def test_a_fault_cfn_lint_reports_itself_is_its_match_only():
    # E3505 fires on both queues of a plain template (on the property, or the resource when left to its default)
    alone_code, alone, _ = cfn_lint(OVERLAP / "e3505-plain.yaml", append=False)
    assert alone == [("e3505-plain.yaml", 7, "E3505"), ("e3505-plain.yaml", 8, "E3505")]
    code, matches, _ = cfn_lint(OVERLAP / "e3505-plain.yaml")
    assert matches == alone
    assert code == alone_code == ERROR_BIT
    # crosswire on its own still reports both
    run = scan_json("--select", "CW301", "--fail-on", "never", str(OVERLAP / "e3505-plain.yaml"))
    assert run.findings() == {("CW301", "JobsQueue", 4), ("CW301", "ReportsQueue", 8)}


def test_what_cfn_lint_misses_is_crosswires_match():
    # a SAM event, a timeout through a parameter, one through Mappings, a function named by a literal name
    _, alone, output = cfn_lint(OVERLAP / "e3505-missed.yaml", append=False)
    assert alone == [], output
    code, matches, output = cfn_lint(OVERLAP / "e3505-missed.yaml")
    assert matches == [
        ("e3505-missed.yaml", 13, "E9301"),
        ("e3505-missed.yaml", 27, "E9301"),
        ("e3505-missed.yaml", 42, "E9301"),
        ("e3505-missed.yaml", 57, "E9301"),
    ]
    assert "60 s (parameter WorkerTimeout default)" in output and "60 s (mapping Sizes)" in output
    assert code == ERROR_BIT


def test_every_overlap_a_check_declares_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Rules cfn-lint already has", 1)[1].split("\n#", 1)[0]
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|")[:2])
        for line in section.splitlines()
        if line.startswith("| `")
    }
    declared = {
        (f"`{overlap.rule}`", check.meta.id)
        for check in ALL_CHECKS
        for overlap in check.meta.overlaps
        if overlap.tool == "cfn-lint"
    }
    assert declared
    assert declared <= rows


def test_each_fault_is_one_match_whichever_rule_reports_it():
    # an Fn::If of literals and a number written as text are E3505's; a parameter in the chosen branch and a queue
    # named through Fn::Sub are crosswire's
    code, matches, _ = cfn_lint(OVERLAP / "e3505-one-match.yaml")
    assert matches == [
        ("e3505-one-match.yaml", 13, "E3505"),
        ("e3505-one-match.yaml", 31, "E3505"),
        ("e3505-one-match.yaml", 45, "E9301"),
        ("e3505-one-match.yaml", 60, "E9301"),
    ]
    assert code == ERROR_BIT
    run = scan_json("--select", "CW301", "--fail-on", "never", str(OVERLAP / "e3505-one-match.yaml"))
    assert {line for _, _, line in run.findings()} == {13, 28, 45, 60}


def test_a_mapping_that_names_another_resource_for_the_function_is_not_left_to_e3505():
    # E3505 follows FunctionName only to an AWS::Lambda::Function: a mapping naming an alias (which the graph may
    # follow to its function) is crosswire's to report
    span = Span("t.yaml", 1, 1)
    queue = Queue(
        "t.yaml#Queue", "Queue", "AWS::SQS::Queue", span, "t.yaml", visibility_timeout=Value(30, Origin.DEFAULT)
    )
    function = Function(
        "t.yaml#Worker", "Worker", "AWS::Lambda::Function", span, "t.yaml", timeout=Value(60, Origin.EXPLICIT)
    )
    check = next(c for c in ALL_CHECKS if c.meta.id == "CW301")

    def finding(function_ref: str) -> Finding:
        mapping = Mapping(
            "t.yaml#Mapping",
            "Mapping",
            "AWS::Lambda::EventSourceMapping",
            span,
            "t.yaml",
            source=Value(Ref("Queue", "Arn"), Origin.EXPLICIT),
            function=Value(Ref(function_ref), Origin.EXPLICIT),
        )
        return Finding(check.meta, queue, "", related=(function,), via=(mapping,))

    assert adapter.reported_by_cfn_lint(finding("Worker"))
    assert not adapter.reported_by_cfn_lint(finding("WorkerLive"))


@pytest.mark.parametrize(
    ("check", "rule", "name", "alone", "crosswire"),
    [
        # E3502 reports on the source queue: its FifoQueue, or its Properties when FifoQueue is left out
        (
            "CW306",
            "E3502",
            "e3502-plain.yaml",
            [7, 13, 20],
            [("JobsQueue", 11), ("OrdersQueue", 4), ("TextQueue", 17)],
        ),
        # E3705 reports on the mapping's BatchSize; WindowMapping's batching window is crosswire's alone
        (
            "CW308",
            "E3705",
            "e3705-plain.yaml",
            [19, 25, 31],
            [("OrdersMapping", 14), ("TextMapping", 20), ("WindowMapping", 26), ("WindowMapping", 26)],
        ),
    ],
)
def test_a_fifo_fault_cfn_lint_reports_itself_is_its_match_only(check, rule, name, alone, crosswire):
    _, own, output = cfn_lint(OVERLAP / name, append=False)
    assert own == [(name, line, rule) for line in alone], output
    code, matches, output = cfn_lint(OVERLAP / name, keep=(check,))
    rule_id = adapter.rule_id(next(c for c in ALL_CHECKS if c.meta.id == check))
    assert matches == sorted([*own, *([(name, 26, rule_id)] if check == "CW308" else [])]), output
    if check == "CW308":
        assert "batching window 5 s is set" in output and "batch size 20 is above 10" not in output
    assert code == ERROR_BIT
    # crosswire on its own still reports every one (WindowMapping twice: its batch size and its window)
    run = scan_json("--select", check, "--fail-on", "never", str(OVERLAP / name))
    assert sorted((f["resource"], f["line"]) for f in run.report["findings"]) == crosswire


def test_a_fifo_fault_cfn_lint_misses_is_crosswires_match():
    # E3502: FifoQueue through a parameter or Mappings, a dead-letter queue named by literal ARN or Fn::Sub
    _, alone, output = cfn_lint(OVERLAP / "e3502-missed.yaml", append=False)
    assert alone == [], output
    code, matches, output = cfn_lint(OVERLAP / "e3502-missed.yaml", keep=("CW306",))
    assert matches == [("e3502-missed.yaml", line, "E9306") for line in (12, 19, 26, 33)], output
    assert "FIFO queue ParameterQueue (parameter Fifo default)" in output and "(mapping Types)" in output
    assert code == ERROR_BIT
    # E3705: a SAM event, the batch size or the queue's FifoQueue through a parameter, a queue named by literal ARN
    _, alone, output = cfn_lint(OVERLAP / "e3705-missed.yaml", append=False)
    assert alone == [], output
    code, matches, output = cfn_lint(OVERLAP / "e3705-missed.yaml", keep=("CW308",))
    assert matches == [("e3705-missed.yaml", line, "E9308") for line in (32, 37, 43, 49)], output
    assert "batch size 20 (parameter BatchSize default) is above 10" in output
    assert code == ERROR_BIT


def test_the_topic_and_subscription_cases_of_cw306_are_not_left_to_e3502():
    span = Span("t.yaml", 1, 1)
    topic = Topic("t.yaml#Alerts", "Alerts", "AWS::SNS::Topic", span, "t.yaml", fifo=Value(True, Origin.EXPLICIT))
    subscription = Subscription(
        "t.yaml#Email", "Email", "AWS::SNS::Subscription", span, "t.yaml", topic=Value(Ref("Alerts"), Origin.EXPLICIT)
    )
    check = next(c for c in ALL_CHECKS if c.meta.id == "CW306")
    assert not adapter.reported_by_cfn_lint(Finding(check.meta, subscription, "", related=(topic,)))


def test_a_value_from_the_else_branch_of_an_fn_if_is_crosswires_match():
    # cfn-lint's rules read the first branch of a property's Fn::If; crosswire decides the condition (Stage
    # defaults to dev) and finds each fault in the else branch, which no cfn-lint rule reports
    _, alone, output = cfn_lint(OVERLAP / "else-branch.yaml", append=False)
    assert alone == [], output
    code, matches, output = cfn_lint(OVERLAP / "else-branch.yaml", keep=("CW306", "CW308"))
    assert matches == [
        ("else-branch.yaml", 12, "E9301"),
        ("else-branch.yaml", 21, "E9306"),
        ("else-branch.yaml", 36, "E9308"),
    ], output
    assert code == ERROR_BIT


def test_a_reference_from_the_else_branch_of_an_fn_if_is_still_cfn_lints():
    # the reference that drives cfn-lint's rule (the dead-letter queue, the mapping's queue for E3705, its function
    # for E3505) is followed through each branch: those faults are cfn-lint's match only
    _, alone, output = cfn_lint(OVERLAP / "else-branch-reference.yaml", append=False)
    assert alone == [
        ("else-branch-reference.yaml", 15, "E3502"),
        ("else-branch-reference.yaml", 31, "E3705"),
        ("else-branch-reference.yaml", 40, "E3505"),
    ], output
    code, matches, output = cfn_lint(OVERLAP / "else-branch-reference.yaml", keep=("CW306", "CW308"))
    assert matches == alone, output
    assert code == ERROR_BIT
    run = scan_json("--select", "CW301,CW306,CW308", "--fail-on", "never", str(OVERLAP / "else-branch-reference.yaml"))
    assert run.findings() == {("CW306", "OrdersQueue", 12), ("CW308", "JobsMapping", 26), ("CW301", "ReportsQueue", 37)}
