"""GitHub Actions workflow commands: one annotation per finding and per input error, shown on the pull request.

Escaping follows the runner's rules: `%`, CR and LF in the message; also `:` and `,` in the properties.
"""

from __future__ import annotations

from crosswire.check import Severity, noun
from crosswire.escaping import encodable
from crosswire.result import ScanResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    # `encodable`: bytes of a file name that are not UTF-8 cannot be printed as they are
    return encodable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, file: str, line: int, end_line: int | None, title: str) -> str:
    properties = [("file", file)]
    # line 0 means "no line" (a missing path); an annotation without a line sits on the file
    if line >= 1:
        properties.append(("line", str(line)))
        if end_line is not None and end_line >= line:
            properties.append(("endLine", str(end_line)))
    properties.append(("title", title))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{name} {joined}::{escape_data(message)}"


def render(result: ScanResult) -> str:
    lines = []
    for finding in result.findings:
        span = finding.node.span
        message = "\n".join(
            [
                finding.message,
                *(f"related: {noun(r)} ({r.declared_span.file}:{r.declared_span.line})" for r in finding.related),
                f"fix: {finding.fix}",
            ]
        )
        title = f"{finding.meta.id} {finding.meta.title}"
        lines.append(command(COMMANDS[finding.level], message, span.file, span.line, span.end_line, title))
    for error in result.errors:
        lines.append(command("error", error.message, error.file, error.line, None, "crosswire input error"))
    return "".join(line + "\n" for line in lines)
