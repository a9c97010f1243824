"""The JUnit XML report, for CI systems that show test results (Jenkins, GitLab, Azure DevOps, CircleCI).

A test suite per check, a test case per (check, resource): failed by each finding, skipped when unresolved.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from crosswire.check import CheckMeta, Finding, Skip, noun
from crosswire.escaping import inert_xml, visible
from crosswire.model import Key, Node
from crosswire.reporters import catalogue
from crosswire.result import ScanResult


@dataclass
class _Case:
    node: Node
    findings: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


def _cases(meta: CheckMeta, result: ScanResult) -> list[_Case]:
    """Every resource the check looks at, keyed by file and address: SAM resources stand for what they generate,
    so several nodes share one test case. AWS managed keys are not resources anyone wrote, so they get none."""
    cases: dict[tuple[str, str], _Case] = {}

    def case(node: Node) -> _Case:
        return cases.setdefault((node.span.file, node.address), _Case(node))

    for node in result.nodes:
        if (
            node.kind in meta.kinds
            and node.source_format in meta.formats
            and not (isinstance(node, Key) and node.aws_managed)
        ):
            case(node)
    for finding in result.findings:
        if finding.meta.id == meta.id:
            case(finding.node).findings.append(finding)
    for skip in result.skips:
        if skip.meta.id == meta.id:
            case(skip.node).skips.append(skip)
    return sorted(cases.values(), key=lambda c: (c.node.span.file, c.node.span.line, c.node.address))


# Names and messages from the scanned files go through `visible`: XML 1.0 cannot carry most controls even as
# character references, and CI systems print the failure text to a terminal or log.
def _location(file: str, line: int, end_line: int | None = None) -> str:
    if line < 1:
        return visible(file)
    return f"{visible(file)}:{line}" + (f"-{end_line}" if end_line and end_line > line else "")


def _failure_body(finding: Finding) -> str:
    span = finding.node.span
    lines = [_location(span.file, span.line, span.end_line), visible(finding.message)]
    lines += [
        f"related: {visible(noun(r))} ({_location(r.declared_span.file, r.declared_span.line)})"
        for r in finding.related
    ]
    lines += [f"fix: {finding.fix}", f"docs: {finding.meta.docs_url}"]
    return "\n".join(lines)


def _testcase(suite: ET.Element, classname: str, name: str, file: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"name": name, "classname": classname, "file": visible(file)})


def _suite(parent: ET.Element, name: str, tests: int, failures: int, errors: int, skipped: int) -> ET.Element:
    counts = {"tests": tests, "failures": failures, "errors": errors, "skipped": skipped}
    return ET.SubElement(parent, "testsuite", {"name": name, **{k: str(v) for k, v in counts.items()}})


def _check_suite(parent: ET.Element, meta: CheckMeta, result: ScanResult) -> None:
    cases = _cases(meta, result)
    classname = f"crosswire.{meta.id}"
    suite = _suite(
        parent,
        classname,
        tests=len(cases),
        failures=sum(1 for c in cases if c.findings),
        errors=0,
        skipped=sum(1 for c in cases if c.skips and not c.findings),
    )
    for case in cases:
        node = case.node
        testcase = _testcase(suite, classname, f"{visible(node.address)} ({visible(node.span.file)})", node.span.file)
        for finding in case.findings:
            failure = ET.SubElement(
                testcase, "failure", {"type": finding.level.value, "message": visible(finding.message)}
            )
            failure.text = _failure_body(finding)
        if case.skips and not case.findings:
            reasons = "; ".join(dict.fromkeys(s.reason for s in case.skips))
            ET.SubElement(testcase, "skipped", {"message": f"unresolved: {visible(reasons)}"})


def _error_suite(parent: ET.Element, result: ScanResult) -> None:
    suite = _suite(parent, "crosswire.errors", len(result.errors), 0, len(result.errors), 0)
    for error in result.errors:
        where = _location(error.file, error.line)
        testcase = _testcase(suite, "crosswire.errors", where, error.file)
        element = ET.SubElement(testcase, "error", {"type": "input", "message": visible(error.message)})
        element.text = f"{where}: {visible(error.message)}"


def render(result: ScanResult) -> str:
    root = ET.Element("testsuites", {"name": "crosswire"})
    for meta in catalogue(result):
        _check_suite(root, meta, result)
    if result.errors:
        _error_suite(root, result)
    suites = list(root)
    for total in ("tests", "failures", "errors", "skipped"):
        root.set(total, str(sum(int(s.get(total, "0")) for s in suites)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + inert_xml(ET.tostring(root, encoding="unicode")) + "\n"
