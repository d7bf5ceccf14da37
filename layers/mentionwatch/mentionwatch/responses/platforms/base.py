"""What a reply adapter is, and the error classes every platform's answers are sorted into.

An adapter turns (mention, text, visibility, the account's credentials) into the platform's own requests through
the pollers' HTTP transport, and its answer into a `PostedReply` or one of the reply exceptions. Messages name
the platform and its reason, never a token (credentials travel only in headers and bodies of requests).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from mentionwatch.exceptions import (
    PlatformOutcomeUnknown,
    PlatformUnavailable,
    ReplyCredentialsRejected,
    ReplyRateLimited,
    ReplyRejected,
    ReplyTargetUnavailable,
    UpstreamError,
)
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import Mention, Platform
from mentionwatch.pollers.http import HttpRequest, HttpResponse, HttpTransport

DEFAULT_RETRY_AFTER = 60
MAX_RETRY_AFTER = 86_400
MAX_REASON_CHARS = 300


class PostedReply(BaseModel):
    model_config = ConfigDict(frozen=True)

    native_id: str  # the platform's id of the reply, as the platform's webhooks and pollers name it
    link: str | None = None


class ReplyContext(BaseModel):
    """Everything one reply needs besides the text."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    mention: Mention
    account: str  # the brand account's platform id
    visibility: ResponseKind
    credentials: Mapping[str, str]
    idempotency_key: str
    base_url: str | None = None  # overrides the platform's API host (the local fakes)
    timeout: float = 10.0
    now: datetime


class ReplyAdapter(ABC):
    platform: ClassVar[Platform]
    supports_private: ClassVar[bool] = False
    default_base_url: ClassVar[str]

    @abstractmethod
    def post(self, text: str, context: ReplyContext, http: HttpTransport) -> PostedReply:
        """Post `text` as a reply to `context.mention`. Raises a reply exception when the platform refuses."""

    # --- helpers shared by the adapters --------------------------------------------------------------
    def base(self, context: ReplyContext) -> str:
        return (context.base_url or self.default_base_url).rstrip("/")

    def send(self, http: HttpTransport, request: HttpRequest) -> HttpResponse:
        try:
            return http.send(request)
        except UpstreamError as err:
            raise PlatformOutcomeUnknown(
                f"{self.platform.value} could not be reached ({err.message}); the reply may or may not have been "
                "posted: look at the thread before trying again"
            ) from None

    def credential(self, context: ReplyContext, name: str) -> str:
        value = context.credentials.get(name)
        if not value:
            raise ReplyCredentialsRejected(
                f"no {name} is stored for {self.platform.value} account {context.account}; add it to the reply "
                f"credentials secret under reply:{self.platform.value}:{context.account}",
                field="account",
            )
        return value

    def json_of(self, response: HttpResponse) -> Any:
        try:
            return json.loads(response.body) if response.body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}

    def credentials_rejected(self, context: ReplyContext, status: int, reason: str) -> ReplyCredentialsRejected:
        return ReplyCredentialsRejected(
            f"{self.platform.value} refused the credentials of account {context.account} (HTTP {status}: "
            f"{_short(reason)}); renew them in the reply credentials secret",
            field="account",
        )

    def rate_limited(
        self, response: HttpResponse, reset_header: str | None = None, now: datetime | None = None
    ) -> ReplyRateLimited:
        seconds = retry_after_seconds(response, reset_header, now)
        return ReplyRateLimited(
            f"{self.platform.value} rate-limited the reply; try again in {seconds} s", retry_after=seconds
        )

    def target_unavailable(self, reason: str, detail: str) -> ReplyTargetUnavailable:
        return ReplyTargetUnavailable(
            f"{self.platform.value} will not take a reply to this post: {reason} ({_short(detail)})",
            reason=reason,
            field="id",
        )

    def rejected(self, status: int, detail: str) -> ReplyRejected:
        return ReplyRejected(f"{self.platform.value} refused the reply (HTTP {status}: {_short(detail)})", field="text")

    def unavailable(self, status: int) -> PlatformUnavailable:
        return PlatformUnavailable(f"{self.platform.value} answered HTTP {status}; nothing was posted, try again later")

    def unexpected(self, what: str) -> PlatformUnavailable:
        return PlatformUnavailable(f"{self.platform.value} answered without {what}; look at the thread before retrying")


def retry_after_seconds(response: HttpResponse, reset_header: str | None = None, now: datetime | None = None) -> int:
    """Seconds to wait: `Retry-After`, else an epoch-seconds reset header (X `x-rate-limit-reset`, Bluesky
    `ratelimit-reset`), else a minute."""
    value = response.header("retry-after")
    if value and value.strip().isdigit():
        return max(1, min(int(value.strip()), MAX_RETRY_AFTER))
    if reset_header and now is not None:
        reset = response.header(reset_header)
        if reset and reset.strip().isdigit():
            return max(1, min(int(reset.strip()) - int(now.timestamp()), MAX_RETRY_AFTER))
    return DEFAULT_RETRY_AFTER


def _short(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_REASON_CHARS else flat[: MAX_REASON_CHARS - 1] + "…"
