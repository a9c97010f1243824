"""A picture of the wiring: queues, topics, keys, functions and what feeds them, as Mermaid or Graphviz DOT.

Subscriptions and event source mappings are drawn as the arrows they make (topic -> queue, queue -> function);
a resource with findings is marked and carries their check IDs. By default only the resources that findings
involve and their neighbours are drawn, so a large graph stays readable. Every name is escaped for the language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crosswire.check import Finding
from crosswire.escaping import encodable, visible
from crosswire.graph import Graph
from crosswire.model import EdgeKind, Kind, Node

DRAWN = (
    Kind.TOPIC,
    Kind.QUEUE,
    Kind.FUNCTION,
    Kind.KEY,
    Kind.BUCKET_NOTIFICATION,
    Kind.RULE_TARGET,
    Kind.ALARM,
)
_WORDS = {
    Kind.TOPIC: "SNS topic",
    Kind.QUEUE: "SQS queue",
    Kind.FUNCTION: "Lambda function",
    Kind.KEY: "KMS key",
    Kind.BUCKET_NOTIFICATION: "S3 notification",
    Kind.RULE_TARGET: "EventBridge target",
    Kind.ALARM: "CloudWatch alarm",
}


@dataclass
class Box:
    """One drawn resource: several graph nodes may share it (a template loaded once per condition scenario)."""

    key: tuple[str, str, str]  # kind, file, address
    kind: Kind
    address: str
    file: str
    checks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Arrow:
    source: tuple[str, str, str]
    target: tuple[str, str, str]
    label: str
    dashed: bool = False


@dataclass
class Picture:
    boxes: list[Box]
    arrows: list[Arrow]
    hidden: int  # resources left out because no finding involves them or their neighbours


def _key(node: Node) -> tuple[str, str, str]:
    return (node.kind.value, node.span.file, node.address)


def _arrows(graph: Graph) -> list[Arrow]:
    """The wires between drawn resources, with the subscription or mapping that makes them folded into the arrow."""
    found: dict[Arrow, None] = {}

    def add(source: Node, target: Node, label: str, dashed: bool = False) -> None:
        if source.kind in DRAWN and target.kind in DRAWN:
            found[Arrow(_key(source), _key(target), label, dashed)] = None

    for edge in graph.edges():
        source, target, kind = edge.source, edge.target, edge.kind
        if kind is EdgeKind.DELIVERS_TO and source.kind is Kind.SUBSCRIPTION:
            for topic in graph.targets(source, EdgeKind.SUBSCRIBES_TO):
                add(topic, target, "subscription")
        elif kind is EdgeKind.DEAD_LETTERS_TO and source.kind is Kind.SUBSCRIPTION:
            for topic in graph.targets(source, EdgeKind.SUBSCRIBES_TO):
                add(topic, target, "subscription DLQ", dashed=True)
        elif kind is EdgeKind.INVOKES and source.kind is Kind.MAPPING:
            for queue in graph.targets(source, EdgeKind.CONSUMES):
                add(queue, target, "consumed by")
        elif kind is EdgeKind.DELIVERS_TO:
            add(source, target, "delivers")
        elif kind is EdgeKind.DEAD_LETTERS_TO:
            add(source, target, "DLQ", dashed=True)
        elif kind is EdgeKind.ENCRYPTED_BY:
            add(source, target, "encrypted by", dashed=True)
    return list(found)


def _anchors(graph: Graph, node: Node) -> list[Node]:
    """The drawn resources a finding on `node` shows on: the node itself, or what the part it stands on belongs to
    (a subscription's endpoint, a mapping's queue, a policy's resource, a permission's function, an alias's key)."""
    if node.kind in DRAWN:
        return [node]
    around = {
        Kind.SUBSCRIPTION: graph.targets(node, EdgeKind.DELIVERS_TO) or graph.targets(node, EdgeKind.SUBSCRIBES_TO),
        Kind.MAPPING: graph.targets(node, EdgeKind.CONSUMES),
        Kind.POLICY: graph.sources(node, EdgeKind.GOVERNED_BY),
        Kind.PERMISSION: graph.targets(node, EdgeKind.PERMITS),
        Kind.ROLE: graph.sources(node, EdgeKind.ASSUMES),
        Kind.ALIAS: graph.targets(node, EdgeKind.ALIASES),
    }.get(node.kind, [])
    return [n for n in around if n.kind in DRAWN]


def build(graph: Graph, findings: Sequence[Finding], everything: bool = False) -> Picture:
    """The picture of `graph` with `findings` marked: every drawn resource with `everything`, else the resources the
    findings are on or name, and their neighbours one arrow away."""
    boxes: dict[tuple[str, str, str], Box] = {}
    for node in sorted(graph.nodes.values(), key=lambda n: (n.span.file, n.span.line, n.address, n.kind.value)):
        if node.kind in DRAWN:
            boxes.setdefault(_key(node), Box(_key(node), node.kind, node.address, node.span.file))
    arrows = [a for a in _arrows(graph) if a.source in boxes and a.target in boxes]
    involved: set[tuple[str, str, str]] = set()
    for finding in findings:
        for anchor in _anchors(graph, finding.node):
            box = boxes[_key(anchor)]
            if finding.meta.id not in box.checks:
                box.checks.append(finding.meta.id)
            involved.add(box.key)
        involved.update(_key(n) for r in finding.related for n in _anchors(graph, r))
    if everything:
        shown = set(boxes)
    else:
        shown = set(involved)
        for arrow in arrows:
            if arrow.source in involved or arrow.target in involved:
                shown.update((arrow.source, arrow.target))
    for box in boxes.values():
        box.checks.sort()
    return Picture(
        [b for b in boxes.values() if b.key in shown],
        [a for a in arrows if a.source in shown and a.target in shown],
        len(boxes) - len(shown),
    )


def _label_lines(box: Box) -> list[str]:
    lines = [_WORDS[box.kind], visible(encodable(box.address))]
    if box.checks:
        lines.append(", ".join(visible(c) for c in box.checks))
    return lines


# -- Mermaid --------------------------------------------------------------------------------------------------

_MERMAID_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:/=+")
_MERMAID_SHAPES = {
    Kind.TOPIC: ('{{"', '"}}'),
    Kind.QUEUE: ('[("', '")]'),
    Kind.FUNCTION: ('(["', '"])'),
    Kind.KEY: ('>"', '"]'),
}


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: every character outside a small safe set as an entity code (`#34;`), so
    no name can close the label, start an arrow (`-->`), a comment (`%%`), a directive or markup."""
    return "".join(char if char in _MERMAID_SAFE else f"#{ord(char)};" for char in text)


def mermaid(picture: Picture) -> str:
    ids = {box.key: f"n{index}" for index, box in enumerate(picture.boxes, 1)}
    lines = ["flowchart LR"]
    for box in picture.boxes:
        opening, closing = _MERMAID_SHAPES.get(box.kind, ('[/"', '"/]'))
        label = "<br/>".join(mermaid_text(line) for line in _label_lines(box))
        lines.append(f"  {ids[box.key]}{opening}{label}{closing}")
    for arrow in picture.arrows:
        link = "-.->" if arrow.dashed else "-->"
        lines.append(f'  {ids[arrow.source]} {link}|"{mermaid_text(arrow.label)}"| {ids[arrow.target]}')
    marked = [ids[b.key] for b in picture.boxes if b.checks]
    if marked:
        lines.append("  classDef finding fill:#fde2e1,stroke:#c62828,stroke-width:2px")
        lines.append(f"  class {','.join(marked)} finding")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------------------------------------

_DOT_SHAPES = {Kind.TOPIC: "hexagon", Kind.QUEUE: "cylinder", Kind.FUNCTION: "box", Kind.KEY: "note"}


def dot_text(text: str) -> str:
    """Text for a double-quoted DOT string: backslashes doubled (so `\\N`, `\\G`, `\\l` are not Graphviz escapes)
    and quotes escaped; names are already `visible`, so they hold no line break."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(picture: Picture) -> str:
    ids = {box.key: f"n{index}" for index, box in enumerate(picture.boxes, 1)}
    lines = [
        "digraph crosswire {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11, style=filled, fillcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for box in picture.boxes:
        label = "\\n".join(dot_text(line) for line in _label_lines(box))
        attributes = [f'label="{label}"', f"shape={_DOT_SHAPES.get(box.kind, 'parallelogram')}"]
        if box.checks:
            attributes += ['color="#c62828"', 'fillcolor="#fde2e1"', "penwidth=2"]
        lines.append(f"  {ids[box.key]} [{', '.join(attributes)}];")
    for arrow in picture.arrows:
        style = ", style=dashed" if arrow.dashed else ""
        lines.append(f'  {ids[arrow.source]} -> {ids[arrow.target]} [label="{dot_text(arrow.label)}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(fmt: str, graph: Graph, findings: Iterable[Finding], everything: bool = False) -> str:
    picture = build(graph, list(findings), everything)
    return mermaid(picture) if fmt == "mermaid" else dot(picture)
