"""The check catalogue: one module per check, registered explicitly in ALL_CHECKS."""

from __future__ import annotations

from crosswire.check import Check
from crosswire.checks import (
    aws_managed_key_on_service_fed_queue,
    aws_managed_key_on_service_fed_topic,
    batch_without_item_failures,
    consumed_queue_without_dead_letter_queue,
    consumer_role_cannot_decrypt_queue_key,
    consumer_role_without_queue_access,
    encryption_turned_off,
    fifo_standard_mismatch,
    invalid_sqs_batching,
    key_policy_refuses_feeding_service,
    key_rotation_off,
    lambda_permission_without_source,
    low_max_receive_count,
    low_reserved_concurrency_on_sqs_consumer,
    policy_allows_anyone,
    queue_policy_refuses_feeding_service,
    queue_policy_without_tls_deny,
    redrive_allow_policy_excludes_source_queue,
    service_grant_without_source,
    short_dead_letter_queue_retention,
    sns_subscription_without_invoke_permission,
    sse_sqs_on_service_fed_queue,
    subscription_without_dead_letter_queue,
    topic_key_without_publisher_grant,
    visibility_timeout,
    visibility_timeout_below_function_timeout,
)

_MODULES = (
    sse_sqs_on_service_fed_queue,
    aws_managed_key_on_service_fed_queue,
    key_policy_refuses_feeding_service,
    consumer_role_cannot_decrypt_queue_key,
    aws_managed_key_on_service_fed_topic,
    topic_key_without_publisher_grant,
    encryption_turned_off,
    key_rotation_off,
    queue_policy_refuses_feeding_service,
    service_grant_without_source,
    policy_allows_anyone,
    queue_policy_without_tls_deny,
    lambda_permission_without_source,
    sns_subscription_without_invoke_permission,
    redrive_allow_policy_excludes_source_queue,
    visibility_timeout_below_function_timeout,
    visibility_timeout,
    low_max_receive_count,
    consumed_queue_without_dead_letter_queue,
    short_dead_letter_queue_retention,
    fifo_standard_mismatch,
    subscription_without_dead_letter_queue,
    invalid_sqs_batching,
    batch_without_item_failures,
    low_reserved_concurrency_on_sqs_consumer,
    consumer_role_without_queue_access,
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
