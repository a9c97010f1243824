"""Every fenced block of README.md, run as written.

Blocks are found generically, so a new one is covered the day it is written:
- a `sh` block is run line by line with bash: the top section's and Install's in a fresh copy of this repository (as a
  clone), every other in a fresh copy of tests/inputs/readme/project (the files the commands name), each with a
  pipx home and a pre-commit home of its own. A line must exit with a code its last program gives for success or
  findings (EXIT_CODES), and print no traceback. A line that installed crosswire with pipx must leave a `crosswire`
  that explains CW302 from outside the clone.
- a `toml` block is a configuration file the project's scan must accept.
- any other block is a snippet with a harness of its own below (HARNESSES), keyed by a line of it.
- NOT_RUN lists the few blocks no test can run here, each with the reason and where what it shows is tested.
A block that matches none of these fails the test, so nothing is skipped silently.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, scan_json

README = ROOT / "README.md"
PROJECT = ROOT / "tests" / "inputs" / "readme" / "project"
BIN = Path(sys.executable).parent
CHECKOV_BIN = ROOT / ".venv-checkov" / "bin"
# sections whose commands run in a clone of crosswire (README: "Install and scan the bundled examples", Install)
CLONE_SECTIONS = ("crosswire", "Install")
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S)
# what each program exits with when it worked: crosswire, Checkov and pre-commit exit 1 on findings; cfn-lint sets
# a bit per level of its matches (2 error, 4 warning, 8 info); anything else 0
EXIT_CODES = {
    "crosswire": {0, 1},
    "checkov": {0, 1},
    "pre-commit": {0, 1},
    "cfn-lint": {0, 2, 4, 6, 8, 10, 12, 14},
}
NOT_RUN = {
    "python -m pytest": "the test suite itself: .ci/run runs this very line (test_ci_runs_the_readme_test_command)",
    "terraform show -json plan.out": "needs Terraform and a saved plan; tests/test_terraform.py scans the JSON of "
    "`terraform show -json` (test_a_plan_links_new_resources_through_configuration_references)",
    "rev: <full commit SHA>": "fetches crosswire from its Git host at a commit the user picks; tests/test_precommit.py "
    "installs the same hook (.pre-commit-hooks.yaml) with the real `pre-commit try-repo`",
}


@dataclass(frozen=True)
class Block:
    section: str
    lang: str
    text: str
    line: int

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang})"


def blocks() -> list[Block]:
    text = README.read_text()
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        headings = re.findall(r"^##? (.+)$", before, re.M)
        section = re.findall(r"^## (.+)$", before, re.M)
        # a block inside a list item is indented as the item is; its own indentation is the snippet's
        body = "".join(line[len(match["indent"]) :] for line in match["body"].splitlines(keepends=True))
        found.append(
            Block(
                section=section[-1] if section else headings[0],
                lang=match["lang"],
                text=body,
                line=before.count("\n") + 2,
            )
        )
    return found


def holds(block: Block, line: str) -> bool:
    return line.strip() in (own.strip() for own in block.text.splitlines())


def matching(line: str) -> Block:
    """The one README block holding this line (a stale key fails here)."""
    (block,) = [b for b in blocks() if holds(b, line)]
    return block


# ---- sh blocks


def clone(to: Path) -> Path:
    """The repository as a clone of it has it, with this checkout's changes (tracked and new files, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    return to


def project(to: Path) -> Path:
    shutil.copytree(PROJECT, to)
    (to / ".pre-commit-config.yaml").write_text(matching("- repo: local").text)
    (to / "checks").mkdir()  # the team's own checks folder of the Usage block: the README's example check
    (to / "checks" / "slow-consumers.yaml").write_text(matching("id: SLOW001").text)
    subprocess.run(["git", "init", "-q"], cwd=to, check=True, env=git_env())
    subprocess.run(["git", "add", "-A"], cwd=to, check=True, env=git_env())
    return to


def git_env() -> dict[str, str]:
    # GIT_DIR and friends leak in when the suite itself runs from a git hook; they would point git at the wrong repo
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def shell_env(home: Path) -> dict[str, str]:
    """crosswire and cfn-lint of this environment, Checkov of its own, and a pipx that installs into `home`."""
    path = [str(home / "pipx-bin"), str(BIN), *([str(CHECKOV_BIN)] if CHECKOV_BIN.is_dir() else [])]
    env = dict(git_env(), PATH=os.pathsep.join([*path, os.environ["PATH"]]))
    env.update(
        PIPX_HOME=str(home / "pipx"),
        PIPX_BIN_DIR=str(home / "pipx-bin"),
        PIPX_MAN_DIR=str(home / "pipx-man"),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        XDG_CACHE_HOME=str(home / "cache"),
        BC_SKIP_MAPPING="TRUE",  # Checkov would fetch its check mapping from the network
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def last_program(line: str) -> str:
    """The program whose exit code a shell line returns: the first word of its last command."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    tokens = list(lexer)
    cut = max((i + 1 for i, token in enumerate(tokens) if token in ("&&", "||", ";", "|")), default=0)
    words = tokens[cut:]
    while re.match(r"\w+=", words[0]):  # an environment assignment before the program
        words.pop(0)
    return words[0]


def commands(block: Block) -> list[str]:
    return [line for line in block.text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def run_sh(block: Block, tmp_path: Path) -> None:
    needs_checkov = any(last_program(line) == "checkov" for line in commands(block))
    if needs_checkov and not CHECKOV_BIN.is_dir():
        pytest.skip("Checkov is not installed (see .ci/run)")
    cwd = clone(tmp_path / "clone") if block.section in CLONE_SECTIONS else project(tmp_path / "project")
    env = shell_env(tmp_path / "home")
    for line in commands(block):
        done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
        said = f"{block}: {line}\nexit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        assert "Traceback" not in done.stderr, said
        assert done.returncode in EXIT_CODES.get(last_program(line), {0}), said
        if last_program(line) == "crosswire":
            assert "crosswire: error" not in done.stderr, said
    installed = tmp_path / "home" / "pipx-bin" / "crosswire"
    if "pipx install" in block.text:
        explained = subprocess.run(
            [installed, "explain", "CW302"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert explained.returncode == 0, explained.stderr
        assert "## Example that fires (cloudformation)" in explained.stdout


# ---- snippets

CONSUMER_YAML = """\
  OrdersFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: arn:aws:iam::111122223333:role/orders
      Code:
        ZipFile: "def handler(event, context): pass"
      Timeout: 10
  OrdersMapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt OrdersQueue.Arn
      FunctionName: !Ref OrdersFunction
"""
CONSUMER_HCL = """\
resource "aws_lambda_function" "orders" {
  function_name = "orders"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "orders.zip"
  role          = "arn:aws:iam::111122223333:role/orders"
  timeout       = 10
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn = aws_sqs_queue.orders.arn
  function_name    = aws_lambda_function.orders.arn
}
"""


def suppressed(tmp_path: Path, name: str, text: str, select: str) -> tuple[set, dict]:
    (tmp_path / name).write_text(text)
    run = scan_json("--select", select, str(tmp_path / name))
    assert run.err == ""
    return run.findings(), run.report["summary"]


def comment_suppression_in_yaml(block: Block, tmp_path: Path) -> None:
    text = block.text + CONSUMER_YAML
    assert suppressed(tmp_path, "template.yaml", text, "CW302")[1]["suppressed"] == 1
    unsuppressed = text.replace(block.text.splitlines()[1] + "\n", "")
    assert suppressed(tmp_path, "template.yaml", unsuppressed, "CW302")[0] == {("CW302", "OrdersQueue", 2)}


def comment_suppression_in_hcl(block: Block, tmp_path: Path) -> None:
    text = block.text + "  visibility_timeout_seconds = 30\n}\n\n" + CONSUMER_HCL
    found, summary = suppressed(tmp_path, "main.tf", text, "CW302,CW304")
    assert (found, summary["suppressed"]) == (set(), 2)


def metadata_suppression(block: Block, tmp_path: Path) -> None:
    text = "Resources:\n  OrdersQueue:\n    Type: AWS::SQS::Queue\n" + block.text + CONSUMER_YAML
    found, summary = suppressed(tmp_path, "template.yaml", text, "CW302")
    assert (found, summary["suppressed"]) == (set(), 1)


def cfn_lint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [BIN / "cfn-lint", *args], cwd=cwd, capture_output=True, text=True, env=shell_env(cwd), timeout=300
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def cfnlintrc(block: Block, tmp_path: Path) -> None:
    shutil.copy(PROJECT / "template.yaml", tmp_path)
    (tmp_path / ".cfnlintrc").write_text(block.text)
    done = cfn_lint(tmp_path, "template.yaml")
    assert "W9302 queue OrdersQueue: visibility timeout 30 s (AWS default) is below 6 × 10 s" in done.stdout


def cfn_lint_metadata_ignore(block: Block, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources:\n" + block.text + CONSUMER_YAML)
    done = cfn_lint(tmp_path, "template.yaml", "--append-rules", "crosswire.adapters.cfnlint")
    assert "W9304 queue OrdersQueue" in done.stdout  # crosswire's rules ran
    assert "W9302" not in done.stdout


def local_pre_commit_hook(block: Block, tmp_path: Path) -> None:
    """The project's .pre-commit-config.yaml (project()), which the `pre-commit run` block runs; it must say what
    the published hook says."""
    (local,) = yaml.safe_load(block.text)["repos"][0]["hooks"]
    (published,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for key in ("id", "name", "entry", "files", "require_serial"):
        assert local[key] == published[key], key


def configuration(block: Block, tmp_path: Path) -> None:
    """A configuration file, in the project as the README says where (pyproject.toml or .crosswire.toml)."""
    workspace = project(tmp_path / "project")
    name = "pyproject.toml" if block.text.startswith("[tool.crosswire]") else ".crosswire.toml"
    (workspace / name).write_text(block.text)
    done = subprocess.run(
        [BIN / "crosswire", "scan", "."],
        cwd=workspace,
        env=shell_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert (done.returncode, done.stderr) == (0, ""), done.stdout + done.stderr  # fail-on error; CW302 is a warning
    assert "CW302" in done.stdout


def user_check(block: Block, tmp_path: Path) -> None:
    """The README's own check fires on a slow consumer whose queue is not 10 times as patient, and only there."""
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "slow.yaml").write_text(block.text)
    slow = CONSUMER_YAML.replace("Timeout: 10", "Timeout: 60")
    template = "Resources:\n  OrdersQueue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 400\n"
    (tmp_path / "template.yaml").write_text(template + slow)
    run = scan_json("--checks-dir", str(tmp_path / "checks"), "--select", "SLOW001", str(tmp_path / "template.yaml"))
    assert run.findings() == {("SLOW001", "OrdersQueue", 2)}
    (tmp_path / "template.yaml").write_text(template + CONSUMER_YAML)  # a 10 s consumer is not slow
    assert scan_json("--checks-dir", str(tmp_path / "checks"), "--select", "SLOW001", str(tmp_path / "template.yaml")).findings() == set()


def summary_line(block: Block, tmp_path: Path) -> None:
    """The summary line the README shows is the last line of the sample project's text report, as written."""
    workspace = project(tmp_path / "project")
    done = subprocess.run(
        [BIN / "crosswire", "scan", "--select", "CW302", "--color", "never", "template.yaml"],
        cwd=workspace,
        env=shell_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1] == block.text.strip()


# a line of the snippet -> what shows that the snippet does what the README says
HARNESSES: dict[str, Callable[[Block, Path], None]] = {
    "# crosswire:ignore CW302 consumers are idempotent; duplicates are harmless": comment_suppression_in_yaml,
    "# crosswire:ignore CW302,CW304 batch queue, drained by hand": comment_suppression_in_hcl,
    "reason: consumers are idempotent": metadata_suppression,
    "- crosswire.adapters.cfnlint": cfnlintrc,
    "ignore_checks: [W9302]": cfn_lint_metadata_ignore,
    "- repo: local": local_pre_commit_hook,
    "id: SLOW001": user_check,
    "crosswire: scanned 1 file, 3 resources; findings: 0 errors, 1 warning, 0 info; 0 suppressed, 0 baselined, "
    "0 skipped as unresolved": summary_line,
}


def runner(block: Block) -> Callable[[Block, Path], None] | str:
    """How a block is run, or why it is not."""
    reasons = [reason for key, reason in NOT_RUN.items() if key in block.text]
    harnesses = [harness for key, harness in HARNESSES.items() if holds(block, key)]
    assert len(reasons) + len(harnesses) <= 1, f"{block} matches several entries"
    if reasons:
        return reasons[0]
    if harnesses:
        return harnesses[0]
    if block.lang == "sh":
        return run_sh
    if block.lang == "toml":
        return configuration
    raise AssertionError(f"{block} is neither run nor listed in NOT_RUN: give it a harness in {__file__}")


@pytest.mark.parametrize("block", blocks(), ids=str)
def test_readme_block_runs_as_written(block, tmp_path):
    how = runner(block)
    if isinstance(how, str):
        pytest.skip(f"not run: {how}")
    how(block, tmp_path)


def test_every_not_run_and_harness_entry_names_one_block():
    for key in NOT_RUN:
        assert len([b for b in blocks() if key in b.text]) == 1, key
    for key in HARNESSES:
        assert len([b for b in blocks() if holds(b, key)]) == 1, key


def test_ci_runs_the_readme_test_command():
    """The README's test command, which this file does not run (NOT_RUN), is .ci/run's."""
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert "python -m pytest" in ci
    assert "python -m pytest" in matching("python -m pytest").text.splitlines()
