"""What alerting keeps: an open alert per dedup key, acknowledge links, SLA clocks and their breaches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.alerts.messages import AlertMessage, mention_platform, redact_private, safe_handle
from mentionwatch.models import TriagedMention, UtcDatetime


class AlertKind(StrEnum):
    MENTION = "mention"  # one urgent mention (and whatever merged into it)
    STORM = "storm"  # many urgent mentions of one brand at once
    SPIKE = "spike"  # negative volume far above its own history
    AMPLIFICATION = "amplification"  # one thread growing fast
    ESCALATION = "escalation"  # an unacknowledged page sent again, up its policy
    SLA_WARNING = "sla_warning"  # a respond mention nearing its SLA
    SLA_SUMMARY = "sla_summary"  # a team's SLA warnings and breaches of one interval, in one message


class DeliveryState(StrEnum):
    PENDING = "pending"  # not yet confirmed published: the sweeper retries it
    SENT = "sent"


class Alert(BaseModel):
    """The one open alert of a dedup key. Within `cooldown_until` later matches only raise `count`."""

    model_config = ConfigDict(frozen=True)

    dedup_key: Annotated[str, Field(min_length=1, max_length=512)]
    generation: Annotated[int, Field(ge=1)] = 1  # +1 each time the key opens a new alert after its cooldown
    kind: AlertKind
    brand: str
    team: str
    severity: str
    state: DeliveryState = DeliveryState.PENDING
    count: Annotated[int, Field(ge=1)] = 1
    mention_ids: tuple[str, ...] = ()
    opened_at: UtcDatetime
    last_seen_at: UtcDatetime
    cooldown_until: UtcDatetime
    lease_until: UtcDatetime
    attempts: int = 0
    last_error: str | None = None
    publishing_since: UtcDatetime | None = None  # intent: a publish began and its outcome is not yet recorded
    sent_at: UtcDatetime | None = None
    message_id: str | None = None
    message: AlertMessage
    ack_link_id: str | None = None
    sla_minutes: int | None = None
    acknowledged_at: UtcDatetime | None = None
    acknowledged_by: str | None = None
    acknowledged_via: str | None = None

    @property
    def target(self) -> str:
        """What an acknowledge link names: this generation of this dedup key."""
        return f"{self.dedup_key}#{self.generation}"


class AckLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    link_id: str
    dedup_key: str
    generation: int
    expires_at: UtcDatetime


class ClockKind(StrEnum):
    ESCALATE = "escalate"  # an urgent page: re-escalates until acknowledged, around the clock
    RESPOND = "respond"  # a mention to answer: warns its team, breaches in business time


class ClockState(StrEnum):
    OPEN = "open"
    STOPPED = "stopped"  # acknowledged / responded in time or late
    BREACHED = "breached"  # a respond clock ran out: recorded, nothing more to do
    EXHAUSTED = "exhausted"  # every level, repeat and the fallback were paged


class ClockEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: UtcDatetime
    action: str  # "warned", "breached", "escalated", "repeated", "fallback", "stopped"
    level: int | None = None
    routes: tuple[str, ...] = ()
    note: str | None = None


class SlaClock(BaseModel):
    model_config = ConfigDict(frozen=True)

    clock_id: str
    kind: ClockKind
    brand: str
    team: str
    severity: str
    started_at: UtcDatetime
    deadline: UtcDatetime
    next_due: UtcDatetime
    mention_ids: tuple[str, ...] = ()
    dedup_key: str | None = None  # escalate clocks: the alert they watch
    generation: int | None = None
    warn_at: UtcDatetime | None = None
    warned: bool = False
    breached_at: UtcDatetime | None = None
    step: int = 0  # escalate clocks: how many escalation pages were sent
    state: ClockState = ClockState.OPEN
    stopped_at: UtcDatetime | None = None
    events: tuple[ClockEvent, ...] = ()
    version: int = 1


class Breach(BaseModel):
    model_config = ConfigDict(frozen=True)

    clock_id: str
    kind: ClockKind
    brand: str
    team: str
    started_at: UtcDatetime
    deadline: UtcDatetime
    breached_at: UtcDatetime
    mention_ids: tuple[str, ...] = ()


class SummaryEntry(BaseModel):
    """One line of a team's SLA summary: a respond mention about to breach, or a breach."""

    model_config = ConfigDict(frozen=True)

    at: UtcDatetime
    action: str  # "warning" or "breach"
    clock_id: str
    kind: ClockKind
    brand: str
    severity: str
    deadline: UtcDatetime
    what: str  # category, platform and (safe) handle; never the post's private details
    link: str | None = None


def minutes_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


# --- incidents ------------------------------------------------------------------------------------------
class IncidentKind(StrEnum):
    MENTION = "mention"  # urgent posts of one author
    THREAD = "thread"  # one conversation: urgent replies, amplification, a spike or storm mostly from it
    STORM = "storm"  # many urgent mentions of a brand at once
    SPIKE = "spike"  # a brand's negative volume far above its own history


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Post(BaseModel):
    """A post as an incident lists it: public facts only (handle hidden if it is an e-mail or phone number)."""

    model_config = ConfigDict(frozen=True)

    mention_id: str
    platform: str
    handle: str
    reach: int
    sentiment: str
    permalink: str | None = None
    excerpt: str
    press: bool = False

    @classmethod
    def of(cls, triaged: TriagedMention, press_reach: int) -> Post:
        mention = triaged.mention
        text = redact_private(mention.text)
        return cls(
            mention_id=mention.id,
            platform=mention_platform(mention),
            handle=safe_handle(mention.author.handle),
            reach=mention.reach,
            sentiment=triaged.sentiment.label.value,
            permalink=mention.permalink,
            excerpt=text if len(text) <= 200 else text[:197] + "...",
            press=mention.reach >= press_reach,
        )

    def line(self) -> str:
        tag = " [press/high reach]" if self.press else ""
        link = f" {self.permalink}" if self.permalink else ""
        return f"- {self.platform} @{self.handle} ({self.reach:,}, {self.sentiment.lower()}){tag}: {self.excerpt}{link}"


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: UtcDatetime
    action: str  # opened, paged, updated, acknowledged, signal, linked-page, growth, resolved
    note: str | None = None
    # The incident's size at that moment: its growth over time.
    mentions: int | None = None
    replies: int | None = None
    max_reach: int | None = None
    negative_share: float | None = None


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: Annotated[str, Field(min_length=1, max_length=512)]
    generation: Annotated[int, Field(ge=1)] = 1
    kind: IncidentKind
    brand: str
    team: str
    severity: str
    status: IncidentStatus = IncidentStatus.TRIGGERED
    opened_at: UtcDatetime
    last_signal_at: UtcDatetime
    closes_at: UtcDatetime
    thread_key: str | None = None
    platform: str | None = None
    root: Post | None = None
    mentions: int = 0
    replies: int = 0
    negative: int = 0
    press: int = 0
    max_reach: int = 0
    reach_total: int = 0
    platforms: dict[str, int] = {}
    categories: dict[str, int] = {}
    top_posts: tuple[Post, ...] = ()
    mention_ids: tuple[str, ...] = ()
    signals: dict[str, int] = {}
    page_key: str | None = None  # the alert of its first page: acknowledge links and escalation point at it
    pages: int = 0  # the first page and each update
    paged_at: UtcDatetime | None = None
    paged_mentions: int = 0
    paged_max_reach: int = 0
    paged_severity: str | None = None
    acknowledged_at: UtcDatetime | None = None
    acknowledged_by: str | None = None
    linked_pages: tuple[str, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    version: int = 1

    @property
    def id(self) -> str:
        return f"{self.key}#{self.generation}"

    @property
    def negative_share(self) -> float:
        return self.negative / self.mentions if self.mentions else 0.0

    def is_open(self, now: datetime) -> bool:
        return self.status is not IncidentStatus.RESOLVED and self.closes_at > now
