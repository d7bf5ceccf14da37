"""RSS (0.9x, 1.0, 2.0), Atom (0.3, 1.0) and their dialects: blogs, news, review sites and comment feeds.

- Parsed with feedparser (a maintained parser that copes with the feeds found in the wild: namespaced or
  un-namespaced roots, Netscape's RSS 0.91 DOCTYPE, wrongly declared encodings, a stray `&`), behind this
  module's own limits: at most `MAX_XML_BYTES`, and no entity declaration but plain internal ones without
  references (no external entity, no parameter entity, nothing that expands into more entities).
- Each feed is fetched with `If-None-Match` (its last ETag) and `If-Modified-Since` (its last Last-Modified);
  a 304 costs nothing and yields nothing.
- An entry is identified by its guid/id (else its link, else title + date) hashed with the feed URL, so the
  mention id is stable and safe in keys. Ids of every entry in the current document are remembered, so an
  entry is emitted once even when the feed reorders or re-dates it.
- Text: the title and the content (or summary) with markup stripped; author: the entry's name (author,
  dc:creator, itunes:author, …), never an e-mail address (RSS 2.0 `<author>` holds one: its name in brackets
  is kept, else the feed's title); date: published, else updated/created (dcterms:issued and friends), else
  the poll time; links resolved against the feed's address; language: the entry's `xml:lang`, else the feed's.
- Entries are kept only when they name the query's brand (its keywords or handles), unless `match_all`.
  429/503 back off (Retry-After).
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import feedparser
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
from mentionwatch.text import normalise_text
from mentionwatch.xmlsafe import MAX_XML_BYTES

MAX_ENTITY_DECLARATIONS = 64
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\b(.*?)>", re.S)
# A plain internal entity: a name and a quoted value that references no other entity (nothing to amplify).
_PLAIN_ENTITY = re.compile(rb"""\s+[\w.:-]+\s+(?:"(?:[^"&%]|&\#\w+;)*"|'(?:[^'&%]|&\#\w+;)*')\s*""")
_EMAIL = re.compile(r"[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+")
RAW_TEXT_CHARS = 4_000


@dataclass(frozen=True)
class FeedEntry:
    key: str  # guid / id / link as the feed gives it
    title: str
    summary: str
    link: str | None
    author: str | None
    published: datetime | None
    language: str | None
    in_reply_to: str | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    language: str | None
    entries: list[FeedEntry]


def check_feed_safety(document: bytes) -> None:
    """The limits feedparser runs behind: size, and no entity that reaches outside or expands into more."""
    if len(document) > MAX_XML_BYTES:
        raise UpstreamError(f"feed is larger than {MAX_XML_BYTES} bytes")
    head = document
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:  # UTF-16/32: look at the characters
        head = document.replace(b"\x00", b"")
    declarations = _ENTITY_DECLARATION.findall(head)
    if len(declarations) > MAX_ENTITY_DECLARATIONS:
        raise UpstreamError("feed declares too many entities (DOCTYPE refused)")
    for declaration in declarations:
        if not _PLAIN_ENTITY.fullmatch(declaration):
            raise UpstreamError("feed declares an external, parameter or nested entity (DOCTYPE refused)")


def parse_feed(document: bytes, url: str = "") -> ParsedFeed:
    """Title, language and entries of a feed in any RSS or Atom dialect."""
    check_feed_safety(document)
    # Bytes, never a string (feedparser would take a string for an address and fetch it); the feed's own
    # address resolves relative links.
    parsed = feedparser.parse(
        document,
        response_headers={"content-location": url} if url else None,
        resolve_relative_uris=True,
        sanitize_html=True,
    )
    feed = parsed.get("feed", {})
    if not parsed.get("version") and not parsed.get("entries"):
        problem = parsed.get("bozo_exception")
        detail = f": {str(problem)[:200]}" if problem else ""
        raise UpstreamError(f"not an RSS or Atom feed{detail}")
    language = _language(feed.get("language"))
    entries = [_entry(entry, url, language) for entry in parsed.get("entries", [])]
    return ParsedFeed(title=_plain(feed.get("title")) or None, language=language, entries=entries)


def _plain(value: object) -> str:
    return normalise_text(value) if isinstance(value, str) else ""


def _language(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    tag = value.strip().lower().replace("_", "-")
    return tag if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,8}){0,3}", tag) and len(tag) <= 16 else None


def _when(entry: Any) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(field)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def author_name(entry: Any) -> str | None:
    """A person's name, never an e-mail address (RSS 2.0 `<author>` is `jo@example.com (Jo Bloggs)`)."""
    detail = entry.get("author_detail") or {}
    # The entry's own string first: feedparser's split of `e-mail (name)` into author_detail can cut it wrongly.
    candidates = [entry.get("author"), detail.get("name")]
    candidates += [person.get("name") for person in entry.get("authors") or [] if isinstance(person, dict)]
    for candidate in candidates:
        if not isinstance(candidate, str):
            continue
        bracketed = re.search(r"\(([^()]+)\)", candidate)
        if bracketed and _EMAIL.search(candidate):
            candidate = bracketed.group(1)
        name = _EMAIL.sub("", _plain(candidate)).strip(" ,;:()<>")
        if name:
            return name[:256]
    return None


def _entry(entry: Any, url: str, feed_language: str | None) -> FeedEntry:
    title = _plain(entry.get("title"))
    contents = [part for part in entry.get("content") or [] if isinstance(part, dict) and part.get("value")]
    summary = _plain(contents[0]["value"]) if contents else _plain(entry.get("summary"))
    if summary == title:
        summary = ""
    link = entry.get("link")
    link = urljoin(url, link) if isinstance(link, str) and link.strip() else None
    published = _when(entry)
    details = [entry.get("title_detail") or {}] + contents + [entry.get("summary_detail") or {}]
    language = next((_language(d.get("language")) for d in details if _language(d.get("language"))), None)
    reply = entry.get("thr_in-reply-to") or {}
    in_reply_to = reply.get("ref") if isinstance(reply, dict) else None
    key = entry.get("id") or entry.get("guid") or link or f"{title}|{published.isoformat() if published else ''}"
    raw = {
        "id": entry.get("id"),
        "title": title[:RAW_TEXT_CHARS],
        "link": link,
        "author": author_name(entry),
        "published": published.isoformat() if published else None,
        "summary": summary[:RAW_TEXT_CHARS],
    }
    return FeedEntry(
        key=str(key),
        title=title,
        summary=summary,
        link=link,
        author=author_name(entry),
        published=published,
        language=language or feed_language,
        in_reply_to=in_reply_to if isinstance(in_reply_to, str) else None,
        raw=raw,
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

        feed = parse_feed(response.body, url)
        feed_title, entries = feed.title, feed.entries
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
            text = " — ".join(part for part in (entry.title, entry.summary) if part) or (entry.link or "")
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
                    language=entry.language,
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
            mentions.append(QueuedMention(source=self.source, mention=mention, raw=entry.raw))
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
