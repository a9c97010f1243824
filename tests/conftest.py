"""Shared helpers: run the real CLI in-process and read its JSON report."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from crosswire.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# where reports link a check's page: the Documentation URL of pyproject's [project.urls] (CheckMeta.docs_url)
DOCUMENTATION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Documentation"]


@pytest.fixture(autouse=True, scope="session")
def user_cache(tmp_path_factory):
    """Scans in tests (in-process and in subprocesses) keep their parse cache in a directory of the test session,
    never in the user's own cache directory; the cache stays on, so every test also runs through it."""
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if previous is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = previous


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def report(self) -> dict:
        return json.loads(self.out)

    def findings(self, among: Iterable[str] | None = None) -> set[tuple[str, str, int]]:
        """(check ID, resource, line) of every finding, or of those of the checks `among` (for tests about
        selection, which run more than the checks they assert on); a finding reported twice fails the test."""
        found = [(f["check_id"], f["resource"], f["line"]) for f in self.report["findings"]]
        assert len(found) == len(set(found)), f"duplicate findings: {sorted(found)}"
        return {f for f in found if among is None or f[0] in among}


def pinned(args: tuple[str, ...] | list[str]) -> None:
    """A scan in a test names the checks it is about, so adding a check changes no other test."""
    if args and args[0] == "scan":
        assert "--select" in args, f"pin --select to the checks this test is about: crosswire {' '.join(args)}"


def run_cli(*args: str, any_check: bool = False) -> Run:
    """Run `crosswire ARGS` in-process; `any_check` for the few tests about selection itself."""
    if not any_check:
        pinned(args)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


def scan_json(*args: str, any_check: bool = False) -> Run:
    return run_cli("scan", "--format", "json", *args, any_check=any_check)


@pytest.fixture
def write(tmp_path, monkeypatch):
    """Write files into a temporary directory (the current directory during the test)."""
    monkeypatch.chdir(tmp_path)

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return _write


def cli_subprocess(*args: str, cwd: Path | None = None, any_check: bool = False):
    import subprocess

    if not any_check:
        pinned(args)
    return subprocess.run([sys.executable, "-m", "crosswire", *args], capture_output=True, text=True, cwd=cwd)
