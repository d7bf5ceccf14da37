"""Meta: Page feed changes (`/webhooks/facebook`), Instagram comments, @mentions (`/webhooks/instagram`).

- Challenge: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` → the challenge as `text/plain`
  when the token matches the `verify_token` secret; 403 otherwise.
- Signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>`, over the bytes as sent
  (Meta escapes non-ASCII as `\\uXXXX`; re-serialising the JSON would break the signature).
- Secrets: `app_secret`, `verify_token` (one app usually serves both sources; each source has its own entry).
- Payloads: `{"object": "page"|"instagram", "entry": [{"id", "time", "changes": [{"field", "value"}]}]}`,
  batched. Page `feed` changes for posts, statuses, photos, videos, shares and comments, by verb: `add` (new),
  `edit` / `edited` / `update` (the stored mention's text is updated, never paged again), `remove` / `delete`
  (marked deleted), `hide` (marked hidden: out of the queues, never paged) and `unhide` (shown again). The
  Page `mention` field (the Page @-mentioned in someone else's post or comment) has the same shape and verbs;
  Meta sends it only when the Page's app subscription lists it (`subscribed_fields=feed,mention`; the feed
  field alone does not carry it). Instagram `comments`, `live_comments` and `mentions`. Everything else
  (reactions, likes, messaging, other objects) is ignored.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import Forbidden, MalformedPayload
from mentionwatch.models import Mention, Platform
from mentionwatch.sources._mapping import build_mention
from mentionwatch.sources._signing import check_prefixed_signature, require_secret, tokens_equal
from mentionwatch.sources.base import (
    ChallengeResponse,
    Delivery,
    InboundRequest,
    QueuedMention,
    SourceSecrets,
    WebhookSource,
)
from mentionwatch.sources.payloads import epoch_time, load_json, validate_payload
from mentionwatch.sources.registry import register

SIGNATURE_HEADER = "x-hub-signature-256"
FEED_ITEMS = frozenset({"post", "status", "photo", "video", "share", "link", "comment"})
PAGE_FIELDS = frozenset({"feed", "mention"})
LIVE_VERBS = frozenset({"add", "edit", "edited", "update"})
DELETE_VERBS = frozenset({"remove", "delete"})
VISIBILITY_VERBS = {"hide": True, "unhide": False}
FEED_VERBS = LIVE_VERBS | DELETE_VERBS | VISIBILITY_VERBS.keys()
INSTAGRAM_FIELDS = frozenset({"comments", "live_comments", "mentions"})
UNKNOWN_AUTHOR = "unknown"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Change(_Payload):
    field: Annotated[str, Field(min_length=1)]
    value: Any = None


class Entry(_Payload):
    id: str
    time: int | None = None
    changes: list[Change] = []
    # Business Login for Instagram puts one change directly on the entry.
    field: str | None = None
    value: Any = None

    def all_changes(self) -> list[Change]:
        if self.changes:
            return self.changes
        if self.field:
            return [Change(field=self.field, value=self.value)]
        return []


class Notification(_Payload):
    object: Annotated[str, Field(min_length=1)]
    entry: list[Entry]


class FacebookFrom(_Payload):
    id: str
    name: str | None = None


class FacebookPost(_Payload):
    id: str | None = None
    permalink_url: str | None = None
    status_type: str | None = None


class FeedValue(_Payload):
    item: str
    verb: str
    post_id: str | None = None
    comment_id: str | None = None
    parent_id: str | None = None
    created_time: int | str | None = None
    message: str | None = None
    from_: Annotated[FacebookFrom | None, Field(alias="from")] = None
    post: FacebookPost | None = None
    link: str | None = None
    # The Page `mention` field names the author with sender_id / sender_name instead of `from`.
    sender_id: str | None = None
    sender_name: str | None = None

    @property
    def author(self) -> FacebookFrom | None:
        if self.from_ is not None:
            return self.from_
        return FacebookFrom(id=self.sender_id, name=self.sender_name) if self.sender_id else None


class InstagramFrom(_Payload):
    id: str | None = None
    username: str | None = None


class InstagramMedia(_Payload):
    id: str | None = None
    media_product_type: str | None = None


class InstagramComment(_Payload):
    id: Annotated[str, Field(min_length=1)]
    text: str = ""
    parent_id: str | None = None
    from_: Annotated[InstagramFrom | None, Field(alias="from")] = None
    media: InstagramMedia | None = None


class InstagramMention(_Payload):
    media_id: str | None = None
    comment_id: str | None = None


def _epoch(value: int | str | None, fallback: datetime, field: str) -> datetime:
    if isinstance(value, int):
        return epoch_time(value, field)
    if isinstance(value, str) and value:
        try:  # the Graph API's own format, e.g. 2024-05-01T10:00:00+0000
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            if value.isdigit():
                return epoch_time(value, field)
    return fallback


class MetaSource(WebhookSource):
    """Shared by the Facebook and Instagram sources: same handshake, signature and envelope.

    Either path accepts either object (`page` or `instagram`), so one callback URL may serve both; the
    mention's platform follows the object, the secrets follow the path.
    """

    def answer_challenge(self, request: InboundRequest, secrets: SourceSecrets) -> ChallengeResponse:
        mode = request.query.get("hub.mode")
        challenge = request.query.get("hub.challenge")
        if mode != "subscribe":
            raise MalformedPayload("query parameter hub.mode must be 'subscribe'", field="hub.mode")
        if not challenge:
            raise MalformedPayload("query parameter hub.challenge is missing", field="hub.challenge")
        expected = require_secret(secrets, self.name, "verify_token")
        if not tokens_equal(request.query.get("hub.verify_token"), expected):
            raise Forbidden("hub.verify_token does not match", field="hub.verify_token")
        return ChallengeResponse(body=challenge, content_type="text/plain")

    def verify(self, request: InboundRequest, secrets: SourceSecrets) -> None:
        secret = require_secret(secrets, self.name, "app_secret")
        check_prefixed_signature(
            request, header=SIGNATURE_HEADER, prefix="sha256=", secret=secret, digest=hashlib.sha256
        )

    def parse(self, request: InboundRequest) -> Delivery:
        payload = load_json(request.body)
        if not isinstance(payload, dict):
            raise MalformedPayload("body must be a JSON object", field="body")
        notification = validate_payload(Notification, payload)
        if notification.object not in ("page", "instagram"):
            return Delivery(ignored=f"object {notification.object!r} is not handled")
        items: list[QueuedMention] = []
        unhandled: set[str] = set()
        for e_index, entry in enumerate(notification.entry):
            entry_time = _epoch(entry.time, request.received_at, f"entry.{e_index}.time")
            raw_changes = payload["entry"][e_index].get("changes") or [payload["entry"][e_index]]
            for c_index, change in enumerate(entry.all_changes()):
                where = f"entry.{e_index}.changes.{c_index}.value"
                raw = raw_changes[c_index].get("value") if c_index < len(raw_changes) else change.value
                if notification.object == "page":
                    mention = self._feed(change, entry, entry_time, request, where, unhandled)
                else:
                    mention = self._instagram(change, entry, entry_time, request, where, unhandled)
                if mention is not None:
                    items.append(QueuedMention(source=self.name, mention=mention, raw=raw))
        if not items:
            reasons = ", ".join(sorted(unhandled)) or "no changes"
            return Delivery(ignored=f"{notification.object} {reasons} not handled")
        return Delivery(items=tuple(items))

    # --- Facebook Page feed --------------------------------------------------------------------------
    def _feed(
        self,
        change: Change,
        entry: Entry,
        entry_time: datetime,
        request: InboundRequest,
        where: str,
        unhandled: set[str],
    ) -> Mention | None:
        if change.field not in PAGE_FIELDS:
            unhandled.add(f"field {change.field}")
            return None
        if not isinstance(change.value, dict):
            raise MalformedPayload(f"{where}: expected an object", field=where)
        value = validate_payload(FeedValue, change.value, prefix=where)
        if value.item not in FEED_ITEMS or value.verb not in FEED_VERBS:
            unhandled.add(f"{change.field} {value.item}/{value.verb}")
            return None
        is_comment = value.item == "comment"
        native_id = value.comment_id if is_comment else value.post_id
        if not native_id:
            missing = "comment_id" if is_comment else "post_id"
            raise MalformedPayload(f"{where}.{missing}: Field required", field=f"{where}.{missing}")
        author = value.author
        permalink = (value.post.permalink_url if value.post and not is_comment else None) or (
            f"https://www.facebook.com/{native_id}"
        )
        return build_mention(
            where,
            platform=Platform.FACEBOOK,
            native_id=native_id,
            permalink=permalink,
            text=value.message or "",
            author=dict(
                handle=author.id if author else UNKNOWN_AUTHOR,
                display_name=author.name if author else None,
                id=author.id if author else None,
            ),
            created_at=_epoch(value.created_time, entry_time, f"{where}.created_time"),
            received_at=request.received_at,
            thread=dict(
                root_id=value.post_id if is_comment else None,
                parent_id=value.parent_id if is_comment else None,
            ),
            raw_ref=f"facebook:{entry.id}:{native_id}",
            deleted=value.verb in DELETE_VERBS,
            hidden=VISIBILITY_VERBS.get(value.verb),
        )

    # --- Instagram -------------------------------------------------------------------------------------
    def _instagram(
        self,
        change: Change,
        entry: Entry,
        entry_time: datetime,
        request: InboundRequest,
        where: str,
        unhandled: set[str],
    ) -> Mention | None:
        if change.field not in INSTAGRAM_FIELDS:
            unhandled.add(f"field {change.field}")
            return None
        if not isinstance(change.value, dict):
            raise MalformedPayload(f"{where}: expected an object", field=where)
        if change.field == "mentions":
            # Meta sends only ids for an @mention; the text needs a Graph API call (mentioned_comment /
            # mentioned_media). The mention is recorded with empty text so nobody misses it.
            ref = validate_payload(InstagramMention, change.value, prefix=where)
            native_id = ref.comment_id or ref.media_id
            if not native_id:
                raise MalformedPayload(f"{where}.comment_id: Field required", field=f"{where}.comment_id")
            return build_mention(
                where,
                platform=Platform.INSTAGRAM,
                native_id=native_id,
                text="",
                author=dict(handle=UNKNOWN_AUTHOR),
                created_at=entry_time,
                received_at=request.received_at,
                thread=dict(root_id=ref.media_id if ref.comment_id else None),
                raw_ref=f"instagram:{entry.id}:{native_id}",
            )
        comment = validate_payload(InstagramComment, change.value, prefix=where)
        author = comment.from_ or InstagramFrom()
        media_id = comment.media.id if comment.media else None
        return build_mention(
            where,
            platform=Platform.INSTAGRAM,
            native_id=comment.id,
            text=comment.text,
            author=dict(handle=author.username or author.id or UNKNOWN_AUTHOR, id=author.id),
            created_at=entry_time,  # comment notifications carry no timestamp of their own
            received_at=request.received_at,
            thread=dict(root_id=media_id, parent_id=comment.parent_id or media_id),
            raw_ref=f"instagram:{entry.id}:{comment.id}",
        )


@register
class FacebookSource(MetaSource):
    name = "facebook"


@register
class InstagramSource(MetaSource):
    name = "instagram"
