"""Condition scenarios: the ways a template's undecided conditions can come out, each with parameter values that
bring it about, so that a template is judged in each way it can be deployed rather than skipped as unresolved.

A condition is undecided when it rests on parameters without a value. Such a parameter takes its `AllowedValues`,
or else each literal the conditions compare it with and one value equal to none of them. Each assignment of those
values decides the conditions; assignments that decide them alike are one scenario. The assignments tried are at
most MAX_ASSIGNMENTS and the scenarios at most MAX_SCENARIOS; past either bound the template is judged as before,
its undecided conditions unresolved (a skip that says so), never by a sample.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from crosswire.loaders.cloudformation.intrinsics import Intrinsics
from crosswire.model import Unresolved

MAX_ASSIGNMENTS = 256
MAX_SCENARIOS = 16
# a parameter value that equals no literal of the template: "none of the values the conditions compare it with"
OTHER = "crosswire-any-other-value"


@dataclass(frozen=True)
class Scenario:
    """Parameter values (`params`, the ones the template leaves open) and how they decide the conditions that were
    undecided (`conditions`, in the template's order)."""

    params: tuple[tuple[str, str], ...]
    conditions: tuple[tuple[str, bool], ...]


def _refs_and_literals(node: Any, conditions: dict, seen: set[str]) -> tuple[set[str], dict[str, set[str]]]:
    """The parameters a condition body refers to (through other conditions too), and the literals each one is
    compared with by `Fn::Equals`."""
    refs: set[str] = set()
    literals: dict[str, set[str]] = {}
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict):
            if len(item) == 1 and "Ref" in item and isinstance(item["Ref"], str):
                refs.add(item["Ref"])
            elif len(item) == 1 and "Condition" in item and isinstance(item["Condition"], str):
                name = item["Condition"]
                if name not in seen:
                    seen.add(name)
                    pending.append(conditions.get(name))
            equals = item.get("Fn::Equals") if len(item) == 1 else None
            if isinstance(equals, list) and len(equals) == 2:
                for side, other in (equals, equals[::-1]):
                    if isinstance(side, dict) and isinstance(side.get("Ref"), str) and isinstance(other, (str, int)):
                        literals.setdefault(side["Ref"], set()).add(str(other))
            pending.extend(item.values())
    return refs, literals


def scenarios(template: dict, file: str, params: dict[str, str]) -> list[Scenario]:
    """The scenarios of the template's undecided conditions; empty when every condition is decided, when the
    undecided ones rest on something a scenario cannot set (a pseudo parameter, a list), or past the bounds."""
    base = Intrinsics(template, file, params)
    names = [str(n) for n in base.conditions_raw]
    undecided = [n for n in names if isinstance(base.condition(n), Unresolved)]
    if not undecided:
        return []
    refs, literals = _refs_and_literals([base.conditions_raw[n] for n in undecided], base.conditions_raw, set())
    declared = template.get("Parameters") or {}
    free = sorted(r for r in refs if r in base.params and isinstance(base.params[r][0], Unresolved))
    domains: list[list[str]] = []
    for name in free:
        spec = declared.get(name) if isinstance(declared, dict) else None
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("Type", "String"))
        if kind.startswith(("List<", "AWS::SSM::")) or kind == "CommaDelimitedList":
            return []
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and allowed and all(isinstance(v, (str, int, float)) for v in allowed):
            domains.append([str(v) for v in allowed])
        else:
            domains.append(sorted(literals.get(name, set())) + [OTHER])
    if not free or math.prod(len(domain) for domain in domains) > MAX_ASSIGNMENTS:
        return []
    found: dict[tuple[tuple[str, bool], ...], Scenario] = {}
    for values in itertools.product(*domains):
        assignment = dict(zip(free, values, strict=True))
        decided = Intrinsics(template, file, params | assignment)
        outcome = tuple((n, decided.condition(n)) for n in undecided)
        if any(not isinstance(value, bool) for _, value in outcome):
            return []  # something beyond the parameters (a pseudo parameter, an import) still decides it
        key = tuple((n, bool(v)) for n, v in outcome)
        found.setdefault(key, Scenario(tuple(assignment.items()), key))
        if len(found) > MAX_SCENARIOS:
            return []
    return list(found.values())
