"""Baselines: the fingerprints of findings a team has accepted, so that only new findings fail the build.

`--write-baseline FILE` records them; `--baseline FILE` drops findings whose fingerprint is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from crosswire import inputs
from crosswire.check import Finding
from crosswire.config import ConfigError

SCHEMA_VERSION = 1


def render(findings: Iterable[Finding]) -> str:
    """The baseline file: sorted fingerprints (what is matched) and, for people reviewing it, what they stand for."""
    rows = sorted(
        {f.fingerprint: f for f in findings}.values(),
        key=lambda f: (f.node.span.file, f.node.address, f.meta.id, f.fingerprint),
    )
    document = {
        "tool": "crosswire",
        "schema": SCHEMA_VERSION,
        "fingerprints": sorted(f.fingerprint for f in rows),
        "findings": [
            {"check_id": f.meta.id, "resource": f.node.address, "file": f.node.span.file, "fingerprint": f.fingerprint}
            for f in rows
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def write(path: str, findings: Iterable[Finding]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(render(findings))
    except OSError as exc:
        raise ConfigError(f"baseline {path}: cannot write: {exc.strerror}") from None


def read(path: str) -> frozenset[str]:
    """The fingerprints of a baseline file; anything else than a crosswire baseline is a usage error."""
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
    if document.get("schema") != SCHEMA_VERSION:
        raise ConfigError(f"baseline {path}: unsupported schema {document.get('schema')!r} (expected {SCHEMA_VERSION})")
    fingerprints = document.get("fingerprints")
    if not isinstance(fingerprints, list) or not all(isinstance(f, str) for f in fingerprints):
        raise ConfigError(f'baseline {path}: "fingerprints" must be a list of strings')
    return frozenset(fingerprints)
