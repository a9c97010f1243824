"""Property-based tests: generated CloudFormation/SAM templates and Terraform modules with random wiring between
queues, keys, topics, functions and buckets, scanned by the real CLI in a temporary directory.

Properties: the scan never raises nor reports an internal error; findings are deterministic and do not depend on
the order of files or of resources; renaming a resource renames it in every finding and changes nothing else; a
YAML template and its JSON twin, and a module and its `.tf.json` twin, give the same findings.

A spec is a list of abstract resources whose values are literals, references to other resources (of the right
kind, the wrong kind or missing), parameters/variables, or odd expressions; `cfn_template` and `tf_module`
render one spec as a template or a module.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli

# CI runs a fixed set of examples (derandomized, no example database), so a red build reproduces locally with
# `CI=1 python -m pytest tests/test_properties.py`; elsewhere each run explores new examples.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# a longer hunt: HYPOTHESIS_PROFILE=deep python -m pytest tests/test_properties.py
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

KINDS = ("queue", "key", "alias", "topic", "subscription", "function", "mapping", "bucket")
CFN_TYPES = {
    "queue": "AWS::SQS::Queue",
    "key": "AWS::KMS::Key",
    "alias": "AWS::KMS::Alias",
    "topic": "AWS::SNS::Topic",
    "subscription": "AWS::SNS::Subscription",
    "function": "AWS::Lambda::Function",
    "mapping": "AWS::Lambda::EventSourceMapping",
    "bucket": "AWS::S3::Bucket",
}
TF_TYPES = {
    "queue": "aws_sqs_queue",
    "key": "aws_kms_key",
    "alias": "aws_kms_alias",
    "topic": "aws_sns_topic",
    "subscription": "aws_sns_topic_subscription",
    "function": "aws_lambda_function",
    "mapping": "aws_lambda_event_source_mapping",
    "bucket": "aws_s3_bucket_notification",
}
PHYSICAL_NAMES = ("jobs", "orders", "jobs-dlq", "audit")  # few, so that literal references collide at times


# -- abstract values ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class RefTo:
    """A reference to resource `name` (which may not exist), for its `attr`: arn, url, name or id."""

    name: str
    attr: str


@dataclass(frozen=True)
class Param:
    """A CloudFormation parameter / Terraform variable, with a default or without a value."""

    name: str
    default: Lit | None


@dataclass(frozen=True)
class LiteralArn:
    """A literal ARN naming a resource by its physical name (resolved across files by the graph)."""

    service: str
    name: str


@dataclass(frozen=True)
class Odd:
    """An odd expression: an intrinsic or function in a place that does not expect it."""

    index: int


@dataclass
class Resource:
    kind: str
    name: str  # CloudFormation logical ID; the Terraform label is its lower-case form
    props: dict[str, Any] = field(default_factory=dict)
    sam: bool = False  # a function written as AWS::Serverless::Function (props["events"] holds its events)
    # created under a condition: "known" (true from a parameter default) or "unknown" (a parameter without one)
    condition: str | None = None


# -- strategies --------------------------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "Ref", "Fn::GetAtt"]), st.integers(0, 3), max_size=1),
).map(Lit)
ODD_NAMES = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=6),
)
TIMEOUTS = st.one_of(st.integers(1, 900), st.sampled_from(["30", "60"])).map(Lit)


@st.composite
def values(draw, valid: st.SearchStrategy, targets: list[str], attrs: tuple[str, ...], junk: bool) -> Any:
    """Mostly a reference to one of `targets` or a valid value; with `junk`, one value in four is anything odd
    (shrinking goes towards the valid values, so a failure shows the least junk it needs)."""
    if junk and draw(st.integers(0, 3)) == 3:
        return draw(
            st.one_of(
                JUNK,
                st.builds(RefTo, st.sampled_from(["Missing", "Queue0", "Topic0", "Function0"]), st.sampled_from(attrs)),
                st.builds(
                    Param,
                    st.sampled_from(["P0", "P1"]),
                    st.one_of(st.none(), JUNK, st.sampled_from(PHYSICAL_NAMES).map(Lit)),
                ),
                st.builds(Odd, st.integers(0, len(CFN_ODD) - 1)),
            )
        )
    if targets and draw(st.integers(0, 3)) > 0:
        return RefTo(draw(st.sampled_from(targets)), draw(st.sampled_from(attrs)))
    return draw(valid)


@st.composite
def specs(draw, junk: bool, odd_names: bool = False) -> list[Resource]:
    # a queue and a likely wire to it first (a consumer, a subscription, a key), then anything
    wire = draw(st.sampled_from([("function", "mapping"), ("function",), ("topic", "subscription"), ("key", "alias")]))
    kinds = ["queue", *wire, *draw(st.lists(st.sampled_from(KINDS), max_size=5))]
    if odd_names:  # unicode, punctuation, digits first; unique even as lower-case Terraform labels
        names = draw(st.lists(ODD_NAMES, min_size=len(kinds), max_size=len(kinds), unique_by=str.lower))
        resources = [Resource(kind, name) for kind, name in zip(kinds, names, strict=True)]
    else:
        counts: dict[str, int] = {}
        resources = []
        for kind in kinds:
            resources.append(Resource(kind, f"{kind.capitalize()}{counts.get(kind, 0)}"))
            counts[kind] = counts.get(kind, 0) + 1
    by_kind = {k: [r.name for r in resources if r.kind == k] for k in KINDS}
    physical = st.sampled_from(PHYSICAL_NAMES).map(Lit)

    def v(valid: st.SearchStrategy, kind: str = "", attrs: tuple[str, ...] = ("arn",)) -> Any:
        return draw(values(valid, by_kind.get(kind, []), attrs, junk))

    def maybe() -> bool:  # an optional property, set in three examples out of four
        return draw(st.integers(0, 3)) > 0

    queue_arn = st.one_of(
        st.builds(RefTo, st.sampled_from(by_kind["queue"] or ["Missing"]), st.just("arn")),
        st.builds(LiteralArn, st.just("sqs"), st.sampled_from(PHYSICAL_NAMES)),
    )
    for r in resources:
        p = r.props
        if r.kind == "queue":
            if maybe():
                p["name"] = v(physical)
            if maybe():
                p["visibility"] = v(st.integers(0, 43200).map(Lit))
            if maybe():
                p["kms"] = v(
                    st.sampled_from(["alias/aws/sqs", "alias/orders"]).map(Lit),
                    draw(st.sampled_from(["key", "alias"])),
                    ("arn", "id", "name"),
                )
            if maybe():
                p["sse"] = v(st.sampled_from([True, False, "true"]).map(Lit))
            if maybe():
                p["dlq"] = v(queue_arn, "queue")
        elif r.kind == "alias":
            p["name"] = v(st.sampled_from(["alias/orders", "alias/aws/sqs"]).map(Lit))
            p["target"] = v(st.just(Lit("1234abcd-12ab-34cd-56ef-1234567890ab")), "key", ("id", "arn"))
        elif r.kind == "topic":
            if maybe():
                p["name"] = v(physical)
            if maybe():
                p["kms"] = v(st.just(Lit("alias/aws/sns")), "key", ("arn", "id"))
        elif r.kind == "subscription":
            p["topic"] = v(st.builds(LiteralArn, st.just("sns"), st.sampled_from(PHYSICAL_NAMES)), "topic")
            p["protocol"] = v(st.sampled_from(["sqs", "lambda", "SQS"]).map(Lit))
            p["endpoint"] = v(queue_arn, draw(st.sampled_from(["queue", "function"])))
        elif r.kind == "function":
            if maybe():
                p["name"] = v(physical)
            if maybe():
                p["timeout"] = v(TIMEOUTS)
            r.sam = draw(st.booleans())
            if r.sam:
                events = draw(st.lists(st.sampled_from(["SQS", "SNS"]), max_size=2))
                p["events"] = [
                    (t, v(queue_arn, "queue") if t == "SQS" else v(st.just(Lit("x")), "topic"), draw(st.booleans()))
                    for t in events
                ]
        elif r.kind == "mapping":
            p["source"] = v(queue_arn, "queue")
            p["function"] = v(st.builds(Lit, st.sampled_from(PHYSICAL_NAMES)), "function", ("name", "arn"))
            if maybe():
                p["window"] = v(st.integers(0, 300).map(Lit))
        elif r.kind == "bucket":
            p["queues"] = [v(queue_arn, "queue") for _ in range(draw(st.integers(1, 2)))]
    if junk:
        for r in resources:
            r.condition = draw(st.sampled_from([None, None, "known", "unknown"]))
    return resources


# -- CloudFormation rendering ------------------------------------------------------------------------------------

CFN_ODD: list[Any] = [
    {"Ref": "AWS::NoValue"},
    {"Fn::If": ["NoSuchCondition", 1, 2]},
    {"Fn::Sub": "${Missing.Arn}"},
    {"Fn::Join": [",", [1, {"Ref": "Queue0"}]]},
    {"Fn::Select": [5, [1]]},
    {"Fn::ImportValue": "exported"},
    {"Fn::GetAtt": [1, 2]},
    {"Fn::GetAtt": "Queue0"},
    {"Fn::FindInMap": ["NoMap", "a", "b"]},
    {"Fn::Base64": []},
    {"Fn::Split": [",", {"Ref": "P0"}]},
    {"Ref": ["Queue0"]},
    {"Fn::Sub": ["${X}", {"X": {"Fn::GetAtt": ["Queue0", "Arn"]}}]},
    {"Fn::If": [{"Condition": "C"}, 1]},
    {"Fn::GetAZs": ""},
    {"Fn::Cidr": ["10.0.0.0/16", 2, 8]},
]
CFN_ATTRS = {
    ("queue", "arn"): "Arn",
    ("queue", "name"): "QueueName",
    ("topic", "name"): "TopicName",
    ("key", "arn"): "Arn",
    ("alias", "arn"): "Arn",
    ("function", "arn"): "Arn",
}
# Ref gives a queue's URL, a topic's ARN, a key's ID, an alias' name and a function's name
CFN_REFS = {("queue", "url"), ("topic", "arn"), ("key", "id"), ("alias", "name"), ("function", "name")}


def first_queue(kinds: dict[str, str]) -> str:
    return next((name for name, kind in kinds.items() if kind == "queue"), "Missing")


def respelt(data: Any, old: str, new: str) -> Any:
    """`data` with every string `old` in it (whole or in part) spelt `new`: on the structure, not on its JSON text,
    where a name holding a quote or a backslash would break the text."""
    if isinstance(data, str):
        return data.replace(old, new)
    if isinstance(data, list):
        return [respelt(item, old, new) for item in data]
    if isinstance(data, dict):
        return {respelt(k, old, new): respelt(v, old, new) for k, v in data.items()}
    return data


def cfn_value(value: Any, kinds: dict[str, str], params: dict[str, Any]) -> Any:
    if isinstance(value, Lit):
        return value.value
    if isinstance(value, RefTo):
        kind = kinds.get(value.name, "")
        if (kind, value.attr) in CFN_REFS or (kind, value.attr) not in CFN_ATTRS and value.attr != "arn":
            return {"Ref": value.name}
        return {"Fn::GetAtt": [value.name, CFN_ATTRS.get((kind, value.attr), "Arn")]}
    if isinstance(value, Param):
        params[value.name] = {"Type": "String"}
        if value.default is not None:
            params[value.name]["Default"] = value.default.value
        return {"Ref": value.name}
    if isinstance(value, LiteralArn):
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:{value.service}:${{AWS::Region}}:${{AWS::AccountId}}:{value.name}"}
    if isinstance(value, Odd):  # "Queue0" there stands for the first queue, so that renaming it renames it there
        return respelt(CFN_ODD[value.index], "Queue0", first_queue(kinds))
    raise TypeError(value)


def cfn_resource(r: Resource, kinds: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
    def val(key: str) -> Any:
        return cfn_value(r.props[key], kinds, params)

    p, props = r.props, {}
    if r.kind == "queue":
        names = {
            "name": "QueueName",
            "visibility": "VisibilityTimeout",
            "kms": "KmsMasterKeyId",
            "sse": "SqsManagedSseEnabled",
        }
        props = {names[k]: val(k) for k in names if k in p}
        if "dlq" in p:
            props["RedrivePolicy"] = {"deadLetterTargetArn": val("dlq"), "maxReceiveCount": 3}
    elif r.kind == "alias":
        props = {"AliasName": val("name"), "TargetKeyId": val("target")}
    elif r.kind == "topic":
        props = {k2: val(k) for k, k2 in (("name", "TopicName"), ("kms", "KmsMasterKeyId")) if k in p}
    elif r.kind == "subscription":
        props = {"TopicArn": val("topic"), "Protocol": val("protocol"), "Endpoint": val("endpoint")}
    elif r.kind == "function":
        props = {k2: val(k) for k, k2 in (("name", "FunctionName"), ("timeout", "Timeout")) if k in p}
        if r.sam:
            props.update({"Runtime": "python3.12", "Handler": "app.handler", "CodeUri": "src/"})
            props["Events"] = {
                f"E{i}": {
                    "Type": kind,
                    "Properties": {"Queue": cfn_value(target, kinds, params)}
                    if kind == "SQS"
                    else {"Topic": cfn_value(target, kinds, params), "SqsSubscription": flag},
                }
                for i, (kind, target, flag) in enumerate(p.get("events", []))
            }
    elif r.kind == "mapping":
        props = {"EventSourceArn": val("source"), "FunctionName": val("function")}
        if "window" in p:
            props["MaximumBatchingWindowInSeconds"] = val("window")
    elif r.kind == "bucket":
        configurations = [{"Event": "s3:ObjectCreated:*", "Queue": cfn_value(q, kinds, params)} for q in p["queues"]]
        props = {"NotificationConfiguration": {"QueueConfigurations": configurations}}
    kind = "AWS::Serverless::Function" if r.sam else CFN_TYPES[r.kind]
    resource: dict[str, Any] = {"Type": kind}
    if r.condition:
        resource["Condition"] = CFN_CONDITIONS[r.condition]
    return resource | ({"Properties": props} if props else {})


CFN_CONDITIONS = {"known": "EnvKnown", "unknown": "EnvUnknown"}  # each a parameter and a condition on it


def cfn_template(spec: list[Resource]) -> dict[str, Any]:
    kinds = {r.name: r.kind for r in spec}
    params: dict[str, Any] = {}
    resources = {r.name: cfn_resource(r, kinds, params) for r in spec}
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if any(r.sam for r in spec):
        template["Transform"] = "AWS::Serverless-2016-10-31"
    conditions = sorted({r.condition for r in spec if r.condition})
    for condition in conditions:
        params[CFN_CONDITIONS[condition]] = {"Type": "String"} | ({"Default": "prod"} if condition == "known" else {})
    if params:
        template["Parameters"] = params
    if conditions:
        template["Conditions"] = {
            CFN_CONDITIONS[c]: {"Fn::Equals": [{"Ref": CFN_CONDITIONS[c]}, "prod"]} for c in conditions
        }
    template["Resources"] = resources
    return template


def dump_yaml(template: dict[str, Any]) -> str:
    # PyYAML writes NEL (U+0085) raw into a quoted scalar and reads it back as a space: escape it then
    raw = "\x85" not in json.dumps(template, ensure_ascii=False)
    return yaml.safe_dump(template, sort_keys=False, allow_unicode=raw, width=10_000)


# -- Terraform rendering -----------------------------------------------------------------------------------------

TF_ODD = [
    "var.undeclared",
    "local.missing",
    'lookup({}, "x")',
    'tonumber("abc")',
    "null",
    'true ? 1 : "x"',
    "[for x in [1, 2] : x]",
    "{ a = 1 }",
    "aws_sqs_queue.missing.arn",
    "1 / 0",
    "jsonencode(1)",
    "count.index",
    "each.key",
    "element([], 0)",
    'replace("a", "", "b")',
    "aws_sqs_queue.queue0[0].arn",
]
TF_ATTRS = {"arn": "arn", "url": "url", "name": "name", "id": "id"}
TF_NAME_ATTRS = {"function": "function_name", "key": "key_id"}


class Expr(str):
    """HCL written as it is (not quoted)."""


def tf_literal(value: Any) -> str:
    if isinstance(value, Expr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        quoted = json.dumps(value, ensure_ascii=False)
        return quoted.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return "[" + ", ".join(tf_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {tf_literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def tf_label(name: str) -> str:
    return name.lower()


def tf_value(value: Any, kinds: dict[str, str], variables: dict[str, Lit | None]) -> Any:
    if isinstance(value, Lit):
        return value.value
    if isinstance(value, RefTo):
        kind = kinds.get(value.name, "queue")
        attr = TF_NAME_ATTRS.get(kind, "name") if value.attr in ("name", "id") else TF_ATTRS[value.attr]
        return Expr(f"{TF_TYPES[kind]}.{tf_label(value.name)}.{attr}")
    if isinstance(value, Param):
        variables[value.name.lower()] = value.default
        return Expr(f"var.{value.name.lower()}")
    if isinstance(value, LiteralArn):
        return f"arn:aws:{value.service}:eu-west-1:123456789012:{value.name}"
    if isinstance(value, Odd):
        return Expr(TF_ODD[value.index % len(TF_ODD)].replace("queue0", tf_label(first_queue(kinds))))
    raise TypeError(value)


def tf_body(r: Resource, kinds: dict[str, str], variables: dict[str, Lit | None]) -> tuple[dict, list[dict]]:
    """A resource's attributes and its nested `queue` blocks, as values or Expr."""

    def val(key: str) -> Any:
        return tf_value(r.props[key], kinds, variables)

    p, attrs, blocks = r.props, {}, []
    if r.kind == "queue":
        names = {
            "name": "name",
            "visibility": "visibility_timeout_seconds",
            "kms": "kms_master_key_id",
            "sse": "sqs_managed_sse_enabled",
        }
        attrs = {names[k]: val(k) for k in names if k in p}
        if "dlq" in p:
            dlq = tf_literal(val("dlq"))
            attrs["redrive_policy"] = Expr(f"jsonencode({{ deadLetterTargetArn = {dlq}, maxReceiveCount = 3 }})")
    elif r.kind == "alias":
        attrs = {"name": val("name"), "target_key_id": val("target")}
    elif r.kind == "topic":
        attrs = {k2: val(k) for k, k2 in (("name", "name"), ("kms", "kms_master_key_id")) if k in p}
    elif r.kind == "subscription":
        attrs = {"topic_arn": val("topic"), "protocol": val("protocol"), "endpoint": val("endpoint")}
    elif r.kind == "function":
        attrs = {k2: val(k) for k, k2 in (("name", "function_name"), ("timeout", "timeout")) if k in p}
    elif r.kind == "mapping":
        attrs = {"event_source_arn": val("source"), "function_name": val("function")}
        if "window" in p:
            attrs["maximum_batching_window_in_seconds"] = val("window")
    elif r.kind == "bucket":
        attrs = {"bucket": "uploads"}
        blocks = [{"events": ["s3:ObjectCreated:*"], "queue_arn": tf_value(q, kinds, variables)} for q in p["queues"]]
    return attrs, blocks


def tf_blocks(spec: list[Resource]) -> list[tuple[str, tuple[str, ...], dict, list[dict]]]:
    """The module's blocks (resources, then variables) as (type, labels, attributes, nested queue blocks)."""
    kinds = {r.name: r.kind for r in spec}
    variables: dict[str, Lit | None] = {}
    blocks = []
    for r in spec:
        attrs, queues = tf_body(r, kinds, variables)
        if r.condition:
            variables[f"env_{r.condition}"] = Lit("prod") if r.condition == "known" else None
            attrs = {"count": Expr(f'var.env_{r.condition} == "prod" ? 1 : 0'), **attrs}
        blocks.append(("resource", (TF_TYPES[r.kind], tf_label(r.name)), attrs, queues))
    for name, default in sorted(variables.items()):
        blocks.append(("variable", (name,), {} if default is None else {"default": default.value}, []))
    return blocks


def tf_module(spec: list[Resource]) -> list[str]:
    """The module as HCL blocks: the caller decides their order and files."""

    def lines(attrs: dict, indent: str) -> str:
        return "".join(f"{indent}{name} = {tf_literal(value)}\n" for name, value in attrs.items())

    return [
        f"{kind} {' '.join(json.dumps(label, ensure_ascii=False) for label in labels)} {{\n"
        + lines(attrs, "  ")
        + "".join(f"  queue {{\n{lines(nested, '    ')}  }}\n" for nested in queues)
        + "}\n"
        for kind, labels, attrs, queues in tf_blocks(spec)
    ]


def tf_json_value(value: Any) -> Any:
    """A value as .tf.json writes it: expressions interpolated, literal `${` and `%{` escaped."""
    if isinstance(value, Expr):
        return "${" + value + "}"
    if isinstance(value, str):
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, list):
        return [tf_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: tf_json_value(v) for k, v in value.items()}
    return value


def tf_json_module(spec: list[Resource]) -> str:
    document: dict[str, Any] = {}
    for kind, labels, attrs, queues in tf_blocks(spec):
        body = tf_json_value(attrs) | ({"queue": tf_json_value(queues)} if queues else {})
        if kind == "resource":
            document.setdefault("resource", {}).setdefault(labels[0], {})[labels[1]] = body
        else:
            document.setdefault("variable", {})[labels[0]] = body
    return json.dumps(document, indent=1, ensure_ascii=False)


# -- scanning ----------------------------------------------------------------------------------------------------


@contextmanager
def tree(files: dict[str, str]) -> Iterator[str]:
    """`files` written into a fresh directory, which is the current directory meanwhile."""
    before = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="crosswire-props-") as root:
        for name, text in files.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        os.chdir(root)
        try:
            yield root
        finally:
            os.chdir(before)


def scan(files: dict[str, str]) -> dict[str, Any]:
    """The JSON report of scanning `files`, asserting the properties every scan has: no traceback escapes, no
    internal error is reported, the exit code says what the report holds."""
    with tree(files):
        run = run_cli(
            "scan", "--format", "json", "--fail-on", "error", ".", any_check=True
        )  # every check: the properties hold whatever the catalogue
    report = run.report
    assert "internal error" not in run.out + run.err, run.out + run.err
    assert run.code == (2 if report["errors"] else 1 if report["summary"]["findings"]["error"] else 0), report
    return report


_QUOTED_PLACE = re.compile(r"([\w./-]+\.(?:json|yaml|yml|tf)):\d+")


def comparable(report: dict[str, Any], files: dict[str, str] | None = None) -> dict[str, list]:
    """What must not change when only lines, file names or the order of things change: findings, errors and
    unresolved values without their lines (and fingerprints, which hash the file), file names mapped by `files`."""

    def file(name: str) -> str:
        return (files or {}).get(name, name)

    def text(words: str) -> str:
        # a message or reason may quote where a statement is written ("(template.yaml:12)"): its file, not its line
        return _QUOTED_PLACE.sub(lambda m: f"{file(m.group(1))}:LINE", words)

    findings = [
        {
            **{k: v for k, v in f.items() if k not in ("line", "end_line", "fingerprint", "related")},
            "file": file(f["file"]),
            "message": text(f["message"]),
            "related": sorted((r["resource"], file(r["file"])) for r in f["related"]),
        }
        for f in report["findings"]
    ]
    unresolved = [
        {**{k: v for k, v in u.items() if k != "line"}, "file": file(u["file"]), "reason": text(u["reason"])}
        for u in report["unresolved"]
    ]
    errors = [{"file": file(e["file"]), "message": e["message"]} for e in report["errors"]]
    return {
        "findings": sorted(findings, key=json.dumps),
        "unresolved": sorted(unresolved, key=json.dumps),
        "errors": sorted(errors, key=json.dumps),
    }


# -- properties --------------------------------------------------------------------------------------------------


@given(st.booleans().flatmap(lambda odd: specs(junk=True, odd_names=odd)), st.booleans())
def test_a_template_never_breaks_the_scan(spec, as_json):
    template = cfn_template(spec)
    scan({"t.json": json.dumps(template)} if as_json else {"t.yaml": dump_yaml(template)})


@given(st.booleans().flatmap(lambda odd: specs(junk=True, odd_names=odd)))
def test_a_module_never_breaks_the_scan(spec):
    scan({"main.tf": "\n".join(tf_module(spec))})


@given(st.lists(specs(junk=True), min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_template_findings_do_not_depend_on_file_or_resource_order(templates, rnd):
    names = [f"t{i}.yaml" for i in range(len(templates))]
    files = {name: dump_yaml(cfn_template(spec)) for name, spec in zip(names, templates, strict=True)}
    first = scan(files)
    assert scan(files) == first  # deterministic, to the byte
    # the same templates under other names (discovered in another order), each with its resources shuffled
    renamed = names[:]
    rnd.shuffle(renamed)
    shuffled = {}
    for new, spec in zip(renamed, templates, strict=True):
        template = cfn_template(spec)
        items = list(template["Resources"].items())
        rnd.shuffle(items)
        template["Resources"] = dict(items)
        shuffled[f"x/{new}"] = dump_yaml(template)
    back = {f"x/{new}": old for old, new in zip(names, renamed, strict=True)}
    assert comparable(scan(shuffled), back) == comparable(first)


@given(specs(junk=True), st.randoms(use_true_random=False))
def test_module_findings_do_not_depend_on_block_order_or_files(spec, rnd):
    blocks = tf_module(spec)
    files = {"main.tf": "\n".join(blocks)}
    first = scan(files)
    assert scan(files) == first
    rnd.shuffle(blocks)
    split: dict[str, str] = {}
    for block in blocks:  # the same module spread over files whose names sort in another order
        name = rnd.choice(["b.tf", "a.tf", "z_main.tf"])
        split[name] = split.get(name, "") + block + "\n"
    every_file = {name: "main.tf" for name in split}
    assert comparable(scan(split), every_file) == comparable(first)


def by_name(report: dict[str, Any]) -> dict[str, list]:
    """`comparable`, with messages and unresolved reasons compared as multisets of words (punctuation aside):
    they list the other ends, or the resources that may not exist, in name order ("but S3 bucket A, S3 bucket B
    delivers"), and a new name may sort elsewhere."""
    result = comparable(report)
    for items, key in ((result["findings"], "message"), (result["unresolved"], "reason")):
        for item in items:
            item[key] = sorted(re.split(r"[\s,:;]+", item[key]))
        items.sort(key=json.dumps)
    return result


def renamed(report: dict[str, Any], old: str, new: str) -> dict[str, list]:
    """What `report` would be with `old` renamed to `new`."""
    return by_name(respelt(report, old, new))


@given(specs(junk=True), st.data())
def test_renaming_a_resource_renames_it_in_every_finding(spec, data):
    target = data.draw(st.sampled_from(spec))
    new_name = "Renamed" + target.name
    respec = [replace(r, name=new_name) if r is target else r for r in spec]
    respec = [replace(r, props=rename_props(r.props, target.name, new_name)) for r in respec]
    before = scan({"t.yaml": dump_yaml(cfn_template(spec))})
    after = scan({"t.yaml": dump_yaml(cfn_template(respec))})
    assert by_name(after) == renamed(before, target.name, new_name)


def rename_props(value: Any, old: str, new: str) -> Any:
    if isinstance(value, RefTo) and value.name == old:
        return RefTo(new, value.attr)
    if isinstance(value, dict):
        return {k: rename_props(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [rename_props(v, old, new) for v in value]
    if isinstance(value, tuple):
        return tuple(rename_props(v, old, new) for v in value)
    return value


@given(specs(junk=True), st.data())
def test_renaming_a_terraform_resource_renames_it_in_every_finding(spec, data):
    target = data.draw(st.sampled_from(spec))
    new_name = "Renamed" + target.name
    respec = [replace(r, name=new_name) if r is target else r for r in spec]
    respec = [replace(r, props=rename_props(r.props, target.name, new_name)) for r in respec]
    before = scan({"main.tf": "\n".join(tf_module(spec))})
    after = scan({"main.tf": "\n".join(tf_module(respec))})
    old_address = f"{TF_TYPES[target.kind]}.{tf_label(target.name)}"
    new_address = f"{TF_TYPES[target.kind]}.{tf_label(new_name)}"
    assert by_name(after) == renamed(before, old_address, new_address)


@given(specs(junk=True))
def test_a_yaml_template_and_its_json_twin_give_the_same_findings(spec):
    template = cfn_template(spec)
    from_yaml = scan({"template.yaml": dump_yaml(template)})
    from_json = scan({"template.json": json.dumps(template, indent=1, ensure_ascii=False)})
    assert comparable(from_json, {"template.json": "template.yaml"}) == comparable(from_yaml)


@given(specs(junk=True))
def test_a_module_and_its_tf_json_twin_give_the_same_findings(spec):
    from_hcl = scan({"main.tf": "\n".join(tf_module(spec))})
    from_json = scan({"main.tf.json": tf_json_module(spec)})
    assert comparable(from_json, {"main.tf.json": "main.tf"}) == comparable(from_hcl)


# -- defects the properties found, each reduced to a minimal case: regression tests now ------------------------


def test_a_json_template_with_an_escaped_astral_character_is_read():
    template = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "\\ud83d\\ude00"}}}}'
    report = scan({"t.json": template})
    assert report["errors"] == []
    assert report["summary"]["resources"] == 1


def test_a_json_template_with_a_raw_control_character_is_read():
    template = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "\x7f"}}}}'
    report = scan({"t.json": template})
    assert report["errors"] == []
    assert report["summary"]["resources"] == 1


def test_the_unresolved_reason_does_not_depend_on_resource_order():
    # a condition on the region: no scenario can decide it (crosswire.loaders.cloudformation.scenarios), so it stays
    # unresolved and Q's findings are skips naming A and B
    head = """\
Conditions: {Prod: !Equals [!Ref AWS::Region, eu-west-1]}
Resources:
  Q: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: alias/aws/sqs}}
"""
    a = "  A: {Type: AWS::SNS::Subscription, Condition: Prod, Properties: {TopicArn: arn:aws:sns:eu-west-1:123456789012:t, Protocol: sqs, Endpoint: !GetAtt Q.Arn}}\n"
    b = a.replace("  A:", "  B:")
    # Q's reason names A and B whichever comes first; A and B's own skips (checks judging the subscriptions) move
    # with them, so only Q's are compared
    reasons = [
        [(u["check_id"], u["line"], u["reason"]) for u in scan({"t.yaml": head + x + y})["unresolved"] if u["resource"] == "Q"]
        for x, y in ((a, b), (b, a))
    ]
    assert reasons[0] and reasons[0] == reasons[1]


def test_a_json_number_in_exponent_form_is_a_number():
    template = """\
{"Resources": {
 "Q": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 1e1}},
 "F": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 60}},
 "M": {"Type": "AWS::Lambda::EventSourceMapping",
       "Properties": {"EventSourceArn": {"Fn::GetAtt": ["Q", "Arn"]}, "FunctionName": {"Ref": "F"}}}}}
"""
    with tree({"t.json": template}):
        run = run_cli("scan", "--format", "json", "--select", "CW301", ".")
    assert run.findings() == {("CW301", "Q", 2)}


def test_a_tf_json_value_keeps_its_origin():
    module = {
        "resource": {
            "aws_sqs_queue": {"q": {"visibility_timeout_seconds": "${var.p0}"}},
            "aws_lambda_function": {"f": {"function_name": "jobs", "timeout": 60}},
            "aws_lambda_event_source_mapping": {
                "m": {"event_source_arn": "${aws_sqs_queue.q.arn}", "function_name": "jobs"}
            },
        },
        "variable": {"p0": {"default": 0}},
    }
    (finding,) = [f for f in scan({"main.tf.json": json.dumps(module)})["findings"] if f["check_id"] == "CW301"]
    assert "visibility timeout 0 s (variable p0 default)" in finding["message"]


# -- crashes the fuzzers found (inputs under fuzz/crashes/) ------------------------------------------------------


def test_a_plan_address_whose_dot_is_inside_an_index_is_an_input_error():
    plan = (ROOT / "fuzz" / "crashes" / "terraform_plan-address-without-dot-outside-brackets.json").read_text()
    report = scan({"plan.json": plan})
    assert [(e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        ("plan.json", 1, "malformed plan: 'aws_sqs_queue[.]q' is not a resource address (TYPE.NAME)")
    ]
