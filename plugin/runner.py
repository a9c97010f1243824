"""The scan: find input files, load them into one graph, run the selected checks, collect a ScanResult."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crosswire.check import Check, Finding, Severity, Skip
from crosswire.graph import Graph
from crosswire.loaders import LoadError

if TYPE_CHECKING:
    from crosswire.loaders import terraform

SKIPPED_DIRECTORIES = {".git", ".terraform", "node_modules", ".venv", "__pycache__", ".tox"}
SUPPORTED_FORMATS = ("cloudformation", "terraform")
TERRAFORM_SUFFIXES = (".tf", ".tf.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class ScanOptions:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    var_files: tuple[str, ...] = ()
    var_env: bool = False
    check_options: dict[str, dict[str, Any]] = field(default_factory=dict)


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

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.level is severity)


def display_path(path: str) -> str:
    """Paths in reports are relative to the current directory."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else os.path.abspath(path)


def discover(paths: Sequence[str], errors: list[ScanError]) -> list[str]:
    """Files to consider under `paths`, sorted; unreadable paths become errors. Symlinked directories are not
    followed, so a symlink loop cannot trap the walk."""
    found: list[str] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRECTORIES)
                found.extend(os.path.join(root, name) for name in sorted(files))
        else:
            errors.append(ScanError(display_path(path), 0, "no such file or directory"))
    return list(dict.fromkeys(found))


def read_text(path: str, shown: str) -> str:
    try:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise LoadError(shown, 1, f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise LoadError(shown, 1, f"cannot read: {exc.strerror}") from None
    if b"\0" in data:
        raise LoadError(shown, 1, "binary file, not a template")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError(shown, line, "not UTF-8 text") from None


def load_cloudformation(path: str, graph: Graph, options: ScanOptions) -> int | None:
    """Load one template file (or a Terraform plan JSON); None when the file is neither."""
    from crosswire.loaders import cloudformation

    shown = display_path(path)
    text = read_text(path, shown)
    if path.endswith(".json"):
        from crosswire.loaders import terraform_plan

        if terraform_plan.looks_like_plan(text):
            return terraform_plan.load_plan(text, shown, graph)
    if not cloudformation.looks_like_template(text):
        return None
    template = cloudformation.parse(text, shown)
    if not cloudformation.is_template(template):
        return None
    staged = Graph()
    count = cloudformation.load(template, shown, staged, options.params)
    graph.merge(staged)
    return count


def load_terraform(directories: list[str], graph: Graph, options: ScanOptions) -> terraform.Outcome:
    """Load Terraform module directories; root modules are found among them, local modules through callers."""
    from crosswire.loaders import terraform

    variables = terraform.Variables(options.variables, options.var_files, options.var_env)
    return terraform.load_directories(directories, graph, variables)


def selected(checks: Iterable[Check], options: ScanOptions) -> list[Check]:
    def matches(check_id: str, patterns: tuple[str, ...]) -> bool:
        return any(check_id.startswith(p.strip().upper()) for p in patterns if p.strip())

    return [
        c
        for c in checks
        if (not options.select or matches(c.meta.id, options.select)) and not matches(c.meta.id, options.ignore)
    ]


def run_checks(graph: Graph, checks: Iterable[Check], options: ScanOptions) -> tuple[list[Finding], list[Skip]]:
    findings: list[Finding] = []
    skips: list[Skip] = []
    for check in selected(checks, options):
        for outcome in check.run(graph, options.check_options.get(check.meta.id, {})):
            (findings if isinstance(outcome, Finding) else skips).append(outcome)
    # a local module called by several root modules is one resource in the files: what each caller finds the
    # same way about it is reported once
    findings = list({(f.meta.id, f.node.kind, f.node.span, f.node.address, f.message): f for f in findings}.values())
    findings.sort(key=lambda f: (f.node.span.file, f.node.span.line, f.meta.id, f.fingerprint))
    skips = list({(s.meta.id, s.node.kind, s.node.span, s.node.address, s.reason): s for s in skips}.values())
    skips.sort(key=lambda s: (s.node.span.file, s.node.span.line, s.meta.id))
    return findings, skips


def scan(paths: Sequence[str], checks: Iterable[Check], options: ScanOptions) -> ScanResult:
    errors: list[ScanError] = []
    graph = Graph()
    files = resources = 0
    terraform_directories: dict[str, None] = {}
    for path in discover(paths, errors):
        if path.endswith(TERRAFORM_SUFFIXES):
            terraform_directories[os.path.dirname(path) or "."] = None
            continue
        if not path.endswith(TEMPLATE_SUFFIXES):
            continue
        try:
            count = load_cloudformation(path, graph, options)
        except LoadError as exc:
            errors.append(ScanError(exc.file, exc.line, exc.message))
            continue
        if count is not None:
            files += 1
            resources += count
    if terraform_directories:
        loaded = load_terraform(list(terraform_directories), graph, options)
        errors.extend(ScanError(e.file, e.line, e.message) for e in loaded.errors)
        files += loaded.files
        resources += loaded.resources
    graph.resolve_wires()
    findings, skips = run_checks(graph, checks, options)
    return ScanResult(findings, skips, errors, files, resources)
