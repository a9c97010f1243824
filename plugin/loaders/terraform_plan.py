"""Terraform plan JSON (`terraform show -json`): planned values into the graph, linked through the configuration.

A plan knows the values of what it will create except identifiers such as ARNs, so links are read from the
`configuration` section's expression references, following module outputs and inputs. Each planned instance is a
node of its own, addressed as the plan addresses it (`aws_sqs_queue.q["a"]`, `module.m[0].aws_sqs_queue.q`); the
configuration names declarations, so a reference reaches an instance when it names its key (`aws_sqs_queue.q["a"]`)
or when its declaration has only that instance.
"""

from __future__ import annotations

import json
import re
from typing import Any

from crosswire.graph import Graph
from crosswire.loaders import LoadError
from crosswire.loaders.terraform import build_declarations
from crosswire.loaders.terraform_config import Attr, Block, Evaluated, json_line, load_json, without_indexes
from crosswire.model import Ref, Unresolved

_KEY = r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]'  # [0] or ["key"]
_NAME = r"[A-Za-z_][\w-]*"
_MODULES = rf"(?:module\.{_NAME}(?:{_KEY})?\.)*"  # module.NAME[KEY]. ...
# module.NAME[KEY]. ... TYPE.NAME[KEY]: what Terraform writes as a resource instance's address
_RESOURCE_ADDRESS = re.compile(rf"{_MODULES}{_NAME}\.{_NAME}(?:{_KEY})?")
# TYPE.NAME[KEY].attribute...: a reference in the configuration, its key kept
_REFERENCE = re.compile(rf"({_NAME})\.({_NAME})({_KEY})?(?:\.(.*))?")
_ADDRESS = re.compile(r'"address"\s*:\s*("(?:[^"\\]|\\.)*")')
MAX_HOPS = 32
NOT_RESOURCES = {"var", "local", "each", "count", "path", "self", "terraform", "data"}


def looks_like_plan(text: str) -> bool:
    """Cheap test before parsing: a plan has planned values and a configuration."""
    return '"planned_values"' in text and '"format_version"' in text


declaration = without_indexes  # every instance is one declaration


class Plan:
    """The configuration of a plan, indexed by module prefix, to follow references across modules."""

    def __init__(self, data: dict) -> None:
        self.expressions: dict[str, dict] = {}  # declaration address -> expressions
        self.outputs: dict[tuple[str, str], tuple[str, Any]] = {}  # (module prefix, output) -> (prefix, expr)
        self.inputs: dict[tuple[str, str], tuple[str, Any]] = {}  # (module prefix, variable) -> (caller, expr)
        self.instances: dict[str, int] = {}  # declaration address -> how many instances the plan has of it
        configuration = data.get("configuration")
        root = configuration.get("root_module") if isinstance(configuration, dict) else None
        self.index(root if isinstance(root, dict) else {}, "", 0)

    def index(self, module: dict, prefix: str, depth: int) -> None:
        if depth > MAX_HOPS:
            return
        for resource in _dicts(module.get("resources")):
            expressions = resource.get("expressions")
            if isinstance(resource.get("address"), str) and isinstance(expressions, dict):
                self.expressions[prefix + resource["address"]] = expressions
        for name, output in _items(module.get("outputs")):
            self.outputs[(prefix, name)] = (prefix, output.get("expression"))
        for name, call in _items(module.get("module_calls")):
            child = f"{prefix}module.{name}."
            for variable, expression in _items(call.get("expressions")):
                self.inputs[(child, variable)] = (prefix, expression)
            inner = call.get("module")
            if isinstance(inner, dict):
                self.index(inner, child, depth + 1)

    def follow(self, prefix: str, expression: Any, hops: int = 0) -> Any:
        """What a configuration expression refers to: one resource as a Ref, through module outputs and inputs;
        None when it refers to nothing (a constant), Unresolved when it refers to anything else or to several
        things, since the plan does not say how they combine."""
        if not isinstance(expression, dict):
            return None
        references = [r for r in expression.get("references") or () if isinstance(r, str)]
        if not references:
            return None
        if hops > MAX_HOPS:
            return Unresolved("references nested too deeply")
        # Terraform lists a traversal and each of its prefixes (`aws_sqs_queue.q.arn`, `aws_sqs_queue.q`)
        longest = [r for r in references if not any(o != r and o.startswith((r + ".", r + "[")) for o in references)]
        targets = {self.target(prefix, reference, hops) for reference in longest}
        unknown = Unresolved(f"{references[0]} is only known after apply")
        if len(targets) != 1:
            return unknown
        (target,) = targets
        return target if isinstance(target, (Ref, Unresolved)) else unknown

    def target(self, prefix: str, reference: str, hops: int) -> Any:
        parts = declaration(reference).split(".")
        if parts[0] == "module" and len(parts) >= 3:
            found = self.outputs.get((f"{prefix}module.{parts[1]}.", parts[2]))
            return self.follow(found[0], found[1], hops + 1) if found else None
        if parts[0] == "var" and len(parts) >= 2 and (prefix, parts[1]) in self.inputs:
            caller, caller_expression = self.inputs[(prefix, parts[1])]
            return self.follow(caller, caller_expression, hops + 1)
        named = _REFERENCE.fullmatch(reference)
        if parts[0] not in NOT_RESOURCES and named:
            resource_type, name, index, attribute = named.groups()
            several = self.instances.get(f"{prefix}{resource_type}.{name}", 0)
            if index is None and several > 1:
                return Unresolved(
                    f"{reference} names {prefix}{resource_type}.{name}, which has {several} instances, and the plan "
                    "does not say which one"
                )
            attribute = attribute.split(".")[0].split("[")[0] if attribute else None
            return Ref(f"{prefix}{resource_type}.{name}{index or ''}", attribute)
        return None


class Planned(Evaluated):
    """A planned attribute value, with the configuration expression that says what it refers to."""

    def __init__(self, plan: Plan, prefix: str, value: Any, expression: Any) -> None:
        self.plan = plan
        self.prefix = prefix
        self.value = value
        self.expression = expression

    def evaluate(self) -> Any:
        if isinstance(self.value, Unresolved):
            # unknown or different in each instance: still a link when the configuration names one resource
            followed = self.plan.follow(self.prefix, self.expression)
            return followed if isinstance(followed, Ref) else self.value
        if self.value is not None and not isinstance(self.value, (list, dict)):
            return self.value
        if isinstance(self.value, (list, dict)) and self.value:
            return self.value
        followed = self.plan.follow(self.prefix, self.expression)
        return self.value if followed is None else followed

    def blocks(self) -> list[dict[str, Evaluated]]:
        values = self.value if isinstance(self.value, list) else [self.value]
        expressions = self.expression if isinstance(self.expression, list) else [self.expression]
        result: list[dict[str, Evaluated]] = []
        for index, item in enumerate(values):
            if not isinstance(item, dict):
                continue
            expression = expressions[index] if index < len(expressions) else None
            result.append(_planned(self.plan, self.prefix, item, expression if isinstance(expression, dict) else {}))
        return result


def _planned(plan: Plan, prefix: str, values: dict, expressions: dict) -> dict[str, Evaluated]:
    names = [*values, *(k for k in expressions if k not in values)]
    return {name: Planned(plan, prefix, values.get(name), expressions.get(name)) for name in names}


def _dicts(raw: Any) -> list[dict]:
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def _items(raw: Any) -> list[tuple[str, dict]]:
    return [(str(k), v) for k, v in raw.items() if isinstance(v, dict)] if isinstance(raw, dict) else []


class _Malformed(Exception):
    """Planned values that are not what `terraform show -json` writes; `path` leads to the culprit."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


def _planned_resources(planned: Any) -> list[dict]:
    """The resources of every module of `planned_values`; anything malformed is _Malformed, not skipped."""
    if not isinstance(planned, dict):
        raise _Malformed(("planned_values",), "planned_values is not an object")
    found: list[dict] = []
    pending: list[tuple[Any, tuple[str | int, ...]]] = [
        (planned.get("root_module", {}), ("planned_values", "root_module"))
    ]
    while pending:
        module, path = pending.pop()
        if not isinstance(module, dict):
            raise _Malformed(path, f"{'root_module' if len(path) == 2 else 'a child module'} is not an object")
        if len(path) > 2 * MAX_HOPS:
            raise _Malformed(path, f"modules nested deeper than {MAX_HOPS} levels")
        for key, what in (("resources", "a resource"), ("child_modules", "a child module")):
            items = module.get(key, [])
            if not isinstance(items, list):
                raise _Malformed((*path, key), f"{key} is not a list")
            if key == "child_modules":
                pending.extend(((item, (*path, key, n)) for n, item in reversed(list(enumerate(items)))))
                continue
            for n, item in enumerate(items):
                if not isinstance(item, dict):
                    raise _Malformed((*path, key, n), f"{what} is not an object")
                found.append(item)
    return found


def load_plan(text: str, file: str, graph: Graph) -> int | None:
    """Add the planned resources of a plan file to `graph`; None when the JSON is not a plan."""
    data = load_json(text, file)
    if not isinstance(data, dict) or "planned_values" not in data:
        return None
    try:
        planned = _planned_resources(data["planned_values"])
    except _Malformed as exc:
        raise LoadError(file, json_line(text, file, exc.path), f"malformed plan: {exc}") from None
    plan = Plan(data)
    unknown = _after_unknown(data)
    lines = _address_lines(text)
    instances: dict[str, list[tuple[str, dict]]] = {}
    for resource in planned:
        address = resource.get("address")
        if resource.get("mode") != "managed" or not isinstance(address, str) or "." not in address:
            continue
        if not _RESOURCE_ADDRESS.fullmatch(address):
            line = lines.get(address, 1)
            raise LoadError(file, line, f"malformed plan: {address!r} is not a resource address (TYPE.NAME)")
        values = resource.get("values") if isinstance(resource.get("values"), dict) else {}
        known = _mark_unknown(values or {}, unknown.get(address))
        instances.setdefault(declaration(address), []).append((address, known))
    plan.instances = {key: len(found) for key, found in instances.items()}
    # what the configuration's references may call an instance besides its address: its declaration's address
    # when it is the only instance, and its own key under its modules' declarations when that names only it
    aliases: dict[str, list[str]] = {}
    for key, found in instances.items():
        for address, _ in found:
            local = address[len(_module_part(address)) :]
            names = {declaration(_module_part(address)) + local} | ({key} if len(found) == 1 else set())
            for alias in names - {address}:
                aliases.setdefault(alias, []).append(address)
    known_as: dict[str, tuple[str, ...]] = {}
    for alias, addresses in aliases.items():
        if len(addresses) == 1:
            known_as[addresses[0]] = (*known_as.get(addresses[0], ()), alias)
    declarations: dict[str, Block] = {}
    for key, found in instances.items():
        resource_type, name = key.rsplit(".", 2)[-2:]
        prefix = key[: -len(f"{resource_type}.{name}")]
        for address, values in found:
            line = lines.get(address, 1)
            attrs = {
                k: Attr(k, v, file, line, line)
                for k, v in _planned(plan, prefix, values, plan.expressions.get(key, {})).items()
            }
            also = tuple(sorted(known_as.get(address, ())))
            declarations[address] = Block("resource", (resource_type, name), attrs, [], file, line, line, "", also)
    build_declarations(file, file, declarations, graph)
    return len(instances)  # declarations, as a configuration's files count them


def _module_part(address: str) -> str:
    """`module.a[0].module.b.` of `module.a[0].module.b.aws_sqs_queue.q["x"]`."""
    parts = re.match(_MODULES, address)
    return parts.group(0) if parts else ""


def _after_unknown(data: dict) -> dict[str, Any]:
    """`after_unknown` of each resource instance: which of its values are known only after apply."""
    found: dict[str, Any] = {}
    for change in _dicts(data.get("resource_changes")):
        details = change.get("change")
        if isinstance(change.get("address"), str) and isinstance(details, dict):
            found[change["address"]] = details.get("after_unknown")
    return found


def _mark_unknown(value: Any, unknown: Any) -> Any:
    """`value` with what `unknown` marks as true replaced by Unresolved (a plan omits or nulls those values,
    which would otherwise read as absent and take the AWS default)."""
    if unknown is True:
        return Unresolved("known only after apply")
    if isinstance(unknown, dict):
        values = value if isinstance(value, dict) else {}
        keys = [*values, *(k for k in unknown if k not in values)]
        return {k: _mark_unknown(values.get(k), unknown.get(k)) for k in keys}
    if isinstance(unknown, list):
        items = value if isinstance(value, list) else []
        length = max(len(items), len(unknown))
        return [
            _mark_unknown(items[i] if i < len(items) else None, unknown[i] if i < len(unknown) else None)
            for i in range(length)
        ]
    return value


def _address_lines(text: str) -> dict[str, int]:
    """The line where each address is first written, in one pass over the text."""
    lines: dict[str, int] = {}
    line, counted = 1, 0
    for match in _ADDRESS.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.setdefault(json.loads(match.group(1)), line)
    return lines
