"""What alerting keeps: an open alert per dedup key, acknowledge links, SLA clocks and their breaches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.alerts.messages import AlertMessage
from mentionwatch.models import UtcDatetime


class AlertKind(StrEnum):
    MENTION = "mention"  # one urgent mention (and whatever merged into it)
    STORM = "storm"  # many urgent mentions of one brand at once
    SPIKE = "spike"  # negative volume far above its own history
    AMPLIFICATION = "amplification"  # one thread growing fast
    ESCALATION = "escalation"  # an unacknowledged page sent again, up its policy
    SLA_WARNING = "sla_warning"  # a respond mention nearing its SLA


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


def minutes_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60
