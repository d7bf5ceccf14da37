"""X (Twitter): Account Activity API and v2 filtered-stream webhooks.

- Challenge (CRC): `GET ?crc_token=…` →
  `{"response_token": "sha256=" + base64(HMAC-SHA256(consumer_secret, crc_token))}`.
- Signature: `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer_secret, raw body)>`.
- Secrets: `consumer_secret` (the app's API secret key).
- Payloads: v1.1 `tweet_create_events` (extended tweets, retweets, replies) and `tweet_delete_events`; v2
  `{"data", "includes", "matching_rules"}` (one post, or a list of them). Anything else is ignored.
X sends no delivery id or timestamp: duplicates are recognised by the post id (the mention id).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MalformedPayload
from mentionwatch.models import BrandAccount, Mention, Platform
from mentionwatch.sources._mapping import build_mention
from mentionwatch.sources._signing import check_prefixed_signature, hmac_digest, require_secret
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

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
TWITTER_EPOCH_MS = 1288834974657
_HANDLED_V1 = ("tweet_create_events", "tweet_delete_events")
MAX_VERSIONS = 20  # of an edit chain kept on the mention (X allows 5 edits)


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    return (
        "sha256=" + base64.b64encode(hmac_digest(consumer_secret, crc_token.encode("utf-8"), hashlib.sha256)).decode()
    )


def snowflake_time(post_id: str) -> datetime:
    """When X created a post, read from its id (ids are snowflakes: milliseconds since the X epoch << 22)."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def permalink(handle: str | None, post_id: str) -> str:
    return f"https://x.com/{handle or 'i/web'}/status/{post_id}"


def later_versions(original_id: str, chain: list[str]) -> tuple[str, ...]:
    """The edit chain's other post ids (X allows 5 edits; a longer chain is cut): a deletion of any version deletes
    the whole chain, so each of them must lead to the mention stored under the original id."""
    seen: dict[str, None] = {}
    for post_id in chain:
        if post_id != original_id and post_id.isdigit() and len(post_id) <= 20:
            seen.setdefault(post_id)
    return tuple(seen)[:MAX_VERSIONS]


def _language(value: str | None) -> str | None:
    return None if value in (None, "", "und") else value


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- v1.1 (Account Activity API) ----------------------------------------------------------------------
class V1User(_Payload):
    id_str: Annotated[str, Field(min_length=1)]
    screen_name: Annotated[str, Field(min_length=1)]
    name: str | None = None
    followers_count: Annotated[int, Field(ge=0)] | None = None
    verified: bool = False


class V1Extended(_Payload):
    full_text: str


class V1EditHistory(_Payload):
    """Each edit is a new post id; the chain starts with the original (docs: "Edit Tweets")."""

    initial_tweet_id: str | None = None
    edit_tweet_ids: list[str] = []


class V1Tweet(_Payload):
    id_str: Annotated[str, Field(pattern=r"^\d{1,20}$")]
    created_at: str | None = None
    text: str | None = None
    full_text: str | None = None
    truncated: bool = False
    extended_tweet: V1Extended | None = None
    user: V1User
    in_reply_to_status_id_str: str | None = None
    lang: str | None = None
    reply_count: Annotated[int, Field(ge=0)] = 0
    retweet_count: Annotated[int, Field(ge=0)] = 0
    favorite_count: Annotated[int, Field(ge=0)] = 0
    quote_count: Annotated[int, Field(ge=0)] = 0
    retweeted_status: V1Tweet | None = None
    quoted_status_id_str: str | None = None
    quoted_status: V1Tweet | None = None
    edit_history: V1EditHistory | None = None

    @property
    def original_id(self) -> str:
        """The id of the first version: every edit of a post is stored as that one mention."""
        history = self.edit_history
        chain = ([history.initial_tweet_id] if history and history.initial_tweet_id else []) + (
            history.edit_tweet_ids if history else []
        )
        first = chain[0] if chain else self.id_str
        return first if first.isdigit() and len(first) <= 20 else self.id_str

    @property
    def versions(self) -> tuple[str, ...]:
        history = self.edit_history
        chain = [history.initial_tweet_id or "", *history.edit_tweet_ids, self.id_str] if history else []
        return later_versions(self.original_id, chain)

    @property
    def quoted_id(self) -> str | None:
        if self.quoted_status is not None:
            return self.quoted_status.original_id
        return self.quoted_status_id_str or None

    @property
    def full(self) -> str:
        """The whole text: `extended_tweet.full_text` when X truncated `text` at 140 characters."""
        if self.extended_tweet is not None:
            return self.extended_tweet.full_text
        return self.full_text or self.text or ""

    @property
    def created(self) -> datetime:
        if self.created_at:
            try:
                return datetime.strptime(self.created_at, "%a %b %d %H:%M:%S %z %Y")
            except ValueError:
                pass
        return snowflake_time(self.id_str)


class V1CreateEvents(_Payload):
    for_user_id: str | None = None
    tweet_create_events: list[V1Tweet]


class V1DeletedStatus(_Payload):
    id: Annotated[str, Field(pattern=r"^\d{1,20}$")]
    user_id: str | None = None


class V1DeleteEvent(_Payload):
    status: V1DeletedStatus
    timestamp_ms: str | None = None


class V1DeleteEvents(_Payload):
    for_user_id: str | None = None
    tweet_delete_events: list[V1DeleteEvent]


# --- v2 (filtered-stream webhooks) ---------------------------------------------------------------------
class V2Metrics(_Payload):
    retweet_count: Annotated[int, Field(ge=0)] = 0
    reply_count: Annotated[int, Field(ge=0)] = 0
    like_count: Annotated[int, Field(ge=0)] = 0
    quote_count: Annotated[int, Field(ge=0)] = 0
    impression_count: Annotated[int, Field(ge=0)] | None = None


class V2Reference(_Payload):
    type: str
    id: str


class V2NoteTweet(_Payload):
    text: str


class V2Post(_Payload):
    id: Annotated[str, Field(pattern=r"^\d{1,20}$")]
    text: str
    author_id: str | None = None
    created_at: datetime | None = None
    conversation_id: str | None = None
    lang: str | None = None
    public_metrics: V2Metrics = V2Metrics()
    referenced_tweets: list[V2Reference] = []
    note_tweet: V2NoteTweet | None = None
    edit_history_tweet_ids: list[str] = []  # oldest first; more than one: this is an edited version

    @property
    def original_id(self) -> str:
        first = self.edit_history_tweet_ids[0] if self.edit_history_tweet_ids else self.id
        return first if first.isdigit() and len(first) <= 20 else self.id

    @property
    def versions(self) -> tuple[str, ...]:
        return later_versions(self.original_id, [*self.edit_history_tweet_ids, self.id])


class V2UserMetrics(_Payload):
    followers_count: Annotated[int, Field(ge=0)] | None = None


class V2User(_Payload):
    id: str
    username: Annotated[str, Field(min_length=1)]
    name: str | None = None
    verified: bool = False
    public_metrics: V2UserMetrics = V2UserMetrics()


class V2Includes(_Payload):
    users: list[V2User] = []


class V2Rule(_Payload):
    id: str | None = None
    tag: str | None = None


class V2Delivery(_Payload):
    data: V2Post
    includes: V2Includes = V2Includes()
    matching_rules: list[V2Rule] = []


@register
class XSource(WebhookSource):
    name = "x"

    def answer_challenge(self, request: InboundRequest, secrets: SourceSecrets) -> ChallengeResponse:
        crc_token = request.query.get("crc_token")
        if not crc_token:
            raise MalformedPayload("query parameter crc_token is missing", field="crc_token")
        secret = require_secret(secrets, self.name, "consumer_secret")
        body = json.dumps({"response_token": crc_response_token(secret, crc_token)})
        return ChallengeResponse(body=body, content_type="application/json")

    def verify(self, request: InboundRequest, secrets: SourceSecrets) -> None:
        secret = require_secret(secrets, self.name, "consumer_secret")
        check_prefixed_signature(
            request,
            header=SIGNATURE_HEADER,
            prefix="sha256=",
            secret=secret,
            digest=hashlib.sha256,
            encoding="base64",
        )

    def parse(self, request: InboundRequest) -> Delivery:
        payload = load_json(request.body)
        if isinstance(payload, list):  # several v2 posts in one delivery
            if not payload:
                return Delivery(ignored="empty list of posts")
            items: list[QueuedMention] = []
            for index, element in enumerate(payload):
                if not isinstance(element, dict) or "data" not in element:
                    raise MalformedPayload(f"[{index}]: expected a post object with data", field=f"[{index}]")
                items.extend(self._v2(element, request, prefix=f"[{index}]"))
            return Delivery(items=tuple(items))
        if not isinstance(payload, dict):
            raise MalformedPayload("body must be a JSON object", field="body")
        if "tweet_create_events" in payload:
            events = validate_payload(V1CreateEvents, payload)
            return Delivery(
                items=tuple(
                    self._v1(tweet, raw, request, events.for_user_id)
                    for tweet, raw in zip(events.tweet_create_events, payload["tweet_create_events"], strict=True)
                )
            )
        if "tweet_delete_events" in payload:
            deletions = validate_payload(V1DeleteEvents, payload)
            return Delivery(
                items=tuple(
                    self._deleted(event, raw, request, deletions.for_user_id)
                    for event, raw in zip(deletions.tweet_delete_events, payload["tweet_delete_events"], strict=True)
                )
            )
        if "data" in payload:
            return Delivery(items=tuple(self._v2(payload, request)))
        kinds = sorted(key for key in payload if key.endswith("_events")) or sorted(payload)[:3]
        return Delivery(ignored=f"event type {', '.join(kinds) or '(empty object)'} is not handled")

    # --- mapping ---------------------------------------------------------------------------------------
    def _v1(self, tweet: V1Tweet, raw: Any, request: InboundRequest, for_user_id: str | None) -> QueuedMention:
        text = tweet.full
        if tweet.retweeted_status is not None:
            original = tweet.retweeted_status
            text = f"RT @{original.user.screen_name}: {original.full}"
        quoted = tweet.quoted_id
        return self._queued(
            build_mention(
                platform=Platform.X,
                native_id=tweet.original_id,  # an edit updates the mention of the original post
                versions=tweet.versions,
                permalink=permalink(tweet.user.screen_name, tweet.id_str),
                text=text,
                language=_language(tweet.lang),
                author=dict(
                    handle=tweet.user.screen_name,
                    display_name=tweet.user.name,
                    id=tweet.user.id_str,
                    followers=tweet.user.followers_count,
                    verified=tweet.user.verified,
                ),
                created_at=tweet.created,
                received_at=request.received_at,
                # A quote joins the quoted post's conversation for counting (v1.1 has no conversation id).
                thread=dict(
                    root_id=None if tweet.in_reply_to_status_id_str else quoted,
                    parent_id=tweet.in_reply_to_status_id_str,
                    quote_of=quoted,
                ),
                engagement=dict(
                    likes=tweet.favorite_count,
                    replies=tweet.reply_count,
                    reposts=tweet.retweet_count,
                    quotes=tweet.quote_count,
                ),
                raw_ref=f"x:{tweet.id_str}",
            ),
            raw,
            # Account Activity delivers the subscribed account's own posts too: those are the brand speaking.
            own_account=for_user_id if for_user_id and tweet.user.id_str == for_user_id else None,
        )

    def _deleted(
        self, event: V1DeleteEvent, raw: Any, request: InboundRequest, for_user_id: str | None
    ) -> QueuedMention:
        """X sends these for the subscribed account's own posts only: the brand deleting its post (any version of
        an edited one: the pipeline follows the version to the post stored under its first id)."""
        status = event.status
        deleted_at = (
            epoch_time(event.timestamp_ms, "tweet_delete_events.timestamp_ms", millis=True)
            if event.timestamp_ms
            else request.received_at
        )
        return self._queued(
            build_mention(
                platform=Platform.X,
                native_id=status.id,
                permalink=permalink(None, status.id),
                text="",
                author=dict(handle=status.user_id or "unknown", id=status.user_id),
                created_at=snowflake_time(status.id),
                received_at=deleted_at,
                raw_ref=f"x:{status.id}",
                deleted=True,
            ),
            raw,
            own_account=for_user_id if for_user_id and status.user_id == for_user_id else None,
        )

    def _v2(self, payload: dict[str, Any], request: InboundRequest, prefix: str = "") -> list[QueuedMention]:
        delivery = validate_payload(V2Delivery, payload, prefix=prefix)
        post = delivery.data
        users = {user.id: user for user in delivery.includes.users}
        user = users.get(post.author_id or "")
        parent = next((ref.id for ref in post.referenced_tweets if ref.type == "replied_to"), None)
        quoted = next((ref.id for ref in post.referenced_tweets if ref.type == "quoted"), None)
        native_id = post.original_id  # an edit updates the mention of the original post
        conversation = post.conversation_id
        root = conversation if conversation and conversation not in (post.id, native_id) else None
        root = root or (None if parent else quoted)  # a quote joins the quoted post's conversation
        handle = user.username if user else (post.author_id or "unknown")
        metrics = post.public_metrics
        tags = tuple(rule.tag for rule in delivery.matching_rules if rule.tag)
        mention = build_mention(
            prefix,
            platform=Platform.X,
            native_id=native_id,
            versions=post.versions,
            permalink=permalink(user.username if user else None, post.id),
            text=post.note_tweet.text if post.note_tweet else post.text,
            language=_language(post.lang),
            author=dict(
                handle=handle,
                display_name=user.name if user else None,
                id=post.author_id,
                followers=user.public_metrics.followers_count if user else None,
                verified=user.verified if user else False,
            ),
            created_at=post.created_at or snowflake_time(post.id),
            received_at=request.received_at,
            thread=dict(root_id=root, parent_id=parent, quote_of=quoted),
            engagement=dict(
                likes=metrics.like_count,
                replies=metrics.reply_count,
                reposts=metrics.retweet_count,
                quotes=metrics.quote_count,
                views=metrics.impression_count,
            ),
            match=dict(keywords=tags[:50]),
            raw_ref=f"x:{post.id}",
        )
        return [self._queued(mention, payload)]

    def _queued(self, mention: Mention, raw: Any, own_account: str | None = None) -> QueuedMention:
        account = BrandAccount(platform=Platform.X, account=own_account) if own_account else None
        return QueuedMention(source=self.name, mention=mention, raw=raw, brand_account=account)
