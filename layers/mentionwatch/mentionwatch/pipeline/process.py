"""Processing queued mentions: score a whole batch at once, then triage, store and alert each mention.

Deduplication: the mention row is written with a condition (`attribute_not_exists`), so a redelivered mention is
stored once. A newly stored mention is observed by alerting (volume counters, respond SLA clock, thread
amplification); an urgent one is paged through on-call alerting, which opens one alert per dedup key and cooldown
with a conditional write (a repeat in the same thread or by the same author only raises the open alert's count)
and leaves the alert pending for the scheduled sweeper when SNS publishing fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from mentionwatch.alerts.dispatch import DispatchAction, DispatchOutcome
from mentionwatch.exceptions import AlreadyStored
from mentionwatch.models import (
    Category,
    Mention,
    MentionStatus,
    Reaction,
    Sentiment,
    SentimentResult,
    SentimentScores,
    Severity,
    TriageContext,
    TriageDecision,
    TriagedMention,
)
from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.items import AlertRecord, AlertState, MentionItem, RawItem
from mentionwatch.triage.base import Triager

logger = Logger(child=True)


class Store(Protocol):
    def put_new(self, item: MentionItem) -> None: ...
    def put_raw_payloads(self, raws: Sequence[RawItem]) -> None: ...
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def mark_deleted(self, mention: Mention) -> bool: ...
    def set_hidden(self, mention: Mention, hidden: bool) -> bool: ...
    def update_content(self, mention: Mention) -> bool: ...
    def record_alert(self, mention_id: str, alert: AlertRecord, state: AlertState = AlertState.SENT) -> None: ...
    def triage_context(self, mention: Mention) -> TriageContext: ...


class Alerter(Protocol):
    def observe(self, triaged: TriagedMention, context: TriageContext | None = None) -> DispatchOutcome | None: ...
    def page_mention(self, triaged: TriagedMention) -> DispatchOutcome: ...
    def resume(self, triaged: TriagedMention) -> None: ...
    def register_lambda_context(self, context: Any) -> None: ...
    def batch(self) -> AbstractContextManager[None]: ...


class Outcome(StrEnum):
    STORED = "stored"
    ALERTED = "alerted"
    MERGED = "merged"  # urgent, counted into an open alert
    ALERT_PENDING = "alert_pending"  # urgent, SNS failed: the sweeper sends it
    DUPLICATE = "duplicate"
    EDITED = "edited"
    DELETED = "deleted"
    HIDDEN = "hidden"  # hidden on the platform (Meta `hide`): out of the queues, never paged
    SHOWN = "shown"  # shown again (Meta `unhide`): back in its queue


class MentionProcessor:
    def __init__(
        self,
        store: Store,
        analyzer: SentimentAnalyzer,
        triager: Triager,
        alerter: Alerter,
        raw_ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._analyzer = analyzer
        self._triager = triager
        self._alerter = alerter
        self._raw_ttl = raw_ttl
        self._clock = clock

    def register_lambda_context(self, context: Any) -> None:
        self._alerter.register_lambda_context(context)

    def batch(self) -> AbstractContextManager[None]:
        """Wrap the handling of one SQS batch: per-batch aggregates are written once when it ends."""
        return self._alerter.batch()

    def _keep_deletion(self, mention: Mention) -> None:
        """A deletion that overtook its mention on the queue (SQS does not keep order): store a resolved,
        deleted row now, so the mention arriving later is a duplicate and is neither stored live nor paged."""
        triaged = TriagedMention(
            mention=mention,
            sentiment=NOT_SCORED,
            triage=DELETED_FIRST if mention.deleted else HIDDEN_FIRST,
            status=MentionStatus.RESOLVED,
        )
        try:
            self._store.put_new(MentionItem.from_triaged(triaged, stored_at=self._clock()))
        except AlreadyStored:  # the mention got there in between: mark it after all
            if mention.deleted:
                self._store.mark_deleted(mention)
            else:
                self._store.set_hidden(mention, True)

    def score(self, items: Sequence[QueuedMention]) -> dict[str, SentimentResult]:
        """Sentiment for every live mention of a batch in as few analyzer calls as the analyzer allows."""
        live = [item.mention for item in items if not (item.mention.deleted or item.mention.hidden)]
        unique = list({mention.id: mention for mention in live}.values())
        results = self._analyzer.analyze(
            [SentimentRequest(text=mention.text, language=mention.language) for mention in unique]
        )
        return {mention.id: result for mention, result in zip(unique, results, strict=True)}

    def keep_raw_payloads(self, items: Sequence[QueuedMention]) -> None:
        expiration = int((self._clock() + self._raw_ttl).timestamp())
        raws = {
            item.mention.id: RawItem(
                mention_id=item.mention.id, source=item.source, payload=item.raw, expiration=expiration
            )
            for item in items
            if item.raw is not None and not (item.mention.deleted or item.mention.hidden)
        }
        if raws:
            self._store.put_raw_payloads(list(raws.values()))

    def handle(self, item: QueuedMention, sentiment: SentimentResult | None) -> Outcome:
        mention = item.mention
        if mention.deleted:
            found = self._store.mark_deleted(mention)
            if not found:
                self._keep_deletion(mention)
            logger.info("mention deleted on its platform", extra={"mention_id": mention.id, "was_stored": found})
            return Outcome.DELETED
        if mention.hidden:
            found = self._store.set_hidden(mention, True)
            if not found:
                self._keep_deletion(mention)  # hidden before it was stored: kept resolved, never paged
            logger.info("mention hidden on its platform", extra={"mention_id": mention.id, "was_stored": found})
            return Outcome.HIDDEN
        if mention.hidden is False and self._store.set_hidden(mention, False):
            logger.info("mention shown again on its platform", extra={"mention_id": mention.id})
            return Outcome.SHOWN
        if sentiment is None:
            raise ValueError(f"no sentiment was computed for {mention.id}")

        if mention.language is None and sentiment.language:  # detected by the analyzer: keep it on the mention
            mention = mention.model_copy(update={"language": sentiment.language})
        context = self._store.triage_context(mention)
        decision = self._triager.triage(mention, sentiment, context)
        triaged = TriagedMention(mention=mention, sentiment=sentiment, triage=decision)
        try:
            self._store.put_new(MentionItem.from_triaged(triaged, stored_at=self._clock()))
        except AlreadyStored:
            stored = self._store.get(mention.id, consistent=True)
            if stored is not None and _edited(stored.mention, mention):
                # An edit on the platform (Meta `edited`, Mastodon `status.updated`, `mention.updated`).
                edited = self._store.update_content(mention)
                logger.info("edited mention", extra={"mention_id": mention.id, "applied": edited})
                return Outcome.EDITED
            if stored is None or stored.alert_state is not AlertState.PENDING:
                if stored is not None and stored.status is MentionStatus.NEW:
                    self._alerter.resume(stored.to_triaged())  # an earlier attempt may have died before it
                logger.info("duplicate delivery ignored", extra={"mention_id": mention.id})
                return Outcome.DUPLICATE
            # Stored by an earlier attempt that did not finish its alert: finish it, with the stored decision.
            triaged = stored.to_triaged()
        else:
            self._alerter.observe(triaged, context)

        if not triaged.triage.is_urgent:
            return Outcome.STORED
        outcome = self._alerter.page_mention(triaged)
        alert = outcome.alert
        if outcome.action is DispatchAction.PENDING:
            return Outcome.ALERT_PENDING
        record = AlertRecord(
            kind=alert.kind.value, channel="sns", message_id=alert.message_id, sent_at=alert.sent_at or self._clock()
        )
        if outcome.action is DispatchAction.MERGED or (alert.mention_ids[:1] != (mention.id,)):
            self._store.record_alert(
                mention.id, record.model_copy(update={"channel": f"merged:{alert.dedup_key}"}), AlertState.MERGED
            )
            return Outcome.MERGED
        self._store.record_alert(mention.id, record)
        return Outcome.ALERTED


DELETED_FIRST = TriageDecision(
    reaction=Reaction.MONITOR,
    category=Category.OTHER,
    severity=Severity.LOW,
    rules=("pipeline/deleted-before-stored",),
    reasons=("deleted on its platform before mentionwatch stored it",),
)
HIDDEN_FIRST = DELETED_FIRST.model_copy(
    update={
        "rules": ("pipeline/hidden-before-stored",),
        "reasons": ("hidden on its platform before mentionwatch stored it",),
    }
)
NOT_SCORED = SentimentResult(label=Sentiment.NEUTRAL, scores=SentimentScores(neutral=1.0), analyzer="none")


def _edited(stored: Mention, incoming: Mention) -> bool:
    """A later delivery whose content differs: a redelivery of the same content is not an edit."""
    return incoming.received_at > stored.received_at and (
        incoming.text != stored.text or incoming.engagement != stored.engagement
    )
