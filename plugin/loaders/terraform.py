"""Terraform loader: module directories (`.tf`, `.tf.json`) into graph nodes, one graph unit per root module.

Local modules are loaded through their callers with the callers' inputs and `module.NAME.` addresses; expressions
are evaluated on python-hcl2's Lark tree by `hcl_eval`, and whatever cannot be known stays unresolved.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crosswire.defaults import default
from crosswire.graph import Graph
from crosswire.loaders import LoadError
from crosswire.loaders.hcl_eval import (
    MAX_FILE_BYTES,
    Encoded,
    Evaluator,
    Invalid,
    Namespace,
    document,
    first_unresolved,
    plain,
    to_bool,
    to_number,
)
from crosswire.model import Alias as AliasNode
from crosswire.model import (
    BucketNotification,
    Function,
    Key,
    Kind,
    Mapping,
    Node,
    Origin,
    Permission,
    Policy,
    Queue,
    Ref,
    Role,
    RuleTarget,
    Span,
    Subscription,
    Topic,
    Unresolved,
    Value,
)
from crosswire.model import EdgeKind as E
from crosswire.policy import statements
from crosswire.runner import display_path, read_text

SUFFIXES = (".tf", ".tf.json")
MAX_MODULE_DEPTH = 16
# attributes that name a resource rather than configure it: a reference to one of these is a link (a Ref)
IDENTITY_ATTRIBUTES = {
    "arn",
    "id",
    "url",
    "name",
    "key_id",
    "function_name",
    "qualified_arn",
    "invoke_arn",
    "target_key_arn",
    "target_key_id",
    "unique_id",
}
SYMBOLIC = {
    ("aws_caller_identity", "account_id"): "${AWS::AccountId}",
    ("aws_region", "name"): "${AWS::Region}",
    ("aws_region", "id"): "${AWS::Region}",
    ("aws_region", "region"): "${AWS::Region}",
    ("aws_partition", "partition"): "${AWS::Partition}",
    ("aws_partition", "id"): "${AWS::Partition}",
    ("aws_partition", "dns_suffix"): "amazonaws.com",
}


@dataclass(frozen=True)
class Variables:
    """Terraform variable values given on the command line, applied to every root module."""

    values: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    from_environment: bool = False


# -- parsed configuration ------------------------------------------------------------------------------------
@dataclass
class Attr:
    name: str
    expr: Any  # a Lark tree, a _Json for `.tf.json`, or Evaluated for plans
    file: str
    line: int
    end_line: int


@dataclass
class Block:
    type: str
    labels: tuple[str, ...]
    attrs: dict[str, Attr]
    blocks: list[Block]
    file: str
    line: int
    end_line: int
    repeated: str = ""  # set when the block stands for several instances that were expanded already (plans)

    def nested(self, name: str) -> list[Block]:
        found = [b for b in self.blocks if b.type == name]
        attr = self.attrs.get(name)
        if not found and attr is not None and isinstance(attr.expr, _Json):
            raw = attr.expr.value
            for item in raw if isinstance(raw, list) else [raw]:
                if isinstance(item, dict):
                    found.append(_json_block(name, (), item, attr.file, attr.line, attr.end_line))
        if not found and attr is not None and isinstance(attr.expr, Evaluated):
            for values in attr.expr.blocks():
                attrs = {k: Attr(k, v, attr.file, attr.line, attr.end_line) for k, v in values.items()}
                found.append(Block(name, (), attrs, [], attr.file, attr.line, attr.end_line))
        return found

    @property
    def has_dynamic(self) -> bool:
        return any(b.type == "dynamic" for b in self.blocks)


class Evaluated:
    """An attribute that arrives evaluated already (a plan's planned values), with its nested blocks."""

    def evaluate(self) -> Any:
        raise NotImplementedError

    def blocks(self) -> list[dict[str, Evaluated]]:
        return []


@dataclass(frozen=True)
class _Json:
    """A value of a `.tf.json` file: strings are templates, the rest literal."""

    value: Any


@dataclass
class ModuleSource:
    """One directory's configuration, parsed once however many times it is called."""

    directory: str
    files: list[str]
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, Attr] = field(default_factory=dict)
    resources: dict[str, Block] = field(default_factory=dict)
    data: dict[str, Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)

    def add(self, block: Block, override: bool = False) -> None:
        """Declare `block`; from an override file, merge it into the declaration it overrides instead."""
        table = self.table(block)
        if block.type == "locals":
            for name, attr in block.attrs.items():
                if name in self.locals and not override:
                    raise LoadError(attr.file, attr.line, f"local {name} is declared twice")
                self.locals[name] = attr
            return
        if table is None:
            return
        key = ".".join(block.labels)
        existing = table.get(key)
        if override and existing is not None:
            replaced = {b.type for b in block.blocks}
            existing.attrs.update(block.attrs)
            existing.blocks = [b for b in existing.blocks if b.type not in replaced] + block.blocks
        elif existing is not None and not override:
            what = f"{block.type} {key}"
            raise LoadError(block.file, block.line, f"{what} is declared twice (also at line {existing.line})")
        else:
            table[key] = block

    def table(self, block: Block) -> dict[str, Block] | None:
        tables = {"resource": (self.resources, 2), "data": (self.data, 2), "variable": (self.variables, 1)}
        tables |= {"module": (self.modules, 1), "output": (self.outputs, 1)}
        found = tables.get(block.type)
        return found[0] if found and len(block.labels) == found[1] else None

    def local_calls(self) -> list[str]:
        """The directories this module calls as local modules."""
        return [d for d in (local_source(self.directory, b) for b in self.modules.values()) if d]


def local_source(directory: str, call: Block) -> str | None:
    attr = call.attrs.get("source")
    if attr is None:
        return None
    source = _literal(attr)
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return None
    return os.path.normpath(os.path.join(directory, source))


def _literal(attr: Attr) -> Any:
    """An attribute that Terraform requires to be a literal (module `source`)."""
    return Evaluator(_NoScope()).eval(attr.expr) if not isinstance(attr.expr, _Json) else attr.expr.value


class _NoScope:
    """The scope of `.tfvars` files and literal-only attributes: no names are defined."""

    def __init__(self) -> None:
        self.tokens: dict[str, Ref] = {}

    def name(self, identifier: str) -> Any:
        return Unresolved(f"{identifier} cannot be used here")

    def read_file(self, path: Any) -> Any:
        return Unresolved("file() cannot be used here")


def _tree_blocks(body: Any, file: str) -> tuple[dict[str, Attr], list[Block]]:
    from lark import Tree

    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = str(child.children[0].children[0])
            attrs[name] = Attr(name, child.children[2], file, child.meta.line, child.meta.end_line)
        elif child.data == "block":
            subtrees = [c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            inner = subtrees[-1]
            names = []
            for label in subtrees[:-1]:
                if label.data == "string":
                    names.append("".join(str(p.children[0]) for p in label.children if isinstance(p, Tree)))
                else:
                    names.append(str(label.children[0]))
            nested_attrs, nested_blocks = _tree_blocks(inner, file)
            blocks.append(
                Block(
                    names[0],
                    tuple(names[1:]),
                    nested_attrs,
                    nested_blocks,
                    file,
                    child.meta.line,
                    child.meta.end_line,
                )
            )
    return attrs, blocks


def parse_hcl(text: str, shown: str) -> list[Block]:
    import hcl2  # lazy: only when Terraform is scanned
    from lark.exceptions import UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as exc:
        line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
        message = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise LoadError(shown, line, f"malformed HCL: {message}") from None
    except RecursionError:
        raise LoadError(shown, 1, "nesting too deep to parse") from None
    except Exception as exc:  # python-hcl2's post-lexer and transformer raise their own errors
        raise LoadError(shown, 1, f"cannot parse: {exc}") from None
    body = tree.children[0]
    attrs, blocks = _tree_blocks(body, shown)
    if attrs:
        first = min(attrs.values(), key=lambda a: a.line)
        raise LoadError(shown, first.line, f"attribute {first.name} outside of any block")
    return blocks


def parse_json(text: str, shown: str) -> list[Block]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        raise LoadError(shown, line, f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LoadError(shown, 1, "a .tf.json file must hold an object")
    lines = text.splitlines()
    blocks: list[Block] = []
    depth = {"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1, "locals": 0}
    for block_type, content in data.items():
        levels = depth.get(block_type)
        if levels is None:
            continue
        for labels, body in _json_labelled(content, levels):
            line = _json_line(lines, (block_type, *labels))
            blocks.append(_json_block(block_type, labels, body, shown, line, line))
    return blocks


def _json_labelled(content: Any, levels: int) -> Iterable[tuple[tuple[str, ...], dict]]:
    items = content if isinstance(content, list) else [content]
    for item in items:
        if not isinstance(item, dict):
            continue
        if levels == 0:
            yield (), item
            continue
        for key, value in item.items():
            for labels, body in _json_labelled(value, levels - 1):
                yield (str(key), *labels), body


def _json_line(lines: list[str], keys: tuple[str, ...]) -> int:
    """The line where a block's last label is written, found by following its keys down the file (the JSON
    parser keeps no positions)."""
    found = 0
    for key in keys:
        pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
        found = next((n for n in range(found, len(lines)) if pattern.search(lines[n])), found)
    return found + 1


def _json_block(block_type: str, labels: tuple[str, ...], body: dict, file: str, line: int, end: int) -> Block:
    attrs = {str(k): Attr(str(k), _Json(v), file, line, end) for k, v in body.items()}
    return Block(block_type, labels, attrs, [], file, line, end)


def parse_file(path: str) -> list[Block]:
    shown = display_path(path)
    text = read_text(path, shown)
    if path.endswith(".tf.json"):
        return parse_json(text, shown)
    return parse_hcl(text, shown)


def parse_module(directory: str, files: list[str]) -> tuple[ModuleSource | None, list[LoadError]]:
    module = ModuleSource(directory, files)
    errors: list[LoadError] = []
    # override files (`override.tf`, `*_override.tf`) are merged into the declarations after all others
    stems = {p: os.path.basename(p).split(".", 1)[0] for p in files}
    overrides = [p for p in files if stems[p] == "override" or stems[p].endswith("_override")]
    for path in [p for p in files if p not in overrides] + overrides:
        try:
            for block in parse_file(path):
                module.add(block, override=path in overrides)
        except LoadError as exc:
            errors.append(exc)
    return (None if errors else module), errors


def module_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        os.path.join(directory, n) for n in names if n.endswith(SUFFIXES) and os.path.isfile(os.path.join(directory, n))
    ]


# -- evaluation scope: one module instance -----------------------------------------------------------------
class _Unit:
    """One root module and every local module it calls: one graph unit."""

    def __init__(self, root: str, loader: Loader, name: str = "") -> None:
        self.root = root
        self.name = name or display_path(root)
        self.loader = loader
        self.graph = Graph()
        self.tokens: dict[str, Ref] = {}
        self.resources = 0
        self.files: set[str] = set()
        self.deferred: list[Callable[[], None]] = []


class _Instance:
    """A module called from somewhere (or the root): its values, evaluated lazily, and its nodes."""

    def __init__(
        self,
        unit: _Unit,
        source: ModuleSource,
        prefix: str,
        inputs: dict[str, Callable[[], Any]] | None,
        chain: tuple[str, ...],
        repeated: str = "",
    ) -> None:
        self.unit = unit
        self.source = source
        self.prefix = prefix
        self.inputs = inputs
        self.chain = chain
        self.repeated = repeated
        self.tokens = unit.tokens
        self.cache: dict[str, Any] = {}
        self.children: dict[str, _Instance | Unresolved] = {}
        self.resource_types = {key.split(".", 1)[0] for key in source.resources}
        self.evaluator = Evaluator(self)

    # -- the Scope protocol -------------------------------------------------------------------------------
    def name(self, identifier: str) -> Any:
        if identifier == "var":
            return Namespace("var", lambda n: self.variable(n)[0])
        if identifier == "local":
            return Namespace("local", self.local)
        if identifier == "module":
            return Namespace("module", self.module_namespace)
        if identifier == "data":
            return Namespace("data", lambda t: Namespace(f"data.{t}", lambda n: self.data_source(t, n)))
        if identifier == "path":
            return Namespace("path", self.path)
        if identifier in self.resource_types:
            return Namespace(identifier, lambda n: self.resource_namespace(identifier, n))
        if identifier in ("count", "each", "self"):
            return Invalid(f"{identifier} used outside of a resource that sets it")
        return Unresolved(f"{identifier} is not evaluated")

    def read_file(self, path: Any) -> Any:
        if not isinstance(path, str):
            return path if isinstance(path, Unresolved) else Invalid("file() of something that is not a path")
        full = os.path.realpath(os.path.join(self.unit.root, path))
        allowed = [os.path.realpath(self.source.directory), os.path.realpath(self.unit.root)]
        if not any(os.path.commonpath([full, a]) == a for a in allowed):
            return Unresolved(f"file {path} is outside the module")
        try:
            if os.path.getsize(full) > MAX_FILE_BYTES:
                return Unresolved(f"file {path} is too large")
            with open(full, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError):
            return Unresolved(f"file {path} cannot be read")

    # -- names ----------------------------------------------------------------------------------------------
    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """Evaluate `compute` once per key; a value that needs itself is unresolved, not an endless loop."""
        if key in self.cache:
            return self.cache[key]
        self.cache[key] = Unresolved(f"{key} refers to itself")
        self.cache[key] = compute()
        return self.cache[key]

    def eval(self, attr: Attr, evaluator: Evaluator | None = None) -> Any:
        evaluator = evaluator or self.evaluator
        if isinstance(attr.expr, _Json):
            return self.eval_json(attr.expr.value, evaluator)
        if isinstance(attr.expr, Evaluated):
            return attr.expr.evaluate()
        try:
            return evaluator.eval(attr.expr)
        except RecursionError:
            return Unresolved("expression nested too deeply")

    def eval_json(self, raw: Any, evaluator: Evaluator) -> Any:
        if isinstance(raw, str):
            return evaluator.render(raw)
        if isinstance(raw, list):
            return [self.eval_json(v, evaluator) for v in raw]
        if isinstance(raw, dict):
            return {k: self.eval_json(v, evaluator) for k, v in raw.items()}
        return raw

    def variable(self, name: str) -> tuple[Any, str]:
        """A variable's value and how it was set."""
        return self.once(f"var.{name}", lambda: self.compute_variable(name))  # type: ignore[no-any-return]

    def compute_variable(self, name: str) -> tuple[Any, str]:
        declared = self.source.variables.get(name)
        if declared is None:
            return Invalid(f"variable {name} is not declared"), ""
        value: Any = None
        note = ""
        if self.inputs is not None and name in self.inputs:
            value, note = self.inputs[name](), f"module input {name} of {self.prefix.rstrip('.')}"
        elif self.inputs is None and name in self.unit.loader.root_values(self.unit.root):
            value, note = self.unit.loader.root_values(self.unit.root)[name]
        elif "default" in declared.attrs:
            value, note = self.eval(declared.attrs["default"]), f"variable {name} default"
        else:
            return Unresolved(f"variable {name} has no default and no value is given"), ""
        type_attr = declared.attrs.get("type")
        kind = _type_name(type_attr) if type_attr else ""
        if isinstance(value, str) and kind == "number":
            value = to_number(value)
        elif isinstance(value, str) and kind == "bool":
            value = to_bool(value)
        elif isinstance(value, str) and kind in ("list", "set", "tuple", "map", "object"):
            value = _parse_value(value, f"variable {name}")  # --var and TF_VAR_ give collections as HCL text
        return value, note

    def local(self, name: str) -> Any:
        attr = self.source.locals.get(name)
        if attr is None:
            return Invalid(f"local {name} is not defined")
        return self.once(f"local.{name}", lambda: self.eval(attr))

    def path(self, name: str) -> Any:
        if name == "module":
            return self.source.directory
        if name == "root":
            return self.unit.root
        return Unresolved(f"path.{name} is not evaluated")

    def resource_namespace(self, resource_type: str, name: str) -> Any:
        key = f"{resource_type}.{name}"
        block = self.source.resources.get(key)
        if block is None:
            return Invalid(f"resource {key} is not declared")
        address = self.prefix + key
        repeated = "count" in block.attrs or "for_each" in block.attrs
        return Namespace(
            address, lambda attribute: self.resource_attribute(block, address, attribute), address, repeated
        )

    def resource_attribute(self, block: Block, address: str, attribute: str) -> Any:
        if attribute in IDENTITY_ATTRIBUTES or attribute not in block.attrs:
            if attribute in IDENTITY_ATTRIBUTES:
                return Ref(address, attribute)
            return Unresolved(f"{address}.{attribute} is only known after apply")
        evaluator = self.resource_evaluator(block)
        return self.once(f"{address}.{attribute}", lambda: self.eval(block.attrs[attribute], evaluator))

    def data_source(self, data_type: str, name: str) -> Any:
        key = f"{data_type}.{name}"
        block = self.source.data.get(key)
        if block is None:
            return Invalid(f"data source {key} is not declared")
        address = f"{self.prefix}data.{key}"
        repeated = "count" in block.attrs or "for_each" in block.attrs
        return Namespace(address, lambda attribute: self.data_attribute(block, address, attribute), "", repeated)

    def data_attribute(self, block: Block, address: str, attribute: str) -> Any:
        data_type = block.labels[0]
        if (data_type, attribute) in SYMBOLIC:
            return SYMBOLIC[(data_type, attribute)]
        evaluator = self.resource_evaluator(block)
        if data_type == "aws_iam_policy_document" and attribute in ("json", "minified_json"):
            return self.once(f"{address}.json", lambda: self.policy_document(block, evaluator))
        if data_type == "aws_kms_alias" and attribute in ("name", "arn", "target_key_id", "target_key_arn", "id"):
            return self.kms_alias(block, evaluator, attribute)
        if data_type == "aws_kms_key" and attribute in ("key_id", "arn", "id") and "key_id" in block.attrs:
            return self.eval(block.attrs["key_id"], evaluator)
        if attribute in block.attrs:
            return self.eval(block.attrs[attribute], evaluator)
        return Unresolved(f"{address}.{attribute} is read from AWS at plan time")

    def kms_alias(self, block: Block, evaluator: Evaluator, attribute: str) -> Any:
        """An alias looked up by name: AWS managed aliases stay `alias/aws/...`, which the graph knows as the AWS
        managed key; a customer alias is its name, which the graph follows to the key of that alias."""
        if "name" not in block.attrs:
            return Unresolved("data.aws_kms_alias without a name")
        alias = self.eval(block.attrs["name"], evaluator)
        if not isinstance(alias, str) or attribute in ("name", "id"):
            return alias
        if attribute == "arn" and not alias.startswith("alias/aws/"):
            return f"arn:${{AWS::Partition}}:kms:${{AWS::Region}}:${{AWS::AccountId}}:{alias}"
        return alias

    def module_namespace(self, name: str) -> Any:
        if name not in self.source.modules:
            return Invalid(f"module {name} is not declared")
        call = self.source.modules[name]
        child = self.child(name)
        repeated = "count" in call.attrs or "for_each" in call.attrs
        if isinstance(child, Unresolved):
            return Namespace(f"module.{name}", lambda output: child, "", repeated)
        return Namespace(f"module.{name}", child.output, "", repeated)

    def output(self, name: str) -> Any:
        block = self.source.outputs.get(name)
        if block is None or "value" not in block.attrs:
            return Invalid(f"module output {name} is not declared")
        return self.once(f"output.{name}", lambda: self.eval(block.attrs["value"]))

    def child(self, name: str) -> _Instance | Unresolved:
        if name not in self.children:
            self.children[name] = self.make_child(name, self.source.modules[name])
        return self.children[name]

    def make_child(self, name: str, call: Block) -> _Instance | Unresolved:
        source_attr = call.attrs.get("source")
        source = _literal(source_attr) if source_attr else None
        directory = local_source(self.source.directory, call) or self.unit.loader.vendored(
            self.unit.root, self.prefix + f"module.{name}"
        )
        if directory is None:
            return Unresolved(f"module {self.prefix}module.{name} ({source}) is not vendored; its outputs are unknown")
        if directory in self.chain or len(self.chain) > MAX_MODULE_DEPTH:
            raise LoadError(call.file, call.line, f"module {name} calls itself (through {source})")
        parsed = self.unit.loader.module(directory)
        if parsed is None:
            return Unresolved(f"module {self.prefix}module.{name} ({source}) could not be loaded")
        self.unit.files.update(parsed.files)
        evaluator = self.resource_evaluator(call)
        inputs: dict[str, Callable[[], Any]] = {
            key: functools.partial(self.eval, attr, evaluator)
            for key, attr in call.attrs.items()
            if key not in ("source", "version", "count", "for_each", "providers", "depends_on")
        }
        repeated = self.repeated or _repeated(call)
        return _Instance(self.unit, parsed, f"{self.prefix}module.{name}.", inputs, (*self.chain, directory), repeated)

    def resource_evaluator(self, block: Block) -> Evaluator:
        """An evaluator with `count` and `each` of a block: its one instance's values, or unresolved when its
        instances differ (every instance of a declaration is modelled as one node)."""
        bindings: dict[str, Any] = {}
        if "count" in block.attrs:
            count = to_number(self.eval(block.attrs["count"]))
            index: Any = 0 if count == 1 else Unresolved("count.index differs between the instances")
            bindings["count"] = Namespace("count", lambda n: index if n == "index" else Invalid(f"count.{n}"))
        if "for_each" in block.attrs:
            collection = self.eval(block.attrs["for_each"])
            key, value = _each(collection)
            bindings["each"] = Namespace(
                "each", lambda n: {"key": key, "value": value}.get(n, Invalid(f"each.{n} does not exist"))
            )
        return self.evaluator.child(bindings) if bindings else self.evaluator

    def exists(self, block: Block) -> bool:
        """False only when count is 0 or for_each is empty for sure."""
        if "count" in block.attrs:
            return to_number(self.eval(block.attrs["count"])) != 0
        if "for_each" in block.attrs:
            collection = self.eval(block.attrs["for_each"])
            return not (isinstance(collection, (list, dict)) and not collection)
        return True

    # -- policy documents -------------------------------------------------------------------------------
    def policy_document(self, block: Block, evaluator: Evaluator) -> Any:
        """data.aws_iam_policy_document rendered as the JSON document Terraform would produce."""
        if block.has_dynamic or any(s.has_dynamic for s in block.nested("statement")):
            return Unresolved("policy document with dynamic blocks is not evaluated")
        sources = self.documents(block, "source_policy_documents", evaluator)
        overrides = self.documents(block, "override_policy_documents", evaluator)
        for found in (sources, overrides):
            if isinstance(found, Unresolved):
                return found
        result: list[Any] = []
        # later statements replace earlier ones with the same Sid: sources, then statement blocks, then overrides
        for item in [*sources, *(self.statement(s, evaluator) for s in block.nested("statement")), *overrides]:
            sid = item.get("Sid") if isinstance(item, dict) else None
            same = [i for i, s in enumerate(result) if sid and isinstance(s, dict) and s.get("Sid") == sid]
            if same:
                result[same[0]] = item
            else:
                result.append(item)
        version = self.eval(block.attrs["version"], evaluator) if "version" in block.attrs else "2012-10-17"
        return Encoded({"Version": version, "Statement": result})

    def documents(self, block: Block, attr_name: str, evaluator: Evaluator) -> Any:
        """The statements of the JSON documents listed in `attr_name`."""
        attr = block.attrs.get(attr_name)
        if attr is None:
            return []
        documents = self.eval(attr, evaluator)
        if not isinstance(documents, list):
            return first_unresolved(documents) or Invalid(f"{attr_name} is not a list")
        result: list[Any] = []
        for raw in documents:
            parsed = document(raw, self.tokens)
            found = first_unresolved(parsed)
            if found:
                return found
            items = parsed.get("Statement", []) if isinstance(parsed, dict) else None
            if isinstance(items, dict):
                items = [items]
            if not isinstance(items, list):
                return Invalid(f"a document in {attr_name} has no statements")
            result.extend(items)
        return result

    def statement(self, block: Block, evaluator: Evaluator) -> dict[str, Any]:
        fields = {
            "sid": "Sid",
            "effect": "Effect",
            "actions": "Action",
            "not_actions": "NotAction",
            "resources": "Resource",
            "not_resources": "NotResource",
        }
        rendered: dict[str, Any] = {"Effect": "Allow"}
        for attr_name, key in fields.items():
            if attr_name in block.attrs:
                rendered[key] = self.eval(block.attrs[attr_name], evaluator)
        for block_name, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals: dict[str, Any] = {}
            for principal in block.nested(block_name):
                kind = self.eval(principal.attrs["type"], evaluator) if "type" in principal.attrs else None
                identifiers = (
                    self.eval(principal.attrs["identifiers"], evaluator) if "identifiers" in principal.attrs else []
                )
                if kind == "*":
                    rendered[key] = "*"
                    break
                if isinstance(kind, Unresolved):
                    rendered[key] = kind
                    break
                existing = principals.setdefault(str(kind), [])
                existing.extend(identifiers if isinstance(identifiers, list) else [identifiers])
            else:
                if principals:
                    rendered[key] = principals
        conditions: dict[str, Any] = {}
        for condition in block.nested("condition"):
            test = self.eval(condition.attrs["test"], evaluator) if "test" in condition.attrs else None
            variable = self.eval(condition.attrs["variable"], evaluator) if "variable" in condition.attrs else None
            values = self.eval(condition.attrs["values"], evaluator) if "values" in condition.attrs else []
            if not isinstance(test, str) or not isinstance(variable, str):
                rendered["Condition"] = first_unresolved([test, variable]) or Invalid("condition without test")
                break
            conditions.setdefault(test, {})[variable] = values
        else:
            if conditions:
                rendered["Condition"] = conditions
        return rendered

    # -- nodes ------------------------------------------------------------------------------------------
    def build(self) -> None:
        for key, block in self.source.resources.items():
            self.unit.resources += 1
            builder = _BUILDERS.get(block.labels[0])
            if builder is None or not self.exists(block):
                continue
            builder(_Resource(self, block, self.prefix + key))
        for name, call in self.source.modules.items():
            if not self.exists(call):
                continue
            child = self.child(name)
            if isinstance(child, _Instance):
                child.build()


def _type_name(attr: Attr) -> str:
    expr = attr.expr
    if isinstance(expr, _Json):
        return str(expr.value).strip("${}")
    try:
        term = expr.children[0]
        if term.data == "function_call":
            term = term.children[0]
        return str(term.children[0]) if term.data == "identifier" else ""
    except (AttributeError, IndexError):
        return ""


def _parse_value(text: str, what: str) -> Any:
    import hcl2

    try:
        tree = hcl2.parses_to_tree(f"value = {text}\n")
        attrs, _ = _tree_blocks(tree.children[0], "")
    except Exception:  # lark raises several error types; all mean the text is not a value
        return Invalid(f"{what}: {text!r} is not a valid value")
    return Evaluator(_NoScope()).eval(attrs["value"].expr) if "value" in attrs else Invalid(f"{what}: no value")


def _repeated(block: Block) -> str:
    if block.repeated:
        return block.repeated
    if "count" in block.attrs:
        return "count"
    if "for_each" in block.attrs:
        return "for_each"
    return ""


def _each(collection: Any) -> tuple[Any, Any]:
    """`each.key` and `each.value` when every instance has the same ones (or the collection is a resource)."""
    if isinstance(collection, Unresolved):
        return collection, collection
    if isinstance(collection, Namespace):
        return Unresolved("each.key of a repeated resource"), collection
    if isinstance(collection, dict):
        pairs = list(collection.items())
    elif isinstance(collection, list):
        pairs = [(item, item) for item in collection]
    else:
        return Invalid("for_each of something that is not a map or set"), Invalid("for_each of a non-collection")
    differ = Unresolved("each.value differs between the instances")
    keys = {json.dumps(plain(k, {}), sort_keys=True, default=repr) for k, _ in pairs}
    values = {json.dumps(plain(v, {}), sort_keys=True, default=repr) for _, v in pairs}
    key = pairs[0][0] if len(keys) == 1 else Unresolved("each.key differs between the instances")
    value = pairs[0][1] if len(values) == 1 else differ
    return key, value


class _Resource:
    """One resource declaration being turned into nodes: its values with provenance."""

    def __init__(self, instance: _Instance, block: Block, address: str) -> None:
        self.instance = instance
        self.block = block
        self.address = address
        self.type = block.labels[0]
        self.unit = instance.unit
        self.graph = instance.unit.graph
        self.span = Span(block.file, block.line, block.end_line)
        self.evaluator = instance.resource_evaluator(block)
        self.repeated = instance.repeated or _repeated(block)

    def kwargs(self, suffix: str = "", span: Span | None = None) -> dict[str, Any]:
        return {
            "uid": f"{self.unit.name}#{self.address}{suffix}",
            "address": self.address,
            "resource_type": self.type,
            "span": span or self.span,
            "unit": self.unit.name,
            "repeated": self.repeated,
        }

    def value(self, name: str, kind: Kind, attribute: str, block: Block | None = None) -> Value:
        """An attribute as a Value: explicit, the AWS default when absent (or null), or unresolved."""
        block = block or self.block
        attr = block.attrs.get(name)
        if attr is None:
            return default(kind, attribute)
        span = Span(attr.file, attr.line, max(attr.line, attr.end_line))
        raw = self.instance.eval(attr, self.evaluator)
        return self.as_value(raw, kind, attribute, span, self.note(attr))

    def as_value(self, raw: Any, kind: Kind, attribute: str, span: Span, note: str = "") -> Value:
        data = plain(raw, self.unit.tokens)
        if data is None:
            return default(kind, attribute)
        found = first_unresolved(data) if isinstance(data, (list, Unresolved)) else None
        if found:
            return Value(None, Origin.UNRESOLVED, span, found.reason)
        return Value(data, Origin.EXPLICIT, span, note)

    def note(self, attr: Attr) -> str:
        """How a value written as `var.NAME` was set: the module input, tfvars file or default."""
        expr = attr.expr
        try:
            term = expr.children[0]
            if term.data != "get_attr_expr_term":
                return ""
            base, get_attr = term.children
            if base.children[0].data == "identifier" and str(base.children[0].children[0]) == "var":
                return str(self.instance.variable(str(get_attr.children[1].children[0]))[1])
        except (AttributeError, IndexError, ValueError):
            return ""
        return ""

    def document(self, name: str, block: Block | None = None) -> Value:
        """A JSON attribute (policy, redrive policy) as data."""
        block = block or self.block
        attr = block.attrs.get(name)
        if attr is None:
            return Value(None, Origin.DEFAULT)
        span = Span(attr.file, attr.line, max(attr.line, attr.end_line))
        raw = self.instance.eval(attr, self.evaluator)
        if raw is None:
            return Value(None, Origin.DEFAULT)
        if isinstance(raw, Unresolved):
            return Value(None, Origin.UNRESOLVED, span, raw.reason)
        data = document(raw, self.unit.tokens)
        if isinstance(data, Unresolved):
            return Value(None, Origin.UNRESOLVED, span, f"{name}: {data.reason}")
        return Value(data, Origin.EXPLICIT, span, self.note(attr))

    def field(self, doc: Value, key: str, kind: Kind, attribute: str) -> Value:
        if not doc.resolved:
            return doc
        if not isinstance(doc.value, dict) or key not in doc.value:
            return default(kind, attribute)
        assert doc.span is not None
        return self.as_value(doc.value[key], kind, attribute, doc.span, doc.note)

    def nested_value(self, block_name: str, name: str, kind: Kind, attribute: str) -> Value:
        """An attribute of a nested block written once (`dead_letter_config`, `scaling_config`)."""
        dynamic = next((b for b in self.block.blocks if b.type == "dynamic" and b.labels == (block_name,)), None)
        if dynamic is not None:
            span = Span(dynamic.file, dynamic.line, dynamic.end_line)
            return Value(None, Origin.UNRESOLVED, span, f"dynamic {block_name} block is not evaluated")
        found = self.block.nested(block_name)
        return self.value(name, kind, attribute, found[0]) if found else default(kind, attribute)

    def add(self, node: Node, names: tuple[Value, ...] = (), ids: tuple[str, ...] | None = None) -> Any:
        return self.graph.add(node, ids=(self.address,) if ids is None else ids, names=names)

    def policy(
        self,
        name: str,
        suffix: str,
        targets: Value | None = None,
        kinds: tuple[Kind, ...] = (),
        names: tuple[Value, ...] = (),
    ) -> Policy | None:
        doc = self.document(name)
        if doc.value is None and doc.resolved:
            return None
        statements_value = statements(doc.value, doc.span) if doc.resolved else doc
        node = Policy(
            **self.kwargs(suffix), statements=statements_value, targets=targets or Value(None, Origin.DEFAULT)
        )
        self.graph.add(node, ids=(self.address + suffix,), names=names)
        if targets is not None:
            self.graph.wire(E.GOVERNED_BY, node, targets, kinds, reverse=True)
        return node


def _as_int(value: Value) -> Value:
    return _convert(value, to_number, "a number")


def _as_bool(value: Value) -> Value:
    return _convert(value, to_bool, "true or false")


def _convert(value: Value, convert: Callable[[Any], Any], expected: str) -> Value:
    if not value.explicit or value.value is None:
        return value
    converted = convert(value.value)
    if isinstance(converted, Unresolved):
        return Value(None, Origin.UNRESOLVED, value.span, f"{value.value!r} is not {expected}: {converted.reason}")
    return Value(converted, value.origin, value.span, value.note)


# -- builders, one per resource type (the CloudFormation loader's twins) -----------------------------------------
def _queue(r: _Resource) -> None:
    q = Kind.QUEUE
    redrive = r.document("redrive_policy")
    name = r.value("name", q, "name")
    node = Queue(
        **r.kwargs(),
        name=name,
        fifo=_as_bool(r.value("fifo_queue", q, "fifo")),
        visibility_timeout=_as_int(r.value("visibility_timeout_seconds", q, "visibility_timeout")),
        message_retention=_as_int(r.value("message_retention_seconds", q, "message_retention")),
        sqs_managed_sse=_as_bool(r.value("sqs_managed_sse_enabled", q, "sqs_managed_sse")),
        kms_key=r.value("kms_master_key_id", q, "kms_key"),
        max_receive_count=_as_int(r.field(redrive, "maxReceiveCount", q, "max_receive_count")),
        dead_letter_target=r.field(redrive, "deadLetterTargetArn", q, "dead_letter_target"),
        redrive_allow_policy=_document_value(r.document("redrive_allow_policy")),
    )
    r.add(node, names=(name,))
    r.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))
    policy = r.policy("policy", ".policy")
    if policy is not None:
        r.graph.link(E.GOVERNED_BY, node, policy)


def _document_value(doc: Value) -> Value:
    return doc if doc.value is not None or not doc.resolved else default(Kind.QUEUE, "redrive_allow_policy")


def _queue_policy(r: _Resource) -> None:
    r.policy("policy", "", r.value("queue_url", Kind.POLICY, "targets"), (Kind.QUEUE,))


def _queue_redrive(r: _Resource, allow: bool) -> None:
    """A standalone redrive (allow) policy sets the queue's own attributes, as if written on the queue."""
    queue_url = r.value("queue_url", Kind.QUEUE, "name")
    doc = r.document("redrive_allow_policy" if allow else "redrive_policy")

    def apply() -> None:
        if not queue_url.resolved:
            return
        for queue in r.graph.find(r.unit.name, queue_url.value, (Kind.QUEUE,), queue_url):
            assert isinstance(queue, Queue)
            if allow:
                queue.redrive_allow_policy = doc
                continue
            queue.max_receive_count = _as_int(r.field(doc, "maxReceiveCount", Kind.QUEUE, "max_receive_count"))
            queue.dead_letter_target = r.field(doc, "deadLetterTargetArn", Kind.QUEUE, "dead_letter_target")
            r.graph.wire(E.DEAD_LETTERS_TO, queue, queue.dead_letter_target, (Kind.QUEUE,))

    r.unit.deferred.append(apply)


def _topic(r: _Resource) -> None:
    t = Kind.TOPIC
    name = r.value("name", t, "name")
    node = Topic(
        **r.kwargs(),
        name=name,
        fifo=_as_bool(r.value("fifo_topic", t, "fifo")),
        kms_key=r.value("kms_master_key_id", t, "kms_key"),
    )
    r.add(node, names=(name,))
    r.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
    policy = r.policy("policy", ".policy")
    if policy is not None:
        r.graph.link(E.GOVERNED_BY, node, policy)


def _topic_policy(r: _Resource) -> None:
    r.policy("policy", "", r.value("arn", Kind.POLICY, "targets"), (Kind.TOPIC,))


def _subscription(r: _Resource) -> None:
    s = Kind.SUBSCRIPTION
    protocol = r.value("protocol", s, "protocol")
    redrive = r.document("redrive_policy")
    topic = r.value("topic_arn", s, "topic")
    node = Subscription(
        **r.kwargs(),
        topic=topic,
        protocol=protocol,
        endpoint=r.value("endpoint", s, "endpoint"),
        dead_letter_target=r.field(redrive, "deadLetterTargetArn", s, "dead_letter_target"),
        raw_message_delivery=_as_bool(r.value("raw_message_delivery", s, "raw_message_delivery")),
    )
    r.add(node)
    kinds = {"sqs": (Kind.QUEUE,), "lambda": (Kind.FUNCTION,)}.get(str(protocol.value).lower(), ())
    r.graph.wire(E.SUBSCRIBES_TO, node, topic, (Kind.TOPIC,))
    r.graph.wire(E.DELIVERS_TO, node, node.endpoint, kinds)
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))


def _key(r: _Resource) -> None:
    node = Key(**r.kwargs(), rotation=_as_bool(r.value("enable_key_rotation", Kind.KEY, "rotation")))
    r.add(node)
    policy = r.policy("policy", ".policy")
    if policy is not None:
        r.graph.link(E.GOVERNED_BY, node, policy)


def _key_policy(r: _Resource) -> None:
    r.policy("policy", "", r.value("key_id", Kind.POLICY, "targets"), (Kind.KEY,))


def _alias(r: _Resource) -> None:
    name = r.value("name", Kind.ALIAS, "name")
    node = AliasNode(**r.kwargs(), name=name, target_key=r.value("target_key_id", Kind.ALIAS, "target_key"))
    r.add(node, names=(name,))
    r.graph.wire(E.ALIASES, node, node.target_key, (Kind.KEY,))


def _role(r: _Resource) -> None:
    name = r.value("name", Kind.ROLE, "name")
    node = Role(**r.kwargs(), managed_policy_arns=r.value("managed_policy_arns", Kind.ROLE, "managed_policy_arns"))
    r.add(node, names=(name,))
    for dynamic in (b for b in r.block.blocks if b.type == "dynamic" and b.labels == ("inline_policy",)):
        span = Span(dynamic.file, dynamic.line, dynamic.end_line)
        unknown = Value(None, Origin.UNRESOLVED, span, "dynamic inline_policy block is not evaluated")
        policy = Policy(**r.kwargs(".inline_policy[dynamic]", span), statements=unknown)
        r.graph.add(policy, ids=())
        r.graph.link(E.GOVERNED_BY, node, policy)
    for index, inline in enumerate(r.block.nested("inline_policy")):
        doc = r.document("policy", inline)
        if doc.value is None and doc.resolved:
            continue
        span = Span(inline.file, inline.line, inline.end_line)
        statements_value = statements(doc.value, doc.span) if doc.resolved else doc
        policy = Policy(**r.kwargs(f".inline_policy[{index}]", span), statements=statements_value)
        r.graph.add(policy, ids=(f"{r.address}.inline_policy[{index}]",))
        r.graph.link(E.GOVERNED_BY, node, policy)


def _role_policy(r: _Resource) -> None:
    r.policy("policy", "", r.value("role", Kind.POLICY, "targets"), (Kind.ROLE,))


def _iam_policy(r: _Resource) -> None:
    r.policy("policy", "", names=(r.value("name", Kind.POLICY, "name"),))


def _policy_attachment(r: _Resource) -> None:
    """A managed policy attached to a role: a policy of this module becomes the role's, an ARN joins the role's
    managed policy ARNs (AWS managed policies are known by name)."""
    role = r.value("role", Kind.ROLE, "name")
    policy_arn = r.value("policy_arn", Kind.ROLE, "managed_policy_arns")

    def apply() -> None:
        if not role.resolved or not policy_arn.resolved:
            return
        for node in r.graph.find(r.unit.name, role.value, (Kind.ROLE,), role):
            assert isinstance(node, Role)
            if isinstance(policy_arn.value, Ref):
                for policy in r.graph.find(r.unit.name, policy_arn.value, (Kind.POLICY,), policy_arn):
                    r.graph.link(E.GOVERNED_BY, node, policy)
                continue
            existing = node.managed_policy_arns
            arns = list(existing.value) if existing.resolved and isinstance(existing.value, list) else []
            if existing.resolved:
                node.managed_policy_arns = Value([*arns, policy_arn.value], Origin.EXPLICIT, policy_arn.span)

    r.unit.deferred.append(apply)


def _function(r: _Resource) -> None:
    f = Kind.FUNCTION
    name = r.value("function_name", f, "name")
    reserved = _as_int(r.value("reserved_concurrent_executions", f, "reserved_concurrency"))
    if reserved.explicit and reserved.value == -1:  # Terraform's way of writing "no reservation"
        reserved = default(f, "reserved_concurrency")
    node = Function(
        **r.kwargs(),
        name=name,
        timeout=_as_int(r.value("timeout", f, "timeout")),
        reserved_concurrency=reserved,
        role=r.value("role", f, "role"),
        dead_letter_target=r.nested_value("dead_letter_config", "target_arn", f, "dead_letter_target"),
    )
    r.add(node, names=(name,))
    r.graph.wire(E.ASSUMES, node, node.role, (Kind.ROLE,))
    r.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE, Kind.TOPIC))


def _mapping(r: _Resource) -> None:
    m = Kind.MAPPING
    response_types = r.value("function_response_types", m, "report_batch_item_failures")
    if response_types.explicit:
        reports = isinstance(response_types.value, list) and "ReportBatchItemFailures" in response_types.value
        response_types = Value(reports, Origin.EXPLICIT, response_types.span, response_types.note)
    source = r.value("event_source_arn", m, "source")
    function = r.value("function_name", m, "function")
    node = Mapping(
        **r.kwargs(),
        source=source,
        function=function,
        batch_size=_as_int(r.value("batch_size", m, "batch_size")),
        batching_window=_as_int(r.value("maximum_batching_window_in_seconds", m, "batching_window")),
        report_batch_item_failures=response_types,
        maximum_concurrency=_as_int(r.nested_value("scaling_config", "maximum_concurrency", m, "maximum_concurrency")),
        enabled=_as_bool(r.value("enabled", m, "enabled")),
    )
    r.add(node)
    r.graph.wire(E.CONSUMES, node, source, (Kind.QUEUE,))
    r.graph.wire(E.INVOKES, node, function, (Kind.FUNCTION,))


def _permission(r: _Resource) -> None:
    p = Kind.PERMISSION
    node = Permission(
        **r.kwargs(),
        function=r.value("function_name", p, "function"),
        principal=r.value("principal", p, "principal"),
        action=r.value("action", p, "action"),
        source_arn=r.value("source_arn", p, "source_arn"),
        source_account=r.value("source_account", p, "source_account"),
    )
    r.add(node)
    r.graph.wire(E.PERMITS, node, node.function, (Kind.FUNCTION,))


def _bucket_notification(r: _Resource) -> None:
    bucket = r.value("bucket", Kind.BUCKET_NOTIFICATION, "bucket")
    for section, target, kinds in (
        ("queue", "queue_arn", (Kind.QUEUE,)),
        ("topic", "topic_arn", (Kind.TOPIC,)),
        ("lambda_function", "lambda_function_arn", (Kind.FUNCTION,)),
    ):
        for index, item in enumerate(r.block.nested(section)):
            span = Span(item.file, item.line, item.end_line)
            node = BucketNotification(
                **r.kwargs(f".{section}[{index}]", span),
                bucket=bucket,
                destination=r.value(target, Kind.BUCKET_NOTIFICATION, "destination", item),
                events=r.value("events", Kind.BUCKET_NOTIFICATION, "events", item),
            )
            r.add(node, ids=())
            r.graph.wire(E.DELIVERS_TO, node, node.destination, kinds)


def _event_target(r: _Resource) -> None:
    node = RuleTarget(
        **r.kwargs(),
        rule=r.value("rule", Kind.RULE_TARGET, "rule"),
        destination=r.value("arn", Kind.RULE_TARGET, "destination"),
    )
    r.add(node)
    r.graph.wire(E.DELIVERS_TO, node, node.destination, (Kind.QUEUE, Kind.TOPIC, Kind.FUNCTION))


_BUILDERS: dict[str, Callable[[_Resource], None]] = {
    "aws_sqs_queue": _queue,
    "aws_sqs_queue_policy": _queue_policy,
    "aws_sqs_queue_redrive_policy": lambda r: _queue_redrive(r, allow=False),
    "aws_sqs_queue_redrive_allow_policy": lambda r: _queue_redrive(r, allow=True),
    "aws_sns_topic": _topic,
    "aws_sns_topic_policy": _topic_policy,
    "aws_sns_topic_subscription": _subscription,
    "aws_kms_key": _key,
    "aws_kms_key_policy": _key_policy,
    "aws_kms_alias": _alias,
    "aws_iam_role": _role,
    "aws_iam_role_policy": _role_policy,
    "aws_iam_policy": _iam_policy,
    "aws_iam_role_policy_attachment": _policy_attachment,
    "aws_lambda_function": _function,
    "aws_lambda_event_source_mapping": _mapping,
    "aws_lambda_permission": _permission,
    "aws_s3_bucket_notification": _bucket_notification,
    "aws_cloudwatch_event_target": _event_target,
}


# -- the loader: directories to units ---------------------------------------------------------------------
@dataclass
class Outcome:
    files: int = 0
    resources: int = 0
    errors: list[LoadError] = field(default_factory=list)


class Loader:
    """Loads every Terraform module directory of a scan, each root module into a unit of its own."""

    def __init__(self, variables: Variables, environment: dict[str, str] | None = None) -> None:
        self.variables = variables
        self.environment = os.environ if environment is None else environment
        self.parsed: dict[str, ModuleSource | None] = {}
        self.errors: list[LoadError] = []
        self.reported: set[str] = set()
        self.root_cache: dict[str, dict[str, tuple[Any, str]]] = {}
        self.vendored_cache: dict[str, dict[str, str]] = {}

    def module(self, directory: str) -> ModuleSource | None:
        if directory not in self.parsed:
            parsed, errors = parse_module(directory, module_files(directory))
            self.parsed[directory] = parsed
            self.errors.extend(errors)
        return self.parsed[directory]

    def load(self, directories: list[str], graph: Graph) -> Outcome:
        outcome = Outcome()
        directories = list(dict.fromkeys(os.path.abspath(d) for d in directories))
        called = {c for d in directories if (m := self.module(d)) is not None for c in m.local_calls()}
        attempted = set()
        for root in [d for d in directories if d not in called]:
            self.load_root(root, graph, outcome)
            attempted.add(root)
        for directory in directories:
            parsed = self.parsed.get(directory)
            if directory in attempted or parsed is None or self.reported.issuperset(parsed.files):
                continue
            # called only by modules that failed to load, or by a module it calls back: scanned on its own
            self.load_root(directory, graph, outcome)
            attempted.add(directory)
        outcome.files = len(self.reported)
        outcome.errors = self.errors
        return outcome

    def load_root(self, root: str, graph: Graph, outcome: Outcome) -> None:
        parsed = self.module(root)
        if parsed is None:
            return
        unit = _Unit(root, self)
        unit.files.update(parsed.files)
        try:
            instance = _Instance(unit, parsed, "", None, (root,))
            instance.build()
            for apply in unit.deferred:
                apply()
        except LoadError as exc:
            self.errors.append(exc)
            return
        except RecursionError:
            self.errors.append(LoadError(unit.name, 1, "configuration nested too deeply to evaluate"))
            return
        self.reported.update(unit.files)
        outcome.resources += unit.resources
        graph.merge(unit.graph)

    def vendored(self, root: str, key: str) -> str | None:
        """A registry or git module that `terraform init` downloaded (`.terraform/modules/modules.json`)."""
        if root not in self.vendored_cache:
            table: dict[str, str] = {}
            path = os.path.join(root, ".terraform", "modules", "modules.json")
            try:
                with open(path, encoding="utf-8") as handle:
                    entries = json.load(handle).get("Modules", [])
                for entry in entries if isinstance(entries, list) else []:
                    if (
                        isinstance(entry, dict)
                        and isinstance(entry.get("Key"), str)
                        and isinstance(entry.get("Dir"), str)
                    ):
                        table[entry["Key"]] = os.path.normpath(os.path.join(root, entry["Dir"]))
            except (OSError, ValueError, AttributeError):
                pass  # no `terraform init` here: registry modules stay opaque
            self.vendored_cache[root] = table
        dotted = ".".join(part for part in key.split(".") if part != "module")
        directory = self.vendored_cache[root].get(dotted)
        return directory if directory and os.path.isdir(directory) else None

    def root_values(self, root: str) -> dict[str, tuple[Any, str]]:
        """Variable values of a root module, lowest precedence first: TF_VAR_* (with --var-env), terraform.tfvars,
        *.auto.tfvars, --var-file, --var."""
        if root in self.root_cache:
            return self.root_cache[root]
        values: dict[str, tuple[Any, str]] = {}
        if self.variables.from_environment:
            for name, raw in self.environment.items():
                if name.startswith("TF_VAR_"):
                    values[name[7:]] = (raw, f"variable {name[7:]}, from {name}")
        names = sorted(os.listdir(root)) if os.path.isdir(root) else []
        files = [os.path.join(root, n) for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
        files += [os.path.join(root, n) for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        files += list(self.variables.files)
        for path in files:
            shown = display_path(path)
            try:
                assignments = self.tfvars(path, shown)
            except LoadError as exc:
                if shown not in {e.file for e in self.errors}:
                    self.errors.append(exc)
                continue
            for name, value in assignments.items():
                values[name] = (value, f"variable {name}, from {shown}")
        for name, raw in self.variables.values.items():
            values[name] = (raw, f"variable {name}, from --var")
        self.root_cache[root] = values
        return values

    def tfvars(self, path: str, shown: str) -> dict[str, Any]:
        text = read_text(path, shown)
        scope = _NoScope()
        if path.endswith(".json"):
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise LoadError(shown, getattr(exc, "lineno", 1), f"malformed JSON: {exc}") from None
            return data if isinstance(data, dict) else {}
        import hcl2
        from lark.exceptions import UnexpectedInput

        try:
            tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
        except UnexpectedInput as exc:
            line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
            raise LoadError(shown, line, "malformed variables file") from None
        except Exception as exc:  # python-hcl2's post-lexer and transformer raise their own errors
            raise LoadError(shown, 1, f"cannot parse: {exc}") from None
        attrs, _ = _tree_blocks(tree.children[0], shown)
        evaluator = Evaluator(scope)
        return {name: evaluator.eval(attr.expr) for name, attr in attrs.items()}


def build_declarations(name: str, file: str, resources: dict[str, Block], graph: Graph) -> int:
    """Nodes for resource declarations whose values are evaluated already (a plan): one unit named `name`."""
    directory = os.path.dirname(os.path.abspath(file))
    unit = _Unit(directory, Loader(Variables()), name)
    source = ModuleSource(directory, [file], resources=resources)
    _Instance(unit, source, "", None, (directory,)).build()
    for apply in unit.deferred:
        apply()
    graph.merge(unit.graph)
    return unit.resources


def load_directories(directories: list[str], graph: Graph, variables: Variables) -> Outcome:
    """Load the Terraform module directories of a scan into `graph`."""
    return Loader(variables).load(directories, graph)
