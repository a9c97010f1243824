"""Fuzz targets: one per loader entry point, each fed raw bytes as the text of one input file.

A target returns normally when the input is read or rejected with a LoadError (an input error the report shows
with file and line); any other exception escapes to the fuzzer and is a crash. After loading, the wires are
resolved and every check runs over the graph, so a loader that builds a node no check can read is caught too.

Seeds are read from fixtures/ when the fuzzer starts: templates as they are, Terraform modules as HCL, as
`.tf.json` and as a plan whose values are the module's literal attributes (see `seeds`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

Target = Callable[[bytes], None]


def _text(data: bytes) -> str | None:
    """The input as the loaders see it: read_text turns bytes that are not UTF-8 into a LoadError first."""
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _check(graph: Any) -> None:
    from crosswire.checks import ALL_CHECKS
    from crosswire.runner import ScanOptions, run_checks

    graph.resolve_wires()
    run_checks(graph, ALL_CHECKS, ScanOptions())  # errors=None: a failing check raises


def cloudformation(data: bytes) -> None:
    """Template text -> cfn-lint's decoder -> the template loader, the way runner.load_cloudformation does it."""
    from crosswire.graph import Graph
    from crosswire.loaders import LoadError
    from crosswire.loaders import cloudformation as cfn

    text = _text(data)
    if text is None or not cfn.looks_like_template(text):
        return
    graph = Graph()
    try:
        template = cfn.parse(text, "template.yaml")
        if not cfn.is_template(template):
            return
        cfn.load(template, "template.yaml", graph, {})
    except LoadError:
        return
    _check(graph)


def terraform_plan(data: bytes) -> None:
    """`terraform show -json` text -> the plan loader."""
    from crosswire.graph import Graph
    from crosswire.loaders import LoadError
    from crosswire.loaders import terraform_plan as plan

    text = _text(data)
    if text is None:
        return
    graph = Graph()
    try:
        plan.load_plan(text, "plan.json", graph)
    except LoadError:
        return
    _check(graph)


class _Module:
    """One module directory, rewritten for every input: Terraform is loaded from directories, not from text."""

    def __init__(self) -> None:
        # inside the driver's temporary directory (removed when it ends: libFuzzer's exit skips Python's cleanup)
        self.directory = tempfile.mkdtemp(prefix="crosswire-fuzz-", dir=os.environ.get("CROSSWIRE_FUZZ_TMP"))

    def load(self, files: dict[str, str]) -> None:
        from crosswire.graph import Graph
        from crosswire.loaders.terraform import Loader, Variables

        for old in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, old))
        for name, text in files.items():
            Path(self.directory, name).write_text(text, encoding="utf-8")
        graph = Graph()
        # the loader reports a LoadError in its outcome; anything else escapes from here
        Loader(Variables(), environment={}).load([self.directory], graph)
        _check(graph)


_module: _Module | None = None


def _terraform(names: tuple[str, str], data: bytes) -> None:
    """The input split at the first 0xff byte (which UTF-8 text never holds) into a module file and, when
    there is a second part, the variables file beside it."""
    global _module
    texts = [_text(part) for part in data.split(b"\xff", 1)]
    if None in texts:
        return
    if _module is None:
        _module = _Module()
    _module.load(dict(zip(names, texts, strict=False)))


def hcl(data: bytes) -> None:
    """HCL text as main.tf (and terraform.tfvars) -> python-hcl2 -> the module evaluator."""
    _terraform(("main.tf", "terraform.tfvars"), data)


def tf_json(data: bytes) -> None:
    """JSON text as main.tf.json (and terraform.tfvars.json) -> the .tf.json reader -> the module evaluator."""
    _terraform(("main.tf.json", "terraform.tfvars.json"), data)


SCAN_FILES = ("template.yaml", "main.tf", "modules/m/main.tf", "plan.json")


def scan(data: bytes) -> None:
    """A whole small tree through runner.scan: the input is split at 0xff bytes (which UTF-8 text never holds)
    into a template, a root module, a local module it may call and a plan; an "internal error" in the report is a
    crash too."""
    from crosswire.checks import ALL_CHECKS
    from crosswire.runner import ScanOptions
    from crosswire.runner import scan as run_scan

    parts = (data.split(b"\xff") + [b""] * len(SCAN_FILES))[: len(SCAN_FILES)]
    with tempfile.TemporaryDirectory(prefix="crosswire-fuzz-", dir=os.environ.get("CROSSWIRE_FUZZ_TMP")) as tree:
        for name, part in zip(SCAN_FILES, parts, strict=True):
            Path(tree, name).parent.mkdir(parents=True, exist_ok=True)
            Path(tree, name).write_bytes(part)
        result = run_scan([tree], ALL_CHECKS, ScanOptions())
    internal = [e for e in result.errors if "internal error" in e.message]
    if internal:
        raise AssertionError(f"internal error in the report: {internal}")


TARGETS: dict[str, Target] = {
    "cloudformation": cloudformation,
    "hcl": hcl,
    "tf_json": tf_json,
    "terraform_plan": terraform_plan,
    "scan": scan,
}


def _fixture_modules() -> Iterator[Path]:
    return iter(sorted(FIXTURES.glob("*/terraform/*/main.tf")))


def _unquote(value: Any) -> Any:
    """python-hcl2's dict form -> .tf.json values: strings lose their HCL quotes, blocks their markers."""
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    return value


def _tf_json(module: Path) -> dict:
    import hcl2

    with module.open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle)
    document: dict[str, Any] = {}
    for block_type in ("resource", "data", "variable", "locals", "module", "output"):
        for entry in _unquote(parsed.get(block_type, [])):
            section = document.setdefault(block_type, {})
            for key, body in entry.items():
                if isinstance(body, dict) and block_type in ("resource", "data"):
                    section.setdefault(key, {}).update(body)
                else:
                    section[key] = body
    return document


def _plan(document: dict) -> dict:
    """A plan of the module's resources: literal attributes as planned values, whole references as expressions."""
    planned, configured = [], []
    for resource_type, named in document.get("resource", {}).items():
        for name, body in named.items():
            address = f"{resource_type}.{name}"
            values = {k: v for k, v in body.items() if "${" not in json.dumps(v)}
            expressions = {
                k: {"references": [v[2:-1], v[2:-1].rsplit(".", 1)[0]]}
                for k, v in body.items()
                if isinstance(v, str) and v.startswith("${") and v.endswith("}")
            }
            common = {"address": address, "mode": "managed", "type": resource_type, "name": name}
            planned.append({**common, "values": values})
            configured.append({**common, "expressions": expressions})
    return {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": planned}},
        "configuration": {"root_module": {"resources": configured}},
    }


def seeds(target: str) -> list[bytes]:
    """The seed corpus of a target, read from fixtures/ (never copied into the repository)."""
    templates = [p.read_bytes() for p in sorted(FIXTURES.glob("*/cloudformation/*/template.yaml"))]
    modules = [p.read_bytes() for p in _fixture_modules()]
    documents = [_tf_json(p) for p in _fixture_modules()]
    if target == "cloudformation":
        return templates
    # the one fixture variable, given a value in the variables file too
    if target == "hcl":
        return modules + [m + b"\xffuploads_sse = false\n" for m in modules if b"var.uploads_sse" in m]
    if target == "tf_json":
        json_modules = [json.dumps(d, indent=2).encode() for d in documents]
        tfvars = b'\xff{"uploads_sse": false}\n'
        return json_modules + [m + tfvars for m in json_modules if b"var.uploads_sse" in m]
    if target == "terraform_plan":
        return [json.dumps(_plan(d), indent=2).encode() for d in documents]
    if target == "scan":
        # the fixture's module at the root, which also calls it as ./modules/m; no plan
        call = b'\nmodule "m" {\n  source = "./modules/m"\n}\n'
        return [t + b"\xff" + m + call + b"\xff" + m for t, m in zip(templates, modules, strict=False)]
    raise KeyError(target)
