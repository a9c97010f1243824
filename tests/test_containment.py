"""Every input goes through one bounded reader, and nothing outside the scanned tree is read (issue 8).

Cases that could hang (FIFOs, devices) run the CLI in a subprocess with a timeout, so a regression fails the test
instead of blocking the suite."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import scan_json
from crosswire import inputs
from crosswire.graph import Graph
from crosswire.loaders import terraform

TEMPLATE = """\
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
VALID_FINDING = ("CW301", "Queue", 3)
QUEUE = 'resource "aws_sqs_queue" "jobs" {\n  visibility_timeout_seconds = 20\n}\n'
CONSUMER = """\
resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/worker"
  timeout       = 60
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker.arn
}
"""
TERRAFORM_FINDING = ("CW301", "aws_sqs_queue.jobs", 1)
MODULES_JSON = ".terraform/modules/modules.json"


class Scan:
    """The CLI run in a subprocess (bounded by a timeout): its exit code, JSON report and standard error."""

    def __init__(self, cwd: Path, *args: str, preexec_fn=None) -> None:
        proc = subprocess.run(
            [sys.executable, "-m", "crosswire", "scan", "--format", "json", "--select", "CW301", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=preexec_fn,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        self.code, self.out, self.err = proc.returncode, proc.stdout, proc.stderr
        self.report = json.loads(proc.stdout) if proc.stdout else {}

    @property
    def errors(self) -> set[tuple[str, int, str]]:
        return {(e["file"], e["line"], e["message"]) for e in self.report["errors"]}

    def findings(self) -> set[tuple[str, str, int]]:
        return {(f["check_id"], f["resource"], f["line"]) for f in self.report["findings"]}


def tree(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "tree"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    root.mkdir(exist_ok=True)
    return root


# -- the reader: regular files only, bounded, decoding that names the problem ----------------------------------
def test_a_fifo_named_like_a_template_is_an_error_not_a_hang(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    os.mkfifo(root / "x.yaml")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("x.yaml", 1, "not a regular file (a FIFO)")}
    assert scan.findings() == {VALID_FINDING}


def test_a_template_linked_to_dev_zero_is_refused_without_reading_it(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    (root / "z.yaml").symlink_to("/dev/zero")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("z.yaml", 1, "z.yaml is a symlink that leads outside the scanned tree")}
    assert scan.findings() == {VALID_FINDING}


def test_a_file_larger_than_the_limit_is_refused(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    with open(root / "big.yaml", "wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: big on paper, cheap to make
    scan = Scan(root, ".")
    assert scan.errors == {("big.yaml", 1, "file larger than 20 MiB")}
    assert scan.findings() == {VALID_FINDING}


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-32-le", b"\xff\xfe\0\0")],
    ids=["utf16le-bom", "utf16be-bom", "utf16le-no-bom", "utf32le-bom"],
)
def test_utf16_and_utf32_text_is_named_not_called_binary(write, encoding, bom):
    write("valid.yaml", TEMPLATE)
    write("wide.yaml", bom + TEMPLATE.encode(encoding))
    run = scan_json(".", "--select", "CW301")
    width = "UTF-32" if "32" in encoding else "UTF-16"
    assert {(e["file"], e["line"], e["message"]) for e in run.report["errors"]} == {
        ("wide.yaml", 1, f"{width} text; crosswire reads UTF-8")
    }
    assert run.findings() == {VALID_FINDING}


def test_invalid_utf8_names_the_line_and_the_byte(write):
    write("valid.yaml", TEMPLATE)
    write(
        "latin1.yaml", "Resources:\n  Q: {Type: AWS::SQS::Queue, Properties: {QueueName: caf\xe9}}\n".encode("latin-1")
    )
    write("nul.yaml", b"Resources:\n\x00\x01")
    run = scan_json(".", "--select", "CW301")
    assert {(e["file"], e["line"], e["message"]) for e in run.report["errors"]} == {
        ("latin1.yaml", 2, "not UTF-8 text: byte 0xe9 at column 57"),
        ("nul.yaml", 1, "binary file, not text"),
    }
    assert run.findings() == {VALID_FINDING}


# -- containment: nothing outside the tree is read -------------------------------------------------------------
def test_a_symlinked_template_outside_the_tree_is_refused_and_never_quoted(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("Resources: [SECRET-CONTENT\n")
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    (root / "passwd.yaml").symlink_to(secret)
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("passwd.yaml", 1, "passwd.yaml is a symlink that leads outside the scanned tree")}
    assert "SECRET" not in scan.out + scan.err
    assert scan.findings() == {VALID_FINDING}


def test_a_symlink_inside_the_tree_is_read(tmp_path):
    root = tree(tmp_path, {"stacks/real.yaml": TEMPLATE})
    (root / "alias.yaml").symlink_to("stacks/real.yaml")
    scan = Scan(root, "alias.yaml")
    assert scan.errors == set()
    assert scan.findings() == {VALID_FINDING}


def test_the_tree_of_a_directory_path_is_that_directory(tmp_path):
    root = tree(tmp_path, {"shared/real.yaml": TEMPLATE, "infra/valid.yaml": TEMPLATE})
    (root / "infra" / "link.yaml").symlink_to("../shared/real.yaml")
    scan = Scan(root, "infra")
    assert scan.errors == {("infra/link.yaml", 1, "infra/link.yaml is a symlink that leads outside the scanned tree")}
    assert scan.findings() == {VALID_FINDING}


def test_the_tree_of_a_named_file_is_the_repository_root(tmp_path):
    # pre-commit names files one by one from the repository root, which may be above the current directory
    root = tree(tmp_path, {".git/HEAD": "ref: refs/heads/main\n", "shared/real.yaml": TEMPLATE})
    (root / "infra").mkdir()
    (root / "infra" / "link.yaml").symlink_to("../shared/real.yaml")
    (root / "infra" / "out.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    (tmp_path / "elsewhere.yaml").write_text(TEMPLATE)
    scan = Scan(root / "infra", "link.yaml", "out.yaml")
    assert scan.errors == {("out.yaml", 1, "out.yaml is a symlink that leads outside the scanned tree")}
    assert scan.findings() == {VALID_FINDING}


def test_the_tree_of_a_named_file_outside_a_repository_is_the_current_directory(tmp_path):
    root = tree(tmp_path, {"shared/real.yaml": TEMPLATE})
    (root / "infra").mkdir()
    (root / "infra" / "link.yaml").symlink_to("../shared/real.yaml")
    assert Scan(root, "infra/link.yaml").findings() == {VALID_FINDING}
    # from inside infra/, the file's own directory is the tree, and the link leaves it
    scan = Scan(root / "infra", "link.yaml")
    assert scan.errors == {("link.yaml", 1, "link.yaml is a symlink that leads outside the scanned tree")}


# -- discovery ---------------------------------------------------------------------------------------------
def test_a_symlinked_directory_inside_the_tree_is_followed_once(tmp_path):
    root = tree(tmp_path, {"stacks/valid.yaml": TEMPLATE})
    (root / "current").symlink_to("stacks")
    scan = Scan(root, ".")
    assert scan.errors == set()
    assert [f["file"] for f in scan.report["findings"]] == ["stacks/valid.yaml"]


def test_a_symlinked_directory_outside_the_tree_is_an_error_naming_the_link(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.yaml").write_text(TEMPLATE)
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    (root / "vendor").symlink_to(tmp_path / "outside")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("vendor", 0, "vendor is a symlink that leads outside the scanned tree")}
    assert [f["file"] for f in scan.report["findings"]] == ["valid.yaml"]


def test_a_symlink_loop_is_an_error_naming_the_link(tmp_path):
    root = tree(tmp_path, {"stacks/valid.yaml": TEMPLATE})
    (root / "stacks" / "loop").symlink_to("..")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("stacks/loop", 0, "stacks/loop is a symlink loop: it leads back to .")}
    assert scan.findings() == {VALID_FINDING}


def test_a_dangling_symlink_with_a_scanned_suffix_is_an_error(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    (root / "gone.yaml").symlink_to("nowhere.yaml")
    (root / "gone.txt").symlink_to("nowhere.txt")
    scan = Scan(root, ".")
    assert scan.errors == {("gone.yaml", 1, "gone.yaml is a symlink to nowhere.yaml, which does not exist")}
    assert scan.findings() == {VALID_FINDING}


def _without_permission_override() -> None:
    """Run the child as a root that honours file modes: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set before exec (switching to `nobody` instead would lock the child out of the interpreter's files)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_an_unreadable_directory_is_an_error_not_skipped(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE, "locked/hidden.yaml": TEMPLATE})
    (root / "locked").chmod(0)
    try:
        scan = Scan(root, ".", preexec_fn=_without_permission_override if os.geteuid() == 0 else None)
    except subprocess.SubprocessError:  # a container without CAP_SETPCAP: the PATH_MAX test covers onerror
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here")
    finally:
        (root / "locked").chmod(0o755)
    assert scan.code == 2
    assert scan.errors == {("locked", 0, "cannot read directory: Permission denied")}
    assert scan.findings() == {VALID_FINDING}


def test_a_path_longer_than_path_max_is_an_error_not_skipped(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    name = "d" * 250
    # mkdir relative to an open directory: the path as a whole is too long for the kernel to take at once
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(18):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    scan = Scan(root, ".")
    assert scan.code == 2
    ((file, line, message),) = scan.errors
    assert (line, message) == (0, "cannot read directory: File name too long")
    assert file.startswith(f"{name}/{name}/") and len(file) > 4096
    assert scan.findings() == {VALID_FINDING}


def test_a_fifo_passed_by_name_is_an_error_not_a_hang(tmp_path):
    root = tree(tmp_path, {".git/HEAD": "", "main.tf": QUEUE + CONSUMER})
    os.mkfifo(root / "pipe.tf")
    scan = Scan(root, "main.tf", "pipe.tf")
    assert scan.errors == {("pipe.tf", 1, "not a regular file (a FIFO)")}
    assert scan.findings() == set()  # the module holding the FIFO cannot be loaded


def test_a_fifo_beside_the_named_files_is_not_opened_while_finding_callers(tmp_path):
    # files named one by one: the root modules under the current directory that call them are read too
    root = tree(tmp_path, {".git/HEAD": "", "queue/main.tf": QUEUE + CONSUMER})
    (root / "other").mkdir()
    os.mkfifo(root / "other" / "main.tf")
    scan = Scan(root, "queue/main.tf")
    assert scan.findings() == {TERRAFORM_FINDING}


def test_a_fifo_named_git_is_not_a_repository_and_not_a_hang(tmp_path):
    """Looking for the repository of a named file opens each `.git` on the way up: a FIFO of that name (from a
    tarball or an artifact; git cannot check one out) hung the scan (found by review)."""
    root = tree(tmp_path, {".git/HEAD": "", "tf/main.tf": QUEUE + CONSUMER})
    os.mkfifo(root / "tf" / ".git")
    scan = Scan(root, "tf/main.tf")
    assert scan.findings() == {TERRAFORM_FINDING}
    assert not inputs._is_git_marker(str(root / "tf" / ".git"))


def test_a_fifo_as_terraform_tfvars_is_an_error_not_a_hang(tmp_path):
    root = tree(tmp_path, {"main.tf": QUEUE + CONSUMER})
    os.mkfifo(root / "terraform.tfvars")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("terraform.tfvars", 1, "not a regular file (a FIFO)")}
    assert scan.findings() == {TERRAFORM_FINDING}


def test_a_deeply_nested_terraform_tfvars_json_is_an_error_not_a_traceback(tmp_path):
    root = tree(
        tmp_path, {"main.tf": QUEUE + CONSUMER, "terraform.tfvars.json": '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"}
    )
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("terraform.tfvars.json", 1, "JSON nested deeper than 128 levels")}
    assert scan.findings() == {TERRAFORM_FINDING}


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_var_file_is_read_through_the_reader_wherever_it_is(tmp_path, kind):
    root = tree(tmp_path, {"main.tf": QUEUE + CONSUMER})
    if kind == "fifo":
        os.mkfifo(tmp_path / "vars.tfvars")
        given = shown = str(tmp_path / "vars.tfvars")
        what = "a FIFO"
    else:
        given, shown, what = "/dev/zero", "/dev/zero", "a character device"
    scan = Scan(root, ".", "--var-file", given)
    assert scan.code == 2
    assert scan.errors == {(shown, 1, f"not a regular file ({what})")}
    assert scan.findings() == {TERRAFORM_FINDING}


def test_a_var_file_outside_the_tree_is_the_users_choice(tmp_path):
    (tmp_path / "vars.tfvars").write_text("visibility = 20\n")
    root = tree(
        tmp_path, {"main.tf": QUEUE.replace("20", "var.visibility") + CONSUMER, "vars.tf": 'variable "visibility" {}\n'}
    )
    scan = Scan(root, ".", "--var-file", str(tmp_path / "vars.tfvars"))
    assert scan.errors == set()
    assert scan.findings() == {TERRAFORM_FINDING}


# -- Terraform: module sources, modules.json and file() stay inside the tree ---------------------------------
def test_a_local_module_source_outside_the_tree_is_an_error_at_the_call(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text(QUEUE)
    root = tree(tmp_path, {"main.tf": QUEUE + CONSUMER + '\nmodule "escape" {\n  source = "../outside"\n}\n'})
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("main.tf", 15, "module escape: source ../outside leads outside the scanned tree")}
    assert scan.findings() == {TERRAFORM_FINDING}


def test_a_modules_json_dir_outside_the_tree_is_an_error_at_the_call(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text(QUEUE)
    outside = tmp_path / "outside"
    modules = {
        "Modules": [{"Key": "", "Source": "", "Dir": "."}, {"Key": "q", "Source": "x/q/aws", "Dir": "../outside"}]
    }
    root = tree(
        tmp_path,
        {
            "main.tf": QUEUE + CONSUMER + '\nmodule "q" {\n  source = "x/q/aws"\n}\n',
            MODULES_JSON: json.dumps(modules),
        },
    )
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {
        ("main.tf", 15, f"module q: source x/q/aws leads outside the scanned tree ({outside} in {MODULES_JSON})")
    }
    assert scan.findings() == {TERRAFORM_FINDING}


POLICY_USER = """
resource "aws_sqs_queue_policy" "p" {
  queue_url = aws_sqs_queue.jobs.url
  policy    = file("%s")
}
"""


def test_file_outside_the_tree_is_an_error_at_the_call(tmp_path):
    (tmp_path / "policy.json").write_text('{"Statement": [SECRET-CONTENT')
    root = tree(tmp_path, {"main.tf": QUEUE + CONSUMER + POLICY_USER % "${path.module}/../policy.json"})
    scan = Scan(root, ".")
    assert scan.code == 2
    outside = tmp_path / "policy.json"
    assert scan.errors == {("main.tf", 17, f"file() reads {outside}, which is outside the scanned tree")}
    assert "SECRET" not in scan.out + scan.err
    assert scan.findings() == {TERRAFORM_FINDING}


def test_file_in_a_module_may_read_elsewhere_in_the_tree(tmp_path, monkeypatch):
    # neither the module's directory nor the root module's holds the policy: the scanned tree does
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]}'
    root = tree(
        tmp_path,
        {
            "policies/queue.json": policy,
            "modules/queue/main.tf": QUEUE + POLICY_USER % "${path.module}/../../policies/queue.json",
            "envs/prod/main.tf": 'module "queue" {\n  source = "../../modules/queue"\n}\n',
        },
    )
    monkeypatch.chdir(root)
    graph = Graph()
    outcome = terraform.load_directories({"envs/prod": str(root)}, graph, terraform.Variables())
    assert outcome.errors == []
    graph.resolve_wires()
    (queue,) = [n for n in graph.nodes.values() if n.address == "module.queue.aws_sqs_queue.jobs"]
    (queue_policy,) = graph.policies_of(queue)
    assert queue_policy.statements.resolved
    assert queue_policy.statements.value[0].actions == ("sqs:*",)


def test_a_fifo_as_file_target_is_an_error_at_the_call(tmp_path):
    root = tree(tmp_path, {"main.tf": QUEUE + CONSUMER + POLICY_USER % "${path.module}/pipe.txt"})
    os.mkfifo(root / "pipe.txt")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.errors == {("main.tf", 17, "file() reads pipe.txt: not a regular file (a FIFO)")}
    assert scan.findings() == {TERRAFORM_FINDING}


# -- configuration and baseline ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".crosswire.toml", '\nselect = ["CW3"]\n# caf\xe9\n'),
        ("pyproject.toml", '[tool.crosswire]\nselect = ["CW3"]\n# caf\xe9\n'),
    ],
)
def test_a_latin1_config_is_a_configuration_error(write, name, text):
    write("valid.yaml", TEMPLATE)
    write(name, text.encode("latin-1"))
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert run.out == ""
    assert run.err == f"crosswire: error: {name}:3: not UTF-8 text: byte 0xe9 at column 6\n"


def test_deeply_nested_toml_and_baseline_are_configuration_errors(write):
    write("valid.yaml", TEMPLATE)
    write(".crosswire.toml", "a = " + "[" * 5000 + "\n")
    run = scan_json("--select", "CW301", ".")
    assert (run.code, run.err) == (2, "crosswire: error: .crosswire.toml: nested too deeply\n")
    os.remove(".crosswire.toml")
    write("baseline.json", "[" * 100_000 + "]" * 100_000)
    run = scan_json("--select", "CW301", ".", "--baseline", "baseline.json")
    assert (run.code, run.err) == (2, "crosswire: error: baseline baseline.json: nested too deeply\n")


def test_a_fifo_as_pyproject_toml_is_a_configuration_error_not_a_hang(tmp_path):
    root = tree(tmp_path, {"valid.yaml": TEMPLATE})
    os.mkfifo(root / "pyproject.toml")
    scan = Scan(root, ".")
    assert scan.code == 2
    assert scan.err == "crosswire: error: pyproject.toml:1: not a regular file (a FIFO)\n"


def test_a_pyproject_that_only_mentions_tool_crosswire_is_not_a_config(write):
    write("valid.yaml", TEMPLATE)
    write("pyproject.toml", '# see [tool.crosswire] in the docs\n[project]\nname = "tool.crosswire"\n')
    run = scan_json(".", "--select", "CW301")
    assert run.code == 1
    assert run.findings() == {VALID_FINDING}
    run = scan_json("--select", "CW301", ".", "--config", "pyproject.toml")
    assert (run.code, run.err) == (2, "crosswire: error: pyproject.toml: no [tool.crosswire] table\n")


def test_a_pyproject_with_the_table_as_dotted_keys_is_a_config(write):
    write("valid.yaml", TEMPLATE)
    write("pyproject.toml", '[tool]\ncrosswire.select = ["CW1"]\n')
    run = scan_json(".", any_check=True)  # about the configuration's select
    assert run.code == 0
    assert run.findings() == set()


# -- names that are not UTF-8 -------------------------------------------------------------------------------
def test_file_and_folder_names_that_are_not_utf8_do_not_break_the_loaders(tmp_path):
    root = tmp_path / "tree"
    folder = os.path.join(os.fsencode(root), b"caf\xe9")
    os.makedirs(folder)
    with open(os.path.join(folder, b"t\xff.yaml"), "w") as handle:
        handle.write("Resources:\n  Queue: [\n")
    os.makedirs(os.path.join(folder, b"mod"))
    with open(os.path.join(folder, b"mod", b"main.tf"), "w") as handle:
        handle.write('resource "aws_sqs_queue" "q" {\n  policy = file("${path.module}/p\\u00e9.json")\n}\n')
    scan = Scan(root, ".")
    assert scan.code == 2
    # the JSON report shows the bytes that are not UTF-8 as visible escapes (crosswire.escaping)
    assert scan.errors == {("caf\\xe9/t\\xff.yaml", 3, "malformed template: did not find expected node content")}


# -- the reader's API, directly ------------------------------------------------------------------------------
def test_the_reader_reads_at_most_its_limit(tmp_path):
    (tmp_path / "ten").write_bytes(b"0123456789")
    assert inputs.read_bytes(str(tmp_path / "ten"), "ten", None, limit=10) == b"0123456789"
    with pytest.raises(inputs.LoadError) as raised:
        inputs.read_bytes(str(tmp_path / "ten"), "ten", None, limit=9)
    assert (raised.value.file, raised.value.line, raised.value.message) == ("ten", 1, "file larger than 9 bytes")


def test_the_reader_refuses_a_path_outside_its_tree_before_opening_it(tmp_path):
    (tmp_path / "tree").mkdir()
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(inputs.LoadError) as raised:
        inputs.read_text(str(tmp_path / "tree" / ".." / "pipe"), "pipe", str(tmp_path / "tree"))
    assert raised.value.message == "pipe is outside the scanned tree"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("a: 1\n".encode("utf-32-be"), "UTF-32 text; crosswire reads UTF-8"),
        ("a: 1\n".encode("utf-16-be"), "UTF-16 text; crosswire reads UTF-8"),
        (b"\xef\xbb\xbfa: 1\n\xff", "not UTF-8 text: byte 0xff at column 1"),
    ],
)
def test_decoding_names_the_encoding_problem(data, message):
    with pytest.raises(inputs.LoadError) as raised:
        inputs.decode(data, "x.yaml")
    assert raised.value.message == message


def test_decoding_drops_a_utf8_bom():
    assert inputs.decode(b"\xef\xbb\xbfa: 1\n", "x.yaml") == "a: 1\n"
