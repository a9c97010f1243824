"""The picture of the wiring (`crosswire graph --format mermaid|dot`, `crosswire scan --format markdown`), checked
with Mermaid's own parser and with Graphviz `dot`, hostile names included."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run_cli

MERMAID = ROOT / "tests" / "mermaid"
NODE = shutil.which("node")
DOT = shutil.which("dot")
needs_mermaid = pytest.mark.skipif(
    NODE is None or not (MERMAID / "node_modules" / "mermaid").is_dir(),
    reason="Mermaid's parser is not installed: npm ci --prefix tests/mermaid (needs node)",
)
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz is not installed: apt-get install graphviz")

WIRING = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SNS::Topic
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 10
      KmsMasterKeyId: !Ref JobsKey
  JobsKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  JobsSubscription:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Orders, Protocol: sqs, Endpoint: !GetAtt Jobs.Arn}
  Worker:
    Type: AWS::Lambda::Function
    Properties: {Timeout: 60, Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
  JobsMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Jobs.Arn, FunctionName: !Ref Worker}
  Quiet:
    Type: AWS::SQS::Queue
  Other:
    Type: AWS::Lambda::Function
    Properties: {Timeout: 3, Runtime: python3.12, Handler: a.b, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: x}}
  QuietMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Quiet.Arn, FunctionName: !Ref Other}
"""

# the picture is about the findings of the checks the configuration selects
CONFIG = 'select = ["CW301"]\n'

MERMAID_FOCUSED = """\
flowchart LR
  n1{{"SNS topic<br/>Orders"}}
  n2[("SQS queue<br/>Jobs<br/>CW301")]
  n3>"KMS key<br/>JobsKey"]
  n4(["Lambda function<br/>Worker"])
  n2 -.->|"encrypted by"| n3
  n1 -->|"subscription"| n2
  n2 -->|"consumed by"| n4
  classDef finding fill:#fde2e1,stroke:#c62828,stroke-width:2px
  class n2 finding
"""


@pytest.fixture
def wiring(write):
    write("template.yaml", WIRING)
    write(".crosswire.toml", CONFIG)


def mermaid_parse(text: str) -> dict:
    assert NODE is not None
    run = subprocess.run([NODE, str(MERMAID / "parse.mjs")], input=text, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def dot_parse(text: str) -> dict:
    assert DOT is not None
    run = subprocess.run([DOT, "-Tjson"], input=text, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (0, "")
    return json.loads(run.stdout)


def test_mermaid_draws_the_resources_a_finding_involves_and_their_neighbours(wiring):
    run = run_cli("graph", ".", "--format", "mermaid")
    assert (run.code, run.err) == (0, "")
    assert run.out == MERMAID_FOCUSED


def test_all_draws_every_resource(wiring):
    run = run_cli("graph", ".", "--format", "mermaid", "--all")
    assert run.out.splitlines()[1:7] == [
        '  n1{{"SNS topic<br/>Orders"}}',
        '  n2[("SQS queue<br/>Jobs<br/>CW301")]',
        '  n3>"KMS key<br/>JobsKey"]',
        '  n4(["Lambda function<br/>Worker"])',
        '  n5[("SQS queue<br/>Quiet")]',
        '  n6(["Lambda function<br/>Other"])',
    ]
    assert '  n5 -->|"consumed by"| n6' in run.out.splitlines()


@needs_mermaid
def test_mermaid_output_is_accepted_by_mermaids_parser(wiring):
    parsed = mermaid_parse(run_cli("graph", ".", "--format", "mermaid").out)
    assert parsed == {
        "type": "flowchart-v2",
        "vertices": [["n1", "hexagon"], ["n2", "cylinder"], ["n3", "odd"], ["n4", "stadium"]],
        "edges": [["n2", "n3", "encrypted by"], ["n1", "n2", "subscription"], ["n2", "n4", "consumed by"]],
    }


@needs_dot
def test_dot_output_is_accepted_by_graphviz(wiring):
    run = run_cli("graph", ".", "--format", "dot")
    graph = dot_parse(run.out)
    assert [(o["name"], o["label"], o["shape"]) for o in graph["objects"]] == [
        ("n1", "SNS topic\\nOrders", "hexagon"),
        ("n2", "SQS queue\\nJobs\\nCW301", "cylinder"),
        ("n3", "KMS key\\nJobsKey", "note"),
        ("n4", "Lambda function\\nWorker", "box"),
    ]
    assert sorted((e["tail"], e["head"], e["label"]) for e in graph["edges"]) == [
        (0, 1, "subscription"),
        (1, 2, "encrypted by"),
        (1, 3, "consumed by"),
    ]
    assert 'n2 [label="SQS queue\\nJobs\\nCW301", shape=cylinder, color="#c62828"' in run.out


# a JSON template may name a resource anything: quotes, brackets, arrows, line breaks, Mermaid directives and
# click handlers, DOT attributes and Graphviz's own escapes (\N is the node's name)
QUEUE_NAME = 'Q"]-->X["evil"]\n%%{init: {}}%%\nclick Q call alert()'
FUNCTION_NAME = 'F\\N"; evil [label="x"]; //'
HOSTILE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        QUEUE_NAME: {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 10}},
        FUNCTION_NAME: {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Timeout": 60,
                "Runtime": "python3.12",
                "Handler": "a.b",
                "Code": {"ZipFile": "x"},
                "Role": "arn:aws:iam::123456789012:role/r",
            },  # fmt: skip
        },
        "M": {
            "Type": "AWS::Lambda::EventSourceMapping",
            "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [QUEUE_NAME, "Arn"]},
                "FunctionName": {"Ref": FUNCTION_NAME},
            },
        },
    },
}


@pytest.fixture
def hostile(write):
    write("template.json", json.dumps(HOSTILE))
    write(".crosswire.toml", CONFIG)


def test_hostile_names_are_escaped_in_mermaid(hostile):
    run = run_cli("graph", ".", "--format", "mermaid")
    # one line each: sorted by name, the function comes first
    assert run.out.splitlines()[1:4] == [
        '  n1(["Lambda function<br/>F#92;N#34;#59; evil #91;label=#34;x#34;#93;#59; //"])',
        '  n2[("SQS queue<br/>Q#34;#93;#45;#45;#62;X#91;#34;evil#34;#93;#92;n#37;#37;#123;init: #123;#125;#125;'
        '#37;#37;#92;nclick Q call alert#40;#41;<br/>CW301")]',
        '  n2 -->|"consumed by"| n1',
    ]


@needs_mermaid
def test_hostile_names_add_no_node_edge_or_directive_in_mermaid(hostile):
    parsed = mermaid_parse(run_cli("graph", ".", "--format", "mermaid").out)
    assert parsed == {
        "type": "flowchart-v2",
        "vertices": [["n1", "stadium"], ["n2", "cylinder"]],
        "edges": [["n2", "n1", "consumed by"]],
    }


@needs_dot
def test_hostile_names_add_no_node_edge_or_attribute_in_dot(hostile):
    graph = dot_parse(run_cli("graph", ".", "--format", "dot").out)
    # Graphviz keeps a label as written (escString): \\ is one backslash, \" a quote, \n our line break
    assert [(o["name"], o["label"]) for o in graph["objects"]] == [
        ("n1", 'Lambda function\\nF\\\\N"; evil [label="x"]; //'),
        ("n2", 'SQS queue\\nQ"]-->X["evil"]\\\\n%%{init: {}}%%\\\\nclick Q call alert()\\nCW301'),
    ]
    assert [(e["tail"], e["head"], e["label"]) for e in graph["edges"]] == [(1, 0, "consumed by")]


def test_markdown_summary_has_the_findings_table_and_the_picture(wiring):
    run = run_cli("scan", ".", "--format", "markdown", "--select", "CW301")
    assert run.code == 1
    assert run.out == (
        "## crosswire\n"
        "\n"
        "1 files, 9 resources; findings: 1 error, 0 warning, 0 info\n"
        "\n"
        "| severity | check | resource | where | finding |\n"
        "|---|---|---|---|---|\n"
        "| error | CW301 Queue visibility timeout below its Lambda consumer\\'s timeout | Jobs | template\\.yaml:5 "
        "| queue Jobs\\: visibility timeout 10 s is below the timeout 60 s of its consumer function Worker\\; Lambda "
        "rejects the event source mapping |\n"
        "\n"
        "```mermaid\n" + MERMAID_FOCUSED + "```\n"
        "\n"
        "2 resources without findings nearby are not drawn.\n"
    )


@needs_mermaid
def test_markdown_mermaid_block_is_accepted_by_mermaids_parser(wiring):
    out = run_cli("scan", ".", "--format", "markdown", "--select", "CW301").out
    block = out.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert mermaid_parse(block)["type"] == "flowchart-v2"


def test_markdown_escapes_hostile_names(hostile):
    out = run_cli("scan", ".", "--format", "markdown", "--select", "CW301").out
    row = next(line for line in out.splitlines() if line.startswith("| error"))
    cells = row.split(" | ")
    assert (
        cells[2]
        == 'Q\\"\\]\\-\\-\\>X\\[\\"evil\\"\\]\\\\n\\%\\%\\{init\\: \\{\\}\\}\\%\\%\\\\nclick Q call alert\\(\\)'
    )
    assert "```" not in row and "\n" not in row


def test_markdown_keeps_at_signs_from_mentioning(write):
    from crosswire.reporters.markdown import markdown_text

    assert markdown_text("@octocat [x](https://e.example)") == "@\u2060octocat \\[x\\]\\(https\\:\\/\\/e\\.example\\)"


def test_an_empty_picture_without_findings(write):
    write("template.yaml", WIRING.replace("VisibilityTimeout: 10", "VisibilityTimeout: 600"))
    write(".crosswire.toml", CONFIG)
    run = run_cli("graph", ".", "--format", "mermaid")
    assert (run.code, run.out) == (0, "flowchart LR\n")


PICTURE = ROOT / "docs" / "picture"


def test_the_readme_picture_is_drawn_from_its_example(monkeypatch):
    # the SVG in the README is Graphviz's rendering of this DOT: a change to the picture shows here first
    monkeypatch.chdir(ROOT)
    run = run_cli("graph", "docs/picture", "--format", "dot")
    assert run.out == (PICTURE / "wiring.dot").read_text(encoding="utf-8")
    assert "![crosswire graph: " in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/picture/wiring.svg)" in (ROOT / "README.md").read_text(encoding="utf-8")


@needs_dot
def test_the_readme_picture_renders_with_graphviz():
    assert DOT is not None
    run = subprocess.run([DOT, "-Tsvg", str(PICTURE / "wiring.dot")], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (0, "")
    # the committed SVG is such a rendering (compared by its texts: Graphviz versions lay it out differently)
    texts = lambda svg: re.findall(r"<text[^>]*>([^<]*)</text>", svg)  # noqa: E731
    assert texts(run.stdout) == texts((PICTURE / "wiring.svg").read_text(encoding="utf-8"))


def test_an_input_that_cannot_be_read_is_said_on_stderr_and_exits_two(wiring, write):
    write("broken.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Q: [\n")
    run = run_cli("graph", ".", "--format", "mermaid")
    assert run.code == 2
    assert run.out == MERMAID_FOCUSED
    assert run.err == "broken.yaml:4: error: malformed template: did not find expected node content\n"


@needs_mermaid
@needs_dot
def test_the_picture_of_every_fixture_is_accepted_by_mermaid_and_graphviz(monkeypatch):
    # every kind of wire both loaders make, Terraform modules and SAM included: one vertex per drawn resource
    monkeypatch.chdir(ROOT)
    drawn = run_cli("graph", "fixtures/", "--format", "mermaid", "--all").out
    boxes = [line for line in drawn.splitlines() if re.match(r"  n\d+[\[({>]", line)]
    parsed = mermaid_parse(drawn)
    assert [vertex[0] for vertex in parsed["vertices"]] == [f"n{i}" for i in range(1, len(boxes) + 1)]
    assert len(parsed["edges"]) == drawn.count("-->|") + drawn.count("-.->|")
    graph = dot_parse(run_cli("graph", "fixtures/", "--format", "dot", "--all").out)
    assert len(graph["objects"]) == len(boxes)
    assert len(graph["edges"]) == len(parsed["edges"])
