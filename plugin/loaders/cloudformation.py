"""CloudFormation / SAM loader: templates (YAML, JSON, CDK output) into graph nodes, with intrinsics resolved.

Parsing is cfn-lint's decoder (line numbers, short and long intrinsic forms, JSON); SAM's implicit resources are
modelled here because cfn-lint 1.x no longer runs the SAM translator.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crosswire.graph import Graph
from crosswire.loaders import LoadError, UnresolvedInput, sam_policy_templates, template_shape
from crosswire.loaders.budget import Budget, OverBudget
from crosswire.model import (
    ABSENT,
    EXISTS,
    BucketNotification,
    Function,
    Key,
    Kind,
    Mapping,
    Origin,
    Permission,
    Policy,
    Queue,
    Ref,
    Role,
    RuleTarget,
    Span,
    Subscription,
    Suppression,
    Topic,
    Unresolved,
    Value,
)
from crosswire.model import Alias as AliasNode
from crosswire.model import EdgeKind as E
from crosswire.policy import statements
from crosswire.suppressions import CHECK_ID, Comment, comments, covering, split_ids

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
_MARKERS = ("AWSTemplateFormatVersion", "Resources")

SAM_BASIC_ROLE = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
SAM_SQS_ROLE = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


def looks_like_template(text: str) -> bool:
    """Cheap test before parsing: a file without these words cannot be a template."""
    return any(marker in text for marker in _MARKERS)


def is_template(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return False
    # a SAM/extensions template may lack the version; one typed resource is enough to know what this is
    return "Transform" in data or any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values()
    )


def parse(text: str, file: str) -> Any:
    """Decode a template with cfn-lint's decoder; a parse error becomes a LoadError with its line."""
    from cfnlint.decode import decode_str  # lazy: importing cfn-lint costs about 0.4 s

    template_shape.check(text, file)  # what would make the decoder hang, recurse or explode, refused first
    try:
        template, matches = decode_str(text)
    except Exception as exc:  # cfn-lint's decoder raises many kinds of errors on odd input
        raise LoadError(file, 1, f"cannot parse: {exc}") from None
    if template is None:
        match = matches[0] if matches else None
        line = getattr(match, "linenumber", 1) if match else 1
        message = getattr(match, "message", "cannot parse") if match else "cannot parse"
        raise LoadError(file, line, f"malformed template: {message}")
    return template


def load(
    template: Any, file: str, graph: Graph, params: dict[str, str], text: str = ""
) -> tuple[int, list[LoadError], list[UnresolvedInput]]:
    """Add the resources of a parsed template to `graph`: how many template resources it holds, the resources
    that could not be read (each an error with its line; the others are still loaded), and what only deployment
    fills in (`Fn::Transform` includes), which no check sees. `text`, the template as read, holds the comment
    directives that suppress findings on its resources."""
    loaded = _Template(template, file, graph, params, comments(text, file) if text else {})
    return loaded.load(), loaded.problems, loaded.unresolved


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


class _Template:
    def __init__(
        self,
        template: dict,
        file: str,
        graph: Graph,
        params: dict[str, str],
        comment_lines: dict[int, Comment] | None = None,
    ) -> None:
        self.t = template
        self.file = file
        self.comment_lines = comment_lines or {}
        self.graph = graph
        self.resources: dict = template.get("Resources") or {}
        if not isinstance(self.resources, dict):
            raise LoadError(file, _line(self.resources) or 1, "Resources is not a mapping")
        self.mappings = template.get("Mappings") or {}
        self.conditions_raw = template.get("Conditions") or {}
        if not isinstance(self.conditions_raw, dict):
            raise LoadError(file, _line(self.conditions_raw) or 1, "Conditions is not a mapping")
        self.condition_values: dict[str, Any] = {}
        self.params = self._parameters(template.get("Parameters") or {}, params)
        globals_ = template.get("Globals") or {}
        self.function_globals = globals_.get("Function") or {} if isinstance(globals_, dict) else {}
        self.budget = Budget()
        self.evaluating: list[str] = []  # the conditions being worked out, innermost last
        self.problems: list[LoadError] = []
        self.unresolved: list[UnresolvedInput] = []
        self.last_line_cache: dict[int, int] = {}

    # -- parameters, conditions -------------------------------------------------------------------------
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
        if name in self.resources:
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
        if arg[0] not in self.resources:
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
    def last_line(self, node: Any) -> int:
        """The last line a YAML/JSON node spans (1-based); the recursion is as deep as the template's nesting,
        which template_shape bounded before decoding."""
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
        if isinstance(raw_node, dict) and list(raw_node) == ["Ref"] and str(raw_node["Ref"]) in self.params:
            note = note or self.params[str(raw_node["Ref"])][1]
        if resolved is NO_VALUE:
            return ABSENT
        if resolved is None:
            return Value(None, Origin.UNRESOLVED, span, "the value is empty")
        unresolved = _first_unresolved(resolved)
        if unresolved:
            return Value(None, Origin.UNRESOLVED, span, unresolved.reason)
        return Value(resolved, Origin.EXPLICIT, span, note)

    # -- resources ----------------------------------------------------------------------------------------
    def load(self) -> int:
        count = 0
        key = next((k for k in self.t if k == "Transform"), None)
        transforms = self.t.get("Transform")
        for transform in transforms if isinstance(transforms, list) else [transforms]:
            if isinstance(transform, dict):  # a macro with parameters (AWS::Include) rather than a name
                self.included("Transform", key, transform, "parts of the template", "Transform")
        for logical_id, resource in self.resources.items():
            if str(logical_id).startswith("Fn::ForEach::"):
                continue  # AWS::LanguageExtensions loops are expanded at deploy time; not modelled
            if logical_id == "Fn::Transform":
                self.included("Fn::Transform", logical_id, resource, "resources")
                continue
            try:
                props, suppressions = self.readable(logical_id, resource)
            except LoadError as problem:
                self.problems.append(problem)
                continue
            count += 1
            span = self.span(logical_id, resource)
            try:
                self.build(str(logical_id), resource, props, span, suppressions)
            except OverBudget as exc:  # a bound passed on data an intrinsic produced, which carries no line
                raise LoadError(self.file, span.line, f"cannot resolve resource {logical_id}: {exc}") from None
        return count

    def build(self, logical_id: str, resource: dict, props: Props, span: Span, suppressions: tuple) -> None:
        """Add the nodes of one resource, unless its Condition says it is not created."""
        existence = self.existence(logical_id, resource)
        if existence.value is False:
            return
        builder = _BUILDERS.get(str(resource["Type"]))
        if builder is not None:
            first = len(self.graph.nodes)
            builder(self, logical_id, resource, props, span)
            self.mark_parts(first, span, suppressions, existence)

    def readable(self, logical_id: Any, resource: Any) -> tuple[Props, tuple[Suppression, ...]]:
        """A resource's Properties and Metadata suppressions, or a LoadError saying why they cannot be read.

        Properties that an `Fn::Transform` (AWS::Include) writes are only known at deploy time: every property
        of the resource is unresolved, and the include is listed as an input not checked."""
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise LoadError(self.file, _line(logical_id) or 1, f"resource {logical_id} has no Type")
        props = resource.get("Properties") or {}
        if not isinstance(props, dict):
            raise LoadError(self.file, _line(props) or 1, f"Properties of {logical_id} is not a mapping")
        key = next((k for k in props if k == "Fn::Transform"), None)
        if key is not None:
            reason = self.included(str(logical_id), key, props[key], f"the properties of {logical_id}")
            span = self.span(key, props[key])
            props = _Block(span=span, unresolved=Unresolved(reason))
        return props, self.metadata_suppressions(str(logical_id), resource)

    def included(self, address: str, key: Any, transform: Any, what: str, via: str = "Fn::Transform") -> str:
        """List a transform (AWS::Include) as an input not checked; the reason, which names the macro and its
        location."""
        transform = transform if isinstance(transform, dict) else {}
        macro = transform.get("Name")
        parameters = transform.get("Parameters")
        location = parameters.get("Location") if isinstance(parameters, dict) else None
        source = f"{macro if isinstance(macro, str) else 'a macro'}" + (
            f" of {location}" if isinstance(location, str) else ""
        )
        reason = f"{what} come from {source} ({via}), only known at deploy time"
        self.unresolved.append(UnresolvedInput(address, self.file, _line(key) or 1, reason))
        return reason

    def existence(self, logical_id: str, resource: dict) -> Value:
        """Whether the resource is created: its `Condition` decided (True or False), or unresolved with why."""
        key = next((k for k in resource if k == "Condition"), None)
        if key is None:
            return EXISTS
        name = str(resource[key])
        decided = self.condition(name)
        span = self.span(key, resource[key])
        if isinstance(decided, Unresolved):
            note = f"whether {logical_id} exists depends on condition {name}, which is unresolved: {decided.reason}"
            return Value(None, Origin.UNRESOLVED, span, note)
        return Value(decided is not False, Origin.EXPLICIT, span)

    def mark_parts(self, first: int, span: Span, suppressions: tuple[Suppression, ...], existence: Value) -> None:
        """Every node built from one resource (SAM events, inline subscriptions...) learns the resource's span,
        its suppressions (in its Metadata, and in comments on or above it) and whether the resource exists."""
        suppressions = (*suppressions, *covering(self.comment_lines, span))
        for node in itertools.islice(reversed(self.graph.nodes.values()), len(self.graph.nodes) - first):
            node.resource_span = span
            node.suppressions = suppressions
            node.existence = existence

    def metadata_suppressions(self, logical_id: str, resource: dict) -> tuple[Suppression, ...]:
        """`Metadata: crosswire: ignore: [{id: CW302, reason: ...}]`; a malformed entry is an input error (like a
        typo in cfn-lint's Metadata config), so it cannot silently suppress nothing."""
        metadata = resource.get("Metadata")
        if not isinstance(metadata, dict) or "crosswire" not in metadata:
            return ()
        section = metadata["crosswire"]
        where = f"Metadata crosswire of {logical_id}"
        usage = "expected `ignore: [{id: CW302, reason: ...}]`"
        if not isinstance(section, dict) or set(section) != {"ignore"} or not isinstance(section["ignore"], list):
            raise LoadError(self.file, _line(section) or _line(metadata) or 1, f"{where}: {usage}")
        found: list[Suppression] = []
        for entry in section["ignore"]:
            line = _line(entry) or _line(section) or 1
            span = Span(self.file, line, max(line, self.last_line(entry)))
            entry = {"id": entry} if isinstance(entry, str) else entry
            if not isinstance(entry, dict) or not set(entry) <= {"id", "reason"} or "id" not in entry:
                raise LoadError(self.file, line, f"{where}: {usage}")
            ids, reason = entry["id"], entry.get("reason", "")
            if not isinstance(ids, str) or not isinstance(reason, str):
                raise LoadError(self.file, line, f"{where}: id and reason must be text")
            for check_id in split_ids(ids) or [ids]:
                if not CHECK_ID.fullmatch(check_id):
                    raise LoadError(self.file, line, f"{where}: {check_id!r} is not a check ID like CW302")
                found.append(Suppression(check_id, reason.strip(), span))
        return tuple(found)

    def node_kwargs(self, logical_id: str, resource_type: str, span: Span, suffix: str = "") -> dict:
        """Constructor arguments of a node; `suffix` names a part of the resource (an inline subscription) or a
        resource SAM creates from it (`FnRole`), which reports show as the resource itself."""
        return {
            "uid": f"{self.file}#{logical_id}{suffix}",
            "address": logical_id,
            "resource_type": resource_type,
            "span": span,
            "unit": self.file,
            "source_format": "cloudformation",
        }

    def as_int(self, value: Value) -> Value:
        return _convert(value, _to_int, "a whole number")

    def as_bool(self, value: Value) -> Value:
        return _convert(value, _to_bool, "true or false")

    def queue(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        q = Kind.QUEUE
        redrive = self.sub_props(props, "RedrivePolicy")
        name = self.value(props, "QueueName", q, "name")
        node = Queue(
            **self.node_kwargs(logical_id, "AWS::SQS::Queue", span),
            name=name,
            fifo=self.as_bool(self.value(props, "FifoQueue", q, "fifo")),
            visibility_timeout=self.as_int(self.value(props, "VisibilityTimeout", q, "visibility_timeout")),
            message_retention=self.as_int(self.value(props, "MessageRetentionPeriod", q, "message_retention")),
            sqs_managed_sse=self.as_bool(self.value(props, "SqsManagedSseEnabled", q, "sqs_managed_sse")),
            kms_key=self.value(props, "KmsMasterKeyId", q, "kms_key"),
            max_receive_count=self.as_int(self.value(redrive, "maxReceiveCount", q, "max_receive_count")),
            dead_letter_target=self.value(redrive, "deadLetterTargetArn", q, "dead_letter_target"),
            redrive_allow_policy=self.value(props, "RedriveAllowPolicy", q, "redrive_allow_policy"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
        self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))

    def sub_props(self, props: Props, name: str) -> _Block:
        """The nested property mapping `name`: as written, or what an intrinsic on it resolves to (RedrivePolicy
        may also be a JSON string); empty when absent, unresolved when it cannot be worked out."""
        block = _block(props)
        if block.unresolved is not None:
            return block
        key = next((k for k in block.entries if k == name), None)
        if key is None:
            return _Block()
        raw = block.entries[key]
        span = self.span(key, raw, block.span)
        if isinstance(raw, dict) and not _is_intrinsic(raw):
            return _Block(raw, span)  # as written, so that each entry keeps its own line
        resolved = self.resolve(raw)
        if isinstance(resolved, str):
            try:
                resolved = json.loads(resolved)
            except ValueError:
                return _Block(span=span, unresolved=Unresolved(f"{name} is neither a mapping nor JSON text"))
        if resolved is NO_VALUE:
            return _Block()
        if isinstance(resolved, Unresolved):
            return _Block(span=span, unresolved=resolved)
        if resolved is None:
            return _Block(span=span, unresolved=Unresolved(f"{name} is empty"))
        if not isinstance(resolved, dict):
            return _Block(span=span, unresolved=Unresolved(f"{name} is not a mapping"))
        return _Block(resolved, span)

    def items(self, props: Props, name: str, around: Span) -> list[tuple[int, _Block, Span]]:
        """The mappings of the list property `name` (notification configurations, rule targets), each with its
        index and lines. The list, or one item, may be an intrinsic: it is resolved, and when it cannot be, one
        unresolved item stands for whatever it holds."""
        block = _block(props)
        if block.unresolved is not None:
            return [(0, block, block.span or around)]
        key = next((k for k in block.entries if k == name), None)
        if key is None:
            return []
        raw = block.entries[key]
        list_span = self.span(key, raw, block.span or around)
        if not isinstance(raw, list):
            raw = self.resolve(raw)
            if isinstance(raw, Unresolved):
                return [(0, _Block(span=list_span, unresolved=raw), list_span)]
        found: list[tuple[int, _Block, Span]] = []
        for index, item in enumerate(raw if isinstance(raw, list) else []):
            item_span = self.item_span(item, list_span) if _line(item) else list_span
            if isinstance(item, dict) and _is_intrinsic(item):
                item = self.resolve(item)
                if item is NO_VALUE:
                    continue
            if isinstance(item, Unresolved):
                found.append((index, _Block(span=item_span, unresolved=item), item_span))
            elif isinstance(item, dict):
                found.append((index, _Block(item, item_span), item_span))
        return found

    def topic(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        t = Kind.TOPIC
        name = self.value(props, "TopicName", t, "name")
        node = Topic(
            **self.node_kwargs(logical_id, "AWS::SNS::Topic", span),
            name=name,
            fifo=self.as_bool(self.value(props, "FifoTopic", t, "fifo")),
            kms_key=self.value(props, "KmsMasterKeyId", t, "kms_key"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ENCRYPTED_BY, node, node.kms_key, (Kind.KEY,))
        inline = _block(props).entries.get("Subscription")
        if isinstance(inline, list):
            for index, item in enumerate(inline):
                if isinstance(item, dict):
                    sub_span = self.item_span(item, span)
                    kwargs = self.node_kwargs(logical_id, "AWS::SNS::Topic", sub_span, f".Subscription[{index}]")
                    self.subscription_node(kwargs, item, Value(Ref(logical_id), Origin.EXPLICIT, span))

    def subscription(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, "AWS::SNS::Subscription", span)
        self.subscription_node(kwargs, props, self.value(props, "TopicArn", Kind.SUBSCRIPTION, "topic"))

    def subscription_node(self, kwargs: dict, props: Props, topic: Value) -> Subscription:
        s = Kind.SUBSCRIPTION
        protocol = self.value(props, "Protocol", s, "protocol")
        redrive = self.sub_props(props, "RedrivePolicy")
        node = Subscription(
            **kwargs,
            topic=topic,
            protocol=protocol,
            endpoint=self.value(props, "Endpoint", s, "endpoint"),
            dead_letter_target=self.value(redrive, "deadLetterTargetArn", s, "dead_letter_target"),
            raw_message_delivery=self.as_bool(self.value(props, "RawMessageDelivery", s, "raw_message_delivery")),
        )
        self.graph.add(node, ids=(kwargs["uid"].split("#", 1)[1],))
        self.graph.wire(E.SUBSCRIBES_TO, node, topic, (Kind.TOPIC,))
        self.graph.wire(E.DELIVERS_TO, node, node.endpoint, _endpoint_kinds(protocol))
        self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE,))
        return node

    def policy_node(self, kwargs: dict, props: Props, document_key: str, targets_key: str, kinds: tuple) -> Policy:
        document = self.value(props, document_key, Kind.POLICY, "statements")
        statements_value = statements(document.value, document.span) if document.resolved else document
        targets = self.value(props, targets_key, Kind.POLICY, "targets") if targets_key else Value(None, Origin.DEFAULT)
        node = self.graph.add(Policy(**kwargs, statements=statements_value, targets=targets))
        if targets_key:
            self.graph.wire(E.GOVERNED_BY, node, targets, kinds, reverse=True)
        return node

    def queue_policy(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, "AWS::SQS::QueuePolicy", span)
        self.policy_node(kwargs, props, "PolicyDocument", "Queues", (Kind.QUEUE,))

    def topic_policy(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, "AWS::SNS::TopicPolicy", span)
        self.policy_node(kwargs, props, "PolicyDocument", "Topics", (Kind.TOPIC,))

    def iam_policy(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        kwargs = self.node_kwargs(logical_id, str(resource["Type"]), span)
        self.policy_node(kwargs, props, "PolicyDocument", "Roles", (Kind.ROLE,))

    def key(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        node = Key(
            **self.node_kwargs(logical_id, "AWS::KMS::Key", span),
            rotation=self.as_bool(self.value(props, "EnableKeyRotation", Kind.KEY, "rotation")),
        )
        self.graph.add(node, ids=(logical_id,))
        policy = self.policy_node(
            self.node_kwargs(logical_id, "AWS::KMS::Key", span, ".KeyPolicy"),
            props,
            "KeyPolicy",
            "",
            (),
        )
        self.graph.link(E.GOVERNED_BY, node, policy)

    def alias(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        name = self.value(props, "AliasName", Kind.ALIAS, "name")
        node = AliasNode(
            **self.node_kwargs(logical_id, "AWS::KMS::Alias", span),
            name=name,
            target_key=self.value(props, "TargetKeyId", Kind.ALIAS, "target_key"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ALIASES, node, node.target_key, (Kind.KEY,))

    def role(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        name = self.value(props, "RoleName", Kind.ROLE, "name")
        node = Role(
            **self.node_kwargs(logical_id, "AWS::IAM::Role", span),
            managed_policy_arns=self.value(props, "ManagedPolicyArns", Kind.ROLE, "managed_policy_arns"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        inline = _block(props).entries.get("Policies")
        if isinstance(inline, list):
            for index, item in enumerate(inline):
                if isinstance(item, dict):
                    item_span = self.item_span(item, span)
                    kwargs = self.node_kwargs(logical_id, "AWS::IAM::Role", item_span, f".Policies[{index}]")
                    self.graph.link(E.GOVERNED_BY, node, self.policy_node(kwargs, item, "PolicyDocument", "", ()))

    def lambda_function(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        f = Kind.FUNCTION
        name = self.value(props, "FunctionName", f, "name")
        dlq = self.sub_props(props, "DeadLetterConfig")
        node = Function(
            **self.node_kwargs(logical_id, "AWS::Lambda::Function", span),
            name=name,
            timeout=self.as_int(self.value(props, "Timeout", f, "timeout")),
            reserved_concurrency=self.as_int(
                self.value(props, "ReservedConcurrentExecutions", f, "reserved_concurrency")
            ),
            role=self.value(props, "Role", f, "role"),
            dead_letter_target=self.value(dlq, "TargetArn", f, "dead_letter_target"),
        )
        self.graph.add(node, ids=(logical_id,), names=(name,))
        self.graph.wire(E.ASSUMES, node, node.role, (Kind.ROLE,))
        self.graph.wire(E.DEAD_LETTERS_TO, node, node.dead_letter_target, (Kind.QUEUE, Kind.TOPIC))

    def mapping_node(self, kwargs: dict, props: Props, source: Value, function: Value) -> Mapping:
        m = Kind.MAPPING
        scaling = self.sub_props(props, "ScalingConfig")
        response_types = self.value(props, "FunctionResponseTypes", m, "report_batch_item_failures")
        if response_types.explicit:
            reports = isinstance(response_types.value, list) and "ReportBatchItemFailures" in response_types.value
            response_types = Value(reports, Origin.EXPLICIT, response_types.span)
        node = Mapping(
            **kwargs,
            source=source,
            function=function,
            batch_size=self.as_int(self.value(props, "BatchSize", m, "batch_size")),
            batching_window=self.as_int(self.value(props, "MaximumBatchingWindowInSeconds", m, "batching_window")),
            report_batch_item_failures=response_types,
            maximum_concurrency=self.as_int(self.value(scaling, "MaximumConcurrency", m, "maximum_concurrency")),
            enabled=self.as_bool(self.value(props, "Enabled", m, "enabled")),
        )
        self.graph.add(node, ids=(kwargs["uid"].split("#", 1)[1],))
        self.graph.wire(E.CONSUMES, node, source, (Kind.QUEUE,))
        self.graph.wire(E.INVOKES, node, function, (Kind.FUNCTION,))
        return node

    def event_source_mapping(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        m = Kind.MAPPING
        self.mapping_node(
            self.node_kwargs(logical_id, "AWS::Lambda::EventSourceMapping", span),
            props,
            self.value(props, "EventSourceArn", m, "source"),
            self.value(props, "FunctionName", m, "function"),
        )

    def permission_node(self, kwargs: dict, props: Props) -> Permission:
        p = Kind.PERMISSION
        node = Permission(
            **kwargs,
            function=self.value(props, "FunctionName", p, "function"),
            principal=self.value(props, "Principal", p, "principal"),
            action=self.value(props, "Action", p, "action"),
            source_arn=self.value(props, "SourceArn", p, "source_arn"),
            source_account=self.value(props, "SourceAccount", p, "source_account"),
        )
        self.graph.add(node, ids=(kwargs["uid"].split("#", 1)[1],))
        self.graph.wire(E.PERMITS, node, node.function, (Kind.FUNCTION,))
        return node

    def permission(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        self.permission_node(self.node_kwargs(logical_id, "AWS::Lambda::Permission", span), props)

    def bucket(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        config = self.sub_props(props, "NotificationConfiguration")
        for section, target_key, kinds in (
            ("QueueConfigurations", "Queue", (Kind.QUEUE,)),
            ("TopicConfigurations", "Topic", (Kind.TOPIC,)),
            ("LambdaConfigurations", "Function", (Kind.FUNCTION,)),
        ):
            for index, item, item_span in self.items(config, section, span):
                kwargs = self.node_kwargs(logical_id, "AWS::S3::Bucket", item_span, f".{section}[{index}]")
                node = BucketNotification(
                    **kwargs,
                    bucket=Value(Ref(logical_id), Origin.EXPLICIT, span),
                    destination=self.value(item, target_key, Kind.BUCKET_NOTIFICATION, "destination"),
                    events=self.value(item, "Event", Kind.BUCKET_NOTIFICATION, "events"),
                )
                self.graph.add(node)
                self.graph.wire(E.DELIVERS_TO, node, node.destination, kinds)

    def rule(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        for index, item, item_span in self.items(props, "Targets", span):
            kwargs = self.node_kwargs(logical_id, "AWS::Events::Rule", item_span, f".Targets[{index}]")
            node = RuleTarget(
                **kwargs,
                rule=Value(Ref(logical_id), Origin.EXPLICIT, span),
                destination=self.value(item, "Arn", Kind.RULE_TARGET, "destination"),
            )
            self.graph.add(node)
            self.graph.wire(E.DELIVERS_TO, node, node.destination, (Kind.QUEUE, Kind.TOPIC, Kind.FUNCTION))

    # -- SAM ----------------------------------------------------------------------------------------------
    def with_globals(self, resource: dict, props: Props) -> tuple[Props, set[str]]:
        """A SAM function's properties with `Globals.Function` filled in, and which keys came from Globals.

        `IgnoreGlobals: '*'` or a list of property names on the resource opts it out (SAM resource attribute)."""
        if isinstance(props, _Block):
            return props, set()  # properties only known at deploy time: what Globals would fill in is too
        merged = dict(props)
        from_globals: set[str] = set()
        ignored = self.resolve(resource.get("IgnoreGlobals", []))
        if ignored == "*":
            return merged, from_globals
        ignored = {i for i in ignored if isinstance(i, str)} if isinstance(ignored, list) else set()
        if isinstance(self.function_globals, dict):
            for key, value in self.function_globals.items():
                if key not in merged and str(key) not in ignored:
                    merged[key] = value
                    from_globals.add(str(key))
        return merged, from_globals

    def sam_function(self, logical_id: str, resource: dict, props: Props, span: Span) -> None:
        f = Kind.FUNCTION
        props, from_globals = self.with_globals(resource, props)

        def prop(name: str, attribute: str) -> Value:
            return self.value(props, name, f, attribute, "from Globals" if name in from_globals else "")

        kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span)
        name = prop("FunctionName", "name")
        dlq = self.sub_props(props, "DeadLetterQueue")
        events = _as_dict(_block(props).entries.get("Events"))
        role = prop("Role", "role")
        function = Function(
            **kwargs,
            name=name,
            timeout=self.as_int(prop("Timeout", "timeout")),
            reserved_concurrency=self.as_int(prop("ReservedConcurrentExecutions", "reserved_concurrency")),
            role=role,
            dead_letter_target=self.value(dlq, "TargetArn", f, "dead_letter_target"),
        )
        self.graph.add(function, ids=(logical_id,), names=(name,))
        self.graph.wire(E.DEAD_LETTERS_TO, function, function.dead_letter_target, (Kind.QUEUE, Kind.TOPIC))
        if "Role" in _block(props).entries or _block(props).unresolved is not None:
            self.graph.wire(E.ASSUMES, function, role, (Kind.ROLE,))
        else:
            self.sam_role(logical_id, props, span, function, events)
        for event_key, event in events.items():
            if isinstance(event, dict):
                self.sam_event(logical_id, str(event_key), event, self.span(event_key, event))

    def sam_role(self, logical_id: str, props: Props, span: Span, function: Function, events: dict) -> None:
        """The execution role SAM generates (`<Function>Role`) from `Policies` and the function's events."""
        managed: list[Any] = [SAM_BASIC_ROLE]
        if any(isinstance(e, dict) and e.get("Type") == "SQS" for e in events.values()):
            managed.append(SAM_SQS_ROLE)
        policies = _block(props).entries.get("Policies")
        items = policies if isinstance(policies, list) else [policies] if policies is not None else []
        kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, "Role")
        role = self.graph.add(Role(**kwargs), ids=(f"{logical_id}Role",))
        for index, item in enumerate(items):
            resolved = self.resolve(item)
            item_span = self.item_span(item, span)
            if isinstance(resolved, str):
                managed.append(resolved)
                continue
            document = self.sam_policy_document(resolved)
            suffix = f"Role.Policies[{index}]"
            policy_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", item_span, suffix)
            policy = self.graph.add(Policy(**policy_kwargs, statements=statements(document, item_span)))
            self.graph.link(E.GOVERNED_BY, role, policy)
        role.managed_policy_arns = Value(managed, Origin.EXPLICIT, span)
        self.graph.link(E.ASSUMES, function, role)

    def sam_policy_document(self, resolved: Any) -> Any:
        """A SAM `Policies` entry (other than a managed policy's name or ARN) as a policy document: written inline,
        or a SAM policy template expanded; anything else is an unresolved document, never dropped."""
        if isinstance(resolved, Unresolved):
            return resolved
        if isinstance(resolved, dict) and "Statement" in resolved:
            return resolved
        if not (isinstance(resolved, dict) and len(resolved) == 1):
            return Unresolved("a Policies entry that is neither a policy document nor one SAM policy template")
        ((name, arguments),) = resolved.items()
        expanded = sam_policy_templates.definition(str(name), arguments)
        return expanded if isinstance(expanded, Unresolved) else self.resolve(expanded)

    def sam_event(self, logical_id: str, event_id: str, event: dict, span: Span) -> None:
        props = self.sub_props(event, "Properties")
        function_ref = Value(Ref(logical_id), Origin.EXPLICIT, span)
        kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, event_id)
        if event.get("Type") == "SQS":
            self.mapping_node(kwargs, props, self.value(props, "Queue", Kind.MAPPING, "source"), function_ref)
        elif event.get("Type") == "SNS":
            topic = self.value(props, "Topic", Kind.SUBSCRIPTION, "topic")
            sqs_subscription = self.value(props, "SqsSubscription", Kind.SUBSCRIPTION, "sqs_subscription")
            # unresolved (`!If` on an unknown condition): SAM may create the queue, so it is modelled with what
            # cannot be known about it unresolved, rather than assumed away
            choice = sqs_subscription.value
            if not sqs_subscription.resolved or choice is True or isinstance(choice, dict) or choice == "true":
                self.sam_sqs_subscription(logical_id, event_id, props, span, topic, function_ref, sqs_subscription)
                return
            kept = {k: v for k, v in props.entries.items() if k in ("RedrivePolicy", "FilterPolicy", "Region")}
            subscription = _Block(kept | {"Protocol": "lambda"}, props.span)
            sub_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, event_id)
            node = self.subscription_node(sub_kwargs, subscription, topic)
            node.endpoint = function_ref
            self.graph.wire(E.DELIVERS_TO, node, function_ref, (Kind.FUNCTION,))
            permission = {"FunctionName": {"Ref": logical_id}, "Principal": "sns.amazonaws.com"}
            permission_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, f"{event_id}Permission")
            node_permission = self.permission_node(permission_kwargs, permission)
            node_permission.source_arn = topic
            node_permission.action = Value("lambda:InvokeFunction", Origin.EXPLICIT, span)

    def sam_sqs_subscription(
        self,
        logical_id: str,
        event_id: str,
        props: _Block,
        span: Span,
        topic: Value,
        function_ref: Value,
        sqs_subscription: Value,
    ) -> None:
        """SNS event with `SqsSubscription`: SAM creates a queue (default attributes), its policy for SNS, the
        subscription and an event source mapping from that queue to the function. When `SqsSubscription` is
        unresolved, so are the queue's attributes and the mapping's options."""
        if not sqs_subscription.resolved:
            options = _Block(span=sqs_subscription.span, unresolved=Unresolved(sqs_subscription.note))
        elif isinstance(sqs_subscription.value, dict):
            options = self.sub_props(props, "SqsSubscription")
        else:
            options = _Block()
        suffix = f"{event_id}Queue"
        if "QueueArn" in options.entries:
            queue_ref = self.value(options, "QueueArn", Kind.MAPPING, "source")
        else:
            queue = Queue(**self.node_kwargs(logical_id, "AWS::Serverless::Function", span, suffix))
            if options.unresolved is None:
                for attribute in ("fifo", "visibility_timeout", "message_retention", "sqs_managed_sse"):
                    setattr(queue, attribute, Value(None, Origin.ABSENT, span))
            else:
                unknown = Value(None, Origin.UNRESOLVED, options.span, options.unresolved.reason)
                for attribute in ("fifo", "visibility_timeout", "message_retention", "sqs_managed_sse", "kms_key"):
                    setattr(queue, attribute, unknown)
            self.graph.add(queue, ids=(f"{logical_id}{suffix}",))
            queue_ref = Value(Ref(f"{logical_id}{suffix}"), Origin.EXPLICIT, span)
            policy_document = {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sns.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": Ref(f"{logical_id}{suffix}", "Arn"),
                        "Condition": {"ArnEquals": {"aws:SourceArn": topic.value}},
                    }
                ]
            }
            policy_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, f"{suffix}Policy")
            policy = self.graph.add(Policy(**policy_kwargs, statements=statements(policy_document, span)))
            self.graph.link(E.GOVERNED_BY, queue, policy)
        sub_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, event_id)
        subscription = {"Protocol": "sqs"}
        node = self.subscription_node(sub_kwargs, subscription, topic)
        node.endpoint = queue_ref
        self.graph.wire(E.DELIVERS_TO, node, queue_ref, (Kind.QUEUE,))
        suffix = f"{event_id}EventSourceMapping"
        mapping_kwargs = self.node_kwargs(logical_id, "AWS::Serverless::Function", span, suffix)
        self.mapping_node(mapping_kwargs, options, queue_ref, function_ref)


def _endpoint_kinds(protocol: Value) -> tuple[Kind, ...]:
    return {"sqs": (Kind.QUEUE,), "lambda": (Kind.FUNCTION,)}.get(str(protocol.value).lower(), ())


def _as_dict(raw: Any) -> dict:
    return raw if isinstance(raw, dict) else {}


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
        return found
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


def _parameter_text(raw: Any) -> Any:
    """A parameter value as CloudFormation passes it: text (YAML's `true` is "true", `30` is "30")."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if raw is None:
        return ""
    if isinstance(raw, (int, float)):
        return str(raw)
    return raw


def _logic(op: str) -> Callable[[_Template, Any], Any]:
    def evaluate(template: _Template, arg: Any) -> Any:
        values = [template.resolve(a) for a in (arg if isinstance(arg, list) else [arg])]
        found = _first_unresolved(values)
        if found:
            return found
        if op == "not":
            return not values[0]
        return all(values) if op == "and" else any(values)

    return evaluate


def _unresolvable(name: str) -> Callable[[_Template, Any], Any]:
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
    return Value(converted, value.origin, value.span, value.note)


_INTRINSICS: dict[str, Callable[[_Template, Any], Any]] = {
    "Ref": _Template._ref,
    "Fn::GetAtt": _Template._getatt,
    "Fn::Sub": _Template._sub,
    "Fn::Join": _Template._join,
    "Fn::Select": _Template._select,
    "Fn::Split": _Template._split,
    "Fn::If": _Template._if,
    "Fn::FindInMap": _Template._find_in_map,
    "Fn::Equals": _Template._equals,
    "Fn::And": _logic("and"),
    "Fn::Or": _logic("or"),
    "Fn::Not": _logic("not"),
    "Condition": _Template._condition_fn,
    "Fn::ImportValue": _unresolvable("Fn::ImportValue"),
    "Fn::GetAZs": _unresolvable("Fn::GetAZs"),
    "Fn::Base64": _unresolvable("Fn::Base64"),
    "Fn::Cidr": _unresolvable("Fn::Cidr"),
    "Fn::Transform": _unresolvable("Fn::Transform"),
}

_BUILDERS: dict[str, Callable[[_Template, str, dict, Props, Span], None]] = {
    "AWS::SQS::Queue": _Template.queue,
    "AWS::SNS::Topic": _Template.topic,
    "AWS::SNS::Subscription": _Template.subscription,
    "AWS::SQS::QueuePolicy": _Template.queue_policy,
    "AWS::SNS::TopicPolicy": _Template.topic_policy,
    "AWS::KMS::Key": _Template.key,
    "AWS::KMS::Alias": _Template.alias,
    "AWS::IAM::Role": _Template.role,
    "AWS::IAM::Policy": _Template.iam_policy,
    "AWS::IAM::ManagedPolicy": _Template.iam_policy,
    "AWS::Lambda::Function": _Template.lambda_function,
    "AWS::Serverless::Function": _Template.sam_function,
    "AWS::Lambda::EventSourceMapping": _Template.event_source_mapping,
    "AWS::Lambda::Permission": _Template.permission,
    "AWS::S3::Bucket": _Template.bucket,
    "AWS::Events::Rule": _Template.rule,
}
