"""crosswire's checks as Checkov checks, for `checkov --external-checks-dir <this directory>`.

Checkov depends on forks (bc-python-hcl2, bc-jsonpath-ng) that install the same top-level modules as
python-hcl2 8 and jsonpath-ng, so crosswire and Checkov cannot share one environment without breaking
Checkov's Terraform parser. This module therefore imports nothing from crosswire: it runs the `crosswire`
executable of crosswire's own environment (found through $CROSSWIRE_BIN or PATH) once per Checkov run over
the paths Checkov scans, and answers each Checkov resource check from that report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import lru_cache
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
_INDEX = re.compile(r"\[[^\]]*\]")


def _crosswire() -> str | None:
    return os.environ.get("CROSSWIRE_BIN") or shutil.which("crosswire")


def _run(*args: str) -> Any:
    executable = _crosswire()
    if executable is None:
        return None
    done = subprocess.run([executable, *args], capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout)
    except ValueError:
        return None


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


@lru_cache(maxsize=1)
def _findings() -> dict[tuple[str, str, str], list[str]]:
    """crosswire's findings for everything Checkov scans: (real file path, resource, check ID) -> messages."""
    report = _run("scan", "--format", "json", "--fail-on", "never", *_roots()) or {}
    found: dict[tuple[str, str, str], list[str]] = {}
    for finding in report.get("findings", []):
        key = (os.path.realpath(finding["file"]), finding["resource"], finding["check_id"])
        found.setdefault(key, []).append(finding["message"])
    return found


def _file_of(relative: str) -> str | None:
    for root in _roots():
        candidate = root if os.path.isfile(root) else os.path.join(root, relative.lstrip("/"))
        if os.path.isfile(candidate) and os.path.realpath(candidate).endswith(relative):
            return os.path.realpath(candidate)
    return None


def _verdict(check: Any, address: str) -> CheckResult:
    relative = check.entity_path.split(f":{check.entity_type}:", 1)[0]
    path = _file_of(relative)
    if path is None:
        return CheckResult.UNKNOWN
    messages = _findings().get((path, address, check.id), [])
    check.details.extend(messages)
    return CheckResult.FAILED if messages else CheckResult.PASSED


def _make(base: Any, meta: dict[str, Any], types: list[str]) -> Any:
    def __init__(self: Any) -> None:
        base.__init__(
            self,
            name=f"{meta['title']} (crosswire)",
            id=meta["id"],
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=types,
            guideline=meta.get("reference"),
        )

    if base is TfCheck:

        def scan_resource_conf(self: Any, conf: dict[str, Any]) -> CheckResult:
            return _verdict(self, _INDEX.sub("", str(conf.get("__address__", ""))))

    else:

        def scan_resource_conf(self: Any, conf: dict[str, Any]) -> CheckResult:
            return _verdict(self, self.entity_path.rsplit(":", 1)[1])

    name = f"Crosswire{meta['id']}{'Terraform' if base is TfCheck else 'CloudFormation'}"
    check_class = type(name, (base,), {"__init__": __init__, "scan_resource_conf": scan_resource_conf})
    return check_class()


def _register() -> list[Any]:
    checks = []
    for meta in _run("checks", "--format", "json") or []:
        kinds = meta.get("resources", [])
        for fmt, base, table in (
            ("cloudformation", CfnCheck, CLOUDFORMATION_TYPES),
            ("terraform", TfCheck, TERRAFORM_TYPES),
        ):
            types = sorted({t for kind in kinds for t in table.get(kind, [])})
            if fmt in meta.get("formats", []) and types:
                checks.append(_make(base, meta, types))
    return checks


CHECKS = _register()
