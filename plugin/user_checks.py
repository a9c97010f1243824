"""Teams' own checks: one YAML file per check (`--checks-dir`, `checks-dir` in the config), run like built-in ones.

A check starts at every resource of one kind, follows named hops along the graph's typed edges, and requires a
condition (crosswire.expressions) over the attributes of the resources it bound, named as `crosswire graph` dumps
them. The files are read safely and within bounds: a file that cannot be used is a UserCheckError with file and line.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crosswire import expressions, fs, inputs
from crosswire.check import Check, CheckMeta, Finding, Reference, Severity, Skip, noun
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Node, Origin, Queue, Topic
from crosswire.suppressions import USER_CHECK_ID

SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 64 * 1024
MAX_FILES = 200
MAX_YAML_NODES = 2000
MAX_YAML_DEPTH = 8
MAX_HOPS = 8
MAX_BINDINGS = 10000  # combinations one starting resource may bind: past it the check skips that resource
KEYS = ("id", "title", "severity", "rationale", "fix", "references", "resource", "hops", "when", "require", "message")
REQUIRED = ("id", "title", "severity", "rationale", "fix", "resource", "require")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"[A-Za-z_]\w{0,31}")
# what plain YAML resolves to by itself; any other tag (!Ref, !!python/object) has no meaning in a check file
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")}


class UserCheckError(Exception):
    """A check file that cannot be used: `file`, `line` and what is wrong."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


# -- hops ---------------------------------------------------------------------------------------------------


Follow = Callable[[Graph, Node], tuple[list[Node], str | None]]


@dataclass(frozen=True)
class Edge:
    """A hop's edge: from which kinds, to which kinds, and how to follow it (the nodes, and why it could not be
    followed where the loaders left a reference unlinked). docs/user-checks/README.md says what each one means."""

    sources: tuple[Kind, ...]
    targets: tuple[Kind, ...]
    follow: Follow


def _along(kind: EdgeKind) -> Follow:
    def follow(graph: Graph, node: Node) -> tuple[list[Node], str | None]:
        return graph.targets(node, kind), graph.why_unlinked(node, kind)

    return follow


def _back(kind: EdgeKind) -> Follow:
    return lambda graph, node: (graph.sources(node, kind), None)


def _consumers(graph: Graph, node: Node) -> tuple[list[Node], str | None]:
    found: dict[str, Node] = {}
    reason = None
    for mapping in graph.mappings_of(node) if isinstance(node, Queue) else []:
        functions = graph.targets(mapping, EdgeKind.INVOKES)
        reason = reason or (None if functions else graph.why_unlinked(mapping, EdgeKind.INVOKES))
        found.update((f.uid, f) for f in functions)
    return list(found.values()), reason


def _key(graph: Graph, node: Node) -> tuple[list[Node], str | None]:
    assert isinstance(node, (Queue, Topic))
    if not node.kms_key.resolved:
        return [], node.kms_key.note
    key = graph.key_of(node)
    return ([key] if key else []), graph.why_unlinked(node, EdgeKind.ENCRYPTED_BY)


def _topics(graph: Graph, node: Node) -> tuple[list[Node], str | None]:
    found = {d.source.uid: d.source for d in graph.deliveries_into(node) if d.source.kind is Kind.TOPIC}
    # a subscription into the resource whose topic could not be followed may be from the topic a check is about
    reason = next(
        (
            graph.why_unlinked(feeder, EdgeKind.SUBSCRIBES_TO)
            for feeder in graph.feeders_of(node)
            if feeder.kind is Kind.SUBSCRIPTION and not graph.targets(feeder, EdgeKind.SUBSCRIBES_TO)
        ),
        None,
    )
    return list(found.values()), reason


def _subscribers(graph: Graph, node: Node) -> tuple[list[Node], str | None]:
    found: dict[str, Node] = {}
    reason = None
    for subscription in graph.sources(node, EdgeKind.SUBSCRIBES_TO):
        endpoints = graph.targets(subscription, EdgeKind.DELIVERS_TO)
        reason = reason or (None if endpoints else graph.why_unlinked(subscription, EdgeKind.DELIVERS_TO))
        found.update((e.uid, e) for e in endpoints)
    return list(found.values()), reason


_FEEDERS = (Kind.SUBSCRIPTION, Kind.BUCKET_NOTIFICATION, Kind.RULE_TARGET, Kind.ALARM)
_DESTINATIONS = (Kind.QUEUE, Kind.TOPIC, Kind.FUNCTION)
EDGES: dict[str, Edge] = {
    "consumers": Edge((Kind.QUEUE,), (Kind.FUNCTION,), _consumers),
    "mappings": Edge((Kind.QUEUE,), (Kind.MAPPING,), _back(EdgeKind.CONSUMES)),
    "queue": Edge((Kind.MAPPING,), (Kind.QUEUE,), _along(EdgeKind.CONSUMES)),
    "function": Edge(
        (Kind.MAPPING, Kind.PERMISSION),
        (Kind.FUNCTION,),
        lambda graph, node: _along(EdgeKind.INVOKES if node.kind is Kind.MAPPING else EdgeKind.PERMITS)(graph, node),
    ),
    "feeders": Edge(
        _DESTINATIONS,
        _FEEDERS,
        lambda graph, node: (list(graph.feeders_of(node)), None),
    ),
    "topics": Edge((Kind.QUEUE, Kind.FUNCTION), (Kind.TOPIC,), _topics),
    "subscriptions": Edge((Kind.TOPIC,), (Kind.SUBSCRIPTION,), _back(EdgeKind.SUBSCRIBES_TO)),
    "subscribers": Edge((Kind.TOPIC,), _DESTINATIONS, _subscribers),
    "topic": Edge((Kind.SUBSCRIPTION,), (Kind.TOPIC,), _along(EdgeKind.SUBSCRIBES_TO)),
    "endpoint": Edge(_FEEDERS, _DESTINATIONS, _along(EdgeKind.DELIVERS_TO)),
    "key": Edge((Kind.QUEUE, Kind.TOPIC), (Kind.KEY,), _key),
    "dlq": Edge(
        (Kind.QUEUE, Kind.SUBSCRIPTION, Kind.RULE_TARGET, Kind.FUNCTION),
        (Kind.QUEUE,),
        _along(EdgeKind.DEAD_LETTERS_TO),
    ),
    "dead_letter_sources": Edge(
        (Kind.QUEUE,),
        (Kind.QUEUE, Kind.SUBSCRIPTION, Kind.RULE_TARGET, Kind.FUNCTION),
        _back(EdgeKind.DEAD_LETTERS_TO),
    ),
    "policy": Edge((Kind.QUEUE, Kind.TOPIC, Kind.KEY, Kind.ROLE), (Kind.POLICY,), _along(EdgeKind.GOVERNED_BY)),
    "role": Edge((Kind.FUNCTION, Kind.RULE_TARGET), (Kind.ROLE,), _along(EdgeKind.ASSUMES)),
    "permissions": Edge((Kind.FUNCTION,), (Kind.PERMISSION,), _back(EdgeKind.PERMITS)),
}


def _node_classes() -> dict[Kind, type[Node]]:
    return {cls.kind: cls for cls in Node.__subclasses__()}


_BASE_FIELDS = ("address", "kind", "resource_type")


def attribute_names(kind: Kind) -> tuple[str, ...]:
    """What a condition may read on a resource of `kind`: its attributes as `crosswire graph` dumps them, and its
    address, kind and resource type."""
    base = {f.name for f in dataclasses.fields(Node)}
    own = tuple(f.name for f in dataclasses.fields(_node_classes()[kind]) if f.name not in base)
    return (*_BASE_FIELDS, *own)


# -- reading the YAML file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    """A value of the YAML file with the line it starts on."""

    value: Any  # str, list[Marked] or dict[str, Marked]
    line: int


def _compose(text: str, shown: str) -> Any:
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise UserCheckError(shown, mark.line + 1 if mark else 1, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise UserCheckError(shown, 1, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise UserCheckError(shown, 1, "nested too deeply") from None


def _marked(node: Any, shown: str, depth: int, budget: list[int]) -> Marked:
    """The composed YAML node as plain values with lines; anchors repeat what they name, so every node counts
    against the budget wherever it is reached (no billion laughs)."""
    import yaml

    line = node.start_mark.line + 1
    budget[0] -= 1
    if budget[0] < 0:
        raise UserCheckError(shown, line, f"more than {MAX_YAML_NODES} YAML nodes")
    if depth > MAX_YAML_DEPTH:
        raise UserCheckError(shown, line, f"nested deeper than {MAX_YAML_DEPTH}")
    if node.tag not in _PLAIN_TAGS:
        raise UserCheckError(shown, line, f"YAML tag {node.tag} is not allowed here")
    if isinstance(node, yaml.ScalarNode):
        return Marked(node.value, line)
    if isinstance(node, yaml.SequenceNode):
        return Marked([_marked(item, shown, depth + 1, budget) for item in node.value], line)
    entries: dict[str, Marked] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise UserCheckError(shown, key.start_mark.line + 1, "a key must be plain text")
        if key.value in entries:
            raise UserCheckError(shown, key.start_mark.line + 1, f"{key.value} is given twice")
        entries[key.value] = _marked(value, shown, depth + 1, budget)
    return Marked(entries, line)


def _text(entry: Marked, shown: str, key: str) -> str:
    if not isinstance(entry.value, str) or not entry.value.strip():
        raise UserCheckError(shown, entry.line, f"{key}: expected text")
    return entry.value.strip()


@dataclass(frozen=True)
class Hop:
    name: str
    source: str
    edge: str
    line: int
    optional: bool  # written FROM.EDGE?: binds null where the edge leads nowhere, instead of dropping the binding


@dataclass(frozen=True)
class Definition:
    """What a check file says, read and validated."""

    meta: CheckMeta
    start: str  # the name the starting resource is bound to: its kind
    hops: tuple[Hop, ...]
    kinds: dict[str, tuple[Kind, ...]]  # by bound name, the kinds it may hold
    when: expressions.Node | None
    require: expressions.Node
    require_text: str
    message: str
    id_line: int


def read(path: str, shown: str, folder: str | None = None) -> Definition:
    """The check in the file `path` (`shown` in messages), which must lie in `folder` (symlinks resolved) when one is
    given; UserCheckError when it cannot be used."""
    if folder is not None and not inputs.within(path, folder):
        raise UserCheckError(shown, 0, "a symlink that leads outside the checks folder; crosswire does not read it")
    try:
        text = inputs.decode(inputs.read_bytes(path, shown, folder, MAX_FILE_BYTES), shown)
    except inputs.LoadError as exc:
        raise UserCheckError(shown, exc.line, exc.message) from None
    composed = _compose(text, shown)
    if composed is None:
        raise UserCheckError(shown, 1, "empty file: expected a check (id, title, severity, ...)")
    document = _marked(composed, shown, 0, [MAX_YAML_NODES])
    if not isinstance(document.value, dict):
        raise UserCheckError(shown, document.line, "expected a mapping of id, title, severity, ...")
    fields: dict[str, Marked] = document.value
    for key, entry in fields.items():
        if key not in KEYS:
            raise UserCheckError(shown, entry.line, f"unknown key {key!r} (known: {', '.join(KEYS)})")
    for key in REQUIRED:
        if key not in fields:
            raise UserCheckError(shown, document.line, f"{key} is missing")
    check_id = _text(fields["id"], shown, "id")
    if not USER_CHECK_ID.fullmatch(check_id):
        raise UserCheckError(
            shown,
            fields["id"].line,
            f"id {check_id!r} must be 2-8 capital letters and 1-4 digits, not CW (e.g. PAY001)",
        )
    severity = _text(fields["severity"], shown, "severity")
    if severity not in {s.value for s in Severity}:
        raise UserCheckError(shown, fields["severity"].line, f"severity {severity!r} is not error, warning or info")
    start_kind = _kind(fields["resource"], shown)
    start = start_kind.value.replace("-", "_")
    kinds: dict[str, tuple[Kind, ...]] = {start: (start_kind,)}
    hops = _hops(fields.get("hops"), shown, start, kinds)
    names = {name: _path_checker(bound) for name, bound in kinds.items()}
    when = _condition(fields["when"], shown, "when", names) if "when" in fields else None
    require_text = _text(fields["require"], shown, "require")
    require = _condition(fields["require"], shown, "require", names)
    message = _text(fields["message"], shown, "message") if "message" in fields else ""
    for placeholder in _PLACEHOLDER.findall(message):
        if placeholder not in kinds:
            try:
                expressions.parse(placeholder, names)
            except expressions.ExpressionError as exc:
                raise UserCheckError(
                    shown, fields["message"].line, f"message: {{{placeholder}}}: {exc.message}"
                ) from None
    fix_terraform, fix_cloudformation = _fix(fields["fix"], shown)
    meta = CheckMeta(
        id=check_id,
        slug=re.sub(r"[^a-z0-9]+", "-", os.path.splitext(os.path.basename(path))[0].lower()).strip("-") or "check",
        title=_text(fields["title"], shown, "title"),
        severity=Severity(severity),
        kinds=(start_kind,),
        rationale=_text(fields["rationale"], shown, "rationale"),
        fix_terraform=fix_terraform,
        fix_cloudformation=fix_cloudformation,
        references=_references(fields.get("references"), shown),
        source=shown,
    )
    return Definition(meta, start, hops, kinds, when, require, require_text, message, fields["id"].line)


def _kind(entry: Marked, shown: str) -> Kind:
    text = _text(entry, shown, "resource")
    try:
        return Kind(text.replace("_", "-"))
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise UserCheckError(shown, entry.line, f"resource {text!r} is not a kind of resource ({known})") from None


def _hops(entry: Marked | None, shown: str, start: str, kinds: dict[str, tuple[Kind, ...]]) -> tuple[Hop, ...]:
    if entry is None:
        return ()
    if not isinstance(entry.value, dict):
        raise UserCheckError(
            shown, entry.line, "hops: expected a mapping of NAME: FROM.EDGE, e.g. function: queue.consumers"
        )
    if len(entry.value) > MAX_HOPS:
        raise UserCheckError(shown, entry.line, f"hops: more than {MAX_HOPS}")
    hops = []
    for name, value in entry.value.items():
        if not _NAME.fullmatch(name) or name in expressions.KEYWORDS:
            raise UserCheckError(shown, value.line, f"hops: {name!r} is not a name (letters, digits, _)")
        if name in kinds:
            raise UserCheckError(shown, value.line, f"hops: {name} is bound already")
        text = _text(value, shown, f"hops.{name}")
        optional = text.endswith("?")
        source, dot, edge = text.removesuffix("?").partition(".")
        if not dot or source not in kinds:
            bound = ", ".join(kinds)
            raise UserCheckError(
                shown, value.line, f"hops.{name}: expected FROM.EDGE with FROM one of {bound}, got {text!r}"
            )
        known = EDGES.get(edge)
        if known is None:
            raise UserCheckError(shown, value.line, f"hops.{name}: unknown edge {edge!r} (edges: {', '.join(EDGES)})")
        if not set(kinds[source]) & set(known.sources):
            wanted = ", ".join(k.value for k in known.sources)
            raise UserCheckError(shown, value.line, f"hops.{name}: {edge} leads from {wanted}, not from {source}")
        kinds[name] = known.targets
        hops.append(Hop(name, source, edge, value.line, optional))
    return tuple(hops)


def _path_checker(kinds: tuple[Kind, ...]) -> Callable[[str], str | None]:
    """What is wrong with a JSONPath over a resource of `kinds` (None when nothing): an attribute it does not have,
    or a path jsonpath-ng cannot read."""
    names = sorted({n for kind in kinds for n in attribute_names(kind)})

    def check(path: str) -> str | None:
        first = re.match(r"\w+", path)
        if first is None or first.group() not in names:
            said = first.group() if first else path
            return f"{'/'.join(k.value for k in kinds)} has no attribute {said!r} (it has: {', '.join(names)})"
        try:
            _jsonpath(path)
        except Exception as exc:  # jsonpath-ng raises plain Exception subclasses of several kinds
            return f"not a JSONPath: {path!r}: {exc}"
        return None

    return check


_PARSED: dict[str, Any] = {}


def _jsonpath(path: str) -> Any:
    if path not in _PARSED:
        import jsonpath_ng

        _PARSED[path] = jsonpath_ng.parse(path)
    return _PARSED[path]


def _condition(entry: Marked, shown: str, key: str, names: dict[str, Callable[[str], str | None]]) -> expressions.Node:
    text = _text(entry, shown, key)
    try:
        return expressions.parse(text, names)
    except expressions.ExpressionError as exc:
        raise UserCheckError(shown, entry.line, f"{key}: column {exc.column}: {exc.message}") from None


def _fix(entry: Marked, shown: str) -> tuple[str, str]:
    if isinstance(entry.value, str):
        text = _text(entry, shown, "fix")
        return text, text
    if isinstance(entry.value, dict) and set(entry.value) == {"terraform", "cloudformation"}:
        return _text(entry.value["terraform"], shown, "fix.terraform"), _text(
            entry.value["cloudformation"], shown, "fix.cloudformation"
        )
    raise UserCheckError(shown, entry.line, "fix: expected text, or terraform: and cloudformation: texts")


def _references(entry: Marked | None, shown: str) -> tuple[Reference, ...]:
    if entry is None:
        return ()
    if not isinstance(entry.value, list):
        raise UserCheckError(shown, entry.line, "references: expected a list of title: and url:")
    found = []
    for item in entry.value:
        if not isinstance(item.value, dict) or set(item.value) != {"title", "url"}:
            raise UserCheckError(shown, item.line, "references: each entry has a title: and a url:")
        url = _text(item.value["url"], shown, "references.url")
        if not url.startswith(("https://", "http://")):
            raise UserCheckError(shown, item.value["url"].line, f"references.url: {url!r} is not an http(s) address")
        found.append(Reference(_text(item.value["title"], shown, "references.title"), url))
    return tuple(found)


# -- running ------------------------------------------------------------------------------------------------


def _document(node: Node) -> tuple[dict[str, Any], dict[str, str]]:
    """A resource as conditions read it: its dumped attribute values by name, and the unresolved ones with why."""
    from crosswire.graph_dump import node_entry

    entry = node_entry(node)
    values: dict[str, Any] = {name: entry[name] for name in _BASE_FIELDS}
    unresolved: dict[str, str] = {}
    for name, attribute in entry["attributes"].items():
        values[name] = attribute["value"]
        if attribute["origin"] == Origin.UNRESOLVED.value:
            unresolved[name] = attribute.get("note") or "unresolved"
    return values, unresolved


def _unresolved_part(value: Any) -> str | None:
    """Why a dumped value is partly unknown (an `{"unresolved": WHY}` inside it), or None."""
    pending, seen = [value], 0
    while pending and seen < MAX_YAML_NODES:
        item, seen = pending.pop(), seen + 1
        if isinstance(item, dict):
            if set(item) == {"unresolved"}:
                return str(item["unresolved"])
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def _lookup(binding: dict[str, Node | None]) -> Callable[[expressions.Operand], Any]:
    documents: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}

    def lookup(operand: expressions.Operand) -> Any:
        node = binding[operand.name]
        if node is None:  # an optional hop that led nowhere: every path over it is null
            return None
        if operand.name not in documents:
            documents[operand.name] = _document(node)
        values, unresolved = documents[operand.name]
        first = re.match(r"\w+", operand.path)
        if first and first.group() in unresolved:
            raise expressions.Unknown(f"{operand.text} of {noun(node)} is unresolved: {unresolved[first.group()]}")
        matches = [m.value for m in _jsonpath(operand.path).find(values)]
        value = None if not matches else matches[0] if len(matches) == 1 else matches
        why = _unresolved_part(value)
        if why is not None:
            raise expressions.Unknown(f"{operand.text} of {noun(node)} is unresolved: {why}")
        return value

    return lookup


def _bindings(graph: Graph, definition: Definition, start: Node) -> Iterator[dict[str, Node | None] | str]:
    """Every combination of resources the hops reach from `start`, or a reason why a hop could not be followed."""
    partial: list[dict[str, Node | None]] = [{definition.start: start}]
    for hop in definition.hops:
        edge = EDGES[hop.edge]
        extended: list[dict[str, Node | None]] = []
        for binding in partial:
            source = binding[hop.source]
            targets: list[Node | None] = []
            if source is not None and source.kind in edge.sources:
                found, reason = edge.follow(graph, source)
                targets = [t for t in found if t.kind in edge.targets]
                if not targets and reason:
                    yield f"{hop.edge} of {noun(source)} is unresolved: {reason}"
                    continue
            if not targets and hop.optional:
                targets = [None]
            extended += [{**binding, hop.name: target} for target in targets]
            if len(extended) > MAX_BINDINGS:
                yield f"the hops reach more than {MAX_BINDINGS} combinations"
                return
        partial = extended
    yield from partial


def _message(
    definition: Definition, binding: dict[str, Node | None], lookup: Callable[[expressions.Operand], Any]
) -> str:
    if definition.message:

        def fill(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner in binding:
                bound = binding[inner]
                return noun(bound) if bound is not None else "none"
            names = {name: _path_checker(kinds) for name, kinds in definition.kinds.items()}
            value = expressions.evaluate(expressions.parse(inner, names), lookup)
            return value if isinstance(value, str) else expressions.shown(value)

        return _PLACEHOLDER.sub(fill, definition.message)
    values = ", ".join(f"{o.text} = {expressions.shown(lookup(o))}" for o in expressions.operands(definition.require))
    start = binding[definition.start]
    assert start is not None
    return f"{noun(start)}: {definition.require_text} does not hold ({values})"


def _run(definition: Definition) -> Callable[[Graph, dict[str, Any]], Iterator[Finding | Skip]]:
    meta = definition.meta
    start_kind = meta.kinds[0]

    def run(graph: Graph, options: dict[str, Any]) -> Iterator[Finding | Skip]:
        for start in list(graph.nodes.values()):
            if start.kind is not start_kind or getattr(start, "aws_managed", False):
                continue
            for binding in _bindings(graph, definition, start):
                if isinstance(binding, str):
                    yield Skip(meta, start, binding)
                    continue
                lookup = _lookup(binding)
                try:
                    if definition.when is not None and expressions.evaluate(definition.when, lookup) is not True:
                        continue
                    holds = expressions.evaluate(definition.require, lookup)
                    if not isinstance(holds, bool):
                        raise expressions.Unknown(f"require gives {expressions.shown(holds)}, not true or false")
                    if holds:
                        continue
                    message = _message(definition, binding, lookup)
                except expressions.Unknown as exc:
                    yield Skip(meta, start, str(exc))
                    continue
                others = {n.uid: n for n in binding.values() if n is not None and n is not start}
                yield Finding(meta, start, message, related=tuple(others.values()))

    return run


def load(directory: str, builtin: Sequence[Check]) -> list[Check]:
    """The checks of the YAML files directly in `directory`, by file name; UserCheckError for the first file that
    cannot be used, or an ID that another check has."""
    shown_directory = os.path.normpath(directory)
    try:
        names = [n for n in fs.listdir(directory) if n.lower().endswith(SUFFIXES)]
    except OSError as exc:
        raise UserCheckError(shown_directory, 0, f"cannot read the checks directory: {exc.strerror}") from None
    if len(names) > MAX_FILES:
        raise UserCheckError(shown_directory, 0, f"more than {MAX_FILES} check files")
    taken = {c.meta.id: "crosswire" for c in builtin}
    checks = []
    for name in names:
        path = os.path.join(directory, name)
        definition = read(path, os.path.normpath(path), fs.realpath(directory))
        check_id = definition.meta.id
        if check_id in taken:
            raise UserCheckError(
                definition.meta.source, definition.id_line, f"id {check_id} is taken by {taken[check_id]}"
            )
        taken[check_id] = definition.meta.source
        checks.append(Check(definition.meta, _run(definition)))
    return checks


def catalogue(directory: str | None) -> tuple[Check, ...]:
    """crosswire's checks, then those of `directory` when one is given."""
    from crosswire.checks import ALL_CHECKS

    return ALL_CHECKS if directory is None else (*ALL_CHECKS, *load(directory, ALL_CHECKS))
