"""Reporters: pure functions from findings to text, one module per format."""

from __future__ import annotations

from crosswire.check import CheckMeta
from crosswire.result import ScanResult


def catalogue(result: ScanResult) -> list[CheckMeta]:
    """The checks that ran, plus any check a finding or skip names that the result does not list (a result built
    by hand), so that every finding has a rule or suite to belong to."""
    checks = {meta.id: meta for meta in result.checks}
    for outcome in [*result.findings, *result.skips]:
        checks.setdefault(outcome.meta.id, outcome.meta)
    return list(checks.values())
