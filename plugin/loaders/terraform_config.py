"""Terraform configuration files (`.tf`, `.tf.json`) parsed into blocks and attributes, one module per directory.

Expressions stay Lark trees (or JSON values) here; `terraform` evaluates them in the scope of a module instance.
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crosswire import cache, fs, inputs, progress
from crosswire.loaders import LoadError, display_path, hcl_parser
from crosswire.loaders.budget import OverBudget
from crosswire.loaders.hcl_eval import Evaluator, Invalid, nesting
from crosswire.loaders.hcl_parser import decode, encode, lines
from crosswire.model import Ref, Span, Suppression, Unresolved
from crosswire.suppressions import Comment, comments, covering

SUFFIXES = (".tf", ".tf.json")
# far beyond any configuration, variables file or plan, and well inside Python's recursion limit for the code
# that walks what was parsed (block bodies, JSON positions, values)
MAX_NESTING = 100  # levels of blocks in one HCL file
MAX_JSON_DEPTH = 128  # levels of arrays and objects in one JSON file
# the labels each top-level block that crosswire reads must have
LABELS: dict[str, tuple[str, ...]] = {
    "resource": ("type", "name"),
    "data": ("type", "name"),
    "variable": ("name",),
    "module": ("name",),
    "output": ("name",),
    "locals": (),
}


@dataclass
class Attr:
    name: str
    expr: Any  # a Lark tree, a JsonValue for `.tf.json`, or Evaluated for plans
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
    # other addresses a reference may name this block's resource by (a plan's instance by its declaration's)
    aliases: tuple[str, ...] = ()

    def nested(self, name: str) -> list[Block]:
        found = [b for b in self.blocks if b.type == name]
        attr = self.attrs.get(name)
        if not found and attr is not None and isinstance(attr.expr, JsonValue):
            raw = attr.expr.value
            for item in raw if isinstance(raw, list) else [raw]:
                if isinstance(item, dict):
                    found.append(json_block(name, (), item, attr.file, attr.line, attr.end_line))
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
class JsonValue:
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
    comments: dict[str, dict[int, Comment]] = field(default_factory=dict)  # by file as reports show it

    def suppressions(self, span: Span) -> tuple[Suppression, ...]:
        """The comment directives on or above a resource written at `span`."""
        return covering(self.comments.get(span.file, {}), span)

    def add(self, block: Block, override: bool = False) -> None:
        """Declare `block`; from an override file, merge it into the declaration it overrides instead."""
        wanted = LABELS.get(block.type)
        if wanted is not None and len(block.labels) != len(wanted):
            # Terraform rejects such a block; dropping it would hide its resources without a word
            names = " and ".join(wanted) if wanted else "no labels"
            got = f"{len(block.labels)} label" + ("s" if len(block.labels) != 1 else "")
            raise LoadError(block.file, block.line, f"{block.type} block has {got}; it takes {names}")
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
    source = literal(attr)
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return None
    return os.path.normpath(os.path.join(directory, source))


def literal(attr: Attr) -> Any:
    """An attribute that Terraform requires to be a literal (module `source`)."""
    if isinstance(attr.expr, JsonValue):
        return attr.expr.value
    try:
        return Evaluator(NoScope()).eval(attr.expr)
    except OverBudget as exc:
        return Invalid(str(exc))


def evaluate(attr: Attr, evaluator: Evaluator) -> Any:
    """An attribute's value outside any module (a variables file): going past the budget is a LoadError."""
    try:
        return evaluator.eval(attr.expr)
    except OverBudget as exc:
        raise LoadError(attr.file, attr.line, str(exc)) from None


class NoScope:
    """The scope of `.tfvars` files and literal-only attributes: no names are defined."""

    def __init__(self) -> None:
        self.tokens: dict[str, Ref] = {}

    def name(self, identifier: str) -> Any:
        return Unresolved(f"{identifier} cannot be used here")

    def read_file(self, path: Any) -> Any:
        return Unresolved("file() cannot be used here")


def tree_blocks(body: Any, file: str) -> tuple[dict[str, Attr], list[Block]]:
    from lark import Tree

    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = str(child.children[0].children[0])
            if name in attrs:  # Terraform rejects it; keeping either value would be a guess
                raise LoadError(
                    file, lines(child)[0], f"attribute {name} is set twice (also at line {attrs[name].line})"
                )
            attrs[name] = Attr(name, child.children[2], file, *lines(child))
        elif child.data == "block":
            subtrees = [c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            inner = subtrees[-1]
            names = []
            for label in subtrees[:-1]:
                if label.data == "string":
                    names.append("".join(str(p.children[0]) for p in label.children if isinstance(p, Tree)))
                else:
                    names.append(str(label.children[0]))
            nested_attrs, nested_blocks = tree_blocks(inner, file)
            blocks.append(Block(names[0], tuple(names[1:]), nested_attrs, nested_blocks, file, *lines(child)))
    return attrs, blocks


def parse_body(text: str, shown: str) -> tuple[dict[str, Attr], list[Block]]:
    """The top-level attributes and blocks of an HCL file; a syntax error is a LoadError with its line."""
    from lark.exceptions import UnexpectedInput  # lazy: only when Terraform is scanned

    text = trimmed_heredoc_markers(text)
    try:
        tree = hcl_parser.parse_tree(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as exc:
        line = exc.line if isinstance(exc.line, int) and exc.line > 0 else 1
        raise LoadError(shown, line, f"malformed HCL: {_syntax_message(exc)}") from None
    except RecursionError:
        raise LoadError(shown, 1, "nesting too deep to parse") from None
    except Exception as exc:  # python-hcl2's post-lexer and transformer raise their own errors
        raise LoadError(shown, 1, f"cannot parse: {exc}") from None
    _check_nesting(tree.children[0], shown)
    return tree_blocks(tree.children[0], shown)


_HEREDOC_OPENER = re.compile(r"<<-?([A-Za-z_][\w-]*)[ \t]*\r?$")


def trimmed_heredoc_markers(text: str) -> str:
    """`text` with the trailing spaces and tabs cut from each heredoc's closing marker line. HCL's scanner trims the
    line before comparing it with the marker, so Terraform accepts `EOT  `; python-hcl2 8 does not. Lines keep their
    numbers, and nothing else changes."""
    if "<<" not in text:
        return text
    lines = text.split("\n")
    marker = None
    for number, line in enumerate(lines):
        if marker is None:
            opened = _HEREDOC_OPENER.search(line)
            marker = opened.group(1) if opened else None
        elif line.strip() == marker:
            lines[number] = line.rstrip(" \t\r") + ("\r" if line.endswith("\r") else "")
            marker = None
    return "\n".join(lines)


def _check_nesting(body: Any, shown: str) -> None:
    """Blocks nested deeper than MAX_NESTING are a LoadError at the first such block (Lark parses any depth
    without recursion; `tree_blocks` recurses, so it is checked here first, without recursion)."""
    from lark import Tree

    pending = [(body, 0)]
    while pending:
        node, depth = pending.pop()
        blocks = [c for c in node.children if isinstance(c, Tree) and c.data == "block"]
        for block in reversed(blocks):  # reversed onto the stack: the first in the file is met first
            if depth == MAX_NESTING:
                raise LoadError(shown, lines(block)[0], f"blocks nested deeper than {MAX_NESTING} levels")
            inner = [c for c in block.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            pending.append((inner[-1], depth + 1))


def _syntax_message(exc: Any) -> str:
    """What the parser met, in words: Lark's own message names its token types (`Token('STRING_CHARS', ...)`)."""
    column = getattr(exc, "column", None)
    at = f" at column {column}" if isinstance(column, int) and column > 0 else ""
    token = getattr(exc, "token", None)
    if token is not None and token.type == "$END":
        return "unexpected end of file (a block, string or bracket is not closed)"
    if token is not None:
        text = str(token.value).strip()
        return f"unexpected {text.splitlines()[0][:20]!r}{at}" if text else f"unexpected end of line{at}"
    char = getattr(exc, "char", None)
    return f"unexpected character {char!r}{at}" if char else "syntax error"


def parse_hcl(text: str, shown: str) -> list[Block]:
    attrs, blocks = parse_body(text, shown)
    if attrs:
        first = min(attrs.values(), key=lambda a: a.line)
        raise LoadError(shown, first.line, f"attribute {first.name} outside of any block")
    return blocks


def load_json(text: str, shown: str) -> Any:
    """JSON text as data; malformed JSON, or JSON nested deeper than MAX_JSON_DEPTH (whatever reads it next
    would run out of recursion), is a LoadError with its line."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LoadError(shown, getattr(exc, "lineno", 1), f"malformed JSON: {exc}") from None
    except RecursionError:  # json's own bound, far deeper than ours
        data = None
        deep = True
    else:
        # counting brackets is much cheaper than walking the data, and enough for most files
        deep = text.count("[") + text.count("{") > MAX_JSON_DEPTH and nesting(data) > MAX_JSON_DEPTH
    if deep:
        raise LoadError(shown, _too_deep(text), f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return data


_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]')


def _too_deep(text: str) -> int:
    """The line of the first bracket nested deeper than MAX_JSON_DEPTH in JSON text (strings skipped)."""
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        bracket = match.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return text.count("\n", 0, match.start()) + 1
        elif bracket in "]}":
            depth -= 1
    return 1


def parse_json(text: str, shown: str) -> list[Block]:
    data = load_json(text, shown)
    if not isinstance(data, dict):
        raise LoadError(shown, 1, "a .tf.json file must hold an object")
    root = _Positions(text, shown).value(0)[0]
    blocks: list[Block] = []
    depth = {"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1, "locals": 0}
    for block_type, content in data.items():
        levels = depth.get(block_type)
        if levels is None:
            continue
        for labels, body, at in _json_labelled(content, levels, root.keys[block_type]):
            blocks.append(json_block(block_type, labels, body, shown, at.line, at.end_line, at))
    return blocks


@dataclass
class Located:
    """Where a JSON value is written: `line` is the line of its key (of its first character in an array), so a
    block's line is the line of its last label."""

    line: int
    end_line: int = 0
    keys: dict[str, Located] = field(default_factory=dict)
    items: list[Located] = field(default_factory=list)


class _Positions:
    """A scanner over JSON text that `json.loads` accepted already, recording the lines of each key and value by
    nesting (the JSON parser keeps no positions, and searching for a key's text finds the same key elsewhere)."""

    _SPACE = re.compile(r"[ \t\n\r]*")

    def __init__(self, text: str, shown: str) -> None:
        self.text = text
        self.shown = shown
        self.newlines = [n for n, c in enumerate(text) if c == "\n"]
        self.decoder = json.JSONDecoder()

    def line(self, position: int) -> int:
        return bisect.bisect_right(self.newlines, position - 1) + 1

    def skip(self, position: int) -> int:
        match = self._SPACE.match(self.text, position)
        return match.end() if match else position

    def value(self, position: int) -> tuple[Located, int]:
        position = self.skip(position)
        located = Located(self.line(position))
        opening = self.text[position]
        if opening in "{[":
            closing = "}" if opening == "{" else "]"
            position = self.skip(position + 1)
            while self.text[position] != closing:
                if opening == "{":
                    key_line = self.line(position)
                    key, position = self.decoder.raw_decode(self.text, position)
                    position = self.skip(position) + 1  # the colon
                    child, position = self.value(position)
                    child.line = key_line
                    if key in located.keys:  # json.loads keeps the last silently; HCL rejects a repeated one
                        also = located.keys[key].line
                        message = f"key {json.dumps(key)} is set twice in one object (also at line {also})"
                        raise LoadError(self.shown, key_line, message)
                    located.keys[key] = child
                else:
                    child, position = self.value(position)
                    located.items.append(child)
                position = self.skip(position)
                if self.text[position] == ",":
                    position = self.skip(position + 1)
            position += 1
        else:
            _, position = self.decoder.raw_decode(self.text, position)
        located.end_line = self.line(position - 1)
        return located, position


def json_line(text: str, shown: str, path: tuple[str | int, ...]) -> int:
    """The line of the value at `path` (object keys and array indexes) in JSON text that `load_json` accepted."""
    located = _Positions(text, shown).value(0)[0]
    for step in path:
        located = located.items[step] if isinstance(step, int) else located.keys[step]
    return located.line


def _json_labelled(content: Any, levels: int, at: Located) -> Iterable[tuple[tuple[str, ...], dict, Located]]:
    items = content if isinstance(content, list) else [content]
    places = at.items if isinstance(content, list) else [at]
    for item, place in zip(items, places, strict=True):
        if not isinstance(item, dict):
            continue
        if levels == 0:
            yield (), item, place
            continue
        for key, value in item.items():
            for labels, body, inner in _json_labelled(value, levels - 1, place.keys[key]):
                yield (str(key), *labels), body, inner


def json_block(
    block_type: str, labels: tuple[str, ...], body: dict, file: str, line: int, end: int, at: Located | None = None
) -> Block:
    """A block of a `.tf.json` file; its attributes get their own lines when their positions are known."""
    attrs = {}
    for key, value in body.items():
        place = at.keys.get(str(key)) if at is not None else None
        first, last = (place.line, place.end_line) if place else (line, end)
        attrs[str(key)] = Attr(str(key), JsonValue(value), file, first, last)
    return Block(block_type, labels, attrs, [], file, line, end)


def parse_file(path: str, tree: str) -> tuple[list[Block], dict[int, Comment]]:
    """The blocks of one configuration file of the tree rooted at `tree`, and its comments by line (where
    suppression directives are written)."""
    shown = display_path(path)
    progress.advance()
    text = inputs.read_text(path, shown, tree)
    if path.endswith(".tf.json"):
        return parse_json(text, shown), {}
    return cache.cached(  # type: ignore[no-any-return]
        "terraform",
        _parser_versions,
        _CACHED_BY,
        shown,
        text,
        lambda: (parse_hcl(text, shown), comments(text, shown)),
        _dump,
        _load,
    )


# the modules whose code shapes a cached parse: an edited checkout does not read what its older code cached
_CACHED_BY = (__name__, "crosswire.loaders.hcl_parser", "crosswire.suppressions", "crosswire.cache")


def _parser_versions() -> tuple[str, ...]:
    return cache.package_version("hcl2", "version.py"), cache.package_version("lark", "__init__.py")


def _dump(parsed: tuple[list[Block], dict[int, Comment]]) -> bytes:
    """A parsed file as `marshal` data: unpickling Lark trees costs as much as parsing again; rebuilding them
    from tuples of strings and numbers costs a fifth of it."""
    import marshal

    blocks, found = parsed
    return marshal.dumps(([_encode_block(b) for b in blocks], [(n, c.text, c.alone) for n, c in found.items()]))


def _load(payload: bytes) -> tuple[list[Block], dict[int, Comment]]:
    import marshal

    blocks, found = marshal.loads(payload)
    return [_decode_block(b) for b in blocks], {n: Comment(text, alone) for n, text, alone in found}


def _encode_block(block: Block) -> tuple:
    attrs = tuple((a.name, encode(a.expr), a.file, a.line, a.end_line) for a in block.attrs.values())
    nested = tuple(_encode_block(b) for b in block.blocks)
    return (block.type, block.labels, attrs, nested, block.file, block.line, block.end_line)


def _decode_block(item: tuple) -> Block:
    kind, labels, attrs, nested, file, line, end_line = item
    decoded = {name: Attr(name, decode(expr), at, first, last) for name, expr, at, first, last in attrs}
    return Block(kind, labels, decoded, [_decode_block(b) for b in nested], file, line, end_line)


def parse_module(directory: str, files: list[str], tree: str) -> tuple[ModuleSource | None, list[LoadError]]:
    module = ModuleSource(directory, files)
    errors: list[LoadError] = []
    # override files (`override.tf`, `*_override.tf`) are merged into the declarations after all others
    stems = {p: os.path.basename(p).split(".", 1)[0] for p in files}
    overrides = [p for p in files if stems[p] == "override" or stems[p].endswith("_override")]
    for path in [p for p in files if p not in overrides] + overrides:
        try:
            blocks, module.comments[display_path(path)] = parse_file(path, tree)
            for block in blocks:
                module.add(block, override=path in overrides)
        except LoadError as exc:
            errors.append(exc)
    return (None if errors else module), errors


def module_files(directory: str) -> list[str]:
    try:
        names = fs.listdir(directory)
    except OSError:
        return []
    # a FIFO or a dangling symlink is kept, for the reader to refuse with an error rather than skip in silence
    paths = [os.path.join(directory, n) for n in names if n.endswith(SUFFIXES)]
    return [p for p in paths if not fs.isdir(p)]


def type_name(attr: Attr) -> str:
    expr = attr.expr
    if isinstance(expr, JsonValue):
        return str(expr.value).strip("${}")
    try:
        term = expr.children[0]
        if term.data == "function_call":
            term = term.children[0]
        return str(term.children[0]) if term.data == "identifier" else ""
    except (AttributeError, IndexError):
        return ""


def parse_value(text: str, what: str) -> Any:
    try:
        tree = hcl_parser.parse_tree(f"value = {text}\n")
        _check_nesting(tree.children[0], "")
        attrs, _ = tree_blocks(tree.children[0], "")
    except Exception:  # lark raises several error types; all mean the text is not a value
        return Invalid(f"{what}: {text!r} is not a valid value")
    if "value" not in attrs:
        return Invalid(f"{what}: no value")
    try:
        return Evaluator(NoScope()).eval(attrs["value"].expr)
    except OverBudget as exc:
        return Invalid(f"{what}: {exc}")


_INDEX = re.compile(r"\[[^\]]*\]")


def without_indexes(address: str) -> str:
    """`module.a[0].aws_sqs_queue.q["x"]` -> `module.a.aws_sqs_queue.q`: the declaration every instance is of."""
    return _INDEX.sub("", address)


def repeated_by(block: Block) -> str:
    if block.repeated:
        return block.repeated
    if "count" in block.attrs:
        return "count"
    if "for_each" in block.attrs:
        return "for_each"
    return ""


_POLICY_DOCUMENT = re.compile(r"data\.aws_iam_policy_document\.([\w-]+)\.(?:minified_)?json")


def statement_spans(attr: Attr, source: ModuleSource) -> list[Span | None]:
    """The lines of each statement of a policy, so that messages can point at the statement: the items of
    `jsonencode({... Statement = [{...}, ...]})`, or the `statement` blocks of the `data.aws_iam_policy_document` it
    names (when no other document adds to them); [] for a policy written any other way (its lines are the
    attribute's)."""
    document = _POLICY_DOCUMENT.fullmatch(_text(attr.expr)) if _parts(attr.expr, "expr_term") else None
    if document:
        block = source.data.get(f"aws_iam_policy_document.{document.group(1)}")
        if block is None or {"source_policy_documents", "override_policy_documents"} & set(block.attrs):
            return []
        return [Span(s.file, s.line, s.end_line) for s in block.nested("statement")]
    call = _parts(attr.expr, "expr_term")
    function = _parts(call[0], "function_call") if len(call) == 1 else []
    if len(function) != 2 or _text(function[0]) != "jsonencode":
        return []
    argument = _parts(function[1], "arguments")
    written = _parts(argument[0], "expr_term") if len(argument) == 1 else []
    elements = _parts(written[0], "object") if len(written) == 1 else []
    for element in elements:
        key_and_value = _parts(element, "object_elem")
        if len(key_and_value) != 2 or _text(key_and_value[0]) != "Statement":
            continue
        value = _parts(key_and_value[1], "expr_term")
        items = _parts(value[0], "tuple") if len(value) == 1 else []
        return [Span(attr.file, *lines(item)) for item in items]
    return []


def _parts(tree: Any, data: str) -> list[Any]:
    """The subtrees of a `data` node (none when `tree` is another node), without comments and newlines."""
    from lark import Tree

    if not isinstance(tree, Tree) or tree.data != data:
        return []
    return [c for c in tree.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _text(tree: Any) -> str:
    """An expression as written, without quotes: `jsonencode`, `Statement`, `data.x.y.json`."""
    from lark import Tree

    return "".join(str(t) for t in tree.scan_values(lambda v: not isinstance(v, Tree))).strip('"')
