"""The check catalogue: one module per check, registered explicitly in ALL_CHECKS."""

from __future__ import annotations

from crosswire.check import Check
from crosswire.checks import (
    aws_managed_key_on_service_fed_queue,
    key_policy_refuses_feeding_service,
    queue_policy_refuses_feeding_service,
    sse_sqs_on_service_fed_queue,
    visibility_timeout,
    visibility_timeout_below_function_timeout,
)

_MODULES = (
    sse_sqs_on_service_fed_queue,
    aws_managed_key_on_service_fed_queue,
    key_policy_refuses_feeding_service,
    queue_policy_refuses_feeding_service,
    visibility_timeout_below_function_timeout,
    visibility_timeout,
)


def registry() -> dict[str, Check]:
    """Every check by ID; two checks with one ID is a programming error and fails loudly."""
    checks: dict[str, Check] = {}
    for module in _MODULES:
        check = Check(module.META, module.run)
        if check.meta.id in checks:
            raise RuntimeError(f"duplicate check ID {check.meta.id} in {module.__name__}")
        checks[check.meta.id] = check
    return checks


ALL_CHECKS = tuple(registry().values())
