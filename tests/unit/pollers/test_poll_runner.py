from __future__ import annotations

import pytest

from mentionwatch.exceptions import ConfigurationError, EnqueueFailed
from mentionwatch.pollers.base import Cursor, InMemoryCursorStore
from mentionwatch.pollers.runner import run_poll

BLOG = "https://traveldeals.example/feed/"
REVIEWS = "https://reviews.example/acme-air/comments/feed/"


def test_cursor_is_saved_only_after_the_sink_took_the_mentions(watch, http, kit):
    # Given a sink (the queue) that fails
    store = InMemoryCursorStore()
    http.on("GET", BLOG, kit.respond(200, kit.fixture_bytes("rss/blog_rss2.xml")))

    def failing_sink(items):
        raise EnqueueFailed("queue unavailable")

    # When polled, the failure propagates and the cursor stays where it was
    with pytest.raises(EnqueueFailed):
        run_poll(watch, "rss", cursor_store=store, http=http, now=kit.now, secrets={}, sink=failing_sink)
    assert store.get("rss", "travel-deals").seen == {}

    # Then the next run delivers the same entry again
    http.on("GET", BLOG, kit.respond(200, kit.fixture_bytes("rss/blog_rss2.xml")))
    http.on("GET", REVIEWS, kit.respond(304))
    delivered = []
    result = run_poll(watch, "rss", cursor_store=store, http=http, now=kit.now, secrets={}, sink=delivered.extend)
    assert len(delivered) == 1 and delivered == result.mentions


def test_a_failing_query_does_not_stop_the_others(watch, http, kit):
    http.on("GET", BLOG, kit.respond(500, b"oops"))
    http.on("GET", REVIEWS, kit.respond(200, kit.fixture_bytes("rss/review_comments_atom.xml")))

    result = run_poll(watch, "rss", cursor_store=InMemoryCursorStore(), http=http, now=kit.now, secrets={})

    assert [report.query for report in result.failed] == ["travel-deals"]
    assert "HTTP 500" in (result.failed[0].error or "")
    assert len(result.mentions) == 2


def test_overlapping_run_that_saved_first_wins_the_cursor(watch, http, kit):
    # Given a store where another run saved the cursor after this run read it
    class RacingStore(InMemoryCursorStore):
        def get(self, source, query):
            cursor = super().get(source, query)
            super().put(cursor.model_copy(update={"etag": '"other-run"'}))
            return cursor

    store = RacingStore()
    http.on("GET", BLOG, kit.respond(200, kit.fixture_bytes("rss/blog_rss2.xml"), {"ETag": '"mine"'}))

    result = run_poll(watch, "rss", cursor_store=store, http=http, now=kit.now, secrets={}, only_query="travel-deals")

    assert "another run" in (result.queries[0].error or "")
    assert store.get("rss", "travel-deals").etag == '"other-run"'


def test_in_memory_store_refuses_a_stale_version():
    store = InMemoryCursorStore()
    saved = store.put(Cursor(source="rss", query="q"))
    assert saved.version == 1
    from mentionwatch.exceptions import Conflict

    with pytest.raises(Conflict):
        store.put(Cursor(source="rss", query="q"))


@pytest.mark.parametrize(
    ("source", "query", "field"),
    [("twitter", None, "source"), ("rss", "nope", "query")],
)
def test_unknown_source_or_query_is_a_configuration_error(watch, http, kit, source, query, field):
    with pytest.raises(ConfigurationError) as caught:
        run_poll(
            watch,
            source,
            cursor_store=InMemoryCursorStore(),
            http=http,
            now=kit.now,
            secrets={},
            only_query=query,
        )
    assert caught.value.field == field


def test_source_without_configuration_is_a_configuration_error(http, kit):
    from mentionwatch.config.watch import load_watch_config

    bare = load_watch_config("brands: [{name: acme, keywords: [acme]}]")
    with pytest.raises(ConfigurationError) as caught:
        run_poll(bare, "reddit", cursor_store=InMemoryCursorStore(), http=http, now=kit.now, secrets={})
    assert "pollers.reddit" in caught.value.message


def test_replaced_endpoints_send_reddit_and_bluesky_to_the_given_host_and_nothing_else_moves(watch, http, kit):
    # Given the local stack's fake platforms in place of Reddit's two hosts and the Bluesky PDS
    fake = "http://127.0.0.1:8123"
    http.on("POST", f"{fake}/api/v1/access_token", kit.respond(200, kit.fixture_json("reddit/access_token.json")))
    http.on("GET", f"{fake}/search", kit.respond(200, kit.fixture_json("reddit/search_new.json")))
    http.on(
        "POST",
        f"{fake}/xrpc/com.atproto.server.createSession",
        kit.respond(200, kit.fixture_json("bluesky/create_session.json")),
    )
    http.on(
        "GET", f"{fake}/xrpc/app.bsky.feed.searchPosts", kit.respond(200, kit.fixture_json("bluesky/search_posts.json"))
    )
    http.on(
        "GET",
        f"{fake}/xrpc/app.bsky.actor.getProfiles",
        kit.respond(200, kit.fixture_json("bluesky/get_profiles.json")),
    )
    http.on("GET", BLOG, kit.respond(304))
    http.on("GET", REVIEWS, kit.respond(304))
    endpoints = {"reddit": fake, "bluesky": fake + "/", "rss": "https://ignored.example"}
    store = InMemoryCursorStore()

    # When every polled source runs with the replaced endpoints
    results = {}
    for source, secrets, query in (
        ("reddit", {"client_id": "id", "client_secret": "secret"}, "acme-search"),
        ("bluesky", {"identifier": "acme-social.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}, None),
        ("rss", {}, None),
    ):
        results[source] = run_poll(
            watch,
            source,
            cursor_store=store,
            http=http,
            now=kit.now,
            secrets=secrets,
            only_query=query,
            endpoints=endpoints,
        )

    # Then Reddit and Bluesky went only to the replacement (feeds keep their own URLs) and all worked
    assert [report.error for result in results.values() for report in result.queries] == [None] * 4
    assert len(results["reddit"].mentions) == 2
    assert results["bluesky"].mentions[0].mention.author.followers == 214000
    hosts = [request.host for request in http.requests]
    assert hosts.count("127.0.0.1:8123") == 5 and "oauth.reddit.com" not in hosts and "bsky.social" not in hosts
    assert sorted(set(hosts) - {"127.0.0.1:8123"}) == ["reviews.example", "traveldeals.example"]
