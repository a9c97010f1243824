"""Intrinsic functions, parameters, conditions and mappings: template fragments resolved to plain values, Refs
for resources, or Unresolved where only deployment knows, within the template's evaluation budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from crosswire.loaders import LoadError
from crosswire.loaders.budget import Budget, OverBudget
from crosswire.model import (
    ABSENT,
    UNKNOWN_PART,
    Kind,
    Origin,
    Ref,
    Span,
    Unresolved,
    Value,
)

NO_VALUE = object()
PSEUDO = {
    "AWS::Region": "${AWS::Region}",
    "AWS::AccountId": "${AWS::AccountId}",
    "AWS::Partition": "${AWS::Partition}",
    "AWS::StackName": "${AWS::StackName}",
    "AWS::StackId": "${AWS::StackId}",
    "AWS::URLSuffix": "amazonaws.com",
}
_SUB_TOKEN = re.compile(r"\$\{([^}]*)\}")


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


@dataclass(frozen=True)
class _Block:
    """A nested property mapping (RedrivePolicy, ScalingConfig, a SAM event's Properties...) as the loader reads it.

    `entries` are template nodes as written, or the data an intrinsic resolved to (which carries no lines, so
    `span`, the enclosing property's, stands in for them). When the block itself could not be resolved,
    `unresolved` says why, and every entry read from it is unresolved for that reason: an `!If` on an unknown
    condition does not mean "absent"."""

    entries: dict = field(default_factory=dict)
    span: Span | None = None
    unresolved: Unresolved | None = None


# a resource's properties as written, or a _Block standing for properties only known at deploy time
Props = dict | _Block


def _block(props: Props) -> _Block:
    return props if isinstance(props, _Block) else _Block(props)


class Intrinsics:
    """A template's values: parameters, conditions, mappings and intrinsic functions resolved."""

    def __init__(self, template: dict, file: str, params: dict[str, str]) -> None:
        self.t = template
        self.file = file
        self.resources: dict = template.get("Resources") or {}
        if not isinstance(self.resources, dict):
            raise LoadError(file, _line(self.resources) or 1, "Resources is not a mapping")
        self.generated = _sam_generated_ids(template, self.resources)
        self.mappings = template.get("Mappings") or {}
        self.conditions_raw = template.get("Conditions") or {}
        if not isinstance(self.conditions_raw, dict):
            raise LoadError(file, _line(self.conditions_raw) or 1, "Conditions is not a mapping")
        self.condition_values: dict[str, Any] = {}
        self.params = self._parameters(template.get("Parameters") or {}, params)
        self.budget = Budget()
        self.evaluating: list[str] = []  # the conditions being worked out, innermost last
        self.last_line_cache: dict[int, int] = {}

    def _parameters(self, declared: Any, overrides: dict[str, str]) -> dict[str, tuple[Any, str]]:
        result: dict[str, tuple[Any, str]] = {}
        if not isinstance(declared, dict):
            raise LoadError(self.file, _line(declared) or 1, "Parameters is not a mapping")
        for name, spec in declared.items():
            spec = spec if isinstance(spec, dict) else {}
            kind = str(spec.get("Type", "String"))
            raw: Any
            if name in overrides:
                raw, note = overrides[name], f"parameter {name}, from --param"
            elif "Default" in spec:
                raw, note = spec["Default"], f"parameter {name} default"
            else:
                result[name] = (Unresolved(f"parameter {name} has no default and no --param value"), "")
                continue
            raw = _parameter_text(raw)
            if kind.startswith("List<") or kind == "CommaDelimitedList":
                raw = [part.strip() for part in raw.split(",")] if isinstance(raw, str) else raw
            elif kind.startswith("AWS::SSM::Parameter::Value"):
                raw = Unresolved(f"parameter {name} is read from SSM at deploy time")
            result[name] = (raw, note)
        return result

    def condition(self, name: str) -> Any:
        if name not in self.condition_values:
            self.condition_values[name] = Unresolved(f"condition {name} refers to itself")
            raw = self.conditions_raw.get(name)
            if raw is None:
                self.condition_values[name] = Unresolved(f"condition {name} is not defined")
            else:
                self.evaluating.append(name)
                try:
                    self.condition_values[name] = self.resolve(raw)
                finally:
                    self.evaluating.pop()
        return self.condition_values[name]

    # -- intrinsic functions ----------------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        """The value of a template fragment: plain data, Ref objects for resources, Unresolved where unknown.

        Every call charges the template's budget (one step, one level of depth: the depth runs on through
        conditions and mappings, so a chain of them is bounded too); a bound passed is a LoadError at the line of
        the innermost node being resolved that has one."""
        try:
            self.budget.step()
            self.enter()
            try:
                return self._resolve(node)
            finally:
                self.budget.leave()
        except OverBudget as exc:
            line = _line(node)
            if line is None:
                raise  # data an intrinsic produced: the enclosing template node gives the line
            raise LoadError(self.file, line, f"cannot resolve this value: {exc}") from None

    def enter(self) -> None:
        """One level deeper; within a condition, a level too many is that condition's error, at its name."""
        try:
            self.budget.enter()
        except OverBudget:
            if not self.evaluating:
                raise
            name = self.evaluating[-1]
            key = next(k for k in self.conditions_raw if k == name)
            message = f"condition {name} is nested deeper than {self.budget.limits.depth} levels of evaluation"
            raise LoadError(self.file, _line(key) or 1, message) from None

    def _resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                ((key, arg),) = node.items()
                handler = _INTRINSICS.get(str(key))
                if handler is not None:
                    return handler(self, arg)
            self.budget.items(len(node))
            result = {}
            for key, value in node.items():
                resolved = self.resolve(value)
                if resolved is not NO_VALUE:
                    result[str(key)] = resolved
            return result
        if isinstance(node, list):
            self.budget.items(len(node))
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if isinstance(node, str):
            self.budget.string(len(node))  # a copy: one aliased string may be resolved thousands of times
            return str(node)
        return node

    def _ref(self, arg: Any) -> Any:
        name = str(arg)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.params:
            return self.params[name][0]
        if name in self.resources or name in self.generated:
            return Ref(name)
        if name.startswith("AWS::"):
            return Unresolved(f"pseudo parameter {name} is only known at deploy time")
        return Unresolved(f"Ref to {name}, which is not in this template")

    def _getatt(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2 or not all(isinstance(a, str) for a in arg):
            return Unresolved("Fn::GetAtt with an argument that cannot be read")
        if arg[0] not in self.resources and arg[0] not in self.generated:
            return Unresolved(f"Fn::GetAtt of {arg[0]}, which is not in this template")
        return Ref(arg[0], arg[1])

    def _sub(self, arg: Any) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2:
            arg, raw_vars = arg
            if not isinstance(raw_vars, dict):
                return Unresolved("Fn::Sub variables are not a mapping")
            variables = {str(k): self.resolve(v) for k, v in raw_vars.items()}
        if not isinstance(arg, str):
            return Unresolved("Fn::Sub with a template string that cannot be read")
        tokens = list(_SUB_TOKEN.finditer(arg))
        parts: list[Any] = []
        position = 0
        for token in tokens:
            parts.append(arg[position : token.start()])
            position = token.end()
            name = token.group(1)
            if name.startswith("!"):
                parts.append("${" + name[1:] + "}")
            elif name in variables:
                parts.append(variables[name])
            elif "." in name and name.split(".", 1)[0] in self.resources:
                parts.append(Ref(*name.split(".", 1)))
            else:
                parts.append(self._ref(name))
        parts.append(arg[position:])
        return _concat([p for p in parts if p != ""], self.budget)

    def _join(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return _first_unresolved(arg) or Unresolved("Fn::Join with arguments that cannot be read")
        delimiter, items = arg
        if not isinstance(items, list):
            return _first_unresolved(items) or Unresolved("Fn::Join of something that is not a list")
        self.budget.items(len(items))
        parts: list[Any] = []
        for index, item in enumerate(items):
            if index:
                parts.append(delimiter)
            parts.append(item)
        return _concat([p for p in parts if p != ""], self.budget)

    def _select(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2):
            return _first_unresolved(arg) or Unresolved("Fn::Select with arguments that cannot be read")
        index, items = arg
        if isinstance(index, Unresolved) or isinstance(items, Unresolved):
            return index if isinstance(index, Unresolved) else items
        position = _whole_number(index)
        if not isinstance(items, list) or position is None or not 0 <= position < len(items):
            return Unresolved("Fn::Select index out of range or not a list")
        return items[position]

    def _split(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], str):
            delimiter, text = arg
            if not delimiter:
                return Unresolved("Fn::Split with an empty delimiter")
            self.budget.items(text.count(delimiter) + 1)
            return text.split(delimiter)
        return _first_unresolved(arg) or Unresolved("Fn::Split of a value that is not a plain string")

    def _if(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 3):
            return Unresolved("Fn::If needs [condition, then, else]")
        chosen = self.condition(str(arg[0]))
        if isinstance(chosen, Unresolved):
            return chosen
        return self.resolve(arg[1] if chosen else arg[2])

    def _find_in_map(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) >= 3):
            return Unresolved("Fn::FindInMap with arguments that cannot be read")
        found = _first_unresolved(arg[:3])
        if found:
            return found
        try:
            return self.resolve(self.mappings[arg[0]][arg[1]][arg[2]])
        except (KeyError, TypeError):
            if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                return arg[3]["DefaultValue"]
            return Unresolved(f"Fn::FindInMap: no entry {arg[0]}/{arg[1]}/{arg[2]}")

    def _equals(self, arg: Any) -> Any:
        arg = self.resolve(arg)
        if not (isinstance(arg, list) and len(arg) == 2):
            return Unresolved("Fn::Equals needs two values")
        found = _first_unresolved(arg)
        if found:
            return found
        left, right = (str(a) if not isinstance(a, (Ref, list, dict)) else a for a in arg)
        if left == right:
            return True
        if any(isinstance(a, Ref) or (isinstance(a, str) and "${" in a) for a in (left, right)):
            return Unresolved("Fn::Equals compares a value only known at deploy time")
        return False

    def _condition_fn(self, arg: Any) -> Any:
        return self.condition(str(arg))

    # -- values with provenance ---------------------------------------------------------------------------
    def provenance(self, raw: Any) -> str:
        """How a property's value reached it when it is not written there: "parameter Stage default", "mapping
        Sizes", "through Fn::Select"; "" for a literal, a reference to a resource, or the branch of an Fn::If that
        is one (messages say where a value came from, and a value written on the resource is told apart)."""
        if not (isinstance(raw, dict) and len(raw) == 1):
            return ""
        ((key, arg),) = raw.items()
        if key == "Ref":
            return self.params[str(arg)][1] if str(arg) in self.params else ""
        if key == "Fn::GetAtt" or key not in _INTRINSICS:
            return ""
        if key == "Fn::If":
            chosen = self.condition(str(arg[0])) if isinstance(arg, list) and len(arg) == 3 else None
            return self.provenance(arg[1] if chosen else arg[2]) if isinstance(chosen, bool) else ""
        if key == "Fn::FindInMap" and isinstance(arg, list) and arg and isinstance(arg[0], str):
            return f"mapping {arg[0]}"
        return f"through {key}"

    def else_branch(self, raw: Any) -> bool:
        """Whether the value of `raw` is an else branch of the `Fn::If`s it is written in (Value.else_branch)."""
        if not (isinstance(raw, dict) and len(raw) == 1 and "Fn::If" in raw):
            return False
        arg = raw["Fn::If"]
        chosen = self.condition(str(arg[0])) if isinstance(arg, list) and len(arg) == 3 else None
        return isinstance(chosen, bool) and (not chosen or self.else_branch(arg[1]))
    def last_line(self, node: Any) -> int:
        """The last line a YAML/JSON node spans (1-based); the recursion is as deep as the template's nesting,
        which the shape pre-scan bounded before decoding."""
        key = id(node)
        if key in self.last_line_cache:
            return self.last_line_cache[key]
        last = _line(node) or 0
        if isinstance(node, dict):
            for k, v in node.items():
                last = max(last, _line(k) or 0, self.last_line(v))
        elif isinstance(node, list):
            for item in node:
                last = max(last, self.last_line(item))
        self.last_line_cache[key] = last
        return last

    def item_span(self, item: Any, around: Span) -> Span:
        """The lines of one list item (an inline subscription, a notification, a rule target)."""
        start = _line(item) or around.line
        return Span(self.file, start, max(start, self.last_line(item)))

    def span(self, key: Any, node: Any, fallback: Span | None = None) -> Span:
        """The lines of `key: node`; `fallback` when neither has a line (data an intrinsic resolved to)."""
        start = _line(key) or _line(node)
        if start is None and fallback is not None:
            return fallback
        start = start or 1
        return Span(self.file, start, max(start, self.last_line(node)))

    def value(self, props: Props, name: str, kind: Kind, attribute: str, note: str = "") -> Value:
        """The property `name` as a Value: explicit, an AWS default when absent, or unresolved."""
        block = _block(props)
        if block.unresolved is not None:
            return Value(None, Origin.UNRESOLVED, block.span, block.unresolved.reason)
        key = next((k for k in block.entries if k == name), None)
        if key is None:
            return ABSENT
        raw_node = block.entries[key]
        resolved = self.resolve(raw_node)
        span = self.span(key, raw_node, block.span)
        note = note or self.provenance(raw_node)
        if resolved is NO_VALUE:
            return ABSENT
        if resolved is None:
            return Value(None, Origin.UNRESOLVED, span, "the value is empty")
        unresolved = _first_unresolved(resolved)
        if unresolved:
            return Value(None, Origin.UNRESOLVED, span, unresolved.reason, partial=unresolved.partial)
        return Value(resolved, Origin.EXPLICIT, span, note, self.else_branch(raw_node))

    # -- resources ----------------------------------------------------------------------------------------


def _sam_generated_ids(template: dict, resources: dict) -> set[str]:
    """What a template may refer to that SAM generates: the alias of a function with a literal `AutoPublishAlias`
    (`<Function>Alias<name>`, and SAM's `<Function>.Alias` / `<Function>.Version`)."""
    globals_section = template.get("Globals")
    function_globals = globals_section.get("Function") if isinstance(globals_section, dict) else None
    default = function_globals.get("AutoPublishAlias") if isinstance(function_globals, dict) else None
    generated = set()
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties")
        alias = props.get("AutoPublishAlias", default) if isinstance(props, dict) else default
        if isinstance(alias, str):
            generated |= {f"{logical_id}Alias{alias}", f"{logical_id}.Alias", f"{logical_id}.Version"}
    return generated


def _is_intrinsic(raw: dict) -> bool:
    return len(raw) == 1 and (str(next(iter(raw))).startswith("Fn::") or next(iter(raw)) == "Ref")


def _first_unresolved(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, list):
        return next((v for v in value if isinstance(v, Unresolved)), None)
    return None


def _concat(parts: list[Any], budget: Budget) -> Any:
    """Join resolved pieces into one string; a lone reference stays a Ref; a `${X.Y}` token stands for a
    reference inside a longer string. The string's length is charged to `budget` before it is built."""
    found = _first_unresolved(parts)
    if found:
        return Unresolved(found.reason, _partial_text(parts))
    if len(parts) == 1 and not isinstance(parts[0], (list, dict)):
        return parts[0]
    text = []
    for part in parts:
        if isinstance(part, Ref):
            text.append("${" + part.target + (f".{part.attribute}" if part.attribute else "") + "}")
        elif isinstance(part, (list, dict)):
            return Unresolved("a list or mapping used inside a string")
        else:
            text.append(part if isinstance(part, str) else str(part))  # str() would copy a str_node
    budget.string(sum(len(piece) for piece in text))
    return "".join(text)


def _partial_text(parts: list[Any]) -> str:
    """What is known of a string some of whose parts are not: each unknown part `${?}` (or its own known text), a
    reference a token; "" when a part cannot be text at all."""
    text = []
    for part in parts:
        if isinstance(part, Unresolved):
            text.append(part.partial or UNKNOWN_PART)
        elif isinstance(part, Ref):
            text.append("${" + part.target + (f".{part.attribute}" if part.attribute else "") + "}")
        elif isinstance(part, (list, dict)):
            return ""
        else:
            text.append(part if isinstance(part, str) else str(part))
    return "".join(text)


def _parameter_text(raw: Any) -> Any:
    """A parameter value as CloudFormation passes it: text (YAML's `true` is "true", `30` is "30")."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return ""
    if isinstance(raw, (int, float)):
        return str(raw)
    return raw


def _logic(op: str) -> Callable[[Intrinsics, Any], Any]:
    def evaluate(template: Intrinsics, arg: Any) -> Any:
        values = [template.resolve(a) for a in (arg if isinstance(arg, list) else [arg])]
        found = _first_unresolved(values)
        if found:
            return found
        if not all(isinstance(v, bool) for v in values):
            values = []  # a string or a reference where a condition belongs: as malformed as a wrong count
        if op == "not":
            return not values[0] if len(values) == 1 else Unresolved("Fn::Not takes one condition")
        if not 2 <= len(values) <= 10:
            return Unresolved(f"Fn::{op.capitalize()} takes 2 to 10 conditions")
        return all(values) if op == "and" else any(values)

    return evaluate


def _unresolvable(name: str) -> Callable[[Intrinsics, Any], Any]:
    return lambda template, arg: Unresolved(f"{name} is only known at deploy time")


def _whole_number(raw: Any) -> int | None:
    try:
        return _to_int(raw)
    except (ValueError, TypeError, OverflowError):
        return None


def _to_int(raw: Any) -> int:
    """CloudFormation numbers may be written as text ("30"); booleans and fractions are not whole numbers."""
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValueError(raw)
    return int(raw)


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if str(raw).lower() in ("true", "false"):
        return str(raw).lower() == "true"
    raise ValueError(raw)


def _convert(value: Value, convert: Callable[[Any], Any], expected: str) -> Value:
    if not value.explicit or value.value is None:
        return value
    try:
        converted = convert(value.value)
    except (ValueError, TypeError, OverflowError):
        return Value(None, Origin.UNRESOLVED, value.span, f"{value.value!r} is not {expected}")
    return replace(value, value=converted)


_INTRINSICS: dict[str, Callable[[Intrinsics, Any], Any]] = {
    "Ref": Intrinsics._ref,
    "Fn::GetAtt": Intrinsics._getatt,
    "Fn::Sub": Intrinsics._sub,
    "Fn::Join": Intrinsics._join,
    "Fn::Select": Intrinsics._select,
    "Fn::Split": Intrinsics._split,
    "Fn::If": Intrinsics._if,
    "Fn::FindInMap": Intrinsics._find_in_map,
    "Fn::Equals": Intrinsics._equals,
    "Fn::And": _logic("and"),
    "Fn::Or": _logic("or"),
    "Fn::Not": _logic("not"),
    "Condition": Intrinsics._condition_fn,
    "Fn::ImportValue": _unresolvable("Fn::ImportValue"),
    "Fn::GetAZs": _unresolvable("Fn::GetAZs"),
    "Fn::Base64": _unresolvable("Fn::Base64"),
    "Fn::Cidr": _unresolvable("Fn::Cidr"),
    "Fn::Transform": _unresolvable("Fn::Transform"),
}
