"""crosswire's checks as Checkov checks, for `checkov --external-checks-dir <this directory>`.

Checkov depends on forks (bc-python-hcl2, bc-jsonpath-ng) that install the same top-level modules as
python-hcl2 8 and jsonpath-ng, so crosswire and Checkov cannot share one environment without breaking
Checkov's Terraform parser. This module therefore imports nothing from crosswire: it runs the `crosswire`
executable of crosswire's own environment (found through $CROSSWIRE_BIN or PATH) once per Checkov run over
the paths Checkov scans, and answers each Checkov resource check from that report.

It fails closed: the checks are registered from checks.catalogue beside this file (generated with the docs), not
from the executable, so that when crosswire is missing, crashes or prints something that is not its JSON report,
every resource a check covers FAILS with the reason in its details (and Checkov exits 1), instead of a gate that
goes green with no crosswire check run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import BaseResourceCheck as CfnCheck
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck as TfCheck

# crosswire resource kinds -> the resource types Checkov hands to a check, per framework
CLOUDFORMATION_TYPES = {
    "queue": ["AWS::SQS::Queue", "AWS::Serverless::Function"],  # SAM-generated queues report on the function
    "topic": ["AWS::SNS::Topic"],
    "key": ["AWS::KMS::Key"],
    "function": ["AWS::Lambda::Function", "AWS::Serverless::Function"],
    "mapping": ["AWS::Lambda::EventSourceMapping", "AWS::Serverless::Function"],
    "subscription": ["AWS::SNS::Subscription", "AWS::SNS::Topic", "AWS::Serverless::Function"],
    "policy": ["AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::KMS::Key", "AWS::IAM::Role"],
    "permission": ["AWS::Lambda::Permission", "AWS::Serverless::Function"],
}
TERRAFORM_TYPES = {
    "queue": ["aws_sqs_queue"],
    "topic": ["aws_sns_topic"],
    "key": ["aws_kms_key"],
    "function": ["aws_lambda_function"],
    "mapping": ["aws_lambda_event_source_mapping"],
    "subscription": ["aws_sns_topic_subscription"],
    "policy": ["aws_sqs_queue_policy", "aws_sns_topic_policy", "aws_kms_key_policy", "aws_iam_role_policy"],
    "permission": ["aws_lambda_permission"],
}
CATALOGUE = Path(__file__).with_name("checks.catalogue")  # JSON; a .json file here Checkov would read as a policy
_INDEX = re.compile(r"\[[^\]]*\]")


@dataclass
class Report:
    """What one crosswire run said: details of each finding by (real file path, resource, check ID), its input
    errors by real file path, or why there is no report at all."""

    findings: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    suppressed: dict[tuple[str, str, str], str] = field(default_factory=dict)  # the suppression's reason and place
    unreadable: dict[str, list[str]] = field(default_factory=dict)
    failure: str | None = None


def _failed(reason: str) -> Report:
    return Report(failure=f"crosswire did not run, so none of its checks was done: {reason}")


def _roots() -> list[str]:
    """The files and directories this Checkov run scans, from its command line (Checkov passes checks only a
    path relative to its root)."""
    roots, argv = [], sys.argv[1:]
    for index, arg in enumerate(argv):
        for flag in ("-d", "--directory", "-f", "--file"):
            if arg == flag and index + 1 < len(argv):
                roots.append(argv[index + 1])
            elif arg.startswith(flag + "="):
                roots.append(arg.split("=", 1)[1])
    return roots or ["."]


def _read(report: dict[str, Any]) -> Report:
    read = Report()
    for finding in report["findings"]:
        key = (os.path.realpath(finding["file"]), finding["resource"], finding["check_id"])
        ends = [f"other end: {r['resource']} ({r['file']}:{r['line']})" for r in finding["related"]]
        read.findings.setdefault(key, []).extend([finding["message"], *ends])
    for finding in report.get("suppressed", []):  # present only when the scanned files suppress something
        key = (os.path.realpath(finding["file"]), finding["resource"], finding["check_id"])
        where = finding["suppression"]
        read.suppressed[key] = f"crosswire:ignore at {where['file']}:{where['line']}: {where['reason']}"
    for error in report["errors"]:
        read.unreadable.setdefault(os.path.realpath(error["file"]), []).append(
            f"crosswire could not read this file, so none of its checks was done: {error['message']} "
            f"(line {error['line']})"
        )
    return read


@lru_cache(maxsize=1)
def _report() -> Report:
    """crosswire's report on everything Checkov scans."""
    executable = os.environ.get("CROSSWIRE_BIN") or shutil.which("crosswire")
    if executable is None:
        return _failed(
            "no `crosswire` executable on PATH and CROSSWIRE_BIN is not set (install crosswire in its "
            "own environment, e.g. with pipx, or set CROSSWIRE_BIN to its executable)"
        )
    # --isolated: a configuration file in the scanned tree (which a pull request may change) must not ignore,
    # select or skip what the gate checks
    command = [executable, "scan", "--format", "json", "--fail-on", "never", "--isolated", *_roots()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        return _failed(f"{executable} could not be started: {exc.strerror or exc}")
    try:
        return _read(json.loads(done.stdout))
    except (ValueError, KeyError, TypeError):
        said = done.stderr.strip().splitlines()
        return _failed(
            f"{executable} exited {done.returncode} without its JSON report"
            + (f"; its last words: {said[-1]}" if said else "")
        )


def _file_of(relative: str) -> str | None:
    for root in _roots():
        candidate = root if os.path.isfile(root) else os.path.join(root, relative.lstrip("/"))
        if os.path.isfile(candidate) and os.path.realpath(candidate).endswith(relative):
            return os.path.realpath(candidate)
    return None


def _verdict(check: Any, address: str) -> CheckResult:
    report = _report()
    if report.failure is not None:
        check.details.append(report.failure)
        return CheckResult.FAILED
    relative = check.entity_path.split(f":{check.entity_type}:", 1)[0]
    path = _file_of(relative)
    if path is None:
        return CheckResult.UNKNOWN
    details = report.unreadable.get(path) or report.findings.get((path, address, check.id), [])
    check.details.extend(details)
    if not details and (path, address, check.id) in report.suppressed:
        # the author suppressed it in the source, with a reason: skipped, as a `checkov:skip` comment would be
        check.suppress_comment = report.suppressed[(path, address, check.id)]
        return CheckResult.SKIPPED
    return CheckResult.FAILED if details else CheckResult.PASSED


def _make(base: Any, meta: dict[str, Any], types: list[str]) -> Any:
    def __init__(self: Any) -> None:
        base.__init__(
            self,
            name=f"{meta['title']} (crosswire)",
            id=meta["id"],
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=types,
            guideline=meta["docs"],
        )

    if base is TfCheck:

        def scan_resource_conf(self: Any, conf: dict[str, Any]) -> CheckResult:
            return _verdict(self, _INDEX.sub("", str(conf.get("__address__", ""))))

    else:

        def scan_resource_conf(self: Any, conf: dict[str, Any]) -> CheckResult:
            return _verdict(self, self.entity_path.rsplit(":", 1)[1])

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        """Checkov's own run, with the suppression's reason as the comment of a result skipped by crosswire."""
        self.suppress_comment = ""
        result = base.run(self, *args, **kwargs)
        if result.get("result") == CheckResult.SKIPPED and self.suppress_comment and not result.get("suppress_comment"):
            result["suppress_comment"] = self.suppress_comment
        return result

    name = f"Crosswire{meta['id']}{'Terraform' if base is TfCheck else 'CloudFormation'}"
    members = {"__init__": __init__, "scan_resource_conf": scan_resource_conf, "run": run}
    check_class = type(name, (base,), members)
    return check_class()


def _details_into_cloudformation_records(ids: set[str]) -> None:
    """Checkov's CloudFormation runner (3.3) builds a record without its check's details, which its Terraform
    runner passes on; without them a finding would not say where the other end of its wire is. A record of one of
    crosswire's checks takes them from the check, whose last run is the one the record records. The record stays
    Checkov's own class: Checkov pickles reports between its processes."""
    from checkov.cloudformation import runner
    from checkov.cloudformation.checks.resource.registry import cfn_registry

    if getattr(runner.Record, "takes_crosswire_details", False):
        return  # Checkov loads this directory once per framework
    record_class = runner.Record

    def record(*args: Any, **kwargs: Any) -> Any:
        made = record_class(*args, **kwargs)
        if made.check_id in ids and not made.details:
            checks = (c for found in cfn_registry.checks.values() for c in found if c.id == made.check_id)
            made.details = list(next(checks).details)
        return made

    record.takes_crosswire_details = True  # type: ignore[attr-defined]
    runner.Record = record


def _register() -> list[Any]:
    checks = []
    for meta in json.loads(CATALOGUE.read_text(encoding="utf-8")):
        for fmt, base, table in (
            ("cloudformation", CfnCheck, CLOUDFORMATION_TYPES),
            ("terraform", TfCheck, TERRAFORM_TYPES),
        ):
            types = sorted({t for kind in meta["resources"] for t in table.get(kind, [])})
            if fmt in meta["formats"] and types:
                checks.append(_make(base, meta, types))
    _details_into_cloudformation_records({check.id for check in checks})
    return checks


CHECKS = _register()
