"""Recording a response on a mention, whichever way it was made: the brand's own post seen by a webhook or a
poller, or a reply posted through mentionwatch.

A response is a `respond` step in the mention's history (kind, link, time, account, `via` the platform). The
first one stamps `responded_at` (the store writes it with `if_not_exists`), which stops the respond-SLA clock and
any escalation (both stop once the mention has left `new` / is `responded`). The same answer seen twice (a
redelivered webhook, the echo of a reply mentionwatch posted) is recorded once: steps carry the answer's id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from aws_lambda_powertools import Logger

from mentionwatch.exceptions import VersionConflict
from mentionwatch.lifecycle import Action, LifecycleEvent, ResponseKind, step
from mentionwatch.models import BrandAccount, Mention, MentionStatus
from mentionwatch.responses.records import BrandPost
from mentionwatch.store.items import MentionItem

logger = Logger(child=True)
MAX_ATTEMPTS = 3


class MentionWorkflow(Protocol):
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def apply(self, mention_id: str, expected_version: int, event: LifecycleEvent) -> MentionItem: ...


class BrandPostLedger(Protocol):
    def put_brand_post(self, post: BrandPost) -> None: ...
    def get_brand_post(self, post_id: str) -> BrandPost | None: ...
    def reply_target(self, post_id: str) -> tuple[str, ResponseKind] | None: ...


def record_response(
    mentions: MentionWorkflow,
    mention_id: str,
    *,
    response_id: str,
    account: BrandAccount,
    at: datetime,
    kind: ResponseKind,
    link: str | None,
    actor: str,
    via: str,
) -> MentionItem | None:
    """Add a `respond` step for the answer `response_id` unless it is already there. Returns the mention after
    the step, or None when nothing was recorded (unknown, resolved, or this answer is already on record)."""
    for _ in range(MAX_ATTEMPTS):
        item = mentions.get(mention_id, consistent=True)
        if item is None or item.status is MentionStatus.RESOLVED:
            return None
        if any(event.response_id == response_id for event in item.history):
            return None
        event = step(
            item.status,
            Action.RESPOND,
            actor=actor,
            at=at,
            via=via,
            response_kind=kind,
            response_link=link,
            response_account=account.account,
            response_id=response_id,
        )
        try:
            return mentions.apply(mention_id, item.version, event)
        except VersionConflict:
            continue  # someone acknowledged or assigned meanwhile: read again and retry
    raise VersionConflict(f"mention {mention_id!r} kept changing; the response will be retried", field="version")


class BrandPostRecorder:
    """What the pipeline does with a post by one of the brand's own accounts instead of triaging it."""

    def __init__(self, mentions: MentionWorkflow, ledger: BrandPostLedger, clock: Callable[[], datetime]) -> None:
        self._mentions = mentions
        self._ledger = ledger
        self._clock = clock

    def target(self, post: Mention) -> tuple[str, ResponseKind] | None:
        """The stored mention `post` answers: the one mentionwatch posted it for, else its parent, else the
        thread's root (a brand reply further down a mention's conversation)."""
        known = self._ledger.reply_target(post.id)
        if known is not None:
            return known
        platform = post.platform.value
        for native in (post.thread.parent_id, post.thread.root_id):
            if not native or native == post.native_id:
                continue
            candidate = f"{platform}:{native}"
            if self._mentions.get(candidate) is not None:
                return candidate, ResponseKind.PUBLIC_REPLY
        return None

    def record(self, post: Mention, account: BrandAccount) -> str | None:
        """Keep `post` as brand activity and, when it answers a stored mention, record the response on it.

        Returns the id of the mention it answered (None for other brand activity)."""
        if post.deleted:  # the brand deleted its own post: keep what it said, marked deleted
            kept = self._ledger.get_brand_post(post.id)
            if kept is not None:
                self._ledger.put_brand_post(kept.model_copy(update={"deleted": True}))
                return None
        target = None if post.deleted else self.target(post)
        mention_id = target[0] if target else None
        self._ledger.put_brand_post(
            BrandPost(
                id=post.id,
                account=account,
                permalink=post.permalink,
                text=post.text,
                created_at=post.created_at,
                received_at=post.received_at,
                in_reply_to=post.thread.parent_id,
                responds_to=mention_id,
                deleted=post.deleted,
            )
        )
        if target is None:
            logger.info("brand activity kept", extra={"post_id": post.id, "brand": account.brand})
            return None
        recorded = record_response(
            self._mentions,
            target[0],
            response_id=post.id,
            account=account,
            at=post.created_at,
            kind=target[1],
            link=post.permalink,
            actor=f"{post.platform.value}:{account.account}",
            via=post.platform.value,
        )
        logger.info(
            "brand response recorded" if recorded else "brand response already on record",
            extra={"post_id": post.id, "mention_id": target[0], "brand": account.brand},
        )
        return target[0]
