"""Project configuration: `[tool.crosswire]` in pyproject.toml, a `.crosswire.toml`, or `--config FILE`.

Values are validated against the check catalogue here, so a typo is a usage error naming the file and key.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crosswire import fs, inputs
from crosswire.check import Check, Severity

# crosswire's own IDs and prefixes (CW302, CW3), and those of teams' own checks (PAY001, PAY)
CHECK_PATTERN = re.compile(r"CW\d{0,3}|(?!CW)[A-Z]{2,8}\d{0,4}", re.IGNORECASE)
FAIL_ON = (*(s.value for s in Severity), "never")
DEDICATED_FILE = ".crosswire.toml"
PYPROJECT = "pyproject.toml"
KEYS = ("select", "ignore", "fail-on", "skip-paths", "checks", "checks-dir")


class ConfigError(Exception):
    """A configuration or baseline file that cannot be used: exit 2 with this message, never a traceback."""


@dataclass
class Config:
    """Settings from the file; None where the file does not set them (the CLI flag or built-in default applies)."""

    file: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    fail_on: str | None = None
    skip_paths: tuple[str, ...] = ()  # relative to the file's folder, as Ruff reads its exclude patterns
    check_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks_dir: str | None = None  # teams' own checks (crosswire.user_checks), relative to the file's folder
    prefix: str = ""  # how the file's keys are written in messages: "tool.crosswire." in pyproject.toml

    @property
    def folder(self) -> str:
        """The folder `skip-paths` patterns are relative to."""
        return os.path.dirname(self.file) or os.curdir if self.file else os.curdir

    def skip_globs(self, given: list[str] | None) -> tuple[tuple[str, str], ...]:
        """(folder, pattern) pairs: the --skip-path patterns `given` (relative to the current directory) if any,
        as a flag replaces its setting, else the file's skip-paths (relative to the file's folder)."""
        if given:
            return tuple((os.curdir, pattern) for pattern in given)
        return tuple((self.folder, pattern) for pattern in self.skip_paths)

    def check_ids(self, checks: Iterable[Check]) -> None:
        """Refuse a `select` or `ignore` of the file that matches none of `checks`: crosswire's and the team's own,
        which are known only once the file has said where they are."""
        for key in ("select", "ignore"):
            problem = unknown_pattern(getattr(self, key) or (), checks)
            if problem is not None:
                raise ConfigError(f"{self.file}: {self.prefix}{key}: {problem}")


def _toml(path: str, data: bytes | None = None) -> dict[str, Any]:
    """The TOML document in `path` (or its content `data`, read already), through the bounded reader."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        text = inputs.decode(inputs.read_bytes(path, path, None) if data is None else data, path)
        return tomllib.loads(text)
    except inputs.LoadError as exc:
        raise ConfigError(f"{path}:{exc.line}: {exc.message}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None


def _crosswire_table(data: dict[str, Any]) -> Any:
    tool = data.get("tool")
    return tool.get("crosswire") if isinstance(tool, dict) else None


def discover(directory: str = ".", tree: str | None = None) -> str | None:
    """The default configuration file in `directory`: `.crosswire.toml` wins over pyproject.toml (a dedicated
    file is the more specific choice, as with Ruff); a pyproject.toml is a config only with a real
    `[tool.crosswire]` table, not one mentioned in a comment or a string. With `tree`, a file that leads outside
    it (a symlink) is an error, as a scanned file would be."""
    dedicated = os.path.normpath(os.path.join(directory, DEDICATED_FILE))
    if fs.lexists(dedicated):
        if tree is not None and not inputs.within(dedicated, tree):
            raise ConfigError(f"{dedicated}: a symlink that leads outside the repository; crosswire does not read it")
        return dedicated
    pyproject = os.path.normpath(os.path.join(directory, PYPROJECT))
    if not fs.lexists(pyproject):
        return None
    try:
        data = inputs.read_bytes(pyproject, pyproject, tree)
    except inputs.LoadError as exc:
        raise ConfigError(f"{pyproject}:{exc.line}: {exc.message}") from None
    # a project's pyproject.toml that never names crosswire is not parsed, so its own problems are not ours
    if b"crosswire" not in data:
        return None
    return pyproject if _crosswire_table(_toml(pyproject, data)) is not None else None


def nearest(path: str, seen: dict[str, str | None] | None = None) -> str | None:
    """The configuration nearest to the scanned `path`, as Ruff finds its own: `discover` in the path's folder (the
    path itself when it is a directory), then in each parent up to the root of the repository holding it
    (`inputs.repository_root`), never above it. `seen` keeps what each folder held, for the next path."""
    seen = {} if seen is None else seen
    top = inputs.repository_root(path)
    directory = os.path.abspath(path) if fs.isdir(path) else os.path.dirname(os.path.abspath(path))
    while True:
        if directory not in seen:
            seen[directory] = discover(_shown(directory), top)
        found = seen[directory]
        if found is not None:
            return found
        parent = os.path.dirname(directory)
        if fs.realpath(directory) == top or parent == directory or not inputs.within(parent, top):
            return None
        directory = parent


def _shown(path: str) -> str:
    """`path` as messages name it: relative to the current directory when under it, else absolute."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else os.path.abspath(path)


def for_paths(paths: Iterable[str]) -> str | None:
    """The one configuration of the scanned `paths` (None when none has one). Checks judge wires across files, so a
    scan has one configuration: paths whose nearest configurations differ are a usage error, not a silent choice
    of one project's settings for another's files."""
    seen: dict[str, str | None] = {}  # pre-commit names many files of few folders
    found = {path: nearest(path, seen) for path in paths}
    distinct = sorted({f or "" for f in found.values()})
    if len(distinct) > 1:
        each = "; ".join(f"{path}: {config or 'none'}" for path, config in found.items())
        raise ConfigError(
            f"the scanned paths have different configurations ({each}); scan them one configuration at a time, "
            "or name one with --config"
        )
    return (distinct[0] or None) if distinct else None


def load(path: str | None, checks: Iterable[Check], paths: Iterable[str] = (os.curdir,)) -> Config:
    """The configuration from `path` (a `--config` value) or the one found for the scanned `paths`; an empty
    Config when there is none."""
    path = path if path is not None else for_paths(paths)
    if path is None:
        return Config()
    if not fs.lexists(path):
        raise ConfigError(f"{path}: no such configuration file")
    data = _toml(path)
    prefix = ""
    if os.path.basename(path) == PYPROJECT:
        prefix = "tool.crosswire."
        table = _crosswire_table(data)
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: no [tool.crosswire] table")
        data = table
    return _parse(data, path, prefix, {c.meta.id: c for c in checks})


def unknown_pattern(patterns: Iterable[str], checks: Iterable[Check]) -> str | None:
    """What is wrong with the first of `patterns` that is not a check ID or prefix, or that matches no check (a
    typo would otherwise run nothing, or skip nothing, and pass the gate); None when all are good."""
    ids = [c.meta.id for c in checks]
    for pattern in patterns:
        if not CHECK_PATTERN.fullmatch(pattern):
            return f"{pattern!r} is not a check ID or prefix (expected e.g. CW302 or CW3)"
        if not any(i.startswith(pattern.upper()) for i in ids):
            # a prefix is close to every ID it could start; only a whole ID has a useful nearest spelling
            close = difflib.get_close_matches(pattern.upper(), ids, n=3) if len(pattern) == len(ids[0]) else []
            hint = f" (closest: {', '.join(close)})" if close else ""
            return f"{pattern} matches no check{hint}; `crosswire checks` lists them"
    return None


def _parse(data: dict[str, Any], path: str, prefix: str, checks: dict[str, Check]) -> Config:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{path}: {prefix}{key}: {message}")

    for key in data:
        if key == "tool" and not prefix:
            raise fail(key, "unknown key (this file takes the keys of [tool.crosswire] at its top level, unprefixed)")
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            raise fail(key, "unknown key" + (f" (did you mean {close[0]!r}?)" if close else ""))
    config = Config(file=path, prefix=prefix)
    for key in ("select", "ignore"):
        if key in data:
            ids = _strings(data[key])
            if ids is None:
                raise fail(key, 'expected a list of check IDs or prefixes, e.g. ["CW3"]')
            wrong = next((i for i in ids if not CHECK_PATTERN.fullmatch(i)), None)
            if wrong is not None:  # whether it matches a check is asked once the team's checks are known
                raise fail(key, f"{wrong!r} is not a check ID or prefix (expected e.g. CW302 or CW3)")
            setattr(config, key, tuple(i.upper() for i in ids))
    if "fail-on" in data:
        if data["fail-on"] not in FAIL_ON:
            raise fail("fail-on", f"{data['fail-on']!r} is not one of {', '.join(FAIL_ON)}")
        config.fail_on = data["fail-on"]
    if "skip-paths" in data:
        patterns = _strings(data["skip-paths"])
        if patterns is None:
            raise fail("skip-paths", "expected a list of glob patterns")
        config.skip_paths = tuple(patterns)
    if "checks-dir" in data:
        if not isinstance(data["checks-dir"], str) or not data["checks-dir"]:
            raise fail("checks-dir", "expected the path of a folder of check files")
        config.checks_dir = os.path.normpath(os.path.join(os.path.dirname(path), data["checks-dir"]))
        # the file may come with the scanned code (a pull request): its checks stay inside its repository
        home = inputs.repository_root(path)
        if not inputs.within(config.checks_dir, home):
            where = repr(data["checks-dir"])
            raise fail("checks-dir", f"{where} leads outside the repository; crosswire reads no checks there")
    options = data.get("checks", {})
    if not isinstance(options, dict):
        raise fail("checks", "expected tables like [checks.CW302]")
    for check_id, values in options.items():
        check = checks.get(check_id.upper())
        if check is None:
            raise fail(f"checks.{check_id}", "unknown check")
        if not isinstance(values, dict):
            raise fail(f"checks.{check_id}", "expected a table of options")
        config.check_options[check.meta.id] = _check_options(check, values, f"checks.{check_id}", fail)
    return config


def _strings(value: Any) -> list[str] | None:
    """`value` if it is a list of strings, else None."""
    return list(value) if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def _check_options(
    check: Check, values: dict[str, Any], where: str, fail: Callable[[str, str], ConfigError]
) -> dict[str, Any]:
    known = {o.name: o for o in check.meta.options}
    result: dict[str, Any] = {}
    for name, value in values.items():
        option = known.get(name)
        if option is None:
            names = ", ".join(known) or "none"
            raise fail(f"{where}.{name}", f"unknown option of {check.meta.id} (its options: {names})")
        # bool is an int in Python, but `multiplier = true` is a mistake, not 1
        wrong_type = not isinstance(value, option.type) or (isinstance(value, bool) and option.type is not bool)
        if wrong_type:
            raise fail(f"{where}.{name}", f"expected {option.type.__name__}, got {value!r}")
        if option.minimum is not None and value < option.minimum:
            raise fail(f"{where}.{name}", f"must be at least {option.minimum:g}, got {value!r}")
        result[name] = value
    return result
