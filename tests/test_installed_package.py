"""crosswire as a user gets it: the wheel, installed (not editable) into an environment of its own, explains every
check with its example and scans. The wheel is unpacked into a bare virtual environment whose dependencies come
from this one, so the test needs no network; nothing of the repository is on its path."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
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


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh environment holding the built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(work), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = work.glob("crosswire-*.whl")
    env = work / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120)
    (site,) = env.glob("lib/python*/site-packages")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # the dependencies (cfn-lint, python-hcl2...) from this environment, after the wheel's own files; a path in a
    # .pth file is not a site directory, so this environment's editable crosswire is not imported from there
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env / "bin" / "python"


def test_explain_shows_every_check_with_its_examples_from_the_installed_package(installed, tmp_path):
    done = subprocess.run([installed, "-c", EXPLAIN_ALL], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert not result["package"].startswith(str(ROOT))
    assert set(result["pages"]) == {c.meta.id for c in ALL_CHECKS}
    for check in ALL_CHECKS:
        code, page = result["pages"][check.meta.id]
        assert code == 0
        assert page.startswith(f"# {check.meta.id}: {check.meta.title}\n")
        for fmt in check.meta.formats:
            example = next((FIXTURES / check.meta.slug / fmt / "bad").iterdir()).read_text()
            assert f"## Example that fires ({fmt})" in page, check.meta.id
            assert example.splitlines()[0] in page


def test_the_installed_package_scans(installed, tmp_path):
    fixture = FIXTURES / "visibility-timeout" / "cloudformation" / "bad"
    done = subprocess.run(
        [installed, "-m", "crosswire", "scan", "--format", "json", "--select", "CW302", str(fixture)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    found = {(f["check_id"], f["resource"], f["line"]) for f in json.loads(done.stdout)["findings"]}
    assert found == {("CW302", "OrdersQueue", 8), ("CW302", "AuditQueue", 24)}
