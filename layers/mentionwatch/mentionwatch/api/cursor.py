"""Opaque, tamper-proof pagination cursors.

A cursor is `base64url(payload).base64url(HMAC-SHA256(key, payload))`. The payload holds the position (created_at
and id of the last item returned), a digest of the query's filters and the caller's team scope, and an expiry.
A cursor is honoured only for the same filters and scope it was issued for, so it cannot be replayed on another
query or read another team's mentions, and any edit breaks the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mentionwatch.exceptions import InvalidCursor
from mentionwatch.models import UtcDatetime

CURSOR_LIFETIME = timedelta(hours=24)
MIN_KEY_BYTES = 16


class Position(BaseModel):
    """Where a page ended: results continue strictly after (older than) this mention."""

    model_config = ConfigDict(frozen=True)

    created_at: str  # keys.iso() form, as in the index sort keys
    id: Annotated[str, Field(min_length=1, max_length=300)]

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.created_at, self.id)


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: int
    p: Position
    q: str  # digest of the filters
    t: str  # team scope
    e: UtcDatetime  # expires


def fingerprint(filters: dict[str, object]) -> str:
    canonical = json.dumps(filters, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorSigner:
    def __init__(self, key: bytes, clock: Callable[[], datetime]) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError("the cursor key must be at least 16 bytes")
        self._key = key
        self._clock = clock

    @classmethod
    def from_secret(cls, secret: str, clock: Callable[[], datetime]) -> CursorSigner:
        """Derive the signing key from a secret string (a generated secret, or the dev secrets file locally)."""
        if not secret:
            raise ValueError("the cursor secret is empty")
        return cls(hmac.new(secret.encode(), b"mentionwatch cursor key v1", hashlib.sha256).digest(), clock)

    def issue(self, position: Position, query: str, scope: str) -> str:
        payload = _Payload(v=1, p=position, q=query, t=scope, e=self._clock() + CURSOR_LIFETIME)
        body = payload.model_dump_json().encode()
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def open(self, cursor: str, query: str, scope: str) -> Position:
        """The position a cursor holds; `InvalidCursor` (400, field `cursor`) unless it is genuine and fits."""
        encoded, _, signature = cursor.partition(".")
        try:
            body, mac = _unb64(encoded), _unb64(signature)
        except (binascii.Error, ValueError):
            raise InvalidCursor("cursor is malformed", field="cursor") from None
        if not encoded or not hmac.compare_digest(mac, self._mac(body)):
            raise InvalidCursor("cursor is not one this API issued", field="cursor")
        try:
            payload = _Payload.model_validate_json(body)
        except ValidationError:
            raise InvalidCursor("cursor is malformed", field="cursor") from None
        if payload.q != query or payload.t != scope:
            raise InvalidCursor("cursor belongs to a different query; start again without it", field="cursor")
        if payload.e <= self._clock():
            raise InvalidCursor("cursor has expired; start again without it", field="cursor")
        return payload.p

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()
