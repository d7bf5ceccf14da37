"""Delivers alerts at most once per dedup key and cooldown, and never loses one.

- Open: the first match of a dedup key writes generation n+1 of `ALERT#<key>` with `attribute_not_exists`, so of
  two racing invocations exactly one opens it (and holds its delivery lease); the other merges into it.
- Merge: within the cooldown, later matches raise the open alert's count (conditional on the cooldown and on the
  mention not being counted yet, so a redelivery counts once) and page nobody.
- Deliver: make sure a paging alert's escalate clock exists (a conditional, idempotent start), publish to SNS,
  then mark the generation sent. If starting the clock or publishing fails the alert stays pending in the sparse
  "due" index and the scheduled sweeper claims it (a conditional lease) and delivers it, clock first, so a page
  that went out late still escalates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from aws_lambda_powertools import Logger

from mentionwatch.alerts.ack import AckSigner, ack_url
from mentionwatch.alerts.messages import AlertMessage
from mentionwatch.alerts.policy import EscalationConfig
from mentionwatch.alerts.records import AckLink, Alert, AlertKind, ClockKind, DeliveryState, SlaClock
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.exceptions import AlreadyStored, MentionwatchError, PublishFailed
from mentionwatch.store.alerts_dynamodb import AlertStore

logger = Logger(child=True)

DEFAULT_LEASE = timedelta(minutes=2)  # longer than any function's timeout: a crashed sender's lease runs out
SENT_ATTEMPTS = 5  # recording a publish's outcome: with 10% of writes failing, 1 in 100,000 stays unrecorded


class DispatchAction(StrEnum):
    SENT = "sent"  # this call published it
    PENDING = "pending"  # opened, publishing failed: the sweeper sends it
    MERGED = "merged"  # counted into an open alert: nobody paged
    DUPLICATE = "duplicate"  # this mention was already counted in the open alert


@dataclass(frozen=True)
class DispatchOutcome:
    action: DispatchAction
    alert: Alert


@dataclass(frozen=True)
class AlertCandidate:
    """An alert that may be sent: `render` gets the acknowledge link (or None) and returns the message."""

    dedup_key: str
    kind: AlertKind
    brand: str
    team: str
    severity: str
    cooldown: timedelta
    render: Callable[[str | None], AlertMessage]
    sla_minutes: int | None = None  # set: an escalate clock starts when it opens
    ack_target: tuple[str, int] | None = None  # acknowledge another alert (escalations of a page)
    mention_ids: tuple[str, ...] = field(default_factory=tuple)


class AlertDispatcher:
    def __init__(
        self,
        publisher: SnsPublisher,
        store: AlertStore,
        config: EscalationConfig,
        clock: Callable[[], datetime],
        signer: AckSigner | None = None,
        public_base_url: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._publisher = publisher
        self._store = store
        self._config = config
        self._clock = clock
        self._signer = signer
        self._base_url = public_base_url
        self._lease = lease
        self._sleep = sleep

    def register_lambda_context(self, context: Any) -> None:
        """Kept for the processor's API; leases, not the invocation, bound an attempt."""

    # --- opening and merging ---------------------------------------------------------------------------
    def current(self, dedup_key: str) -> Alert | None:
        return self._store.current_alert(dedup_key)

    def open_alert(self, dedup_key: str) -> Alert | None:
        """The alert of `dedup_key` still inside its cooldown, if any."""
        alert = self._store.current_alert(dedup_key)
        return alert if alert is not None and alert.cooldown_until > self._clock() else None

    def page(self, candidate: AlertCandidate, mention_id: str | None = None) -> DispatchOutcome:
        for _ in range(3):  # a lost race re-reads; three rounds settle any interleaving of open and cool-down
            now = self._clock()
            current = self._store.current_alert(candidate.dedup_key)
            if current is not None and current.cooldown_until > now:
                merged = self._store.merge_into(current, mention_id, now)
                if merged is not None:
                    return DispatchOutcome(DispatchAction.MERGED, merged)
                if mention_id is not None and mention_id in current.mention_ids:
                    return self._resume(current, now)
                continue  # cooled down meanwhile
            generation = (current.generation if current else 0) + 1
            alert = self._build(candidate, generation, mention_id, now)
            try:
                self._store.open_alert(alert)
            except AlreadyStored:
                continue  # another invocation opened it first: merge into theirs
            return self.deliver(alert, now)  # starts the escalate clock of a paging alert
        raise AlreadyStored(f"alert {candidate.dedup_key} kept changing; the batch retries this mention")

    def _build(self, candidate: AlertCandidate, generation: int, mention_id: str | None, now: datetime) -> Alert:
        target = candidate.ack_target or (candidate.dedup_key, generation)
        link_id, link = None, None
        if self._signer is not None and self._base_url:
            token = self._signer.issue(f"{target[0]}#{target[1]}", now)
            self._store.put_ack_link(
                AckLink(link_id=token.link_id, dedup_key=target[0], generation=target[1], expires_at=token.expires_at)
            )
            link_id, link = token.link_id, ack_url(self._base_url, token)
        mention_ids = candidate.mention_ids or ((mention_id,) if mention_id else ())
        return Alert(
            dedup_key=candidate.dedup_key,
            generation=generation,
            kind=candidate.kind,
            brand=candidate.brand,
            team=candidate.team,
            severity=candidate.severity,
            mention_ids=mention_ids,
            opened_at=now,
            last_seen_at=now,
            cooldown_until=now + candidate.cooldown,
            lease_until=now + self._lease,
            message=candidate.render(link),
            ack_link_id=link_id,
            sla_minutes=candidate.sla_minutes,
        )

    def _start_escalate_clock(self, alert: Alert, sla_minutes: int) -> None:
        policy = self._config.policy_for(alert.team)
        deadline = alert.opened_at + timedelta(minutes=sla_minutes)
        self._store.start_clock(
            SlaClock(
                clock_id=f"alert:{alert.target}",
                kind=ClockKind.ESCALATE,
                brand=alert.brand,
                team=alert.team,
                severity=alert.severity,
                started_at=alert.opened_at,
                deadline=deadline,
                next_due=deadline + timedelta(minutes=policy.levels[0].delay_minutes),
                mention_ids=alert.mention_ids,
                dedup_key=alert.dedup_key,
                generation=alert.generation,
            )
        )

    def _resume(self, alert: Alert, now: datetime) -> DispatchOutcome:
        """A redelivered mention finds its own alert: finish delivering it if it is pending and free."""
        if alert.state is DeliveryState.PENDING and self._store.claim_delivery(alert, now, self._lease):
            return self.deliver(alert, now)
        return DispatchOutcome(
            DispatchAction.DUPLICATE if alert.state is DeliveryState.SENT else DispatchAction.PENDING, alert
        )

    # --- delivery -------------------------------------------------------------------------------------
    def deliver(self, alert: Alert, now: datetime) -> DispatchOutcome:
        """Publish an alert whose lease this caller holds; a paging alert's escalate clock is started first."""
        if alert.sla_minutes:
            try:
                self._start_escalate_clock(alert, alert.sla_minutes)  # no-op if it already runs (or ran)
            except MentionwatchError as err:
                logger.exception("escalate clock not started; alert left pending", extra={"dedup_key": alert.dedup_key})
                self._store.release_delivery(alert, f"escalate clock not started: {err.message}", self._clock())
                return DispatchOutcome(DispatchAction.PENDING, alert)
        if alert.publishing_since is not None:
            # An earlier publish never recorded its outcome: if a mention recorded the page, it went out.
            published = self._store.recorded_page(alert)
            if published is not None:
                sent_at = self._clock()
                self._record_sent(alert, published, sent_at)
                logger.info("earlier publish confirmed, not repeated", extra={"dedup_key": alert.dedup_key})
                return DispatchOutcome(DispatchAction.DUPLICATE, self._as_sent(alert, published, sent_at))
            logger.warning("earlier publish outcome unknown: publishing again", extra={"dedup_key": alert.dedup_key})
        try:
            if not self._store.mark_publishing(alert, self._clock()):  # intent before the page, outcome after
                return DispatchOutcome(DispatchAction.DUPLICATE, alert)  # someone else sent it meanwhile
        except MentionwatchError as err:
            self._store.release_delivery(alert, f"publish intent not recorded: {err.message}", self._clock())
            return DispatchOutcome(DispatchAction.PENDING, alert)
        try:
            message_id = self._publisher.publish(alert.message)
        except PublishFailed as err:
            logger.warning("alert left pending for the sweeper", extra={"dedup_key": alert.dedup_key})
            self._store.release_delivery(alert, err.message, self._clock())
            return DispatchOutcome(DispatchAction.PENDING, alert)
        sent_at = self._clock()
        self._record_sent(alert, message_id, sent_at)
        return DispatchOutcome(DispatchAction.SENT, self._as_sent(alert, message_id, sent_at))

    def _record_sent(self, alert: Alert, message_id: str, sent_at: datetime) -> None:
        """The outcome of a publish, retried: a page that went out must not stay pending and go out again.
        If DynamoDB still refuses, the caller records the message id on the mention, which `deliver` checks."""
        for attempt in range(SENT_ATTEMPTS):
            try:
                self._store.mark_sent(alert, message_id, sent_at)
                return
            except MentionwatchError:
                if attempt == SENT_ATTEMPTS - 1:
                    logger.exception("published alert not marked sent", extra={"dedup_key": alert.dedup_key})
                    return
                self._sleep(0.02 * 2**attempt)

    @staticmethod
    def _as_sent(alert: Alert, message_id: str, sent_at: datetime) -> Alert:
        return alert.model_copy(
            update={"state": DeliveryState.SENT, "message_id": message_id, "sent_at": sent_at, "publishing_since": None}
        )

    def sweep(self, limit: int = 50) -> list[DispatchOutcome]:
        """Send every pending alert whose lease ran out (publishing failed, or its sender died)."""
        now = self._clock()
        outcomes = []
        for alert in self._store.due_alerts(now, limit):
            if self._store.claim_delivery(alert, now, self._lease):
                outcomes.append(self.deliver(alert, now))
        return outcomes
