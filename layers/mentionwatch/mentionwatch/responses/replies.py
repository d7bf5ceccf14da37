"""Posting a reply a person asked for, exactly once, through the platform's own API.

Safe by construction:
- Nothing is posted except from a person's request (`POST /mentions/{id}/replies`, or a second person's approval
  where the team wants four eyes); the pipeline never posts.
- Each request carries a client idempotency key. The reply is recorded (`sending`) with a conditional write before
  the platform is called, and recorded again (`posted` or `failed`) after. A repeat of the same request returns
  the recorded outcome and posts nothing; a request whose earlier attempt is still `sending` (in flight, or the
  function died between the call and the record) is refused with 409 `reply_in_doubt` rather than risking a
  second post. A definite refusal from the platform (`failed`) may be retried with the same key.
- Text is checked against the platform's limits before anything is recorded or sent.
- The platform's refusals become clear problems and leave the mention as it was (not responded).
- A posted reply is recorded on the mention as a response (its link, the account, `via` the platform) and
  linked by its platform id, so the webhook's echo of the same post is recognised and not recorded twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools import Logger

from mentionwatch.exceptions import (
    AlreadyStored,
    BadRequest,
    FourEyesRequired,
    IdempotencyKeyReused,
    InvalidTransition,
    MentionwatchError,
    NoBrandAccount,
    NotFound,
    PlatformOutcomeUnknown,
    ReplyInDoubt,
    ReplyTargetUnavailable,
    VersionConflict,
)
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.models import BrandAccount, MentionStatus, Platform
from mentionwatch.pollers.http import HttpTransport
from mentionwatch.responses.limits import check_length
from mentionwatch.responses.platforms import adapter_for
from mentionwatch.responses.platforms.base import ReplyContext
from mentionwatch.responses.recording import MentionWorkflow, record_response
from mentionwatch.responses.records import ReplyRecord, ReplyState
from mentionwatch.store.items import MentionItem

logger = Logger(child=True)

AccountFinder = Callable[[str, Platform], str | None]
"""(brand, platform) → the brand's account id there to answer from, or None."""
CredentialsFinder = Callable[[Platform, str], Mapping[str, str]]
"""(platform, account) → that account's credentials (raises `ReplyCredentialsRejected` when none are stored)."""


class ReplyLedger(Protocol):
    def create_reply(self, record: ReplyRecord) -> None: ...
    def get_reply(self, mention_id: str, key: str) -> ReplyRecord | None: ...
    def replace_reply(self, record: ReplyRecord, expected_version: int) -> ReplyRecord: ...
    def link_reply_post(self, post_id: str, mention_id: str, kind: ResponseKind) -> None: ...


def fingerprint(text: str, visibility: ResponseKind, account: str) -> str:
    """What a key is bound to: the same key with other text is a different request, refused with 409."""
    return hashlib.sha256(f"{visibility.value}\n{account}\n{text}".encode()).hexdigest()


class Replies:
    def __init__(
        self,
        mentions: MentionWorkflow,
        ledger: ReplyLedger,
        accounts: AccountFinder,
        credentials: CredentialsFinder,
        http: HttpTransport,
        clock: Callable[[], datetime],
        base_urls: Mapping[str, str] | None = None,
        approval_teams: frozenset[str] = frozenset(),
        timeout: float = 10.0,
    ) -> None:
        self._mentions = mentions
        self._ledger = ledger
        self._accounts = accounts
        self._credentials = credentials
        self._http = http
        self._clock = clock
        self._base_urls = dict(base_urls or {})
        self._approval_teams = approval_teams
        self._timeout = timeout

    # --- POST /mentions/{id}/replies -------------------------------------------------------------------
    def request(
        self, item: MentionItem, text: str, visibility: ResponseKind, key: str, actor: str
    ) -> tuple[ReplyRecord, bool]:
        """Post (or, with four eyes, draft) a reply. Returns the record and whether this request acted (posted or
        drafted it) rather than repeating an earlier request's outcome."""
        platform = item.mention.platform
        adapter = adapter_for(platform)  # 422 for a platform mentionwatch cannot answer on
        if visibility is ResponseKind.PRIVATE_REPLY and not adapter.supports_private:
            raise BadRequest(
                f"{platform.value} has no private reply mentionwatch can send; use visibility public",
                field="visibility",
            )
        check_length(platform, text)
        account = self._accounts(item.mention.match.brand, platform)
        if account is None:
            raise NoBrandAccount(
                f"brand {item.mention.match.brand!r} has no {platform.value} account to answer from; add it to "
                f"brands[].accounts.{platform.value} in the watch configuration",
                field="id",
            )
        wanted = fingerprint(text, visibility, account)
        existing = self._ledger.get_reply(item.id, key)
        if existing is None:
            self._check_answerable(item)
            now = self._clock()
            record = ReplyRecord(
                mention_id=item.id,
                key=key,
                fingerprint=wanted,
                platform=platform,
                account=BrandAccount(brand=item.mention.match.brand, platform=platform, account=account),
                visibility=visibility,
                text=text,
                state=ReplyState.AWAITING_APPROVAL if item.triage.team in self._approval_teams else ReplyState.SENDING,
                requested_by=actor,
                requested_at=now,
                updated_at=now,
            )
            try:
                self._ledger.create_reply(record)  # recorded before the platform is called
            except AlreadyStored:
                existing = self._ledger.get_reply(item.id, key)  # a double click got there first
                if existing is None:
                    raise
            else:
                if record.state is ReplyState.AWAITING_APPROVAL:
                    logger.info("reply awaits approval", extra={"mention_id": item.id, "key": key})
                    return record, True
                return self._post(item, record), True
        return self._repeat(item, existing, wanted)

    # --- POST /mentions/{id}/replies/{key}/approve ----------------------------------------------------
    def approve(self, item: MentionItem, key: str, actor: str) -> ReplyRecord:
        record = self._ledger.get_reply(item.id, key)
        if record is None:
            raise NotFound(f"no reply {key!r} on mention {item.id!r}", field="key")
        if record.state is not ReplyState.AWAITING_APPROVAL:
            if record.state is ReplyState.POSTED:
                return record
            raise InvalidTransition(f"reply {key!r} is {record.state.value}, not awaiting approval", field="key")
        if record.requested_by == actor:
            raise FourEyesRequired(
                f"team {item.triage.team} wants four eyes: someone other than {actor} must approve this reply",
                field="key",
            )
        self._check_answerable(item)
        sending = record.model_copy(
            update={"state": ReplyState.SENDING, "approved_by": actor, "updated_at": self._clock()}
        )
        try:
            sending = self._ledger.replace_reply(sending, record.version)
        except VersionConflict:
            raise ReplyInDoubt(f"reply {key!r} is being approved by someone else just now", field="key") from None
        return self._post(item, sending)

    # --- helpers ---------------------------------------------------------------------------------------
    def _repeat(self, item: MentionItem, existing: ReplyRecord, wanted: str) -> tuple[ReplyRecord, bool]:
        if existing.fingerprint != wanted:
            raise IdempotencyKeyReused(
                f"idempotency key {existing.key!r} was used for another reply on this mention; use a new key",
                field="idempotency_key",
            )
        if existing.state in (ReplyState.POSTED, ReplyState.AWAITING_APPROVAL):
            return existing, False  # the same request again: nothing more is posted
        if existing.state is ReplyState.SENDING:
            raise ReplyInDoubt(
                f"reply {existing.key!r} is still being sent or its outcome is unknown (attempt {existing.attempt}); "
                "look at the mention's thread before posting again with a new key",
                field="idempotency_key",
            )
        # FAILED: the platform refused definitely, so nothing was posted; the same key may try again.
        self._check_answerable(item)
        retry = existing.model_copy(
            update={
                "state": ReplyState.SENDING,
                "attempt": existing.attempt + 1,
                "error_code": None,
                "error_message": None,
                "updated_at": self._clock(),
            }
        )
        try:
            retry = self._ledger.replace_reply(retry, existing.version)
        except VersionConflict:
            raise ReplyInDoubt(f"reply {existing.key!r} is being retried just now", field="idempotency_key") from None
        return self._post(item, retry), True

    def _check_answerable(self, item: MentionItem) -> None:
        if item.deleted:
            raise ReplyTargetUnavailable(
                "the post was deleted on its platform: nothing to reply to", reason="deleted", field="id"
            )
        if item.status is MentionStatus.RESOLVED:
            raise InvalidTransition("the mention is resolved; reopen it before replying", field="id")

    def _post(self, item: MentionItem, record: ReplyRecord) -> ReplyRecord:
        adapter = adapter_for(record.platform)
        try:
            credentials = self._credentials(record.platform, record.account.account)
            posted = adapter.post(
                record.text,
                ReplyContext(
                    mention=item.mention,
                    account=record.account.account,
                    visibility=record.visibility,
                    credentials=credentials,
                    idempotency_key=f"{item.id}:{record.key}",
                    base_url=self._base_urls.get(record.platform.value),
                    timeout=self._timeout,
                    now=self._clock(),
                ),
                self._http,
            )
        except PlatformOutcomeUnknown:
            raise  # the call's outcome is unknown: the record stays `sending` (in doubt)
        except MentionwatchError as err:
            self._fail(record, err)
            raise
        now = self._clock()
        post_id = f"{record.platform.value}:{posted.native_id}"
        done = self._ledger.replace_reply(
            record.model_copy(
                update={
                    "state": ReplyState.POSTED,
                    "post_id": post_id,
                    "link": posted.link,
                    "posted_at": now,
                    "updated_at": now,
                }
            ),
            record.version,
        )
        self._ledger.link_reply_post(post_id, item.id, record.visibility)
        record_response(
            self._mentions,
            item.id,
            response_id=post_id,
            account=record.account,
            at=now,
            kind=record.visibility,
            link=posted.link,
            actor=record.approved_by or record.requested_by,
            via=record.platform.value,
        )
        logger.info(
            "reply posted", extra={"mention_id": item.id, "post_id": post_id, "platform": record.platform.value}
        )
        return done

    def _fail(self, record: ReplyRecord, err: MentionwatchError) -> None:
        failed = record.model_copy(
            update={
                "state": ReplyState.FAILED,
                "error_code": err.code,
                "error_message": err.message,
                "updated_at": self._clock(),
            }
        )
        self._ledger.replace_reply(failed, record.version)
        logger.info("reply refused", extra={"mention_id": record.mention_id, "code": err.code})
