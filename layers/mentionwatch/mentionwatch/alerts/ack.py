"""Acknowledge links: short, unguessable, expiring and HMAC-signed, so an SMS can carry one within 160 characters.

A token is the base64url of 18 bytes, 24 characters (no padding needed):

    link id (6 bytes) | expiry, minutes since 2024-01-01 UTC (3 bytes, big-endian, good until 2055)
                      | HMAC-SHA256 over both, first 9 bytes

The link id is itself an HMAC of the alert it acknowledges (`<dedup key>#<generation>`), so rendering the same
alert twice gives the same id; the store maps the id back to the alert. Without the key nobody can make a valid
token (a 72-bit tag, checked by a rate-limited API), and a token names nothing readable: no mention id, no handle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from mentionwatch.exceptions import AckLinkExpired, AckLinkInvalid, ConfigurationError

ID_BYTES = 6
EXPIRY_BYTES = 3
TAG_BYTES = 9
TOKEN_BYTES = ID_BYTES + EXPIRY_BYTES + TAG_BYTES
TOKEN_CHARS = 24
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
MIN_KEY_BYTES = 16
DEFAULT_LIFETIME = timedelta(hours=24)


class AckToken(BaseModel):
    model_config = ConfigDict(frozen=True)

    link_id: str  # hex of the 6-byte id: the store's key
    expires_at: datetime
    token: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class AckSigner:
    def __init__(self, key: bytes | str, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        raw = key.encode("utf-8") if isinstance(key, str) else key
        if len(raw) < MIN_KEY_BYTES:
            raise ConfigurationError(
                f"the acknowledge signing key must be at least {MIN_KEY_BYTES} bytes", field="ack_signing_key"
            )
        self._key = raw
        self.lifetime = lifetime

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._key, b"ack|" + body, hashlib.sha256).digest()[:TAG_BYTES]

    def link_id(self, target: str) -> str:
        return hmac.new(self._key, b"id|" + target.encode("utf-8"), hashlib.sha256).digest()[:ID_BYTES].hex()

    def issue(self, target: str, now: datetime) -> AckToken:
        # Rounded up to the minute, so a link never expires before its lifetime.
        minutes = -(-int((now + self.lifetime - EPOCH).total_seconds()) // 60)
        link_id = self.link_id(target)
        body = bytes.fromhex(link_id) + minutes.to_bytes(EXPIRY_BYTES, "big")
        return AckToken(
            link_id=link_id,
            expires_at=EPOCH + timedelta(minutes=minutes),
            token=_b64(body + self._tag(body)),
        )

    def verify(self, token: str, now: datetime) -> AckToken:
        """The token's link id if it is genuine and not expired; `AckLinkInvalid` / `AckLinkExpired` otherwise."""
        if len(token) != TOKEN_CHARS:
            raise AckLinkInvalid("this acknowledge link is not valid: it was cut short or changed", field="token")
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise AckLinkInvalid("this acknowledge link is not valid: it was changed", field="token") from None
        if len(raw) != TOKEN_BYTES:
            raise AckLinkInvalid("this acknowledge link is not valid: it was changed", field="token")
        body, tag = raw[: ID_BYTES + EXPIRY_BYTES], raw[ID_BYTES + EXPIRY_BYTES :]
        if not hmac.compare_digest(tag, self._tag(body)):
            raise AckLinkInvalid("this acknowledge link is not valid: its signature does not match", field="token")
        expires_at = EPOCH + timedelta(minutes=int.from_bytes(body[ID_BYTES:], "big"))
        if now >= expires_at:
            raise AckLinkExpired(
                f"this acknowledge link expired at {expires_at:%Y-%m-%d %H:%M} UTC; acknowledge in the app instead",
                field="token",
            )
        return AckToken(link_id=body[:ID_BYTES].hex(), expires_at=expires_at, token=token)


def ack_url(base_url: str, token: AckToken) -> str:
    return f"{base_url.rstrip('/')}/ack/{token.token}"
