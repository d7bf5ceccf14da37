"""Counts, time series, response-time percentiles and SLA breaches over the mentions of a time range."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from mentionwatch.api.models import (
    Percentiles,
    SlaReport,
    StatsBucket,
    StatsInterval,
    StatsReport,
    sla_due_at,
)
from mentionwatch.exceptions import InvalidParameter
from mentionwatch.responses.stats import response_breakdown
from mentionwatch.store.items import MentionItem

DEFAULT_RANGE = timedelta(days=7)
MAX_RANGE = timedelta(days=92)
MAX_BUCKETS = 2_000
_STEP = {
    StatsInterval.HOUR: timedelta(hours=1),
    StatsInterval.DAY: timedelta(days=1),
    StatsInterval.WEEK: timedelta(weeks=1),
}


def time_range(since: datetime | None, until: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    until = until or now
    since = since or until - DEFAULT_RANGE
    if since >= until:
        raise InvalidParameter("`since` must be before `until`", field="since")
    if until - since > MAX_RANGE:
        raise InvalidParameter("stats cover at most 92 days; narrow `since`..`until`", field="since")
    return since, until


def bucket_start(moment: datetime, interval: StatsInterval) -> datetime:
    start = moment.replace(minute=0, second=0, microsecond=0)
    if interval is StatsInterval.HOUR:
        return start
    start = start.replace(hour=0)
    if interval is StatsInterval.WEEK:
        start -= timedelta(days=start.weekday())  # ISO weeks start on Monday
    return start


def percentiles(values: list[float]) -> Percentiles:
    """Nearest-rank percentiles, in minutes rounded to 0.1."""
    if not values:
        return Percentiles(count=0)
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)

    return Percentiles(count=len(ordered), p50=rank(50), p90=rank(90), p95=rank(95), max=round(ordered[-1], 1))


def compute(
    items: Iterable[MentionItem], since: datetime, until: datetime, interval: StatsInterval, now: datetime
) -> StatsReport:
    step = _STEP[interval]
    first = bucket_start(since, interval)
    if (until - first) / step > MAX_BUCKETS:
        raise InvalidParameter(f"more than {MAX_BUCKETS} buckets; use a longer interval", field="interval")
    buckets: dict[datetime, tuple[Counter[str], Counter[str]]] = {}
    start = first
    while start < until:
        buckets[start] = (Counter(), Counter())
        start += step

    by_sentiment: Counter[str] = Counter()
    by_reaction: Counter[str] = Counter()
    by_platform: Counter[str] = Counter()
    by_team: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    acknowledge: list[float] = []
    respond: list[float] = []
    with_sla = met = breached = breached_open = 0
    breached_by_team: Counter[str] = Counter()
    total = 0
    in_range: list[MentionItem] = []

    for item in items:
        created = item.mention.created_at
        if not since <= created < until:
            continue
        total += 1
        in_range.append(item)
        sentiment, reaction = item.sentiment.label.value, item.triage.reaction.value
        by_sentiment[sentiment] += 1
        by_reaction[reaction] += 1
        by_platform[item.mention.platform.value] += 1
        by_team[item.triage.team] += 1
        by_status[item.status.value] += 1
        by_category[item.triage.category.value] += 1
        bucket = buckets[bucket_start(created, interval)]
        bucket[0][sentiment] += 1
        bucket[1][reaction] += 1
        if item.acknowledged_at is not None:
            acknowledge.append(max(0.0, (item.acknowledged_at - created).total_seconds() / 60))
        if item.responded_at is not None:
            respond.append(max(0.0, (item.responded_at - created).total_seconds() / 60))
        due = sla_due_at(item)
        if due is None:
            continue
        with_sla += 1
        answered = item.responded_at
        if answered is not None and answered <= due:
            met += 1
        elif answered is not None or now > due:
            breached += 1
            breached_by_team[item.triage.team] += 1
            if answered is None:
                breached_open += 1

    return StatsReport(
        since=since,
        until=until,
        interval=interval,
        total=total,
        by_sentiment=dict(by_sentiment),
        by_reaction=dict(by_reaction),
        by_platform=dict(by_platform),
        by_team=dict(by_team),
        by_status=dict(by_status),
        by_category=dict(by_category),
        series=[
            StatsBucket(
                start=start,
                total=sum(counts[0].values()),
                by_sentiment=dict(counts[0]),
                by_reaction=dict(counts[1]),
            )
            for start, counts in buckets.items()
        ],
        acknowledge_minutes=percentiles(acknowledge),
        response_minutes=percentiles(respond),
        sla=SlaReport(
            with_sla=with_sla,
            met=met,
            breached=breached,
            breached_open=breached_open,
            breached_by_team=dict(breached_by_team),
        ),
        first_response=response_breakdown(in_range),
    )
