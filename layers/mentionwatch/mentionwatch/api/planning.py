"""Query planning: which index partitions and sort-key ranges serve a set of filters. Never a Scan.

- `brand` given: GSI2, one partition per month bucket in the time range, newest month first (the buckets do not
  overlap, so they are read one after another). The range defaults to the last 365 days and may span 3 years.
- otherwise: GSI1, one partition per status (the given one, or all four) and, within it, one sort-key prefix per
  severity (the given one, or all four); the streams are merged newest first.
- the time range narrows every sort-key range; the other filters (reaction, team, platform, sentiment and, on
  GSI2, status and severity) are equality conditions DynamoDB applies to the key query's results.

Every stream is sorted by (created_at, id) descending, so a position `(created_at, id)` continues any plan. The
streams are of index entries (keys and filter attributes, which is all the indexes hold): they are merged on their
sort keys, and only the entries that make the result have their rows read (by key, a page at a time).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from mentionwatch.api.cursor import Position
from mentionwatch.exceptions import InvalidParameter
from mentionwatch.models import MentionStatus, Severity
from mentionwatch.store import keys
from mentionwatch.store.items import MentionItem

DEFAULT_BRAND_RANGE = timedelta(days=365)
MAX_BRAND_RANGE = timedelta(days=3 * 366)
SORT_KEY_TOP = "~"  # sorts after every timestamp digit
SORT_KEY_BOTTOM = "0"  # sorts before every timestamp (DynamoDB refuses an empty key value)


class KeyRange(BaseModel):
    """`pk = value AND sk BETWEEN low AND high` on one index, read in descending sort-key order."""

    model_config = ConfigDict(frozen=True)

    index: str
    pk_name: str
    pk_value: str
    sk_name: str
    low: str
    high: str


class Criteria(BaseModel):
    """What a plan reads: the filters that pick partitions and ranges, and those applied to what they return."""

    model_config = ConfigDict(frozen=True)

    status: MentionStatus | None = None
    severity: Severity | None = None
    brand: str | None = None
    reaction: str | None = None
    team: str | None = None
    platform: str | None = None
    sentiment: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class QueryPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    ranges: tuple[KeyRange, ...]
    disjoint: bool  # ranges already in newest-first order: read them one after another instead of merging
    attribute_filters: tuple[tuple[str, str], ...]  # (stored attribute, value) equality conditions
    since: datetime | None
    until: datetime | None


@dataclass(frozen=True)
class IndexEntry:
    """One entry a key range returned: where it sorts, and what the reader needs to read its row (opaque here)."""

    sort_key: tuple[str, str]  # (created_at, id), as in the index sort keys
    ref: Any


class MentionQueries(Protocol):
    """The read side the API needs; `store.queries_dynamodb.DynamoMentionQueries` implements it."""

    def entries(
        self, key_range: KeyRange, attribute_filters: tuple[tuple[str, str], ...], page_size: int
    ) -> Iterator[IndexEntry]: ...

    def rows(
        self, entries: Sequence[IndexEntry], attribute_filters: tuple[tuple[str, str], ...]
    ) -> list[MentionItem]: ...

    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...


def plan(criteria: Criteria, now: datetime, position: Position | None = None) -> QueryPlan:
    until = criteria.until
    since = criteria.since
    if since is not None and until is not None and since >= until:
        raise InvalidParameter("`since` must be before `until`", field="since")
    # The inclusive upper sort key: just after `position` is read, or up to (not including) `until`.
    upper = f"{position.created_at}#{position.id}" if position else (keys.iso(until) if until else SORT_KEY_TOP)
    lower = keys.iso(since) if since else SORT_KEY_BOTTOM

    filters: list[tuple[str, str]] = []
    if criteria.brand is not None:
        until = until or now
        since = since or until - DEFAULT_BRAND_RANGE
        if since >= until:
            raise InvalidParameter("`since` must be before `until`", field="since")
        if until - since > MAX_BRAND_RANGE:
            raise InvalidParameter("a brand query may span at most 3 years", field="since")
        lower = keys.iso(since)
        if not position:
            upper = keys.iso(until)
        last = (
            datetime.strptime(position.created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=until.tzinfo)
            if position
            else until
        )
        months = list(_months(since, min(until, last + timedelta(microseconds=1))))
        ranges = tuple(
            KeyRange(
                index="GSI2",
                pk_name="GSI2PK",
                pk_value=keys.brand_bucket(criteria.brand, month),
                sk_name="GSI2SK",
                low=lower,
                high=upper,
            )
            for month in reversed(months)
        )
        if criteria.status is not None:
            filters.append(("status", criteria.status.value))
        if criteria.severity is not None:
            filters.append(("severity", criteria.severity.value))
        disjoint = True
    else:
        statuses = [criteria.status] if criteria.status else list(MentionStatus)
        severities = [criteria.severity] if criteria.severity else list(Severity)
        ranges = tuple(
            KeyRange(
                index="GSI1",
                pk_name="GSI1PK",
                pk_value=keys.status_pk(status),
                sk_name="GSI1SK",
                low=keys.severity_prefix(severity) + lower,
                high=keys.severity_prefix(severity) + upper,
            )
            for status in statuses
            for severity in severities
        )
        disjoint = False
    for attribute, value in (
        ("reaction", criteria.reaction),
        ("team", criteria.team),
        ("platform", criteria.platform),
        ("sentiment_label", criteria.sentiment),
    ):
        if value is not None:
            filters.append((attribute, value))
    return QueryPlan(ranges=ranges, disjoint=disjoint, attribute_filters=tuple(filters), since=since, until=until)


def execute(
    query_plan: QueryPlan, reader: MentionQueries, page_size: int, position: Position | None = None
) -> Iterator[MentionItem]:
    """The plan's mentions, newest first, strictly after `position`. Lazy: reads only what is consumed, and reads
    rows (by key) only for the merged entries that are, `page_size` at a time. A row that no longer fits its entry
    (changed since the index answered) is left out."""
    streams: list[Iterable[IndexEntry]] = [
        reader.entries(key_range, query_plan.attribute_filters, page_size) for key_range in query_plan.ranges
    ]
    merged: Iterable[IndexEntry] = (
        itertools.chain.from_iterable(streams)
        if query_plan.disjoint
        else heapq.merge(*streams, key=_entry_order, reverse=True)
    )
    after = (entry for entry in merged if position is None or entry.sort_key < position.sort_key)
    while chunk := list(itertools.islice(after, page_size)):
        yield from reader.rows(chunk, query_plan.attribute_filters)


def _entry_order(entry: IndexEntry) -> tuple[str, str]:
    return entry.sort_key


def _months(start: datetime, end: datetime) -> Iterator[datetime]:
    month = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month < end:
        yield month
        month = (
            month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1)
        )
