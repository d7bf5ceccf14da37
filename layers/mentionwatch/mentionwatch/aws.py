"""boto3 client factory: one client per service and execution environment, each with a time budget that fits
inside the function that uses it (a slow dependency must fail cleanly before Lambda's timeout does)."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

# Keyword arguments of botocore's Config per service; botocore is imported with the first client (cold starts
# that never call AWS, such as a webhook's challenge, skip it).
_DEFAULT: dict[str, Any] = {
    "retries": {"max_attempts": 4, "mode": "adaptive"},
    "connect_timeout": 3,
    "read_timeout": 10,
}
_BUDGETS: dict[str, dict[str, Any]] = {
    # The webhook answers within its 10 s timeout: two tries of at most 4 s, then 503 so the platform redelivers.
    "sqs": {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 1, "read_timeout": 3},
    # Adaptive mode backs off on Comprehend's low batch quotas; a slow answer falls back to the local analyzer.
    "comprehend": {"retries": {"max_attempts": 2, "mode": "adaptive"}, "connect_timeout": 2, "read_timeout": 5},
    "sns": {"retries": {"max_attempts": 3, "mode": "standard"}, "connect_timeout": 2, "read_timeout": 5},
    # Read on the webhook's request path (and cached): fail fast, answer 503, let the platform redeliver.
    "secretsmanager": {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 1, "read_timeout": 3},
    "ssm": {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 1, "read_timeout": 3},
    "dynamodb": {"retries": {"max_attempts": 4, "mode": "adaptive"}, "connect_timeout": 2, "read_timeout": 5},
}


def client_config(service: str) -> Config:
    """The time budget and retries for a service's client (validation off where models already validated)."""
    from botocore.config import Config

    return Config(**_BUDGETS.get(service, _DEFAULT), parameter_validation=_validate_parameters(service))


# botocore re-validates every request against the service model (about 0.3 ms per PutItem of a mention row).
# What these services are sent is built from pydantic models that already validated it, so production clients
# skip that; tests and the local stack switch it back on (MENTIONWATCH_AWS_PARAMETER_VALIDATION=true).
_MODEL_BUILT = frozenset({"dynamodb", "sqs", "sns", "comprehend"})


def _validate_parameters(service: str) -> bool:
    if service not in _MODEL_BUILT:
        return True
    return os.environ.get("MENTIONWATCH_AWS_PARAMETER_VALIDATION", "").lower() in ("1", "true", "yes")


@cache
def _cached_client(service: str) -> Any:
    import boto3  # on first use: a webhook answering a platform's challenge never needs it

    return boto3.session.Session().client(service, config=client_config(service))


def client(service: str) -> Any:
    return _cached_client(service)


def reset_clients() -> None:
    """Forget cached clients (the local stack and tests switch endpoints)."""
    _cached_client.cache_clear()
