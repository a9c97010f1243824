"""The condition language of teams' own checks: JSONPath operands over bound resources, arithmetic, comparisons.

A small recursive-descent parser over a bounded text; nothing is ever handed to `eval`. Evaluation meets values
the loaders could not resolve and then raises `Unknown`, so the check skips instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 1000
MAX_DEPTH = 32
MAX_TREE_DEPTH = 100
_NUMBER = r"\d+(?:\.\d+)?"
_STRING = r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'"
# an operand: a bound name, then a JSONPath of fields and [..] selectors
_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\[\]\n]*\])+"
_TOKENS = re.compile(
    rf"(?P<space>\s+)|(?P<number>{_NUMBER})|(?P<string>{_STRING})|(?P<path>{_PATH})|(?P<word>[A-Za-z_]\w*)"
    r"|(?P<operator>==|!=|<=|>=|<|>|\+|-|\*|/|%|\(|\)|\[|\]|,)"
)
KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}
_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">", "in", "not in")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


class ExpressionError(Exception):
    """A condition that cannot be read: `column` (1-based) is where in its text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message, self.column = message, column


class Unknown(Exception):
    """A value the condition needs is unresolved, or cannot be compared: the check skips with this reason."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    column: int


@dataclass(frozen=True)
class Operand:
    """`queue.visibility_timeout`: the resource bound to `name`, and a JSONPath over its attributes."""

    name: str
    path: str
    text: str


@dataclass(frozen=True)
class Node:
    """One step of a parsed condition: `op` is "literal", "operand", "list", "not", "neg" or a binary operator."""

    op: str
    args: tuple[Any, ...]


def tokens(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters", 1)
    found: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKENS.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected {text[position]!r}", position + 1)
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token(kind, match.group(), position + 1))
        position = match.end()
    return found


def _unquote(token: Token) -> str:
    body = token.text[1:-1]
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escaped = body[index + 1]
            if escaped not in _ESCAPES:
                raise ExpressionError(f"unknown escape \\{escaped} in a string", token.column + index + 1)
            out.append(_ESCAPES[escaped])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


class _Parser:
    def __init__(self, text: str, names: Mapping[str, Callable[[str], str | None]]) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.position = 0
        # per bound name: a function that says what is wrong with a path over it (None when it is fine)
        self.names = names

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise ExpressionError("unexpected end of the condition", len(self.text) + 1)
        self.position += 1
        return token

    def at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("operator", "word") and token.text in texts

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("empty condition", 1)
        tree = self.disjunction(0)
        token = self.peek()
        if token is not None:
            raise ExpressionError(f"unexpected {token.text!r}", token.column)
        return tree

    def _deeper(self, depth: int) -> int:
        if depth >= MAX_DEPTH:
            token = self.peek()
            raise ExpressionError(f"nested deeper than {MAX_DEPTH}", token.column if token else 1)
        return depth + 1

    def disjunction(self, depth: int) -> Node:
        depth = self._deeper(depth)
        left = self.conjunction(depth)
        while self.at("or"):
            self.next()
            left = Node("or", (left, self.conjunction(depth)))
        return left

    def conjunction(self, depth: int) -> Node:
        left = self.negation(depth)
        while self.at("and"):
            self.next()
            left = Node("and", (left, self.negation(depth)))
        return left

    def negation(self, depth: int) -> Node:
        if self.at("not"):
            self.next()
            return Node("not", (self.negation(self._deeper(depth)),))
        return self.comparison(depth)

    def comparison(self, depth: int) -> Node:
        left = self.sum(depth)
        if self.at("not") and self.position + 1 < len(self.tokens) and self.tokens[self.position + 1].text == "in":
            self.position += 2
            return Node("not in", (left, self.sum(depth)))
        if self.at(*_COMPARISONS):
            op = self.next().text
            right = self.sum(depth)
            if self.at(*_COMPARISONS):
                token = self.next()
                raise ExpressionError(f"comparisons do not chain: put {op!r} and {token.text!r} apart", token.column)
            return Node(op, (left, right))
        return left

    def sum(self, depth: int) -> Node:
        left = self.product(depth)
        while self.at("+", "-"):
            op = self.next().text
            left = Node(op, (left, self.product(depth)))
        return left

    def product(self, depth: int) -> Node:
        left = self.unary(depth)
        while self.at("*", "/", "%"):
            op = self.next().text
            left = Node(op, (left, self.unary(depth)))
        return left

    def unary(self, depth: int) -> Node:
        if self.at("-"):
            self.next()
            return Node("neg", (self.unary(self._deeper(depth)),))
        return self.atom(depth)

    def atom(self, depth: int) -> Node:
        token = self.next()
        if token.kind == "number":
            number = float(token.text) if "." in token.text else int(token.text)
            return Node("literal", (number,))
        if token.kind == "string":
            return Node("literal", (_unquote(token),))
        if token.kind == "word" and token.text in ("true", "false", "null"):
            return Node("literal", ({"true": True, "false": False, "null": None}[token.text],))
        if token.text == "(":
            inner = self.disjunction(self._deeper(depth))
            closing = self.peek()
            if closing is None or closing.text != ")":
                raise ExpressionError("'(' is never closed", token.column)
            self.next()
            return inner
        if token.text == "[":
            items: list[Node] = []
            while not self.at("]"):
                if items:
                    separator = self.next()
                    if separator.text != ",":
                        raise ExpressionError(
                            f"expected ',' or ']' in a list, got {separator.text!r}", separator.column
                        )
                items.append(self.disjunction(self._deeper(depth)))
            self.next()
            return Node("list", tuple(items))
        if token.kind == "path":
            return Node("operand", (self.operand(token),))
        if token.kind == "word" and token.text not in KEYWORDS:
            known = ", ".join(sorted(self.names))
            raise ExpressionError(
                f"{token.text!r} is not a value: write NAME.ATTRIBUTE with NAME one of {known}", token.column
            )
        raise ExpressionError(f"unexpected {token.text!r}", token.column)

    def operand(self, token: Token) -> Operand:
        name, _, path = token.text.partition(".") if "." in token.text.split("[")[0] else (token.text, "", "")
        if not path:
            raise ExpressionError(f"{token.text!r}: write NAME.ATTRIBUTE", token.column)
        check = self.names.get(name)
        if check is None:
            known = ", ".join(sorted(self.names))
            raise ExpressionError(f"{name!r} is not a bound resource (bound: {known})", token.column)
        problem = check(path)
        if problem:
            raise ExpressionError(problem, token.column + len(name) + 1)
        return Operand(name, path, token.text)


def parse(text: str, names: Mapping[str, Callable[[str], str | None]]) -> Node:
    """The condition `text` over the bound `names`; each name's function says what is wrong with a path over it.
    A long chain (`1 + 1 + ...`) nests as deep as it is long: evaluation recurses, so its depth is bounded too."""
    tree = _Parser(text, names).parse()
    pending, deepest = [(tree, 1)], 1
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((a, depth + 1) for a in node.args if isinstance(a, Node))
    if deepest > MAX_TREE_DEPTH:
        raise ExpressionError(f"more than {MAX_TREE_DEPTH} operations deep", 1)
    return tree


def operands(tree: Node) -> list[Operand]:
    """The operands of a condition, in reading order, each once."""
    found: dict[str, Operand] = {}
    pending = [tree]
    while pending:
        node = pending.pop()
        if node.op == "operand":
            found.setdefault(node.args[0].text, node.args[0])
        else:
            pending.extend(reversed([a for a in node.args if isinstance(a, Node)]))
    return list(found.values())  # the walk goes left to right: first met, first listed


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def shown(value: Any) -> str:
    """A value as the condition language writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int) and abs(value) >= 10**30:  # a hostile template's 400-digit number, said briefly
        return f"a {len(str(abs(value)))}-digit number" if abs(value) < 10**4000 else "a number of thousands of digits"
    return str(value) if not isinstance(value, float) or not value.is_integer() else str(int(value))


def evaluate(tree: Node, lookup: Callable[[Operand], Any]) -> Any:
    """The value of a parsed condition; `lookup` gives an operand's value or raises Unknown. `and`/`or` read only
    as far as they need: a right side that would be unknown does not stop a verdict the left side decides."""
    op, args = tree.op, tree.args
    if op == "literal":
        return args[0]
    if op == "operand":
        return lookup(args[0])
    if op == "list":
        return [evaluate(item, lookup) for item in args]
    if op in ("and", "or"):
        left = _truth(evaluate(args[0], lookup), op)
        if left is (op == "or"):
            return left
        return _truth(evaluate(args[1], lookup), op)
    if op == "not":
        return not _truth(evaluate(args[0], lookup), "not")
    if op == "neg":
        value = evaluate(args[0], lookup)
        if not _number(value):
            raise Unknown(f"cannot negate {shown(value)}")
        return -value
    left, right = evaluate(args[0], lookup), evaluate(args[1], lookup)
    if op == "==":
        return left == right and _number(left) == _number(right)
    if op == "!=":
        return not (left == right and _number(left) == _number(right))
    if op in ("in", "not in"):
        if not isinstance(right, (list, str)):
            raise Unknown(f"{shown(right)} is not a list or text to look in")
        if isinstance(right, str) and not isinstance(left, str):
            raise Unknown(f"cannot look for {shown(left)} in text")
        return (left in right) is (op == "in")
    if op in ("<", "<=", ">", ">="):
        comparable = (_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str))
        if not comparable:
            raise Unknown(f"cannot compare {shown(left)} {op} {shown(right)}")
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (_number(left) and _number(right)):
        raise Unknown(f"cannot compute {shown(left)} {op} {shown(right)}")
    if op in ("/", "%") and right == 0:
        raise Unknown(f"division by zero in {shown(left)} {op} {shown(right)}")
    try:
        return {"+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
                "/": lambda: left / right, "%": lambda: left % right}[op]()  # fmt: skip
    except ArithmeticError:  # a number beyond a float's range (a hostile template's 400 digits)
        raise Unknown(f"{shown(left)} {op} {shown(right)} is out of range") from None


def _truth(value: Any, op: str) -> bool:
    if not isinstance(value, bool):
        raise Unknown(f"{shown(value)} is not true or false (for {op!r})")
    return value
