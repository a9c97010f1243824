"""crosswire as a user gets it: `python -m build` makes the sdist and, from that sdist, the wheel; pip installs the
wheel (not editable) into an environment of its own that holds crosswire's runtime dependencies and nothing else
(no test extras, nothing of the repository on its path). From there it explains every check with its example,
scans, and links reports to the docs URL of the project's metadata. The dependencies are linked from this
environment, so the test needs no network; `.ci/run` installs the same wheel from the registry."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import DOCUMENTATION, FIXTURES, ROOT
from crosswire import __version__
from crosswire.checks import ALL_CHECKS

EXPLAIN_ALL = """\
import io, json, sys
from contextlib import redirect_stdout
import crosswire
from crosswire.checks import ALL_CHECKS
from crosswire.cli import main
pages = {}
for check in ALL_CHECKS:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["explain", check.meta.id])
    pages[check.meta.id] = (code, out.getvalue())
print(json.dumps({"package": crosswire.__file__, "pages": pages}))
"""
TEST_EXTRAS = ("pytest", "hypothesis", "jsonschema", "ruff", "mypy", "pre_commit", "build", "pipx")


def runtime_dependencies() -> set[str]:
    """crosswire's dependencies and theirs, as this environment resolved them, without any extra."""
    found: set[str] = set()
    todo = ["crosswire"]
    while todo:
        for text in metadata.requires(todo.pop()) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            name = metadata.distribution(requirement.name).metadata["Name"]
            if name not in found:
                found.add(name)
                todo.append(name)
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel `python -m build` makes (without isolation: setuptools is in the test extras)."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        f"crosswire-{__version__}-py3-none-any.whl",
        f"crosswire-{__version__}.tar.gz",
    ]
    return {
        "wheel": out / f"crosswire-{__version__}-py3-none-any.whl",
        "sdist": out / f"crosswire-{__version__}.tar.gz",
    }


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """The bin folder of a fresh environment with the wheel installed by pip and only the runtime dependencies."""
    env = tmp_path_factory.mktemp("installed") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    (site,) = env.glob("lib/python*/site-packages")
    for name in runtime_dependencies():
        dist = metadata.distribution(name)
        for top in sorted({Path(f).parts[0] for f in dist.files or [] if Path(f).parts[0] != ".."}):
            if not (site / top).exists():
                (site / top).symlink_to(Path(str(dist.locate_file(top))))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(built["wheel"]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return env / "bin"


def test_the_sdist_holds_what_the_wheel_is_built_from(built):
    with tarfile.open(built["sdist"]) as sdist:
        names = set(sdist.getnames())
    top = f"crosswire-{__version__}"
    for needed in (
        "pyproject.toml",
        "README.md",
        "plugin/adapters/checkov/checks.catalogue",
        "plugin/data/sam_policy_templates.json",
        "fixtures/visibility-timeout/cloudformation/bad/template.yaml",
        "checks/visibility_timeout.py",
    ):
        assert f"{top}/{needed}" in names, needed


def test_the_environment_has_no_test_extras(installed):
    for module in TEST_EXTRAS:
        # away from the repository, whose build/ folder would import as a namespace package named build
        done = subprocess.run(
            [installed / "python", "-c", f"import {module}"], capture_output=True, text=True, cwd=installed
        )
        assert f"No module named '{module}'" in done.stderr, module


def test_explain_shows_every_check_with_its_examples_from_the_installed_package(installed, tmp_path):
    done = subprocess.run(
        [installed / "python", "-c", EXPLAIN_ALL], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["package"] == str(next(installed.parent.glob("lib/python*/site-packages")) / "crosswire/__init__.py")
    assert set(result["pages"]) == {c.meta.id for c in ALL_CHECKS}
    for check in ALL_CHECKS:
        code, page = result["pages"][check.meta.id]
        assert code == 0
        assert page.startswith(f"# {check.meta.id}: {check.meta.title}\n")
        for fmt in check.meta.formats:
            example = next((FIXTURES / check.meta.slug / fmt / "bad").iterdir()).read_text()
            assert f"## Example that fires ({fmt})" in page, check.meta.id
            assert example.splitlines()[0] in page


def test_the_installed_command_scans_and_links_the_docs_url(installed, tmp_path):
    fixture = FIXTURES / "visibility-timeout" / "cloudformation" / "bad"
    done = subprocess.run(
        [installed / "crosswire", "scan", "--format", "json", "--select", "CW302", str(fixture)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    found = {(f["check_id"], f["resource"], f["line"], f["docs"]) for f in json.loads(done.stdout)["findings"]}
    page = f"{DOCUMENTATION}/checks/CW302-visibility-timeout.md"
    assert found == {("CW302", "OrdersQueue", 8, page), ("CW302", "AuditQueue", 24, page)}


def test_the_installed_sarif_rule_links_the_checks_page(installed, tmp_path):
    fixture = FIXTURES / "visibility-timeout" / "cloudformation" / "bad"
    done = subprocess.run(
        [installed / "crosswire", "scan", "--format", "sarif", "--select", "CW302", str(fixture)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    (rule,) = json.loads(done.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["helpUri"] == f"{DOCUMENTATION}/checks/CW302-visibility-timeout.md"


def test_the_installed_checkov_directory_holds_the_catalogue(installed, tmp_path):
    done = subprocess.run([installed / "crosswire", "checkov-dir"], capture_output=True, text=True, cwd=tmp_path)
    folder = Path(done.stdout.strip())
    assert folder.parent.parent.parent == next(installed.parent.glob("lib/python*/site-packages"))
    catalogue = json.loads((folder / "checks.catalogue").read_text())
    assert [row["id"] for row in catalogue] == [c.meta.id for c in ALL_CHECKS]
