"""What the pipeline asks of alerting for each stored mention.

- `observe`: count it (hourly volume for spikes and the digest), start a respond SLA clock, add it to the open
  incident of its thread or brand, and open (or grow) its thread's incident when the thread is amplified.
- `page_mention`: safety and `bypass_grouping` page on their own, linked to the incident they sit in; any other
  urgent mention joins the open incident of its thread, author or brand, starts a storm incident when its brand
  has more than N urgent mentions in M minutes, or opens an incident of its own (alerts/incidents.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from mentionwatch.alerts.dispatch import AlertCandidate, AlertDispatcher, DispatchOutcome
from mentionwatch.alerts.incidents import IncidentDesk, describe, dominant_thread, incident_title
from mentionwatch.alerts.messages import AlertMessage, render_alert
from mentionwatch.alerts.policy import EscalationConfig
from mentionwatch.alerts.records import Alert, AlertKind, ClockKind, Incident, IncidentKind, SlaClock
from mentionwatch.exceptions import AdapterError, AlreadyStored, MentionwatchError
from mentionwatch.models import Category, Mention, Reaction, Sentiment, TriageContext, TriagedMention
from mentionwatch.store import keys
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.items import MentionItem

logger = Logger(child=True)

EARLY_SPIKE_CHECK_EVERY = timedelta(minutes=1)  # per brand and process, when a batch alone looks like a burst
EARLY_SPIKE_CHECK_MIN_MS = 10_000  # time left in the invocation for it; else the 5-minute schedule checks


BYPASS_TAG = "bypass_grouping"  # a triage rule's tag: this mention always pages on its own
MAX_SEED = 1000  # a thread's mentions read when its incident opens


class MentionReader(Protocol):
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def by_brand(self, brand: str, start: datetime, end: datetime) -> list[MentionItem]: ...
    def by_thread(self, thread_key: str) -> list[MentionItem]: ...


def bypasses_grouping(triaged: TriagedMention) -> bool:
    """Safety, and anything a rule tags `bypass_grouping`, never merges into an incident or storm."""
    triage = triaged.triage
    return triage.is_urgent and (
        triage.category is Category.SAFETY or BYPASS_TAG in triage.tags or bool(getattr(triage, BYPASS_TAG, False))
    )


def mention_dedup_keys(mention: Mention) -> list[str]:
    """The alerts a mention may belong to, first choice first: a reply its thread's, then its author's; a post
    of its own its author's. A new alert opens under the first."""
    author = f"author:{keys.author_key(mention)}"
    return [f"thread:{mention.thread_key}", author] if mention.thread.root_id else [author]


def respond_clock_id(mention_id: str) -> str:
    return f"mention:{mention_id}"


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
        clock_id=respond_clock_id(triaged.mention.id),
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


class OnCall:
    def __init__(
        self,
        dispatcher: AlertDispatcher,
        alerts: AlertStore,
        mentions: MentionReader,
        config: EscalationConfig,
        clock: Callable[[], datetime],
        incidents: IncidentDesk | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._alerts = alerts
        self._mentions = mentions
        self._config = config
        self._clock = clock
        self._incidents = incidents or IncidentDesk(alerts, dispatcher, config, clock, root_lookup=self._root)
        self._spike_check: Callable[[str], object] | None = None
        self._pending_counts: list[TriagedMention] | None = None
        self._pending_clocks: list[SlaClock] | None = None
        self._pending_joins: list[TriagedMention] | None = None
        self._early_spike_checks: dict[str, datetime] = {}  # brand → when this process last checked it early
        self._lambda_context: Any = None

    def register_lambda_context(self, context: Any) -> None:
        self._dispatcher.register_lambda_context(context)
        self._lambda_context = context

    @property
    def incidents(self) -> IncidentDesk:
        return self._incidents

    def check_spikes_with(self, check: Callable[[str], object]) -> None:
        """Spike detection for one brand (`SpikeJob.check`), run before an urgent post opens an incident of its
        own: a post inside a burst then joins the burst's incident instead of paging apart."""
        self._spike_check = check

    def _root(self, mention_id: str) -> TriagedMention | None:
        item = self._mentions.get(mention_id)
        return item.to_triaged() if item is not None else None

    # --- every stored mention --------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[set[str]]:
        """Within a batch, volume counts are written once per brand and hour when it ends (they feed spike
        detection and the digest, which tolerate a lost count far better than a slow or throttled batch), and the
        batch's mentions join their open incidents once per incident when it ends: a viral burst rewrites its
        incident's row (about 10 KB, 10 write units) once a batch, not once a mention on one key. A batch that
        alone holds the spike minimum of one brand's negative mentions checks that brand for a spike when it
        ends (at most once a minute a brand in this process): a viral burst is paged as one incident within
        seconds, not at the next 5-minute spike schedule.

        Yields a set that, when the batch ends, holds the mentions whose respond clock could not be started: the
        caller fails just those records, and each redelivered mention starts its clock then (`resume`)."""
        unfinished: set[str] = set()
        self._pending_counts, self._pending_clocks, self._pending_joins = [], [], []
        try:
            yield unfinished
        finally:
            pending, self._pending_counts = self._pending_counts, None
            clocks, self._pending_clocks = self._pending_clocks, None
            joins, self._pending_joins = self._pending_joins, None
            if joins:
                self._join_incidents(joins)
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
                self._check_bursts(pending)

    def alert_holding(self, mention: Mention) -> Alert | None:
        """The current alert of any key the mention may have paged under that already counts it (even after its
        cooldown): a retried mention records that alert instead of paging again."""
        brand = mention.match.brand
        incident_keys = (
            f"page:{mention.id}",
            f"thread:{mention.thread_key}",
            f"author:{keys.author_key(mention)}",
            f"brand:{brand}",
        )
        for key in (*incident_keys, f"storm:{brand}", *mention_dedup_keys(mention)):
            alert = self._dispatcher.current(key)
            if alert is not None and mention.id in alert.mention_ids:
                return alert
        return None

    def resume(self, triaged: TriagedMention, known_missing: bool = False) -> None:
        """A redelivered mention that is still new: make sure its respond clock runs (no-op if it does), timed
        from when the mention arrived. Read first unless the caller just read it (`known_missing`): nearly always
        the clock runs, and a read costs a fifth of the conditional put that would fail (billed as a write)."""
        clock = respond_clock(triaged, self._config, triaged.mention.received_at)
        if clock is not None and (known_missing or self._alerts.get_clock(clock.clock_id) is None):
            self._alerts.start_clock(clock)  # conditional: a clock started meanwhile wins

    def clocks_running(self, mentions: Sequence[TriagedMention]) -> set[str]:
        """The ids of these mentions whose respond clocks exist (one read for many: the respond sweep's check)."""
        clock_ids = {respond_clock_id(triaged.mention.id): triaged.mention.id for triaged in mentions}
        return {clock_ids[found] for found in self._alerts.existing_clocks(list(clock_ids))} if clock_ids else set()

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
        return self._group(triaged)

    def _group(self, triaged: TriagedMention) -> DispatchOutcome | None:
        """Join the open incident of the mention's thread or brand (when the batch ends, inside a batch); a reply
        in a thread growing fast (amplification) opens or escalates its thread's incident at once. Only a material
        step pages (an update)."""
        mention = triaged.mention
        thread = f"thread:{mention.thread_key}"
        outcome = None
        if self._pending_joins is not None:
            self._pending_joins.append(triaged)
            if not mention.thread.root_id or self._incidents.open_incident(thread) is not None:
                return None
        else:
            incident = self._incidents.containing(triaged)
            if incident is not None:
                outcome = self._incidents.signal(
                    incident.key, incident.kind, [triaged], signal="mention", pages=False, known=incident
                )
            if not mention.thread.root_id or (incident is not None and incident.key == thread):
                return outcome
        settings = self._config.amplification
        since = self._clock() - timedelta(minutes=settings.window_minutes)
        replies = self._alerts.count_thread(mention.thread_key, since)
        if replies < settings.replies:
            return outcome
        return self._incidents.signal(
            thread,
            IncidentKind.THREAD,
            [triaged],
            signal="amplification",
            severity="high",
            note=f"{replies} replies in {settings.window_minutes} min",
            seed=lambda: self._thread_mentions(mention.thread_key),
        )

    def _check_bursts(self, batch: list[TriagedMention]) -> None:
        """Check for a spike now each brand with at least the spike minimum of negative mentions in this batch."""
        if self._spike_check is None:
            return
        remaining = getattr(self._lambda_context, "get_remaining_time_in_millis", None)
        if remaining is not None and remaining() < EARLY_SPIKE_CHECK_MIN_MS:
            return  # a check reads the brand's window of mentions: not in an invocation near its timeout
        negative = Counter(item.mention.match.brand for item in batch if item.sentiment.label is Sentiment.NEGATIVE)
        now = self._clock()
        for brand, count in negative.items():
            last = self._early_spike_checks.get(brand)
            if count < self._config.spike.min_count or (last is not None and now - last < EARLY_SPIKE_CHECK_EVERY):
                continue
            self._early_spike_checks[brand] = now
            try:
                self._spike_check(brand)
            except MentionwatchError:  # the 5-minute schedule checks it again
                logger.warning("early spike check failed", extra={"brand": brand, "negative": count})

    def _join_incidents(self, joins: list[TriagedMention]) -> None:
        """The batch's mentions join the open incidents of their threads or brands: one read per thread and brand,
        one signal (one row written) per incident. A join that cannot be recorded is logged and dropped: it only
        counts the mention (the incident's own pages and urgent mentions do not wait for it)."""
        found: dict[str, Incident | None] = {}

        def incident_of(key: str) -> Incident | None:
            if key not in found:
                found[key] = self._incidents.open_incident(key)
            return found[key]

        groups: dict[str, tuple[Incident, list[TriagedMention]]] = {}
        for triaged in joins:
            mention = triaged.mention
            incident = incident_of(f"thread:{mention.thread_key}") or incident_of(f"brand:{mention.match.brand}")
            if incident is not None:
                groups.setdefault(incident.key, (incident, []))[1].append(triaged)
        for key, (incident, items) in groups.items():
            try:
                self._incidents.signal(key, incident.kind, items, signal="mention", pages=False, known=incident)
            except MentionwatchError:
                logger.warning("incident joins not recorded", extra={"incident": key, "mentions": len(items)})

    def _thread_mentions(self, thread_key: str) -> list[TriagedMention]:
        return [item.to_triaged() for item in self._mentions.by_thread(thread_key)[:MAX_SEED] if not item.deleted]

    # --- urgent mentions -------------------------------------------------------------------------------
    def page_mention(self, triaged: TriagedMention) -> DispatchOutcome:
        """Safety and `bypass_grouping` page on their own (linked to any open incident). Anything else joins the
        open incident of its thread, author or brand (which pages only on a material step), starts a storm
        incident when the brand has too many urgent mentions at once, or opens an incident of its own."""
        mention, triage = triaged.mention, triaged.triage
        if bypasses_grouping(triaged):
            return self._page_alone(triaged)
        author = f"author:{keys.author_key(mention)}"
        incident = self._incidents.containing(triaged) or self._incidents.open_incident(author)
        if incident is not None:
            outcome = self._incidents.signal(
                incident.key, incident.kind, [triaged], signal="urgent", severity=triage.severity.value, known=incident
            )
            if outcome is not None:
                return outcome
        brand = mention.match.brand
        storm = self._config.storm
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
            thread = dominant_thread(recent, self._config.incidents.thread_share)
            key, kind = (f"thread:{thread}", IncidentKind.THREAD) if thread else (f"brand:{brand}", IncidentKind.STORM)
            outcome = self._incidents.signal(
                key,
                kind,
                [triaged, *(item for item in recent if item.mention.id != mention.id)],
                signal="storm",
                severity="critical",
                note=f"{len(recent)} urgent mentions in {storm.window_minutes} min",
                seed=(lambda: self._thread_mentions(thread)) if thread else None,
            )
            if outcome is not None:
                return outcome
        if mention.thread.root_id:
            key, kind = f"thread:{mention.thread_key}", IncidentKind.THREAD
        else:
            key, kind = author, IncidentKind.MENTION
            if self._spike_check is not None:
                # The brand may be spiking before the 5-minute schedule notices: check now, and join if it is.
                self._spike_check(brand)
                spiking = self._incidents.open_incident(f"brand:{brand}")
                if spiking is not None:
                    outcome = self._incidents.signal(
                        spiking.key, spiking.kind, [triaged], signal="urgent", severity=triage.severity.value
                    )
                    if outcome is not None:
                        return outcome
        outcome = self._incidents.signal(
            key,
            kind,
            [triaged],
            signal="urgent",
            severity=triage.severity.value,
            team=triage.team,
            seed=(lambda: self._thread_mentions(mention.thread_key)) if kind is IncidentKind.THREAD else None,
        )
        if outcome is None:  # not possible for a paging signal; kept explicit for the type checker
            raise AlreadyStored(f"incident {key} did not page; the batch retries this mention")
        return outcome

    def _page_alone(self, triaged: TriagedMention) -> DispatchOutcome:
        mention, triage = triaged.mention, triaged.triage
        incident = self._incidents.containing(triaged)
        key = f"page:{mention.id}"
        note = f"in open {incident.kind.value} incident" if incident else None
        lines = (
            [
                f"Part of open incident {incident.id}: {incident_title(incident)}, {describe(incident)}.",
                "Paged on its own: safety and bypass_grouping mentions never merge into an incident.",
            ]
            if incident
            else None
        )

        def render(link: str | None) -> AlertMessage:
            message = render_alert(triaged, link, dedup_key=key, note=note, incident_lines=lines)
            if incident is None:
                return message
            return message.model_copy(update={"attributes": message.attributes | {"incident": incident.id}})

        outcome = self._dispatcher.page(
            AlertCandidate(
                dedup_key=key,
                kind=AlertKind.MENTION,
                brand=mention.match.brand,
                team=triage.team,
                severity=triage.severity.value,
                cooldown=timedelta(minutes=self._config.cooldown_minutes),
                render=render,
                sla_minutes=triage.sla_minutes or self._config.default_sla_minutes,
            ),
            mention.id,
        )
        if incident is not None:
            self._incidents.link_page(incident, mention.id, key)
        return outcome
