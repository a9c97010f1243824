"""The hostile-input catalogue (fixtures/hostile/<case>/): each case is scanned as an attacker would leave it, beside
a valid template, by the real CLI in a subprocess bounded to 1.5 GiB of address space and a CPU-time limit.

A case asserts its exit code and its exact input errors (file, line, words), that the valid template's finding is
still reported, that no traceback reaches the user, and that nothing was written into the scanned tree. Inputs git
cannot or should not store (FIFOs, links to devices, huge files, odd names) come from the case's `generate.py`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CATALOGUE = FIXTURES / "hostile"
VALID = CATALOGUE / "valid.yaml"
VALID_FINDING = ("CW301", "Queue", 5, "valid.yaml")
DEFAULT_ARGS = ["scan", "--format", "json", "--select", "CW301", "."]
MEMORY_BYTES = 1536 * 1024 * 1024
CPU_SECONDS = 60  # generous: the catalogue's promise is 20 s, and the machine may be busy with other tests
WALL_SECONDS = 180
CASE_KEYS = {"description", "exit_code", "args", "errors", "valid", "stderr_contains"}
CASES = sorted(p.name for p in CATALOGUE.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def read_case(name: str) -> dict:
    case = tomllib.loads((CATALOGUE / name / "case.toml").read_text(encoding="utf-8"))
    assert set(case) <= CASE_KEYS, f"{name}/case.toml: unknown keys {sorted(set(case) - CASE_KEYS)}"
    assert isinstance(case.get("description"), str) and case["description"], f"{name}: say what the attacker does"
    assert isinstance(case.get("exit_code"), int), f"{name}: exit_code is required"
    return case


def build_tree(name: str, tree: Path, valid: bool) -> None:
    source = CATALOGUE / name
    shutil.copytree(
        source, tree, symlinks=True, ignore=shutil.ignore_patterns("case.toml", "generate.py", "__pycache__")
    )
    if valid:
        shutil.copy(VALID, tree / "valid.yaml")
    generator = source / "generate.py"
    if generator.exists():
        spec = importlib.util.spec_from_file_location(f"hostile_{name.replace('-', '_')}", generator)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.generate(tree)


def snapshot(tree: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry of the tree by its own metadata (never followed, never read: some are FIFOs or devices)."""
    entries = {}
    for root, dirs, files in os.walk(tree):
        for name in dirs + files:
            path = os.path.join(root, name)
            info = os.lstat(path)
            entries[os.path.relpath(path, tree)] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
    return entries


def bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_bounded(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TF_VAR_", "XDG_"))}
    environment |= {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        return subprocess.run(
            [sys.executable, "-m", "crosswire", *args],
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            preexec_fn=bounded,
            timeout=WALL_SECONDS,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"crosswire {' '.join(args)} did not finish in {WALL_SECONDS} s (a hang)")


def matches(expected: dict, error: dict) -> bool:
    return (
        error["file"] == expected["file"]
        and error["line"] == expected["line"]
        and all(words in error["message"] for words in expected.get("contains", []))
    )


def check_errors(expected: list[dict], reported: list[dict]) -> None:
    unmatched = list(reported)
    for wanted in expected:
        found = [e for e in unmatched if matches(wanted, e)]
        assert len(found) == 1, f"expected error {wanted} not reported exactly once; reported: {reported}"
        unmatched.remove(found[0])
    assert not unmatched, f"unexpected errors: {unmatched}"


@pytest.mark.parametrize("name", CASES)
def test_hostile_case(name, tmp_path):
    case = read_case(name)
    tree, home = tmp_path / "tree", tmp_path / "home"
    home.mkdir()
    valid = case.get("valid", True)
    build_tree(name, tree, valid)
    before = snapshot(tree)
    args = case.get("args", DEFAULT_ARGS)
    done = run_bounded(args, tree, home)
    out, err = done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
    assert done.returncode >= 0, f"killed by signal {-done.returncode} (CPU limit?); stderr: {err[-2000:]}"
    assert "Traceback" not in err, err[-4000:]
    assert done.returncode == case["exit_code"], f"exit {done.returncode}; stderr: {err[-2000:]}; out: {out[:2000]}"
    for words in case.get("stderr_contains", []):
        assert words in err
    if "json" in args:
        report = json.loads(out)
        check_errors(case.get("errors", []), report["errors"])
        if valid:
            findings = {(f["check_id"], f["resource"], f["line"], Path(f["file"]).name) for f in report["findings"]}
            assert VALID_FINDING in findings, f"the valid template beside the hostile input was not reported: {report}"
    assert snapshot(tree) == before, "crosswire wrote into the scanned tree"


def test_the_valid_template_alone_gives_its_one_finding(tmp_path):
    tree, home = tmp_path / "tree", tmp_path / "home"
    tree.mkdir()
    home.mkdir()
    shutil.copy(VALID, tree / "valid.yaml")
    done = run_bounded(DEFAULT_ARGS, tree, home)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert [(f["check_id"], f["resource"], f["line"], f["file"]) for f in report["findings"]] == [
        (*VALID_FINDING[:3], "valid.yaml")
    ]
    assert report["errors"] == []
