"""Processing queued mentions: score a whole batch at once, then triage, store and alert each mention.

Deduplication: the mention row is written with a condition (`attribute_not_exists`), so a redelivered mention is
stored once. An urgent mention's row carries its page intent (GSI5 `DUE#page`) until its page is recorded, so
`sweep_unpaged` finds it even if its message went to the DLQ; a retried page first looks for an alert that already
counts the mention (`alert_holding`), so a retry records that page instead of sending another.

A newly stored mention is observed by alerting (volume counters, respond SLA clock, thread amplification), each
record failing alone when one of its writes fails; an urgent one is paged through on-call alerting, which opens
one alert per dedup key and cooldown with a conditional write (a repeat in the same thread or by the same author
only raises the open alert's count) and leaves the alert pending for the scheduled sweeper when SNS publishing
fails.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from aws_lambda_powertools import Logger

from mentionwatch.alerts.dispatch import DispatchAction, DispatchOutcome
from mentionwatch.alerts.records import Alert, DeliveryState
from mentionwatch.exceptions import AlreadyStored, MentionwatchError
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
from mentionwatch.responses.recording import BrandPostRecorder
from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.items import (
    AlertRecord,
    AlertState,
    DueEntry,
    MentionItem,
    RawArchiveItem,
    RawPayload,
    raw_archive_rows,
)
from mentionwatch.store.keys import due_of
from mentionwatch.triage.base import Triager

logger = Logger(child=True)

TIME_RESERVE = timedelta(seconds=8)  # of the process function's 30 s: one slow record plus the batch's flush
CLOCK_SWEEP_PAGE = 100  # respond mentions a page of the clock sweep: one BatchGetItem of their clocks
CLOCK_SWEEP_PAGES = 20  # pages a run (2,000 mentions; a 10,000-mention burst's respond mentions take two runs)
CLOCK_SWEEP_BUDGET = timedelta(seconds=20)  # of the scheduler's 60 s: the escalation job runs after the sweep


class Store(Protocol):
    def put_new(self, item: MentionItem) -> None: ...
    def put_raw_archive(self, row: RawArchiveItem, compressed: bytes | None = None) -> None: ...
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def mark_deleted(self, mention: Mention) -> bool: ...
    def link_versions(self, mention: Mention) -> None: ...
    def version_of(self, mention_id: str) -> str | None: ...
    def set_hidden(self, mention: Mention, hidden: bool) -> bool: ...
    def update_content(self, mention: Mention) -> bool: ...
    def record_alert(self, mention_id: str, alert: AlertRecord, state: AlertState = AlertState.SENT) -> None: ...
    def unpaged(self, now: datetime, limit: int = 50) -> list[MentionItem]: ...
    def unclocked(self, now: datetime, limit: int = 50) -> list[DueEntry]: ...
    def clocks_checked_through(self, position: str) -> None: ...
    def triage_context(self, mention: Mention) -> TriageContext: ...
    def stored_ids(self, mention_ids: Sequence[str]) -> set[str]: ...


class UrlClaimer(Protocol):
    def claim(self, mention: Mention) -> str | None: ...


class Alerter(Protocol):
    def observe(self, triaged: TriagedMention, context: TriageContext | None = None) -> DispatchOutcome | None: ...
    def page_mention(self, triaged: TriagedMention) -> DispatchOutcome: ...
    def resume(self, triaged: TriagedMention, known_missing: bool = False) -> None: ...
    def clocks_running(self, mentions: Sequence[TriagedMention]) -> set[str]: ...
    def alert_holding(self, mention: Mention) -> Alert | None: ...
    def register_lambda_context(self, context: Any) -> None: ...
    def batch(self) -> AbstractContextManager[set[str]]: ...


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
    RESPONSE = "response"  # the brand's own post answering a stored mention: recorded on it
    BRAND_ACTIVITY = "brand_activity"  # any other post by the brand's own accounts


class ClockSweep(NamedTuple):
    """What a respond-clock sweep did: mentions checked, and how long the oldest respond mention it left unchecked
    has been due (zero when it caught up; None when it could not read the index). A sweep held at one mention it
    cannot check shows here, growing a minute a minute (metric and alarm in the scheduler)."""

    checked: int
    behind: timedelta | None


class RecordNotFinished(Exception):
    """This record is reported as a batch item failure and comes back with the queue's next receive."""


class TimeBudget:
    """Stops taking new records while enough of the invocation is left to finish the current one, write the
    batch's deferred aggregates and report which records are done (a timeout would return the whole batch)."""

    def __init__(self, context: Any, reserve: timedelta = TIME_RESERVE) -> None:
        self._remaining = getattr(context, "get_remaining_time_in_millis", None)
        self._reserve_ms = reserve.total_seconds() * 1000

    def check(self) -> None:
        if self._remaining is not None and self._remaining() < self._reserve_ms:
            raise RecordNotFinished("too little of the invocation left to take another record")


class UrgentPager:
    """Pages stored urgent mentions and records each page on its mention (which ends its page intent)."""

    def __init__(self, store: Store, alerter: Alerter, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._alerter = alerter
        self._clock = clock

    def finish_page(self, triaged: TriagedMention) -> Outcome:
        """Page a stored urgent mention whose page is not recorded: if an alert already counts it (an earlier
        attempt paged, then died or failed to record it), record that alert instead of paging again."""
        held = self._alerter.alert_holding(triaged.mention)
        if held is None:
            return self.record(triaged.mention.id, self._alerter.page_mention(triaged))
        if held.state is not DeliveryState.SENT:
            return Outcome.ALERT_PENDING  # the alert sweeper sends it; the next unpaged sweep records it
        return self.record(triaged.mention.id, DispatchOutcome(DispatchAction.DUPLICATE, held))

    def sweep_unpaged(self, limit: int = 50) -> list[Outcome]:
        """Finish every urgent mention stored more than a few minutes ago whose page is still not recorded,
        including those whose message went to the DLQ (scheduled with the escalation job)."""
        outcomes = []
        for item in self._store.unpaged(self._clock(), limit):
            try:
                outcomes.append(self.finish_page(item.to_triaged()))
            except MentionwatchError:
                logger.exception("unpaged mention not finished; next sweep retries", extra={"mention_id": item.id})
        return outcomes

    def sweep_unclocked(
        self,
        limit: int = CLOCK_SWEEP_PAGE,
        pages: int = CLOCK_SWEEP_PAGES,
        budget: timedelta = CLOCK_SWEEP_BUDGET,
        elapsed: Callable[[], float] = time.monotonic,
    ) -> ClockSweep:
        """Make sure every respond mention stored more than a few minutes ago has its respond clock running: the
        batch starts clocks when it ends, so a mention whose clock write failed and whose message then went to the
        DLQ (or was killed) would otherwise have none. Walks the due index from where the last sweep stopped, up
        to `pages` pages of `limit` within `budget`, reading the page's clocks at once and starting only the
        missing ones; stops at a mention it could not check, so the next sweep starts there. A failing store call
        ends the sweep, never the scheduled job around it."""
        checked = 0
        now = self._clock()
        started = elapsed()
        last_passed: str | None = None
        for page in range(pages):
            if page and elapsed() - started > budget.total_seconds():
                return ClockSweep(checked, _due_since(now, last_passed))  # out of time: more may be left
            try:
                entries = self._store.unclocked(now, limit)
                needing = [e.item for e in entries if e.item is not None and e.item.needs_respond_clock]
                running = self._alerter.clocks_running([item.to_triaged() for item in needing])
            except MentionwatchError:
                logger.exception("respond clocks not read; next sweep retries")
                return ClockSweep(checked, None)
            passed: str | None = None
            failed_at: str | None = None
            for entry in entries:
                try:
                    if entry.item is not None and entry.item.needs_respond_clock and entry.item.id not in running:
                        # The clock write failed: start it now (just read as missing, so not read again).
                        self._alerter.resume(entry.item.to_triaged(), known_missing=True)
                except MentionwatchError:
                    logger.exception("respond clock not started; next sweep retries", extra={"at": entry.position})
                    failed_at = entry.position
                    break
                passed = entry.position
                checked += 1
            if passed is not None:
                try:
                    self._store.clocks_checked_through(passed)
                except MentionwatchError:
                    logger.exception("respond sweep position not saved; next sweep checks these again")
                    return ClockSweep(checked, None)
                last_passed = passed
            if failed_at is not None:
                return ClockSweep(checked, _due_since(now, failed_at))
            if len(entries) < limit:
                return ClockSweep(checked, timedelta(0))  # caught up
        return ClockSweep(checked, _due_since(now, last_passed))  # out of pages: more may be left

    def record(self, mention_id: str, outcome: DispatchOutcome) -> Outcome:
        """Record a page's outcome on the mention (which also takes it out of the due index)."""
        alert = outcome.alert
        if outcome.action is DispatchAction.PENDING:
            return Outcome.ALERT_PENDING
        record = AlertRecord(
            kind=alert.kind.value, channel="sns", message_id=alert.message_id, sent_at=alert.sent_at or self._clock()
        )
        if outcome.action is DispatchAction.MERGED or (alert.mention_ids[:1] != (mention_id,)):
            self._store.record_alert(
                mention_id, record.model_copy(update={"channel": f"merged:{alert.dedup_key}"}), AlertState.MERGED
            )
            return Outcome.MERGED
        self._store.record_alert(mention_id, record)
        return Outcome.ALERTED


class MentionProcessor:
    def __init__(
        self,
        store: Store,
        analyzer: SentimentAnalyzer,
        triager: Triager,
        alerter: Alerter,
        raw_ttl: timedelta,
        clock: Callable[[], datetime],
        brand_posts: BrandPostRecorder | None = None,
        urls: UrlClaimer | None = None,
    ) -> None:
        self._store = store
        self._brand_posts = brand_posts
        self._analyzer = analyzer
        self._triager = triager
        self._alerter = alerter
        self._raw_ttl = raw_ttl
        self._clock = clock
        self._urls = urls
        self._pager = UrgentPager(store, alerter, clock)

    def sweep_unpaged(self, limit: int = 50) -> list[Outcome]:
        return self._pager.sweep_unpaged(limit)

    def register_lambda_context(self, context: Any) -> None:
        self._alerter.register_lambda_context(context)

    def batch(self) -> AbstractContextManager[set[str]]:
        """Wrap the handling of one SQS batch: per-batch aggregates are written once when it ends. The set it
        yields then holds the mentions whose deferred writes failed: their records must be retried."""
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

    def _delete(self, mention: Mention) -> Outcome:
        """Mark the mention deleted; a deletion naming a later version of an edited post deletes the mention
        stored under its first id; one that overtook its mention is kept as a deleted row."""
        found = self._store.mark_deleted(mention)
        if not found:
            first = self._first_version(mention)
            found = first is not None and self._store.mark_deleted(first)
        if not found:
            self._keep_deletion(mention)
            # An edit naming this version may have linked it meanwhile: either it reads the row just kept, or
            # this reads its link (both are consistent reads after the writes).
            first = self._first_version(mention)
            if first is not None:
                self._store.mark_deleted(first)
        logger.info("mention deleted on its platform", extra={"mention_id": mention.id, "was_stored": found})
        return Outcome.DELETED

    def _first_version(self, mention: Mention) -> Mention | None:
        """`mention` under the id of the post it is a later version of, if it is one."""
        first = self._store.version_of(mention.id)
        prefix = f"{mention.platform.value}:"
        if first is None or not first.startswith(prefix) or first == mention.id:
            return None
        return mention.model_copy(update={"native_id": first.removeprefix(prefix)})

    def _a_version_is_deleted(self, mention: Mention) -> bool:
        for version in mention.versions:
            stored = self._store.get(f"{mention.platform.value}:{version}", consistent=True)
            if stored is not None and stored.deleted:
                return True
        return False

    def score(self, items: Sequence[QueuedMention]) -> dict[str, SentimentResult]:
        """Sentiment for every live mention of a batch that is not stored yet, in as few analyzer calls as the
        analyzer allows. A redelivery of a stored mention is not scored again (it is a duplicate or an edit, and
        neither needs a new score); `handle` gets None for it."""
        live = [
            item.mention
            for item in items
            if not (item.mention.deleted or item.mention.hidden) and item.brand_account is None
        ]
        unique = list({mention.id: mention for mention in live}.values())
        stored = self._store.stored_ids([mention.id for mention in unique]) if unique else set()
        unique = [mention for mention in unique if mention.id not in stored]
        results = self._analyzer.analyze(
            [
                SentimentRequest(text=mention.text, language=mention.language, followers=mention.author.followers)
                for mention in unique
            ]
        )
        return {mention.id: result for mention, result in zip(unique, results, strict=True)}

    def urgent_first(self, items: Sequence[QueuedMention], sentiments: dict[str, SentimentResult]) -> list[str]:
        """Mention ids in the order to handle them: what the rules would page for first, then by severity.

        A first look with an empty context (no store reads, microseconds per mention); `handle` triages each one
        again with its real context. The page of an urgent mention is not held behind 99 routine ones."""
        empty = TriageContext()

        def rank(item: QueuedMention) -> tuple[int, int]:
            sentiment = sentiments.get(item.mention.id)
            if item.mention.deleted or item.brand_account is not None or sentiment is None:
                return (1, 0)
            decision = self._triager.triage(item.mention, sentiment, empty)
            return (0 if decision.is_urgent else 1, -decision.severity.rank)

        return [item.mention.id for item in sorted(items, key=rank)]

    def keep_raw_payloads(self, items: Sequence[QueuedMention], sentiments: Mapping[str, SentimentResult]) -> set[str]:
        """Archive the raw payloads of the batch's new mentions (those `score` scored) and of edits, compressed into
        one row a batch; returns the mentions whose payload could not be written, so the caller fails those records
        alone. A redelivery of a stored mention is not archived again."""
        now = self._clock()
        payloads = {
            item.mention.id: RawPayload(mention_id=item.mention.id, source=item.source, payload=item.raw)
            for item in items
            if item.raw is not None
            and not (item.mention.deleted or item.mention.hidden)
            and item.brand_account is None
            and (item.mention.id in sentiments or item.mention.edited_at is not None)
        }
        expiration = int((now + self._raw_ttl).timestamp())
        unkept: set[str] = set()
        for row, compressed in raw_archive_rows(list(payloads.values()), now, uuid.uuid4().hex, expiration):
            try:
                self._store.put_raw_archive(row, compressed)
            except MentionwatchError:
                logger.warning("raw payload archive not written", extra={"mentions": len(row.payloads)})
                unkept.update(payload.mention_id for payload in row.payloads)
        return unkept

    def handle(self, item: QueuedMention, sentiment: SentimentResult | None) -> Outcome:
        mention = item.mention
        if item.brand_account is not None:
            # The brand speaking: never stored as a mention, triaged or paged.
            if self._brand_posts is None:
                logger.warning("brand post dropped: no recorder configured", extra={"post_id": mention.id})
                return Outcome.BRAND_ACTIVITY
            if mention.versions:
                self._store.link_versions(mention)
            if mention.deleted:
                mention = self._first_version(mention) or mention
            answered = self._brand_posts.record(mention, item.brand_account)
            return Outcome.RESPONSE if answered else Outcome.BRAND_ACTIVITY
        if mention.deleted:
            return self._delete(mention)
        if mention.hidden:
            found = self._store.set_hidden(mention, True)
            if not found:
                self._keep_deletion(mention)  # hidden before it was stored: kept resolved, never paged
            logger.info("mention hidden on its platform", extra={"mention_id": mention.id, "was_stored": found})
            return Outcome.HIDDEN
        if mention.hidden is False and self._store.set_hidden(mention, False):
            logger.info("mention shown again on its platform", extra={"mention_id": mention.id})
            return Outcome.SHOWN
        if mention.versions:
            # An edited post (X): each later version's id leads here, and a deletion of any version that overtook
            # this edit (it left a deleted row under that id) deletes the whole chain (X: "deleting any version
            # deletes the entire chain").
            self._store.link_versions(mention)
            if self._a_version_is_deleted(mention):
                return self._delete(mention.model_copy(update={"deleted": True}))
        if sentiment is None:  # not scored because it was already stored when the batch began
            return self._redelivered(mention, scored=False)

        if mention.language is None and sentiment.language:  # detected by the analyzer: keep it on the mention
            mention = mention.model_copy(update={"language": sentiment.language})
        if self._urls is not None:
            owner = self._urls.claim(mention)  # the same post through another integration (canonical URL)
            if owner is not None and owner != mention.id:
                logger.info("same post through another integration", extra={"mention_id": mention.id, "as": owner})
                return Outcome.DUPLICATE
        context = self._store.triage_context(mention)
        decision = self._triager.triage(mention, sentiment, context)
        triaged = TriagedMention(mention=mention, sentiment=sentiment, triage=decision)
        try:
            self._store.put_new(MentionItem.from_triaged(triaged, stored_at=self._clock()))
        except AlreadyStored:
            return self._redelivered(mention, scored=True)
        self._alerter.observe(triaged, context)

        if not triaged.triage.is_urgent:
            return Outcome.STORED
        return self._pager.record(mention.id, self._alerter.page_mention(triaged))

    def _redelivered(self, mention: Mention, scored: bool) -> Outcome:
        """A mention already stored: an edit, a duplicate, or one whose page an earlier attempt did not finish."""
        stored = self._store.get(mention.id, consistent=True)
        if stored is None and not scored:
            # Seen as stored when the batch began but gone now: fail the record; its retry scores it afresh.
            raise ValueError(f"no sentiment was computed for {mention.id}")
        if stored is not None and _edited(stored.mention, mention):
            # An edit on the platform (Meta `edited`, Mastodon `status.updated`, `mention.updated`).
            edited = self._store.update_content(mention)
            logger.info("edited mention", extra={"mention_id": mention.id, "applied": edited})
            return Outcome.EDITED
        if stored is None or stored.alert_state is not AlertState.PENDING:
            if stored is not None and stored.needs_respond_clock:
                # An earlier attempt may have died (or failed to write the clock) before it; an agent may have
                # acknowledged the mention since, which does not stop its respond clock.
                self._alerter.resume(stored.to_triaged())
            logger.info("duplicate delivery ignored", extra={"mention_id": mention.id})
            return Outcome.DUPLICATE
        # Stored by an earlier attempt that did not finish its alert: finish it, with the stored decision.
        return self._pager.finish_page(stored.to_triaged())


def _due_since(now: datetime, position: str | None) -> timedelta:
    return max(timedelta(0), now - due_of(position)) if position else timedelta(0)


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
