"""Names from the scanned files (file, folder and resource names, messages quoting them) in every report and on
stderr: they can never forge a CI workflow command or a terminal control sequence, and odd names never crash.

The GitHub Actions runner (actions/runner, ActionCommand.TryParseV2 and TryParse) runs `::name ...::data` when a
line starts with `::` after leading whitespace, and the legacy `##[name ...]data` anywhere in a line.
"""

from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_reporters import validate_sarif

from conftest import run_cli
from crosswire.escaping import encodable, inert_json, inert_text, inert_xml, visible

SELECT = ("--select", "CW301")
# a queue consumed by a function whose timeout is longer than its visibility timeout: CW301 fires on the queue
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  "{queue}":
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 10
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 60
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt "{queue}.Arn"
"""
MESSAGE = (
    "visibility timeout 10 s is below the timeout 60 s of its consumer function Worker; Lambda rejects the event "
    "source mapping"
)
HEADLINE = "CW301 error: Queue visibility timeout below its Lambda consumer's timeout"
# YAML double-quoted escapes: a newline, ESC and the C1 CSI (0x9b) starting colour and clear-screen sequences, and a
# right-to-left override
HOSTILE_QUEUE_YAML = r"Queue\n::add-mask::secret\n##[error]forged\e[31m\x9b2J\u202e"
HOSTILE_QUEUE = "Queue\n::add-mask::secret\n##[error]forged\x1b[31m\x9b2J\u202e"
HOSTILE_FILE = "q\n::warning file=x::forged\x1b[2J\u2066.yaml"
NOT_UTF8_FILE = os.fsdecode(b"bad\xff.yaml")
NOT_UTF8_FOLDER = os.fsdecode(b"dir\xfe")


def assert_inert(output: str) -> None:
    """Nothing in `output` that the Actions runner or a terminal would act on."""
    for line in output.split("\n"):
        assert not line.lstrip().startswith("::"), line
    assert "##[" not in output
    hidden = [c for c in output if not c.isprintable() and c != "\n"]
    assert hidden == []


def test_text_report_escapes_hostile_resource_and_file_names(write):
    write(HOSTILE_FILE, TEMPLATE.format(queue=HOSTILE_QUEUE_YAML))
    run = run_cli("scan", *SELECT, ".")
    assert run.code == 1
    assert_inert(run.out)
    assert run.out.split("\n")[:4] == [
        rf"q\n::warning file=x::forged\x1b[2J\u2066.yaml:4: {HEADLINE}",
        rf"  queue Queue\n::add-mask::secret\n#\x23[error]forged\x1b[31m\x9b2J\u202e: {MESSAGE}",
        r"  related: Worker (q\n::warning file=x::forged\x1b[2J\u2066.yaml:8)",
        "  fix: Raise the queue's `VisibilityTimeout` to at least 6 × the function's `Timeout` plus the mapping's "
        "`MaximumBatchingWindowInSeconds`, or lower the function's `Timeout` (check `Globals.Function`).",
    ]


def test_a_text_line_never_starts_with_a_workflow_command(write):
    write("::add-mask::x.yaml", TEMPLATE.format(queue="Queue"))
    write("  ::error::forged.yaml", "Resources: [")
    run = run_cli("scan", *SELECT, ".")
    assert run.code == 2
    assert_inert(run.out)
    lines = run.out.split("\n")
    assert r"  \x3a:error::forged.yaml:2: error: malformed template: did not find expected node content" in lines
    assert rf"\x3a:add-mask::x.yaml:4: {HEADLINE}" in lines


def test_stderr_escapes_names_from_the_scanned_tree(write):
    # a .crosswire.toml in the scanned tree is read by default: its keys reach the usage error
    write(".crosswire.toml", '[checks."CW3\\n::add-mask::x\\u001b##[y"]\nfoo = 1\n')
    run = run_cli("scan", *SELECT, ".")
    assert run.code == 2
    assert run.err == r"crosswire: error: .crosswire.toml: checks.CW3\n::add-mask::x\x1b#\x23[y: unknown check" + "\n"


def test_github_annotations_keep_hostile_names_inside_their_command(write):
    write(HOSTILE_FILE, TEMPLATE.format(queue=HOSTILE_QUEUE_YAML))
    run = run_cli("scan", "--select", "CW301", *SELECT, "--format", "github", ".")
    assert run.code == 1
    lines = run.out.split("\n")
    assert lines[-1] == ""
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error"]
    assert lines[0] == (
        "::error file=q%0A%3A%3Awarning file=x%3A%3Aforged\x1b[2J\u2066.yaml,line=4,endLine=7,"
        "title=CW301 Queue visibility timeout below its Lambda consumer's timeout::"
        f"queue Queue%0A::add-mask::secret%0A##[error]forged\x1b[31m\x9b2J\u202e: {MESSAGE}%0A"
        "related: function Worker (q%0A::warning file=x::forged\x1b[2J\u2066.yaml:8)%0A"
        "fix: Raise the queue's `VisibilityTimeout` to at least 6 × the function's `Timeout` plus the mapping's "
        "`MaximumBatchingWindowInSeconds`, or lower the function's `Timeout` (check `Globals.Function`)."
    )


SKIPPED_QUEUE = """\
Parameters:
  Visibility:
    Type: Number
Resources:
  "Audit[x](1)":
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !Ref Visibility
  Auditor:
    Type: AWS::Lambda::Function
    Properties:
      Timeout: 60
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt "Audit[x](1).Arn"
      FunctionName: !Ref Auditor
"""


def test_sarif_escapes_link_syntax_in_every_message_text(write):
    write("t.yaml", TEMPLATE.format(queue="Queue[here](0)"))
    write("skipped.yaml", SKIPPED_QUEUE)
    run = run_cli("scan", "--select", "CW301", *SELECT, "--format", "sarif", ".")
    assert run.code == 1
    log = validate_sarif(run.out)
    texts = [
        *(r["message"]["text"] for r in log["runs"][0]["results"]),
        *(n["message"]["text"] for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]),
    ]
    assert texts == [
        rf"queue Queue\[here\](0): {MESSAGE}",
        r"CW301 skipped on Audit\[x\](1): visibility timeout of queue Audit\[x\](1) is unresolved: parameter "
        "Visibility has no default and no --param value",
    ]


def test_sarif_and_json_carry_hostile_names_exactly_and_inert(write):
    write(HOSTILE_FILE, TEMPLATE.format(queue=HOSTILE_QUEUE_YAML))
    for fmt in ("json", "sarif"):
        run = run_cli("scan", *SELECT, "--format", fmt, ".")
        assert run.code == 1
        assert_inert(run.out)
    report = run_cli("scan", *SELECT, "--format", "json", ".").report
    assert (report["findings"][0]["file"], report["findings"][0]["resource"]) == (HOSTILE_FILE, HOSTILE_QUEUE)


def test_junit_stays_well_formed_with_control_characters_in_names(write):
    write("c\x01\x1b\x7f.yaml", TEMPLATE.format(queue=HOSTILE_QUEUE_YAML))
    run = run_cli("scan", *SELECT, "--format", "junit", ".")
    assert run.code == 1
    assert_inert(run.out)
    suite = ET.fromstring(run.out).find("testsuite")
    assert suite is not None
    case = suite.find("testcase")
    assert case is not None
    assert case.get("file") == r"c\x01\x1b\x7f.yaml"
    assert case.get("name") == r"Queue\n::add-mask::secret\n##[error]forged\x1b[31m\x9b2J\u202e (c\x01\x1b\x7f.yaml)"
    failure = case.find("failure")
    assert failure is not None and failure.text is not None
    assert failure.text.split("\n")[:2] == [
        r"c\x01\x1b\x7f.yaml:4-7",
        rf"queue Queue\n::add-mask::secret\n##[error]forged\x1b[31m\x9b2J\u202e: {MESSAGE}",
    ]


def expected_fingerprint(file: bytes) -> str:
    return hashlib.sha256(b"\x1f".join([b"CW301", file, b"Queue", b"Worker"])).hexdigest()[:32]


@pytest.mark.parametrize(
    ("name", "raw", "shown"),
    [
        (NOT_UTF8_FILE, b"bad\xff.yaml", r"bad\xff.yaml"),
        (os.path.join(NOT_UTF8_FOLDER, "t.yaml"), b"dir\xfe/t.yaml", r"dir\xfe/t.yaml"),
    ],
)
def test_names_that_are_not_utf8_render_in_every_format(write, name, raw, shown):
    write(name, TEMPLATE.format(queue="Queue"))
    write(os.path.join(NOT_UTF8_FOLDER, "broken.yaml"), "Resources: [")
    outputs = {}
    for fmt in ("text", "json", "sarif", "junit", "github"):
        run = run_cli("scan", *SELECT, "--format", fmt, ".")
        assert (run.code, run.err) == (2, ""), fmt
        outputs[fmt] = run.out
    assert rf"{shown}:4: {HEADLINE}" in outputs["text"].split("\n")
    assert r"dir\xfe/broken.yaml:2: error: malformed template: did not find expected node content" in outputs["text"]
    report = json.loads(outputs["json"])
    assert [(f["file"], f["fingerprint"]) for f in report["findings"]] == [(shown, expected_fingerprint(raw))]
    assert [e["file"] for e in report["errors"]] == [r"dir\xfe/broken.yaml"]
    log = validate_sarif(outputs["sarif"])
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == raw.decode("latin-1").replace("\xff", "%FF").replace("\xfe", "%FE")
    assert log["runs"][0]["results"][0]["partialFingerprints"] == {"crosswire/v1": expected_fingerprint(raw)}
    case = ET.fromstring(outputs["junit"]).find("testsuite/testcase")
    assert case is not None and case.get("file") == shown
    assert f"::error file={shown},line=4," in outputs["github"]


def test_a_not_utf8_name_gets_a_stable_fingerprint_in_the_baseline(write):
    write(NOT_UTF8_FILE, TEMPLATE.format(queue="Queue"))
    run = run_cli("scan", *SELECT, "--write-baseline", "baseline.json", ".")
    assert run.code == 0
    assert json.loads(Path("baseline.json").read_text(encoding="utf-8"))["fingerprints"] == [
        expected_fingerprint(b"bad\xff.yaml")
    ]
    run = run_cli("scan", *SELECT, "--baseline", "baseline.json", ".")
    assert run.code == 0


def leftovers(directory: str = ".") -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("text", r"bad\xff.yaml:4:"),
        ("json", r'"file": "bad\\xff.yaml"'),
        ("sarif", '"uri": "bad%FF.yaml"'),
        ("junit", r'file="bad\xff.yaml"'),
        ("github", r"::error file=bad\xff.yaml,"),
    ],
)
def test_output_file_with_a_not_utf8_name_in_the_report(write, fmt, shown):
    write(NOT_UTF8_FILE, TEMPLATE.format(queue="Queue"))
    run = run_cli("scan", *SELECT, "--format", fmt, "--output-file", "report.out", ".")
    assert (run.code, run.out, run.err) == (1, "", "")
    assert shown in Path("report.out").read_text(encoding="utf-8")
    assert leftovers() == []


def test_output_file_that_cannot_be_encoded_is_an_error_and_leaves_no_temporary_file(write, monkeypatch):
    from crosswire.reporters import text

    write("t.yaml", TEMPLATE.format(queue="Queue"))
    monkeypatch.setattr(text, "render", lambda result, **style: "a lone surrogate \udcff\n")
    run = run_cli("scan", *SELECT, "--output-file", "report.txt", ".")
    assert run.code == 2
    assert run.err.startswith("crosswire: error: cannot write --output-file report.txt: ")
    assert "surrogate" in run.err
    assert leftovers() == []
    assert not os.path.exists("report.txt")


def test_output_file_whose_replace_fails_leaves_no_temporary_file(write, monkeypatch):
    write("t.yaml", TEMPLATE.format(queue="Queue"))

    def refuse(source: str, target: str) -> None:
        raise IsADirectoryError(21, "Is a directory")

    monkeypatch.setattr(os, "replace", refuse)
    run = run_cli("scan", *SELECT, "--output-file", "report.txt", ".")
    assert run.code == 2
    assert run.err == "crosswire: error: cannot write --output-file report.txt: Is a directory\n"
    assert leftovers() == []


def test_output_file_with_a_hostile_name_is_escaped_on_stderr(write):
    write("t.yaml", TEMPLATE.format(queue="Queue"))
    run = run_cli("scan", *SELECT, "--output-file", "missing/\n::add-mask::x", ".")
    assert run.code == 2
    assert run.err == (
        r"crosswire: error: cannot write --output-file missing/\n::add-mask::x: No such file or directory" + "\n"
    )


# -- the escaping functions on any text ----------------------------------------------------------------------------


# names as an attacker writes them: mostly the characters that matter, with anything else mixed in
HOSTILE_TEXT = st.text(
    st.one_of(
        st.sampled_from(
            [":", "#", "[", "]", " ", "\n", "\r", "\t", "\x1b", "\x9b", "\x85", "\u202e", "\u2028", "\xa0"]
        ),
        st.sampled_from(["\udcff", "\ud800", "\U000e0001", "\ufffe"]),
        st.characters(),
    )
)


@given(HOSTILE_TEXT)
def test_visible_text_is_printable_on_one_line_and_inert(text):
    shown = inert_text(visible(text))
    assert shown.isprintable()
    assert not shown.lstrip().startswith("::")
    assert "##[" not in shown


@given(st.lists(HOSTILE_TEXT, max_size=4))
def test_inert_json_reads_back_the_same_values(values):
    serialised = inert_json(json.dumps([encodable(v) for v in values], indent=2, ensure_ascii=False))
    assert json.loads(serialised) == [encodable(v) for v in values]
    assert "##[" not in serialised
    assert all(c.isprintable() or c == "\n" for c in serialised)
    serialised.encode("utf-8")


@given(HOSTILE_TEXT)
def test_inert_xml_reads_back_the_same_text(text):
    root = ET.Element("r", {"a": visible(text)})
    root.text = "\n".join(visible(part) for part in text.split("\n"))
    serialised = inert_xml(ET.tostring(root, encoding="unicode"))
    parsed = ET.fromstring(serialised)
    assert (parsed.get("a"), parsed.text or "") == (root.get("a"), root.text)
    for line in serialised.split("\n"):
        assert not line.lstrip().startswith("::")
    assert "##[" not in serialised


def test_escapes_are_exact():
    assert visible("a\n\r\t\x00\x1b\x7f\x9b\xa0\u202e\u2066\ufffe\U000e0001\udcff\ud800 b\\c") == (
        r"a\n\r\t\x00\x1b\x7f\x9b\xa0\u202e\u2066\ufffe\U000e0001\xff\ud800 b\c"
    )
    assert (
        inert_text("::a\n  ::b\nc ::d ###[e] ##[f]")
        == r"\x3a:a" + "\n" + r"  \x3a:b" + "\nc ::d " + r"##\x23[e] #\x23[f]"
    )
