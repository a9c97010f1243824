"""What a scan found, as reporters read it: findings, skips, input errors and counts. Reporters import this
module, never the runner that produces it."""

from __future__ import annotations

from dataclasses import dataclass, field

from crosswire.baseline import Entry
from crosswire.check import CheckMeta, Finding, Severity, Skip
from crosswire.graph import Graph
from crosswire.loaders import UnresolvedInput
from crosswire.model import Node
from crosswire.suppressions import Suppressed


@dataclass(frozen=True)
class ScanError:
    file: str
    line: int
    message: str


@dataclass
class ScanResult:
    findings: list[Finding]
    skips: list[Skip]
    errors: list[ScanError]
    files: int
    resources: int
    # what reporters list besides findings: the rules that ran (SARIF) and the resources they passed (JUnit)
    checks: list[CheckMeta] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)  # by inline or Metadata suppressions
    baselined: list[Finding] = field(default_factory=list)  # findings whose fingerprint is in the baseline
    unresolved_inputs: list[UnresolvedInput] = field(default_factory=list)  # e.g. registry modules not downloaded
    graph: Graph | None = None  # what the checks read, for a picture of the wiring (crosswire.picture)
    warnings: list[str] = field(default_factory=list)  # for the person running the scan, on stderr
    # baseline entries no finding matches any more; None when the scan had no baseline
    stale_baseline: list[Entry] | None = None

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.level is severity)
