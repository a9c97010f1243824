"""The condition language of teams' own checks: what each operator gives, and what it cannot judge."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crosswire import expressions

VALUES = {"q.timeout": 30, "q.name": "orders", "q.tags": ["a", "b"], "q.none": None, "q.fifo": True}
NAMES = {"q": lambda path: None}


def evaluate(text: str):
    return expressions.evaluate(expressions.parse(text, NAMES), lambda operand: VALUES[operand.text])


@pytest.mark.parametrize(
    "text,value",
    [
        ("q.timeout >= 10 * 3", True),
        ("q.timeout > 10 * 3", False),
        ("-q.timeout + 40 == 10", True),
        ("(q.timeout + 6) / 4 == 9", True),
        ("q.timeout % 7", 2),
        ('q.name + "-dlq" == "orders-dlq"', True),
        ('q.name < "payments"', True),
        ('"b" in q.tags and "c" not in q.tags', True),
        ('"der" in q.name', True),
        ("q.none == null", True),
        ("q.fifo == 1", False),
        ("not q.fifo and q.none > 1", False),
        ("q.fifo or q.none > 1", True),
        ("[q.timeout, 1] == [30, 1]", True),
        ("1.5 * 2 == 3", True),
    ],
)
def test_operators(text, value):
    assert evaluate(text) == value


@pytest.mark.parametrize(
    "text,reason",
    [
        ("q.none < 30", "cannot compare null < 30"),
        ('q.timeout > "10"', 'cannot compare 30 > "10"'),
        ("q.timeout / 0", "division by zero in 30 / 0"),
        ("q.none * 2", "cannot compute null * 2"),
        ("q.timeout and true", "30 is not true or false (for 'and')"),
        ("-q.name", 'cannot negate "orders"'),
        ("1 in q.name", "cannot look for 1 in text"),
        ("1 in q.timeout", "30 is not a list or text to look in"),
    ],
)
def test_what_cannot_be_judged_is_unknown_with_a_reason(text, reason):
    with pytest.raises(expressions.Unknown) as raised:
        evaluate(text)
    assert str(raised.value) == reason


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("q.timeout name()[]\"'\\<>=!+-*/%,0123456789 andornotin\n")), max_size=80))
def test_any_text_parses_or_is_an_expression_error(text):
    try:
        tree = expressions.parse(text, NAMES)
    except expressions.ExpressionError as exc:
        assert exc.column >= 1
        return
    with contextlib.suppress(expressions.Unknown):
        expressions.evaluate(tree, lambda operand: VALUES.get(operand.text))
