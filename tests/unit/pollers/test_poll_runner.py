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
