"""The bounds on evaluating one unit (a template, a root module with the modules it calls): value sizes, module
instances, nesting depth and steps, so that hostile input is an input error with file and line, never a hang.

An evaluator charges its budget as it works; `OverBudget` rises to the nearest place that knows where in the
input the work came from, which turns it into a LoadError naming that file and line.
"""

from __future__ import annotations

from dataclasses import dataclass


class OverBudget(Exception):
    """Evaluation went past one of the bounds; the message says which, in words a user acts on."""


@dataclass(frozen=True)
class Limits:
    # far beyond what a deployable template or module holds (CloudFormation accepts 1 MB templates), and small
    # enough that the worst case stays well inside 1.5 GB
    string_chars: int = 4 * 1024 * 1024  # one string value
    collection_items: int = 100_000  # one list or map
    total_chars: int = 256 * 1024 * 1024  # every string built while evaluating one unit
    instances: int = 10_000  # module instances and instances of count/for_each resources of one root module
    # nested evaluation, across references (local -> local -> ...), templatefile and conditions: a level costs up
    # to six Python frames, so Python's 1,000 bounds it; 100 allows about 48 chained references (`a = local.b`)
    depth: int = 100
    steps: int = 5_000_000  # evaluation steps of one unit


LIMITS = Limits()


def check_string(length: int, limits: Limits = LIMITS) -> None:
    """The bound on one string, which needs no unit's state (for code that builds strings without a budget)."""
    if length > limits.string_chars:
        raise OverBudget(f"a string value longer than {limits.string_chars:,} characters")


class Budget:
    """What one unit has used so far; each charge raises OverBudget once a bound is passed."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self.steps = 0
        self.depth = 0
        self.chars = 0
        self.instances = 0

    def step(self, count: int = 1) -> None:
        """Charge `count` evaluation steps (more than one for work that costs more, such as reading a file)."""
        self.steps += count
        if self.steps > self.limits.steps:
            raise OverBudget(f"more than {self.limits.steps:,} evaluation steps (a reference or call explodes)")

    def enter(self) -> None:
        """One level deeper; pair with `leave()` in a `finally`."""
        self.depth += 1
        if self.depth > self.limits.depth:
            self.depth -= 1
            raise OverBudget(f"evaluation nested deeper than {self.limits.depth} levels")

    def leave(self) -> None:
        self.depth -= 1

    def string(self, length: int) -> None:
        """Charge a string of `length` characters before building it."""
        check_string(length, self.limits)
        self.chars += length
        if self.chars > self.limits.total_chars:
            raise OverBudget(f"more than {self.limits.total_chars:,} characters of strings built")

    def items(self, count: int) -> None:
        """Charge a list or map of `count` items before building it."""
        if count > self.limits.collection_items:
            raise OverBudget(f"a list or map of more than {self.limits.collection_items:,} items")

    def instance(self) -> None:
        self.instances += 1
        if self.instances > self.limits.instances:
            raise OverBudget(f"more than {self.limits.instances:,} module and resource instances")
