"""`POST /mentions/{id}/replies` and its four-eyes approval: request and response models and the operations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mentionwatch.api.identity import Caller
from mentionwatch.api.service import parse_mention_id
from mentionwatch.exceptions import NotFound
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import Platform
from mentionwatch.responses.records import ReplyRecord, ReplyState
from mentionwatch.responses.replies import Replies
from mentionwatch.store.items import MentionItem

IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{8,128}$"
MAX_REPLY_CHARS = 10_000


class Visibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"

    @property
    def kind(self) -> ResponseKind:
        return ResponseKind.PUBLIC_REPLY if self is Visibility.PUBLIC else ResponseKind.PRIVATE_REPLY


class ReplyRequest(BaseModel):
    """A reply a person asks mentionwatch to post on the mention's platform, as the brand's account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Annotated[
        str, Field(min_length=1, max_length=MAX_REPLY_CHARS, description="Checked against the platform's limit")
    ]
    visibility: Annotated[
        Visibility, Field(description="`private` where the platform has private replies (Facebook, Mastodon)")
    ] = Visibility.PUBLIC
    idempotency_key: Annotated[
        str,
        Field(
            pattern=IDEMPOTENCY_KEY,
            description="Chosen by the client (e.g. a UUID) per reply: repeating a request with it posts nothing more",
        ),
    ]

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class ReplyError(BaseModel):
    code: str
    message: str


class ReplyView(BaseModel):
    """A reply and where it stands: `awaiting_approval`, `sending`, `posted` or `failed`."""

    mention_id: str
    idempotency_key: str
    state: ReplyState
    platform: Platform
    account: str
    visibility: Visibility
    text: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None = None
    attempt: int
    post_id: Annotated[str | None, Field(description="`<platform>:<native id>` of the posted reply")] = None
    link: str | None = None
    posted_at: datetime | None = None
    error: ReplyError | None = None

    @classmethod
    def of(cls, record: ReplyRecord) -> ReplyView:
        return cls(
            mention_id=record.mention_id,
            idempotency_key=record.key,
            state=record.state,
            platform=record.platform,
            account=record.account.account,
            visibility=Visibility.PRIVATE if record.visibility is ResponseKind.PRIVATE_REPLY else Visibility.PUBLIC,
            text=record.text,
            requested_by=record.requested_by,
            requested_at=record.requested_at,
            approved_by=record.approved_by,
            attempt=record.attempt,
            post_id=record.post_id,
            link=record.link,
            posted_at=record.posted_at,
            error=ReplyError(code=record.error_code, message=record.error_message or "") if record.error_code else None,
        )


class MentionReader(Protocol):
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...


class RepliesApi:
    def __init__(self, reader: MentionReader, replies: Replies) -> None:
        self._reader = reader
        self._replies = replies

    def post(self, raw_id: str, request: ReplyRequest, caller: Caller) -> tuple[ReplyView, int]:
        """The reply and the status to answer with: 201 posted now, 202 awaiting approval, 200 a repeat."""
        item = self._visible(raw_id, caller)
        record, created = self._replies.request(
            item, request.text, request.visibility.kind, request.idempotency_key, caller.actor
        )
        status = 200 if not created else 202 if record.state is ReplyState.AWAITING_APPROVAL else 201
        return ReplyView.of(record), status

    def approve(self, raw_id: str, key: str, caller: Caller) -> ReplyView:
        item = self._visible(raw_id, caller)
        return ReplyView.of(self._replies.approve(item, key, caller.actor))

    def _visible(self, raw_id: str, caller: Caller) -> MentionItem:
        mention_id = parse_mention_id(raw_id)
        item = self._reader.get(mention_id, consistent=True)
        if item is None or not caller.sees(item.triage.team):
            raise NotFound(f"mention {mention_id!r} does not exist", field="id")
        return item
