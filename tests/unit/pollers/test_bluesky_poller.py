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
PROFILES = f"{SERVICE}/app.bsky.actor.getProfiles"
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
    http.on("GET", PROFILES, kit.respond(200, kit.fixture_json("bluesky/get_profiles.json")))
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

    http.on("GET", PROFILES, kit.respond(200, kit.fixture_json("bluesky/get_profiles.json")))

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
    http.on("GET", PROFILES, kit.respond(200, kit.fixture_json("bluesky/get_profiles.json")))

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
    http.on("GET", PROFILES, kit.respond(200, kit.fixture_json("bluesky/get_profiles.json")))

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


def test_authors_reach_comes_from_get_profiles_in_batches_of_25_and_is_cached(watch, http, kit):
    # Given a page of 30 posts by 30 different authors, one of them with 214k followers
    page = kit.fixture_json("bluesky/search_posts.json")
    template = page["posts"][1]
    page["posts"] = [page["posts"][0]] + [
        kit.copy_with(
            template,
            uri=f"at://did:plc:author{n:02d}/app.bsky.feed.post/3lbkpost{n:02d}",
            author={"did": f"did:plc:author{n:02d}", "handle": f"author{n:02d}.bsky.social"},
        )
        for n in range(29)
    ]
    page["cursor"] = None
    http.on("POST", CREATE, kit.respond(200, kit.fixture_json("bluesky/create_session.json")))
    http.on("GET", SEARCH, kit.respond(200, page), kit.respond(200, page))
    profiles = kit.fixture_json("bluesky/get_profiles.json")
    http.on("GET", PROFILES, kit.respond(200, profiles), kit.respond(200, {"profiles": []}))
    sessions: dict = {}

    # When polled
    result = poll(watch, InMemoryCursorStore(), http, kit, sessions)

    # Then the 30 authors were looked up in two calls (25 + 5), each naming its actors
    first, second = http.to(PROFILES)
    assert len(first.repeated) == 25 and len(second.repeated) == 5
    assert {name for name, _ in first.repeated + second.repeated} == {"actors"}
    assert "actors=did%3Aplc%3Az72i7hdynmk6r22z27h6tvur" in first.full_url
    reach = {item.mention.author.handle: item.mention.reach for item in result.mentions}
    assert reach["nadia.bsky.social"] == 214_000
    assert result.mentions[1].mention.author.followers is None  # not returned: unknown, not zero

    # And a second run within the cache's lifetime asks nothing again, and still knows the reach
    again = poll(watch, InMemoryCursorStore(), http, kit, sessions)
    assert len(http.to(PROFILES)) == 2
    assert again.mentions[0].mention.reach == 214_000


def test_quote_posts_link_the_quoted_post_and_link_cards_add_their_title(watch, http, kit):
    http.on("POST", CREATE, kit.respond(200, kit.fixture_json("bluesky/create_session.json")))
    http.on("GET", SEARCH, kit.respond(200, kit.fixture_json("bluesky/search_posts_embeds.json")))
    http.on("GET", PROFILES, kit.respond(200, {"profiles": []}))

    result = poll(watch, InMemoryCursorStore(), http, kit)

    quote, card = (item.mention for item in result.mentions)
    quoted = "did:plc:z72i7hdynmk6r22z27h6tvur/3lbk2xyz7ab2c"
    assert quote.thread.quote_of == quoted and quote.thread.root_id == quoted
    assert quote.thread_key == f"bluesky:{quoted}"  # counted in the quoted post's conversation
    assert card.text.startswith("Worth a read Acme Air outage strands thousands")  # whitespace is normalised
    assert "https://news.example.org/2026/11/acme-air-outage" in card.text
    assert card.match.brand == "acme"
