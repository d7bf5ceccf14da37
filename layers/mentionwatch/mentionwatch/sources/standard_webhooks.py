"""The generic signed source: any system that signs deliveries per the Standard Webhooks specification.

Signature: `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256>` entries (several during key
rotation) over `"{webhook-id}.{webhook-timestamp}.{raw body}"`, keyed with the base64 part of a `whsec_` secret.
The body is a JSON envelope `{"type", "timestamp", "data"}` carrying the mention format documented in the README.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import (
    MalformedPayload,
    SignatureInvalid,
    SignatureMissing,
    TimestampOutOfTolerance,
)
from mentionwatch.models import Author, Engagement, Match, Mention, Platform, PlatformDatetime, ThreadRef, UtcDatetime
from mentionwatch.sources._signing import not_configured
from mentionwatch.sources.base import Delivery, InboundRequest, QueuedMention, SourceSecrets, WebhookSource
from mentionwatch.sources.payloads import load_json, validate_payload
from mentionwatch.sources.registry import register

TOLERANCE = timedelta(minutes=5)
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of the format, not a secret
MAX_BATCH = 100


def decode_secret(secret: str) -> bytes:
    """`whsec_<base64>` or the bare `<base64>` → key bytes, as the reference library reads it: the prefix is
    optional and the rest is always base64 (a secret pasted without its prefix still verifies)."""
    encoded = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise not_configured("standard", "its signing secret is not base64 (whsec_ prefix optional)") from None


def sign(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class MentionAuthor(_Strict):
    handle: Annotated[str, Field(min_length=1, max_length=256)]
    name: Annotated[str | None, Field(max_length=256)] = None
    id: Annotated[str | None, Field(max_length=256)] = None
    followers: Annotated[int | None, Field(ge=0)] = None
    verified: bool = False


class MentionThread(_Strict):
    root_id: Annotated[str | None, Field(max_length=256)] = None
    parent_id: Annotated[str | None, Field(max_length=256)] = None


class MentionEngagement(_Strict):
    likes: Annotated[int, Field(ge=0)] = 0
    replies: Annotated[int, Field(ge=0)] = 0
    reposts: Annotated[int, Field(ge=0)] = 0
    quotes: Annotated[int, Field(ge=0)] = 0
    views: Annotated[int | None, Field(ge=0)] = None


class MentionData(_Strict):
    """The documented mention format (README, "Sending mentions from any system")."""

    id: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s#]+$")]
    text: Annotated[str, Field(max_length=100_000)]
    url: Annotated[str | None, Field(max_length=2048)] = None
    language: Annotated[str | None, Field(max_length=16)] = None
    created_at: PlatformDatetime
    author: MentionAuthor
    thread: MentionThread = MentionThread()
    engagement: MentionEngagement = MentionEngagement()
    brand: Annotated[str, Field(min_length=1, max_length=128)] = "default"
    keywords: Annotated[list[str], Field(max_length=50)] = []
    deleted: bool = False


class MentionBatch(_Strict):
    mentions: Annotated[list[MentionData], Field(min_length=1, max_length=MAX_BATCH)]


class Envelope(_Strict):
    type: Annotated[str, Field(min_length=1, max_length=64)]
    timestamp: UtcDatetime | None = None
    data: dict[str, Any]


@register
class StandardWebhooksSource(WebhookSource):
    name = "standard"
    success_status = 202

    def verify(self, request: InboundRequest, secrets: SourceSecrets) -> None:
        msg_id = request.header("webhook-id")
        timestamp = request.header("webhook-timestamp")
        signature_header = request.header("webhook-signature")
        for header, value in (
            ("webhook-id", msg_id),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature_header),
        ):
            if not value:
                raise SignatureMissing(f"header {header} is missing", field=header)
        assert msg_id and timestamp and signature_header  # narrowed above

        try:
            sent_at = datetime.fromtimestamp(int(timestamp), UTC)
        except (ValueError, OverflowError, OSError):
            raise TimestampOutOfTolerance(
                "webhook-timestamp is not a Unix time in seconds", field="webhook-timestamp"
            ) from None
        if abs(request.received_at - sent_at) > TOLERANCE:
            raise TimestampOutOfTolerance(
                "webhook-timestamp is more than 5 minutes away from the time it was received",
                field="webhook-timestamp",
            )

        offered = [part.split(",", 1)[1] for part in signature_header.split() if part.startswith("v1,")]
        if not offered:
            raise SignatureInvalid("webhook-signature has no v1 signature", field="webhook-signature")
        keys = [
            decode_secret(secrets[name]) for name in ("signing_secret", "previous_signing_secret") if secrets.get(name)
        ]
        if not keys:
            raise not_configured(self.name, "no signing_secret in its secrets")
        for key in keys:
            expected = sign(key, msg_id, timestamp, request.body)
            # Compare every offered signature in constant time; any match proves the delivery.
            if any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered):
                return
        raise SignatureInvalid("webhook-signature does not match the body", field="webhook-signature")

    def parse(self, request: InboundRequest) -> Delivery:
        envelope = validate_payload(Envelope, load_json(request.body))
        if envelope.type in ("mention.created", "mention.updated", "mention.deleted"):
            mentions = [validate_payload(MentionData, envelope.data, prefix="data")]
        elif envelope.type == "mention.batch":
            mentions = validate_payload(MentionBatch, envelope.data, prefix="data").mentions
        else:
            return Delivery(ignored=f"event type {envelope.type!r} is not handled")
        msg_id = request.header("webhook-id") or ""
        deleted = envelope.type == "mention.deleted"
        return Delivery(
            items=tuple(self._queued(data, request, msg_id, deleted) for data in mentions),
        )

    def _queued(self, data: MentionData, request: InboundRequest, msg_id: str, deleted: bool) -> QueuedMention:
        try:
            mention = Mention(
                platform=Platform.WEBHOOK,
                native_id=data.id,
                permalink=data.url,
                text=data.text,
                language=data.language,
                author=Author(
                    handle=data.author.handle,
                    display_name=data.author.name,
                    id=data.author.id,
                    followers=data.author.followers,
                    verified=data.author.verified,
                ),
                created_at=data.created_at,
                received_at=request.received_at,
                thread=ThreadRef(root_id=data.thread.root_id, parent_id=data.thread.parent_id),
                engagement=Engagement(**data.engagement.model_dump()),
                match=Match(brand=data.brand, keywords=tuple(data.keywords)),
                raw_ref=f"{self.name}:{msg_id}",
                deleted=deleted or data.deleted,
            )
        except ValueError as err:  # pydantic's ValidationError is a ValueError
            raise MalformedPayload(f"data: {err}", field="data") from None
        return QueuedMention(source=self.name, mention=mention, raw=data.model_dump(mode="json"))
