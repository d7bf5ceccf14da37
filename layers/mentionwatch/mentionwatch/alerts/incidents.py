"""Incidents: every signal about one situation grouped, paged once, updated only when it gets materially worse.

Modelled on on-call systems that group alerts into incidents: each incident has a dedup key, a status
(triggered → acknowledged → resolved) and a stored timeline.

- Keys: `thread:<platform>:<root>` (a conversation: its urgent replies, its amplification, a spike or storm
  mostly made of it), `author:<platform>:<handle>` (urgent posts of one author), `brand:<brand>` (a storm or spike
  of a brand that no one thread explains). One open incident per key (`INCIDENT#<key>` / `GEN#<n>`); it closes
  after `incidents.quiet_minutes` without a signal, or when resolved.
- Every stored mention of an open incident's thread (or, failing that, its brand) joins it: counts, reach, press
  and high-reach accounts whatever their sentiment. Joining pages nobody.
- The first paging signal pages once, to the incident's team (thread, storm and spike incidents: the crisis team
  of the escalation policy), and starts the one escalation clock of the incident. Later signals only update:
  one update page when the incident took a material step (volume × `volume_step`, an account `reach_step` times
  bigger than any paged, a higher severity), at most one per `update_minutes`. An acknowledged incident stays
  acknowledged; its updates say "still growing".
- Safety (and anything a rule tags `bypass_grouping`) never merges: `OnCall` pages it on its own and links it
  here (`link_page`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from mentionwatch.alerts.dispatch import AlertCandidate, AlertDispatcher, DispatchAction, DispatchOutcome
from mentionwatch.alerts.gsm import SMS_LIMIT, fit, to_gsm7
from mentionwatch.alerts.messages import (
    AlertMessage,
    compact_number,
    mention_platform,
    redact_for_sms,
    render_alert,
)
from mentionwatch.alerts.notices import build_notice
from mentionwatch.alerts.policy import EscalationConfig
from mentionwatch.alerts.records import AlertKind, Incident, IncidentKind, IncidentStatus, Post, TimelineEntry
from mentionwatch.exceptions import AlreadyStored, VersionConflict
from mentionwatch.models import Sentiment, TriagedMention

logger = Logger(child=True)

MAX_MENTION_IDS = 100  # the first mentions (acknowledged with the page); later ones only count
RECENT_IDS = 2000  # mentions this desk counted lately: a mention joined on arrival is not counted again as urgent
MAX_TIMELINE = 120
GROWTH_MINUTES = 10  # a timeline point with the incident's size, while it grows
RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


class IncidentStore(Protocol):
    """What the desk needs from storage (`store/alerts_dynamodb.AlertStore` implements it)."""

    def current_incident(self, key: str) -> Incident | None: ...  # pragma: no cover - protocol
    def create_incident(self, incident: Incident) -> None: ...  # pragma: no cover
    def save_incident(self, incident: Incident, expected_version: int) -> None: ...  # pragma: no cover


def acknowledge_incident(store: IncidentStore, page_key: str, by: str, at: datetime) -> Incident | None:
    """The open incident whose page (the alert of its key) was acknowledged: status and timeline say so.
    Best effort after the page itself is acknowledged (escalation reads the page)."""
    for _ in range(3):
        incident = store.current_incident(page_key)
        if incident is None or incident.page_key != page_key or incident.acknowledged_at is not None:
            return incident
        entry = TimelineEntry(at=at, action="acknowledged", note=by)
        updated = incident.model_copy(
            update={
                "status": IncidentStatus.ACKNOWLEDGED,
                "acknowledged_at": at,
                "acknowledged_by": by,
                "timeline": (*incident.timeline, entry)[-MAX_TIMELINE:],
            }
        )
        try:
            store.save_incident(updated, incident.version)
            return updated
        except VersionConflict:
            continue
    return None


def thread_key_of(triaged: TriagedMention) -> str | None:
    mention = triaged.mention
    return mention.thread_key if mention.thread.root_id else None


def dominant_thread(items: Sequence[TriagedMention], share: float) -> str | None:
    """The conversation at least `share` of `items` belong to (a reply's thread, or a root post's own)."""
    if not items:
        return None
    counts = Counter(item.mention.thread_key for item in items)
    key, n = counts.most_common(1)[0]
    replies = sum(1 for item in items if item.mention.thread_key == key and item.mention.thread.root_id)
    return key if replies and n / len(items) >= share else None


class IncidentDesk:
    def __init__(
        self,
        store: IncidentStore,
        dispatcher: AlertDispatcher,
        config: EscalationConfig,
        clock: Callable[[], datetime],
        root_lookup: Callable[[str], TriagedMention | None] = lambda _: None,
    ) -> None:
        self._store = store
        self._dispatcher = dispatcher
        self._config = config
        self._clock = clock
        self._root_lookup = root_lookup
        self._recent: dict[str, None] = {}  # insertion-ordered, bounded

    @property
    def settings(self) -> EscalationConfig:
        return self._config

    # --- finding ---------------------------------------------------------------------------------------
    def open_incident(self, key: str) -> Incident | None:
        incident = self._store.current_incident(key)
        return incident if incident is not None and incident.is_open(self._clock()) else None

    def containing(self, triaged: TriagedMention) -> Incident | None:
        """The open incident a mention belongs to: its conversation's, else its brand's."""
        mention = triaged.mention
        return self.open_incident(f"thread:{mention.thread_key}") or self.open_incident(f"brand:{mention.match.brand}")

    # --- signals ---------------------------------------------------------------------------------------
    def join(self, triaged: TriagedMention) -> DispatchOutcome | None:
        """A stored mention joins the open incident of its thread or brand, if any: counted, listed if it reaches
        far; an update page only if the incident took a material step."""
        incident = self.containing(triaged)
        if incident is None:
            return None
        return self.signal(incident.key, incident.kind, [triaged], signal="mention", pages=False)

    def signal(
        self,
        key: str,
        kind: IncidentKind,
        items: Sequence[TriagedMention],
        *,
        signal: str,
        severity: str | None = None,
        team: str | None = None,
        note: str | None = None,
        pages: bool = True,
        seed: Callable[[], Sequence[TriagedMention]] | None = None,
        known: Incident | None = None,
    ) -> DispatchOutcome | None:
        """Record a signal on the incident of `key` (opening it if none is open) and page what it calls for.

        `pages`: whether this signal may open and page an incident (a plain mention joining does not).
        `seed`: when the incident opens, the mentions that already belong to it (a thread's earlier replies).
        Returns the page or update sent, or a MERGED outcome naming the incident's page; None if nothing pages."""
        for attempt in range(4):
            now = self._clock()
            current = known if attempt == 0 and known is not None else self._store.current_incident(key)
            created = False
            if current is None or not current.is_open(now):
                if not pages:
                    return None
                first = items[0]
                generation = current.generation + 1 if current else 1
                incident = self._new(key, kind, first, generation, team, severity, now)
                incident = self._add(incident, [*(seed() if seed else []), *items], now)
                incident = self._note(incident, now, "opened", note or f"{signal}: {self._describe(incident)}")
                try:
                    self._store.create_incident(incident.model_copy(update={"version": 1}))
                except AlreadyStored:
                    continue
                current, created = incident, True
            updated = current
            if severity and RANK.get(severity, 0) > RANK.get(updated.severity, 0):
                updated = updated.model_copy(update={"severity": severity})
            if kind is not updated.kind and _KIND_ORDER[kind] > _KIND_ORDER[updated.kind]:
                updated = updated.model_copy(update={"kind": kind, "team": self._team_for(kind, team)})
            fresh = [item for item in items if item.mention.id not in self._recent]
            updated = self._add(updated, fresh, now)
            if signal != "mention":
                updated = updated.model_copy(update={"signals": _bump(updated.signals, signal)})
                if not created:
                    updated = self._note(updated, now, "signal", note or signal)
            elif updated.mentions != current.mentions and self._growth_due(updated, now):
                updated = self._note(updated, now, "growth")
            updated = updated.model_copy(
                update={
                    "last_signal_at": now,
                    "closes_at": now + timedelta(minutes=self._config.incidents.quiet_minutes),
                }
            )
            outcome: DispatchOutcome | None = None
            if updated.page_key is None:
                if pages:
                    outcome, updated = self._first_page(updated, items[0], now)
            elif self._material(updated, now):
                outcome, updated = self._update(updated, now)
            try:
                self._store.save_incident(updated, current.version)
            except VersionConflict:
                continue  # another invocation changed it: read again and re-apply (pages are keyed, so sent once)
            self._remember(item.mention.id for item in items)
            if outcome is None and updated.page_key is not None:
                page = self._dispatcher.current(updated.page_key)
                if page is not None:
                    outcome = DispatchOutcome(DispatchAction.MERGED, page)
            return outcome
        raise AlreadyStored(f"incident {key} kept changing; the batch retries this mention")

    def _remember(self, ids: Iterable[str]) -> None:
        for mention_id in ids:
            self._recent[mention_id] = None
        while len(self._recent) > RECENT_IDS:
            del self._recent[next(iter(self._recent))]

    def link_page(self, incident: Incident, mention_id: str, page_key: str) -> None:
        """A safety page sent on its own: the incident it sits in lists it (best effort; the page went out)."""
        for _ in range(3):
            current = self._store.current_incident(incident.key) or incident
            if page_key in current.linked_pages:
                return
            updated = self._note(
                current.model_copy(update={"linked_pages": (*current.linked_pages, page_key)}),
                self._clock(),
                "linked-page",
                f"{mention_id} paged on its own ({page_key})",
            )
            try:
                self._store.save_incident(updated, current.version)
                return
            except VersionConflict:
                continue

    # --- building ---------------------------------------------------------------------------------------
    def _team_for(self, kind: IncidentKind, team: str | None) -> str:
        if kind is IncidentKind.MENTION:
            return team or self._config.crisis_team
        return self._config.crisis_team

    def _new(
        self,
        key: str,
        kind: IncidentKind,
        first: TriagedMention,
        generation: int,
        team: str | None,
        severity: str | None,
        now: datetime,
    ) -> Incident:
        mention = first.mention
        thread = key.removeprefix("thread:") if key.startswith("thread:") else None
        root = None
        if thread is not None:
            platform, _, root_id = thread.partition(":")
            found = self._root_lookup(f"{platform}:{root_id}")
            if found is not None:
                root = Post.of(found, self._config.incidents.press_reach)
        return Incident(
            key=key,
            generation=generation,
            kind=kind,
            brand=mention.match.brand,
            team=self._team_for(kind, team or first.triage.team),
            severity=severity or first.triage.severity.value,
            opened_at=now,
            last_signal_at=now,
            closes_at=now + timedelta(minutes=self._config.incidents.quiet_minutes),
            thread_key=thread,
            platform=root.platform if root else mention_platform(mention),
            root=root,
        )

    def _add(self, incident: Incident, items: Sequence[TriagedMention], now: datetime) -> Incident:
        settings = self._config.incidents
        seen = set(incident.mention_ids)
        fresh = []
        for item in items:
            if item.mention.id not in seen:
                seen.add(item.mention.id)
                fresh.append(item)
        if not fresh:
            return incident
        posts = {post.mention_id: post for post in incident.top_posts}
        for item in fresh:
            posts[item.mention.id] = Post.of(item, settings.press_reach)
        ranked = sorted(posts.values(), key=lambda post: post.reach, reverse=True)
        press = [post for post in ranked if post.press][:20]
        others = [post for post in ranked if not post.press][: max(settings.top_posts - len(press), 0)]
        platforms = Counter(incident.platforms)
        platforms.update(mention_platform(item.mention) for item in fresh)
        categories = Counter(incident.categories)
        categories.update(item.triage.category.value for item in fresh)
        new_press = sum(1 for item in fresh if item.mention.reach >= settings.press_reach)
        return incident.model_copy(
            update={
                "mentions": incident.mentions + len(fresh),
                "replies": incident.replies + sum(1 for item in fresh if item.mention.thread.root_id),
                "negative": incident.negative + sum(1 for item in fresh if item.sentiment.label is Sentiment.NEGATIVE),
                "press": incident.press + new_press,
                "max_reach": max([incident.max_reach, *(item.mention.reach for item in fresh)]),
                "reach_total": incident.reach_total + sum(item.mention.reach for item in fresh),
                "platforms": dict(platforms.most_common()),
                "categories": dict(categories.most_common()),
                "top_posts": tuple(sorted([*press, *others], key=lambda post: post.reach, reverse=True)),
                "mention_ids": (*incident.mention_ids, *(item.mention.id for item in fresh))[:MAX_MENTION_IDS],
            }
        )

    @staticmethod
    def _note(incident: Incident, at: datetime, action: str, note: str | None = None) -> Incident:
        entry = TimelineEntry(
            at=at,
            action=action,
            note=note,
            mentions=incident.mentions,
            replies=incident.replies,
            max_reach=incident.max_reach,
            negative_share=round(incident.negative_share, 3),
        )
        timeline = (*incident.timeline, entry)
        return incident.model_copy(update={"timeline": timeline[-MAX_TIMELINE:]})

    @staticmethod
    def _growth_due(incident: Incident, now: datetime) -> bool:
        """A growth point at most every GROWTH_MINUTES while mentions keep joining (the console draws them)."""
        last = incident.timeline[-1].at if incident.timeline else incident.opened_at
        return now - last >= timedelta(minutes=GROWTH_MINUTES)

    # --- paging -----------------------------------------------------------------------------------------
    def _material(self, incident: Incident, now: datetime) -> bool:
        settings = self._config.incidents
        if incident.paged_at is not None and now - incident.paged_at < timedelta(minutes=settings.update_minutes):
            return False
        if RANK.get(incident.severity, 0) > RANK.get(incident.paged_severity or "", 0):
            return True
        if incident.mentions >= max(incident.paged_mentions, 1) * settings.volume_step:
            return True
        bigger = incident.max_reach >= max(incident.paged_max_reach, 1) * settings.reach_step
        return bigger and incident.max_reach >= settings.press_reach

    def _snapshot(self, incident: Incident, now: datetime, page_key: str | None = None) -> Incident:
        return incident.model_copy(
            update={
                "page_key": page_key or incident.page_key,
                "pages": incident.pages + 1,
                "paged_at": now,
                "paged_mentions": incident.mentions,
                "paged_max_reach": incident.max_reach,
                "paged_severity": incident.severity,
            }
        )

    def _first_page(
        self, incident: Incident, trigger: TriagedMention, now: datetime
    ) -> tuple[DispatchOutcome, Incident]:
        page_key = incident.key  # the page is the alert of the incident's key: escalation and acks point at it
        incident = self._snapshot(incident, now, page_key)
        frozen = incident

        def render(link: str | None) -> AlertMessage:
            if frozen.kind is IncidentKind.MENTION:
                message = render_alert(trigger, link, dedup_key=page_key)
                attributes = message.attributes | {"incident": frozen.id, "team": frozen.team}
                return message.model_copy(update={"attributes": attributes})
            return render_incident(frozen, link, self._config, page_key=page_key)

        outcome = self._dispatcher.page(
            AlertCandidate(
                dedup_key=page_key,
                kind=_ALERT_KIND[incident.kind],
                brand=incident.brand,
                team=incident.team,
                severity=incident.severity,
                cooldown=timedelta(minutes=self._config.incidents.quiet_minutes),
                render=render,
                sla_minutes=(trigger.triage.sla_minutes if incident.kind is IncidentKind.MENTION else None)
                or self._config.default_sla_minutes,
                mention_ids=incident.mention_ids[:25],
            ),
        )
        return outcome, self._note(incident, now, "paged", f"{incident.team} on-call: {self._describe(incident)}")

    def _update(self, incident: Incident, now: datetime) -> tuple[DispatchOutcome, Incident]:
        page = self._dispatcher.current(incident.page_key or "")
        if page is not None and page.acknowledged_at is not None and incident.acknowledged_at is None:
            incident = incident.model_copy(
                update={
                    "status": IncidentStatus.ACKNOWLEDGED,
                    "acknowledged_at": page.acknowledged_at,
                    "acknowledged_by": page.acknowledged_by,
                }
            )
        number = incident.pages
        key = f"update:{incident.id}:{number}"
        incident = self._snapshot(incident, now)
        frozen = incident
        outcome = self._dispatcher.page(
            AlertCandidate(
                dedup_key=key,
                kind=_ALERT_KIND[incident.kind],
                brand=incident.brand,
                team=incident.team,
                severity=incident.severity,
                cooldown=timedelta(days=1),
                render=lambda link: render_incident(frozen, link, self._config, page_key=key, update=number),
                ack_target=(incident.page_key, page.generation) if incident.page_key and page else None,
            )
        )
        return outcome, self._note(incident, now, "updated", self._describe(incident))

    def _describe(self, incident: Incident) -> str:
        return describe(incident)


_KIND_ORDER = {IncidentKind.MENTION: 0, IncidentKind.STORM: 1, IncidentKind.SPIKE: 2, IncidentKind.THREAD: 3}
_ALERT_KIND = {
    IncidentKind.MENTION: AlertKind.MENTION,
    IncidentKind.THREAD: AlertKind.AMPLIFICATION,
    IncidentKind.STORM: AlertKind.STORM,
    IncidentKind.SPIKE: AlertKind.SPIKE,
}


def _bump(counts: dict[str, int], name: str) -> dict[str, int]:
    return {**counts, name: counts.get(name, 0) + 1}


def describe(incident: Incident) -> str:
    """`64 replies, 81% negative, 3 press/high-reach`: how big, in a few words."""
    if incident.kind is IncidentKind.THREAD:
        volume = f"{incident.replies} repl{'y' if incident.replies == 1 else 'ies'}"
    else:
        volume = f"{incident.mentions} post{'' if incident.mentions == 1 else 's'}"
    parts = [volume, f"{round(incident.negative_share * 100)}% negative"]
    if incident.press:
        parts.append(f"{incident.press} press/high-reach")
    return ", ".join(parts)


def _tag(incident: Incident) -> str:
    return incident.kind.value.upper()


def incident_title(incident: Incident) -> str:
    where = incident.platform or "?"
    if incident.kind is IncidentKind.THREAD:
        author = f" by @{incident.root.handle}" if incident.root else ""
        return f"{where} thread about {incident.brand}{author}"
    if incident.kind is IncidentKind.MENTION and incident.top_posts:
        return f"{where} posts about {incident.brand} by @{incident.top_posts[0].handle}"
    return f"{incident.brand} on {', '.join(list(incident.platforms)[:3]) or where}"


def render_incident(
    incident: Incident, link: str | None, config: EscalationConfig, *, page_key: str, update: int = 0
) -> AlertMessage:
    """The page (or update `update`) of a grouped incident: what, how bad, where, and the posts that matter."""
    tag = f"UPDATE {_tag(incident)}" if update else _tag(incident)
    size = describe(incident)
    if update and incident.acknowledged_at is not None:
        status = f"acked by {incident.acknowledged_by or '?'}, still growing"
    elif update:
        status = "still growing, NOT acked"
    else:
        status = ""
    lead = incident.root if incident.root is not None else (incident.top_posts[0] if incident.top_posts else None)
    where = incident.platform if incident.kind is IncidentKind.THREAD else next(iter(incident.platforms), "")
    quote = f' "{redact_for_sms(lead.excerpt)}"' if lead is not None and not update else ""
    who = f" @{lead.handle} {compact_number(lead.reach)}" if lead is not None and not update else ""
    if not update:
        sms = f"[{tag}] {where or ''} {incident.brand}{who}: {size}.{quote}"
    else:
        sms = f"[{tag}] {incident_title(incident)}: {status}: {size}"
    sms = fit(to_gsm7(sms), SMS_LIMIT)
    lines = [
        f"Incident {incident.id} ({incident.kind.value}, {incident.status.value}), team {incident.team}, "
        f"severity {incident.severity}",
        f"Opened {incident.opened_at:%Y-%m-%d %H:%M} UTC; last signal {incident.last_signal_at:%H:%M} UTC.",
        f"Size: {incident.mentions} posts, {incident.replies} replies, negative share "
        f"{round(incident.negative_share * 100)}%, {incident.press} press/high-reach accounts "
        f"(>= {config.incidents.press_reach:,} followers), largest audience {incident.max_reach:,}.",
    ]
    if update:
        lines.insert(0, f"Update {update}: {status}.")
    if incident.root is not None:
        lines += ["", "Root post:", incident.root.line()]
    lines += [
        f"Platforms: {', '.join(f'{name} {n}' for name, n in incident.platforms.items()) or '-'}",
        f"Categories: {', '.join(f'{name} {n}' for name, n in incident.categories.items()) or '-'}",
        "",
        "Top posts by reach (any sentiment; press and high-reach accounts always listed):",
        *[post.line() for post in incident.top_posts],
    ]
    if incident.linked_pages:
        lines += ["", "Paged on their own (safety/legal):", *[f"- {key}" for key in incident.linked_pages]]
    lines += ["", "Timeline:", *[f"- {e.at:%H:%M} {e.action}: {e.note or ''}" for e in incident.timeline[-10:]]]
    subject = f"[{tag}] {incident_title(incident)}: {size}"
    return build_notice(
        dedup_key=page_key,
        kind=_ALERT_KIND[incident.kind].value,
        brand=incident.brand,
        team=incident.team,
        severity=incident.severity,
        route="oncall",
        title=subject,
        sms=sms,
        lines=lines,
        link=link,
        next_steps=["Read the top posts", "Decide on one public answer"],
        related=[post.permalink or "" for post in incident.top_posts],
        extra={"incident": incident.id} | ({"platform": incident.platform} if incident.platform else {}),
    )
