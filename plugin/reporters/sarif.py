"""The SARIF 2.1.0 report, for code-scanning pipelines (GitHub code scanning, Azure DevOps, SonarQube imports).

One run: a rule per check that ran, a result per finding with the other ends of the wire as related locations.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from crosswire import __version__
from crosswire.check import CheckMeta, Finding, Severity, noun
from crosswire.escaping import encodable_strings, inert_json, markdown_text
from crosswire.model import Node
from crosswire.reporters import catalogue
from crosswire.result import ScanResult
from crosswire.suppressions import Suppressed

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "crosswire/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_LINK_SYNTAX = re.compile(r"([\\\[\]])")
# GitHub code scanning reads these from a rule's properties (README, Reports). The ID's family says what a check
# guards: CW1xx encryption and CW2xx access policies are security; CW3xx is delivery and retries.
FAMILY_TAGS = {"CW1": ("security", "encryption"), "CW2": ("security", "access-control"), "CW3": ("reliability",)}
# GitHub's bands: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
SECURITY_SEVERITY = {Severity.ERROR: "7.5", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
# a finding rests only on values crosswire worked out (unresolved ones are skipped, never guessed); not very-high
# because a wire between templates or modules written as a literal name assumes the one resource of that name
PRECISION = "high"
# code scanning keeps one analysis per category; upload-sarif's `category` input overrides it
AUTOMATION_ID = "crosswire/"


def artifact_location(file: str) -> dict[str, Any]:
    """Report paths are relative to the current directory, which is what %SRCROOT% stands for; a file outside it
    keeps its absolute path as a file: URI, since a relative URI cannot climb out of the base."""
    path: PurePath = PureWindowsPath(file) if os.sep == "\\" else PurePosixPath(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    # a URI names the file by its bytes: a name that is not UTF-8 gets its bytes as they are (`%FF`)
    return {"uri": quote(os.fsencode(path.as_posix())), "uriBaseId": SOURCE_ROOT}


def message(text: str) -> dict[str, str]:
    """A plain text message. crosswire writes no embedded links, so every square bracket in it (and the backslash
    that escapes one) is literal and escaped as SARIF 2.1.0 §3.11.6 asks: a name like `x[here](1)` stays text."""
    return {"text": _LINK_SYNTAX.sub(r"\\\1", text)}


def physical_location(file: str, line: int, end_line: int | None = None) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    # line 0 means "no line" (a missing path): SARIF regions start at line 1, so leave the region out
    if line >= 1:
        region = {"startLine": line}
        if end_line is not None and end_line >= line:
            region["endLine"] = end_line
        location["region"] = region
    return location


def help_text(meta: CheckMeta) -> dict[str, str]:
    # a team's own check is read from files a pull request may change: its words are escaped in the Markdown help,
    # as the Markdown summary escapes names; crosswire's own are written in Markdown on purpose
    words = markdown_text if meta.source else str
    text = [
        meta.rationale,
        "",
        f"Fix (Terraform): {meta.fix_terraform}",
        f"Fix (CloudFormation): {meta.fix_cloudformation}",
    ]
    markdown = [
        words(meta.rationale),
        "",
        f"**Fix (Terraform):** {words(meta.fix_terraform)}",
        "",
        f"**Fix (CloudFormation):** {words(meta.fix_cloudformation)}",
    ]
    if meta.references:
        text += ["", "References:", *(f"- {r.title}: {r.url}" for r in meta.references)]
        markdown += ["", "**References:**", "", *(f"- [{words(r.title)}]({_link(r.url)})" for r in meta.references)]
    return {"text": "\n".join(text), "markdown": "\n".join(markdown)}


def _link(url: str) -> str:
    """A URL as a Markdown link target: brackets, parentheses, spaces and quotes percent-encoded, so it cannot end
    the link early."""
    return quote(url, safe=":/?#@!$&*+,;=%~")


def rule(meta: CheckMeta) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": meta.id,
        "name": meta.slug,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.rationale},
        "help": help_text(meta),
    }
    # code scanning wants an absolute address: a team's own check is documented by a file, so its first reference
    help_uri = meta.docs_url if not meta.source else (meta.references[0].url if meta.references else "")
    if help_uri:
        descriptor["helpUri"] = help_uri
    descriptor["defaultConfiguration"] = {"level": LEVELS[meta.severity]}
    descriptor["properties"] = {
        # a team's own check has no family: what it guards is the team's to say
        "tags": ["crosswire", *FAMILY_TAGS.get(meta.id[:3], ()), *(kind.value for kind in meta.kinds)],
        "security-severity": SECURITY_SEVERITY[meta.severity],
        "precision": PRECISION,
    }
    return descriptor


def related_location(index: int, node: Node) -> dict[str, Any]:
    span = node.declared_span
    return {
        "id": index,
        "physicalLocation": physical_location(span.file, span.line, span.end_line),
        "message": message(noun(node)),
    }


def result_entry(finding: Finding, rule_index: int) -> dict[str, Any]:
    node = finding.node
    entry: dict[str, Any] = {
        "ruleId": finding.meta.id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.level],
        "message": message(finding.message),
        "locations": [
            {
                "physicalLocation": physical_location(node.span.file, node.span.line, node.span.end_line),
                "logicalLocations": [{"name": node.address, "kind": "resource"}],
            }
        ],
    }
    if finding.related:
        entry["relatedLocations"] = [related_location(i, r) for i, r in enumerate(finding.related, start=1)]
    entry["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    entry["properties"] = {"resource": node.address, "resourceType": node.resource_type, "fix": finding.fix}
    return entry


def suppressed_entry(suppressed: Suppressed, rule_index: int) -> dict[str, Any]:
    """A finding the author suppressed in the source: still a result, so code-scanning UIs show it as dismissed."""
    entry = result_entry(suppressed.finding, rule_index)
    where = suppressed.suppression.span
    entry["suppressions"] = [
        {
            "kind": "inSource",
            "justification": suppressed.suppression.reason,
            "location": {"physicalLocation": physical_location(where.file, where.line, where.end_line)},
        }
    ]
    return entry


def baselined_entry(finding: Finding, rule_index: int) -> dict[str, Any]:
    """A finding accepted by the baseline file: reported as known, not new."""
    entry = result_entry(finding, rule_index)
    entry["baselineState"] = "unchanged"
    entry["suppressions"] = [{"kind": "external", "justification": "recorded in the crosswire baseline"}]
    return entry


def render(result: ScanResult) -> str:
    rules = catalogue(result)
    index = {meta.id: i for i, meta in enumerate(rules)}
    notifications: list[dict[str, Any]] = [
        {
            "level": "error",
            "message": message(error.message),
            "locations": [{"physicalLocation": physical_location(error.file, error.line)}],
        }
        for error in result.errors
    ]
    # a check that could not judge a resource is worth a note: silence there is not a pass
    notifications += [
        {
            "level": "note",
            "message": message(f"{skip.meta.id} skipped on {skip.node.address}: {skip.reason}"),
            "locations": [{"physicalLocation": physical_location(skip.node.span.file, skip.node.span.line)}],
            "associatedRule": {"id": skip.meta.id, "index": index[skip.meta.id]},
        }
        for skip in result.skips
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not result.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "crosswire",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule(meta) for meta in rules],
                    }
                },
                "automationDetails": {"id": AUTOMATION_ID},
                "invocations": [invocation],
                "results": [result_entry(f, index[f.meta.id]) for f in result.findings]
                + [suppressed_entry(s, index[s.finding.meta.id]) for s in result.suppressed]
                + [baselined_entry(f, index[f.meta.id]) for f in result.baselined],
            }
        ],
    }
    return inert_json(json.dumps(encodable_strings(log), indent=2, ensure_ascii=False)) + "\n"
