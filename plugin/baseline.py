"""Baselines: the fingerprints of findings a team has accepted, so that only new findings fail the build.

`--write-baseline FILE` records them; `--baseline FILE` drops findings whose fingerprint is recorded and names the
entries that match no finding any more (stale), so a fixed finding can leave the baseline.

A fingerprint names its file relative to the baseline's root: the repository holding the baseline file (the
nearest folder with a `.git`), else the baseline file's folder. So one baseline means the same from whatever
directory crosswire runs. Schema 1 baselines, written before, named files relative to the directory crosswire ran
in; they are still read, matched as they were written (from that directory only), with a warning to rewrite them.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crosswire import fs, inputs
from crosswire.check import Finding
from crosswire.config import ConfigError

SCHEMA_VERSION = 2
LEGACY_SCHEMA = 1  # files relative to the directory crosswire ran in


@dataclass(frozen=True)
class Entry:
    """One accepted finding; `check_id` and `file` (relative to the baseline's root) are None where a hand-edited
    file leaves them out."""

    fingerprint: str
    check_id: str | None = None
    resource: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Baseline:
    path: str
    root: str  # the folder the entries' files are relative to (a real path)
    entries: tuple[Entry, ...]
    schema: int = SCHEMA_VERSION

    def key(self, finding: Finding) -> str:
        """`finding`'s fingerprint as this baseline records it."""
        if self.schema == LEGACY_SCHEMA:
            return finding.fingerprint
        return finding.fingerprint_as(relative(finding.node.span.file, self.root))

    @functools.cached_property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)

    def accepts(self, finding: Finding) -> bool:
        return self.key(finding) in self.fingerprints

    def stale(
        self, findings: Iterable[Finding], checks: Iterable[str], paths: Sequence[str], unreadable: Iterable[str] = ()
    ) -> list[Entry]:
        """The entries that no finding matches, among those this scan could have found again: of a check that ran
        (`checks`) and a file under one of the scanned `paths` that could be read (not in `unreadable`). A scan of
        one folder, or of pre-commit's changed files, says nothing of the entries elsewhere, nor a file with a
        syntax error of the findings it held."""
        found = {self.key(f) for f in findings}
        ran = set(checks)
        scanned = [fs.realpath(p) for p in paths]
        broken = {fs.realpath(f) for f in unreadable}

        def could_find(file: str) -> bool:
            real = fs.realpath(os.path.join(self.root, file))
            return real not in broken and any(inputs.within(real, p) for p in scanned)

        return [
            e
            for e in self.entries
            if e.fingerprint not in found
            and (e.check_id is None or e.check_id in ran)
            and (e.file is None or could_find(e.file))
        ]


def root_of(path: str) -> str:
    """The folder a baseline at `path` names files from: its repository's root, else its own folder."""
    folder = os.path.dirname(os.path.abspath(path))
    return inputs.git_root(folder) or fs.realpath(folder)


def relative(file: str, root: str) -> str:
    """`file` (as reports show it) relative to `root`, with `/` between folders on every system."""
    return os.path.relpath(fs.realpath(file), root).replace(os.sep, "/")


def render(findings: Iterable[Finding], root: str) -> str:
    """The baseline file: sorted fingerprints (what is matched) and, for people reviewing it, what they stand for."""
    keyed = {f.fingerprint_as(relative(f.node.span.file, root)): f for f in findings}
    rows = sorted(keyed.items(), key=lambda kv: (kv[1].node.span.file, kv[1].node.address, kv[1].meta.id, kv[0]))
    document = {
        "tool": "crosswire",
        "schema": SCHEMA_VERSION,
        "fingerprints": sorted(keyed),
        "findings": [
            {
                "check_id": f.meta.id,
                "resource": f.node.address,
                "file": relative(f.node.span.file, root),
                "fingerprint": key,
            }
            for key, f in rows
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def write(path: str, findings: Iterable[Finding]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render(findings, root_of(path)))
    except OSError as exc:
        raise ConfigError(f"baseline {path}: cannot write: {exc.strerror}") from None


def read(path: str) -> Baseline:
    """The baseline in `path`; anything else than a crosswire baseline is a usage error."""
    try:
        document = json.loads(inputs.read_text(path, path, None))
    except inputs.LoadError as exc:
        raise ConfigError(f"baseline {path}: {exc.message}") from None
    except ValueError as exc:
        raise ConfigError(f"baseline {path}: not JSON: {exc}") from None
    except RecursionError:
        raise ConfigError(f"baseline {path}: nested too deeply") from None
    if not isinstance(document, dict) or document.get("tool") != "crosswire":
        raise ConfigError(f'baseline {path}: not a crosswire baseline (no "tool": "crosswire")')
    schema = document.get("schema")
    if schema not in (SCHEMA_VERSION, LEGACY_SCHEMA):
        raise ConfigError(f"baseline {path}: unsupported schema {schema!r} (expected {SCHEMA_VERSION})")
    fingerprints = document.get("fingerprints")
    if not isinstance(fingerprints, list) or not all(isinstance(f, str) for f in fingerprints):
        raise ConfigError(f'baseline {path}: "fingerprints" must be a list of strings')
    described = {
        row["fingerprint"]: row
        for row in document.get("findings") or ()
        if isinstance(row, dict) and isinstance(row.get("fingerprint"), str)
    }
    entries = tuple(_entry(f, described.get(f, {})) for f in dict.fromkeys(fingerprints))
    root = root_of(path) if schema == SCHEMA_VERSION else fs.realpath(os.curdir)
    return Baseline(path, root, entries, schema)


def _entry(fingerprint: str, row: dict) -> Entry:
    def text(key: str) -> str | None:
        value = row.get(key)
        return value if isinstance(value, str) else None

    return Entry(fingerprint, text("check_id"), text("resource"), text("file"))


def notices(baseline: Baseline, stale: Sequence[Entry]) -> list[str]:
    """What to say on stderr about a baseline: that a schema 1 file works only from where it was written, and
    which entries are stale."""
    said = []
    if baseline.schema == LEGACY_SCHEMA:
        said.append(
            f"baseline {baseline.path} has schema 1: its paths are relative to the directory it was written from, "
            "so it matches only when crosswire runs there; rewrite it with --baseline and --write-baseline naming "
            "it to key it to the repository root"
        )
    if stale:
        count = f"{len(stale)} entr{'y matches' if len(stale) == 1 else 'ies match'}"
        said.append(
            f"baseline {baseline.path}: {count} no finding any more (fixed, renamed or moved); rewrite it with "
            "--write-baseline to drop "
            + ("it" if len(stale) == 1 else "them")
            + ": "
            + "; ".join(f"{e.check_id or '?'} {e.resource or '?'} in {e.file or '?'} ({e.fingerprint})" for e in stale)
        )
    return said
