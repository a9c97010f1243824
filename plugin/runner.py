"""The scan: find input files, load them into one graph, run the selected checks, collect a ScanResult."""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crosswire import cache, fs, heap, inputs, progress, suppressions
from crosswire.baseline import Baseline
from crosswire.check import Check, Finding, Skip
from crosswire.graph import Graph
from crosswire.loaders import LoadError, UnresolvedInput, display_path
from crosswire.model import Node, describe
from crosswire.result import ScanError, ScanResult

if TYPE_CHECKING:
    from crosswire.loaders import terraform

# .aws-sam holds `sam build` copies of the templates: scanning them would report every finding twice
SKIPPED_DIRECTORIES = {".git", ".terraform", ".aws-sam", "node_modules", ".venv", "__pycache__", ".tox"}
SUPPORTED_FORMATS = ("cloudformation", "terraform")
TERRAFORM_SUFFIXES = (".tf", ".tf.json")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


@dataclass
class ScanOptions:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    params: dict[str, str] = field(default_factory=dict)
    variables: tuple[tuple[str, str], ...] = ()  # ("var", "NAME=VALUE") and ("file", PATH), in command-line order
    var_env: bool = False
    check_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    # (folder, glob pattern): the configuration file's folder for its skip-paths, the current one for --skip-path
    skip_paths: tuple[tuple[str, str], ...] = ()
    baseline: Baseline | None = None  # accepted findings
    cache: bool = True  # the parse cache under the user cache directory (crosswire.cache)


def discover(paths: Sequence[str], errors: list[ScanError]) -> dict[str, str]:
    """Files to consider under `paths`, sorted, each with the root of its tree (`inputs.tree_root`); paths that
    cannot be walked become errors. A file named as a PATH is kept whatever it is, so the reader can say why it
    cannot be read."""
    found: list[tuple[str, str]] = []
    for path in paths:
        tree = inputs.tree_root(path)
        if fs.isdir(path):
            found += [(file, tree) for file in _walk(path, tree, errors)]
        elif fs.lexists(path):
            found.append((path, tree))
        else:
            errors.append(ScanError(display_path(path), 0, "no such file or directory"))
    # one file reached through several arguments ("." and "./t.yaml") is scanned once
    unique = {fs.realpath(path): (os.path.normpath(path), tree) for path, tree in reversed(found)}
    return dict(sorted(unique.values()))


def _walk(top: str, tree: str, errors: list[ScanError]) -> list[str]:
    """The files under the directory `top`. A directory that cannot be read (permissions, a path longer than
    PATH_MAX) is an error, not skipped. A symlinked directory is followed when it stays inside `tree`, each real
    directory once; one that leads outside the tree, or back to a directory holding it, is an error naming it."""

    def unreadable(exc: OSError) -> None:
        errors.append(ScanError(display_path(exc.filename), 0, f"cannot read directory: {exc.strerror}"))

    files: list[str] = []
    walked: set[str] = set()
    pending = [top]
    while pending:
        links: list[str] = []
        for root, dirs, names in fs.walk(pending.pop(0), onerror=unreadable):
            real = fs.realpath(root)
            if real in walked:  # reached before, through a symlink or its real path
                dirs[:] = []
                continue
            walked.add(real)
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRECTORIES)
            links += [os.path.join(root, d) for d in dirs if fs.islink(os.path.join(root, d))]
            dirs[:] = [d for d in dirs if not fs.islink(os.path.join(root, d))]
            files.extend(os.path.join(root, name) for name in sorted(names))
        for link in links:
            target = fs.realpath(link)
            shown = display_path(link)
            if not inputs.within(target, tree):
                errors.append(ScanError(shown, 0, f"{shown} is a symlink that leads outside the scanned tree"))
            elif inputs.within(os.path.dirname(link), target):
                loop = f"{shown} is a symlink loop: it leads back to {display_path(target)}"
                errors.append(ScanError(shown, 0, loop))
            elif target not in walked:
                pending.append(link)
    return files


def skipped(path: str, patterns: Sequence[str], folder: str = os.curdir) -> bool:
    """Whether a `skip-paths` pattern matches the file's path relative to `folder` (absolute when the file is not
    under it): `*` spans folders, a folder skips what it holds, and a leading `**/` may match nothing."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
    shown = (relative if not relative.startswith("..") else os.path.abspath(path)).replace(os.sep, "/")
    for pattern in patterns:
        pattern = pattern.replace(os.sep, "/").removeprefix("./").rstrip("/")
        options = [pattern, pattern + "/*"] + ([pattern[3:], pattern[3:] + "/*"] if pattern.startswith("**/") else [])
        if any(fnmatch.fnmatchcase(shown, option) for option in options):
            return True
    return False


def load_cloudformation(
    path: str,
    tree: str,
    graph: Graph,
    options: ScanOptions,
    errors: list[ScanError],
    unresolved: list[UnresolvedInput],
    in_scenarios: bool = False,
    parameters: set[str] | None = None,
) -> int | None:
    """Load one template file (or a Terraform plan JSON) of the tree rooted at `tree`; None when it is neither.
    What the template leaves to deployment (an AWS::Include) goes to `unresolved`. With `in_scenarios`, a template
    whose conditions are undecided is loaded once per condition scenario (crosswire.loaders.cloudformation). The
    names of the template's parameters are added to `parameters`."""
    from crosswire.loaders import cloudformation

    shown = display_path(path)
    text = inputs.read_text(path, shown, tree)
    if path.endswith(".json"):
        from crosswire.loaders import terraform_plan

        if terraform_plan.looks_like_plan(text):
            return terraform_plan.load_plan(text, shown, graph)
    if not cloudformation.looks_like_template(text):
        return None
    template = cloudformation.parse(text, shown)
    if not cloudformation.is_template(template):
        return None
    declared = template.get("Parameters")
    if parameters is not None and isinstance(declared, dict):
        parameters.update(str(name) for name in declared)
    staged = Graph()
    ways = cloudformation.scenarios(template, shown, options.params) if in_scenarios else []
    count = 0
    for scenario in ways or [None]:
        count, problems, included = cloudformation.load(template, shown, staged, options.params, text, scenario)
        if scenario is not None:
            staged.scenarios.setdefault(shown, set()).add(scenario.conditions)
        # each scenario reads the same text: what cannot be read is said once
        errors.extend(e for e in (ScanError(p.file, p.line, p.message) for p in problems) if e not in errors)
        unresolved.extend(u for u in included if u not in unresolved)
    graph.merge(staged)
    return count


def load_terraform(
    directories: dict[str, str], graph: Graph, options: ScanOptions, changed_only: bool, in_scenarios: bool = False
) -> terraform.Outcome:
    """Load Terraform module directories (each with the root of its tree); root modules are found among them,
    local modules through callers. With `in_scenarios`, a root module whose resources' existence hangs on bool
    variables without a value is loaded once per way of setting them (crosswire.loaders.terraform).

    With `changed_only` (files named one by one, as pre-commit does) the root modules under the current directory
    that call those modules are loaded too, so a local module is judged with its caller's inputs."""
    from crosswire.loaders import terraform

    if changed_only:
        # the callers live under the current directory: in the tree of the named files that holds it
        tree = next((t for t in directories.values() if inputs.within(os.curdir, t)), fs.realpath(os.curdir))
        directories = directories | dict.fromkeys(terraform.callers_within(list(directories), os.curdir, tree), tree)
    variables = terraform.Variables(options.variables, options.var_env)
    return terraform.load_directories(directories, graph, variables, in_scenarios)


def selected(checks: Iterable[Check], options: ScanOptions) -> list[Check]:
    def matches(check_id: str, patterns: tuple[str, ...]) -> bool:
        return any(check_id.startswith(p.strip().upper()) for p in patterns if p.strip())

    return [
        c
        for c in checks
        if (not options.select or matches(c.meta.id, options.select)) and not matches(c.meta.id, options.ignore)
    ]


def unless_uncertain(finding: Finding) -> Finding | Skip:
    """The finding, or a skip when a resource it rests on (the one reported, another end of the wire, or one in
    between) may not exist: a wire through a resource behind an undecided condition is no more certain than an
    unresolved value. The reason names every such resource (sorted), so it does not depend on the order
    they are written in."""
    uncertain = sorted(
        {n.existence.note for n in (finding.node, *finding.related, *finding.via) if not n.existence.resolved}
    )
    return Skip(finding.meta, finding.node, "; ".join(uncertain)) if uncertain else finding


def run_checks(
    graph: Graph, checks: Iterable[Check], options: ScanOptions, errors: list[ScanError] | None = None
) -> tuple[list[Finding], list[Skip]]:
    findings: list[Finding] = []
    skips: list[Skip] = []
    for check in selected(checks, options):
        try:
            outcomes = list(check.run(graph, options.check_options.get(check.meta.id, {})))
        except Exception as exc:  # a bug in one check must not hide the others' findings
            if errors is None:
                raise
            errors.append(ScanError(f"<check {check.meta.id}>", 0, f"internal error, please report: {exc!r}"))
            continue
        for outcome in outcomes:
            if isinstance(outcome, Finding):
                outcome = unless_uncertain(outcome)
            (findings if isinstance(outcome, Finding) else skips).append(outcome)
    # a local module called by several root modules is one resource in the files: what each caller finds the
    # same way about it is reported once, as one root (the first by name) finds it; within that root, findings with
    # one message but other ends elsewhere (two buckets of one name in two templates) stay apart
    same: dict[tuple, list[Finding]] = {}
    for f in findings:
        same.setdefault((f.meta.id, f.node.kind, f.node.span, f.node.address, f.node.scenario, f.message), []).append(f)
    findings = []
    for group in same.values():
        first = min(f.node.uid for f in group)
        findings += list({_ends(f): f for f in group if f.node.uid == first}.values())
    findings, skips = across_scenarios(findings, skips, scenarios_of(graph))
    findings.sort(key=lambda f: (f.node.span.file, f.node.span.line, f.meta.id, f.fingerprint))
    skips = list({(s.meta.id, s.node.kind, s.node.span, s.node.address, s.reason): s for s in skips}.values())
    # one check may skip one resource for several reasons (a queue fed by several subscriptions whose topics are
    # unresolved): listed by reason, they do not depend on the order the resources are written in
    skips.sort(key=lambda s: (s.node.span.file, s.node.span.line, s.meta.id, s.reason))
    return findings, skips


def _ends(finding: Finding) -> tuple[tuple[str, str], ...]:
    """The other ends of a finding's wire by address and file: two buckets of one name in two templates feeding one
    queue are two findings with one message."""
    return tuple(sorted((r.address, r.span.file) for r in finding.related))


def scenarios_of(graph: Graph) -> dict[str, set[tuple[tuple[str, bool], ...]]]:
    """The scenarios each file was loaded in, as the loaders registered them: a file whose resources all exist in
    some scenarios only (every resource behind one condition) still has the others."""
    return graph.scenarios


def across_scenarios(
    findings: list[Finding], skips: list[Skip], scenarios: dict[str, set[tuple[tuple[str, bool], ...]]]
) -> tuple[list[Finding], list[Skip]]:
    """One finding per fault whatever the number of scenarios it holds in, its message naming them unless it holds
    in all; a skip only where no scenario found the fault, once."""
    if not scenarios:
        return findings, skips
    merged: list[Finding] = _once_per_fault(
        findings, lambda f: (f.meta.id, f.node.span, f.node.address, _ends(f)), "message", scenarios
    )
    found = {(f.meta.id, f.node.span, f.node.address) for f in merged}
    unfound = [s for s in skips if (s.meta.id, s.node.span, s.node.address) not in found]
    kept: list[Skip] = _once_per_fault(
        unfound, lambda s: (s.meta.id, s.node.span, s.node.address, s.reason), "reason", scenarios
    )
    return merged, kept


def _once_per_fault(
    outcomes: list[Any], key: Any, text: str, scenarios: dict[str, set[tuple[tuple[str, bool], ...]]]
) -> list[Any]:
    """The first of each group of findings or skips that `key` says are one fault, its `text` (message or reason)
    saying in which scenarios it holds unless it holds in every scenario of its template."""
    groups: dict[tuple, list[Any]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    result = []
    for group in groups.values():
        first = group[0]
        held = {o.node.scenario for o in group}
        every = scenarios.get(first.node.span.file, set())
        if not first.node.scenario or held >= every:
            result.append(first)
        else:
            said = f"{getattr(first, text)} ({_when(held, every)})"
            result.append(dataclasses.replace(first, **{text: said}))
    return result


def _when(held: set[tuple[tuple[str, bool], ...]], every: set[tuple[tuple[str, bool], ...]]) -> str:
    """The scenarios a finding holds in, in words: what they have in common when exactly those scenarios have it,
    else each one."""
    common = set.intersection(*(set(s) for s in held))
    if common and {s for s in every if common <= set(s)} == held:
        return describe(tuple(c for c in next(iter(held)) if c in common))
    return " or ".join(sorted(describe(s) for s in held))


def touches(files: set[str], *nodes: Node) -> bool:
    """Whether any of `nodes` is written in one of `files` (real paths)."""
    return any(fs.realpath(n.span.file) in files for n in nodes)


@dataclass
class Loaded:
    """The graph of a scan's inputs, with what could not be read; `changed` holds the real paths of the files
    named one by one (pre-commit's changed files), empty when a directory was named."""

    graph: Graph
    errors: list[ScanError]
    files: int
    resources: int
    unresolved_inputs: list[UnresolvedInput]
    changed: set[str]
    warnings: list[str] = field(default_factory=list)  # what the person running the scan should know (stderr)


def load(paths: Sequence[str], options: ScanOptions, in_scenarios: bool = False) -> Loaded:
    """Find the input files under `paths` and load them into one graph, completed and wired; with `in_scenarios`,
    templates with undecided conditions once per condition scenario (what checks judge; a graph dump shows each
    template once, its undecided conditions unresolved)."""
    cache.configure(options.cache)
    try:
        with fs.scan():
            return _load(paths, options, in_scenarios)
    finally:
        cache.trim()


def _load(paths: Sequence[str], options: ScanOptions, in_scenarios: bool) -> Loaded:
    # read whatever its suffix; a FIFO or device named is kept too, for the reader to refuse
    named = {os.path.normpath(p) for p in paths if fs.lexists(p) and not fs.isdir(p)}
    # only files named (pre-commit's changed files): report what touches them, judged on whole modules
    changed = {fs.realpath(p) for p in named} if paths and len(named) == len(paths) else set()
    errors: list[ScanError] = []
    graph = Graph()
    files = resources = 0
    terraform_directories: dict[str, str] = {}  # module directory: root of its tree
    unresolved_inputs: list[UnresolvedInput] = []
    parameters: set[str] = set()
    variables: set[str] = set()
    templates: list[tuple[str, str]] = []
    terraform_files = 0
    for path, tree in discover(paths, errors).items():
        if any(skipped(path, (pattern,), folder) for folder, pattern in options.skip_paths):
            continue
        if path.endswith(TERRAFORM_SUFFIXES):
            terraform_directories.setdefault(os.path.dirname(path) or ".", tree)
            terraform_files += 1
        elif path.lower().endswith(TEMPLATE_SUFFIXES) or path in named:
            templates.append((path, tree))
    with progress.files(len(templates) + terraform_files):
        for path, tree in templates:
            try:
                count = load_cloudformation(
                    path, tree, graph, options, errors, unresolved_inputs, in_scenarios, parameters
                )
            except LoadError as exc:
                errors.append(ScanError(exc.file, exc.line, exc.message))
                continue
            except Exception as exc:  # a loader bug on one file must not stop the scan of the others
                errors.append(ScanError(display_path(path), 0, f"internal error, please report: {exc!r}"))
                continue
            finally:
                progress.advance()
            if count is not None:
                files += 1
                resources += count
        if terraform_directories:
            loaded = load_terraform(terraform_directories, graph, options, bool(changed), in_scenarios)
            errors.extend(ScanError(e.file, e.line, e.message) for e in loaded.errors)
            files += loaded.files
            resources += loaded.resources
            unresolved_inputs.extend(loaded.unresolved)
            variables = loaded.variables
    with heap.settled():
        graph.resolve_wires()
    warnings = undeclared(options, parameters, variables)
    if not files and not errors:
        warnings.append(f"no Terraform or CloudFormation file found in {', '.join(paths)}: nothing was checked")
    return Loaded(graph, errors, files, resources, unresolved_inputs, changed, warnings)


def undeclared(options: ScanOptions, parameters: set[str], variables: set[str]) -> list[str]:
    """A warning for each --param that no scanned template declares and each --var that no scanned root module
    declares, naming the declared names closest to it: a misspelt name would otherwise leave its value unused."""
    given = [("--param", name, parameters, "template declares this parameter") for name in options.params]
    given += [
        ("--var", value.partition("=")[0], variables, "root module declares this variable")
        for kind, value in options.variables
        if kind == "var"
    ]
    warnings = []
    for flag, name, declared, what in given:
        if name in declared:
            continue
        close = difflib.get_close_matches(name, sorted(declared), n=3)
        hint = f" (closest: {', '.join(close)})" if close else ""
        warnings.append(f"{flag} {name}: no scanned {what}{hint}")
    return warnings


def scan(paths: Sequence[str], checks: Iterable[Check], options: ScanOptions) -> ScanResult:
    loaded = load(paths, options, in_scenarios=True)
    graph, errors, changed, unresolved_inputs = loaded.graph, loaded.errors, loaded.changed, loaded.unresolved_inputs
    ran = selected(checks, options)
    with heap.settled():
        findings, skips = run_checks(graph, ran, options, errors)
    if changed:
        findings = [f for f in findings if touches(changed, f.node, *f.related)]
        skips = [s for s in skips if touches(changed, s.node)]
        unresolved_inputs = [u for u in unresolved_inputs if fs.realpath(u.file) in changed]
    # an entry whose finding is now suppressed inline is not stale: the fault is still there
    stale = None
    if options.baseline:
        ids, unreadable = [c.meta.id for c in ran], [e.file for e in errors]
        stale = options.baseline.stale(findings, ids, paths, unreadable)
    findings, suppressed = suppressions.apply(findings)
    accepted = options.baseline.accepts if options.baseline else lambda finding: False
    baselined = [f for f in findings if accepted(f)]
    findings = [f for f in findings if not accepted(f)]
    return ScanResult(
        findings,
        skips,
        errors,
        loaded.files,
        loaded.resources,
        checks=[c.meta for c in ran],
        nodes=list(graph.nodes.values()),
        suppressed=suppressed,
        baselined=baselined,
        unresolved_inputs=unresolved_inputs,
        graph=graph,
        warnings=loaded.warnings,
        stale_baseline=stale,
    )
