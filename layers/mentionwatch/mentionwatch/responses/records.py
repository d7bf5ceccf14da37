"""What the responses area stores: brand posts (brand activity) and replies requested through mentionwatch."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import BrandAccount, Platform, UtcDatetime


class BrandPost(BaseModel):
    """A post by one of the brand's own accounts: kept as brand activity, never as a mention."""

    model_config = ConfigDict(frozen=True)

    id: Annotated[str, Field(description="`<platform>:<native id>`")]
    account: BrandAccount
    permalink: str | None = None
    text: str = ""
    created_at: UtcDatetime
    received_at: UtcDatetime
    in_reply_to: str | None = None  # native id of the post it answers
    responds_to: Annotated[str | None, Field(description="The stored mention it answered, if any")] = None
    deleted: bool = False


class ReplyState(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # four-eyes: drafted, waiting for a second person
    SENDING = "sending"  # recorded before the platform call; a crash leaves it here
    POSTED = "posted"
    FAILED = "failed"  # the platform refused; nothing was posted, a new key may try again


class ReplyRecord(BaseModel):
    """One reply requested through `POST /mentions/{id}/replies`, keyed by the client's idempotency key."""

    model_config = ConfigDict(frozen=True)

    mention_id: str
    key: Annotated[str, Field(min_length=1, max_length=128)]
    fingerprint: Annotated[str, Field(description="Hash of what was asked: text, visibility, account")]
    platform: Platform
    account: BrandAccount
    visibility: ResponseKind
    text: str
    state: ReplyState
    requested_by: str
    requested_at: UtcDatetime
    approved_by: str | None = None
    attempt: Annotated[int, Field(ge=1)] = 1
    updated_at: UtcDatetime
    post_id: Annotated[str | None, Field(description="The platform's id of the posted reply")] = None
    link: str | None = None
    posted_at: UtcDatetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    version: Annotated[int, Field(ge=1)] = 1
