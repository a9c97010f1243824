"""The report for people: one block per finding with file:line, the broken wire, and the fix."""

from __future__ import annotations

from crosswire.check import Severity
from crosswire.escaping import inert_text, visible
from crosswire.result import ScanResult


def render(result: ScanResult) -> str:
    """The report; empty when there is nothing to tell (like cfn-lint, silence means clean). Every name and message
    from the scanned files goes through `visible`, and the whole through `inert_text`: a printed report is read by
    terminals and CI runners."""
    if not (result.findings or result.errors or result.skips or result.unresolved_inputs):
        return ""
    blocks = []
    for finding in result.findings:
        meta, span = finding.meta, finding.node.span
        lines = [
            f"{visible(span.file)}:{span.line}: {meta.id} {finding.level.value}: {meta.title}",
            f"  {visible(finding.message)}",
        ]
        lines += [
            f"  related: {visible(r.address)} ({visible(r.declared_span.file)}:{r.declared_span.line})"
            for r in finding.related
        ]
        lines.append(f"  fix: {finding.fix}")
        blocks.append("\n".join(lines))
    for error in result.errors:
        blocks.append(f"{visible(error.file)}:{error.line}: error: {visible(error.message)}")
    for skip in result.skips:
        where = f"{visible(skip.node.span.file)}:{skip.node.span.line}"
        blocks.append(f"{where}: {skip.meta.id} skipped on {visible(skip.node.address)}: {visible(skip.reason)}")
    for unresolved in result.unresolved_inputs:
        where = f"{visible(unresolved.file)}:{unresolved.line}"
        blocks.append(f"{where}: not checked: {visible(unresolved.address)}: {visible(unresolved.reason)}")
    counts = ", ".join(f"{result.count(s)} {s.value}" for s in Severity)
    summary = (
        f"crosswire: {result.files} files, {result.resources} resources, findings: {counts}"
        + (f", {len(result.errors)} input errors" if result.errors else "")
        + (f", {len(result.skips)} checks skipped on unresolved values" if result.skips else "")
        + (f", {len(result.unresolved_inputs)} inputs not checked" if result.unresolved_inputs else "")
        + (f", {len(result.suppressed)} suppressed" if result.suppressed else "")
        + (f", {len(result.baselined)} in the baseline" if result.baselined else "")
    )
    return inert_text("\n\n".join(blocks + [summary]) + "\n")
