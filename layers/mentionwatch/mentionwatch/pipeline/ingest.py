"""Receiving a webhook: find the source, prove the delivery, parse it, enqueue it. Nothing is enqueued unless
every check passed."""

from __future__ import annotations

from typing import Annotated, Protocol

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MethodNotAllowed, PayloadTooLarge
from mentionwatch.secrets.provider import SecretsProvider
from mentionwatch.sources.base import ChallengeResponse, InboundRequest, QueuedMention
from mentionwatch.sources.registry import get_webhook_source

logger = Logger(child=True)


class Enqueuer(Protocol):
    def enqueue(self, items: list[QueuedMention]) -> int: ...


class WebhookAccepted(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: int
    accepted: Annotated[int, Field(ge=0)]
    mention_ids: tuple[str, ...] = ()
    ignored: str | None = None


def receive_webhook(
    request: InboundRequest, secrets: SecretsProvider, queue: Enqueuer
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

    queue.enqueue(list(delivery.items))
    return WebhookAccepted(
        status=source.success_status,
        accepted=len(delivery.items),
        mention_ids=tuple(item.mention.id for item in delivery.items),
    )
