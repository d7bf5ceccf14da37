"""Signed hostile deliveries: bodies signed with the dev secrets (`events/dev-secrets.json`) exactly as each platform
signs them, so they get past verification and reach the parser. Used by the hostile-body tests and the fuzz suite.

`deliver` runs the webhook domain path (`receive_webhook`) with the real SQS adapter over a recording client: a
client mistake comes back as its 4xx status, and anything the queue accepted is decoded again the way the
process function decodes it. Any other exception propagates, which is what a 500 would be.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mentionwatch.exceptions import MentionwatchError
from mentionwatch.pipeline.ingest import receive_webhook
from mentionwatch.queue.sqs import MentionQueue
from mentionwatch.secrets.provider import FileSecretsProvider
from mentionwatch.sources.base import InboundRequest, QueuedMention

DEV_SECRETS = Path(__file__).resolve().parent.parent / "events" / "dev-secrets.json"
SECRETS = json.loads(DEV_SECRETS.read_text())
WEBHOOK_SOURCES = ("standard", "x", "facebook", "instagram", "mastodon", "youtube")


def _hmac(secret: bytes, body: bytes, digest: Any) -> bytes:
    return hmac.new(secret, body, digest).digest()


def signed_headers(source: str, body: bytes) -> dict[str, str]:
    """The headers each platform sends, signed over `body` (computed here, independently of the code)."""
    if source == "standard":
        from tests.support import standard_webhook_headers

        return standard_webhook_headers(body)
    if source == "x":
        mac = _hmac(SECRETS["x"]["consumer_secret"].encode(), body, hashlib.sha256)
        signature = "sha256=" + base64.b64encode(mac).decode()
        return {"content-type": "application/json", "x-twitter-webhooks-signature": signature}
    if source in ("facebook", "instagram"):
        mac = _hmac(SECRETS[source]["app_secret"].encode(), body, hashlib.sha256)
        return {"content-type": "application/json", "x-hub-signature-256": "sha256=" + mac.hex()}
    if source == "mastodon":
        mac = _hmac(SECRETS["mastodon"]["webhook_secret"].encode(), body, hashlib.sha256)
        return {"content-type": "application/json", "x-hub-signature": "sha256=" + mac.hex()}
    if source == "youtube":
        mac = _hmac(SECRETS["youtube"]["hub_secret"].encode(), body, hashlib.sha1)
        return {"content-type": "application/atom+xml", "x-hub-signature": "sha1=" + mac.hex()}
    raise ValueError(source)


class RecordingSqs:
    """Accepts every `send_message_batch` and keeps the bodies."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.bodies.extend(entry["MessageBody"] for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries], "Failed": []}


@dataclass
class Answer:
    status: int
    code: str | None = None
    field: str | None = None
    queued: list[QueuedMention] = dataclasses.field(default_factory=list)


def deliver(source: str, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    """POST a signed `body` to `source`; the status the webhook function would answer and what it queued."""
    request = InboundRequest(
        source=source,
        method="POST",
        headers=headers if headers is not None else signed_headers(source, body),
        query={},
        body=body,
        received_at=datetime.now(UTC),
    )
    sqs = RecordingSqs()
    try:
        outcome = receive_webhook(request, FileSecretsProvider(DEV_SECRETS), MentionQueue(sqs, "queue-url"))
    except MentionwatchError as error:
        assert error.status < 500, f"{source}: {error.code} {error.message}"
        return Answer(error.status, error.code, error.field)
    queued = [QueuedMention.model_validate_json(text) for text in sqs.bodies]  # as the process function reads them
    for text in sqs.bodies:
        text.encode("utf-8")  # what SQS and DynamoDB need: no lone surrogates
    return Answer(int(getattr(outcome, "status", 200)), queued=queued)
