"""A fast look at a template's shape before cfn-lint decodes it: how many keys each mapping holds, how deep the
nesting goes and how many values the template holds once YAML aliases are expanded.

cfn-lint's decoders compare each new key of a mapping with every earlier one (quadratic), build the template by
recursion (a RecursionError on deep nesting) and expand aliases; a template no deployment could use is refused
here, with the line of the offending node, before any of that starts. The bounds are generous multiples of
CloudFormation's own quotas (500 resources, 200 parameters, mappings, attributes per mapping and outputs, a 1 MB
template: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).

The scan reads parser events (libyaml's when PyYAML has it: no node tree, no recursion). A template YAML cannot
read is left to cfn-lint, which reports the error, except where cfn-lint retries it as JSON: that text is scanned
by a small JSON tokenizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from crosswire.loaders import LoadError

try:
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader


@dataclass(frozen=True)
class ShapeLimits:
    keys: int = 2_000  # keys of one mapping: 4 times the 500 resources a template may declare
    depth: int = 100  # nested mappings and lists; cfn-lint's recursive decoder fails near 300
    values: int = 250_000  # values once aliases are expanded: cfn-lint's own bound on alias expansion


SHAPE_LIMITS = ShapeLimits()
# cfn-lint decodes text as JSON only when its YAML scanner stops on one of these
_JSON_RETRY = ("found character '\\t' that cannot start any token", "found unknown escape character")
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}\n]|[-+0-9.eE]+|true|false|null')


class _Container:
    __slots__ = ("mapping", "children", "line", "name", "size", "anchor")

    def __init__(self, mapping: bool, line: int, name: str, anchor: str | None) -> None:
        self.mapping = mapping
        self.children = 0
        self.line = line
        self.name = name
        self.size = 1
        self.anchor = anchor


class _Shape:
    """The accounting shared by both scanners: one call per value (scalar, alias, or container start/end)."""

    def __init__(self, file: str, limits: ShapeLimits) -> None:
        self.file = file
        self.limits = limits
        self.stack: list[_Container] = []
        self.anchors: dict[str, int] = {}
        self.values = 0
        self.aliased = False
        self.last_key = ""
        self.last_key_line = 0

    def value(self, line: int, size: int = 1, key: str | None = None) -> None:
        """A scalar (`key` is its text) or an alias standing for `size` values, at `line` (1-based)."""
        self.values += size
        if self.values > self.limits.values:
            if self.aliased:
                raise LoadError(
                    self.file,
                    line,
                    f"the template expands to more than {self.limits.values:,} values through YAML aliases "
                    "(an alias bomb)",
                )
            raise LoadError(self.file, line, f"the template holds more than {self.limits.values:,} values")
        if self.stack:
            parent = self.stack[-1]
            parent.children += 1
            parent.size += size
            if parent.mapping and parent.children % 2:
                self.last_key, self.last_key_line = (key or "a key"), line
                if parent.children // 2 + 1 > self.limits.keys:
                    raise LoadError(
                        self.file,
                        parent.line,
                        f"{parent.name} has more than {self.limits.keys:,} keys (CloudFormation allows 500 "
                        "resources and 200 parameters, mappings or outputs)",
                    )

    def alias(self, name: str, line: int) -> None:
        size = self.anchors.get(name, 1)
        self.aliased = self.aliased or size > 1
        self.value(line, size)

    def start(self, mapping: bool, line: int, anchor: str | None = None) -> None:
        parent = self.stack[-1] if self.stack else None
        owned = parent is not None and parent.mapping and parent.children % 2 == 1
        name, where = (self.last_key, self.last_key_line) if owned else ("a mapping", line)
        self.value(line)
        if len(self.stack) >= self.limits.depth:
            raise LoadError(self.file, line, f"nested deeper than {self.limits.depth} levels")
        self.stack.append(_Container(mapping, where, name, anchor))

    def end(self) -> None:
        done = self.stack.pop()
        if self.stack:
            # the container's own value was counted at its start; its contents go to the enclosing one now
            self.stack[-1].size += done.size - 1
        if done.anchor:
            self.anchors[done.anchor] = done.size


def check(text: str, file: str, limits: ShapeLimits = SHAPE_LIMITS) -> None:
    """Raise a LoadError (file, line, what is wrong) when the template is beyond every bound a deployable one
    keeps; otherwise return, and the template is decoded as usual."""
    shape = _Shape(file, limits)
    try:
        for event in yaml.parse(text, Loader=_YamlLoader):
            line = event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, yaml.ScalarEvent):
                shape.value(line, key=event.value)
                if event.anchor:
                    shape.anchors[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                shape.alias(event.anchor or "", line)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                shape.start(isinstance(event, yaml.MappingStartEvent), line, event.anchor)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                shape.end()
    except yaml.YAMLError as exc:  # a ReaderError (a character YAML refuses) is no MarkedYAMLError
        problem = getattr(exc, "problem", None) or ""
        if problem.startswith(_JSON_RETRY) or text.lstrip().startswith("{"):
            # JSON that YAML cannot read (a tab, an escape, a DEL): the template is decoded as JSON
            _check_json(text, _Shape(file, limits))
        # otherwise the decoder stops at the same place and reports it


def _check_json(text: str, shape: _Shape) -> None:
    """The same bounds over JSON text: strings, other scalars and brackets are all it needs to count."""
    line = 1
    for token in _JSON_TOKEN.finditer(text):
        kind = token.group()
        if kind == "\n":
            line += 1
        elif kind in ("{", "["):
            shape.start(kind == "{", line)
        elif kind in ("}", "]"):
            if shape.stack:
                shape.end()
        else:
            shape.value(line, key=kind[1:-1] if kind.startswith('"') else kind)
            line += kind.count("\n")
