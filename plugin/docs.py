"""Check documentation, generated from each check's metadata and its fixtures so the two cannot drift."""

from __future__ import annotations

from pathlib import Path

from crosswire.check import CheckMeta

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _example(meta: CheckMeta, fmt: str) -> str | None:
    folder = FIXTURES / meta.slug / fmt / "bad"
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return "\n".join(p.read_text() for p in files) if files else None


def render_check(meta: CheckMeta) -> str:
    lines = [
        f"# {meta.id}: {meta.title}",
        "",
        f"Severity: {meta.severity.value}. Resources: {', '.join(k.value for k in meta.kinds)}. "
        f"Formats: {', '.join(meta.formats)}.",
        "",
        "## Why",
        "",
        meta.rationale,
        "",
        "## Fix",
        "",
        f"- Terraform: {meta.fix_terraform}",
        f"- CloudFormation: {meta.fix_cloudformation}",
    ]
    for fmt, language in (("cloudformation", "yaml"), ("terraform", "hcl")):
        example = _example(meta, fmt)
        if example:
            lines += ["", f"## Example that fires ({fmt})", "", f"```{language}", example.rstrip(), "```"]
    lines += ["", "## References", ""]
    lines += [f"- [{r.title}]({r.url})" for r in meta.references]
    return "\n".join(lines) + "\n"
