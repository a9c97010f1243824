"""Every check's fixtures are executable examples: bad ones fire exactly the `expect:` markers, good ones nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, scan_json
from crosswire.checks import ALL_CHECKS
from crosswire.runner import SUPPORTED_FORMATS

EXPECT = re.compile(r"expect: (CW\d{3}) (\S+)")


def expected_findings(folder: Path, check_id: str) -> set[tuple[str, str, int, str]]:
    expected = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for found_id, resource in EXPECT.findall(line):
                if found_id == check_id:
                    expected.add((found_id, resource, number, path.name))
    return expected


def actual_findings(folder: Path, check_id: str) -> set[tuple[str, str, int, str]]:
    run = scan_json(str(folder), "--select", check_id, "--fail-on", "never")
    assert run.code == 0, run.err
    assert run.report["errors"] == []
    return {(f["check_id"], f["resource"], f["line"], Path(f["file"]).name) for f in run.report["findings"]}


CASES = [(c.meta, fmt) for c in ALL_CHECKS for fmt in c.meta.formats if fmt in SUPPORTED_FORMATS]


@pytest.mark.parametrize(("meta", "fmt"), CASES, ids=[f"{m.id}-{f}" for m, f in CASES])
def test_bad_fixture_fires_exactly_the_expected_findings(meta, fmt):
    folder = FIXTURES / meta.slug / fmt / "bad"
    expected = expected_findings(folder, meta.id)
    assert expected, f"{folder} has no `expect: {meta.id} RESOURCE` marker"
    assert actual_findings(folder, meta.id) == expected


@pytest.mark.parametrize(("meta", "fmt"), CASES, ids=[f"{m.id}-{f}" for m, f in CASES])
def test_good_fixture_fires_nothing(meta, fmt):
    folder = FIXTURES / meta.slug / fmt / "good"
    assert any(p.is_file() for p in folder.rglob("*")), f"{folder} is missing"
    assert actual_findings(folder, meta.id) == set()


def test_every_fixture_folder_belongs_to_a_check():
    slugs = {c.meta.slug for c in ALL_CHECKS}
    # hostile/ is the catalogue of hostile inputs (tests/test_hostile.py), not a check's examples
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} - {"hostile"} <= slugs
