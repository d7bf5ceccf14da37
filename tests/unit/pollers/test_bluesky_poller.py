from __future__ import annotations

import json
from datetime import UTC, datetime

from mentionwatch.models import Platform
from mentionwatch.pollers.base import Cursor, InMemoryCursorStore
from mentionwatch.pollers.runner import run_poll

SERVICE = "https://bsky.social/xrpc"
CREATE = f"{SERVICE}/com.atproto.server.createSession"
REFRESH = f"{SERVICE}/com.atproto.server.refreshSession"
SEARCH = f"{SERVICE}/app.bsky.feed.searchPosts"
SECRETS = {"identifier": "acme-social.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}


def poll(watch, store, http, kit, sessions=None):
    return run_poll(
        watch,
        "bluesky",
        cursor_store=store,
        http=http,
        now=kit.now,
        secrets=SECRETS,
        sessions=sessions if sessions is not None else {},
    )


def test_first_run_opens_an_app_password_session_and_maps_posts_with_permalinks(watch, http, kit):
    # Given a session and one page of search results
    http.on("POST", CREATE, kit.respond(200, kit.fixture_json("bluesky/create_session.json")))
    http.on("GET", SEARCH, kit.respond(200, kit.fixture_json("bluesky/search_posts.json")))
    sessions: dict = {}

    # When polled
    result = poll(watch, InMemoryCursorStore(), http, kit, sessions)

    # Then the session was created with the app password and the search is authorised with its access JWT
    create = http.to(CREATE)[0]
    assert json.loads(create.body) == {
        "identifier": "acme-social.bsky.social",
        "password": "abcd-efgh-ijkl-mnop",
    }
    search = http.to(SEARCH)[0]
    assert search.headers["Authorization"] == "Bearer test-only-access-jwt-1"
    assert dict(search.params) == {"q": "acme air", "sort": "latest", "limit": "100"}
    reply, plain = (item.mention for item in result.mentions)
    assert reply.platform is Platform.BLUESKY
    assert reply.native_id == "did:plc:z72i7hdynmk6r22z27h6tvur/3lbk2xyz7ab2c"
    assert reply.permalink == "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3lbk2xyz7ab2c"
    assert reply.thread.root_id == "did:plc:rootauthor000000000000/3lbk2aaaaaaa1"
    assert reply.thread.parent_id == "did:plc:parentauthor0000000000/3lbk2bbbbbbb2"
    assert reply.author.handle == "nadia.bsky.social"
    assert reply.language == "en"
    assert "@acme.com" in reply.match.keywords
    assert plain.created_at == datetime(2026, 11, 23, 16, 10, tzinfo=UTC)
    assert plain.engagement.likes == 12 and plain.language is None
    assert sessions["bluesky"]["refreshJwt"] == "test-only-refresh-jwt-1"


def test_expired_access_token_is_refreshed_once_and_the_search_retried(watch, http, kit):
    # Given a kept session whose access token has expired
    sessions = {"bluesky": {"accessJwt": "stale-access", "refreshJwt": "kept-refresh", "did": "did:plc:x"}}
    http.on(
        "GET",
        SEARCH,
        kit.respond(400, {"error": "ExpiredToken", "message": "Token has expired"}),
        kit.respond(200, kit.fixture_json("bluesky/search_posts.json")),
    )
    http.on(
        "POST",
        REFRESH,
        kit.respond(
            200,
            {
                "accessJwt": "fresh-access",
                "refreshJwt": "fresh-refresh",
                "handle": "acme-social.bsky.social",
                "did": "did:plc:x",
            },
        ),
    )

    # When polled
    result = poll(watch, InMemoryCursorStore(), http, kit, sessions)

    # Then the refresh JWT renewed the session (no new session was created) and the retry succeeded
    assert http.to(REFRESH)[0].headers["Authorization"] == "Bearer kept-refresh"
    assert http.to(CREATE) == []
    assert http.to(SEARCH)[1].headers["Authorization"] == "Bearer fresh-access"
    assert len(result.mentions) == 2


def test_expired_refresh_token_falls_back_to_a_new_session(watch, http, kit):
    sessions = {"bluesky": {"accessJwt": "stale", "refreshJwt": "stale-refresh", "did": None}}
    http.on(
        "GET",
        SEARCH,
        kit.respond(401, {"error": "AuthenticationRequired"}),
        kit.respond(200, kit.fixture_json("bluesky/search_posts.json")),
    )
    http.on("POST", REFRESH, kit.respond(400, {"error": "ExpiredToken", "message": "Token has expired"}))
    http.on("POST", CREATE, kit.respond(200, kit.fixture_json("bluesky/create_session.json")))

    result = poll(watch, InMemoryCursorStore(), http, kit, sessions)

    assert len(http.to(CREATE)) == 1
    assert len(result.mentions) == 2


def test_next_run_follows_the_cursor_and_sends_since_below_the_watermark(watch, http, kit):
    # Given a watermark at 16:30 and a page of results with a next cursor, then an older page
    store = InMemoryCursorStore()
    store.put(Cursor(source="bluesky", query="acme-posts", watermark=datetime(2026, 11, 23, 16, 30, tzinfo=UTC)))
    page1 = kit.fixture_json("bluesky/search_posts.json")
    older = kit.fixture_json("bluesky/search_posts.json")
    older["cursor"] = None
    older["posts"] = [
        kit.copy_with(page1["posts"][1], uri="at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbjzzz")
    ]
    older["posts"][0]["record"] = {
        "$type": "app.bsky.feed.post",
        "createdAt": "2026-11-23T15:00:00Z",
        "text": "Acme Air",
    }
    http.on("POST", CREATE, kit.respond(200, kit.fixture_json("bluesky/create_session.json")))
    http.on("GET", SEARCH, kit.respond(200, page1), kit.respond(200, older))

    # When polled
    result = poll(watch, store, http, kit)

    # Then the second request carries the cursor, both carry since = watermark - 30 min
    first, second = http.to(SEARCH)
    assert first.params["since"] == "2026-11-23T16:00:00.000Z"
    assert second.params["cursor"] == "25"
    # And the 16:10 post is inside the window (new), the 15:00 one below it (covered by earlier runs)
    assert [m.mention.created_at.hour for m in result.mentions] == [16, 16]
    assert store.get("bluesky", "acme-posts").watermark == datetime(2026, 11, 23, 16, 40, tzinfo=UTC)


def test_429_backs_off_until_the_ratelimit_reset(watch, http, kit):
    reset = int(datetime(2026, 11, 23, 17, 5, tzinfo=UTC).timestamp())
    http.on("POST", CREATE, kit.respond(200, kit.fixture_json("bluesky/create_session.json")))
    http.on(
        "GET",
        SEARCH,
        kit.respond(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {
                "ratelimit-limit": "3000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
                "ratelimit-policy": "3000;w=300",
            },
        ),
    )
    store = InMemoryCursorStore()

    result = poll(watch, store, http, kit)

    assert result.mentions == []
    assert store.get("bluesky", "acme-posts").backoff_until == datetime(2026, 11, 23, 17, 5, tzinfo=UTC)


def test_missing_app_password_is_a_configuration_error_without_secret_values(watch, http, kit):
    import pytest

    from mentionwatch.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError) as caught:
        run_poll(
            watch,
            "bluesky",
            cursor_store=InMemoryCursorStore(),
            http=http,
            now=kit.now,
            secrets={"identifier": "acme-social.bsky.social"},
        )
    assert "app_password" in caught.value.message
