"""boto3 client factory: one client per service and execution environment, with the SDK's adaptive retries."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Adaptive retry mode backs off on throttling (Comprehend's batch quotas are low) before we fall back locally.
_CONFIG = Config(retries={"max_attempts": 4, "mode": "adaptive"}, connect_timeout=3, read_timeout=10)


@cache
def _cached_client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]


def client(service: str) -> Any:
    return _cached_client(service)


def reset_clients() -> None:
    """Forget cached clients (the local stack and tests switch endpoints)."""
    _cached_client.cache_clear()
