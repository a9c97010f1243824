"""The docs pages are generated from check metadata and fixtures; a stale page fails here."""

from __future__ import annotations

from conftest import ROOT
from crosswire.docs import pages


def test_generated_docs_are_up_to_date():
    generated = pages()
    for relative, text in generated.items():
        path = ROOT / relative
        assert path.is_file(), f"{relative} is missing: run `python -m crosswire.docs`"
        assert path.read_text() == text, f"{relative} is stale: run `python -m crosswire.docs`"
    committed = {str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "checks").glob("*.md")}
    assert committed == {p for p in generated if p.startswith("docs/checks/")}, "docs/checks holds pages no check generates"


def test_every_check_has_references_and_both_fixes():
    from crosswire.checks import ALL_CHECKS

    for check in ALL_CHECKS:
        meta = check.meta
        assert meta.references and all(r.url.startswith("https://") for r in meta.references), meta.id
        assert meta.fix_terraform and meta.fix_cloudformation and meta.rationale, meta.id


def test_the_fallback_docs_url_is_the_projects():
    """An install whose metadata names no Documentation URL (an editable install made before it was added) links
    the same pages."""
    from conftest import DOCUMENTATION
    from crosswire import DOCS_URL

    assert DOCS_URL == DOCUMENTATION
