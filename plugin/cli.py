"""Command line entry point: `crosswire scan|checks|explain`, with the exit codes of SPEC §3."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence

from crosswire import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_ON = ("error", "warning", "info", "never")
FORMATS = ("text", "json")
CHECK_PATTERN = re.compile(r"CW\d{0,3}", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"crosswire: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


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


def _usage_error(message: str) -> int:
    sys.stderr.write(f"crosswire: error: {message}\n")
    return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="crosswire", description="Find broken wiring between SQS, SNS, KMS and Lambda resources.")
    parser.add_argument("--version", action="version", version=f"crosswire {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    scan = commands.add_parser("scan", help="scan files and directories")
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    scan.add_argument("-f", "--format", action="append", choices=FORMATS, help="report format (default text)")
    scan.add_argument("--fail-on", choices=FAIL_ON, default="warning")
    scan.add_argument("--select", action="append", help="comma separated check IDs or prefixes to run")
    scan.add_argument("--ignore", action="append", help="comma separated check IDs or prefixes to skip")
    scan.add_argument("--param", action="append", metavar="NAME=VALUE", help="CloudFormation parameter value")
    scan.add_argument("--var", action="append", metavar="NAME=VALUE", help="Terraform variable value")
    scan.add_argument("--var-file", action="append", metavar="FILE", help="Terraform variables file (.tfvars)")
    scan.add_argument(
        "--var-env", action="store_true", help="read Terraform variables from TF_VAR_* environment variables"
    )

    checks = commands.add_parser("checks", help="list the check catalogue")
    checks.add_argument("--format", choices=FORMATS, default="text")

    explain = commands.add_parser("explain", help="explain one check")
    explain.add_argument("check_id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "scan":
            return _scan(args)
        if args.command == "checks":
            return _checks(args.format)
        if args.command == "explain":
            return _explain(args.check_id)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    parser.print_help()
    return EXIT_ERROR


def _scan(args: argparse.Namespace) -> int:
    from crosswire.check import Severity
    from crosswire.checks import ALL_CHECKS
    from crosswire.reporters import json_report, text
    from crosswire.runner import ScanOptions, scan

    options = ScanOptions(
        select=_split_ids(args.select),
        ignore=_split_ids(args.ignore),
        params=_key_values(args.param, "--param"),
        variables=_key_values(args.var, "--var"),
        var_files=tuple(args.var_file or ()),
        var_env=args.var_env,
    )
    for pattern in options.select + options.ignore:
        if not CHECK_PATTERN.fullmatch(pattern):
            return _usage_error(f"unknown check ID or prefix {pattern!r} (expected e.g. CW302 or CW3)")
    result = scan(args.paths, ALL_CHECKS, options)
    formats = args.format or ["text"]
    renderers = {"text": text.render, "json": json_report.render}
    for name in formats:
        sys.stdout.write(renderers[name](result))
    if result.errors:
        return EXIT_ERROR
    if args.fail_on == "never":
        return EXIT_OK
    threshold = Severity(args.fail_on).rank
    return EXIT_FINDINGS if any(f.level.rank >= threshold for f in result.findings) else EXIT_OK


def _checks(fmt: str) -> int:
    from crosswire.checks import ALL_CHECKS

    if fmt == "json":
        rows = [
            {
                "id": c.meta.id,
                "slug": c.meta.slug,
                "severity": c.meta.severity.value,
                "title": c.meta.title,
                "resources": [k.value for k in c.meta.kinds],
                "formats": list(c.meta.formats),
                "docs": c.meta.docs,
            }
            for c in ALL_CHECKS
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for c in ALL_CHECKS:
            sys.stdout.write(f"{c.meta.id}  {c.meta.severity.value:<7}  {c.meta.title}\n")
    return EXIT_OK


def _explain(check_id: str) -> int:
    from crosswire.checks import registry
    from crosswire.docs import render_check

    check = registry().get(check_id.upper())
    if check is None:
        return _usage_error(f"unknown check {check_id!r}; `crosswire checks` lists them")
    sys.stdout.write(render_check(check.meta))
    return EXIT_OK
