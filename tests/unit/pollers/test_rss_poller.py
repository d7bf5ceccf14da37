from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from mentionwatch.models import Platform
from mentionwatch.pollers.base import InMemoryCursorStore
from mentionwatch.pollers.runner import run_poll

BLOG = "https://traveldeals.example/feed/"
REVIEWS = "https://reviews.example/acme-air/comments/feed/"


def poll(watch, store, http, kit, query, now=None):
    return run_poll(watch, "rss", cursor_store=store, http=http, now=now or kit.now, secrets={}, only_query=query)


def test_rss_entries_naming_the_brand_become_mentions_and_validators_are_kept(watch, http, kit):
    # Given an RSS 2.0 feed with one article about the brand and one that is not
    http.on(
        "GET",
        BLOG,
        kit.respond(
            200,
            kit.fixture_bytes("rss/blog_rss2.xml"),
            {"ETag": 'W/"feed-v1"', "Last-Modified": "Mon, 23 Nov 2026 15:00:00 GMT"},
        ),
    )
    store = InMemoryCursorStore()

    # When polled
    result = poll(watch, store, http, kit, "travel-deals")

    # Then only the article about the brand is a mention, with its full content and author
    (item,) = result.mentions
    mention = item.mention
    assert mention.platform is Platform.RSS
    expected_id = hashlib.sha256(f"{BLOG}\nhttps://traveldeals.example/?p=4411".encode()).hexdigest()[:32]
    assert mention.native_id == expected_id
    assert mention.text == (
        "Acme Air slashes winter fares to Lisbon — Acme Air announced fares from 39 euros each way until March."  # noqa: E501
    )
    assert mention.author.handle == "Maria Lopes"
    assert mention.permalink == "https://traveldeals.example/2026/11/acme-air-lisbon/"
    assert mention.created_at == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)
    assert mention.match.brand == "acme"
    cursor = store.get("rss", "travel-deals")
    assert (cursor.etag, cursor.last_modified) == ('W/"feed-v1"', "Mon, 23 Nov 2026 15:00:00 GMT")


def test_next_fetch_is_conditional_and_304_yields_nothing(watch, http, kit):
    store = InMemoryCursorStore()
    http.on(
        "GET",
        BLOG,
        kit.respond(
            200,
            kit.fixture_bytes("rss/blog_rss2.xml"),
            {"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 15:00:00 GMT"},
        ),
        kit.respond(304, b"", {"ETag": '"v1"'}),
    )
    poll(watch, store, http, kit, "travel-deals")

    result = poll(watch, store, http, kit, "travel-deals", now=kit.now + timedelta(minutes=15))

    second = http.requests[1]
    assert second.headers["If-None-Match"] == '"v1"'
    assert second.headers["If-Modified-Since"] == "Mon, 23 Nov 2026 15:00:00 GMT"
    assert result.mentions == []
    assert result.queries[0].skipped == "not modified"


def test_changed_feed_emits_only_entries_not_seen_before(watch, http, kit):
    store = InMemoryCursorStore()
    original = kit.fixture_bytes("rss/blog_rss2.xml")
    newer_item = b"""<item><title>Acme Air adds Porto</title><link>https://traveldeals.example/porto/</link>
    <guid isPermaLink="false">https://traveldeals.example/?p=4420</guid>
    <pubDate>Mon, 23 Nov 2026 16:45:00 +0000</pubDate>
    <description>New route.</description></item>"""
    updated = original.replace(b"<item>", newer_item + b"<item>", 1)
    http.on("GET", BLOG, kit.respond(200, original), kit.respond(200, updated))

    poll(watch, store, http, kit, "travel-deals")
    result = poll(watch, store, http, kit, "travel-deals", now=kit.now + timedelta(minutes=15))

    assert [m.mention.text for m in result.mentions] == ["Acme Air adds Porto — New route."]


def test_atom_comment_feed_with_match_all_keeps_every_comment_and_threads_replies(watch, http, kit):
    http.on("GET", REVIEWS, kit.respond(200, kit.fixture_bytes("rss/review_comments_atom.xml")))

    result = poll(watch, InMemoryCursorStore(), http, kit, "review-comments")

    reply, parent = (item.mention for item in result.mentions)
    assert reply.text == "Comment by Priya on Acme Air review — Totally agree, the crew were fantastic."
    assert reply.author.handle == "Priya"
    assert reply.permalink == "https://reviews.example/acme-air#comment-901"
    assert reply.thread.parent_id == parent.native_id
    assert parent.author.handle == "Comments on: Acme Air review"  # no author: the feed's title
    assert parent.match.brand == "acme"


def test_feed_with_a_doctype_is_reported_and_its_cursor_untouched(watch, http, kit):
    store = InMemoryCursorStore()
    http.on("GET", BLOG, kit.respond(200, kit.fixture_bytes("youtube/billion_laughs.xml")))

    result = poll(watch, store, http, kit, "travel-deals")

    assert result.mentions == []
    assert "DOCTYPE" in (result.queries[0].error or "")
    assert store.get("rss", "travel-deals").version == 0


def test_429_with_retry_after_backs_off(watch, http, kit):
    store = InMemoryCursorStore()
    http.on("GET", BLOG, kit.respond(429, b"slow down", {"Retry-After": "600"}))

    result = poll(watch, store, http, kit, "travel-deals")

    assert result.queries[0].rate_limited is True
    assert store.get("rss", "travel-deals").backoff_until == kit.now + timedelta(seconds=600)


def test_netscape_rss_091_with_its_doctype_a_stray_ampersand_and_an_email_author_is_read(watch, http, kit):
    # Given an RSS 0.91 feed with Netscape's DOCTYPE, a bare `&`, a relative link and an RSS `<author>` e-mail
    http.on("GET", BLOG, kit.respond(200, kit.fixture_bytes("rss/rss091_netscape.xml")))

    result = poll(watch, InMemoryCursorStore(), http, kit, "travel-deals")

    (item,) = result.mentions
    mention = item.mention
    assert mention.text == "Acme Air & the winter sale — Acme Air cut fares to Oslo & Bergen."
    assert mention.author.handle == "Sam Editor"  # the name, never the e-mail address
    assert mention.permalink == "https://traveldeals.example/2026/11/acme-air-winter-sale"  # resolved
    assert mention.created_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert mention.language == "en-gb"


def test_atom_03_with_xhtml_content_issued_date_and_xml_lang_is_read(watch, http, kit):
    http.on("GET", BLOG, kit.respond(200, kit.fixture_bytes("rss/atom03_entry.xml")))

    result = poll(watch, InMemoryCursorStore(), http, kit, "travel-deals")

    (item,) = result.mentions
    mention = item.mention
    assert mention.text == "Mit Acme Air nach Lissabon — Der Flug mit Acme Air war pünktlich."
    assert mention.author.handle == "Jana"
    assert mention.created_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert mention.language == "de"
    assert mention.permalink == "https://reiseblog.example/lissabon"


def test_a_feed_declaring_an_external_entity_is_refused_before_parsing(watch, http, kit):
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <rss version="2.0"><channel><title>t</title><item><title>Acme Air &x;</title></item></channel></rss>"""
    http.on("GET", BLOG, kit.respond(200, body))

    result = poll(watch, InMemoryCursorStore(), http, kit, "travel-deals")

    assert result.mentions == []
    assert "external" in (result.queries[0].error or "")
