"""Terraform loader: module directories (`.tf`, `.tf.json`) into graph nodes, one graph unit per root module.

Local modules are loaded through their callers with the callers' inputs and `module.NAME.` addresses; expressions
are evaluated on python-hcl2's Lark tree by `hcl_eval`, and whatever cannot be known stays unresolved.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crosswire import cache, fs, heap, progress
from crosswire.graph import Graph
from crosswire.inputs import read_text, within
from crosswire.loaders import LoadError, UnresolvedInput, budget, display_path
from crosswire.loaders.budget import Budget, OverBudget
from crosswire.loaders.hcl_eval import (
    MAX_FILE_BYTES,
    Encoded,
    Evaluator,
    Invalid,
    Namespace,
    document,
    encode,
    first_unresolved,
    plain,
    to_bool,
    to_number,
)
from crosswire.loaders.terraform_config import (
    SUFFIXES,
    Attr,
    Block,
    Evaluated,
    JsonValue,
    ModuleSource,
    NoScope,
    evaluate,
    literal,
    load_json,
    local_source,
    module_files,
    parse_body,
    parse_module,
    parse_value,
    repeated_by,
    type_name,
    without_indexes,
)
from crosswire.loaders.terraform_resources import BUILDERS, Resource
from crosswire.model import EXISTS, Origin, Ref, Span, Unresolved, Value, describe

MAX_MODULE_DEPTH = 16
# root-module bool variables without a value that decide whether resources exist are judged both ways, as
# CloudFormation conditions are: at most this many (2**4 = 16 scenarios, the bound templates have)
MAX_SCENARIO_VARIABLES = 4
# a declaration whose count or for_each is known is modelled instance by instance, as Terraform plans it, up to this
# many instances; beyond, and when count or for_each is unknown, one node stands for every instance
MAX_INSTANCES = 64
# for_each keys that become part of an address (`aws_sqs_queue.q["fast"]`): nothing that could end the quoted key,
# open a template or read as another part of an address; a collection with another key is modelled as one node
_INSTANCE_KEY = re.compile(r'[^\s"\\\[\]{}$%]{1,128}')
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

    given: tuple[tuple[str, str], ...] = ()  # ("var", "NAME=VALUE") and ("file", PATH), in command-line order
    from_environment: bool = False


# -- evaluation scope: one module instance -----------------------------------------------------------------
class _Unit:
    """One root module and every local module it calls: one graph unit."""

    def __init__(self, root: str, loader: Loader, name: str = "") -> None:
        self.root = root
        self.name = name or display_path(root)
        self.loader = loader
        self.tree = loader.tree_of(root)  # nothing outside it is read: modules, file(), templatefile()
        self.evaluating: list[Attr] = []  # the attributes being evaluated, innermost last: where a file() call is
        self.graph = Graph()
        self.tokens: dict[str, Ref] = {}
        self.resources = 0
        self.files: set[str] = set()
        self.opaque: list[UnresolvedInput] = []
        self.deferred: list[Callable[[], None]] = []
        self.budget = Budget()
        self.computing: list[str] = []  # the values being computed, outermost first: a cycle is a repeat here
        # scenarios: the bool variables without a value that a count or for_each read (while `deciding` whether
        # a declaration exists), and in a scenario's unit, the value each is taken to have
        self.deciding = 0
        self.undecided: set[str] = set()
        self.assumed: dict[str, bool] = {}
        self.scenario: tuple[tuple[str, bool], ...] = ()


class _Cycle(Exception):
    """A value that needs itself; the message names each step of the cycle."""


_COMPUTING = object()  # the cached value of a key while it is computed


class Instance:
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
        self.children: dict[str, Instance | Unresolved] = {}
        self.resource_types = {key.split(".", 1)[0] for key in source.resources}
        self.evaluator = Evaluator(self, budget=unit.budget)
        # whether this instance exists at all: its module call's count or for_each, set by the caller
        self.existence_of_instance: Value = EXISTS

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
        """The text of a file() or templatefile() target: inside the scanned tree only, through the reader. A file
        that does not exist may be made by the build; any other problem is an error at the call."""
        if not isinstance(path, str):
            return path if isinstance(path, Unresolved) else Invalid("file() of something that is not a path")
        full = os.path.join(self.unit.root, path)
        shown = display_path(full)
        if not within(full, self.unit.tree):
            return self.file_error(f"file() reads {shown}, which is outside the scanned tree")
        try:
            return read_text(full, shown, self.unit.tree, MAX_FILE_BYTES)
        except LoadError as exc:
            if not fs.lexists(full):
                return Unresolved(f"file {path} does not exist")
            return self.file_error(f"file() reads {shown}: {exc.message}")

    def file_error(self, message: str) -> Invalid:
        """An error at the attribute whose expression calls file() or templatefile()."""
        if self.unit.evaluating:
            at = self.unit.evaluating[-1]
            self.unit.loader.error(LoadError(at.file, at.line, message))
        return Invalid(message)

    # -- names ----------------------------------------------------------------------------------------------
    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        """Evaluate `compute` once per key; a value that needs itself is a cycle, which Terraform rejects."""
        name = key if key.startswith(self.prefix) else self.prefix + key  # resource keys carry the prefix
        if key in self.cache:
            if self.cache[key] is _COMPUTING:
                steps = self.unit.computing
                raise _Cycle(f"cycle: {' -> '.join([*steps[steps.index(name) :], name])} (Terraform rejects it)")
            return self.cache[key]
        self.cache[key] = _COMPUTING
        self.unit.computing.append(name)
        try:
            value = compute()
        finally:  # also when compute() raises: the key is not left half computed
            self.unit.computing.pop()
            del self.cache[key]
        self.cache[key] = value
        return value

    def eval(self, attr: Attr, evaluator: Evaluator | None = None) -> Any:
        self.unit.evaluating.append(attr)
        try:
            return self.evaluate(attr, evaluator or self.evaluator)
        finally:
            self.unit.evaluating.pop()

    def evaluate(self, attr: Attr, evaluator: Evaluator) -> Any:
        try:
            if isinstance(attr.expr, JsonValue):
                return self.eval_json(attr.expr.value, evaluator)
            if isinstance(attr.expr, Evaluated):
                return attr.expr.evaluate()
            return evaluator.eval(attr.expr)
        except (OverBudget, _Cycle) as exc:
            # raised here, at the innermost attribute being evaluated: the attributes around it see a LoadError
            raise LoadError(attr.file, attr.line, str(exc)) from None

    def eval_json(self, raw: Any, evaluator: Evaluator) -> Any:
        if isinstance(raw, str):
            return evaluator.render(raw)
        if not isinstance(raw, (list, dict)):
            return raw
        evaluator.budget.enter()  # nested JSON is nested evaluation, as an HCL list or object is
        try:
            if isinstance(raw, list):
                return [self.eval_json(v, evaluator) for v in raw]
            return {k: self.eval_json(v, evaluator) for k, v in raw.items()}
        finally:
            evaluator.budget.leave()

    def variable(self, name: str) -> tuple[Any, str]:
        """A variable's value and how it was set."""
        found: tuple[Any, str] = self.once(f"var.{name}", lambda: self.compute_variable(name))
        if self.unit.deciding and self.inputs is None and isinstance(found[0], Unresolved) and self.boolean(name):
            self.unit.undecided.add(name)
        return found

    def boolean(self, name: str) -> bool:
        """Whether a root variable is a bool without a default or a value: one a scenario may set."""
        declared = self.source.variables.get(name)
        type_attr = declared.attrs.get("type") if declared else None
        return (
            declared is not None
            and type_attr is not None
            and type_name(type_attr) == "bool"
            and "default" not in declared.attrs
            and name not in self.unit.loader.root_values(self.unit.root)
        )

    def compute_variable(self, name: str) -> tuple[Any, str]:
        declared = self.source.variables.get(name)
        if declared is None:
            return Invalid(f"variable {name} is not declared"), ""
        value: Any = None
        note = ""
        given = False
        if self.inputs is not None and name in self.inputs:
            value, note = self.inputs[name](), f"module input {name} of {self.prefix.rstrip('.')}"
        elif self.inputs is None and name in self.unit.loader.root_values(self.unit.root):
            value, note = self.unit.loader.root_values(self.unit.root)[name]
            given = True
        elif "default" in declared.attrs:
            value, note = self.eval(declared.attrs["default"]), f"variable {name} default"
        elif self.inputs is None and name in self.unit.assumed:
            value = self.unit.assumed[name]
            note = f"variable {name} taken as {str(value).lower()} in this scenario"
        else:
            return Unresolved(f"variable {name} has no default and no value is given"), ""
        type_attr = declared.attrs.get("type")
        kind = type_name(type_attr) if type_attr else ""
        if isinstance(value, str) and kind == "number":
            value = to_number(value)
        elif isinstance(value, str) and kind == "bool":
            value = to_bool(value)
        elif isinstance(value, str) and kind in ("list", "set", "tuple", "map", "object"):
            value = parse_value(value, f"variable {name}")  # --var and TF_VAR_ give collections as HCL text
        if given and isinstance(value, Invalid):
            # Terraform refuses a value given for a root module that does not fit the type: a usage error
            message = f"{note}: {value.reason.removeprefix(f'variable {name}: ')} (type {kind})"
            self.unit.loader.error(LoadError(declared.file, declared.line, message))
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
        return self.declared(block, self.prefix + key, self.resource_attribute, referable=True)

    def declared(self, block: Block, address: str, read: Callable[..., Any], referable: bool) -> Any:
        """A resource or data source as expressions see it: one namespace whose attributes `read` gives, or, for
        each instance of a known `count`/`for_each`, one namespace with the instance's own evaluator. A
        `referable` one (a resource) becomes a Ref when referred to whole."""
        instances = self.instances(block, address)
        if instances is not None:
            return self.collection(
                block,
                {
                    number: Namespace(
                        address + index,
                        functools.partial(read, block, address + index, evaluator=evaluator),
                        address + index if referable else "",
                    )
                    for number, index, evaluator in instances
                },
            )
        repeated = "count" in block.attrs or "for_each" in block.attrs
        whole = address if referable else ""
        return Namespace(address, lambda attribute: read(block, address, attribute), whole, repeated)

    def resource_attribute(
        self, block: Block, address: str, attribute: str, evaluator: Evaluator | None = None
    ) -> Any:
        if attribute in IDENTITY_ATTRIBUTES:
            return Ref(address, attribute)
        if attribute not in block.attrs:
            return Unresolved(f"{address}.{attribute} is only known after apply")
        evaluator = evaluator or self.resource_evaluator(block)
        return self.once(f"{address}.{attribute}", lambda: self.eval(block.attrs[attribute], evaluator))

    # -- instances of count and for_each ----------------------------------------------------------------
    def instances(self, block: Block, address: str) -> list[tuple[int | str, str, Evaluator]] | None:
        """Each instance of a declaration with a known, small `count` or `for_each`: its key, its index as an
        address writes it (`[0]`, `["fast"]`) and an evaluator in which `count.index` or `each` are its own.
        None for a declaration that is not repeated, or whose instances are modelled as one node."""
        if "count" not in block.attrs and "for_each" not in block.attrs:
            return None
        return self.once(f"{address}#instances", lambda: self.compute_instances(block))  # type: ignore[no-any-return]

    def compute_instances(self, block: Block) -> list[tuple[int | str, str, Evaluator]] | None:
        if "count" in block.attrs:
            count = to_number(self.eval(block.attrs["count"]))
            if isinstance(count, bool) or not isinstance(count, (int, float)) or not float(count).is_integer():
                return None
            if not 0 <= count <= MAX_INSTANCES:
                return None
            return [
                (number, f"[{number}]", self.evaluator.child({"count": _count(number)}))
                for number in range(int(count))
            ]
        collection = self.eval(block.attrs["for_each"])
        if isinstance(collection, dict):
            pairs = sorted(collection.items())
        elif isinstance(collection, list):  # a set of strings: Terraform's keys are the strings themselves
            items = [str(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else item
                     for item in collection]
            if not all(isinstance(item, str) for item in items):
                return None
            pairs = [(item, item) for item in sorted(set(items))]
        else:
            return None
        if len(pairs) > MAX_INSTANCES or not all(_INSTANCE_KEY.fullmatch(key) for key, _ in pairs):
            return None
        return [(key, f'["{key}"]', self.evaluator.child({"each": _each_of(key, value)})) for key, value in pairs]

    @staticmethod
    def collection(block: Block, members: dict[int | str, Any]) -> Any:
        """The instances of a declaration as Terraform's expressions see them: a list for count, a map for
        for_each."""
        return list(members.values()) if "count" in block.attrs else members

    def data_source(self, data_type: str, name: str) -> Any:
        key = f"{data_type}.{name}"
        block = self.source.data.get(key)
        if block is None:
            return Invalid(f"data source {key} is not declared")
        return self.declared(block, f"{self.prefix}data.{key}", self.data_attribute, referable=False)

    def data_attribute(self, block: Block, address: str, attribute: str, evaluator: Evaluator | None = None) -> Any:
        data_type = block.labels[0]
        if (data_type, attribute) in SYMBOLIC:
            return SYMBOLIC[(data_type, attribute)]
        evaluator = evaluator or self.resource_evaluator(block)
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
        instances = self.instances(call, f"{self.prefix}module.{name}")
        if instances is not None:
            members: dict[int | str, Any] = {}
            for number, index, evaluator in instances:
                member = self.child(name, index, evaluator)
                # a module that is not loaded (not vendored, outside the tree) has outputs as unknown as itself
                getter = member.output if isinstance(member, Instance) else functools.partial(_same, member)
                members[number] = Namespace(f"module.{name}{index}", getter)
            return self.collection(call, members)
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

    def child(self, name: str, index: str = "", evaluator: Evaluator | None = None) -> Instance | Unresolved:
        """The module instance `name` calls (one of its instances, with `index` and its evaluator, when the call
        is repeated and its instances are known)."""
        if name + index not in self.children:
            self.children[name + index] = self.make_child(name, self.source.modules[name], index, evaluator)
        return self.children[name + index]

    def make_child(
        self, name: str, call: Block, index: str = "", instance_evaluator: Evaluator | None = None
    ) -> Instance | Unresolved:
        source_attr = call.attrs.get("source")
        source = literal(source_attr) if source_attr else None
        directory = self.module_directory(name, call, source)
        if isinstance(directory, Unresolved):
            return directory
        if directory is None:
            return Unresolved(f"module {self.prefix}module.{name} ({source}) is not vendored; its outputs are unknown")
        # by real path: a symlink back to a calling directory is the same module, not a new level
        if fs.realpath(directory) in self.chain:
            message = f"module {name} calls itself (through {source})"
        elif len(self.chain) > MAX_MODULE_DEPTH:
            message = f"modules nested deeper than {MAX_MODULE_DEPTH} levels (module {name} calls {source})"
        else:
            message = ""
        if message:
            self.unit.loader.error(LoadError(call.file, call.line, message))
            return Unresolved(message)  # the rest of the calling module is still checked
        try:
            self.unit.budget.instance()
        except OverBudget as exc:
            raise LoadError(call.file, call.line, str(exc)) from None
        parsed = self.unit.loader.module(directory, self.unit.tree)
        if parsed is None:
            return Unresolved(f"module {self.prefix}module.{name} ({source}) could not be loaded")
        self.unit.files.update(parsed.files)
        evaluator = instance_evaluator or self.resource_evaluator(call)
        inputs: dict[str, Callable[[], Any]] = {
            key: functools.partial(self.eval, attr, evaluator)
            for key, attr in call.attrs.items()
            if key not in ("source", "version", "count", "for_each", "providers", "depends_on")
        }
        repeated = self.repeated or ("" if instance_evaluator else repeated_by(call))
        chain = (*self.chain, fs.realpath(directory))
        return Instance(self.unit, parsed, f"{self.prefix}module.{name}{index}.", inputs, chain, repeated)

    def module_directory(self, name: str, call: Block, source: Any) -> str | Unresolved | None:
        """The directory of a local or downloaded module; one that leads outside the scanned tree is an error at
        the call (and its outputs are unresolved), as its files are never read."""
        local = local_source(self.source.directory, call)
        directory = local or self.unit.loader.vendored(self.unit.root, self.prefix + f"module.{name}")
        if directory is None or within(directory, self.unit.tree):
            return directory
        where = "" if local else f" ({display_path(directory)} in .terraform/modules/modules.json)"
        message = f"module {name}: source {source} leads outside the scanned tree{where}"
        self.unit.loader.error(LoadError(call.file, call.line, message))
        return Unresolved(message)

    def resource_evaluator(self, block: Block) -> Evaluator:
        """An evaluator with `count` and `each` of a block: its one instance's values, or unresolved when its
        instances differ (every instance of a declaration is modelled as one node)."""
        bindings: dict[str, Any] = {}
        if "count" in block.attrs:
            count = to_number(self.eval(block.attrs["count"]))
            index: Any = 0 if count == 1 else Unresolved("count.index differs between the instances")
            bindings["count"] = _count(index)
        if "for_each" in block.attrs:
            attr = block.attrs["for_each"]
            collection = self.eval(attr)
            try:
                key, value = _each(collection)
            except OverBudget as exc:  # comparing the instances writes each one out
                raise LoadError(attr.file, attr.line, str(exc)) from None
            bindings["each"] = _each_of(key, value)
        return self.evaluator.child(bindings) if bindings else self.evaluator

    def existence(self, block: Block, address: str) -> Value:
        """Whether a declaration has instances, as a CloudFormation `Condition` says whether a resource is created:
        false when count is 0 or for_each is empty for sure, unresolved (with why) when either cannot be worked
        out, and within a module call that may have no instance, whatever that call's existence is."""
        for name in ("count", "for_each"):
            attr = block.attrs.get(name)
            if attr is None:
                continue
            self.unit.deciding += 1
            try:
                raw = self.eval(attr)
            finally:
                self.unit.deciding -= 1
            counted = to_number(raw) if name == "count" else raw
            span = Span(attr.file, attr.line, max(attr.line, attr.end_line))
            if isinstance(counted, Unresolved):
                note = f"whether {address} exists depends on its {name}, which is unresolved: {counted.reason}"
                return Value(None, Origin.UNRESOLVED, span, note)
            empty = counted == 0 if name == "count" else isinstance(counted, (list, dict)) and not counted
            if empty:
                return Value(False, Origin.EXPLICIT, span)
        return self.existence_of_instance

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
                if not isinstance(kind, str):
                    rendered[key] = first_unresolved(kind) or Invalid("principals without a type")
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
            builder = BUILDERS.get(block.labels[0])
            existence = self.existence(block, self.prefix + key)
            if builder is None or existence.value is False:
                continue
            first = len(self.unit.graph.nodes)
            instances = self.instances(block, self.prefix + key)
            if instances is None:
                builder(Resource(self, block, self.prefix + key))
            for _, index, evaluator in instances or ():
                try:  # counted as module instances are: 64 modules of 64 of 64 resources must not exhaust memory
                    self.unit.budget.instance()
                except OverBudget as exc:
                    raise LoadError(block.file, block.line, str(exc)) from None
                builder(Resource(self, block, self.prefix + key + index, evaluator))
            if existence is not EXISTS:
                built = len(self.unit.graph.nodes) - first
                for node in itertools.islice(reversed(self.unit.graph.nodes.values()), built):
                    node.existence = existence
        for name, call in self.source.modules.items():
            call_existence = self.existence(call, f"{self.prefix}module.{name}")
            instances = self.instances(call, f"{self.prefix}module.{name}")
            if not instances:
                children = [self.child(name)]  # read even when disabled, so its files count as scanned
            else:
                children = [self.child(name, index, evaluator) for _, index, evaluator in instances]
            loaded = [c for c in children if isinstance(c, Instance)]
            for child in loaded if call_existence.value is not False else ():
                child.existence_of_instance = call_existence
                child.build()
            if not loaded and call_existence.value is not False and self.opaque(name, call):
                address = f"{self.prefix}module.{name}"
                self.unit.opaque.append(UnresolvedInput(address, call.file, call.line, _not_downloaded(call)))

    def opaque(self, name: str, call: Block) -> bool:
        """Whether a module call is neither local nor downloaded (one that failed to parse is an error already)."""
        local = local_source(self.source.directory, call)
        return local is None and self.unit.loader.vendored(self.unit.root, f"{self.prefix}module.{name}") is None


def _not_downloaded(call: Block) -> str:
    """Why a module that is neither local nor downloaded by `terraform init` is not checked."""
    source_attr = call.attrs.get("source")
    source = literal(source_attr) if source_attr else None
    if not isinstance(source, str):
        return "module source is not a literal: its resources are not checked"
    if source.startswith(("git::", "git@", "github.com/", "bitbucket.org/")):
        kind = "git module"
    elif "::" in source or source.startswith(("http://", "https://")):
        kind = "remote module"
    else:
        kind = "registry module"
    return (
        f"{kind} {source} is not downloaded (no .terraform/modules/modules.json entry): its resources are not checked"
    )


def _same(value: Any, _name: str) -> Any:
    return value


def _count(index: Any) -> Namespace:
    """`count` as one instance sees it (or every instance, with an unresolved index)."""
    return Namespace("count", lambda n: index if n == "index" else Invalid(f"count.{n}"))


def _each_of(key: Any, value: Any) -> Namespace:
    """`each` as one instance sees it (or every instance, with unresolved parts)."""
    return Namespace("each", lambda n: {"key": key, "value": value}.get(n, Invalid(f"each.{n} does not exist")))


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
    keys = {encode(plain(k, {}), sort_keys=True, default=repr) for k, _ in pairs}
    values = {encode(plain(v, {}), sort_keys=True, default=repr) for _, v in pairs}
    key = pairs[0][0] if len(keys) == 1 else Unresolved("each.key differs between the instances")
    value = pairs[0][1] if len(values) == 1 else differ
    return key, value


# -- the loader: directories to units ---------------------------------------------------------------------
@dataclass
class Outcome:
    files: int = 0
    resources: int = 0
    errors: list[LoadError] = field(default_factory=list)
    unresolved: list[UnresolvedInput] = field(default_factory=list)  # opaque module calls, once each
    variables: set[str] = field(default_factory=set)  # the names root modules declare: what --var may set


class Loader:
    """Loads every Terraform module directory of a scan, each root module into a unit of its own."""

    def __init__(
        self,
        variables: Variables,
        environment: dict[str, str] | None = None,
        trees: dict[str, str] | None = None,
        in_scenarios: bool = False,
    ) -> None:
        self.variables = variables
        self.in_scenarios = in_scenarios
        self.trees = trees or {}  # directory: the root of the scanned tree it belongs to
        self.environment = os.environ if environment is None else environment
        self.parsed: dict[str, ModuleSource | None] = {}
        self.errors: list[LoadError] = []
        self.reported: set[str] = set()
        self.root_cache: dict[str, dict[str, tuple[Any, str]]] = {}
        self.vendored_cache: dict[str, dict[str, str]] = {}

    def error(self, error: LoadError) -> None:
        """Report `error` once, however many callers meet it."""
        if all((e.file, e.line, e.message) != (error.file, error.line, error.message) for e in self.errors):
            self.errors.append(error)

    def tree_of(self, directory: str) -> str:
        """The root of the tree a root module belongs to (a directory scanned on its own is its own tree)."""
        return self.trees.get(directory) or fs.realpath(directory)

    def module(self, directory: str, tree: str) -> ModuleSource | None:
        if directory not in self.parsed:
            parsed, errors = parse_module(directory, module_files(directory), tree)
            self.parsed[directory] = parsed
            self.errors.extend(errors)
        return self.parsed[directory]

    def load(self, directories: list[str], graph: Graph) -> Outcome:
        outcome = Outcome()
        directories = list(dict.fromkeys(os.path.abspath(d) for d in directories))
        # only a module whose text names a relative path can call a local module: those are parsed first, to
        # know which modules are called; the others are parsed as they are loaded and let go of once loaded, so
        # a tree of many root modules is never held parsed whole
        calling = [d for d in directories if self.may_call(d)]
        callers: dict[str, list[str]] = {}
        for directory in calling:
            parsed = self.module(directory, self.tree_of(directory))
            for called in parsed.local_calls() if parsed is not None else ():
                callers.setdefault(called, []).append(directory)
        attempted = set()
        roots = [d for d in directories if d not in callers]
        alone = self.load_apart([r for r in roots if r not in calling])
        for root in roots:
            if root in alone:
                self.merge(root, alone[root], graph, outcome)
            else:
                self.load_root(root, graph, outcome)
                if root not in calling:
                    self.release(root)
            attempted.add(root)
        for directory in directories:
            if directory in attempted or self.parsed.get(directory) is None or self.loaded(callers[directory]):
                continue
            if self.failed_in(directory):
                continue  # its caller failed on an error inside it: loading it again would report that twice
            # called only by modules that failed to load, or by a module it calls back: scanned on its own
            self.load_root(directory, graph, outcome)
            attempted.add(directory)
        outcome.files = len(self.reported)
        outcome.errors = self.errors
        return outcome

    def load_apart(self, roots: list[str]) -> dict[str, Alone]:
        """Root modules that call no local module, each loaded on its own in worker processes (one per core),
        when there are enough of them to pay for the processes (PARALLEL_ROOTS) and more than one core; {}
        otherwise. What a worker sends back is a small graph, not parse trees."""
        import multiprocessing

        workers = _cores()
        # a daemonic process (a worker of a tool that runs crosswire, such as Checkov) may not start processes
        if len(roots) < PARALLEL_ROOTS or workers < 2 or multiprocessing.current_process().daemon:
            return {}
        import concurrent.futures

        # fork where it is safe (Linux): the workers start with crosswire imported and the grammar loaded
        method = "fork" if sys.platform.startswith("linux") else None
        context = multiprocessing.get_context(method)
        task = functools.partial(_load_alone, self.variables, dict(self.environment), self.trees, self.in_scenarios)
        # what the workers inherit (crosswire, its parsers, the grammar) stays as it is: frozen, their garbage
        # collections do not walk it, and its pages stay shared with this process (as Python's gc.freeze docs
        # advise before a fork). This process only receives the workers' graphs meanwhile, all kept to the end:
        # its collections would walk them again and again (0.26 s of CPU on 10,000 resources), taken from the
        # workers' cores
        with heap.settled(collect=False), concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_worker, initargs=(cache.enabled(), fs.recording())
        ) as pool:
            loaded = pool.map(task, roots, chunksize=max(1, len(roots) // (workers * 4)))
            results = dict(zip(roots, loaded, strict=True))
        cache.mark_written()  # the workers may have written entries: the scan trims the cache
        return results

    def merge(self, root: str, alone: Alone, graph: Graph, outcome: Outcome) -> None:
        """Take over what loading `root` on its own gave, as if it had been loaded here."""
        self.parsed[root] = ModuleSource(root, alone.files) if alone.files is not None else None
        for file, line, message in alone.errors:
            self.error(LoadError(file, line, message))
        self.reported.update(alone.reported)
        outcome.unresolved.extend(o for o in alone.unresolved if o not in outcome.unresolved)
        outcome.resources += alone.resources
        outcome.variables.update(alone.variables)
        graph.merge(alone.graph)
        fs.merge(alone.observed)
        for _ in alone.files or ():
            progress.advance()

    def may_call(self, directory: str) -> bool:
        """Whether a module's files name a relative path in quotes (`source = "./queue"`), which every local module
        call does; false for most root modules, cheaply (the files are read again when parsed)."""
        return any(_RELATIVE_PATH.search(_text_or_empty(f, self.tree_of(directory))) for f in module_files(directory))

    def release(self, directory: str) -> None:
        """Let go of what a loaded module held parsed (its trees); what it was made of (its files) is kept."""
        parsed = self.parsed.get(directory)
        if parsed is not None:
            self.parsed[directory] = ModuleSource(parsed.directory, parsed.files)

    def failed_in(self, directory: str) -> bool:
        """Whether an error already reported lies in one of the module's own files."""
        parsed = self.parsed.get(directory)
        shown = {display_path(f) for f in parsed.files} if parsed is not None else set()
        return any(e.file in shown for e in self.errors)

    def loaded(self, directories: list[str]) -> bool:
        """Whether any of `directories` was loaded (as a root or through a caller)."""
        return any((m := self.parsed.get(d)) is not None and self.reported.issuperset(m.files) for d in directories)

    def load_root(self, root: str, graph: Graph, outcome: Outcome) -> None:
        parsed = self.module(root, self.tree_of(root))
        if parsed is None:
            return
        outcome.variables.update(parsed.variables)
        self.root_values(root)  # read every variables file now, so a broken one is reported even if unused
        unit = self.build_unit(root, parsed)
        if unit is None:
            return
        self.reported.update(unit.files)
        outcome.unresolved.extend(o for o in unit.opaque if o not in outcome.unresolved)
        outcome.resources += unit.resources
        undecided = sorted(unit.undecided)
        ways = 2 ** len(undecided)
        # all the scenarios together may cost what one root module may: past that, the old skips
        affordable = ways * max(len(unit.graph.nodes), unit.budget.instances) <= budget.LIMITS.instances
        if not self.in_scenarios or not undecided or len(undecided) > MAX_SCENARIO_VARIABLES or not affordable:
            graph.merge(unit.graph)
            return
        # once per way of setting the bool variables that decide what exists, each a unit of its own, as a
        # template is loaded once per condition scenario
        for values in itertools.product((True, False), repeat=len(undecided)):
            scenario = tuple((f"var.{name}", value) for name, value in zip(undecided, values, strict=True))
            one = self.build_unit(root, parsed, dict(zip(undecided, values, strict=True)), scenario)
            if one is None:
                return
            for node in one.graph.nodes.values():
                node.scenario = scenario
            for file in one.files:
                one.graph.scenarios.setdefault(display_path(file), set()).add(scenario)
            graph.merge(one.graph)

    def build_unit(
        self,
        root: str,
        parsed: ModuleSource,
        assumed: dict[str, bool] | None = None,
        scenario: tuple[tuple[str, bool], ...] = (),
    ) -> _Unit | None:
        """A root module's unit, built; None when it failed (the error is reported)."""
        unit = _Unit(root, self, f"{display_path(root)}@{describe(scenario)}" if scenario else "")
        unit.assumed = assumed or {}
        unit.scenario = scenario
        unit.files.update(parsed.files)
        try:
            instance = Instance(unit, parsed, "", None, (fs.realpath(root),))
            for name in parsed.variables:
                instance.variable(name)  # a value given that does not fit its type is reported even if unused
            instance.build()
            for apply in unit.deferred:
                apply()
        except LoadError as exc:
            self.error(exc)
            return None
        except RecursionError:
            self.error(LoadError(unit.name, 1, "configuration nested too deeply to evaluate"))
            return None
        except Exception as exc:  # a loader bug on one root module must not stop the scan of the others
            self.error(LoadError(unit.name, 0, f"internal error, please report: {exc!r}"))
            return None
        return unit

    def vendored(self, root: str, key: str) -> str | None:
        """A registry or git module that `terraform init` downloaded (`.terraform/modules/modules.json`)."""
        if root not in self.vendored_cache:
            table: dict[str, str] = {}
            path = os.path.join(root, ".terraform", "modules", "modules.json")
            shown = display_path(path)
            try:
                entries = json.loads(read_text(path, shown, self.tree_of(root))).get("Modules", [])
                for entry in entries if isinstance(entries, list) else []:
                    if (
                        isinstance(entry, dict)
                        and isinstance(entry.get("Key"), str)
                        and isinstance(entry.get("Dir"), str)
                    ):
                        table[entry["Key"]] = os.path.normpath(os.path.join(root, entry["Dir"]))
            except LoadError as exc:
                if fs.lexists(path):  # without `terraform init` there is none, and registry modules stay opaque
                    self.error(exc)
            except (ValueError, AttributeError, RecursionError):
                self.error(LoadError(shown, 1, "malformed modules.json: not the JSON `terraform init` writes"))
            self.vendored_cache[root] = table
        # every instance of a repeated module call is the same download: modules.json keys carry no index
        dotted = ".".join(part for part in without_indexes(key).split(".") if part != "module")
        directory = self.vendored_cache[root].get(dotted)
        return directory if directory and fs.isdir(directory) else None

    def root_values(self, root: str) -> dict[str, tuple[Any, str]]:
        """Variable values of a root module, lowest precedence first: TF_VAR_* (with --var-env), terraform.tfvars,
        *.auto.tfvars (in lexical order), then --var and --var-file in the order given."""
        if root in self.root_cache:
            return self.root_cache[root]
        values: dict[str, tuple[Any, str]] = {}
        if self.variables.from_environment:
            for name, raw in self.environment.items():
                if name.startswith("TF_VAR_"):
                    values[name[7:]] = (raw, f"variable {name[7:]}, from {name}")
        names = fs.listdir(root) if fs.isdir(root) else []
        files = [os.path.join(root, n) for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
        files += [os.path.join(root, n) for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        # files beside the configuration are part of the tree; a --var-file is the user's choice, wherever it is
        given = [("tree", path) for path in files] + list(self.variables.given)
        for kind, item in given:
            if kind == "var":
                name, _, raw = item.partition("=")
                values[name] = (raw, f"variable {name}, from --var")
                continue
            shown = display_path(item)
            try:
                assignments = self.tfvars(item, shown, self.tree_of(root) if kind == "tree" else None)
            except LoadError as exc:
                if shown not in {e.file for e in self.errors}:
                    self.errors.append(exc)
                continue
            for name, value in assignments.items():
                values[name] = (value, f"variable {name}, from {shown}")
        self.root_cache[root] = values
        return values

    def tfvars(self, path: str, shown: str, tree: str | None) -> dict[str, Any]:
        text = read_text(path, shown, tree)
        if path.endswith(".json"):
            data = load_json(text, shown)
            return data if isinstance(data, dict) else {}
        attrs, _ = parse_body(text, shown)
        evaluator = Evaluator(NoScope())
        return {name: evaluate(attr, evaluator) for name, attr in attrs.items()}


@dataclass
class Alone:
    """What loading one root module on its own gave (it pickles: a worker process sends it back)."""

    files: list[str] | None  # the module's files; None when it could not be parsed
    graph: Graph
    resources: int
    errors: list[tuple[str, int, str]]  # LoadError does not pickle (its arguments are not its constructor's)
    reported: set[str]
    unresolved: list[UnresolvedInput]
    variables: set[str]  # the variables it declares (what --var may set)
    observed: list[fs.Observation] | None = None  # what it saw of the files, when the scan keeps a journal


# root modules below which worker processes do not pay. Measured on 2 cores, ten resources per root module, medians
# of 5 alternated runs: 8 roots 0.14 s in one process, 0.18 s with two; 16 roots 0.32 s against 0.25 s; 32 roots
# 0.58 s against 0.38 s
PARALLEL_ROOTS = 16


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _worker(cached: bool, recording: bool) -> None:
    import gc

    gc.enable()  # the scan's process forked it with collections off (load_apart); a worker makes garbage to collect
    cache.configure(cached)
    if recording:
        fs.start()  # a journal of its own (a forked worker would start with a copy of the scan's)
    else:
        fs.stop()
    progress.detach()  # the scan's process shows the progress line, as the results come back


def _load_alone(
    variables: Variables, environment: dict[str, str], trees: dict[str, str], in_scenarios: bool, root: str
) -> Alone:
    loader = Loader(variables, environment, trees, in_scenarios)
    graph = Graph()
    outcome = Outcome()
    loader.load_root(root, graph, outcome)
    parsed = loader.parsed.get(root)
    files = parsed.files if parsed is not None else None
    errors = [(e.file, e.line, e.message) for e in loader.errors]
    observed = fs.take()  # what loading this root module saw, and a new journal for the next one
    return Alone(
        files, graph, outcome.resources, errors, loader.reported, outcome.unresolved, outcome.variables, observed
    )


def build_declarations(name: str, file: str, resources: dict[str, Block], graph: Graph) -> int:
    """Nodes for resource declarations whose values are evaluated already (a plan): one unit named `name`."""
    directory = os.path.dirname(os.path.abspath(file))
    unit = _Unit(directory, Loader(Variables()), name)
    source = ModuleSource(directory, [file], resources=resources)
    Instance(unit, source, "", None, (fs.realpath(directory),)).build()
    for apply in unit.deferred:
        apply()
    graph.merge(unit.graph)
    return unit.resources


# `source = "./x"` in HCL, `"source": "./x"` in JSON
_LOCAL_SOURCE = re.compile(r'source"?\s*[=:]\s*"\.\.?/')
_RELATIVE_PATH = re.compile(r'"\.\.?/')


def callers_within(directories: list[str], boundary: str, tree: str) -> list[str]:
    """The module directories under `boundary` (in the tree rooted at `tree`) that call any of `directories` as a
    local module, directly or through other modules: a change to a local module is checked through the root
    modules that use it."""
    calls: dict[str, list[str]] = {}
    for root, dirs, files in fs.walk(boundary):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        tf_files = [os.path.join(root, f) for f in files if f.endswith(SUFFIXES)]
        if any(_LOCAL_SOURCE.search(_text_or_empty(f, tree)) for f in tf_files):  # cheap test before parsing HCL
            parsed, _errors = parse_module(os.path.abspath(root), module_files(root), tree)
            calls[os.path.abspath(root)] = parsed.local_calls() if parsed is not None else []
    wanted = {os.path.abspath(d) for d in directories}
    found: set[str] = set()
    while True:
        more = {caller for caller, called in calls.items() if caller not in found and wanted & set(called)}
        if not more:
            return sorted(found)
        found |= more
        wanted |= more


def _text_or_empty(path: str, tree: str) -> str:
    """A file's text; empty when the reader refuses it (it is reported if it is loaded)."""
    try:
        return read_text(path, display_path(path), tree)
    except LoadError:
        return ""


def load_directories(
    directories: dict[str, str] | list[str], graph: Graph, variables: Variables, in_scenarios: bool = False
) -> Outcome:
    """Load the Terraform module directories of a scan into `graph`; each maps to the root of its scanned tree
    (`inputs.tree_root`), and a directory given without one is its own tree. With `in_scenarios`, a root module
    whose resources' existence hangs on bool variables without a value is loaded once per way of setting them."""
    trees = directories if isinstance(directories, dict) else {}
    absolute = {os.path.abspath(d): tree for d, tree in trees.items()}
    return Loader(variables, trees=absolute, in_scenarios=in_scenarios).load(list(directories), graph)
