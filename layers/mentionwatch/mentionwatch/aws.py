"""boto3 client factory: one client per service and execution environment, each with a time budget that fits
inside the function that uses it (a slow dependency must fail cleanly before Lambda's timeout does)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_DEFAULT = Config(retries={"max_attempts": 4, "mode": "adaptive"}, connect_timeout=3, read_timeout=10)
_BUDGETS = {
    # The webhook answers within its 10 s timeout: two tries of at most 4 s, then 503 so the platform redelivers.
    "sqs": Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=1, read_timeout=3),
    # Adaptive mode backs off on Comprehend's low batch quotas; a slow answer falls back to the local analyzer.
    "comprehend": Config(retries={"max_attempts": 2, "mode": "adaptive"}, connect_timeout=2, read_timeout=5),
    "sns": Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=5),
    # Read on the webhook's request path (and cached): fail fast, answer 503, let the platform redeliver.
    "secretsmanager": Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=1, read_timeout=3),
    "ssm": Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=1, read_timeout=3),
    "dynamodb": Config(retries={"max_attempts": 4, "mode": "adaptive"}, connect_timeout=2, read_timeout=5),
}


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
    config = _BUDGETS.get(service, _DEFAULT).merge(Config(parameter_validation=_validate_parameters(service)))
    return boto3.session.Session().client(service, config=config)


def client(service: str) -> Any:
    return _cached_client(service)


def reset_clients() -> None:
    """Forget cached clients (the local stack and tests switch endpoints)."""
    _cached_client.cache_clear()
