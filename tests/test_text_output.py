"""The text report for a person at a terminal and in a CI log: a summary line whatever was found, a word on stderr
when nothing was scanned, --compact, --quiet, colour, where to read more, and a --help that says it all."""

from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys

from conftest import run_cli
from crosswire.cli import build_parser
from crosswire.reporters.text import wants_colour

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
MESSAGE = (
    "queue Queue: visibility timeout 60 s is below 6 × 20 s (function Worker) + 0 s (AWS default) batching window "
    "= 120 s"
)
DOCS = "https://github.com/crosswire-dev/crosswire/blob/main/docs/checks/CW302-visibility-timeout.md"
SUMMARY = (
    "crosswire: scanned 1 file, 3 resources; findings: 0 errors, 1 warning, 0 info; 0 suppressed, 0 baselined, "
    "0 skipped as unresolved\n"
)
PAINTED = (
    f"stack.yaml:3: \x1b[1mCW302\x1b[0m [\x1b[33mwarning\x1b[0m] {MESSAGE}\n"
    "crosswire: scanned 1 file, 3 resources; findings: 0 errors, \x1b[33m1 warning\x1b[0m, 0 info; "
    "0 suppressed, 0 baselined, 0 skipped as unresolved\n"
)
FULL = f"""\
stack.yaml:3: CW302 warning: Queue visibility timeout below 6 × function timeout + batching window
  {MESSAGE}
  related: Worker (stack.yaml:7)
  fix: Set the queue's `VisibilityTimeout` to at least 6 × the function's `Timeout` (mind `Globals.Function`) plus \
the mapping's `MaximumBatchingWindowInSeconds`.
  more: crosswire explain CW302, {DOCS}

{SUMMARY}"""


def test_each_finding_ends_with_where_to_read_more(write):
    write("stack.yaml", STACK)
    run = run_cli("scan", "--select", "CW302", ".")
    assert (run.code, run.out, run.err) == (1, FULL, "")


def test_summary_counts_what_inline_suppressions_set_aside(write):
    write("stack.yaml", STACK.replace("  Queue:\n", "  # crosswire:ignore CW302 drained by hand\n  Queue:\n"))
    run = run_cli("scan", "--select", "CW302", ".")
    assert (run.code, run.out) == (
        0,
        "crosswire: scanned 1 file, 3 resources; findings: 0 errors, 0 warnings, 0 info; 1 suppressed, 0 baselined, "
        "0 skipped as unresolved\n",
    )


def test_summary_counts_skips_and_plurals_agree_with_their_numbers(write):
    write("a.yaml", STACK.replace("VisibilityTimeout: 60", "VisibilityTimeout: !ImportValue shared-timeout"))
    write("b.yaml", STACK)
    run = run_cli("scan", "--select", "CW302", ".")
    assert run.out.endswith(
        "crosswire: scanned 2 files, 6 resources; findings: 0 errors, 1 warning, 0 info; 0 suppressed, 0 baselined, "
        "1 skipped as unresolved\n"
    )


def test_a_scan_that_finds_no_template_says_so_on_stderr_and_exits_zero(write):
    write("notes/readme.yaml", "title: not a template\n")
    write("src/app.py", "print('hello')\n")
    run = run_cli("scan", "--select", "CW302", ".", "src")
    assert run.code == 0
    assert run.out == (
        "crosswire: scanned 0 files, 0 resources; findings: 0 errors, 0 warnings, 0 info; 0 suppressed, 0 baselined, "
        "0 skipped as unresolved\n"
    )
    assert run.err == "crosswire: warning: no Terraform or CloudFormation file found in ., src: nothing was checked\n"


def test_compact_is_one_line_per_finding_then_the_summary(write):
    write("stack.yaml", STACK)
    write("other.yaml", STACK.replace("  Queue:", "  Jobs:").replace("Queue.Arn", "Jobs.Arn"))
    run = run_cli("scan", "--select", "CW302", ".", "--compact")
    assert (run.code, run.out) == (
        1,
        f"other.yaml:3: CW302 [warning] {MESSAGE.replace('Queue', 'Jobs')}\n"
        f"stack.yaml:3: CW302 [warning] {MESSAGE}\n"
        "crosswire: scanned 2 files, 6 resources; findings: 0 errors, 2 warnings, 0 info; 0 suppressed, "
        "0 baselined, 0 skipped as unresolved\n",
    )


def test_quiet_prints_findings_and_input_errors_only(write):
    write(
        "stack.yaml",
        STACK.replace(
            "  Worker:",
            "  Other:\n    Type: AWS::SQS::Queue\n    Properties:\n"
            "      VisibilityTimeout: !ImportValue shared\n  Worker:",
        ),
    )
    write("broken.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources: [\n')
    run = run_cli("scan", "--select", "CW302", ".", "--quiet", "--compact")
    assert (run.code, run.out) == (
        2,
        "stack.yaml:3: CW302 [warning] " + MESSAGE + "\n"
        "broken.yaml:3: error: malformed template: did not find expected node content\n",
    )
    clean = run_cli("scan", "--select", "CW302", "broken.yaml", "-q")
    assert clean.out == "broken.yaml:3: error: malformed template: did not find expected node content\n"


def test_color_always_paints_severity_and_id_never_the_start_of_a_line(write):
    write("stack.yaml", STACK)
    run = run_cli("scan", "--select", "CW302", ".", "--compact", "--color", "always")
    assert run.out == PAINTED
    assert run_cli("scan", "--select", "CW302", ".", "--compact", "--color", "never").out == (
        f"stack.yaml:3: CW302 [warning] {MESSAGE}\n{SUMMARY}"
    )


def test_color_auto_paints_a_terminal_only_and_honours_no_color():
    class Terminal:
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    assert wants_colour("auto", terminal, {})  # type: ignore[arg-type]
    assert not wants_colour("auto", terminal, {"NO_COLOR": "1"})  # type: ignore[arg-type]
    assert wants_colour("auto", terminal, {"NO_COLOR": ""})  # type: ignore[arg-type]  # empty: not set
    assert not wants_colour("auto", terminal, {"TERM": "dumb"})  # type: ignore[arg-type]
    assert wants_colour("always", terminal, {"NO_COLOR": "1"})  # type: ignore[arg-type]  # the flag wins
    assert not wants_colour("never", terminal, {})  # type: ignore[arg-type]
    assert not wants_colour("auto", None, {})  # an --output-file


def _scan_on_a_terminal(directory: str, environ: dict[str, str]) -> str:
    """The real CLI with its standard output on a pseudo-terminal; what the terminal received."""
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "crosswire", "scan", "--select", "CW302", "--compact", "."]
    with subprocess.Popen(command, cwd=directory, stdout=terminal, stderr=subprocess.DEVNULL, env=environ) as proc:
        os.close(terminal)
        received = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            received += chunk
        proc.wait()
    os.close(controller)
    return received.decode().replace("\r\n", "\n")


def test_a_real_terminal_gets_colour_unless_no_color_is_set(write, tmp_path):
    write("stack.yaml", STACK)
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    assert _scan_on_a_terminal(str(tmp_path), environ) == PAINTED
    assert _scan_on_a_terminal(str(tmp_path), environ | {"NO_COLOR": "1"}) == (
        f"stack.yaml:3: CW302 [warning] {MESSAGE}\n{SUMMARY}"
    )


def test_help_lists_the_exit_codes_and_explains_every_argument():
    parser = build_parser()
    help_text = parser.format_help()
    scan_help = (
        next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["scan"].format_help()
    )
    codes = (
        "exit codes:\n"
        "  0  no finding at or above --fail-on (default warning)\n"
        "  1  findings at or above --fail-on\n"
        "  2  usage or configuration error, or an input that could not be parsed (the others are still scanned)\n"
    )
    assert help_text.endswith(codes) and scan_help.endswith(codes)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    undocumented = [
        f"{name} {action.dest}"
        for name, sub in [("crosswire", parser), *commands.choices.items()]
        for action in sub._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert undocumented == []
