"""CloudFormation / SAM loader: templates (YAML, JSON, CDK output) into graph nodes, with intrinsics resolved.

Read top-down: `decode` (with the `shape` pre-scan), `intrinsics`, `scenarios`, `resources`, then `sam` (and
`load`).
"""

from crosswire.loaders.cloudformation.decode import is_template, looks_like_template, parse
from crosswire.loaders.cloudformation.sam import load
from crosswire.loaders.cloudformation.scenarios import Scenario, scenarios

__all__ = ["Scenario", "is_template", "load", "looks_like_template", "parse", "scenarios"]
