"""What the pipeline asks of alerting for each stored mention.

- `observe`: count it (hourly volume for spikes and the digest), start a respond SLA clock, and page an
  amplification alert when its thread is growing fast.
- `page_mention`: page an urgent mention, unless it belongs to an open alert (same thread, or same author,
  within the cooldown: the count grows) or its brand is in a storm (more than N urgent mentions in M minutes:
  one storm alert, later ones counted into it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from mentionwatch.alerts.dispatch import AlertCandidate, AlertDispatcher, DispatchOutcome
from mentionwatch.alerts.gsm import SMS_LIMIT, septets, to_gsm7
from mentionwatch.alerts.messages import PLATFORM_LABELS, render_alert
from mentionwatch.alerts.notices import build_notice, sample_line
from mentionwatch.alerts.policy import EscalationConfig
from mentionwatch.alerts.records import Alert, AlertKind, ClockKind, SlaClock
from mentionwatch.exceptions import AdapterError, MentionwatchError
from mentionwatch.models import Mention, Reaction, TriageContext, TriagedMention
from mentionwatch.store import keys
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.items import MentionItem

logger = Logger(child=True)


class MentionReader(Protocol):
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def by_brand(self, brand: str, start: datetime, end: datetime) -> list[MentionItem]: ...


def mention_dedup_keys(mention: Mention) -> list[str]:
    """The alerts a mention may belong to, first choice first: a reply its thread's, then its author's; a post
    of its own its author's. A new alert opens under the first."""
    author = f"author:{keys.author_key(mention)}"
    return [f"thread:{mention.thread_key}", author] if mention.thread.root_id else [author]


def respond_clock(triaged: TriagedMention, config: EscalationConfig, now: datetime) -> SlaClock | None:
    triage = triaged.triage
    if triage.reaction is not Reaction.RESPOND or not triage.sla_minutes:
        return None
    calendar = config.team(triage.team).calendar
    sla = triage.sla_minutes
    warn_after = sla - config.respond_warning_minutes if sla > config.respond_warning_minutes else sla // 2

    def after(minutes: int) -> datetime:
        return calendar.add_business_minutes(now, minutes) if calendar else now + timedelta(minutes=minutes)

    warn_at = after(warn_after)
    return SlaClock(
        clock_id=f"mention:{triaged.mention.id}",
        kind=ClockKind.RESPOND,
        brand=triaged.mention.match.brand,
        team=triage.team,
        severity=triage.severity.value,
        started_at=now,
        deadline=after(sla),
        warn_at=warn_at,
        next_due=warn_at,
        mention_ids=(triaged.mention.id,),
    )


def _with_link_if_whole(text: str, link: str, ack: str | None) -> str:
    """The thread link goes into the SMS only if it fits whole beside the acknowledge link (e-mail and chat
    always carry it): a cut link is worse than none."""
    candidate = f"{text} {link}"
    room = SMS_LIMIT - (septets(ack) + 1 if ack else 0)
    return candidate if septets(to_gsm7(candidate)) <= room else f"{text} (thread link in e-mail/chat)"


class OnCall:
    def __init__(
        self,
        dispatcher: AlertDispatcher,
        alerts: AlertStore,
        mentions: MentionReader,
        config: EscalationConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._dispatcher = dispatcher
        self._alerts = alerts
        self._mentions = mentions
        self._config = config
        self._clock = clock
        self._pending_counts: list[TriagedMention] | None = None
        self._pending_clocks: list[SlaClock] | None = None

    def register_lambda_context(self, context: Any) -> None:
        self._dispatcher.register_lambda_context(context)

    # --- every stored mention --------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[set[str]]:
        """Within a batch, volume counts are written once per brand and hour when it ends (they feed spike
        detection and the digest, which tolerate a lost count far better than a slow or throttled batch).

        Yields a set that, when the batch ends, holds the mentions whose respond clock could not be started: the
        caller fails just those records, and each redelivered mention starts its clock then (`resume`)."""
        unfinished: set[str] = set()
        self._pending_counts, self._pending_clocks = [], []
        try:
            yield unfinished
        finally:
            pending, self._pending_counts = self._pending_counts, None
            clocks, self._pending_clocks = self._pending_clocks, None
            if clocks:
                try:
                    self._alerts.start_clocks(clocks)
                except MentionwatchError:
                    for clock in clocks:  # one failed write fails its own mention, not the batch
                        try:
                            self._alerts.start_clock(clock)
                        except MentionwatchError:
                            unfinished.update(clock.mention_ids)
            if pending:
                try:
                    self._alerts.count_mentions(pending)
                except AdapterError:
                    logger.warning("volume counts of a batch were not written", extra={"mentions": len(pending)})

    def alert_holding(self, mention: Mention) -> Alert | None:
        """The current alert of any key the mention may have paged under that already counts it (even after its
        cooldown): a retried mention records that alert instead of paging again."""
        for key in (f"storm:{mention.match.brand}", *mention_dedup_keys(mention)):
            alert = self._dispatcher.current(key)
            if alert is not None and mention.id in alert.mention_ids:
                return alert
        return None

    def resume(self, triaged: TriagedMention) -> None:
        """A redelivered mention that is still new: make sure its respond clock runs (no-op if it does), timed
        from when the mention arrived."""
        clock = respond_clock(triaged, self._config, triaged.mention.received_at)
        if clock is not None:
            self._alerts.start_clock(clock)

    def observe(self, triaged: TriagedMention, context: TriageContext | None = None) -> DispatchOutcome | None:
        """`context` is what triage saw; the amplification check counts the thread itself, over its own window."""
        if self._pending_counts is not None:
            self._pending_counts.append(triaged)
        else:
            self._alerts.count_mention(triaged)
        clock = respond_clock(triaged, self._config, self._clock())
        if clock is not None:
            if self._pending_clocks is not None:
                self._pending_clocks.append(clock)
            else:
                self._alerts.start_clock(clock)
        return self._check_amplification(triaged)

    def _check_amplification(self, triaged: TriagedMention) -> DispatchOutcome | None:
        mention = triaged.mention
        settings = self._config.amplification
        if not mention.thread.root_id:
            return None
        since = self._clock() - timedelta(minutes=settings.window_minutes)
        replies = self._alerts.count_thread(mention.thread_key, since)
        if replies < settings.replies:
            return None
        root = self._mentions.get(f"{mention.platform.value}:{mention.thread.root_id}")
        link = (root.mention.permalink if root else None) or mention.permalink or mention.thread_key
        platform = PLATFORM_LABELS.get(mention.platform.value, mention.platform.value)
        brand, team = mention.match.brand, triaged.triage.team

        def render(ack: str | None):  # type: ignore[no-untyped-def]
            return build_notice(
                dedup_key=f"amplification:{mention.thread_key}",
                kind=AlertKind.AMPLIFICATION.value,
                brand=brand,
                team=team,
                severity="high",
                route="oncall",
                title=f"[THREAD] {platform} thread about {brand} growing: {replies} replies in "
                f"{settings.window_minutes} min",
                sms=_with_link_if_whole(
                    f"[THREAD] {platform} {brand}: {replies} replies in {settings.window_minutes}min", link, ack
                ),
                lines=[
                    f"A {platform} thread about {brand} got {replies} replies and comments in the last "
                    f"{settings.window_minutes} minutes (threshold {settings.replies}).",
                    f"Thread: {link}",
                    "",
                    "Latest reply:",
                    sample_line(triaged),
                ],
                link=ack,
                next_steps=["Read the thread", "Decide whether to answer once, publicly, at the top"],
                related=[link],
                extra={"platform": mention.platform.value},
            )

        return self._dispatcher.page(
            AlertCandidate(
                dedup_key=f"amplification:{mention.thread_key}",
                kind=AlertKind.AMPLIFICATION,
                brand=brand,
                team=team,
                severity="high",
                cooldown=timedelta(minutes=settings.cooldown_minutes),
                render=render,
                sla_minutes=self._config.default_sla_minutes,
            ),
            mention.id,
        )

    # --- urgent mentions -------------------------------------------------------------------------------
    def page_mention(self, triaged: TriagedMention) -> DispatchOutcome:
        mention, triage = triaged.mention, triaged.triage
        brand = mention.match.brand
        storm = self._config.storm
        storm_key = f"storm:{brand}"
        if self._dispatcher.open_alert(storm_key) is not None:
            return self._dispatcher.page(self._storm_candidate(triaged, [triaged]), mention.id)
        now = self._clock()
        window = timedelta(minutes=storm.window_minutes)
        if self._alerts.count_urgent(brand, now, window) > storm.threshold:
            recent = [
                item.to_triaged()
                for item in self._mentions.by_brand(brand, now - window, now + timedelta(minutes=1))
                if item.triage.is_urgent
            ]
            if not any(item.mention.id == mention.id for item in recent):
                recent.append(triaged)
            return self._dispatcher.page(self._storm_candidate(triaged, recent), mention.id)

        candidates = mention_dedup_keys(mention)
        key = next((k for k in candidates if self._dispatcher.open_alert(k) is not None), candidates[0])
        return self._dispatcher.page(
            AlertCandidate(
                dedup_key=key,
                kind=AlertKind.MENTION,
                brand=brand,
                team=triage.team,
                severity=triage.severity.value,
                cooldown=timedelta(minutes=self._config.cooldown_minutes),
                render=lambda link: render_alert(triaged, link, dedup_key=key),
                sla_minutes=triage.sla_minutes or self._config.default_sla_minutes,
            ),
            mention.id,
        )

    def _storm_candidate(self, triaged: TriagedMention, recent: list[TriagedMention]) -> AlertCandidate:
        brand, team = triaged.mention.match.brand, triaged.triage.team
        storm = self._config.storm
        key = f"storm:{brand}"
        count = len(recent)
        platforms: dict[str, int] = {}
        for item in recent:
            label = PLATFORM_LABELS.get(item.mention.platform.value, item.mention.platform.value)
            platforms[label] = platforms.get(label, 0) + 1
        spread = ", ".join(f"{name} {n}" for name, n in sorted(platforms.items(), key=lambda kv: -kv[1]))
        top = sorted(recent, key=lambda item: item.mention.reach, reverse=True)[:5]

        def render(link: str | None):  # type: ignore[no-untyped-def]
            return build_notice(
                dedup_key=key,
                kind=AlertKind.STORM.value,
                brand=brand,
                team=team,
                severity="critical",
                route="oncall",
                title=f"[STORM] {brand}: {count} urgent mentions in {storm.window_minutes} min",
                sms=f"[STORM] {brand}: {count} urgent mentions in {storm.window_minutes}min ({spread}). "
                "Further ones are counted, not paged.",
                lines=[
                    f"{count} urgent mentions of {brand} in the last {storm.window_minutes} minutes "
                    f"(threshold {storm.threshold}). Platforms: {spread}.",
                    f"Further urgent mentions in the next {storm.cooldown_minutes} minutes are counted into "
                    "this alert instead of paging.",
                    "",
                    "Highest reach:",
                    *[sample_line(item) for item in top],
                ],
                link=link,
                next_steps=["Check for an incident or outage", "Prepare one public statement"],
                related=[item.mention.permalink or "" for item in top],
            )

        return AlertCandidate(
            dedup_key=key,
            kind=AlertKind.STORM,
            brand=brand,
            team=team,
            severity="critical",
            cooldown=timedelta(minutes=storm.cooldown_minutes),
            render=render,
            sla_minutes=self._config.default_sla_minutes,
            mention_ids=tuple(item.mention.id for item in recent),
        )
