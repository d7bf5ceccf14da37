"""SLA clocks, run every minute by the escalation schedule.

- Escalate clocks (one per paging alert) run around the clock. Acknowledged in time (by the link, or through the
  API, which moves the mention out of `new`) they stop. Otherwise, at the deadline, a breach is recorded and the
  team's policy plays out: each level after its delay, the last level `repeat` more times, then the fallback.
- Respond clocks (one per respond mention) run in the team's business hours: a warning to the team's `team`
  route shortly before the deadline, a breach recorded at it, stopped as soon as the mention is answered.

Each step pages first, then records the breach, then is written to the clock with a version condition. Nothing is
lost if a run fails half-way: the clock still names the step, so the next run does it again, and every part of it
is idempotent: a step's page has the dedup key `escalation:<clock>:<step number>` (a retried page merges into the
open alert instead of paging twice), a breach is keyed on its clock's deadline (recorded once), and the version
condition lets only one of two overlapping runs move the clock on. The page itself goes through the dispatcher,
which keeps it pending until SNS accepted it. A clock that fails is logged and counted in the report; the others
still run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from mentionwatch.alerts.dispatch import AlertCandidate, AlertDispatcher
from mentionwatch.alerts.messages import AlertMessage, mention_platform, safe_handle
from mentionwatch.alerts.notices import build_notice
from mentionwatch.alerts.policy import EscalationConfig, Policy
from mentionwatch.alerts.records import (
    Alert,
    AlertKind,
    Breach,
    ClockEvent,
    ClockKind,
    ClockState,
    DeliveryState,
    SlaClock,
    SummaryEntry,
)
from mentionwatch.exceptions import AlreadyStored, VersionConflict
from mentionwatch.models import MentionStatus
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.items import AlertRecord, AlertState, MentionItem

logger = Logger(child=True)

MAX_MENTIONS_CHECKED = 25


class MentionGetter(Protocol):
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def record_alert(self, mention_id: str, alert: AlertRecord, state: AlertState = AlertState.SENT) -> None: ...


@dataclass(frozen=True)
class Step:
    action: str  # "level", "repeat", "fallback"
    level: int | None
    routes: tuple[str, ...]
    delay_minutes: int


def escalation_steps(policy: Policy) -> list[Step]:
    steps = [Step("level", index + 1, level.notify, level.delay_minutes) for index, level in enumerate(policy.levels)]
    last = len(policy.levels)
    steps += [Step("repeat", last, policy.levels[-1].notify, policy.repeat_every_minutes)] * policy.repeat
    if policy.fallback:
        steps.append(Step("fallback", None, (policy.fallback,), policy.repeat_every_minutes))
    return steps


@dataclass
class EscalationReport:
    swept: int = 0
    checked: int = 0
    escalated: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    breached: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # clocks whose tick raised: retried by the next run
    summaries: list[str] = field(default_factory=list)  # team SLA summaries sent (`team:interval start`)


class EscalationJob:
    def __init__(
        self,
        dispatcher: AlertDispatcher,
        alerts: AlertStore,
        mentions: MentionGetter,
        config: EscalationConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._dispatcher = dispatcher
        self._alerts = alerts
        self._mentions = mentions
        self._config = config
        self._clock = clock

    def run(self) -> EscalationReport:
        report = EscalationReport()
        try:
            swept = self._dispatcher.sweep()
        except Exception:  # the clocks below must still run; the next run sweeps again
            logger.exception("sweeping pending alerts failed")
            swept = []
        report.swept = len(swept)
        for outcome in swept:
            self._record_on_mention(outcome.alert)
        for clock in self._alerts.due_clocks(self._clock()):
            report.checked += 1
            try:
                if clock.kind is ClockKind.ESCALATE:
                    self._tick_escalate(clock, report)
                else:
                    self._tick_respond(clock, report)
            except VersionConflict:
                logger.info("another run handled this clock", extra={"clock_id": clock.clock_id})
            except Exception:  # one clock must not stop the others; it stays due, so the next run retries it
                logger.exception("SLA clock failed; the next run retries it", extra={"clock_id": clock.clock_id})
                report.failed.append(clock.clock_id)
        try:
            report.summaries = self.send_summaries()
        except Exception:  # a summary not sent stays due: the next run sends it
            logger.exception("SLA summaries not sent; the next run retries")
        return report

    def _record_on_mention(self, alert: Alert) -> None:
        """A page the sweeper finally sent: its mention's row says so, as if it had been sent at once."""
        if alert.kind is not AlertKind.MENTION or not alert.mention_ids or alert.state is not DeliveryState.SENT:
            return
        record = AlertRecord(
            kind=alert.kind.value, channel="sns", message_id=alert.message_id, sent_at=alert.sent_at or self._clock()
        )
        self._mentions.record_alert(alert.mention_ids[0], record, AlertState.SENT)

    # --- escalate --------------------------------------------------------------------------------------
    def _acknowledged(self, clock: SlaClock, alert: Alert | None) -> str | None:
        if alert is not None and alert.acknowledged_at is not None:
            return f"acknowledged by {alert.acknowledged_by} via {alert.acknowledged_via}"
        ids = clock.mention_ids[:MAX_MENTIONS_CHECKED]
        if not ids:
            return None
        for mention_id in ids:
            item = self._mentions.get(mention_id, consistent=True)
            if item is not None and item.status is MentionStatus.NEW and not item.deleted:
                return None
        return "its mentions were acknowledged"

    def _tick_escalate(self, clock: SlaClock, report: EscalationReport) -> None:
        now = self._clock()
        alert = self._alerts.get_alert(clock.dedup_key or "", clock.generation or 0)
        why = self._acknowledged(clock, alert)
        if why is not None:
            self._save(
                clock, [ClockEvent(at=now, action="stopped", note=why)], state=ClockState.STOPPED, stopped_at=now
            )
            report.stopped.append(clock.clock_id)
            return
        updates: dict[str, object] = {}
        events: list[ClockEvent] = []
        newly_breached = clock.breached_at is None
        if newly_breached:
            updates["breached_at"] = now
            events.append(ClockEvent(at=now, action="breached", note=f"deadline {clock.deadline:%H:%M} UTC"))
        steps = escalation_steps(self._config.policy_for(clock.team))
        if clock.step >= len(steps):
            self._breached(clock, now, newly_breached, report)
            self._save(clock, events, **{**updates, "state": ClockState.EXHAUSTED, "stopped_at": now})
            return
        step = steps[clock.step]
        following = steps[clock.step + 1] if clock.step + 1 < len(steps) else None
        events.append(ClockEvent(at=now, action=step.action, level=step.level, routes=step.routes))
        if following is None:
            updates |= {"state": ClockState.EXHAUSTED, "stopped_at": now}
        else:
            updates["next_due"] = now + timedelta(minutes=following.delay_minutes)
        # Page first (pending if SNS fails; a retry of this step merges into it), then the breach (once per
        # deadline), then claim the step: a failure before the save leaves the step due for the next run.
        self._dispatcher.page(self._escalation_candidate(clock, alert, step, clock.step + 1))
        self._breached(clock, now, newly_breached, report)
        self._save(clock, events, **{**updates, "step": clock.step + 1})
        report.escalated.append(f"{clock.clock_id}:{step.action}:{','.join(step.routes)}")

    def _breached(self, clock: SlaClock, now: datetime, newly: bool, report: EscalationReport) -> None:
        """Idempotent: the breach is keyed on the clock's deadline, so a retried or overlapping run records it once."""
        if newly and self._alerts.record_breach(self._breach(clock, now)):
            report.breached.append(clock.clock_id)

    def _escalation_candidate(self, clock: SlaClock, alert: Alert | None, step: Step, number: int) -> AlertCandidate:
        key = f"escalation:{clock.clock_id}:{number}"
        waited = int((self._clock() - clock.started_at).total_seconds() // 60)
        what = alert.message.email_subject if alert else clock.clock_id
        label = {"level": f"level {step.level}", "repeat": f"level {step.level} again", "fallback": "fallback"}[
            step.action
        ]
        # What the page said, without its link: the escalation SMS carries its own. Severity tags and reach are
        # dropped first, so the post's words survive beside the acknowledge link.
        headline = (alert.message.headline or alert.message.sms.split(" http")[0]) if alert else what
        summary = re.sub(r"^\[[A-Z ]+\]\s*", "", headline)

        def render(link: str | None):  # type: ignore[no-untyped-def]
            return build_notice(
                dedup_key=key,
                kind=AlertKind.ESCALATION.value,
                brand=clock.brand,
                team=clock.team,
                severity=clock.severity,
                route=",".join(step.routes),
                title=f"[UNACKED {waited}m] {what}",
                sms=f"UNACKED {waited}m L{step.level or 'F'}: {summary}",
                lines=[
                    f"Not acknowledged {waited} minutes after the page (SLA deadline {clock.deadline:%H:%M} UTC).",
                    f"Escalation: {label}, to {', '.join(step.routes)}.",
                    "",
                    "The original alert:",
                    alert.message.email_body if alert else "(no longer on record)",
                ],
                link=link,
                next_steps=["Acknowledge with the link", "Hand over if you cannot take it"],
            )

        return AlertCandidate(
            dedup_key=key,
            kind=AlertKind.ESCALATION,
            brand=clock.brand,
            team=clock.team,
            severity=clock.severity,
            cooldown=timedelta(days=1),
            render=render,
            ack_target=(clock.dedup_key, clock.generation) if clock.dedup_key and clock.generation else None,
        )

    # --- respond ---------------------------------------------------------------------------------------
    def _tick_respond(self, clock: SlaClock, report: EscalationReport) -> None:
        now = self._clock()
        mention = self._mentions.get(clock.mention_ids[0], consistent=True) if clock.mention_ids else None
        if mention is None or mention.deleted or mention.status in (MentionStatus.RESPONDED, MentionStatus.RESOLVED):
            self._save(
                clock,
                [ClockEvent(at=now, action="stopped", note="answered" if mention else "gone")],
                state=ClockState.STOPPED,
                stopped_at=now,
            )
            report.stopped.append(clock.clock_id)
            return
        if now >= clock.deadline:
            self._breached(clock, now, True, report)
            self._file(clock, "breach", mention, now)
            self._save(
                clock,
                [ClockEvent(at=now, action="breached", note=f"deadline {clock.deadline:%H:%M} UTC")],
                state=ClockState.BREACHED,
                breached_at=now,
                stopped_at=now,
            )
            return
        if not clock.warned:
            self._file(clock, "warning", mention, now)  # into the team's summary of this interval
            self._save(
                clock, [ClockEvent(at=now, action="warned", routes=("team",))], warned=True, next_due=clock.deadline
            )
            report.warned.append(clock.clock_id)
            return
        self._save(clock, [], next_due=clock.deadline)

    # --- SLA summaries: one message per team and interval ---------------------------------------------------
    def _interval(self, now: datetime) -> tuple[datetime, datetime]:
        length = timedelta(minutes=self._config.sla_summary_minutes)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight + ((now - midnight) // length) * length
        return start, start + length

    def _file(self, clock: SlaClock, action: str, item: MentionItem, now: datetime) -> None:
        mention = item.mention
        start, end = self._interval(now)
        entry = SummaryEntry(
            at=now,
            action=action,
            clock_id=clock.clock_id,
            kind=clock.kind,
            brand=clock.brand,
            severity=clock.severity,
            deadline=clock.deadline,
            what=f"{item.triage.category.value} on {mention_platform(mention)} by "
            f"@{safe_handle(mention.author.handle)}",
            link=mention.permalink,
        )
        try:
            self._alerts.add_to_summary(clock.team, start, end, entry)
        except AlreadyStored:  # that interval's summary went out already (a late run): the next interval takes it
            self._alerts.add_to_summary(clock.team, end, end + (end - start), entry)

    def send_summaries(self) -> list[str]:
        """Publish the summary of every team interval that has ended (each once: keyed by team and interval)."""
        sent = []
        now = self._clock()
        for due in self._alerts.due_summaries(now):
            self._dispatcher.page(self._summary_candidate(due.team, due.start, due.entries, due.more, due.more_brands))
            self._alerts.close_summary(due.team, due.start, now)
            sent.append(f"{due.team}:{due.start:%Y-%m-%dT%H:%M}")
        return sent

    def _summary_candidate(
        self,
        team: str,
        start: datetime,
        entries: list[SummaryEntry],
        more: dict[str, int] | None = None,
        more_brands: frozenset[str] = frozenset(),
    ) -> AlertCandidate:
        """`more`: entries past what the summary row keeps, by action (counted, not listed)."""
        more = more or {}
        unique = list({(entry.clock_id, entry.action): entry for entry in entries}.values())
        warnings = sum(1 for entry in unique if entry.action == "warning") + more.get("warning", 0)
        breaches = sum(1 for entry in unique if entry.action == "breach") + more.get("breach", 0)
        total = len(unique) + sum(more.values())
        end = start + timedelta(minutes=self._config.sla_summary_minutes)
        key = f"sla-summary:{team}:{start:%Y-%m-%dT%H:%M}"
        rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        worst = sorted(unique, key=lambda e: (e.action != "breach", rank.get(e.severity, 4), e.deadline))[:5]
        brands = ", ".join(sorted({entry.brand for entry in unique} | more_brands))
        what = f"{breaches} SLA breaches, {warnings} replies due soon"
        title = f"[SLA] {team}: {what} ({start:%H:%M}-{end:%H:%M} UTC)"

        def render(link: str | None) -> AlertMessage:
            return build_notice(
                dedup_key=key,
                kind=AlertKind.SLA_SUMMARY.value,
                brand=brands,
                team=team,
                severity=max((entry.severity for entry in unique), key=lambda s: -rank.get(s, 4), default="low"),
                route="team",
                title=title,
                sms=f"[SLA] {team}: {what} ({brands})",
                lines=[
                    f"Team {team}, {start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC: {what}.",
                    "",
                    "Worst first:",
                    *[
                        f"- {entry.action} {entry.severity}: {entry.what} ({entry.brand}), due "
                        f"{entry.deadline:%H:%M} UTC {entry.link or ''}".rstrip()
                        for entry in worst
                    ],
                    *([f"... and {total - len(worst)} more in the mentions queue"] if total > len(worst) else []),
                ],
                link=None,  # a summary is not a page: nothing to acknowledge
                next_steps=["Answer the oldest first", "Record each response in mentionwatch"],
            )

        return AlertCandidate(
            dedup_key=key,
            kind=AlertKind.SLA_SUMMARY,
            brand=brands,
            team=team,
            severity="low",
            cooldown=timedelta(days=1),
            render=render,
        )

    # --- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _breach(clock: SlaClock, now: datetime) -> Breach:
        return Breach(
            clock_id=clock.clock_id,
            kind=clock.kind,
            brand=clock.brand,
            team=clock.team,
            started_at=clock.started_at,
            deadline=clock.deadline,
            breached_at=now,
            mention_ids=clock.mention_ids,
        )

    def _save(self, clock: SlaClock, events: list[ClockEvent], **updates: object) -> SlaClock:
        updated = clock.model_copy(update={**updates, "events": clock.events + tuple(events)})
        self._alerts.save_clock(updated, clock.version)
        return updated.model_copy(update={"version": clock.version + 1})
