"""GET /incidents and GET /incidents/{id}: the incidents alerting grouped (alerts/incidents.py), for the console
and for clients. An incident is read-only here: it is acknowledged through its page's acknowledge link."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Protocol
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.alerts.incidents import describe, incident_title
from mentionwatch.alerts.records import Incident, IncidentKind, Post, TimelineEntry
from mentionwatch.api.identity import Caller
from mentionwatch.api.models import KEY_SAFE, Moment
from mentionwatch.exceptions import BadRequest, InvalidParameter, NotFound

DEFAULT_DAYS = 7
MAX_DAYS = 31
MAX_INCIDENTS = 200
DEFAULT_INCIDENTS = 50
# `<kind of key>:<key>#<generation>`, e.g. `thread:x:1234#1` (percent-encode the `#` in a URL: `%23`).
INCIDENT_ID = re.compile(r"^(thread|author|brand):[^\s#]{1,400}#(\d{1,6})$")
SAFETY_PAGE = "page:"


class IncidentReader(Protocol):
    def incidents_between(self, since: datetime, until: datetime, limit: int) -> list[Incident]: ...
    def get_incident(self, key: str, generation: int) -> Incident | None: ...


class IncidentState(StrEnum):
    OPEN = "open"  # triggered or acknowledged, still taking signals
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # resolved, or closed after its quiet period


# --- requests -----------------------------------------------------------------------------------------
class IncidentQuery(BaseModel):
    """GET /incidents query parameters: incidents opened in a time range, newest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    since: Annotated[Moment | None, Field(description="Opened at or after (default: 7 days before `until`)")] = None
    until: Annotated[Moment | None, Field(description="Opened before (default: now), 31 days at most")] = None
    brand: Annotated[str | None, Field(min_length=1, max_length=128, pattern=KEY_SAFE)] = None
    team: Annotated[str | None, Field(min_length=1, max_length=64, pattern=KEY_SAFE)] = None
    status: Annotated[IncidentState | None, Field(description="`open` = triggered or acknowledged")] = None
    kind: IncidentKind | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_INCIDENTS)] = DEFAULT_INCIDENTS


# --- responses ----------------------------------------------------------------------------------------
class IncidentPost(BaseModel):
    """A post as the incident lists it (public facts; e-mail addresses and phone numbers redacted)."""

    mention_id: str
    platform: str
    handle: str
    reach: int
    sentiment: str
    press: Annotated[bool, Field(description="Press or a high-reach account (reach at or over the policy's bar)")]
    permalink: str | None = None
    excerpt: str

    @classmethod
    def of(cls, post: Post) -> IncidentPost:
        return cls.model_validate(post.model_dump())


class IncidentEvent(BaseModel):
    """One timeline entry, with the incident's size at that moment (its growth over time)."""

    at: datetime
    action: Annotated[str, Field(description="opened, paged, updated, signal, acknowledged, linked-page, growth")]
    note: str | None = None
    mentions: int | None = None
    replies: int | None = None
    max_reach: int | None = None
    negative_share: float | None = None

    @classmethod
    def of(cls, entry: TimelineEntry) -> IncidentEvent:
        return cls.model_validate(entry.model_dump())


class IncidentSummary(BaseModel):
    id: Annotated[str, Field(description="`<key>#<generation>`; GET /incidents/{id} with the `#` as `%23`")]
    kind: IncidentKind
    title: Annotated[str, Field(description="e.g. `LinkedIn thread about acme by @dan`")]
    summary: Annotated[str, Field(description="How big: `64 replies, 81% negative, 3 press/high-reach`")]
    brand: str
    team: str
    severity: str
    status: IncidentState
    open: bool
    opened_at: datetime
    last_signal_at: datetime
    closes_at: Annotated[datetime, Field(description="When it closes if no further signal arrives")]
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    mentions: int
    replies: int
    negative_share: float
    press: int
    max_reach: int
    pages: Annotated[int, Field(description="SMS/e-mail pages sent: the first page and each update")]
    safety_pages: Annotated[list[str], Field(description="Mentions inside it that paged on their own (safety)")]
    root: IncidentPost | None = None

    @classmethod
    def of(cls, incident: Incident, now: datetime) -> IncidentSummary:
        return cls(**_summary_fields(incident, now))


class IncidentDetail(IncidentSummary):
    reach_total: int
    platforms: dict[str, int]
    categories: dict[str, int]
    signals: Annotated[dict[str, int], Field(description="Signals received: urgent, amplification, storm, spike")]
    top_posts: Annotated[list[IncidentPost], Field(description="By reach, any sentiment; press always listed")]
    mention_ids: Annotated[list[str], Field(description="Its first mentions (at most 100; later ones are counted)")]
    timeline: list[IncidentEvent]

    @classmethod
    def of(cls, incident: Incident, now: datetime) -> IncidentDetail:
        return cls(
            **_summary_fields(incident, now),
            reach_total=incident.reach_total,
            platforms=incident.platforms,
            categories=incident.categories,
            signals=incident.signals,
            top_posts=[IncidentPost.of(post) for post in incident.top_posts],
            mention_ids=list(incident.mention_ids),
            timeline=[IncidentEvent.of(entry) for entry in incident.timeline],
        )


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    since: datetime
    until: datetime
    truncated: Annotated[bool, Field(description="More incidents matched than `limit`: narrow the range")]


def _state(incident: Incident, now: datetime) -> IncidentState:
    if not incident.is_open(now):
        return IncidentState.RESOLVED
    return IncidentState(incident.status.value)


def _summary_fields(incident: Incident, now: datetime) -> dict[str, object]:
    return {
        "id": incident.id,
        "kind": incident.kind,
        "title": incident_title(incident),
        "summary": describe(incident),
        "brand": incident.brand,
        "team": incident.team,
        "severity": incident.severity,
        "status": _state(incident, now),
        "open": incident.is_open(now),
        "opened_at": incident.opened_at,
        "last_signal_at": incident.last_signal_at,
        "closes_at": incident.closes_at,
        "acknowledged_at": incident.acknowledged_at,
        "acknowledged_by": incident.acknowledged_by,
        "mentions": incident.mentions,
        "replies": incident.replies,
        "negative_share": round(incident.negative_share, 3),
        "press": incident.press,
        "max_reach": incident.max_reach,
        "pages": incident.pages,
        "safety_pages": [key.removeprefix(SAFETY_PAGE) for key in incident.linked_pages],
        "root": IncidentPost.of(incident.root) if incident.root else None,
    }


def parse_incident_id(raw: str) -> tuple[str, int]:
    """`thread:x:1234#1` → (`thread:x:1234`, 1); anything else is a 400 naming `id`."""
    incident_id = unquote(raw) if "%" in raw else raw
    found = INCIDENT_ID.fullmatch(incident_id)
    if found is None or int(found.group(2)) < 1:
        raise BadRequest("id must be <thread|author|brand>:<key>#<generation>, e.g. thread:x:1234%231", field="id")
    key, _, generation = incident_id.rpartition("#")
    return key, int(generation)


class IncidentsApi:
    def __init__(self, reader: IncidentReader, clock: Callable[[], datetime]) -> None:
        self._reader = reader
        self._clock = clock

    def list_incidents(self, query: IncidentQuery, caller: Caller) -> IncidentPage:
        now = self._clock()
        until = query.until or now
        since = query.since or until - timedelta(days=DEFAULT_DAYS)
        if since >= until:
            raise InvalidParameter("since must be before until", field="since")
        if until - since > timedelta(days=MAX_DAYS):
            raise InvalidParameter(f"the range may span at most {MAX_DAYS} days", field="since")
        team = caller.team_filter(query.team)

        def wanted(incident: Incident) -> bool:
            state = _state(incident, now)
            status_ok = query.status is None or (
                incident.is_open(now) if query.status is IncidentState.OPEN else state is query.status
            )
            return (
                status_ok
                and (query.brand is None or incident.brand == query.brand)
                and (team is None or incident.team == team)
                and (query.kind is None or incident.kind is query.kind)
            )

        # Filters apply after the read: read a bounded number more than asked, and say when it was not enough.
        read = self._reader.incidents_between(since, until, MAX_INCIDENTS * 5)
        matching = [incident for incident in read if wanted(incident)]
        return IncidentPage(
            items=[IncidentSummary.of(incident, now) for incident in matching[: query.limit]],
            since=since,
            until=until,
            truncated=len(matching) > query.limit or len(read) >= MAX_INCIDENTS * 5,
        )

    def get_incident(self, raw_id: str, caller: Caller) -> IncidentDetail:
        key, generation = parse_incident_id(raw_id)
        incident = self._reader.get_incident(key, generation)
        # Another team's incident is reported exactly like a missing one.
        if incident is None or not caller.sees(incident.team):
            raise NotFound(f"incident {key}#{generation} does not exist", field="id")
        return IncidentDetail.of(incident, self._clock())
