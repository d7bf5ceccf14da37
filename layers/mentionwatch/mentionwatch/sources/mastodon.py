"""Mastodon admin webhooks (`/webhooks/mastodon`) and the status mapping the hashtag poller shares.

- No challenge (Mastodon does not send one).
- Signature: `X-Hub-Signature: sha256=<hex HMAC-SHA256(webhook secret, raw body)>`.
- Secrets: `webhook_secret` (shown when the webhook is created in Administration → Webhooks).
- Payload: `{"event": "status.created"|"status.updated", "created_at", "object": <Status>}`. Other events
  (account.*, report.*) are ignored, and so are boosts and statuses that are not public or unlisted (admin
  webhooks see direct messages too: they are never stored).
The mention's native id is the status URI without its scheme: the same post has a different numeric id on
every instance, but one URI, so a post seen by the webhook and by a poller on another instance is one mention.
`in_reply_to_id` is such a per-instance number; a reply's parent is linked by the parent's URI instead, which
can be derived when the parent's author is an account of the instance that served the status (Mastodon's own
URIs are `https://<instance>/users/<username>/statuses/<id>`, the author found among the reply's `mentions`);
otherwise the reply keeps no parent rather than one that never matches.
Admin webhooks fire only for statuses posted on their own instance: posts from the rest of the fediverse reach
mentionwatch through the hashtag poller. An admin-defined payload template (Mastodon 4.3+) changes the body's
shape: such a body is refused by the parser and, being signed, kept for replay (clear the template).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MalformedPayload
from mentionwatch.models import Mention, Platform
from mentionwatch.sources._mapping import build_mention
from mentionwatch.sources._signing import check_prefixed_signature, require_secret
from mentionwatch.sources.base import Delivery, InboundRequest, QueuedMention, SourceSecrets, WebhookSource
from mentionwatch.sources.payloads import Uri, load_json, validate_payload
from mentionwatch.sources.registry import register

SIGNATURE_HEADER = "x-hub-signature"
HANDLED_EVENTS = frozenset({"status.created", "status.updated"})
PUBLIC_VISIBILITY = frozenset({"public", "unlisted"})


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Account(_Payload):
    id: str
    username: Annotated[str, Field(min_length=1)]
    acct: Annotated[str, Field(min_length=1)]
    display_name: str | None = None
    url: Uri | None = None
    followers_count: Annotated[int, Field(ge=0)] | None = None
    bot: bool = False


class MentionedAccount(_Payload):
    """An account a status mentions (`id`, `username`, `acct`, `url`): a reply mentions its parent's author."""

    id: str
    username: Annotated[str, Field(min_length=1)]
    acct: Annotated[str, Field(min_length=1)]
    url: str | None = None


class Status(_Payload):
    id: Annotated[str, Field(min_length=1)]
    uri: Annotated[Uri, Field(min_length=1)]
    url: Uri | None = None
    created_at: datetime
    content: str = ""
    spoiler_text: str = ""
    language: str | None = None
    visibility: str = "public"
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    account: Account
    mentions: list[MentionedAccount] = []
    replies_count: Annotated[int, Field(ge=0)] = 0
    reblogs_count: Annotated[int, Field(ge=0)] = 0
    favourites_count: Annotated[int, Field(ge=0)] = 0
    quotes_count: Annotated[int, Field(ge=0)] = 0
    reblog: dict[str, Any] | None = None
    edited_at: datetime | None = None


class Event(_Payload):
    event: Annotated[str, Field(min_length=1)]
    created_at: datetime | None = None
    object: Any = None


def native_id(status: Status) -> str:
    """`host/path` of the status URI: global, unlike the per-instance numeric id."""
    parts = urlsplit(status.uri)
    if parts.netloc:
        return f"{parts.netloc}{parts.path}".rstrip("/").replace("#", "/")
    return status.uri.replace(" ", "").replace("#", "/")


def parent_native_id(status: Status, instance_host: str | None = None) -> str | None:
    """The parent's native id (its URI without scheme), when the per-instance `in_reply_to_id` can be turned into
    one: the parent's author must be local to the instance that served the status (`instance_host`; for a
    webhook, the status's own instance)."""
    if not status.in_reply_to_id or not status.in_reply_to_id.isdigit():
        return None
    host = instance_host or (urlsplit(status.uri).netloc if "@" not in status.account.acct else None)
    if not host:
        return None
    if status.in_reply_to_account_id == status.account.id:
        author: Account | MentionedAccount | None = status.account  # a self-thread
    else:
        author = next((m for m in status.mentions if m.id == status.in_reply_to_account_id), None)
    if author is None or "@" in author.acct:  # unknown, or an account of another instance
        return None
    return f"{host}/users/{author.username}/statuses/{status.in_reply_to_id}"


def full_handle(account: Account) -> str:
    """`user@host` for local accounts too (Mastodon gives only `user` for them)."""
    if "@" in account.acct:
        return account.acct
    host = urlsplit(account.url or "").netloc
    return f"{account.acct}@{host}" if host else account.acct


def status_to_mention(
    status: Status, received_at: datetime, where: str = "object", instance_host: str | None = None
) -> Mention:
    text = f"{status.spoiler_text} {status.content}" if status.spoiler_text else status.content
    return build_mention(
        where,
        platform=Platform.MASTODON,
        native_id=native_id(status),
        permalink=status.url or status.uri,
        text=text,
        language=status.language,
        author=dict(
            handle=full_handle(status.account),
            display_name=status.account.display_name or None,
            id=status.account.id,
            followers=status.account.followers_count,
        ),
        created_at=status.created_at,
        received_at=received_at,
        thread=dict(parent_id=parent_native_id(status, instance_host)),
        engagement=dict(
            likes=status.favourites_count,
            replies=status.replies_count,
            reposts=status.reblogs_count,
            quotes=status.quotes_count,
        ),
        raw_ref=f"mastodon:{status.id}",
    )


def skip_reason(status: Status) -> str | None:
    if status.reblog is not None:
        return "status is a boost"
    if status.visibility not in PUBLIC_VISIBILITY:
        return f"status visibility {status.visibility} is not public"
    return None


@register
class MastodonSource(WebhookSource):
    name = "mastodon"

    def verify(self, request: InboundRequest, secrets: SourceSecrets) -> None:
        secret = require_secret(secrets, self.name, "webhook_secret")
        check_prefixed_signature(
            request, header=SIGNATURE_HEADER, prefix="sha256=", secret=secret, digest=hashlib.sha256
        )

    def parse(self, request: InboundRequest) -> Delivery:
        payload = load_json(request.body)
        if not isinstance(payload, dict):
            raise MalformedPayload("body must be a JSON object", field="body")
        if "event" not in payload or "object" not in payload:
            raise MalformedPayload(
                "body is not Mastodon's webhook payload (event, object): an admin payload template changes its "
                "shape; clear the template in Administration → Webhooks",
                field="event",
            )
        event = validate_payload(Event, payload)
        if event.event not in HANDLED_EVENTS:
            return Delivery(ignored=f"event type {event.event!r} is not handled")
        if not isinstance(event.object, dict):
            raise MalformedPayload("object: expected a status object", field="object")
        status = validate_payload(Status, event.object, prefix="object")
        reason = skip_reason(status)
        if reason:
            return Delivery(ignored=reason)
        mention = status_to_mention(status, request.received_at)
        return Delivery(items=(QueuedMention(source=self.name, mention=mention, raw=payload["object"]),))
