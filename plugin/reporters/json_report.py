"""The JSON report of SPEC §3 (schema 1): stable, versioned, for machines."""

from __future__ import annotations

import json
from typing import Any

from crosswire import __version__
from crosswire.check import Finding, Severity
from crosswire.escaping import encodable_strings, inert_json
from crosswire.result import ScanResult

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    meta, node = finding.meta, finding.node
    return {
        "check_id": meta.id,
        "severity": finding.level.value,
        "title": meta.title,
        "message": finding.message,
        "resource": node.address,
        "resource_type": node.resource_type,
        "file": node.span.file,
        "line": node.span.line,
        "end_line": node.span.end_line,
        "related": [
            {"resource": r.address, "file": r.declared_span.file, "line": r.declared_span.line} for r in finding.related
        ],
        "fix": finding.fix,
        "docs": meta.docs_url,
        "fingerprint": finding.fingerprint,
    }


def render(result: ScanResult) -> str:
    report: dict[str, Any] = {
        "tool": "crosswire",
        "version": __version__,
        "schema": SCHEMA_VERSION,
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in result.errors],
        "unresolved": [
            {
                "check_id": s.meta.id,
                "resource": s.node.address,
                "file": s.node.span.file,
                "line": s.node.span.line,
                "reason": s.reason,
            }
            for s in result.skips
        ]
        + [
            {"check_id": None, "resource": u.address, "file": u.file, "line": u.line, "reason": u.reason}
            for u in result.unresolved_inputs
        ],
        "summary": {
            "files": result.files,
            "resources": result.resources,
            "findings": {s.value: result.count(s) for s in Severity},
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
        },
    }
    if result.suppressed:  # only when some are: reports without suppressions keep their shape
        report["suppressed"] = [
            finding_dict(s.finding)
            | {
                "suppression": {
                    "reason": s.suppression.reason,
                    "file": s.suppression.span.file,
                    "line": s.suppression.span.line,
                }
            }
            for s in result.suppressed
        ]
    if result.stale_baseline is not None:  # only with --baseline: reports without one keep their shape
        report["summary"]["stale_baseline"] = len(result.stale_baseline)
    # names keep their characters (JSON escapes controls); only bytes that are not UTF-8 in a file name, which no
    # JSON string can hold, are written as `\xff`
    return inert_json(json.dumps(encodable_strings(report), indent=2)) + "\n"
