"""Reddit: posts from search (`/search?sort=new` or `/r/{sub}/search`), a subreddit's new posts and comments.

- Auth: OAuth client credentials (`POST https://www.reddit.com/api/v1/access_token`, HTTP Basic with the app's
  `client_id`/`client_secret`, `grant_type=client_credentials`); the bearer token is kept until it expires and
  fetched again once when the API answers 401 (expired or revoked).
- Every request carries the configured User-Agent, in the form Reddit requires.
- `MENTIONWATCH_PLATFORM_ENDPOINTS` may replace both hosts with one (`reddit`: the local stack's fake platforms).
- Pages are followed with `after=<fullname>` newest first until the watermark minus the overlap window.
- Rate limits: `x-ratelimit-remaining` / `x-ratelimit-reset` (seconds); a spent budget ends the run after
  the current page, a 429 ends it at once; both record when to come back.
- Content deleted by its author (`[deleted]`) or removed by moderators or Reddit (`[removed]`, which keeps
  the author, or a `removed_by_category`) becomes a mention marked deleted: never paged, out of the queue.
- `edited` (false, or the Unix time of the last edit) sets the mention's `edited_at`: an edited post seen
  again in the overlap window is emitted once more and updates the stored mention (never paged again).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar
from urllib.parse import urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mentionwatch.config.watch import RedditConfig, RedditQuery
from mentionwatch.exceptions import ConfigurationError, UpstreamError
from mentionwatch.models import Mention, Platform
from mentionwatch.pollers.base import (
    Cursor,
    Page,
    PollContext,
    QueryOutcome,
    QueryReport,
    RateLimited,
    match_for,
    read_rate_limit,
    retry_after,
    walk_newest_first,
)
from mentionwatch.pollers.http import HttpRequest, HttpResponse
from mentionwatch.sources.base import QueuedMention

TOKEN_URL = "https://www.reddit.com/api/v1/access_token"  # noqa: S105  (a URL, not a secret)
API = "https://oauth.reddit.com"
PAGE_SIZE = 100
DELETED_MARKERS = frozenset({"[deleted]", "[removed]"})


class Thing(BaseModel):
    """A post (t3) or comment (t1) in a listing; fields shared by both plus each one's own."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(pattern=r"^t[13]_[a-z0-9]+$")]
    id: str
    author: str = "[deleted]"
    author_fullname: str | None = None
    created_utc: float
    permalink: str | None = None
    subreddit: str | None = None
    score: int = 0
    num_comments: Annotated[int, Field(ge=0)] = 0
    # posts
    title: str | None = None
    selftext: str | None = None
    # comments
    body: str | None = None
    link_id: str | None = None
    parent_id: str | None = None
    edited: bool | float = False  # false, or when it was last edited (Unix seconds)
    removed_by_category: str | None = None  # moderator, reddit, author, deleted, … (None: not removed)

    @property
    def edited_at(self) -> datetime | None:
        if isinstance(self.edited, bool) or self.edited <= 0:
            return None
        return datetime.fromtimestamp(self.edited, UTC)

    @property
    def removed(self) -> bool:
        """Deleted by its author or removed by moderators: Reddit blanks the text to a marker."""
        own_text = (self.body if self.name.startswith("t1_") else self.selftext) or ""
        return own_text.strip() in DELETED_MARKERS or self.removed_by_category is not None


class Child(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: str
    data: dict[str, Any]


class ListingData(BaseModel):
    model_config = ConfigDict(extra="ignore")
    after: str | None = None
    children: list[Child] = []


class Listing(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: str
    data: ListingData


def thing_to_mention(thing: Thing, received_at: datetime) -> Mention:
    is_comment = thing.name.startswith("t1_")
    text = (thing.body or "") if is_comment else "\n".join(part for part in (thing.title, thing.selftext) if part)
    deleted = thing.removed
    return Mention(
        platform=Platform.REDDIT,
        native_id=thing.name,
        permalink=f"https://www.reddit.com{thing.permalink}" if thing.permalink else None,
        text="" if deleted else text,
        author=dict(handle=thing.author or "[deleted]", id=thing.author_fullname),
        created_at=datetime.fromtimestamp(thing.created_utc, UTC),
        received_at=received_at,
        thread=dict(root_id=thing.link_id, parent_id=thing.parent_id) if is_comment else dict(),
        engagement=dict(likes=max(thing.score, 0), replies=thing.num_comments),
        raw_ref=f"reddit:{thing.name}",
        deleted=deleted,
        edited_at=thing.edited_at,
    )


class RedditPoller:
    source: ClassVar[str] = "reddit"

    def __init__(self, config: RedditConfig) -> None:
        self.config = config

    def poll(self, query: RedditQuery, cursor: Cursor, context: PollContext) -> QueryOutcome:
        def fetch(after: str | None) -> Page:
            response = self._get(self._path(query), self._params(query, after), context)
            try:
                parsed = Listing.model_validate(response.json_body("oauth.reddit.com"))
            except ValidationError as err:
                raise UpstreamError(f"reddit listing has an unexpected shape: {err.errors()[0]['loc']}") from None
            items, invalid = [], 0
            for child in parsed.data.children:
                try:  # one odd item must not block the query forever: it is counted and skipped
                    mention = thing_to_mention(Thing.model_validate(child.data), context.now)
                except ValidationError:
                    invalid += 1
                    continue
                mention = mention.model_copy(update={"match": match_for(context.watch, query.brand, mention.text)})
                items.append(QueuedMention(source=self.source, mention=mention, raw=child.data))
            limit = read_rate_limit(response, context.now)
            exhausted = limit.reset_at if limit.remaining is not None and limit.remaining < 1 else None
            return Page(items=items, next_token=parsed.data.after, exhausted_until=exhausted, invalid=invalid)

        walk = walk_newest_first(
            fetch,
            cursor,
            max_pages=self.config.max_pages,
            overlap=timedelta(minutes=self.config.overlap_minutes),
            now=context.now,
        )
        newest = max(walk.mentions, key=lambda item: item.mention.created_at, default=None)
        new_cursor = walk.cursor.model_copy(
            update={
                "backoff_until": walk.backoff_until,
                "position": newest.mention.native_id if newest else walk.cursor.position,
            }
        )
        return QueryOutcome(
            mentions=walk.mentions,
            cursor=new_cursor,
            report=QueryReport(
                query=query.name,
                new=len(walk.mentions),
                pages=walk.pages,
                rate_limited=walk.rate_limited,
                backoff_until=walk.backoff_until,
                possible_gap=walk.possible_gap,
                invalid=walk.invalid,
            ),
        )

    # --- requests --------------------------------------------------------------------------------------
    @staticmethod
    def _path(query: RedditQuery) -> str:
        if query.kind == "comments":
            return f"/r/{query.subreddit}/comments"
        if query.kind == "posts":
            return f"/r/{query.subreddit}/new"
        return f"/r/{query.subreddit}/search" if query.subreddit else "/search"

    @staticmethod
    def _params(query: RedditQuery, after: str | None) -> dict[str, str]:
        params = {"limit": str(PAGE_SIZE), "raw_json": "1"}
        if query.kind == "search":
            params.update({"q": query.q or "", "sort": "new", "type": "link"})
            if query.subreddit:
                params["restrict_sr"] = "1"
        if after:
            params["after"] = after
        return params

    def _get(self, path: str, params: dict[str, str], context: PollContext) -> HttpResponse:
        for attempt in (1, 2):
            token = self._token(context, refresh=attempt == 2)
            request = HttpRequest(
                url=f"{context.endpoint('reddit', API)}{path}",
                params=params,
                headers={"Authorization": f"bearer {token}", "User-Agent": self.config.user_agent},
                timeout=context.timeout,
            )
            response = context.http.send(request)
            if response.status == 401 and attempt == 1:
                continue  # expired or revoked token: fetch a new one, once
            if response.status == 429:
                raise RateLimited(retry_after(response, context.now))
            if response.status != 200:
                raise UpstreamError(f"reddit answered HTTP {response.status} for {path}")
            return response
        raise UpstreamError("reddit rejected a freshly issued token (HTTP 401)")

    def _token(self, context: PollContext, *, refresh: bool) -> str:
        cached = context.sessions.get("reddit")
        if cached and not refresh and cached["expires_at"] > context.now:
            return str(cached["access_token"])
        client_id = context.secrets.get("client_id")
        client_secret = context.secrets.get("client_secret")
        if not client_id or not client_secret:
            raise ConfigurationError("source reddit needs client_id and client_secret secrets", field="secrets")
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        response = context.http.send(
            HttpRequest(
                method="POST",
                url=_token_url(context),
                headers={
                    "Authorization": f"Basic {basic}",
                    "User-Agent": self.config.user_agent,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                body=urlencode({"grant_type": "client_credentials"}).encode(),
                timeout=context.timeout,
            )
        )
        if response.status == 429:
            raise RateLimited(retry_after(response, context.now))
        if response.status != 200:
            raise UpstreamError(f"reddit token endpoint answered HTTP {response.status}")
        grant = response.json_body("www.reddit.com")
        if not isinstance(grant, dict) or not grant.get("access_token"):
            raise UpstreamError("reddit token endpoint gave no access_token")
        expires_in = int(grant.get("expires_in", 3600))
        context.sessions["reddit"] = {
            "access_token": grant["access_token"],
            # Renew a minute early so a token never expires between the check and the request.
            "expires_at": context.now + timedelta(seconds=max(expires_in - 60, 0)),
        }
        return str(grant["access_token"])


def _token_url(context: PollContext) -> str:
    """The real token host, or the replacement host on the same path (one host serves both there)."""
    if "reddit" not in context.endpoints:
        return TOKEN_URL
    return context.endpoint("reddit", API) + urlsplit(TOKEN_URL).path
