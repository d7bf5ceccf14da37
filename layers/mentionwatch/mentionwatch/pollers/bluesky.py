"""Bluesky: `app.bsky.feed.searchPosts` (sort=latest) through the account's PDS with an app-password session.

- Session: `com.atproto.server.createSession` with the `identifier` (handle) and `app_password` secrets; the
  access JWT is kept across warm invocations. An expired one (`ExpiredToken`, or a 401) is refreshed once with
  `com.atproto.server.refreshSession`, falling back to a new session, and the request retried once.
- Pages follow the opaque `cursor` newest first down to the watermark minus the overlap (`since` is sent too).
- Permalinks: `at://<did>/app.bsky.feed.post/<rkey>` → `https://bsky.app/profile/<did>/post/<rkey>`.
- Rate limits: `ratelimit-remaining` / `ratelimit-reset` (epoch seconds).
- `MENTIONWATCH_PLATFORM_ENDPOINTS` may replace the PDS (`bluesky`: the local stack's fake platforms).
- Reach: search results carry no follower counts, so the authors of new posts are looked up with
  `app.bsky.actor.getProfiles` (at most 25 actors a call, the lexicon's limit) and cached for warm invocations
  (`PROFILE_TTL`); a failed lookup leaves followers unknown rather than failing the poll.
- Embeds: a quote post (`app.bsky.embed.record`, or `recordWithMedia`) links the quoted post (`thread.quote_of`,
  and joins its conversation when the quote is not itself a reply); a link card (`app.bsky.embed.external`)
  adds its title and address to the text, where a brand is often named.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mentionwatch.config.watch import BlueskyConfig, BlueskyQuery
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

PAGE_SIZE = 100
POST_COLLECTION = "app.bsky.feed.post"
PROFILES_PER_CALL = 25  # app.bsky.actor.getProfiles: `actors` has maxLength 25
PROFILE_TTL = timedelta(hours=6)
MAX_CACHED_PROFILES = 5_000
UNKNOWN = -1
PROFILE_CACHE = "bluesky_profiles"  # key in PollContext.sessions: {did: [followers, fetched epoch seconds]}


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class StrongRef(_Model):
    uri: str
    cid: str | None = None


class ReplyRef(_Model):
    root: StrongRef
    parent: StrongRef


class ExternalCard(_Model):
    uri: str = ""
    title: str = ""
    description: str = ""


class RecordEmbed(_Model):
    """The post record's `embed`: `app.bsky.embed.record` ({record: ref}), `app.bsky.embed.recordWithMedia`
    ({record: {record: ref}, media}), `app.bsky.embed.external` ({external: card}); images and video are not
    read."""

    type: Annotated[str, Field(alias="$type")] = ""
    record: dict[str, Any] | None = None
    external: ExternalCard | None = None

    @property
    def quoted_uri(self) -> str | None:
        ref: Any = self.record or {}
        if self.type.startswith("app.bsky.embed.recordWithMedia"):
            ref = ref.get("record")
        elif not self.type.startswith("app.bsky.embed.record"):
            return None
        uri = ref.get("uri") if isinstance(ref, dict) else None
        return uri if isinstance(uri, str) and f"/{POST_COLLECTION}/" in uri else None


class PostRecord(_Model):
    text: str = ""
    created_at: Annotated[datetime, Field(alias="createdAt")]
    langs: list[str] = []
    reply: ReplyRef | None = None
    embed: RecordEmbed | None = None


class ProfileView(_Model):
    did: Annotated[str, Field(min_length=1)]
    handle: Annotated[str, Field(min_length=1)]
    display_name: Annotated[str | None, Field(alias="displayName")] = None


class PostView(_Model):
    uri: Annotated[str, Field(pattern=r"^at://[^/]+/app\.bsky\.feed\.post/[^/]+$")]
    cid: str | None = None
    author: ProfileView
    record: PostRecord
    reply_count: Annotated[int, Field(alias="replyCount", ge=0)] = 0
    repost_count: Annotated[int, Field(alias="repostCount", ge=0)] = 0
    like_count: Annotated[int, Field(alias="likeCount", ge=0)] = 0
    quote_count: Annotated[int, Field(alias="quoteCount", ge=0)] = 0


def split_at_uri(uri: str) -> tuple[str, str, str]:
    """`at://<did>/<collection>/<rkey>` → (did, collection, rkey)."""
    did, collection, rkey = uri.removeprefix("at://").split("/", 2)
    return did, collection, rkey


def permalink(uri: str, handle: str | None = None) -> str:
    did, _, rkey = split_at_uri(uri)
    return f"https://bsky.app/profile/{handle or did}/post/{rkey}"


def native_id(uri: str) -> str:
    """`<did>/<rkey>`: globally unique and stable (handles change, DIDs do not)."""
    did, _, rkey = split_at_uri(uri)
    return f"{did}/{rkey}"


def post_to_mention(post: PostView, received_at: datetime) -> Mention:
    reply = post.record.reply
    embed = post.record.embed
    quoted = embed.quoted_uri if embed else None
    quote_of = native_id(quoted) if quoted else None
    text = post.record.text
    card = embed.external if embed else None
    if card is not None and (card.title or card.uri):
        text = "\n".join(part for part in (text, card.title, card.uri) if part)
    if reply:
        thread = dict(root_id=native_id(reply.root.uri), parent_id=native_id(reply.parent.uri), quote_of=quote_of)
    else:
        thread = dict(root_id=quote_of, quote_of=quote_of)  # a quote joins the quoted post's conversation
    return Mention(
        platform=Platform.BLUESKY,
        native_id=native_id(post.uri),
        permalink=permalink(post.uri, post.author.did),
        text=text,
        language=post.record.langs[0] if post.record.langs else None,
        author=dict(handle=post.author.handle, display_name=post.author.display_name, id=post.author.did),
        created_at=post.record.created_at,
        received_at=received_at,
        thread=thread,
        engagement=dict(
            likes=post.like_count,
            replies=post.reply_count,
            reposts=post.repost_count,
            quotes=post.quote_count,
        ),
        raw_ref=f"bluesky:{native_id(post.uri)}",
    )


class BlueskyPoller:
    source: ClassVar[str] = "bluesky"

    def __init__(self, config: BlueskyConfig) -> None:
        self.config = config

    def _service(self, context: PollContext) -> str:
        """The configured PDS, unless the settings replaced the platform's host (the local stack's fakes)."""
        return context.endpoint("bluesky", str(self.config.service))

    def poll(self, query: BlueskyQuery, cursor: Cursor, context: PollContext) -> QueryOutcome:
        overlap = timedelta(minutes=self.config.overlap_minutes)
        since = (cursor.watermark - overlap) if cursor.watermark else None

        def fetch(token: str | None) -> Page:
            params = {"q": query.q, "sort": "latest", "limit": str(PAGE_SIZE)}
            if since is not None:
                params["since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            if query.lang:
                params["lang"] = query.lang
            if token:
                params["cursor"] = token
            response = self._authorised_get("app.bsky.feed.searchPosts", params, context)
            body = response.json_body(self._service(context))
            if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                raise UpstreamError("searchPosts answered without a posts list")
            items, invalid = [], 0
            for raw in body["posts"]:
                try:
                    mention = post_to_mention(PostView.model_validate(raw), context.now)
                except (ValidationError, ValueError):
                    invalid += 1
                    continue
                mention = mention.model_copy(update={"match": match_for(context.watch, query.brand, mention.text)})
                items.append(QueuedMention(source=self.source, mention=mention, raw=raw))
            limit = read_rate_limit(response, context.now)
            exhausted = limit.reset_at if limit.remaining is not None and limit.remaining < 1 else None
            return Page(items=items, next_token=body.get("cursor") or None, exhausted_until=exhausted, invalid=invalid)

        walk = walk_newest_first(fetch, cursor, max_pages=self.config.max_pages, overlap=overlap, now=context.now)
        mentions = self._with_followers(walk.mentions, context)
        return QueryOutcome(
            mentions=mentions,
            cursor=walk.cursor.model_copy(update={"backoff_until": walk.backoff_until}),
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

    # --- reach -------------------------------------------------------------------------------------------
    def _with_followers(self, items: list[QueuedMention], context: PollContext) -> list[QueuedMention]:
        """Each author's follower count from the cache or `getProfiles`, 25 actors a call."""
        cache: dict[str, list[int]] = context.sessions.setdefault(PROFILE_CACHE, {})
        now = int(context.now.timestamp())
        fresh = {did: entry[0] for did, entry in cache.items() if now - entry[1] < PROFILE_TTL.total_seconds()}
        authors = dict.fromkeys(item.mention.author.id or "" for item in items)  # in the order posts came
        wanted = [did for did in authors if did and did not in fresh]
        for start in range(0, len(wanted), PROFILES_PER_CALL):
            found = self._profiles(wanted[start : start + PROFILES_PER_CALL], context)
            if found is None:
                break  # rate limited or failing: followers stay unknown for the rest
            for did in wanted[start : start + PROFILES_PER_CALL]:
                followers = found.get(did, UNKNOWN)  # not returned (deleted, suspended): not asked again soon
                fresh[did] = followers
                cache[did] = [followers, now]
        if len(cache) > MAX_CACHED_PROFILES:
            newest = sorted(cache.items(), key=lambda pair: pair[1][1], reverse=True)[:MAX_CACHED_PROFILES]
            context.sessions[PROFILE_CACHE] = dict(newest)
        enriched = []
        for item in items:
            followers = fresh.get(item.mention.author.id or "", UNKNOWN)
            if followers != UNKNOWN:
                author = item.mention.author.model_copy(update={"followers": followers})
                item = item.model_copy(update={"mention": item.mention.model_copy(update={"author": author})})
            enriched.append(item)
        return enriched

    def _profiles(self, dids: list[str], context: PollContext) -> dict[str, int] | None:
        try:
            response = self._authorised_get(
                "app.bsky.actor.getProfiles", {}, context, repeated=tuple(("actors", did) for did in dids)
            )
        except (UpstreamError, RateLimited):
            return None
        body = response.json_body(self._service(context)) if response.status == 200 else None
        profiles = body.get("profiles") if isinstance(body, dict) else None
        if not isinstance(profiles, list):
            return None
        found: dict[str, int] = {}
        for profile in profiles:
            if isinstance(profile, dict) and isinstance(profile.get("did"), str):
                count = profile.get("followersCount")
                if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
                    found[profile["did"]] = count
        return found

    # --- session -----------------------------------------------------------------------------------------
    def _authorised_get(
        self,
        method: str,
        params: dict[str, str],
        context: PollContext,
        repeated: tuple[tuple[str, str], ...] = (),
    ) -> HttpResponse:
        for attempt in (1, 2):
            session = self._session(context, renew=attempt == 2)
            response = context.http.send(
                HttpRequest(
                    url=f"{self._service(context)}/xrpc/{method}",
                    params=params,
                    repeated=repeated,
                    headers={"Authorization": f"Bearer {session['accessJwt']}", "Accept": "application/json"},
                    timeout=context.timeout,
                )
            )
            if _expired(response) and attempt == 1:
                continue
            if response.status == 429:
                raise RateLimited(retry_after(response, context.now))
            if response.status != 200:
                raise UpstreamError(f"bluesky {method} answered HTTP {response.status}{_error_name(response)}")
            return response
        raise UpstreamError("bluesky rejected a renewed session")

    def _session(self, context: PollContext, *, renew: bool) -> dict[str, Any]:
        session = context.sessions.get("bluesky")
        if session and not renew:
            return dict(session)
        if session and renew:
            refreshed = self._xrpc_post(
                "com.atproto.server.refreshSession", None, context, bearer=str(session["refreshJwt"])
            )
            if refreshed.status == 200:
                return self._keep(refreshed, context)
            if refreshed.status == 429:
                raise RateLimited(retry_after(refreshed, context.now))
        identifier = context.secrets.get("identifier")
        password = context.secrets.get("app_password")
        if not identifier or not password:
            raise ConfigurationError("source bluesky needs identifier and app_password secrets", field="secrets")
        created = self._xrpc_post(
            "com.atproto.server.createSession", {"identifier": identifier, "password": password}, context
        )
        if created.status == 429:
            raise RateLimited(retry_after(created, context.now))
        if created.status != 200:
            raise UpstreamError(f"bluesky createSession answered HTTP {created.status}{_error_name(created)}")
        return self._keep(created, context)

    def _xrpc_post(
        self, method: str, payload: dict[str, str] | None, context: PollContext, bearer: str | None = None
    ) -> HttpResponse:
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return context.http.send(
            HttpRequest(
                method="POST",
                url=f"{self._service(context)}/xrpc/{method}",
                headers=headers,
                body=json.dumps(payload).encode() if payload is not None else None,
                timeout=context.timeout,
            )
        )

    def _keep(self, response: HttpResponse, context: PollContext) -> dict[str, Any]:
        body = response.json_body(self._service(context))
        if not isinstance(body, dict) or not body.get("accessJwt") or not body.get("refreshJwt"):
            raise UpstreamError("bluesky session answer has no tokens")
        session = {"accessJwt": body["accessJwt"], "refreshJwt": body["refreshJwt"], "did": body.get("did")}
        context.sessions["bluesky"] = session
        return session


def _error_body(response: HttpResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _error_name(response: HttpResponse) -> str:
    error = _error_body(response).get("error")
    return f" ({error})" if isinstance(error, str) and len(error) < 64 else ""


def _expired(response: HttpResponse) -> bool:
    if response.status == 401:
        return True
    return response.status == 400 and _error_body(response).get("error") in ("ExpiredToken", "InvalidToken")
