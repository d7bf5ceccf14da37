"""Receiving a webhook: find the source, prove the delivery, parse it, enqueue it. Nothing is enqueued unless
every check passed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MalformedPayload, MethodNotAllowed, PayloadTooLarge
from mentionwatch.models import Match
from mentionwatch.pipeline.kept import KeptDeliveries, KeptDelivery, bounded_headers, expiry, kept_id
from mentionwatch.secrets.provider import SecretsProvider
from mentionwatch.sources.base import ChallengeResponse, Delivery, InboundRequest, QueuedMention, WebhookSource
from mentionwatch.sources.payloads import check_entry_count
from mentionwatch.sources.registry import get_webhook_source

logger = Logger(child=True)
DEFAULT_BRAND = Match().brand
DEFAULT_KEEP_FOR = timedelta(days=30)


BrandMatcher = Callable[[str, str | None], Match | None]
"""(text, brand the platform named or None) → the watched brand and keywords the text mentions."""


BrandPostTagger = Callable[[QueuedMention], QueuedMention]
"""Marks an item written by one of the brand's own accounts (see `responses.recognise`)."""


class Enqueuer(Protocol):
    def enqueue(self, items: list[QueuedMention]) -> int: ...


class WebhookAccepted(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: int
    accepted: Annotated[int, Field(ge=0)]
    mention_ids: tuple[str, ...] = ()
    ignored: str | None = None
    kept: Annotated[str | None, Field(description="id of the kept delivery the parser refused")] = None


def _with_brand(item: QueuedMention, match_brand: BrandMatcher) -> QueuedMention:
    mention = item.mention
    if mention.match.brand != DEFAULT_BRAND or mention.deleted:
        return item
    match = match_brand(mention.text, None)
    if match is None:
        return item
    keywords = tuple(dict.fromkeys(mention.match.keywords + match.keywords))[:50]
    tagged = mention.model_copy(update={"match": Match(brand=match.brand, keywords=keywords)})
    return item.model_copy(update={"mention": tagged})


@dataclass(frozen=True)
class KeepRefused:
    """Where verified deliveries the parser refuses go, and for how long (the raw payload TTL)."""

    store: KeptDeliveries
    keep_for: timedelta = DEFAULT_KEEP_FOR


def receive_webhook(
    request: InboundRequest,
    secrets: SecretsProvider,
    queue: Enqueuer,
    match_brand: BrandMatcher | None = None,
    keep_refused: KeepRefused | None = None,
    tag_brand_post: BrandPostTagger | None = None,
) -> WebhookAccepted | ChallengeResponse:
    source = get_webhook_source(request.source)
    source_secrets = secrets.for_source(source.name)  # unconfigured source → UnknownSource (404)

    if request.method == "GET":
        return source.answer_challenge(request, source_secrets)
    if request.method != "POST":
        raise MethodNotAllowed(f"method {request.method} is not allowed; use POST", field="method")
    if len(request.body) > source.max_body_bytes:
        raise PayloadTooLarge(f"body is {len(request.body)} bytes; the limit is {source.max_body_bytes}", field="body")
    source.check_media_type(request)
    source.verify(request, source_secrets)

    try:
        delivery = source.parse(request)
    except MalformedPayload as err:
        if keep_refused is None:
            raise
        return _keep(source, request, err, keep_refused)
    return _enqueue(source, delivery, queue, match_brand, tag_brand_post)


def _keep(source: WebhookSource, request: InboundRequest, err: MalformedPayload, keep: KeepRefused) -> WebhookAccepted:
    """A signed body the parser refuses: keep it for a replay and answer 2xx so the platform stops retrying."""
    kept = KeptDelivery(
        id=kept_id(request.received_at),
        source=source.name,
        reason=str(err)[:500],
        field=err.field[:256] if err.field else None,
        received_at=request.received_at,
        headers=bounded_headers(dict(request.headers)),
        query=bounded_headers(dict(request.query)),
        body=request.body,
        expiration=expiry(request.received_at, keep.keep_for),
    )
    keep.store.keep(kept)
    logger.warning(
        "verified delivery refused by the parser: kept for replay",
        extra={"source": source.name, "kept_id": kept.id, "reason": kept.reason},
    )
    return WebhookAccepted(
        status=source.success_status, accepted=0, ignored=f"kept for replay: {kept.reason}", kept=kept.id
    )


def _enqueue(
    source: WebhookSource,
    delivery: Delivery,
    queue: Enqueuer,
    match_brand: BrandMatcher | None,
    tag_brand_post: BrandPostTagger | None = None,
) -> WebhookAccepted:
    check_entry_count(len(delivery.items), "body")
    if delivery.ignored:
        logger.info("delivery ignored", extra={"source": source.name, "reason": delivery.ignored})
        return WebhookAccepted(status=source.success_status, accepted=0, ignored=delivery.ignored)

    items = [tag_brand_post(item) for item in delivery.items] if tag_brand_post else list(delivery.items)
    if match_brand:
        items = [item if item.brand_account else _with_brand(item, match_brand) for item in items]
    queue.enqueue(items)
    return WebhookAccepted(
        status=source.success_status,
        accepted=len(items),
        mention_ids=tuple(item.mention.id for item in items),
    )


def replay_kept(
    kept: KeptDelivery,
    queue: Enqueuer,
    match_brand: BrandMatcher | None = None,
    tag_brand_post: BrandPostTagger | None = None,
) -> WebhookAccepted:
    """Parse a kept delivery again with today's parser and enqueue what it yields (no second signature check:
    it was verified on arrival). Raises `MalformedPayload` when the parser still refuses it."""
    source = get_webhook_source(kept.source)
    request = InboundRequest(
        source=kept.source,
        method="POST",
        headers=kept.headers,
        query=kept.query,
        body=kept.body,
        received_at=kept.received_at,
    )
    return _enqueue(source, source.parse(request), queue, match_brand, tag_brand_post)
