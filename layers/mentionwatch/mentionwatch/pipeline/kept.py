"""Kept deliveries: a delivery whose signature verified but whose body the parser refused.

Answering 4xx would make the platform retry for hours (Meta does) and then drop it; so the delivery is kept
(raw bytes, headers, source and reason, for as long as raw payloads are kept), answered 2xx `ignored` and
counted. Once the parser learns the shape, `mentionwatch kept replay` parses the kept bytes again and enqueues
the mentions: nothing signed is lost. A replay does not verify again: the signature was checked on arrival,
and some schemes (timestamps, nonces) would refuse any later check.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.models import UtcDatetime

MAX_REASON_CHARS = 500
MAX_HEADER_CHARS = 8_192


class KeptDelivery(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)  # the webhook builds it only when it keeps one

    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
    source: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str, Field(max_length=MAX_REASON_CHARS)]
    field: Annotated[str | None, Field(max_length=256)] = None
    received_at: UtcDatetime
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    body: bytes
    expiration: int  # epoch seconds: DynamoDB TTL removes the row after it


class KeptDeliveries(Protocol):
    def keep(self, delivery: KeptDelivery) -> None: ...
    def get(self, delivery_id: str) -> KeptDelivery | None: ...
    def recent(self, limit: int = 50) -> list[KeptDelivery]: ...
    def forget(self, delivery_id: str) -> None: ...


def kept_id(received_at: datetime) -> str:
    """Sortable by arrival, unique by a random suffix."""
    return f"{received_at:%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"


def bounded_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers to parse with again, trimmed so one hostile request cannot blow the row's size."""
    kept: dict[str, str] = {}
    used = 0
    for name, value in sorted(headers.items()):
        used += len(name) + len(value)
        if used > MAX_HEADER_CHARS:
            break
        kept[name] = value
    return kept


def expiry(received_at: datetime, ttl: timedelta) -> int:
    return int((received_at + ttl).timestamp())
