"""The pull-request summary in Markdown, for `$GITHUB_STEP_SUMMARY`: counts, a table of findings, and a Mermaid
picture of the resources the findings involve and their neighbours (crosswire.picture).

Names from the scanned files are escaped for Markdown: every ASCII punctuation character gets a backslash, so no
name can open a link, an image, a code block, HTML or a new table cell.
"""

from __future__ import annotations

from crosswire import picture
from crosswire.check import Severity
from crosswire.escaping import inert_text, markdown_text
from crosswire.result import ScanResult


def render(result: ScanResult) -> str:
    counts = ", ".join(f"{result.count(s)} {s.value}" for s in Severity)
    lines = [
        "## crosswire",
        "",
        f"{result.files} files, {result.resources} resources; findings: {counts}"
        + (f"; {len(result.errors)} input errors" if result.errors else "")
        + (f"; {len(result.skips)} checks skipped on unresolved values" if result.skips else ""),
        "",
    ]
    if result.findings:
        lines += ["| severity | check | resource | where | finding |", "|---|---|---|---|---|"]
        for finding in result.findings:
            span = finding.node.span
            cells = [
                finding.level.value,
                f"{markdown_text(finding.meta.id)} {markdown_text(finding.meta.title)}",
                markdown_text(finding.node.address),
                f"{markdown_text(span.file)}:{span.line}",
                markdown_text(finding.message),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    for error in result.errors:
        lines.append(f"- input error: {markdown_text(error.file)}:{error.line}: {markdown_text(error.message)}")
    if result.errors:
        lines.append("")
    if result.findings and result.graph is not None:
        drawn = picture.build(result.graph, result.findings)
        lines += ["```mermaid", picture.mermaid(drawn).rstrip("\n"), "```", ""]
        if drawn.hidden:
            lines += [f"{drawn.hidden} resources without findings nearby are not drawn.", ""]
    return inert_text("\n".join(lines))
