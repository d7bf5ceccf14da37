"""Receiving a webhook: find the source, prove the delivery, parse it, enqueue it. Nothing is enqueued unless
every check passed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MethodNotAllowed, PayloadTooLarge
from mentionwatch.models import Match
from mentionwatch.secrets.provider import SecretsProvider
from mentionwatch.sources.base import ChallengeResponse, InboundRequest, QueuedMention
from mentionwatch.sources.registry import get_webhook_source

logger = Logger(child=True)
DEFAULT_BRAND = Match().brand


BrandMatcher = Callable[[str, str | None], Match | None]
"""(text, brand the platform named or None) → the watched brand and keywords the text mentions."""


class Enqueuer(Protocol):
    def enqueue(self, items: list[QueuedMention]) -> int: ...


class WebhookAccepted(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: int
    accepted: Annotated[int, Field(ge=0)]
    mention_ids: tuple[str, ...] = ()
    ignored: str | None = None


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


def receive_webhook(
    request: InboundRequest,
    secrets: SecretsProvider,
    queue: Enqueuer,
    match_brand: BrandMatcher | None = None,
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

    delivery = source.parse(request)
    if delivery.ignored:
        logger.info("delivery ignored", extra={"source": source.name, "reason": delivery.ignored})
        return WebhookAccepted(status=source.success_status, accepted=0, ignored=delivery.ignored)

    items = [_with_brand(item, match_brand) for item in delivery.items] if match_brand else list(delivery.items)
    queue.enqueue(items)
    return WebhookAccepted(
        status=source.success_status,
        accepted=len(items),
        mention_ids=tuple(item.mention.id for item in items),
    )
