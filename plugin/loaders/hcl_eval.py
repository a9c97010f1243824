"""Evaluation of HCL expressions on python-hcl2's Lark tree: literals, templates, references, operators, functions.

What cannot be known statically (unknown variables, unsupported functions, deploy-time values) is `Unresolved`.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from crosswire.loaders.budget import Budget, check_string
from crosswire.model import UNKNOWN_PART, Ref, Unresolved

MAX_DEPTH = 200
MAX_FILE_BYTES = 1024 * 1024
MAX_NUMBER_BITS = 512
MAX_NUMBER_TEXT = 1000  # characters: more than any number of MAX_NUMBER_BITS needs, written out in full
MAX_CACHED_INTERPOLATION = 256  # characters
FILE_STEPS = 100  # reading a file costs the budget as much as this many evaluation steps


@dataclass(frozen=True)
class Invalid(Unresolved):
    """An expression that is an error in Terraform itself (a missing key, a bad index): `try` skips it."""


@dataclass(frozen=True)
class _Text:
    """Literal text of a template, as opposed to an interpolated value that happens to be a string."""

    text: str


@dataclass(frozen=True)
class Encoded:
    """The result of `jsonencode`: kept as data so references inside survive, rendered to JSON text on demand."""

    value: Any


class Namespace:
    """Something that is only ever traversed further: `var`, `module.x`, `aws_sqs_queue.q`, `data.x.y`.

    `address` is set for resources and data sources, so that a bare reference (`role = aws_iam_role.r`) becomes a
    Ref; `repeated` ones (count/for_each) accept any index and stay the same declaration."""

    def __init__(self, what: str, getter: Callable[[str], Any], address: str = "", repeated: bool = False) -> None:
        self.what = what
        self.getter = getter
        self.address = address
        self.repeated = repeated

    def attr(self, name: str) -> Any:
        return self.getter(name)

    def index(self, key: Any) -> Any:
        if self.repeated:
            return self
        return Invalid(f"{self.what} is not a list or map")


class Scope(Protocol):
    tokens: dict[str, Ref]

    def name(self, identifier: str) -> Any: ...

    def read_file(self, path: Any) -> Any: ...


_END = object()  # the end of an iterator, where None is an element
_TOKEN = re.compile(r"^\$\{([^}]+)\}$")
_FORMAT_VERB = re.compile(r"%(%|[sdvqtf])")
_TEMPLATE_MARKER = re.compile(r"\$\$\{|%%\{|%\{|\$\{")


def token_of(value: Any, tokens: dict[str, Ref]) -> str:
    """How a reference is written inside a longer string: `${address.attr}`, remembered to be read back."""
    ref = value if isinstance(value, Ref) else Ref(value.address)
    text = "${" + ref.target + (f".{ref.attribute}" if ref.attribute else "") + "}"
    tokens[text] = ref
    return text


def detokenize(value: Any, tokens: dict[str, Ref]) -> Any:
    """JSON decoded from a rendered template: strings that are exactly one reference token become Refs again."""
    if isinstance(value, str):
        return tokens.get(value, value) if _TOKEN.match(value) else value
    if isinstance(value, list):
        return [detokenize(v, tokens) for v in value]
    if isinstance(value, dict):
        return {k: detokenize(v, tokens) for k, v in value.items()}
    return value


def first_unresolved(value: Any) -> Unresolved | None:
    """The first Unresolved anywhere inside `value`. A part shared by several places (a local used twice) is
    searched once, so the work is linear in what was built, not in what it would expand to."""
    searched: set[int] = set()
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Unresolved):
            return item
        if not isinstance(item, (list, dict)) or depth >= MAX_DEPTH or id(item) in searched:
            continue
        searched.add(id(item))
        children = list(item.values()) if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in reversed(children))
    return None


def plain(value: Any, tokens: dict[str, Ref]) -> Any:
    """An evaluated value as graph data: jsonencode results unwrapped, resources as Refs. A part shared by
    several places stays one shared part, so the work is linear in what was built."""
    return _plain(value, tokens, 0, {})


def _plain(value: Any, tokens: dict[str, Ref], depth: int, done: dict[int, Any]) -> Any:
    if depth > MAX_DEPTH:
        return Unresolved("value nested too deeply")
    if isinstance(value, Namespace):
        return Ref(value.address) if value.address else Unresolved(f"{value.what} used as a value")
    if not isinstance(value, (list, dict, Encoded)):
        return value
    if id(value) not in done:  # `value` lives as long as this call: its id stays its own
        if isinstance(value, Encoded):
            done[id(value)] = _plain(value.value, tokens, depth + 1, done)
        elif isinstance(value, list):
            done[id(value)] = [_plain(v, tokens, depth + 1, done) for v in value]
        else:
            done[id(value)] = {k: _plain(v, tokens, depth + 1, done) for k, v in value.items()}
    return done[id(value)]


def encode(data: Any, **options: Any) -> str:
    """`json.dumps(data, **options)` of plain data, refused (OverBudget) before writing when the text would pass
    the bound on one string: shared parts are written out once per place, so the text can be vastly larger."""
    check_string(_json_length(data))
    return json.dumps(data, **options)


def _json_length(data: Any) -> int:
    """At least the length of `data` as JSON text (strings may grow by escapes), without writing it."""
    sizes: dict[int, int] = {}
    pending = [(data, False)]
    while pending:
        item, ready = pending.pop()
        if not isinstance(item, (list, dict)) or (id(item) in sizes and not ready):
            continue
        children = list(item.values()) if isinstance(item, dict) else item
        if not ready:
            pending.append((item, True))
            pending.extend((child, False) for child in children)
            continue
        size = 1 + len(children) + sum(len(key) + 3 for key in item) if isinstance(item, dict) else 1 + len(item)
        sizes[id(item)] = size + sum(
            sizes[id(c)] if isinstance(c, (list, dict)) else _scalar_length(c) for c in children
        )
    return sizes[id(data)] if isinstance(data, (list, dict)) else _scalar_length(data)


def _scalar_length(value: Any) -> int:
    return len(value) + 2 if isinstance(value, str) else len(str(value)) if isinstance(value, (int, float)) else 4


def document(value: Any, tokens: dict[str, Ref]) -> Any:
    """A JSON-ish attribute (policy, redrive policy) as data: jsonencode'd, or JSON text (heredoc, file())."""
    if isinstance(value, str):
        try:
            return detokenize(json.loads(value), tokens)
        except ValueError:
            return Unresolved("not valid JSON")
    if isinstance(value, Ref):  # a document is never a resource itself: the text is only known after apply
        return Unresolved(f"{value.target}.{value.attribute} is only known after apply")
    return plain(value, tokens)


def bounded(number: Any) -> Any:
    """A number as Terraform could hold it: Terraform computes with 512-bit precision, so a value beyond that
    (only ever reached by input built to explode, such as repeated squaring) is Invalid rather than a huge int."""
    if isinstance(number, int) and not isinstance(number, bool) and number.bit_length() > MAX_NUMBER_BITS:
        return Invalid(f"a number larger than Terraform's {MAX_NUMBER_BITS}-bit precision")
    if isinstance(number, float) and not math.isfinite(number):
        return Invalid(f"a number larger than Terraform's {MAX_NUMBER_BITS}-bit precision")
    return number


def to_number(value: Any) -> Any:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, bool) or value is None:
        return Invalid(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return bounded(value)
    if isinstance(value, str):
        if len(value) > MAX_NUMBER_TEXT:
            return Invalid(f"a number larger than Terraform's {MAX_NUMBER_BITS}-bit precision")
        try:
            return bounded(int(value))
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                return Invalid(f"{value!r} is not a number")
            return bounded(number) if not math.isnan(number) else Invalid(f"{value!r} is not a number")
    if isinstance(value, Ref):
        return Unresolved(f"{value.target}.{value.attribute} is only known after apply")
    return Invalid("a collection used as a number")


def to_bool(value: Any) -> Any:
    if isinstance(value, (bool, Unresolved)):
        return value
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, Ref):
        return Unresolved(f"{value.target}.{value.attribute} is only known after apply")
    return Invalid(f"{value!r} is not true or false")


def to_text(value: Any, tokens: dict[str, Ref]) -> Any:
    """A value interpolated into a string template."""
    if isinstance(value, (str, Unresolved)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Ref) or (isinstance(value, Namespace) and value.address):
        return token_of(value, tokens)
    if isinstance(value, Encoded):
        data = plain(value, tokens)
        found = first_unresolved(data)
        if found:
            return found
        return encode(data, default=lambda r: token_of(r, tokens), separators=(",", ":"))
    if value is None:
        return Invalid("null interpolated into a string")
    return Invalid("a collection interpolated into a string")


def _children(tree: Any) -> list[Any]:
    """The subtrees of a node, without tokens and comments/newlines (tokens have no `data`; this runs for most
    nodes evaluated, where importing lark's Tree to test each child costs more than the test)."""
    return [c for c in tree.children if getattr(c, "data", "new_line_or_comment") != "new_line_or_comment"]


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    try:
        return json.loads('"' + text.replace("\n", "\\n").replace("\t", "\\t") + '"')
    except ValueError:
        return text


def _equal(left: Any, right: Any) -> Any:
    for side in (left, right):
        found = first_unresolved(side)
        if found:
            return found
    if isinstance(left, Ref) or isinstance(right, Ref):
        return True if left == right else Unresolved("compares a value only known after apply")
    if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not isinstance(left, bool):
        return left == right
    return type(left) is type(right) and left == right


class Evaluator:
    """Evaluates expression trees in a scope; `env` holds names bound by `for` expressions and templatefile."""

    def __init__(self, scope: Scope, env: dict[str, Any] | None = None, budget: Budget | None = None) -> None:
        self.scope = scope
        self.env = env or {}
        # shared by every evaluator of a unit, so that depth and steps add up across references and templatefile
        self.budget = budget or Budget()

    def child(self, bindings: dict[str, Any]) -> Evaluator:
        return Evaluator(self.scope, {**self.env, **bindings}, self.budget)

    def eval(self, tree: Any) -> Any:
        """The value of `tree`; OverBudget when evaluating it goes past the unit's budget."""
        handler = getattr(self, f"_{tree.data}", None)
        if handler is None:
            return Unresolved(f"{str(tree.data).replace('_', ' ')} is not evaluated")
        self.budget.step()
        self.budget.enter()
        try:
            return handler(tree)
        finally:
            self.budget.leave()

    # -- terms ------------------------------------------------------------------------------------------
    def _expr_term(self, tree: Any) -> Any:
        return self.eval(_children(tree)[0])

    def _int_lit(self, tree: Any) -> Any:
        return to_number(str(tree.children[0]))

    def _float_lit(self, tree: Any) -> Any:
        return to_number(str(tree.children[0]))

    def _literal_value(self, tree: Any) -> Any:
        return {"true": True, "false": False, "null": None}[str(tree.children[0])]

    def _identifier(self, tree: Any) -> Any:
        name = str(tree.children[0])
        if name in self.env:
            return self.env[name]
        return self.scope.name(name)

    def _string(self, tree: Any) -> Any:
        return self.template([p.children[0] for p in _children(tree)])

    def template(self, parts: list[Any]) -> Any:
        """A quoted string from its parts: literal tokens and interpolation trees."""
        from lark import Token

        pieces: list[Any] = []
        for part in parts:
            if isinstance(part, Token):
                text = str(part)
                escaped = part.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE")
                pieces.append(_Text(text[1:] if escaped else _unescape(text)))
            elif part.data == "interpolation":
                pieces.append(self.eval(_children(part)[0]))
            else:
                return Unresolved("template directives (%{if}/%{for}) are not evaluated")
        return self.join(pieces)

    def join(self, pieces: list[Any]) -> Any:
        """Literal text and interpolated values as one string; a lone interpolation keeps its own value."""
        pieces = [p for p in pieces if p != _Text("")]
        if len(pieces) == 1 and not isinstance(pieces[0], _Text):
            return pieces[0]
        text: list[str] = []
        unknown: Unresolved | None = None
        for piece in pieces:
            rendered = piece.text if isinstance(piece, _Text) else to_text(piece, self.scope.tokens)
            if isinstance(rendered, Unresolved):
                if type(rendered) is not Unresolved:  # Invalid: an error, not an unknown part
                    return rendered
                unknown = unknown or rendered
                rendered = rendered.partial or UNKNOWN_PART
            text.append(rendered)
        self.budget.string(sum(map(len, text)))
        return Unresolved(unknown.reason, "".join(text)) if unknown else "".join(text)

    def _heredoc_template(self, tree: Any) -> Any:
        return self.heredoc(str(tree.children[0]), trim=False)

    def _heredoc_template_trim(self, tree: Any) -> Any:
        return self.heredoc(str(tree.children[0]), trim=True)

    def heredoc(self, raw: str, trim: bool) -> Any:
        lines = raw.split("\n")
        body = lines[1:-2]  # the opening marker line, the closing marker and the empty rest after its newline
        if trim:
            indents = [len(line) - len(line.lstrip()) for line in body if line.strip()]
            cut = min(indents, default=0)
            body = [line[cut:] for line in body]
        text = "\n".join(body) + ("\n" if body else "")
        return self.render(text)

    def render(self, text: str) -> Any:
        """A template body read as text (heredoc, templatefile): `${...}` interpolations evaluated, `$${` and
        `%%{` escapes kept literally."""
        parts: list[Any] = []
        literal: list[str] = []
        position = 0
        while (marker := _TEMPLATE_MARKER.search(text, position)) is not None:
            literal.append(text[position : marker.start()])
            position = marker.end()
            if marker.group() in ("$${", "%%{"):
                literal.append(marker.group()[1:])
                continue
            if marker.group() == "%{":
                return Unresolved("template directives (%{if}/%{for}) are not evaluated")
            end = _closing_brace(text, position)
            if end == -1:
                return Invalid("unterminated interpolation in a template")
            expression = _interpolation(text[position:end])
            if expression is None:
                return Invalid("an interpolation in a template does not parse")
            parts += [_Text("".join(literal)), self.eval(expression)]
            literal = []
            position = end + 1
        parts.append(_Text("".join(literal) + text[position:]))
        return self.join(parts)

    def _template_string(self, tree: Any) -> Any:
        return Unresolved("escaped template strings are not evaluated")

    def _tuple(self, tree: Any) -> Any:
        elements = _children(tree)
        self.budget.items(len(elements))
        return [self.eval(c) for c in elements]

    def _object(self, tree: Any) -> Any:
        result: dict[str, Any] = {}
        elements = _children(tree)
        self.budget.items(len(elements))
        for element in elements:
            key_tree, value_tree = _children(element)
            key = self.object_key(key_tree)
            if isinstance(key, Unresolved):
                return key
            result[key] = self.eval(value_tree)
        return result

    def object_key(self, key_tree: Any) -> Any:
        inner = _children(key_tree)[0]
        if inner.data == "keyword":
            return str(inner.children[0])
        term = _children(inner)[0] if inner.data == "expr_term" else None
        if term is not None and term.data == "identifier":
            return str(term.children[0])
        key = self.eval(inner)
        if isinstance(key, Unresolved):
            return key
        text = to_text(key, self.scope.tokens)
        return text

    # -- traversal --------------------------------------------------------------------------------------
    def _get_attr_expr_term(self, tree: Any) -> Any:
        base, get_attr = _children(tree)
        return get_attribute(self.eval(base), str(_children(get_attr)[0].children[0]))

    def _index_expr_term(self, tree: Any) -> Any:
        base, index = _children(tree)
        return get_index(self.eval(base), self.index_key(index))

    def index_key(self, index: Any) -> Any:
        if index.data == "short_index":
            return int(str(index.children[1]))
        return self.eval(_children(index)[0])

    def _attr_splat_expr_term(self, tree: Any) -> Any:
        return self.splat(tree)

    def _full_splat_expr_term(self, tree: Any) -> Any:
        return self.splat(tree)

    def splat(self, tree: Any) -> Any:
        base_tree, splat = _children(tree)
        base = self.eval(base_tree)
        if isinstance(base, Unresolved):
            return base
        items = base if isinstance(base, list) else [] if base is None else [base]
        result = []
        for item in items:
            for step in _children(splat):
                if step.data == "get_attr":
                    item = get_attribute(item, str(_children(step)[0].children[0]))
                else:
                    item = get_index(item, self.index_key(step))
            result.append(item)
        return result

    # -- operators --------------------------------------------------------------------------------------
    def _binary_op(self, tree: Any) -> Any:
        left_tree, term = _children(tree)
        operator_tree, right_tree = _children(term)
        operator = str(operator_tree.children[0])
        left = self.eval(left_tree)
        if operator in ("&&", "||"):
            left = to_bool(left)
            if not isinstance(left, Unresolved) and left is (operator == "||"):
                return left
            right = to_bool(self.eval(right_tree))
            if isinstance(left, Unresolved):
                return left
            return right
        right = self.eval(right_tree)
        if operator in ("==", "!="):
            equal = _equal(plain(left, self.scope.tokens), plain(right, self.scope.tokens))
            return equal if isinstance(equal, Unresolved) else equal is (operator == "==")
        left, right = to_number(left), to_number(right)
        for side in (left, right):
            if isinstance(side, Unresolved):
                return side
        return bounded(_arithmetic(operator, left, right))

    def _unary_op(self, tree: Any) -> Any:
        operator = str(tree.children[0])
        operand = self.eval(_children(tree)[0])
        if operator == "!":
            value = to_bool(operand)
            return value if isinstance(value, Unresolved) else not value
        number = to_number(operand)
        return number if isinstance(number, Unresolved) else -number

    def _conditional(self, tree: Any) -> Any:
        condition_tree, then_tree, else_tree = _children(tree)
        condition = to_bool(self.eval(condition_tree))
        if isinstance(condition, Unresolved):
            return condition
        return self.eval(then_tree if condition else else_tree)

    # -- for expressions --------------------------------------------------------------------------------
    def _kept_elements(self, intro: Any, condition: Any) -> list[Evaluator] | Unresolved:
        """The scope of each element a for expression keeps (its `if` holds), or why that cannot be known."""
        kept = []
        for bound in self.iterate(intro):
            if isinstance(bound, Unresolved):
                return bound
            inner = self.child(bound)
            if condition is not None:
                keep = to_bool(inner.eval(_children(condition)[0]))
                if isinstance(keep, Unresolved):
                    return keep
                if not keep:
                    continue
            kept.append(inner)
        return kept

    def _for_tuple_expr(self, tree: Any) -> Any:
        intro, *rest = _children(tree)
        body, condition = rest[0], rest[1] if len(rest) > 1 else None
        kept = self._kept_elements(intro, condition)
        if isinstance(kept, Unresolved):
            return kept
        self.budget.items(len(kept))
        return [inner.eval(body) for inner in kept]

    def _for_object_expr(self, tree: Any) -> Any:
        intro, key_tree, value_tree, *rest = _children(tree)
        condition = rest[0] if rest else None
        if any(str(t) == "..." for t in tree.children):
            return Unresolved("grouping for expressions (...) are not evaluated")
        kept = self._kept_elements(intro, condition)
        if isinstance(kept, Unresolved):
            return kept
        self.budget.items(len(kept))
        result: dict[str, Any] = {}
        for inner in kept:
            key = to_text(inner.eval(key_tree), self.scope.tokens)
            if isinstance(key, Unresolved):
                return key
            result[key] = inner.eval(value_tree)
        return result

    def iterate(self, intro: Any) -> list[Any]:
        names = [str(c.children[0]) for c in _children(intro) if c.data == "identifier"]
        collection = self.eval(_children(intro)[-1])
        if isinstance(collection, Unresolved):
            return [collection]
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return [Unresolved("for expression over something that is not a collection")]
        if len(names) == 1:
            return [{names[0]: value} for _, value in pairs]
        return [{names[0]: key, names[1]: value} for key, value in pairs]

    # -- functions --------------------------------------------------------------------------------------
    def _function_call(self, tree: Any) -> Any:
        identifiers = [c for c in _children(tree) if c.data == "identifier"]
        name = "::".join(str(c.children[0]) for c in identifiers)
        arguments = next((c for c in _children(tree) if c.data == "arguments"), None)
        argument_trees = _children(arguments) if arguments is not None else []
        # only a token can be the ellipsis: str() of a subtree would write out the whole subtree
        if arguments is not None and any(isinstance(t, str) and t == "..." for t in arguments.children):
            return Unresolved(f"{name}(...) with expanded arguments is not evaluated")
        if name in ("try", "can"):
            return self.try_(name, argument_trees)
        function = FUNCTIONS.get(name)
        if function is None:
            return Unresolved(f"function {name}() is not evaluated")
        args = [self.eval(a) for a in argument_trees]
        if name not in ("coalesce", "merge", "concat", "lookup"):
            found = next((a for a in args if isinstance(a, Unresolved)), None)
            if found:
                return found
        try:
            return function(self, args)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError):
            return Invalid(f"{name}() with arguments it does not accept")

    def try_(self, name: str, argument_trees: list[Any]) -> Any:
        for argument in argument_trees:
            value = self.eval(argument)
            found = first_unresolved(value)
            if isinstance(found, Invalid):
                continue
            if found:
                return found
            return True if name == "can" else value
        return False if name == "can" else Invalid("no argument of try() could be evaluated")


def _interpolation(source: str) -> Any:
    """The expression tree of one `${...}` of a template, or None when it does not parse. A short one (almost
    all are) is parsed once however many times its heredoc or template is rendered; the trees are only read."""
    return _cached_interpolation(source) if len(source) <= MAX_CACHED_INTERPOLATION else _parse_interpolation(source)


def _parse_interpolation(source: str) -> Any:
    from crosswire.loaders.hcl_parser import parse_tree

    try:
        parsed = parse_tree(f"x = {source}\n")
    except Exception:  # lark raises several error types; all mean the same here
        return None
    return _children(_children(_children(parsed)[0])[0])[1]


# a Lark tree takes about a hundred times the memory of its text: this holds a few tens of MB at most
_cached_interpolation = functools.lru_cache(maxsize=1024)(_parse_interpolation)


def nesting(value: Any) -> int:
    """How deeply lists and maps nest in `value` (a scalar is 0), without recursion: it may be deep."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _closing_brace(text: str, position: int) -> int:
    """Where the `}` closing an interpolation is, skipping braces inside nested objects and strings."""
    depth = 0
    quoted = False
    index = position
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return -1


def _arithmetic(operator: str, left: Any, right: Any) -> Any:
    if operator in ("<", ">", "<=", ">="):
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
    if operator in ("/", "%") and right == 0:
        return Invalid("division by zero")
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if operator == "/":
        result = left / right
        return int(result) if result.is_integer() else result
    return math.fmod(left, right) if isinstance(left, float) or isinstance(right, float) else left % right


def get_attribute(base: Any, name: str) -> Any:
    if isinstance(base, Unresolved):
        return base
    if isinstance(base, Namespace):
        return base.attr(name)
    if isinstance(base, dict):
        return base[name] if name in base else Invalid(f"no attribute {name}")
    if isinstance(base, Encoded):
        return Invalid("attribute of a JSON string")
    if isinstance(base, Ref):
        return Unresolved(f"{base.target}.{base.attribute}.{name} is only known after apply")
    return Invalid(f"attribute {name} of a value that has none")


def get_index(base: Any, key: Any) -> Any:
    if isinstance(base, Unresolved):
        return base
    if isinstance(key, Unresolved) and not (isinstance(base, Namespace) and base.repeated):
        return key
    if isinstance(base, Namespace):
        return base.index(key)
    if isinstance(base, list):
        number = to_number(key)
        if isinstance(number, Unresolved):
            return number
        if not (isinstance(number, int) or float(number).is_integer()) or not 0 <= int(number) < len(base):
            return Invalid(f"index {key!r} out of range")
        return base[int(number)]
    if isinstance(base, dict):
        text = to_text(key, {})
        if isinstance(text, Unresolved) or text not in base:
            return Invalid(f"no key {key!r}")
        return base[text]
    if isinstance(base, Ref):
        return Unresolved(f"{base.target}.{base.attribute} is only known after apply")
    return Invalid("index into a value that is not a list or map")


# -- the functions that matter for wiring ------------------------------------------------------------------
def _jsonencode(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    return Encoded(value)


def _jsondecode(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, Encoded):
        return value.value
    if not isinstance(value, str):
        return Invalid("jsondecode() of something that is not a string")
    try:
        data = json.loads(value)
    except ValueError:
        return Invalid("jsondecode() of text that is not JSON")
    except RecursionError:  # json's own bound, far deeper than ours
        return Invalid(f"jsondecode() of JSON nested deeper than {MAX_DEPTH} levels")
    if nesting(data) > MAX_DEPTH:
        return Invalid(f"jsondecode() of JSON nested deeper than {MAX_DEPTH} levels")
    return detokenize(data, ev.scope.tokens)


def _file(ev: Evaluator, args: list[Any]) -> Any:
    (path,) = args
    ev.budget.step(FILE_STEPS)
    return ev.scope.read_file(path)


def _templatefile(ev: Evaluator, args: list[Any]) -> Any:
    path, variables = args
    ev.budget.step(FILE_STEPS)
    text = ev.scope.read_file(path)
    if isinstance(text, Unresolved):
        return text
    if not isinstance(variables, dict):
        return Invalid("templatefile() variables are not a map")
    # the same budget: a template that renders itself counts its depth and steps with its caller's
    return Evaluator(ev.scope, dict(variables), ev.budget).render(text)


def _merge(ev: Evaluator, args: list[Any]) -> Any:
    result: dict[str, Any] = {}
    for arg in args:
        if isinstance(arg, Unresolved):
            return arg
        if arg is None:
            continue
        if not isinstance(arg, dict):
            return Invalid("merge() of something that is not a map")
        result.update(arg)
        ev.budget.items(len(result))
    return result


def _concat(ev: Evaluator, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unresolved):
            return arg
        if not isinstance(arg, list):
            return Invalid("concat() of something that is not a list")
    ev.budget.items(sum(map(len, args)))
    return [item for arg in args for item in arg]


def _lookup(ev: Evaluator, args: list[Any]) -> Any:
    mapping, key, *fallback = args
    for arg in (mapping, key):
        if isinstance(arg, Unresolved):
            return arg
    if not isinstance(mapping, dict):
        return Invalid("lookup() in something that is not a map")
    key = to_text(key, ev.scope.tokens)
    if key in mapping:
        return mapping[key]
    return fallback[0] if fallback else Invalid(f"lookup(): no key {key!r}")


def _coalesce(ev: Evaluator, args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unresolved):
            return arg
        if arg is not None and arg != "":
            return arg
    return Invalid("coalesce(): every argument is null or empty")


def _format(ev: Evaluator, args: list[Any]) -> Any:
    pattern, *values = args
    if not isinstance(pattern, str):
        return Invalid("format() pattern is not a string")
    if "%" in _FORMAT_VERB.sub("", pattern):
        return Unresolved("format() verb with flags or width is not evaluated")
    remaining = list(values)
    pieces: list[Any] = []
    position = 0
    for match in _FORMAT_VERB.finditer(pattern):
        pieces.append(pattern[position : match.start()])
        position = match.end()
        if match.group(1) == "%":
            pieces.append("%")
            continue
        if not remaining:
            return Invalid("format() has fewer arguments than verbs")
        value = remaining.pop(0)
        if match.group(1) == "q":
            value = to_text(value, ev.scope.tokens)
            value = value if isinstance(value, Unresolved) else json.dumps(value)
        elif match.group(1) in ("d", "f"):
            value = to_number(value)
        pieces.append(to_text(value, ev.scope.tokens))
    pieces.append(pattern[position:])
    found = next((p for p in pieces if isinstance(p, Unresolved)), None)
    if found:
        return found
    ev.budget.string(sum(map(len, pieces)))
    return "".join(pieces)


def _tostring(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return Invalid("tostring() of a collection")
    return to_text(value, ev.scope.tokens)


def _tonumber(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    return None if value is None else to_number(value)


def _tolist(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    return list(value) if isinstance(value, list) else Invalid("tolist() of something that is not a list")


def _toset(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        return Invalid("toset() of something that is not a list")
    unique: dict[Any, Any] = {}  # by a hashable form of each element: linear, not a search of every earlier one
    for item in value:
        unique.setdefault(_set_key(item), item)
    items = list(unique.values())
    return sorted(items) if all(isinstance(i, str) for i in items) else items


def _set_key(item: Any) -> Any:
    """What makes two set elements the same: the element itself when it hashes, else its canonical JSON."""
    try:
        hash(item)
    except TypeError:
        return type(item).__name__, encode(plain(item, {}), sort_keys=True, default=repr)
    return item


def _tomap(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    return dict(value) if isinstance(value, dict) else Invalid("tomap() of something that is not a map")


def _length(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, (list, dict, str)):
        return len(value)
    return Invalid("length() of a value without length")


def _join(ev: Evaluator, args: list[Any]) -> Any:
    separator, *lists = args
    items = [to_text(i, ev.scope.tokens) for items in lists for i in items]
    found = next((i for i in items if isinstance(i, Unresolved)), None)
    if found:
        return found
    separator = str(separator)
    ev.budget.string(sum(map(len, items)) + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _case(convert: Callable[[str], str]) -> Callable[[Evaluator, list[Any]], Any]:
    def apply(ev: Evaluator, args: list[Any]) -> Any:
        (value,) = args
        return convert(value) if isinstance(value, str) else Invalid("a string function of something else")

    return apply


def _one(ev: Evaluator, args: list[Any]) -> Any:
    (items,) = args
    if not isinstance(items, list) or len(items) > 1:
        return Invalid("one() of something that is not a list of at most one element")
    return items[0] if items else None


def _element(ev: Evaluator, args: list[Any]) -> Any:
    items, index = args
    number = to_number(index)
    if isinstance(number, Unresolved):
        return number
    if not isinstance(items, list) or not items or not float(number).is_integer():
        return Invalid("element() of an empty list or with a fractional index")
    return items[int(number) % len(items)]


def _flatten(ev: Evaluator, args: list[Any]) -> Any:
    (items,) = args
    if not isinstance(items, list):
        return Invalid("flatten() of something that is not a list")
    # by hand rather than recursively: lists may nest deeply, and share parts that flatten to far more items
    result: list[Any] = []
    pending = [iter(items)]
    while pending:
        item = next(pending[-1], _END)
        if item is _END:
            pending.pop()
        elif isinstance(item, list):
            if len(pending) > MAX_DEPTH:
                return Invalid(f"flatten() of lists nested deeper than {MAX_DEPTH} levels")
            pending.append(iter(item))
        else:
            result.append(item)
            if len(result) % 1024 == 0:
                ev.budget.items(len(result))
    ev.budget.items(len(result))
    return result


def _numbers(convert: Callable[[list[Any]], Any]) -> Callable[[Evaluator, list[Any]], Any]:
    def apply(ev: Evaluator, args: list[Any]) -> Any:
        numbers = [to_number(a) for a in args]
        found = next((n for n in numbers if isinstance(n, Unresolved)), None)
        return found or convert(numbers)

    return apply


def _text(convert: Callable[..., Any], arity: int) -> Callable[[Evaluator, list[Any]], Any]:
    """A string function that cannot guess: every argument must be a plain string."""

    def apply(ev: Evaluator, args: list[Any]) -> Any:
        if len(args) != arity or not all(isinstance(a, str) for a in args):
            return Invalid("a string function of something that is not a string")
        return convert(*args)

    return apply


def _replace(ev: Evaluator, args: list[Any]) -> Any:
    text, search, replacement = args
    if not all(isinstance(a, str) for a in args):
        return Invalid("replace() of something that is not a string")
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        return Unresolved("replace() with a regular expression is not evaluated")
    ev.budget.string(len(text) + text.count(search) * (len(replacement) - len(search)))
    return text.replace(search, replacement)


def _split(ev: Evaluator, args: list[Any]) -> Any:
    separator, text = args
    if not isinstance(separator, str) or not isinstance(text, str) or not separator:
        return Invalid("split() of something that is not a string, or by an empty separator")
    ev.budget.items(text.count(separator) + 1)
    return text.split(separator)


FUNCTIONS: dict[str, Callable[[Evaluator, list[Any]], Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "file": _file,
    "templatefile": _templatefile,
    "merge": _merge,
    "concat": _concat,
    "lookup": _lookup,
    "coalesce": _coalesce,
    "format": _format,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tolist": _tolist,
    "toset": _toset,
    "tomap": _tomap,
    "length": _length,
    "join": _join,
    "lower": _case(str.lower),
    "upper": _case(str.upper),
    "one": _one,
    "element": _element,
    "flatten": _flatten,
    "max": _numbers(max),
    "min": _numbers(min),
    "abs": _numbers(lambda n: abs(n[0]) if len(n) == 1 else Invalid("abs() takes one number")),
    "ceil": _numbers(lambda n: math.ceil(n[0]) if len(n) == 1 else Invalid("ceil() takes one number")),
    "floor": _numbers(lambda n: math.floor(n[0]) if len(n) == 1 else Invalid("floor() takes one number")),
    "split": _split,
    "startswith": _text(lambda text, prefix: text.startswith(prefix), 2),
    "endswith": _text(lambda text, suffix: text.endswith(suffix), 2),
    "trimprefix": _text(lambda text, prefix: text.removeprefix(prefix), 2),
    "trimsuffix": _text(lambda text, suffix: text.removesuffix(suffix), 2),
    "replace": _replace,
}
