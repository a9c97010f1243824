"""Terraform input that would crash, hang or grow without bound is an input error at its file and line: cycles,
values that explode, nesting too deep to parse, module fan-out, malformed plans and duplicate JSON keys."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import hcl2
from test_terraform import COUNTED

from conftest import scan_json
from crosswire.loaders import budget, hcl_parser, terraform
from crosswire.loaders.budget import LIMITS
from crosswire.loaders.hcl_eval import MAX_DEPTH, Evaluator, Invalid
from crosswire.loaders.terraform_config import MAX_JSON_DEPTH, MAX_NESTING, NoScope

QUEUE = 'resource "aws_sqs_queue" "q" {\n  name = local.x\n}\n'


def errors(run) -> list[tuple[str, int, str]]:
    return [(e["file"], e["line"], e["message"]) for e in run.report["errors"]]


def the_error(run) -> tuple[str, int, str]:
    assert run.code == 2, run.out
    (error,) = errors(run)
    return error


# -- cycles --------------------------------------------------------------------------------------------------
def test_a_variable_whose_default_refers_to_itself_is_a_cycle(write):
    write("main.tf", 'variable "a" {\n  default = var.a\n}\n')
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        2,
        "cycle: var.a -> var.a (Terraform rejects it)",
    )


def test_a_cycle_through_locals_and_a_variable_names_every_step(write):
    write("main.tf", 'locals {\n  x = local.b\n  b = var.v\n}\nvariable "v" {\n  default = local.x\n}\n' + QUEUE)
    # found while evaluating local.b, the step that closes the cycle
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        3,
        "cycle: var.v -> local.x -> local.b -> var.v (Terraform rejects it)",
    )


def test_a_cycle_through_a_module_output_and_its_input(write):
    write("m/main.tf", 'variable "x" {}\noutput "o" {\n  value = var.x\n}\n')
    write(
        "main.tf", 'module "m" {\n  source = "./m"\n  x      = module.m.o\n}\n' + QUEUE.replace("local.x", "module.m.o")
    )
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        3,
        "cycle: module.m.output.o -> module.m.var.x -> module.m.output.o (Terraform rejects it)",
    )


# -- values that explode -------------------------------------------------------------------------------------
def doubling_locals(count: int, first: str, step: str) -> str:
    lines = ["locals {", f"  x0 = {first}"]
    lines += [f"  x{i} = {step.format(p=f'local.x{i - 1}')}" for i in range(1, count)]
    return "\n".join([*lines, "}", 'resource "aws_sqs_queue" "q" {', f"  name = local.x{count - 1}", "}", ""])


def test_locals_that_double_a_string_stop_at_the_string_limit(write):
    write("main.tf", doubling_locals(24, '"xx"', '"${{{p}}}${{{p}}}"'))
    # x{i} holds 2 ** (i + 1) characters: x22 is the first longer than 4 MiB, on line 2 + 22
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        24,
        "a string value longer than 4,194,304 characters",
    )


def test_doubling_concat_stops_at_the_collection_limit(write):
    write("main.tf", doubling_locals(20, '["x"]', "concat({p}, {p})"))
    # x{i} holds 2 ** i items: x17 is the first with more than 100,000
    assert the_error(scan_json("--select", "CW301", ".")) == ("main.tf", 19, "a list or map of more than 100,000 items")


def test_nested_replace_that_multiplies_a_string_stops_before_building_it(write):
    replaced = '"xxxxxxxx"'
    for _ in range(12):
        replaced = f'replace({replaced}, "x", "xxxxxxxx")'
    write("main.tf", f"locals {{\n  y = 1\n  x = {replaced}\n}}\n" + QUEUE)
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        3,
        "a string value longer than 4,194,304 characters",
    )


def test_numbers_beyond_terraform_precision_are_invalid_not_huge(write):
    write("main.tf", doubling_locals(12, "3", "{p} * {p}").replace("name =", "visibility_timeout_seconds ="))
    graph = terraform.Graph()
    outcome = terraform.load_directories(["."], graph, terraform.Variables())
    assert outcome.errors == []
    (queue,) = graph.nodes.values()
    timeout = queue.visibility_timeout  # type: ignore[attr-defined]
    assert (timeout.resolved, timeout.note) == (False, "a number larger than Terraform's 512-bit precision")


# -- deep recursion through templatefile -----------------------------------------------------------------------
def test_a_template_that_renders_itself_twice_is_bounded_by_the_shared_depth(write):
    call = 'templatefile("${path.module}/self.tpl", {})'
    write("self.tpl", f"${{{call}}}${{{call}}}\n")
    write("main.tf", f"locals {{\n  x = {call}\n}}\n" + QUEUE)
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        2,
        f"evaluation nested deeper than {LIMITS.depth} levels",
    )


# -- nesting too deep to parse ---------------------------------------------------------------------------------
def test_a_deeply_nested_tf_json_is_an_error_at_the_line_too_deep(write):
    write("main.tf.json", '{"locals": {"x":\n' + "[\n" * 5000 + "]" * 5000 + "}}\n")
    # two braces on line 1, then one bracket a line: the bracket on line k is at depth k + 1
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf.json",
        MAX_JSON_DEPTH,
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
    )


def test_a_deeply_nested_tfvars_json_is_an_error_at_the_line_too_deep(write):
    write("main.tf", 'variable "x" {\n  default = 1\n}\n')
    write("terraform.tfvars.json", '{"x":\n' + "[\n" * 5000 + "]" * 5000 + "}\n")
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "terraform.tfvars.json",
        MAX_JSON_DEPTH + 1,
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
    )


def test_a_thousand_nested_blocks_are_an_error_at_the_block_too_deep(write):
    write("main.tf", "".join(f"b{i} {{\n" for i in range(1000)) + "}\n" * 1000)
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        MAX_NESTING + 1,
        f"blocks nested deeper than {MAX_NESTING} levels",
    )


def test_a_deeply_nested_expression_is_an_evaluation_error_at_its_attribute(write):
    write("main.tf", "locals {\n  y = 1\n  x = " + "[" * 2000 + "]" * 2000 + "\n}\n" + QUEUE)
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        3,
        f"evaluation nested deeper than {LIMITS.depth} levels",
    )


# -- modules -----------------------------------------------------------------------------------------------------
def fan_out(write, levels: int, calls: int) -> None:
    """`main.tf` calls m1 `calls` times, m1 calls m2 as often, ... down to m{levels}, which calls nothing."""
    for level in range(levels + 1):
        directory = f"m{level}/" if level else ""
        text = "".join(
            f'module "c{n}" {{\n  source = "{"./" if level == 0 else "../"}m{level + 1}"\n}}\n' for n in range(calls)
        )
        write(f"{directory}main.tf", text if level < levels else 'variable "unused" {\n  default = 1\n}\n')


def calls_in_order(first: int, levels: int, calls: int) -> Iterator[tuple[str, int]]:
    """Every module call below module `first` as it is instantiated, depth first: (file, line) of the call."""

    def visit(level: int) -> Iterator[tuple[str, int]]:
        if level == levels:
            return
        file = f"m{level}/main.tf" if level else "main.tf"
        for n in range(calls):
            yield file, 1 + 3 * n
            yield from visit(level + 1)

    return visit(first)


def test_module_fan_out_stops_at_the_instance_limit(write):
    fan_out(write, 8, 4)
    run = scan_json("--select", "CW301", ".")
    # the root fails; m1, called only by it, is then scanned on its own and fails too; m2 and below fit
    expected = [
        (
            *next(itertools.islice(calls_in_order(first, 8, 4), LIMITS.instances, None)),
            "more than 10,000 module and resource instances",
        )
        for first in (0, 1)
    ]
    assert run.code == 2
    assert sorted(errors(run)) == sorted(expected)


def test_a_chain_deeper_than_16_modules_is_not_called_a_cycle(write):
    fan_out(write, 17, 1)
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "m16/main.tf",
        1,
        "modules nested deeper than 16 levels (module c0 calls ../m17)",
    )


# -- .tf.json keys ---------------------------------------------------------------------------------------------
def test_a_duplicate_key_in_tf_json_is_an_error_at_the_second(write):
    write(
        "main.tf.json",
        '{\n  "resource": {\n    "aws_sqs_queue": {\n      "q": {\n        "name": "a",\n'
        '        "name": "b"\n      }\n    }\n  }\n}\n',
    )
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf.json",
        6,
        'key "name" is set twice in one object (also at line 5)',
    )


# -- plans -------------------------------------------------------------------------------------------------------
def plan(planned_values) -> str:
    return json.dumps({"format_version": "1.2", "planned_values": planned_values, "configuration": {}}, indent=1)


def test_a_plan_whose_planned_values_are_malformed_is_an_error(write):
    write("a.json", plan([]))
    write("b.json", plan({"root_module": 5}))
    write("c.json", plan({"root_module": {"resources": {}}}))
    write("d.json", plan({"root_module": {"resources": [], "child_modules": [{"resources": [7]}]}}))
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert sorted(errors(run)) == [
        ("a.json", 3, "malformed plan: planned_values is not an object"),
        ("b.json", 4, "malformed plan: root_module is not an object"),
        ("c.json", 5, "malformed plan: resources is not a list"),
        ("d.json", 9, "malformed plan: a resource is not an object"),
    ]


def test_plan_values_nested_too_deeply_are_an_error_at_their_line(write):
    values = {"root_module": {"resources": [{"address": "aws_sqs_queue.q", "mode": "managed", "values": {}}]}}
    text = plan(values).replace('"values": {}', '"values": {"x": ' + "[" * 600 + "]" * 600 + "}")
    write("plan.json", text)
    line = text[: text.index("[" * 600)].count("\n") + 1
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "plan.json",
        line,
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
    )


# -- evaluation without a module ------------------------------------------------------------------------------------
def evaluate(expression: str) -> Any:
    tree = hcl2.parses_to_tree(f"x = {expression}\n")
    return Evaluator(NoScope()).eval(tree.children[0].children[0].children[2])


def test_numbers_too_large_for_terraform_are_invalid():
    too_large = Invalid("a number larger than Terraform's 512-bit precision")
    assert evaluate("1e308 * 10") == too_large
    assert evaluate("9" * 5000) == too_large  # int() of it would raise: Python limits digits it converts
    assert evaluate(f"{2**511} * 2") == too_large
    assert evaluate(f"{2**510} * 2") == 2**511


def test_toset_keeps_the_first_of_equal_elements_in_linear_time():
    assert evaluate('toset(["b", "a", "b"])') == ["a", "b"]
    assert evaluate("toset([{ a = 1 }, [1], { a = 1 }, 1, [1]])") == [{"a": 1}, [1], 1]
    many = ",".join(f"n{n}" for n in range(LIMITS.collection_items))
    assert len(evaluate(f'toset(split(",", "{many}"))')) == LIMITS.collection_items


def test_flatten_of_shared_lists_stops_at_the_collection_limit(write):
    write("main.tf", doubling_locals(20, '["x"]', "[{p}, {p}]").replace("local.x19", "flatten(local.x19)[0]"))
    # x19 holds 2 ** 19 leaves, sharing its halves: flattening it is the first list past 100,000 items
    assert the_error(scan_json("--select", "CW301", ".")) == ("main.tf", 24, "a list or map of more than 100,000 items")


def test_jsondecode_of_json_nested_too_deeply_is_invalid():
    assert evaluate('jsondecode("' + "[" * 300 + "]" * 300 + '")') == Invalid(
        f"jsondecode() of JSON nested deeper than {MAX_DEPTH} levels"
    )


def test_template_interpolations_are_parsed_once_however_often_rendered(monkeypatch):
    parses = []
    original = hcl_parser.parse_tree
    monkeypatch.setattr(hcl_parser, "parse_tree", lambda text: parses.append(text) or original(text))
    evaluator = Evaluator(NoScope(), {"once_rendered": 1})
    assert [evaluator.render("a ${once_rendered + 1} b") for _ in range(3)] == ["a 2 b"] * 3
    assert parses == ["x = once_rendered + 1\n"]


def test_a_value_that_shares_its_parts_is_bounded_when_written_out_as_json(write):
    # x{i} is two references to x{i-1}: 2 ** 20 leaves in 21 lists; encoded, it would be 6 MB of text
    write("main.tf", doubling_locals(21, '["x"]', "[{p}, {p}]").replace("local.x20", '"q-${jsonencode(local.x20)}"'))
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        25,
        "a string value longer than 4,194,304 characters",
    )


def test_for_each_over_values_that_share_their_parts_is_bounded(write):
    text = doubling_locals(24, '["x"]', "[{p}, {p}]").replace("local.x23", "each.key")
    # keys that cannot be part of an address: the declaration stays one node, whose each.value compares instances
    write("main.tf", text.replace('"q" {', '"q" {\n  for_each = { "a key" = local.x23, "b key" = local.x22 }'))
    assert the_error(scan_json("--select", "CW301", ".")) == (
        "main.tf",
        28,
        "a string value longer than 4,194,304 characters",
    )


def test_an_error_in_a_called_module_is_reported_once(write):
    """The caller fails on it, then the module is loaded on its own (nothing loaded it): one error, not two."""
    write("m/main.tf", "locals {\n  a = local.b\n  b = local.a\n}\n" + QUEUE.replace("local.x", "local.a"))
    write("main.tf", 'module "m" {\n  source = "./m"\n}\n')
    run = scan_json(".", "--select", "CW302")
    assert errors(run) == [
        ("m/main.tf", 3, "cycle: module.m.local.a -> module.m.local.b -> module.m.local.a (Terraform rejects it)")
    ]


def test_resource_instances_count_against_the_instance_limit(write):
    """64 module instances calling 64 each, whose two resources have 64 instances each, grew past a gigabyte (found
    by review); resource instances now count with module instances, so the root module stops at the limit."""
    write("main.tf", 'module "a" {\n  count  = 64\n  source = "./a"\n}\n')
    write("a/main.tf", 'module "b" {\n  count  = 64\n  source = "../b"\n}\n')
    write(
        "b/main.tf",
        'resource "aws_sqs_queue" "q" {\n  count = 64\n}\n\nresource "aws_sns_topic" "t" {\n  count = 64\n}\n',
    )
    run = scan_json("--select", "CW301", ".")
    assert run.code == 2
    assert {(e["file"], e["message"]) for e in run.report["errors"]} == {
        ("b/main.tf", "more than 10,000 module and resource instances")
    }


def test_scenarios_that_would_cost_more_than_one_root_module_may_are_not_loaded(write, monkeypatch):
    """Each way of setting a root module's bool variables loads it again: all of them together may cost what one
    root module may (the instance limit), else the findings stay skips, as past the scenario bound."""
    write("main.tf", COUNTED)
    assert scan_json("--select", "CW301", ".").findings() == {("CW301", "aws_sqs_queue.jobs[0]", 4)}
    monkeypatch.setattr(budget, "LIMITS", budget.Limits(instances=5))  # 3 nodes, 2 ways: 6 > 5
    run = scan_json("--select", "CW301", ".")
    assert (run.findings(), [u["resource"] for u in run.report["unresolved"]]) == (set(), ["aws_sqs_queue.jobs"])
