"""What a webhook source is: it proves a delivery genuine, answers subscription challenges and parses payloads.

A platform is one module in this package that defines a `WebhookSource` subclass decorated with `@register`;
nothing else in the code base changes when a platform is added (the registry discovers the module).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.exceptions import MethodNotAllowed, UnsupportedMediaType
from mentionwatch.models import BrandAccount, Mention

SourceSecrets = Mapping[str, str]
"""A source's secrets by name (`signing_secret`, `verify_token`, …), from Secrets Manager or the dev file."""


class InboundRequest(BaseModel):
    """An HTTP request to `/webhooks/{source}` as the domain sees it: raw body bytes, lower-cased header names."""

    model_config = ConfigDict(frozen=True)

    source: str
    method: str
    headers: Mapping[str, str]
    query: Mapping[str, str] = {}
    body: bytes = b""
    received_at: datetime

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


class ChallengeResponse(BaseModel):
    """The answer to a subscription handshake (`GET`): a platform expects exactly this body back."""

    model_config = ConfigDict(frozen=True)

    status: int = 200
    body: str
    content_type: str = "text/plain"


class QueuedMention(BaseModel):
    """What travels on the queue: the normalised mention and the payload it came from (kept for a while)."""

    model_config = ConfigDict(frozen=True)

    source: str
    mention: Mention
    raw: Annotated[Any, Field(description="The platform's own JSON for this mention, stored with a TTL")] = None
    brand_account: Annotated[
        BrandAccount | None, Field(description="Set when one of the brand's own accounts wrote it: not a mention")
    ] = None


class Delivery(BaseModel):
    """What a verified request carried: mentions to enqueue, or the reason it is ignored."""

    model_config = ConfigDict(frozen=True)

    items: tuple[QueuedMention, ...] = ()
    ignored: str | None = None  # e.g. "event type page.rating is not handled"


class WebhookSource(ABC):
    """Base class for a platform that pushes deliveries to `POST /webhooks/{name}`."""

    name: ClassVar[str]
    accepted_media_types: ClassVar[frozenset[str]] = frozenset({"application/json"})
    success_status: ClassVar[int] = 200
    max_body_bytes: ClassVar[int] = 256 * 1024

    def check_media_type(self, request: InboundRequest) -> None:
        if request.media_type not in self.accepted_media_types:
            allowed = ", ".join(sorted(self.accepted_media_types))
            raise UnsupportedMediaType(
                f"content type {request.media_type or '(none)'!r} is not accepted by {self.name}; send {allowed}",
                field="content-type",
            )

    def answer_challenge(self, request: InboundRequest, secrets: SourceSecrets) -> ChallengeResponse:
        """Subscription handshakes (`GET`). Sources without one refuse the method."""
        raise MethodNotAllowed(f"source {self.name} takes no GET requests", field="method")

    @abstractmethod
    def verify(self, request: InboundRequest, secrets: SourceSecrets) -> None:
        """Raise an `Unauthorized` subclass unless the raw body is proven to come from the platform."""

    @abstractmethod
    def parse(self, request: InboundRequest) -> Delivery:
        """Turn a verified body into mentions. Raise `MalformedPayload` for a body the platform could not send."""
