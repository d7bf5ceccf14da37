"""`run_poll`: every query of one polled source, each with its own cursor, backing off where told to.

Per query: load the cursor → skip if it is backing off → poll → give the mentions to `sink` (the queue) →
save the cursor. The cursor is saved only after the sink returned, so a failed enqueue means the next run
fetches the same posts again (at least once: the store keeps one copy per mention id), never loses them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from mentionwatch.config.watch import WatchConfig
from mentionwatch.exceptions import ConfigurationError, Conflict, UpstreamError
from mentionwatch.pollers.base import CursorStore, PollContext, Poller, QueryReport
from mentionwatch.pollers.bluesky import BlueskyPoller
from mentionwatch.pollers.http import HttpTransport
from mentionwatch.pollers.mastodon import MastodonPoller
from mentionwatch.pollers.reddit import RedditPoller
from mentionwatch.pollers.rss import RssPoller
from mentionwatch.responses.recognise import tag_brand_posts
from mentionwatch.sources.base import QueuedMention

Sink = Callable[[list[QueuedMention]], None]

_POLLERS: dict[str, Callable[[Any], Poller]] = {
    "reddit": RedditPoller,
    "bluesky": BlueskyPoller,
    "mastodon": MastodonPoller,
    "rss": RssPoller,
}


class PollResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    mentions: list[QueuedMention]
    queries: list[QueryReport]

    @property
    def failed(self) -> list[QueryReport]:
        return [report for report in self.queries if report.error]


def polled_source_names() -> list[str]:
    return sorted(_POLLERS)


def run_poll(
    config: WatchConfig,
    source: str,
    *,
    cursor_store: CursorStore,
    http: HttpTransport,
    now: datetime,
    secrets: Mapping[str, str],
    sessions: MutableMapping[str, Any] | None = None,
    sink: Sink | None = None,
    only_query: str | None = None,
    endpoints: Mapping[str, str] | None = None,
) -> PollResult:
    """Poll `source` (every configured query, or only `only_query`). A query that fails is reported and the
    others still run; its cursor is left where it was."""
    if source not in _POLLERS:
        raise ConfigurationError(
            f"{source!r} is not a polled source; choose one of {polled_source_names()}", field="source"
        )
    source_config = getattr(config.pollers, source)
    if source_config is None:
        raise ConfigurationError(f"source {source} has no configuration under pollers.{source}", field="source")
    queries = source_config.feeds if source == "rss" else source_config.queries
    if only_query is not None:
        queries = tuple(query for query in queries if query.name == only_query)
        if not queries:
            raise ConfigurationError(f"source {source} has no query named {only_query!r}", field="query")
    poller = _POLLERS[source](source_config)
    context = PollContext(
        watch=config,
        http=http,
        now=now,
        secrets=secrets,
        sessions=sessions if sessions is not None else {},
        endpoints=endpoints or {},
    )
    mentions: list[QueuedMention] = []
    reports: list[QueryReport] = []
    for query in queries:
        cursor = cursor_store.get(source, query.name)
        if cursor.backoff_until is not None and cursor.backoff_until > now:
            reports.append(QueryReport(query=query.name, skipped="backing off", backoff_until=cursor.backoff_until))
            continue
        try:
            outcome = poller.poll(query, cursor, context)
        except UpstreamError as err:
            reports.append(QueryReport(query=query.name, error=err.message))
            continue
        # The brand's own posts found by a search are responses or brand activity, never mentions.
        outcome = outcome.model_copy(update={"mentions": tag_brand_posts(outcome.mentions, config)})
        if sink is not None and outcome.mentions:
            sink(outcome.mentions)  # an enqueue failure propagates: the cursor is not saved
        try:
            cursor_store.put(outcome.cursor)
        except Conflict as err:
            # Another run of the same schedule saved first; its cursor stands, the store dedupes mentions.
            reports.append(outcome.report.model_copy(update={"error": err.message}))
            mentions.extend(outcome.mentions)
            continue
        mentions.extend(outcome.mentions)
        reports.append(outcome.report)
    return PollResult(source=source, mentions=mentions, queries=reports)
