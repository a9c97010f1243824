"""cfn-lint rule module: `cfn-lint --append-rules crosswire.adapters.cfnlint` runs every CloudFormation check.

One rule class per check, generated from its metadata (CW302 warning -> W9302); the graph is built once per template.
Teams' own checks join them (PAY001 error -> EPAY001), from the folder `CROSSWIRE_CHECKS_DIR` names, else from the
`checks-dir` of the configuration found in the current directory, as `crosswire scan` finds it.
"""

from __future__ import annotations

import logging
import os
import weakref
from typing import Any

from cfnlint.decode.node import dict_node
from cfnlint.rules import CloudFormationLintRule, RuleMatch
from cfnlint.template import Template

from crosswire import config, user_checks
from crosswire.check import Check, Finding, Severity
from crosswire.checks import ALL_CHECKS
from crosswire.graph import Graph
from crosswire.loaders import LoadError, cloudformation
from crosswire.runner import ScanOptions, run_checks

LOGGER = logging.getLogger(__name__)
SEVERITY_LETTERS = {Severity.ERROR: "E", Severity.WARNING: "W", Severity.INFO: "I"}
SAM_FUNCTION = "AWS::Serverless::Function"
CHECKS_DIR_VARIABLE = "CROSSWIRE_CHECKS_DIR"
MAX_PATH_DEPTH = 16

# Findings of one template, by check ID: every rule of this module reads the same entry, so the graph is built
# and the checks run once per template however many rules cfn-lint calls.
_findings_by_template: weakref.WeakKeyDictionary[Template, dict[str, list[Finding]]] = weakref.WeakKeyDictionary()


def rule_id(check: Check) -> str:
    """cfn-lint's ID for a check: its severity letter, then the check's number in cfn-lint's unused 9xxx block; for
    a team's own check, the letter then its ID (cfn-lint reads the severity from the letter alone)."""
    letter = SEVERITY_LETTERS[check.meta.severity]
    if check.meta.source:
        return f"{letter}{check.meta.id}"
    return f"{letter}9{check.meta.id.removeprefix('CW')}"


def as_written(template: dict[str, Any]) -> dict[str, Any]:
    """The template as its author wrote it, from cfn-lint's view of it.

    cfn-lint merges SAM `Globals.Function` into every function's Properties in place before rules run, and keeps
    no copy; our loader applies Globals itself and notes which values came from there. So a property whose value
    is the Globals value goes back to Globals; merged mappings and lists, which differ from it, stay as SAM
    would deploy them. A local value equal to the Globals one cannot be told apart (the merge keeps Globals' key)
    and is credited to Globals: same value, only the note differs. `cfn.template` is left untouched.
    """
    globals_section = template.get("Globals")
    function_globals = globals_section.get("Function") if isinstance(globals_section, dict) else None
    resources = template.get("Resources")
    if not isinstance(function_globals, dict) or not function_globals or not isinstance(resources, dict):
        return template
    restored: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        restored[logical_id] = resource
        if not isinstance(resource, dict) or resource.get("Type") != SAM_FUNCTION:
            continue
        properties = resource.get("Properties")
        ignored = resource.get("IgnoreGlobals")
        if not isinstance(properties, dict) or ignored == "*":
            continue
        ignored_keys = set(ignored) if isinstance(ignored, list) else set()
        local = {
            key: value
            for key, value in properties.items()
            if not (key in function_globals and key not in ignored_keys and value == function_globals[key])
        }
        written = dict(resource.items())
        written["Properties"] = local
        # keep the resource's marks: the loader's span falls back on them
        restored[logical_id] = dict_node(
            written, getattr(resource, "start_mark", None), getattr(resource, "end_mark", None)
        )
    view = dict(template.items())
    view["Resources"] = restored
    return view


def findings_of(cfn: Template) -> dict[str, list[Finding]]:
    if cfn not in _findings_by_template:
        _findings_by_template[cfn] = _scan(cfn)
    return _findings_by_template[cfn]


def _scan(cfn: Template) -> dict[str, list[Finding]]:
    by_check: dict[str, list[Finding]] = {check.meta.id: [] for check in CHECKS}
    if not isinstance(cfn.template, dict):
        return by_check
    graph = Graph()
    try:
        cloudformation.load(as_written(cfn.template), cfn.filename or "-", graph, {})  # cfn-lint reports bad resources
    except LoadError as exc:
        # the same defect (no Type, Properties not a mapping...) is one of cfn-lint's own E-rules already
        LOGGER.debug("crosswire could not load %s: %s", cfn.filename, exc)
        return by_check
    graph.resolve_wires()
    findings, _ = run_checks(graph, CHECKS, ScanOptions())
    for finding in findings:
        if not reported_by_cfn_lint(finding):
            by_check[finding.meta.id].append(finding)
    return by_check


def reported_by_cfn_lint(finding: Finding) -> bool:
    """Whether one of cfn-lint's own rules reports this finding's fault on the same resource (the check declares
    it: `CheckMeta.overlaps`): then that rule's match is the one, and crosswire's rule stays silent."""
    return any(o.tool == "cfn-lint" and o.covers(finding) for o in finding.meta.overlaps)


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def path_to(cfn: Template, finding: Finding) -> list[str | int]:
    """Where cfn-lint should point: `["Resources", address]`, or deeper to the key on the finding's line (the event
    of a SAM function that generated the resource, the item of an inline subscription)."""
    base: list[str | int] = ["Resources", finding.node.address]
    resources = cfn.template.get("Resources")
    resource = resources.get(finding.node.address) if isinstance(resources, dict) else None
    wanted = finding.node.span.line
    if resource is None or _line(next((k for k in resources if k == finding.node.address), None)) == wanted:
        return base
    frontier: list[tuple[list[str | int], Any]] = [(base, resource)]
    for _ in range(MAX_PATH_DEPTH):
        deeper: list[tuple[list[str | int], Any]] = []
        for path, node in frontier:
            items: list[tuple[Any, Any]] = list(node.items()) if isinstance(node, dict) else []
            items += list(enumerate(node)) if isinstance(node, list) else []
            for key, value in items:
                if (_line(key) if isinstance(node, dict) else _line(value)) == wanted:
                    return [*path, key]
                deeper.append(([*path, key], value))
        frontier = deeper
    return base


def _match(self: CloudFormationLintRule, cfn: Template) -> list[RuleMatch]:
    # cfn-lint takes a match's severity from the rule ID's letter, so a finding is reported at its check's severity
    return [RuleMatch(path_to(cfn, f), f.message) for f in findings_of(cfn)[self.check_id]]  # type: ignore[attr-defined]


def _rule_class(check: Check) -> type[CloudFormationLintRule]:
    meta = check.meta
    return type(
        f"Crosswire{meta.id}",
        (CloudFormationLintRule,),
        {
            "__module__": __name__,
            "__doc__": meta.title,
            "id": rule_id(check),
            "check_id": meta.id,
            "shortdesc": meta.title,
            "description": f"crosswire {meta.id}: {meta.rationale} Fix: {meta.fix_cloudformation}",
            "source_url": meta.references[0].url if meta.references else "",
            "tags": ["crosswire", meta.id, *(kind.value for kind in meta.kinds)],
            "match": _match,
        },
    )


def _catalogue() -> tuple[Check, ...]:
    """crosswire's checks and the team's own. A check folder that cannot be used stops cfn-lint with the file,
    line and problem: silently dropping the team's rules would pass templates they should fail."""
    try:
        directory = os.environ.get(CHECKS_DIR_VARIABLE) or config.load(None, ALL_CHECKS).checks_dir
        return user_checks.catalogue(directory)
    except (config.ConfigError, user_checks.UserCheckError) as exc:
        raise SystemExit(f"crosswire: error: {exc}") from None


CHECKS = tuple(check for check in _catalogue() if "cloudformation" in check.meta.formats)


# cfn-lint collects rule classes from the module namespace, so each generated class gets a module-level name.
globals().update({cls.__name__: cls for cls in map(_rule_class, CHECKS)})
