"""The mentions API's request and response models: what clients send and see, separate from the stored rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mentionwatch.lifecycle import Action, LifecycleEvent, ResponseKind
from mentionwatch.models import (
    Author,
    Category,
    Engagement,
    Match,
    MentionStatus,
    Platform,
    Reaction,
    Sentiment,
    SentimentScores,
    Severity,
    ThreadRef,
    _as_utc,
)
from mentionwatch.responses.stats import ResponseBreakdown
from mentionwatch.store.items import AlertRecord, AlertState, MentionItem

EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)


def _bounded(value: datetime) -> datetime:
    """Time-range bounds stay in 2000-2099: nothing older exists, and date arithmetic cannot overflow."""
    if not EARLIEST <= value.replace(tzinfo=None) < LATEST:
        raise ValueError("must be between 2000-01-01 and 2099-12-31")
    return value


Moment = Annotated[datetime, AfterValidator(_bounded), AfterValidator(_as_utc)]
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25
# Brands and teams become parts of index keys: `#` would let a value reach into another key's partition.
KEY_SAFE = r"^[^#\s][^#]*$"
MENTION_ID = r"^[a-z]+:[^\s#]{1,256}$"


# --- requests -----------------------------------------------------------------------------------------
class MentionFilters(BaseModel):
    """GET /mentions query parameters. Every filter is served by a key or index condition (README: Filters)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Annotated[MentionStatus | None, Field(description="Workflow status; served by GSI1")] = None
    severity: Annotated[Severity | None, Field(description="Triage severity; a GSI1 sort-key prefix")] = None
    brand: Annotated[
        str | None,
        Field(min_length=1, max_length=128, pattern=KEY_SAFE, description="Brand; served by GSI2 month buckets"),
    ] = None
    reaction: Reaction | None = None
    team: Annotated[str | None, Field(min_length=1, max_length=64, pattern=KEY_SAFE)] = None
    platform: Platform | None = None
    sentiment: Sentiment | None = None
    since: Annotated[Moment | None, Field(description="Created at or after (ISO 8601)")] = None
    until: Annotated[Moment | None, Field(description="Created before (ISO 8601)")] = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description="Page size")] = DEFAULT_PAGE_SIZE
    cursor: Annotated[
        str | None, Field(min_length=1, max_length=2048, description="`next_cursor` of the previous page")
    ] = None


class StatsInterval(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


class StatsQuery(BaseModel):
    """GET /stats query parameters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    since: Annotated[Moment | None, Field(description="Start (default: 7 days before `until`)")] = None
    until: Annotated[Moment | None, Field(description="End, exclusive (default: now)")] = None
    interval: StatsInterval = StatsInterval.DAY
    brand: Annotated[str | None, Field(min_length=1, max_length=128, pattern=KEY_SAFE)] = None
    team: Annotated[str | None, Field(min_length=1, max_length=64, pattern=KEY_SAFE)] = None
    platform: Platform | None = None


class MentionPatch(BaseModel):
    """PATCH /mentions/{id}: one workflow step, applied only if `version` is still the stored version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Action
    version: Annotated[int, Field(ge=1, description="The version you read; a stale one gets 409")]
    assignee: Annotated[
        str | None, Field(min_length=1, max_length=256, description="Who owns it (required for `assign`)")
    ] = None
    response_kind: Annotated[
        ResponseKind | None, Field(description="For `respond`: a public reply or moved offline")
    ] = None
    response_link: Annotated[
        str | None,
        Field(max_length=2048, pattern=r"^https?://\S+$", description="Link to the public reply (`public_reply`)"),
    ] = None
    note: Annotated[str | None, Field(max_length=2000)] = None


# --- responses ----------------------------------------------------------------------------------------
class ProblemDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class Problem(BaseModel):
    """Every 4xx/5xx body: `{"error": {"code", "message", "field"}}`."""

    error: ProblemDetail


class MentionSummary(BaseModel):
    """One row of the queue or a search result."""

    id: str
    version: int
    status: MentionStatus
    platform: Platform
    brand: str
    created_at: datetime
    author: str
    text: str
    permalink: str | None = None
    sentiment: Sentiment
    reaction: Reaction
    severity: Severity
    category: Category
    team: str
    assignee: str | None = None
    deleted: bool = False
    hidden: Annotated[
        bool, Field(description="Hidden on its platform (e.g. a Facebook comment the Page hid): out of the queues")
    ] = False
    sla_due_at: Annotated[
        datetime | None, Field(description="When a response is due (`created_at` + the triage SLA); null: no SLA")
    ] = None

    @classmethod
    def of(cls, item: MentionItem) -> MentionSummary:
        return cls(
            id=item.id,
            version=item.version,
            status=item.status,
            platform=item.mention.platform,
            brand=item.mention.match.brand,
            created_at=item.mention.created_at,
            author=item.mention.author.handle,
            text=item.mention.text,
            permalink=item.mention.permalink,
            sentiment=item.sentiment.label,
            reaction=item.triage.reaction,
            severity=item.triage.severity,
            category=item.triage.category,
            team=item.triage.team,
            assignee=item.assignee,
            deleted=item.deleted,
            hidden=item.hidden,
            sla_due_at=sla_due_at(item),
        )


class MentionPage(BaseModel):
    items: list[MentionSummary]
    next_cursor: Annotated[str | None, Field(description="Pass as `cursor` for the next page; null on the last")]


class MentionBody(BaseModel):
    """The post itself."""

    platform: Platform
    native_id: str
    permalink: str | None = None
    text: str
    language: str | None = None
    author: Author
    created_at: datetime
    received_at: datetime
    thread: ThreadRef
    engagement: Engagement
    match: Match


class SentimentView(BaseModel):
    label: Sentiment
    scores: SentimentScores
    analyzer: str


class TriageView(BaseModel):
    reaction: Reaction
    category: Category
    severity: Severity
    team: str
    sla_minutes: int | None = None
    sla_due_at: datetime | None = None
    rules: list[str]
    reasons: list[str]
    tags: list[str]
    suggested_response: str | None = None


class MentionDetail(BaseModel):
    """A mention with its sentiment, triage reasons, suggested response, alert history and thread context."""

    id: str
    version: int
    status: MentionStatus
    deleted: bool
    deleted_at: Annotated[datetime | None, Field(description="When its platform reported it deleted")] = None
    hidden: Annotated[
        bool,
        Field(
            description="Hidden on its platform (e.g. a Facebook comment the Page hid): out of the queues, never paged"
        ),
    ] = False
    hidden_at: Annotated[
        datetime | None, Field(description="When its platform reported it hidden; null unless it is hidden now")
    ] = None
    assignee: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    stored_at: datetime
    mention: MentionBody
    sentiment: SentimentView
    triage: TriageView
    alert_state: AlertState
    alerts: list[AlertRecord]
    history: list[LifecycleEvent]
    thread: Annotated[list[MentionSummary], Field(description="Other mentions in the same conversation, newest first")]

    @classmethod
    def of(cls, item: MentionItem, thread: list[MentionItem]) -> MentionDetail:
        triage = item.triage
        due = sla_due_at(item)
        return cls(
            id=item.id,
            version=item.version,
            status=item.status,
            deleted=item.deleted,
            deleted_at=item.deleted_at,
            hidden=item.hidden,
            hidden_at=item.hidden_at if item.hidden else None,
            assignee=item.assignee,
            acknowledged_at=item.acknowledged_at,
            acknowledged_by=item.acknowledged_by,
            responded_at=item.responded_at,
            resolved_at=item.resolved_at,
            stored_at=item.stored_at,
            mention=MentionBody.model_validate(item.mention.model_dump(include=set(MentionBody.model_fields))),
            sentiment=SentimentView(
                label=item.sentiment.label, scores=item.sentiment.scores, analyzer=item.sentiment.analyzer
            ),
            triage=TriageView(
                reaction=triage.reaction,
                category=triage.category,
                severity=triage.severity,
                team=triage.team,
                sla_minutes=triage.sla_minutes,
                sla_due_at=due,
                rules=list(triage.rules),
                reasons=list(triage.reasons),
                tags=list(triage.tags),
                suggested_response=triage.suggested_response,
            ),
            alert_state=item.alert_state,
            alerts=list(item.alerts),
            history=list(item.history),
            thread=[MentionSummary.of(other) for other in thread],
        )


def sla_due_at(item: MentionItem) -> datetime | None:
    if item.triage.sla_minutes is None:
        return None
    return item.mention.created_at + timedelta(minutes=item.triage.sla_minutes)


class Percentiles(BaseModel):
    """Minutes from the post to the step, over the mentions that reached it."""

    count: int
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    max: float | None = None


class SlaReport(BaseModel):
    with_sla: Annotated[int, Field(description="Mentions that carry an SLA")]
    met: int
    breached: Annotated[int, Field(description="Responded after the deadline, or still unanswered past it")]
    breached_open: Annotated[int, Field(description="Of the breaches, those still without a response")]
    breached_by_team: dict[str, int]


class StatsBucket(BaseModel):
    start: datetime
    total: int
    by_sentiment: dict[str, int]
    by_reaction: dict[str, int]


class StatsReport(BaseModel):
    since: datetime
    until: datetime
    interval: StatsInterval
    total: int
    by_sentiment: dict[str, int]
    by_reaction: dict[str, int]
    by_platform: dict[str, int]
    by_team: dict[str, int]
    by_status: dict[str, int]
    by_category: Annotated[dict[str, int], Field(default_factory=dict, description="Mentions per triage category")]
    series: list[StatsBucket]
    acknowledge_minutes: Percentiles
    response_minutes: Percentiles
    sla: SlaReport
    first_response: Annotated[
        ResponseBreakdown,
        Field(description="First-response time (p50/p90) and reply rate by team, platform and severity"),
    ]
