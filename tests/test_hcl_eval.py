"""HCL expression evaluation on python-hcl2's Lark tree: each expression with the value it must give."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest

from crosswire.loaders.hcl_eval import Encoded, Evaluator, Invalid, Namespace, plain
from crosswire.model import Ref, Unresolved


class Scope:
    """`var.*` from a table, one resource type, nothing else."""

    def __init__(self) -> None:
        self.tokens: dict[str, Ref] = {}
        self.variables = {"name": "orders", "timeout": 60, "tags": {"team": "a"}, "unknown": Unresolved("no value")}

    def name(self, identifier: str) -> Any:
        if identifier == "var":
            return Namespace("var", lambda n: self.variables.get(n, Invalid(f"no variable {n}")))
        if identifier == "aws_sqs_queue":
            return Namespace("aws_sqs_queue", self.queue)
        return Unresolved(f"{identifier} is not evaluated")

    def queue(self, name: str) -> Namespace:
        return Namespace(name, lambda attribute: Ref(f"aws_sqs_queue.{name}", attribute), f"aws_sqs_queue.{name}")

    def read_file(self, path: Any) -> Any:
        return Unresolved("no files here")


def evaluate(expression: str) -> Any:
    tree = hcl2.parses_to_tree(f"x = {expression}\n")
    attribute = tree.children[0].children[0]
    return plain(Evaluator(Scope()).eval(attribute.children[2]), {})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("42", 42),
        ("1.5", 1.5),
        ("-3", -3),
        ("true", True),
        ("null", None),
        ('"a\\tb\\"c\\u00e9"', 'a\tb"cé'),
        ('"$${literal}"', "${literal}"),
        ('"%%{literal}"', "%{literal}"),
        ('"${var.name}-dlq"', "orders-dlq"),
        ('"${var.timeout}"', 60),
        ("var.timeout * 6 + 5", 365),
        ("7 / 2", 3.5),
        ("(1 + 2) * 3", 9),
        ('"10" + 5', 15),
        ('var.timeout > 30 ? "long" : "short"', "long"),
        ("!(1 == 1) || 2 != 3", True),
        ('var.tags["team"]', "a"),
        ("[1, 2, 3][1]", 2),
        ("{ a = { b = [10, 20] } }.a.b[1]", 20),
        ('[for s in ["a", "b"] : upper(s)]', ["A", "B"]),
        ("{ for k, v in { a = 1, b = 2 } : v => k if v > 1 }", {"2": "b"}),
        ('[for s in ["a", "bb", "c"] : upper(s) if length(s) == 1]', ["A", "C"]),
        ('{ for s in ["a", "b"] : s => upper(s) }', {"a": "A", "b": "B"}),
        ("[for s in [1, 2] : s if var.unknown]", Unresolved("no value")),
        ("{ for s in [1, 2] : s => s if var.unknown }", Unresolved("no value")),
        ("[for s in var.unknown : s]", Unresolved("no value")),
        ('jsonencode({ a = "b" })', {"a": "b"}),
        ('"j=${jsonencode({ a = 1 })}"', 'j={"a":1}'),
        ('jsondecode("[1, \\"x\\"]")', [1, "x"]),
        ("aws_sqs_queue.jobs.arn", Ref("aws_sqs_queue.jobs", "arn")),
        ("aws_sqs_queue.jobs", Ref("aws_sqs_queue.jobs")),
        ('"${aws_sqs_queue.jobs.arn}/x"', "${aws_sqs_queue.jobs.arn}/x"),
        ('format("%s:%03d", "q", 7)', Unresolved("format() verb with flags or width is not evaluated")),
        ('format("%s-%d%%", "q", 7)', "q-7%"),
        ('coalesce(null, "", "x")', "x"),
        ('lookup({ a = 1 }, "b", 2)', 2),
        ("try(var.missing, 5)", 5),
        ("try(var.unknown, 5)", Unresolved("no value")),
        ("can(var.missing)", False),
        ('tonumber("12")', 12),
        ("tostring(true)", "true"),
        ("merge({ a = 1 }, null, { b = 2 })", {"a": 1, "b": 2}),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ('toset(["b", "a", "b"])', ["a", "b"]),
        ('length("abc")', 3),
        ("var.unknown + 1", Unresolved("no value")),
        ("timestamp()", Unresolved("function timestamp() is not evaluated")),
        ("var.timeout / 0", Invalid("division by zero")),
    ],
)
def test_expression_values(expression, expected):
    assert evaluate(expression) == expected


def test_heredocs_keep_lines_and_trim_indentation():
    text = 'x = <<-EOT\n    {\n      "a": "${var.name}"\n    }\n  EOT\n'
    tree = hcl2.parses_to_tree(text)
    value = Evaluator(Scope()).eval(tree.children[0].children[0].children[2])
    assert value == '{\n  "a": "orders"\n}\n'
    plain_doc = "x = <<EOT\n$${kept} ${var.timeout}\nEOT\n"
    tree = hcl2.parses_to_tree(plain_doc)
    assert Evaluator(Scope()).eval(tree.children[0].children[0].children[2]) == "${kept} 60\n"


def test_jsonencode_keeps_references_as_data():
    tree = hcl2.parses_to_tree("x = jsonencode({ arn = aws_sqs_queue.q.arn })\n")
    value = Evaluator(Scope()).eval(tree.children[0].children[0].children[2])
    assert isinstance(value, Encoded)
    assert plain(value, {}) == {"arn": Ref("aws_sqs_queue.q", "arn")}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("plain\n", "plain\n"),
        ("$${a} %%{b} ${var.name}\n", "${a} %{b} orders\n"),
        ("${var.timeout}", 60),
        ('{"a": "${ { x = "}" }.x }"}', '{"a": "}"}'),
        ("%{ if true }x%{ endif }", Unresolved("template directives (%{if}/%{for}) are not evaluated")),
        ("${var.name", Invalid("unterminated interpolation in a template")),
    ],
)
def test_template_text(body, expected):
    assert Evaluator(Scope()).render(body) == expected
