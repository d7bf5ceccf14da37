"""What every poller shares: the cursor, the store it lives in, rate-limit reading and the newest-first walk.

Never skip, never repeat:
- Listings that can be paged forward from a position (Mastodon `min_id`) advance the position page by page.
- Search listings (Reddit, Bluesky) are walked newest first until they fall below the watermark minus an
  overlap (search indexes lag); ids already emitted inside that window are remembered in `seen`, so a post
  indexed late is still picked up once and a post seen before is never emitted again.
- A run interrupted by a rate limit keeps what it emitted in `seen` but does not move the watermark: the next
  run walks the same window again and only emits what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.config.watch import WatchConfig
from mentionwatch.exceptions import Conflict
from mentionwatch.models import Match, Mention, UtcDatetime
from mentionwatch.pollers.http import HttpResponse, HttpTransport
from mentionwatch.sources.base import QueuedMention

MAX_SEEN = 2000


class Cursor(BaseModel):
    """Where one query of one source stopped. Stored at pk=`CURSOR#<source>#<query>`, sk=`CURSOR`."""

    model_config = ConfigDict(frozen=True)

    source: Annotated[str, Field(min_length=1, max_length=64)]
    query: Annotated[str, Field(min_length=1, max_length=64)]
    position: str | None = None  # platform position: newest Mastodon status id, newest Reddit fullname
    watermark: UtcDatetime | None = None  # newest created_at fully covered by a completed walk
    seen: dict[str, int] = {}  # native id → created_at (epoch seconds) of what was emitted recently
    etag: str | None = None
    last_modified: str | None = None
    backoff_until: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    version: Annotated[int, Field(ge=0)] = 0  # optimistic lock: two overlapping runs cannot both save

    @property
    def key(self) -> str:
        return f"CURSOR#{self.source}#{self.query}"


class CursorStore(Protocol):
    def get(self, source: str, query: str) -> Cursor:
        """The saved cursor, or a fresh one (version 0) when the query never ran."""
        ...

    def put(self, cursor: Cursor) -> Cursor:
        """Save `cursor` if the stored version is still `cursor.version`; returns it with version + 1.
        Raises `Conflict` when another run saved in between."""
        ...


class InMemoryCursorStore:
    """For tests and `make serve`: same contract as the DynamoDB store."""

    def __init__(self) -> None:
        self.cursors: dict[str, Cursor] = {}

    def get(self, source: str, query: str) -> Cursor:
        fresh = Cursor(source=source, query=query)
        return self.cursors.get(fresh.key, fresh)

    def put(self, cursor: Cursor) -> Cursor:
        stored = self.cursors.get(cursor.key)
        if (stored.version if stored else 0) != cursor.version:
            raise Conflict(f"cursor {cursor.key} was saved by another run", field="version")
        saved = cursor.model_copy(update={"version": cursor.version + 1})
        self.cursors[cursor.key] = saved
        return saved


# --- rate limits ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RateLimit:
    remaining: float | None
    reset_at: datetime | None


def _reset_time(value: str | None, now: datetime) -> datetime | None:
    """A reset header as a time: seconds from now (Reddit, IETF draft), epoch seconds (Bluesky), ISO 8601
    (Mastodon) or an HTTP date (Retry-After)."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        if number > 1_000_000_000:
            return datetime.fromtimestamp(number, UTC)
        return now + timedelta(seconds=max(number, 0))
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_rate_limit(response: HttpResponse, now: datetime) -> RateLimit:
    remaining_header = response.header("x-ratelimit-remaining") or response.header("ratelimit-remaining")
    try:
        remaining = float(remaining_header) if remaining_header is not None else None
    except ValueError:
        remaining = None
    reset = response.header("x-ratelimit-reset") or response.header("ratelimit-reset")
    return RateLimit(remaining=remaining, reset_at=_reset_time(reset, now))


def retry_after(response: HttpResponse, now: datetime) -> datetime | None:
    """When a 429 (or 503) says to come back: Retry-After first, then the rate-limit reset."""
    return _reset_time(response.header("retry-after"), now) or read_rate_limit(response, now).reset_at


class RateLimited(Exception):  # noqa: N818  (control flow inside the pollers, never leaves run_poll)
    def __init__(self, until: datetime | None) -> None:
        super().__init__("rate limited")
        self.until = until


# --- what a poller gets and gives ---------------------------------------------------------------------
@dataclass
class PollContext:
    watch: WatchConfig
    http: HttpTransport
    now: datetime
    secrets: Mapping[str, str]
    sessions: MutableMapping[str, Any] = field(default_factory=dict)  # tokens kept across warm invocations
    # Platform API hosts replaced, by platform (MENTIONWATCH_PLATFORM_ENDPOINTS: the local stack's fakes).
    endpoints: Mapping[str, str] = field(default_factory=dict)

    @property
    def timeout(self) -> float:
        return self.watch.timeout_seconds

    def endpoint(self, platform: str, default: str) -> str:
        """`default` (the platform's real host), unless the settings replaced it."""
        return self.endpoints.get(platform, default).rstrip("/")


class QueryReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    new: int = 0
    pages: int = 0
    rate_limited: bool = False
    backoff_until: datetime | None = None
    possible_gap: bool = False  # more new posts than max_pages could reach: older ones were not listed
    invalid: int = 0  # listed items that could not be mapped and were skipped
    skipped: str | None = None
    error: str | None = None


class QueryOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentions: list[QueuedMention]
    cursor: Cursor
    report: QueryReport


class Poller(Protocol):
    source: ClassVar[str]

    def poll(self, query: Any, cursor: Cursor, context: PollContext) -> QueryOutcome: ...


# --- the newest-first walk ------------------------------------------------------------------------------
@dataclass
class Page:
    items: list[QueuedMention]
    next_token: str | None = None
    exhausted_until: datetime | None = None  # rate-limit budget spent: stop after this page
    invalid: int = 0  # items the platform listed that could not be mapped (skipped)


@dataclass
class Walk:
    mentions: list[QueuedMention]
    cursor: Cursor
    pages: int
    rate_limited: bool
    backoff_until: datetime | None
    possible_gap: bool
    invalid: int = 0


def seen_key(mention: Mention) -> str:
    """What `seen` remembers: the post, and also its edit and deletion, so a post edited, removed or deleted
    after it was emitted is emitted once more (the pipeline updates or marks the stored mention)."""
    key = mention.native_id
    if mention.edited_at is not None:
        key += f"~e{int(mention.edited_at.timestamp())}"
    if mention.deleted:
        key += "~d"
    return key


def walk_newest_first(
    fetch: Callable[[str | None], Page],
    cursor: Cursor,
    *,
    max_pages: int,
    overlap: timedelta,
    now: datetime,
) -> Walk:
    floor = cursor.watermark - overlap if cursor.watermark else None
    first_run = cursor.watermark is None
    collected: dict[str, QueuedMention] = {}
    token: str | None = None
    pages = invalid = 0
    complete = rate_limited = False
    backoff: datetime | None = None
    while pages < max_pages:
        try:
            page = fetch(token)
        except RateLimited as limited:
            rate_limited, backoff = True, limited.until
            break
        pages += 1
        invalid += page.invalid
        for item in page.items:
            if floor is not None and item.mention.created_at < floor:
                complete = True  # below the window: everything older was covered by an earlier run
                continue
            collected.setdefault(item.mention.native_id, item)
        if first_run or not page.next_token or not page.items:
            complete = True
        if page.exhausted_until is not None:
            backoff = page.exhausted_until
            break
        if complete:
            break
        token = page.next_token
    possible_gap = not complete and not rate_limited and backoff is None
    new = [item for item in collected.values() if seen_key(item.mention) not in cursor.seen]
    covered = complete or possible_gap  # a gap is reported, not retried forever
    return Walk(
        mentions=new,
        cursor=advance(cursor, new, list(collected.values()), covered=covered, overlap=overlap, now=now),
        pages=pages,
        rate_limited=rate_limited,
        backoff_until=backoff,
        possible_gap=possible_gap,
        invalid=invalid,
    )


def advance(
    cursor: Cursor,
    new: list[QueuedMention],
    listed: list[QueuedMention],
    *,
    covered: bool,
    overlap: timedelta,
    now: datetime,
) -> Cursor:
    """The cursor after a walk: emitted ids remembered; the watermark moves only when the walk covered it."""
    seen = dict(cursor.seen)
    for item in new:
        seen[seen_key(item.mention)] = int(item.mention.created_at.timestamp())
    watermark = cursor.watermark
    if covered and listed:
        newest = max(item.mention.created_at for item in listed)
        watermark = max(watermark, newest) if watermark else newest
    if watermark is not None:
        floor = int((watermark - overlap).timestamp())
        seen = {native_id: created for native_id, created in seen.items() if created >= floor}
    if len(seen) > MAX_SEEN:
        seen = dict(sorted(seen.items(), key=lambda pair: pair[1], reverse=True)[:MAX_SEEN])
    return cursor.model_copy(update={"seen": seen, "watermark": watermark, "updated_at": now})


def match_for(watch: WatchConfig, brand: str, text: str, extra: tuple[str, ...] = ()) -> Match:
    """The query's brand and the keywords found in the text (the platform's search matched it regardless)."""
    found = watch.brand(brand).keywords_in(text)
    keywords = tuple(dict.fromkeys(extra + found))[:50]
    return Match(brand=brand, keywords=keywords)
