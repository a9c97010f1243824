"""The progress line of long scans: on a terminal's standard error only, erased when the files are read."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

from conftest import scan_json
from crosswire import progress
from crosswire.cli import main

QUEUE = 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
TEMPLATE = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_scan_on_a_terminal_shows_files_read_then_erases_the_line(write, monkeypatch):
    write("tf/main.tf", QUEUE)
    write("tf/more.tf", QUEUE.replace("jobs", "more"))
    write("template.yaml", TEMPLATE)
    monkeypatch.setattr(progress, "DELAY", 0.0)  # a scan this small takes less than the second the line waits
    monkeypatch.setattr(progress, "_EVERY", 0.0)
    out, err = io.StringIO(), Terminal()
    with redirect_stdout(out), redirect_stderr(err):
        main(["scan", "--format", "json", "--select", "CW301", "."])
    lines = [f"\rcrosswire: {n}/3 files read" for n in (1, 2, 3)]
    assert err.getvalue() == "".join(lines) + "\r\x1b[K"
    assert json.loads(out.getvalue())["findings"] == []


def test_a_scan_whose_standard_error_is_no_terminal_shows_no_progress(write, monkeypatch):
    write("tf/main.tf", QUEUE)
    write("template.yaml", TEMPLATE)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    run = scan_json("--select", "CW301", ".")
    assert run.err == ""
    assert run.report["findings"] == []
