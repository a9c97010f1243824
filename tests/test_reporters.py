"""Every report format on one shared set of findings: exact snapshots, plus what each consumer relies on.

The findings come from scanning tests/snapshots/input with the real loader. After a deliberate change to a
report, regenerate the snapshots with `CROSSWIRE_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_reporters.py` and
review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import DOCUMENTATION, ROOT, cli_subprocess, run_cli
from crosswire.check import Severity
from crosswire.checks import registry
from crosswire.model import Span
from crosswire.reporters import github, json_report, junit, sarif, text
from crosswire.result import ScanError, ScanResult
from crosswire.runner import ScanOptions, scan

SNAPSHOTS = Path(__file__).parent / "snapshots"
INPUT = SNAPSHOTS / "input"
# CI runs a fresh clone with the shared folder beside it; the worktrees have it beside them too
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-2.1.0.json"
# checks named here, not the whole catalogue, so that a new check does not rewrite every snapshot
CHECK_IDS = ("CW101", "CW102", "CW301", "CW302")
RENDERERS = {
    "report.txt": text.render,
    "report.json": json_report.render,
    "report.sarif": sarif.render,
    "report.junit.xml": junit.render,
    "report.github.txt": github.render,
}
ORDERS = "input/orders.yaml"
SELECT = ("--select", ",".join(CHECK_IDS))

# (check, resource, line) of the shared findings, and the other ends of their wires
EXPECTED = [
    ("CW101", "OrdersQueue", 16, [("OrderEvents", 8)]),
    ("CW302", "OrdersQueue", 16, [("OrdersWorker", 21)]),
    ("CW102", "PaymentsQueue", 33, [("OrderEvents", 8), ("PaymentsRule", 70)]),
    ("CW301", "JobsQueue", 37, [("JobsWorker", 39)]),
]


@pytest.fixture
def result(monkeypatch) -> ScanResult:
    monkeypatch.chdir(SNAPSHOTS)
    # the version is not part of what the snapshots pin down; a release must not rewrite them
    for module in (sarif, json_report):
        monkeypatch.setattr(module, "__version__", "0.0.0-snapshot")
    checks = [registry()[check_id] for check_id in CHECK_IDS]
    return scan(["input"], checks, ScanOptions())


def test_the_shared_findings_are_the_expected_ones(result):
    found = [
        (f.meta.id, f.node.address, f.node.span.line, [(r.address, r.declared_span.line) for r in f.related])
        for f in result.findings
    ]
    assert found == EXPECTED
    assert [(e.file, e.line) for e in result.errors] == [("input/broken.yaml", 6)]
    assert [(s.meta.id, s.node.address) for s in result.skips] == [("CW301", "AuditQueue"), ("CW302", "AuditQueue")]
    assert [m.id for m in result.checks] == list(CHECK_IDS)


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_snapshot(result, name):
    rendered = RENDERERS[name](result)
    snapshot = SNAPSHOTS / name
    if os.environ.get("CROSSWIRE_UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered, encoding="utf-8")
    assert rendered == snapshot.read_text(encoding="utf-8")
    assert str(ROOT) not in rendered


# -- SARIF ------------------------------------------------------------------------------------------------


def validate_sarif(rendered: str) -> dict:
    log = json.loads(rendered)
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)
    return log


def test_sarif_validates_and_carries_every_finding_with_its_wire(result):
    log = validate_sarif(sarif.render(result))
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "crosswire"
    assert [r["id"] for r in rules] == list(CHECK_IDS)
    found = []
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
        (location,) = entry["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": ORDERS, "uriBaseId": "%SRCROOT%"}
        related = [
            (r["message"]["text"], r["physicalLocation"]["region"]["startLine"]) for r in entry["relatedLocations"]
        ]
        found.append(
            (entry["ruleId"], location["logicalLocations"][0]["name"], physical["region"]["startLine"], related)
        )
    assert found == [
        ("CW101", "OrdersQueue", 16, [("SNS topic OrderEvents", 8)]),
        ("CW302", "OrdersQueue", 16, [("function OrdersWorker", 21)]),
        ("CW102", "PaymentsQueue", 33, [("SNS topic OrderEvents", 8), ("EventBridge rule PaymentsRule", 70)]),
        ("CW301", "JobsQueue", 37, [("function JobsWorker", 39)]),
    ]
    assert [(r["level"], r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]] == [
        ("warning", {"startLine": 16, "endLine": 20}),
        ("warning", {"startLine": 16, "endLine": 20}),
        ("error", {"startLine": 33, "endLine": 36}),
        ("error", {"startLine": 37, "endLine": 38}),
    ]
    assert [r["partialFingerprints"] for r in run["results"]] == [
        {"crosswire/v1": f.fingerprint} for f in result.findings
    ]


def test_sarif_rules_carry_help_with_both_fixes_and_a_link(result):
    log = validate_sarif(sarif.render(result))
    rule = log["runs"][0]["tool"]["driver"]["rules"][3]
    meta = registry()["CW302"].meta
    assert (rule["id"], rule["name"], rule["shortDescription"]["text"]) == ("CW302", meta.slug, meta.title)
    assert rule["fullDescription"]["text"] == meta.rationale
    assert rule["helpUri"] == f"{DOCUMENTATION}/checks/CW302-visibility-timeout.md"
    assert rule["defaultConfiguration"] == {"level": "warning"}
    assert f"**Fix (Terraform):** {meta.fix_terraform}" in rule["help"]["markdown"]
    assert f"**Fix (CloudFormation):** {meta.fix_cloudformation}" in rule["help"]["markdown"]
    assert f"Fix (CloudFormation): {meta.fix_cloudformation}" in rule["help"]["text"]


def test_sarif_rules_carry_what_github_code_scanning_reads(result):
    """Tags ("security" on the encryption and access families), a security-severity score by severity, precision,
    and a help URI to crosswire's own page for the check, from the project's metadata."""
    log = validate_sarif(sarif.render(result))
    (run,) = log["runs"]
    rules = [(r["id"], r["helpUri"], r["properties"]) for r in run["tool"]["driver"]["rules"]]
    assert rules == [
        (
            "CW101",
            f"{DOCUMENTATION}/checks/CW101-sse-sqs-on-service-fed-queue.md",
            {"tags": ["crosswire", "security", "encryption", "queue"], "security-severity": "5.0", "precision": "high"},
        ),
        (
            "CW102",
            f"{DOCUMENTATION}/checks/CW102-aws-managed-key-on-service-fed-queue.md",
            {"tags": ["crosswire", "security", "encryption", "queue"], "security-severity": "7.5", "precision": "high"},
        ),
        (
            "CW301",
            f"{DOCUMENTATION}/checks/CW301-visibility-timeout-below-function-timeout.md",
            {"tags": ["crosswire", "reliability", "queue"], "security-severity": "7.5", "precision": "high"},
        ),
        (
            "CW302",
            f"{DOCUMENTATION}/checks/CW302-visibility-timeout.md",
            {"tags": ["crosswire", "reliability", "queue"], "security-severity": "5.0", "precision": "high"},
        ),
    ]
    assert run["automationDetails"] == {"id": "crosswire/"}


def test_sarif_tags_the_access_family_security():
    rule = sarif.rule(registry()["CW203"].meta)
    assert rule["properties"] == {
        "tags": ["crosswire", "security", "access-control", "policy"],
        "security-severity": "7.5",
        "precision": "high",
    }


def test_sarif_reports_input_errors_and_skips_as_notifications(result):
    log = validate_sarif(sarif.render(result))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = [
        (
            n["level"],
            n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            n["locations"][0]["physicalLocation"]["region"]["startLine"],
            n.get("associatedRule", {}).get("id"),
        )
        for n in invocation["toolExecutionNotifications"]
    ]
    assert notes == [
        ("error", "input/broken.yaml", 6, None),
        ("note", ORDERS, 51, "CW301"),
        ("note", ORDERS, 51, "CW302"),
    ]
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith("malformed template")


def test_sarif_levels_paths_outside_the_directory_and_errors_without_a_line(result, tmp_path):
    info = dataclasses.replace(result.findings[0], severity=Severity.INFO)
    outside = str(tmp_path / "a dir" / "stack.yaml")
    moved = dataclasses.replace(info, node=dataclasses.replace(info.node, span=Span(outside, 3, 4)))
    clean = ScanResult([moved], [], [ScanError("nowhere", 0, "no such file or directory")], 0, 0)
    log = validate_sarif(sarif.render(clean))
    (run,) = log["runs"]
    (entry,) = run["results"]
    assert entry["level"] == "note"
    assert entry["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": Path(outside).as_uri()}
    assert "%20" in entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CW101"]  # from the finding: no checks listed
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "nowhere", "uriBaseId": "%SRCROOT%"}
    }
    assert validate_sarif(sarif.render(ScanResult([], [], [], 0, 0)))["runs"][0]["invocations"] == [
        {"executionSuccessful": True}
    ]


# -- JUnit ------------------------------------------------------------------------------------------------


def test_junit_has_a_suite_per_check_and_a_case_per_check_and_resource(result):
    root = ET.fromstring(junit.render(result))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [
        "crosswire.CW101",
        "crosswire.CW102",
        "crosswire.CW301",
        "crosswire.CW302",
        "crosswire.errors",
    ]

    def outcome(case: ET.Element) -> tuple:
        children = [(c.tag, c.get("type"), c.get("message")) for c in case]
        return (case.get("name"), case.get("classname"), children)

    cw302 = [outcome(c) for c in suites["crosswire.CW302"].findall("testcase")]
    message = result.findings[1].message
    unresolved = (
        "unresolved: visibility timeout of queue AuditQueue is unresolved: parameter AuditVisibility has no default "
        "and no --param value"
    )
    assert cw302 == [
        (f"OrdersQueue ({ORDERS})", "crosswire.CW302", [("failure", "warning", message)]),
        (f"PaymentsQueue ({ORDERS})", "crosswire.CW302", []),
        (f"JobsQueue ({ORDERS})", "crosswire.CW302", []),
        (f"AuditQueue ({ORDERS})", "crosswire.CW302", [("skipped", None, unresolved)]),
        (f"ArchiveQueue ({ORDERS})", "crosswire.CW302", []),
    ]
    assert [(k, suites["crosswire.CW302"].get(k)) for k in ("tests", "failures", "errors", "skipped")] == [
        ("tests", "5"),
        ("failures", "1"),
        ("errors", "0"),
        ("skipped", "1"),
    ]
    failed = {
        (suite.get("name"), case.get("name"), failure.get("type"))
        for suite in root.findall("testsuite")
        for case in suite.findall("testcase")
        for failure in case.findall("failure")
    }
    assert failed == {
        ("crosswire.CW101", f"OrdersQueue ({ORDERS})", "warning"),
        ("crosswire.CW102", f"PaymentsQueue ({ORDERS})", "error"),
        ("crosswire.CW301", f"JobsQueue ({ORDERS})", "error"),
        ("crosswire.CW302", f"OrdersQueue ({ORDERS})", "warning"),
    }
    body = suites["crosswire.CW102"].find("testcase/failure").text
    assert body.splitlines()[:4] == [
        f"{ORDERS}:33-36",
        result.findings[2].message,
        f"related: SNS topic OrderEvents ({ORDERS}:8)",
        f"related: EventBridge rule PaymentsRule ({ORDERS}:70)",
    ]
    assert f"fix: {result.findings[2].fix}" in body
    (error_case,) = suites["crosswire.errors"].findall("testcase")
    error = error_case.find("error")
    assert (error_case.get("name"), error.get("type")) == ("input/broken.yaml:6", "input")
    assert error.get("message").startswith("malformed template")
    assert [root.get(k) for k in ("tests", "failures", "errors", "skipped")] == ["21", "4", "1", "2"]


def test_junit_survives_characters_xml_cannot_carry(result):
    odd = dataclasses.replace(result.findings[0], message='bad \x01 <&> "quoted" \ud800 end')
    root = ET.fromstring(junit.render(ScanResult([odd], [], [], 1, 1)))
    failure = root.find("testsuite/testcase/failure")
    # shown as escapes, as in the text report, rather than replaced: the reader learns what was there
    assert failure.get("message") == r'bad \x01 <&> "quoted" \ud800 end'


# -- GitHub annotations -----------------------------------------------------------------------------------


def test_github_annotations_are_exact(result):
    lines = github.render(result).splitlines()
    assert [line.split("::")[1] for line in lines] == [
        "warning file=input/orders.yaml,line=16,endLine=20,title=CW101 Service-fed queue encrypted with SSE-SQS "
        "instead of a customer managed KMS key",
        "warning file=input/orders.yaml,line=16,endLine=20,title=CW302 Queue visibility timeout below 6 × function "
        "timeout + batching window",
        "error file=input/orders.yaml,line=33,endLine=36,title=CW102 Service-fed queue encrypted with the AWS managed "
        "key alias/aws/sqs",
        "error file=input/orders.yaml,line=37,endLine=38,title=CW301 Queue visibility timeout below its Lambda "
        "consumer's timeout",
        "error file=input/broken.yaml,line=6,title=crosswire input error",
    ]
    assert lines[3] == (
        "::error file=input/orders.yaml,line=37,endLine=38,title=CW301 Queue visibility timeout below its Lambda "
        "consumer's timeout::queue JobsQueue: visibility timeout 30 s (AWS default) is below the timeout 60 s of its "
        "consumer function JobsWorker; Lambda rejects the event source mapping"
        f"%0Arelated: function JobsWorker ({ORDERS}:39)%0Afix: {result.findings[3].fix}"
    )
    assert lines[4] == "::error file=input/broken.yaml,line=6,title=crosswire input error::" + (
        "malformed template: did not find expected ',' or ']'"
    )


def test_github_escapes_properties_and_message(result):
    finding = result.findings[3]
    odd_node = dataclasses.replace(finding.node, span=Span("a,b:c%d.yaml", 2, 2))
    odd = dataclasses.replace(
        finding, node=odd_node, message="100% wrong\r\nsecond line", related=(), severity=Severity.INFO
    )
    (line,) = github.render(ScanResult([odd], [], [ScanError("x.yaml", 0, "gone")], 0, 0)).splitlines()[:1]
    assert line == (
        "::notice file=a%2Cb%3Ac%25d.yaml,line=2,endLine=2,title=CW301 Queue visibility timeout below its Lambda "
        f"consumer's timeout::100%25 wrong%0D%0Asecond line%0Afix: {finding.fix}"
    )
    assert github.render(ScanResult([], [], [ScanError("x.yaml", 0, "gone")], 0, 0)) == (
        "::error file=x.yaml,title=crosswire input error::gone\n"
    )


# -- several formats in one run ---------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    shutil.copy(INPUT / "orders.yaml", tmp_path / "orders.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_to_a_file_and_text_to_stdout(workspace):
    run = run_cli("scan", "--select", "CW101,CW102,CW301,CW302", "--format", "sarif", "--output-file", "out.sarif", "--format", "text", *SELECT, "orders.yaml")
    assert (run.code, run.err) == (1, "")
    expected = scan(["orders.yaml"], [registry()[check_id] for check_id in CHECK_IDS], ScanOptions())
    assert run.out == text.render(expected)
    assert (workspace / "out.sarif").read_text(encoding="utf-8") == sarif.render(expected)
    log = validate_sarif((workspace / "out.sarif").read_text(encoding="utf-8"))
    located = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["partialFingerprints"])
        for r in log["runs"][0]["results"]
    ]
    assert located == [(f.meta.id, "orders.yaml", {"crosswire/v1": f.fingerprint}) for f in expected.findings]
    assert [(f.meta.id, f.node.address, f.node.span.line) for f in expected.findings] == [
        ("CW101", "OrdersQueue", 16),
        ("CW302", "OrdersQueue", 16),
        ("CW102", "PaymentsQueue", 33),
        ("CW301", "JobsQueue", 37),
    ]
    assert sorted(p.name for p in workspace.iterdir()) == ["orders.yaml", "out.sarif"]  # no temporary file left


def test_every_format_to_its_own_file(workspace):
    args = ["scan", "orders.yaml", "--fail-on", "never", *SELECT]
    for fmt in ("json", "junit", "github", "sarif"):
        args += ["-f", fmt, "--output-file", f"reports.{fmt}"]
    run = run_cli(*args)
    assert (run.code, run.out, run.err) == (0, "", "")
    assert {f["check_id"] for f in json.loads((workspace / "reports.json").read_text())["findings"]} == set(CHECK_IDS)
    assert ET.parse(workspace / "reports.junit").getroot().tag == "testsuites"
    assert (workspace / "reports.github").read_text().startswith("::warning file=orders.yaml,line=16,")
    validate_sarif((workspace / "reports.sarif").read_text())


def test_an_output_file_without_a_format_gets_the_text_report(workspace):
    run = run_cli("scan", "--select", "CW101", "orders.yaml", "--output-file", "report.txt")
    assert (run.code, run.out) == (1, "")
    assert (workspace / "report.txt").read_text().startswith("orders.yaml:16: CW101 warning:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "json", "-f", "sarif"], "only one --format can go to standard output"),
        (["--output-file", "a.sarif", "-f", "sarif"], "--output-file a.sarif comes before any --format"),
        (["-f", "sarif", "--output-file", "a", "--output-file", "b"], "--format sarif already writes to a"),
        (
            ["-f", "sarif", "--output-file", "a", "-f", "json", "--output-file", "./a"],
            "write to the same --output-file",
        ),
        (["-f", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_report_options_that_cannot_work_are_usage_errors(workspace, args, message):
    run = run_cli("scan", "orders.yaml", *SELECT, *args)
    assert run.code == 2
    assert message in run.err
    assert run.out == ""


def test_an_unwritable_output_file_exits_two_without_a_traceback(workspace):
    (workspace / "taken").mkdir()
    run = run_cli("scan", "--select", "CW101", "orders.yaml", "-f", "sarif", "--output-file", "missing/out.sarif", "-f", "text")
    assert run.code == 2
    assert run.err == "crosswire: error: cannot write --output-file missing/out.sarif: No such file or directory\n"
    assert run.out.startswith("orders.yaml:16: CW101")  # the report that could be written still is
    proc = cli_subprocess("scan", "--select", "CW101", "orders.yaml", "-f", "junit", "--output-file", "taken", cwd=workspace)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "cannot write --output-file taken:" in proc.stderr
    assert sorted(p.name for p in workspace.iterdir()) == ["orders.yaml", "taken"]


def test_an_output_file_that_is_a_symlink_is_replaced_not_written_through(workspace):
    """A report path in a checkout of a pull request may be a symlink the pull request planted (to ~/.bashrc):
    the report replaces the link, and what it pointed to is left alone (found by review; it was written through)."""
    (workspace / "home").mkdir()
    (workspace / "home" / ".bashrc").write_text("old")
    os.symlink(workspace / "home" / ".bashrc", workspace / "latest.xml")
    run = run_cli("scan", "orders.yaml", *SELECT, "-f", "junit", "--output-file", "latest.xml", "-f", "text")
    assert run.code == 1, run.err
    assert not (workspace / "latest.xml").is_symlink()
    assert ET.parse(workspace / "latest.xml").getroot().get("failures") == "4"
    assert (workspace / "home" / ".bashrc").read_text() == "old"
    assert sorted(p.name for p in (workspace / "home").iterdir()) == [".bashrc"]


def test_sarif_keeps_suppressed_and_baselined_findings_as_dismissed_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = """\
Resources:
  Queue:  # crosswire:ignore CW301 the worker finishes in 5 s; timeout is a safety net
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 10}
  Other:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 10}
  Worker: {Type: AWS::Lambda::Function, Properties: {Timeout: 20, Role: arn:aws:iam::1:role/r}}
  M1: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Queue.Arn, FunctionName: !Ref Worker}}
  M2: {Type: AWS::Lambda::EventSourceMapping, Properties: {EventSourceArn: !GetAtt Other.Arn, FunctionName: !Ref Worker}}
"""
    (tmp_path / "t.yaml").write_text(template)
    assert run_cli("scan", "--select", "CW301", ".", "--write-baseline", "base.json").code == 0
    (tmp_path / "t.yaml").write_text(template.replace("  Other:", "  # moved\n  Other:"))
    run = run_cli("scan", "--select", "CW301", ".", "--baseline", "base.json", "--format", "sarif")
    assert run.code == 0
    log = validate_sarif(run.out)
    results = [
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"], r.get("baselineState"), r["suppressions"][0])
        for r in log["runs"][0]["results"]
    ]
    assert results == [
        (
            "CW301",
            "Queue",
            None,
            {
                "kind": "inSource",
                "justification": "the worker finishes in 5 s; timeout is a safety net",
                "location": {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "t.yaml", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": 2, "endLine": 2},
                    }
                },
            },
        ),
        ("CW301", "Other", "unchanged", {"kind": "external", "justification": "recorded in the crosswire baseline"}),
    ]
