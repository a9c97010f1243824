"""Command line entry point: `crosswire scan|checks|explain`, with the exit codes of SPEC §3."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from crosswire import __version__
from crosswire.config import FAIL_ON
from crosswire.escaping import inert_text, visible

if TYPE_CHECKING:
    from crosswire.check import Check
    from crosswire.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_CODES = """exit codes:
  0  no finding at or above --fail-on (default warning)
  1  findings at or above --fail-on
  2  usage or configuration error, or an input that could not be parsed (the others are still scanned)"""
FORMATS = ("text", "json")
REPORT_FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
GRAPH_FORMATS = ("json", "mermaid", "dot")
COLOR_CHOICES = ("auto", "always", "never")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise SystemExit(_usage_error(message))


class _InOrder(argparse.Action):
    """Records options that share a `dest` as they come: an --output-file belongs to the --format before it, and a
    later --var or --var-file overrides an earlier one."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, value: Any, option_string: Any = None
    ) -> None:
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), (self.const, value)])


def _reports(given: list[tuple[str, str]] | None) -> list[tuple[str, str | None]]:
    """(format, output file or None for stdout) pairs; a usage error (SystemExit) for pairings that cannot work."""
    reports: list[tuple[str, str | None]] = []
    formats_given = any(kind == "format" for kind, _ in given or ())
    for kind, value in given or ():
        if kind == "format":
            reports.append((value, None))
        elif not reports and formats_given:
            raise SystemExit(_usage_error(f"--output-file {value} comes before any --format; put it after its format"))
        elif not reports:
            reports.append(("text", value))
        elif reports[-1][1] is not None:
            raise SystemExit(_usage_error(f"--format {reports[-1][0]} already writes to {reports[-1][1]}"))
        else:
            reports[-1] = (reports[-1][0], value)
    reports = reports or [("text", None)]
    if sum(1 for _, file in reports if file is None) > 1:
        raise SystemExit(_usage_error("only one --format can go to standard output; give the others an --output-file"))
    files = [file for _, file in reports if file is not None]
    if len({os.path.abspath(f) for f in files}) < len(files):
        raise SystemExit(_usage_error("two --format options write to the same --output-file"))
    return reports


def _write_file(path: str, text: str) -> bool:
    """Write a report to `path` (crosswire.outputs); False, and the reason on stderr, when it cannot be written."""
    from crosswire import memo, outputs

    reason = outputs.write_file(path, text)
    if reason is not None:
        memo.spoil()
        _usage_error(f"cannot write --output-file {path}: {reason}")
        return False
    memo.effect("file", path, text)
    return True


def _split_ids(raw: list[str] | None) -> tuple[str, ...]:
    return tuple(part.strip() for item in raw or () for part in item.split(",") if part.strip())


def _key_values(raw: list[str] | None, flag: str) -> dict[str, str]:
    result = {}
    for item in raw or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(_usage_error(f"{flag} expects NAME=VALUE, got {item!r}"))
        result[name] = value
    return result


def _variables(given: list[tuple[str, str]] | None) -> tuple[tuple[str, str], ...]:
    """--var and --var-file in command-line order; a --var that is not NAME=VALUE is a usage error."""
    for kind, value in given or ():
        if kind == "var":
            _key_values([value], "--var")
    return tuple(given or ())


def _say(message: str) -> None:
    """One line on stderr; it may quote file, folder and resource names from the scanned tree, or a path given on
    the command line (pre-commit passes the tree's file names there), so it is escaped as reports are."""
    from crosswire import memo

    line = inert_text(visible(message)) + "\n"
    memo.effect("stderr", line)
    sys.stderr.write(line)


def _out(text: str) -> None:
    """A report on stdout (kept for the scan's memo when one is recorded)."""
    from crosswire import memo

    memo.effect("stdout", text)
    sys.stdout.write(text)


def _usage_error(message: str) -> int:
    _say(f"crosswire: error: {message}")
    return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="crosswire",
        description="Find broken wiring between SQS, SNS, KMS and Lambda resources.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"crosswire {__version__}", help="print the version and exit"
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    scan = commands.add_parser(
        "scan",
        help="scan files and directories",
        description="Scan Terraform and CloudFormation/SAM files and report broken wiring.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument(
        "-f",
        "--format",
        dest="reports",
        action=_InOrder,
        const="format",
        choices=REPORT_FORMATS,
        help="report format (default text); may be given several times, each with its own --output-file",
    )
    scan.add_argument(
        "--output-file",
        dest="reports",
        action=_InOrder,
        const="file",
        metavar="FILE",
        help="write the report of the --format before it to FILE instead of standard output "
        "(e.g. --format sarif --output-file crosswire.sarif --format text); at most one format goes to standard "
        "output",
    )
    scan.add_argument("--fail-on", choices=FAIL_ON, help="lowest severity that fails (default warning)")
    scan.add_argument(
        "--select", action="append", metavar="IDS", help="comma separated check IDs or prefixes to run (e.g. CW1,CW302)"
    )
    scan.add_argument("--ignore", action="append", metavar="IDS", help="comma separated check IDs or prefixes to skip")
    scan.add_argument("--baseline", metavar="FILE", help="do not report findings recorded in this baseline")
    scan.add_argument("--write-baseline", metavar="FILE", help="record the current findings as the baseline")
    scan.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the text report: auto (default) when standard output is a terminal and NO_COLOR is not set",
    )
    scan.add_argument(
        "--compact", action="store_true", help="text report: one line per finding (file:line: ID [severity] message)"
    )
    scan.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="text report: findings and input errors only (no skips, no summary line)",
    )
    _input_arguments(scan)

    checks = commands.add_parser("checks", help="list the check catalogue")
    checks.add_argument("--format", choices=FORMATS, default="text", help="output format (default text)")
    checks.add_argument("--checks-dir", metavar="DIR", help="list your own checks in this folder too")

    explain = commands.add_parser("explain", help="explain one check")
    explain.add_argument("check_id", metavar="CHECK_ID", help="a check ID, e.g. CW302")

    graph = commands.add_parser("graph", help="print the normalised resource graph the checks read")
    graph.add_argument("--format", choices=GRAPH_FORMATS, default="json", help="dump format (default json)")
    graph.add_argument(
        "--all", action="store_true", help="mermaid/dot: draw every resource, not only those findings involve"
    )
    _input_arguments(graph)

    commands.add_parser("checkov-dir", help="print the directory to pass to checkov --external-checks-dir")
    return parser


def _settings(args: argparse.Namespace, checks: Sequence[Check]) -> Config:
    """The configuration a scan runs with: none with --isolated (the scanned tree's own file must not turn a gate
    off), else --config or the one found for the scanned paths."""
    from crosswire import config

    if args.isolated:
        if args.config is not None:
            raise config.ConfigError("--isolated reads no configuration file: leave out --config")
        return config.Config()
    return config.load(args.config, checks, args.paths)


def _input_arguments(command: argparse.ArgumentParser) -> None:
    """What says which inputs to read and with which values: shared by `scan` and `graph`."""
    command.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="file or directory to read (default: the current one)"
    )
    command.add_argument("--param", action="append", metavar="NAME=VALUE", help="CloudFormation parameter value")
    command.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: the nearest .crosswire.toml, or pyproject.toml with [tool.crosswire], "
        "from each PATH up to the repository root)",
    )
    command.add_argument("--checks-dir", metavar="DIR", help="folder of your own checks, one YAML file each")
    command.add_argument(
        "--isolated",
        action="store_true",
        help="read no configuration file (a gate run on others' code, as the Checkov adapter runs crosswire)",
    )
    # one list for both, as Terraform applies -var and -var-file in the order given (the later wins)
    command.add_argument(
        "--var", dest="variables", action=_InOrder, const="var", metavar="NAME=VALUE", help="Terraform variable value"
    )
    command.add_argument(
        "--var-file",
        dest="variables",
        action=_InOrder,
        const="file",
        metavar="FILE",
        help="Terraform variables file (.tfvars)",
    )
    command.add_argument(
        "--var-env", action="store_true", help="read Terraform variables from TF_VAR_* environment variables"
    )
    command.add_argument(
        "--skip-path",
        action="append",
        metavar="GLOB",
        help="do not scan files matching GLOB, relative to the current directory (`*` spans folders, a folder skips "
        "what it holds); may be given several times; replaces the configuration's skip-paths",
    )
    command.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="neither read nor write the cache of parsed files and scan records (under $XDG_CACHE_HOME/crosswire)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    from crosswire import outputs

    outputs.tolerant_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "scan":
            return _scan(args)
        if args.command == "graph":
            return _graph(args)
        if args.command == "checks":
            return _checks(args.format, args.checks_dir)
        if args.command == "explain":
            return _explain(args.check_id)
        if args.command == "checkov-dir":
            return _checkov_dir()
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return EXIT_ERROR


def _scan(args: argparse.Namespace) -> int:
    """`crosswire scan`, recorded for the memo when the command line armed it (crosswire.memo)."""
    from crosswire import memo

    memo.begin(args.cache and not args.write_baseline)
    try:
        code = _scan_unrecorded(args)
    except BaseException:  # an interrupted scan, or a usage error raised on the way: nothing to replay
        memo.spoil()
        raise
    memo.finish(code)
    return code


def _scan_unrecorded(args: argparse.Namespace) -> int:
    from crosswire import baseline, config, user_checks
    from crosswire.check import Severity
    from crosswire.checks import ALL_CHECKS
    from crosswire.reporters import github, json_report, junit, markdown, sarif, text
    from crosswire.runner import ScanOptions, scan

    reports = _reports(args.reports)
    try:
        settings = _settings(args, ALL_CHECKS)
        accepted = baseline.read(args.baseline) if args.baseline else None
        checks = user_checks.catalogue(args.checks_dir or settings.checks_dir)
        settings.check_ids(checks)  # the file's select and ignore, against crosswire's checks and the team's
    except (config.ConfigError, user_checks.UserCheckError) as exc:
        return _usage_error(str(exc))
    for flag in ("select", "ignore"):
        # a typo would otherwise run nothing, or skip nothing, and pass the gate
        problem = config.unknown_pattern(_split_ids(getattr(args, flag)), checks)
        if problem is not None:
            return _usage_error(f"--{flag}: {problem}")
    # each flag given on the command line replaces the same setting of the file
    options = ScanOptions(
        select=_split_ids(args.select) if args.select else settings.select or (),
        ignore=_split_ids(args.ignore) if args.ignore else settings.ignore or (),
        params=_key_values(args.param, "--param"),
        check_options=settings.check_options,
        skip_paths=settings.skip_globs(args.skip_path),
        baseline=accepted,
        variables=_variables(args.variables),
        var_env=args.var_env,
        cache=args.cache,
    )
    fail_on = args.fail_on or settings.fail_on or "warning"
    result = scan(args.paths, checks, options)
    notices = baseline.notices(accepted, result.stale_baseline or []) if accepted else []
    for warning in result.warnings + notices:
        _say(f"crosswire: warning: {warning}")
    style = text.Style(compact=args.compact, quiet=args.quiet)
    renderers = {
        "text": functools.partial(text.render, style=style),
        "json": json_report.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "github": github.render,
        "markdown": markdown.render,
    }
    written = True
    for name, file in reports:
        render = renderers[name]
        if name == "text" and text.wants_colour(args.color, sys.stdout if file is None else None):
            render = functools.partial(text.render, style=dataclasses.replace(style, colour=True))
        if file is None:
            _out(render(result))
        else:
            written = _write_file(file, render(result)) and written
    if args.write_baseline:
        try:
            baseline.write(args.write_baseline, result.findings + result.baselined)
        except config.ConfigError as exc:
            return _usage_error(str(exc))
        recorded = len(result.findings) + len(result.baselined)
        _say(f"crosswire: wrote {recorded} finding{'' if recorded == 1 else 's'} to the baseline {args.write_baseline}")
    if result.errors or not written:
        return EXIT_ERROR
    if fail_on == "never" or args.write_baseline:
        return EXIT_OK
    threshold = Severity(fail_on).rank
    return EXIT_FINDINGS if any(f.level.rank >= threshold for f in result.findings) else EXIT_OK


def _graph(args: argparse.Namespace) -> int:
    from crosswire import config, graph_dump, picture, user_checks
    from crosswire.checks import ALL_CHECKS
    from crosswire.runner import ScanOptions, load, scan

    try:
        settings = _settings(args, ALL_CHECKS)
        checks = user_checks.catalogue(args.checks_dir or settings.checks_dir)
        settings.check_ids(checks)
    except (config.ConfigError, user_checks.UserCheckError) as exc:
        return _usage_error(str(exc))
    options = ScanOptions(
        select=settings.select or (),
        ignore=settings.ignore or (),
        check_options=settings.check_options,
        params=_key_values(args.param, "--param"),
        skip_paths=settings.skip_globs(args.skip_path),
        variables=_variables(args.variables),
        var_env=args.var_env,
        cache=args.cache,
    )
    if args.format != "json":
        # the picture marks findings: the checks run as `crosswire scan` runs them, on the graph they read
        result = scan(args.paths, checks, options)
        assert result.graph is not None
        sys.stdout.write(picture.render(args.format, result.graph, result.findings, args.all))
        for warning in result.warnings:
            _say(f"crosswire: warning: {warning}")
        for error in result.errors:
            _say(f"{error.file}:{error.line}: error: {error.message}")
        return EXIT_ERROR if result.errors else EXIT_OK
    loaded = load(args.paths, options)
    for warning in loaded.warnings:
        _say(f"crosswire: warning: {warning}")
    sys.stdout.write(graph_dump.render(loaded.graph, loaded.errors, loaded.unresolved_inputs))
    return EXIT_ERROR if loaded.errors else EXIT_OK


def _checks(fmt: str, checks_dir: str | None) -> int:
    from crosswire import user_checks

    try:
        catalogue = user_checks.catalogue(checks_dir)
    except user_checks.UserCheckError as exc:
        return _usage_error(str(exc))
    if fmt == "json":
        rows = [
            {
                "id": c.meta.id,
                "slug": c.meta.slug,
                "severity": c.meta.severity.value,
                "title": c.meta.title,
                "resources": [k.value for k in c.meta.kinds],
                "formats": list(c.meta.formats),
                "docs": c.meta.docs_url,
                "rationale": c.meta.rationale,
                "fix": {"terraform": c.meta.fix_terraform, "cloudformation": c.meta.fix_cloudformation},
                "references": [{"title": r.title, "url": r.url} for r in c.meta.references],
                "options": [
                    {"name": o.name, "type": o.type.__name__, "default": o.default, "help": o.help}
                    for o in c.meta.options
                ],
            }
            for c in catalogue
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for c in catalogue:
            sys.stdout.write(f"{c.meta.id}  {c.meta.severity.value:<7}  {c.meta.title}\n")
    return EXIT_OK


def _checkov_dir() -> int:
    from pathlib import Path

    sys.stdout.write(f"{Path(__file__).resolve().parent / 'adapters' / 'checkov'}\n")
    return EXIT_OK


def _explain(check_id: str) -> int:
    from crosswire.checks import registry
    from crosswire.docs import render_check

    check = registry().get(check_id.upper())
    if check is None:
        return _usage_error(f"unknown check {check_id!r}; `crosswire checks` lists them")
    sys.stdout.write(render_check(check.meta))
    return EXIT_OK
