"""Mastodon hashtag timelines (`GET /api/v1/timelines/tag/{hashtag}`), one cursor per query.

The cursor is the newest status id seen. Each run pages forward with `min_id=<cursor>`: Mastodon then returns
the statuses immediately newer than it (up to 40 a page), so every page can be committed in turn and nothing
between two runs is skipped. (`since_id` would return the newest 40 and silently drop the rest of a burst.)
The first run takes only the newest page. An `access_token` secret is sent when set (instances that restrict
their public timelines need one). Rate limits: `x-ratelimit-remaining` / `x-ratelimit-reset` (ISO time).
"""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote, urlsplit

from pydantic import ValidationError

from mentionwatch.config.watch import MastodonConfig, MastodonQuery
from mentionwatch.exceptions import MalformedPayload, UpstreamError
from mentionwatch.pollers.base import (
    Cursor,
    PollContext,
    QueryOutcome,
    QueryReport,
    match_for,
    read_rate_limit,
    retry_after,
)
from mentionwatch.pollers.http import HttpRequest
from mentionwatch.sources.base import QueuedMention
from mentionwatch.sources.mastodon import Status, skip_reason, status_to_mention

PAGE_SIZE = 40


def _id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings of growing length: compare as numbers."""
    return (int(status_id), status_id) if status_id.isdigit() else (-1, status_id)


class MastodonPoller:
    source: ClassVar[str] = "mastodon"

    def __init__(self, config: MastodonConfig) -> None:
        self.config = config

    def poll(self, query: MastodonQuery, cursor: Cursor, context: PollContext) -> QueryOutcome:
        instance = str(query.instance or self.config.instance).rstrip("/")
        url = f"{instance}/api/v1/timelines/tag/{quote(query.hashtag, safe='')}"
        headers = {"Accept": "application/json"}
        if context.secrets.get("access_token"):
            headers["Authorization"] = f"Bearer {context.secrets['access_token']}"
        position = cursor.position
        mentions: list[QueuedMention] = []
        pages = invalid = 0
        rate_limited = False
        backoff = None
        while pages < self.config.max_pages:
            params = {"limit": str(PAGE_SIZE)}
            if position:
                params["min_id"] = position
            response = context.http.send(HttpRequest(url=url, params=params, headers=headers, timeout=context.timeout))
            if response.status == 429:
                rate_limited, backoff = True, retry_after(response, context.now)
                break
            if response.status != 200:
                raise UpstreamError(f"{instance} answered HTTP {response.status} for #{query.hashtag}")
            statuses = response.json_body(instance)
            if not isinstance(statuses, list):
                raise UpstreamError(f"{instance} did not answer a list of statuses")
            pages += 1
            page_ids: list[str] = []
            for raw in statuses:
                try:
                    status = Status.model_validate(raw)
                    page_ids.append(status.id)
                    if skip_reason(status):
                        continue
                    mention = status_to_mention(status, context.now, instance_host=urlsplit(instance).netloc)
                except (ValidationError, MalformedPayload):
                    invalid += 1
                    continue
                match = match_for(context.watch, query.brand, mention.text, extra=(f"#{query.hashtag}",))
                mentions.append(
                    QueuedMention(source=self.source, mention=mention.model_copy(update={"match": match}), raw=raw)
                )
            if page_ids:
                position = max(page_ids, key=_id_key)
            limit = read_rate_limit(response, context.now)
            if limit.remaining is not None and limit.remaining < 1:
                backoff = limit.reset_at
                break
            if cursor.position is None or len(statuses) < PAGE_SIZE:
                break  # first run: newest page only; a short page: caught up
        new_cursor = cursor.model_copy(
            update={"position": position, "backoff_until": backoff, "updated_at": context.now}
        )
        return QueryOutcome(
            mentions=mentions,
            cursor=new_cursor,
            report=QueryReport(
                query=query.name,
                new=len(mentions),
                pages=pages,
                rate_limited=rate_limited,
                backoff_until=backoff,
                possible_gap=False,
                invalid=invalid,
            ),
        )
