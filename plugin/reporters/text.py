"""The report for people: one block per finding with file:line, the broken wire, the fix and where to read more (or
one line per finding, `--compact`), then a summary line that says what the scan did even when it found nothing."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from crosswire.check import Finding, Severity
from crosswire.escaping import inert_text, visible
from crosswire.result import ScanResult

# Select Graphic Rendition codes: red, yellow, cyan, bold, dim
_SEVERITY_SGR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
_BOLD, _DIM = "1", "2"
# a painted piece is marked with two control characters that `visible` escapes in every name, so only crosswire's
# own words can carry them; they become ANSI sequences, or nothing, after `inert_text` has read the plain text
_MARK = re.compile("\x01([0-9;]*)\x02")


@dataclass(frozen=True)
class Style:
    colour: bool = False
    compact: bool = False  # one line per finding
    quiet: bool = False  # findings and input errors only: no skips, inputs not checked or summary


def wants_colour(choice: str, stream: TextIO | None, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether `--color choice` paints a report written to `stream` (None: a file named with --output-file).
    `auto` paints a terminal unless NO_COLOR is set and not empty (no-color.org) or TERM is `dumb`; the flag's
    `always` and `never` win over both, as no-color.org asks of a flag."""
    if choice != "auto":
        return choice == "always"
    is_terminal = stream is not None and stream.isatty()
    return is_terminal and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"


def _paint(text: str, sgr: str) -> str:
    return f"\x01{sgr}\x02{text}\x01\x02"


def _count(number: int, word: str, plural: str | None = None) -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"


def render(result: ScanResult, style: Style = Style()) -> str:
    """The report. Every name and message from the scanned files goes through `visible`, and the whole through
    `inert_text`: a printed report is read by terminals and CI runners. Colour never starts a line, so a painted
    report is as inert as a plain one."""
    blocks = [_compact(f) if style.compact else _block(f) for f in result.findings]
    for error in result.errors:
        blocks.append(
            f"{visible(error.file)}:{error.line}: {_paint('error', _SEVERITY_SGR[Severity.ERROR])}: "
            f"{visible(error.message)}"
        )
    if not style.quiet:
        for skip in result.skips:
            where = f"{visible(skip.node.span.file)}:{skip.node.span.line}"
            blocks.append(f"{where}: {skip.meta.id} skipped on {visible(skip.node.address)}: {visible(skip.reason)}")
        for unresolved in result.unresolved_inputs:
            where = f"{visible(unresolved.file)}:{unresolved.line}"
            blocks.append(f"{where}: not checked: {visible(unresolved.address)}: {visible(unresolved.reason)}")
        blocks.append(summary(result))
    if not blocks:
        return ""
    separator = "\n" if style.compact else "\n\n"
    text = inert_text(separator.join(blocks) + "\n")
    return _MARK.sub(lambda match: f"\x1b[{match.group(1) or '0'}m" if style.colour else "", text)


def _block(finding: Finding) -> str:
    meta, span, level = finding.meta, finding.node.span, finding.level
    lines = [
        f"{visible(span.file)}:{span.line}: {_paint(meta.id, _BOLD)} {_paint(level.value, _SEVERITY_SGR[level])}: "
        f"{meta.title}",
        f"  {visible(finding.message)}",
    ]
    lines += [
        f"  {_paint('related:', _DIM)} {visible(r.address)} ({visible(r.declared_span.file)}:{r.declared_span.line})"
        for r in finding.related
    ]
    lines.append(f"  {_paint('fix:', _DIM)} {finding.fix}")
    lines.append(f"  {_paint('more:', _DIM)} crosswire explain {meta.id}, {meta.docs_url}")
    return "\n".join(lines)


def _compact(finding: Finding) -> str:
    meta, span, level = finding.meta, finding.node.span, finding.level
    return (
        f"{visible(span.file)}:{span.line}: {_paint(meta.id, _BOLD)} [{_paint(level.value, _SEVERITY_SGR[level])}] "
        f"{visible(finding.message)}"
    )


def summary(result: ScanResult) -> str:
    """One line that says what the scan did: what it read, what it found by severity, and what it set aside."""
    found = ", ".join(
        _paint(_count(result.count(s), s.value, "info" if s is Severity.INFO else None), _SEVERITY_SGR[s])
        if result.count(s)
        else _count(0, s.value, "info" if s is Severity.INFO else None)
        for s in Severity
    )
    set_aside = (
        f"{len(result.suppressed)} suppressed, {len(result.baselined)} baselined, "
        f"{len(result.skips)} skipped as unresolved"
    )
    if result.unresolved_inputs:
        set_aside += f", {_count(len(result.unresolved_inputs), 'input')} not checked"
    line = (
        f"crosswire: scanned {_count(result.files, 'file')}, {_count(result.resources, 'resource')}; "
        f"findings: {found}; {set_aside}"
    )
    if result.errors:
        line += f"; {_count(len(result.errors), 'input error')}"
    if result.stale_baseline:
        line += (
            f"; {len(result.stale_baseline)} stale baseline {'entry' if len(result.stale_baseline) == 1 else 'entries'}"
        )
    return line
