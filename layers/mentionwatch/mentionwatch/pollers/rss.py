"""RSS 2.0 and Atom feeds: blogs, news, review sites and comment feeds, fetched conditionally.

- Each feed is fetched with `If-None-Match` (its last ETag) and `If-Modified-Since` (its last Last-Modified);
  a 304 costs nothing and yields nothing.
- An entry is identified by its guid/id (else its link, else title + date) hashed with the feed URL, so the
  mention id is stable and safe in keys. Ids of every entry in the current document are remembered, so an
  entry is emitted once even when the feed reorders or re-dates it.
- Entries are kept only when they name the query's brand (its keywords or handles), unless `match_all`.
- XML is parsed with `mentionwatch.xmlsafe` (DOCTYPE and entities refused). 429/503 back off (Retry-After).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET  # noqa: S405  (types only; parsing goes through mentionwatch.xmlsafe)
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import ValidationError

from mentionwatch.config.watch import FeedQuery, RssConfig
from mentionwatch.exceptions import UpstreamError
from mentionwatch.models import Mention, Platform
from mentionwatch.pollers.base import (
    MAX_SEEN,
    Cursor,
    PollContext,
    QueryOutcome,
    QueryReport,
    match_for,
    retry_after,
)
from mentionwatch.pollers.http import HttpRequest
from mentionwatch.sources.base import QueuedMention
from mentionwatch.xmlsafe import UnsafeXml, child_text, element_to_dict, parse_xml

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
THREAD = "{http://purl.org/syndication/thread/1.0}"
RDF_ITEM = "{http://purl.org/rss/1.0/}item"


@dataclass(frozen=True)
class FeedEntry:
    key: str  # guid / id / link as the feed gives it
    title: str
    summary: str
    link: str | None
    author: str | None
    published: datetime | None
    in_reply_to: str | None
    raw: ET.Element


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)  # RSS: RFC 822
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))  # Atom: RFC 3339
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_feed(document: bytes) -> tuple[str | None, list[FeedEntry]]:
    """(feed title, entries) of an RSS 2.0, RSS 1.0 or Atom document."""
    try:
        root = parse_xml(document)
    except UnsafeXml as err:
        raise UpstreamError(f"feed is not usable XML: {err}") from None
    if root.tag == f"{ATOM}feed":
        return child_text(root, f"{ATOM}title"), [_atom_entry(entry) for entry in root.findall(f"{ATOM}entry")]
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise UpstreamError("RSS document has no channel")
        return child_text(channel, "title"), [_rss_item(item) for item in channel.findall("item")]
    if root.tag.endswith("}RDF"):
        return None, [_rss_item(item, ns="{http://purl.org/rss/1.0/}") for item in root.findall(RDF_ITEM)]
    raise UpstreamError(f"not an RSS or Atom feed (root element {root.tag!r})")


def _rss_item(item: ET.Element, ns: str = "") -> FeedEntry:
    link = child_text(item, f"{ns}link")
    title = child_text(item, f"{ns}title") or ""
    date = child_text(item, "pubDate") or child_text(item, f"{DC}date")
    key = child_text(item, "guid") or item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about") or link
    return FeedEntry(
        key=key or f"{title}|{date}",
        title=title,
        summary=child_text(item, f"{CONTENT}encoded") or child_text(item, f"{ns}description") or "",
        link=link,
        author=child_text(item, f"{DC}creator") or child_text(item, "author"),
        published=_date(date),
        in_reply_to=None,
        raw=item,
    )


def _atom_entry(entry: ET.Element) -> FeedEntry:
    links = entry.findall(f"{ATOM}link")
    link = next((el.get("href") for el in links if el.get("rel", "alternate") == "alternate"), None)
    author = entry.find(f"{ATOM}author")
    reply = entry.find(f"{THREAD}in-reply-to")
    title = child_text(entry, f"{ATOM}title") or ""
    date = child_text(entry, f"{ATOM}published") or child_text(entry, f"{ATOM}updated")
    return FeedEntry(
        key=child_text(entry, f"{ATOM}id") or link or f"{title}|{date}",
        title=title,
        summary=child_text(entry, f"{ATOM}content") or child_text(entry, f"{ATOM}summary") or "",
        link=link,
        author=child_text(author, f"{ATOM}name") if author is not None else None,
        published=_date(date),
        in_reply_to=reply.get("ref") if reply is not None else None,
        raw=entry,
    )


def entry_id(feed_url: str, key: str) -> str:
    return hashlib.sha256(f"{feed_url}\n{key}".encode()).hexdigest()[:32]


class RssPoller:
    source: ClassVar[str] = "rss"

    def __init__(self, config: RssConfig) -> None:
        self.config = config

    def poll(self, query: FeedQuery, cursor: Cursor, context: PollContext) -> QueryOutcome:
        url = str(query.url)
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"}
        if cursor.etag:
            headers["If-None-Match"] = cursor.etag
        if cursor.last_modified:
            headers["If-Modified-Since"] = cursor.last_modified
        response = context.http.send(HttpRequest(url=url, headers=headers, timeout=context.timeout))
        report = {"query": query.name, "pages": 1}
        if response.status in (429, 503):
            until = retry_after(response, context.now)
            return QueryOutcome(
                mentions=[],
                cursor=cursor.model_copy(update={"backoff_until": until, "updated_at": context.now}),
                report=QueryReport(**report, rate_limited=True, backoff_until=until),
            )
        if response.status == 304:
            return QueryOutcome(
                mentions=[],
                cursor=cursor.model_copy(update={"backoff_until": None, "updated_at": context.now}),
                report=QueryReport(**report, skipped="not modified"),
            )
        if response.status != 200:
            raise UpstreamError(f"{urlsplit(url).netloc} answered HTTP {response.status} for feed {query.name}")

        feed_title, entries = parse_feed(response.body)
        host = urlsplit(url).netloc
        now_ts = int(context.now.timestamp())
        seen = dict(cursor.seen)
        mentions: list[QueuedMention] = []
        invalid = 0
        for entry in entries:
            native_id = entry_id(url, entry.key)
            if native_id in seen:
                continue
            seen[native_id] = now_ts
            text = f"{entry.title} — {entry.summary}" if entry.summary else entry.title
            if query.match_all:
                match = match_for(context.watch, query.brand, text)
            else:
                found = context.watch.match(text, brand=query.brand)
                if found is None:
                    continue  # remembered as seen: an entry that does not name a brand is not checked again
                match = found
            try:
                mention = Mention(
                    platform=Platform.RSS,
                    native_id=native_id,
                    permalink=entry.link,
                    text=text,
                    author=dict(handle=entry.author or feed_title or host, display_name=feed_title),
                    created_at=entry.published or context.now,
                    received_at=context.now,
                    thread=dict(parent_id=entry_id(url, entry.in_reply_to)) if entry.in_reply_to else dict(),
                    match=match,
                    raw_ref=f"rss:{host}:{native_id}",
                )
            except ValidationError:
                invalid += 1
                continue
            mentions.append(QueuedMention(source=self.source, mention=mention, raw=element_to_dict(entry.raw)))
        if len(seen) > MAX_SEEN:
            current = {entry_id(url, entry.key) for entry in entries}
            ordered = sorted(seen.items(), key=lambda pair: (pair[0] in current, pair[1]), reverse=True)
            seen = dict(ordered[:MAX_SEEN])
        new_cursor = cursor.model_copy(
            update={
                "seen": seen,
                "etag": response.header("etag") or cursor.etag,
                "last_modified": response.header("last-modified") or cursor.last_modified,
                "backoff_until": None,
                "updated_at": context.now,
            }
        )
        return QueryOutcome(
            mentions=mentions,
            cursor=new_cursor,
            report=QueryReport(**report, new=len(mentions), invalid=invalid),
        )
