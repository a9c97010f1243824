"""The report for people: one block per finding with file:line, the broken wire, and the fix."""

from __future__ import annotations

from crosswire.check import Severity
from crosswire.runner import ScanResult


def render(result: ScanResult) -> str:
    """The report; empty when there is nothing to tell (like cfn-lint, silence means clean)."""
    if not (result.findings or result.errors or result.skips or result.unresolved_inputs):
        return ""
    blocks = []
    for finding in result.findings:
        meta = finding.meta
        lines = [
            f"{finding.node.span.file}:{finding.node.span.line}: {meta.id} {finding.level.value}: {meta.title}",
            f"  {finding.message}",
        ]
        lines += [f"  related: {r.address} ({r.declared_span.file}:{r.declared_span.line})" for r in finding.related]
        lines.append(f"  fix: {finding.fix}")
        blocks.append("\n".join(lines))
    for error in result.errors:
        blocks.append(f"{error.file}:{error.line}: error: {error.message}")
    for skip in result.skips:
        blocks.append(
            f"{skip.node.span.file}:{skip.node.span.line}: {skip.meta.id} skipped on {skip.node.address}: {skip.reason}"
        )
    for unresolved in result.unresolved_inputs:
        blocks.append(f"{unresolved.file}:{unresolved.line}: not checked: {unresolved.address}: {unresolved.reason}")
    counts = ", ".join(f"{result.count(s)} {s.value}" for s in Severity)
    summary = (
        f"crosswire: {result.files} files, {result.resources} resources, findings: {counts}"
        + (f", {len(result.errors)} input errors" if result.errors else "")
        + (f", {len(result.skips)} checks skipped on unresolved values" if result.skips else "")
        + (f", {len(result.unresolved_inputs)} inputs not checked" if result.unresolved_inputs else "")
        + (f", {len(result.suppressed)} suppressed" if result.suppressed else "")
        + (f", {len(result.baselined)} in the baseline" if result.baselined else "")
    )
    return "\n\n".join(blocks + [summary]) + "\n"
