"""Where crosswire's documentation lives: the `Documentation` URL of `[project.urls]` in pyproject.toml, read from
the installed package's metadata, so that reports link to pages a user can open wherever crosswire is installed."""

from __future__ import annotations

from functools import cache
from importlib import metadata


@cache
def documentation_url() -> str | None:
    """The URL of the docs folder. None only in an editable install made before pyproject.toml named one (the
    metadata is written at install time), where the docs folder itself is at hand."""
    entries = metadata.metadata("crosswire").get_all("Project-URL") or []
    urls = dict(entry.split(", ", 1) for entry in entries if ", " in entry)
    return urls.get("Documentation")


def docs_link(relative: str) -> str:
    """A page of the docs folder (`docs/checks/CW302-....md`, as the repository holds it) as a URL."""
    base = documentation_url()
    if base is None:
        return relative
    return f"{base.rstrip('/')}/{relative.removeprefix('docs/')}"
