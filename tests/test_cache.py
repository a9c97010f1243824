"""The parse cache (crosswire.cache): a hit reports what a miss reports, byte for byte; what changes the product
is a miss; a broken entry is rewritten; concurrent scans leave it whole; `--no-cache` writes nothing; a warm
CloudFormation scan never imports cfn-lint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import crosswire
from conftest import run_cli, scan_json
from crosswire import cache
from crosswire.loaders import hcl_parser
from crosswire.loaders.cloudformation import decode

TERRAFORM = """\
resource "aws_sqs_queue" "jobs" {
  name                       = "jobs"
  visibility_timeout_seconds = VISIBILITY
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "app.zip"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/worker
      Code: {ZipFile: "def handler(event, context): pass"}
      Timeout: 60
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt Queue.Arn
      FunctionName: !Ref Worker
"""

CW301_TERRAFORM = (
    "queue aws_sqs_queue.jobs: visibility timeout 30 s is below the timeout 60 s of its consumer function "
    "aws_lambda_function.worker; Lambda rejects the event source mapping"
)
SCAN = ("--select", "CW301", "tree")


@pytest.fixture
def tree(write, tmp_path, monkeypatch):
    """A Terraform module and a template, each with a CW301 finding, under tree/; the cache under cache/."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write("tree/terraform/main.tf", TERRAFORM.replace("VISIBILITY", "30"))
    write("tree/template.yaml", TEMPLATE)
    return tmp_path


@pytest.fixture
def parses(monkeypatch):
    """The HCL texts and templates parsed (not read from the cache) during the test."""
    seen: list[str] = []
    parse_tree, decode_template = hcl_parser.parse_tree, decode.decode
    monkeypatch.setattr(hcl_parser, "parse_tree", lambda text: seen.append("hcl") or parse_tree(text))
    monkeypatch.setattr(decode, "decode", lambda text, file: seen.append("template") or decode_template(text, file))
    return seen


def entries(root: Path) -> dict[str, bytes]:
    folder = root / "cache" / "crosswire" / "parse"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def messages(run) -> list[tuple[str, str, int, str]]:
    return [(f["check_id"], f["file"], f["line"], f["message"]) for f in run.report["findings"]]


def test_a_hit_reports_byte_for_byte_what_a_miss_reports(tree, parses):
    missed_json = scan_json(*SCAN)
    assert sorted(parses) == ["hcl", "template"]
    assert len(entries(tree)) == 2
    missed_text = run_cli("scan", "--no-cache", *SCAN)
    parses.clear()
    hit_json, hit_text = scan_json(*SCAN), run_cli("scan", *SCAN)
    assert parses == []
    assert (hit_json.out, hit_text.out) == (missed_json.out, missed_text.out)
    assert messages(hit_json)[1] == ("CW301", "tree/terraform/main.tf", 1, CW301_TERRAFORM)


def test_a_changed_file_is_a_miss(tree, parses):
    scan_json(*SCAN)
    parses.clear()
    (tree / "tree" / "terraform" / "main.tf").write_text(TERRAFORM.replace("VISIBILITY", "360"))
    run = scan_json(*SCAN)
    assert parses == ["hcl"]
    assert [m[:3] for m in messages(run)] == [("CW301", "tree/template.yaml", 3)]
    assert len(entries(tree)) == 3


def test_another_crosswire_version_is_a_miss(tree, parses, monkeypatch):
    scan_json(*SCAN)
    parses.clear()
    monkeypatch.setattr(crosswire, "__version__", "999.0.0")
    scan_json(*SCAN)
    assert sorted(parses) == ["hcl", "template"]
    assert len(entries(tree)) == 4


@pytest.mark.parametrize("damage", [b"", b"not an entry", b"CWPARSE1" + bytes(16) + b"garbage"])
def test_a_corrupt_entry_is_a_miss_and_is_rewritten(tree, parses, damage):
    reference = scan_json(*SCAN).out
    written = entries(tree)
    for name in written:
        (tree / "cache" / "crosswire" / "parse" / name).write_bytes(damage)
    parses.clear()
    assert scan_json(*SCAN).out == reference
    assert sorted(parses) == ["hcl", "template"]
    assert entries(tree) == written


def test_an_entry_that_does_not_load_is_a_miss(tree, parses, monkeypatch):
    """An entry whose header and checksum are right but whose payload is not what this code writes (a foreign
    entry) is parsed again."""
    reference = scan_json(*SCAN).out
    for name in entries(tree):
        path = tree / "cache" / "crosswire" / "parse" / name
        cache._write(str(path), b"\x00 no marshal or pickle data")
    parses.clear()
    assert scan_json(*SCAN).out == reference
    assert sorted(parses) == ["hcl", "template"]


def test_no_cache_writes_nothing(tree, parses):
    run = scan_json("--no-cache", *SCAN)
    assert [m[:3] for m in messages(run)][0] == ("CW301", "tree/template.yaml", 3)
    assert not (tree / "cache").exists()
    scan_json("--no-cache", *SCAN)
    assert sorted(parses) == ["hcl", "hcl", "template", "template"]


def test_the_least_recently_used_entries_go_first_past_the_bound(tree, write, monkeypatch):
    scan_json(*SCAN)
    old = entries(tree)
    for name in old:
        os.utime(tree / "cache" / "crosswire" / "parse" / name, (1_000_000_000, 1_000_000_000))
    write("more/terraform/main.tf", TERRAFORM.replace("VISIBILITY", "20"))
    write("more/template.yaml", TEMPLATE.replace("30", "20"))
    # the new entries are as large as the old ones: together they are one byte past the bound
    monkeypatch.setattr(cache, "MAX_BYTES", 2 * sum(map(len, old.values())) - 1)
    scan_json("--select", "CW301", "more")
    kept = set(entries(tree))
    assert len(kept - set(old)) == 2  # both new entries are kept
    assert len(kept & set(old)) < 2  # the old ones go first


def subprocess_scan(root: Path, *args: str) -> subprocess.Popen:
    environment = dict(os.environ, XDG_CACHE_HOME=str(root / "cache"))
    command = [sys.executable, "-m", "crosswire", "scan", "--format", "json", *args]
    return subprocess.Popen(command, cwd=root, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_concurrent_scans_leave_the_cache_whole(tree, write):
    for index in range(20):
        write(f"tree/m{index}/main.tf", TERRAFORM.replace("VISIBILITY", str(10 + index)))
    reference = subprocess_scan(tree, "--no-cache", *SCAN).communicate()[0]
    for _ in range(2):
        running = [subprocess_scan(tree, *SCAN) for _ in range(2)]
        assert [r.communicate()[0] for r in running] == [reference, reference]
    written = entries(tree)
    assert len(written) == 22
    assert all(cache._read(str(tree / "cache" / "crosswire" / "parse" / name)) for name in written)
    assert not [p for p in (tree / "cache" / "crosswire" / "parse").iterdir() if p.name.startswith(".tmp-")]
    assert subprocess_scan(tree, *SCAN).communicate()[0] == reference


def test_a_warm_cloudformation_scan_does_not_import_cfn_lint(tree):
    code = (
        "import contextlib, io, sys\n"
        "from crosswire.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['scan', '--select', 'CW301', 'tree/template.yaml'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'cfnlint', 'hcl2', 'lark'}))\n"
    )
    environment = dict(os.environ, XDG_CACHE_HOME=str(tree / "cache"))
    cold, warm = (
        subprocess.run([sys.executable, "-c", code], cwd=tree, env=environment, capture_output=True, text=True)
        for _ in range(2)
    )
    assert (cold.stdout, warm.stdout) == ("['cfnlint']\n", "[]\n")


PLANTED = """\
import os, pickle, sys


class Planted:
    def __reduce__(self):
        return (os.system, ("touch " + sys.argv[2],))


with open(sys.argv[1], "wb") as grammar:
    grammar.write(b"x\\n" + pickle.dumps(Planted()))
"""


def test_a_cache_others_may_write_is_neither_read_nor_written(tmp_path, write):
    """Entries and Lark's grammar cache are unpickled: a planted grammar file ran a command in the scan (found by
    review). A cache directory (or grammar file) another user may write is not used at all."""
    write("tree/main.tf", TERRAFORM.replace("VISIBILITY", "30"))
    folder = tmp_path / "cache" / "crosswire"
    folder.mkdir(parents=True)
    planted, ran = folder / "hcl2-grammar.lark", tmp_path / "ran"
    subprocess.run([sys.executable, "-c", PLANTED, str(planted), str(ran)], check=True)
    environment = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    for mode, grammar_mode in ((0o777, 0o600), (0o700, 0o666)):
        folder.chmod(mode)
        planted.chmod(grammar_mode)
        done = subprocess.run(
            [sys.executable, "-m", "crosswire", "scan", "--select", "CW301", "--format", "json", "tree"],
            capture_output=True, text=True, env=environment,
        )  # fmt: skip
        assert (done.returncode, done.stderr) == (1, "")
        assert not ran.exists()
        if mode == 0o777:
            assert entries(tmp_path) == {}  # nothing written where others could swap it
