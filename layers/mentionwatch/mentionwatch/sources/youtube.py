"""YouTube push notifications via WebSub (PubSubHubbub) for a channel's uploads (`/webhooks/youtube`).

- Challenge: `GET ?hub.mode=subscribe|unsubscribe&hub.topic=…&hub.challenge=…[&hub.lease_seconds=…]` → the
  challenge echoed as `text/plain`. When a `verify_token` secret is set, `hub.verify_token` must match (403).
  `hub.mode=denied` (the hub refusing a subscription) is acknowledged with an empty 200.
- Signature: `X-Hub-Signature: sha1=<hex HMAC-SHA1(hub_secret, raw body)>` (the `hub.secret` given when
  subscribing). A bad signature is a 401 here, as for every source; the WebSub spec would let a subscriber
  answer 2xx and drop it, but nothing is enqueued either way.
- Secrets: `hub_secret`; `verify_token` optional.
- Payload: an Atom feed; each `entry` (new or updated video) becomes a mention, each `at:deleted-entry` a
  deleted one. XML is parsed with `mentionwatch.xmlsafe` (DOCTYPE and entities refused).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # noqa: S405  (types only; parsing goes through mentionwatch.xmlsafe)
from datetime import datetime

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
from mentionwatch.sources.payloads import check_entry_count
from mentionwatch.sources.registry import register
from mentionwatch.xmlsafe import UnsafeXml, child_text, element_to_dict, parse_xml

SIGNATURE_HEADER = "x-hub-signature"
ATOM = "{http://www.w3.org/2005/Atom}"
YT = "{http://www.youtube.com/xml/schemas/2015}"
TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}"


def _datetime(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise MalformedPayload(f"{where}: {value!r} is not an ISO 8601 date-time", field=where) from None


def _video_id(ref: str | None) -> str | None:
    if ref and ref.startswith("yt:video:"):
        return ref.removeprefix("yt:video:") or None
    return ref or None


@register
class YouTubeSource(WebhookSource):
    name = "youtube"
    accepted_media_types = frozenset({"application/atom+xml", "application/xml", "text/xml"})
    success_status = 202

    def answer_challenge(self, request: InboundRequest, secrets: SourceSecrets) -> ChallengeResponse:
        mode = request.query.get("hub.mode")
        if mode == "denied":
            return ChallengeResponse(body="")
        if mode not in ("subscribe", "unsubscribe"):
            raise MalformedPayload("query parameter hub.mode must be subscribe or unsubscribe", field="hub.mode")
        for parameter in ("hub.topic", "hub.challenge"):
            if not request.query.get(parameter):
                raise MalformedPayload(f"query parameter {parameter} is missing", field=parameter)
        lease = request.query.get("hub.lease_seconds")
        if mode == "subscribe" and lease is not None and not lease.isdigit():
            raise MalformedPayload("hub.lease_seconds must be a whole number of seconds", field="hub.lease_seconds")
        expected = secrets.get("verify_token")
        if mode == "unsubscribe" and not expected:
            # Anyone can ask the hub to unsubscribe our callback; only a verify token proves the request is ours.
            raise Forbidden("unsubscribing needs a configured verify_token", field="hub.verify_token")
        if expected and not tokens_equal(request.query.get("hub.verify_token"), expected):
            raise Forbidden("hub.verify_token does not match", field="hub.verify_token")
        return ChallengeResponse(body=request.query["hub.challenge"], content_type="text/plain")

    def verify(self, request: InboundRequest, secrets: SourceSecrets) -> None:
        secret = require_secret(secrets, self.name, "hub_secret")
        check_prefixed_signature(request, header=SIGNATURE_HEADER, prefix="sha1=", secret=secret, digest=hashlib.sha1)

    def parse(self, request: InboundRequest) -> Delivery:
        try:
            root = parse_xml(request.body)
        except UnsafeXml as err:
            raise MalformedPayload(f"body: {err}", field="body") from None
        if root.tag != f"{ATOM}feed":
            raise MalformedPayload("body: expected an Atom <feed> document", field="body")
        entries, tombstones = root.findall(f"{ATOM}entry"), root.findall(f"{TOMBSTONE}deleted-entry")
        check_entry_count(len(entries) + len(tombstones), "feed.entry")
        items: list[QueuedMention] = []
        for index, entry in enumerate(entries):
            items.append(self._entry(entry, index, request))
        for index, tombstone in enumerate(tombstones):
            items.append(self._deleted(tombstone, index, request))
        if not items:
            return Delivery(ignored="feed has no entries")
        return Delivery(items=tuple(items))

    def _entry(self, entry: ET.Element, index: int, request: InboundRequest) -> QueuedMention:
        where = f"feed.entry.{index}"
        video_id = child_text(entry, f"{YT}videoId") or _video_id(child_text(entry, f"{ATOM}id"))
        if not video_id:
            raise MalformedPayload(f"{where}.videoId: Field required", field=f"{where}.videoId")
        channel_id = child_text(entry, f"{YT}channelId")
        link = next(
            (el.get("href") for el in entry.findall(f"{ATOM}link") if el.get("rel", "alternate") == "alternate"),
            None,
        )
        author = entry.find(f"{ATOM}author")
        author_name = child_text(author, f"{ATOM}name") if author is not None else None
        published = _datetime(child_text(entry, f"{ATOM}published"), f"{where}.published")
        updated = _datetime(child_text(entry, f"{ATOM}updated"), f"{where}.updated")
        mention = build_mention(
            where,
            platform=Platform.YOUTUBE,
            native_id=video_id,
            permalink=link or f"https://www.youtube.com/watch?v={video_id}",
            text=child_text(entry, f"{ATOM}title") or "",
            author=dict(handle=channel_id or author_name or "unknown", display_name=author_name, id=channel_id),
            created_at=published or updated or request.received_at,
            received_at=request.received_at,
            raw_ref=f"youtube:{video_id}",
        )
        return QueuedMention(source=self.name, mention=mention, raw=element_to_dict(entry))

    def _deleted(self, tombstone: ET.Element, index: int, request: InboundRequest) -> QueuedMention:
        where = f"feed.deleted-entry.{index}"
        video_id = _video_id(tombstone.get("ref"))
        if not video_id:
            raise MalformedPayload(f"{where}.ref: Field required", field=f"{where}.ref")
        by = tombstone.find(f"{TOMBSTONE}by")
        name = child_text(by, f"{ATOM}name") if by is not None else None
        uri = child_text(by, f"{ATOM}uri") if by is not None else None
        channel_id = uri.rstrip("/").rsplit("/", 1)[-1] if uri else None
        when = _datetime(tombstone.get("when"), f"{where}.when") or request.received_at
        mention: Mention = build_mention(
            where,
            platform=Platform.YOUTUBE,
            native_id=video_id,
            permalink=f"https://www.youtube.com/watch?v={video_id}",
            text="",
            author=dict(handle=channel_id or name or "unknown", display_name=name, id=channel_id),
            created_at=when,
            received_at=request.received_at,
            raw_ref=f"youtube:{video_id}",
            deleted=True,
        )
        return QueuedMention(source=self.name, mention=mention, raw=element_to_dict(tombstone))
