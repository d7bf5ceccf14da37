from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from mentionwatch.models import Platform
from mentionwatch.pollers.base import Cursor, InMemoryCursorStore
from mentionwatch.pollers.runner import run_poll

TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
SEARCH_URL = "https://oauth.reddit.com/search"
COMMENTS_URL = "https://oauth.reddit.com/r/travel/comments"
SECRETS = {"client_id": "reddit-client-id-test", "client_secret": "reddit-client-secret-test"}
USER_AGENT = "aws-lambda:mentionwatch:0.1.0 (by /u/acme_social)"


def listing(kit, children, after=None):
    page = kit.fixture_json("reddit/search_new.json")
    page["data"]["children"] = children
    page["data"]["after"] = after
    return page


def post(kit, fullname, created, title="Acme Air again"):
    template = kit.fixture_json("reddit/search_new.json")["data"]["children"][0]
    data = kit.copy_with(template["data"], name=fullname, id=fullname[3:], created_utc=created, title=title)
    return {"kind": "t3", "data": data}


def poll(watch, store, http, kit, now=None, sessions=None, query="acme-search", sink=None):
    return run_poll(
        watch,
        "reddit",
        cursor_store=store,
        http=http,
        now=now or kit.now,
        secrets=SECRETS,
        sessions=sessions if sessions is not None else {},
        only_query=query,
        sink=sink,
    )


def test_first_run_gets_a_client_credentials_token_and_maps_the_newest_page(watch, http, kit):
    # Given Reddit's token endpoint and one search page (which has a next page)
    http.on("POST", TOKEN_URL, kit.respond(200, kit.fixture_json("reddit/access_token.json")))
    http.on("GET", SEARCH_URL, kit.respond(200, kit.fixture_json("reddit/search_new.json")))
    store = InMemoryCursorStore()

    # When the source is polled for the first time
    result = poll(watch, store, http, kit)

    # Then the token request uses HTTP Basic with the app credentials and the required User-Agent
    token_request = http.to(TOKEN_URL)[0]
    expected_basic = base64.b64encode(b"reddit-client-id-test:reddit-client-secret-test").decode()
    assert token_request.headers["Authorization"] == f"Basic {expected_basic}"
    assert parse_qs(token_request.body.decode()) == {"grant_type": ["client_credentials"]}
    search = http.to(SEARCH_URL)[0]
    assert search.headers["User-Agent"] == USER_AGENT
    assert search.headers["Authorization"].startswith("bearer eyJ")
    assert dict(search.params) == {
        "limit": "100",
        "raw_json": "1",
        "q": '"acme air"',
        "sort": "new",
        "type": "link",
    }
    # And only the newest page is taken on a first run
    assert len(http.to(SEARCH_URL)) == 1
    first = result.mentions[0].mention
    assert first.platform is Platform.REDDIT
    assert first.id == "reddit:t3_1gxa002"
    assert first.text.startswith("Acme Air changed my flight, can't rebook Booked with Acme Air")
    assert first.permalink == "https://www.reddit.com/r/travel/comments/1gxa002/acme_air_changed_my_flight_cant_rebook/"
    assert first.created_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert first.match.brand == "acme" and "acme air" in first.match.keywords
    assert (first.engagement.likes, first.engagement.replies) == (14, 9)
    cursor = store.get("reddit", "acme-search")
    assert cursor.watermark == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    # Only ids inside the overlap window (30 min below the watermark) are remembered: older ones are never
    # listed again by a walk that stops at the window.
    assert set(cursor.seen) == {"t3_1gxa002"}


def test_next_run_pages_with_after_until_it_reaches_known_posts_and_emits_each_once(watch, http, kit):
    # Given a cursor from a run that saw two posts up to 16:00
    store = InMemoryCursorStore()
    base = datetime(2026, 11, 23, 16, 0, tzinfo=UTC).timestamp()
    store.put(
        Cursor(
            source="reddit",
            query="acme-search",
            watermark=datetime.fromtimestamp(base, UTC),
            seen={"t3_1gxa002": int(base), "t3_1gxa001": int(base) - 3600},
        )
    )
    # and two pages of results: three new posts, then one new post and the ones seen before, then older ones
    page1 = listing(
        kit,
        [
            post(kit, "t3_1gxa009", base + 900),
            post(kit, "t3_1gxa008", base + 600),
            post(kit, "t3_1gxa007", base + 300),
        ],
        after="t3_1gxa007",
    )
    page2 = listing(
        kit,
        [
            post(kit, "t3_1gxa006", base + 60),
            post(kit, "t3_1gxa002", base),
            post(kit, "t3_1gxa001", base - 3600),
        ],
        after="t3_1gxa001",
    )
    http.on("POST", TOKEN_URL, kit.respond(200, kit.fixture_json("reddit/access_token.json")))
    http.on("GET", SEARCH_URL, kit.respond(200, page1), kit.respond(200, page2))

    # When polled
    result = poll(watch, store, http, kit)

    # Then the second page was asked for with after=<last fullname> and the walk stopped below the window
    searches = http.to(SEARCH_URL)
    assert len(searches) == 2
    assert searches[1].params["after"] == "t3_1gxa007"
    assert [m.mention.native_id for m in result.mentions] == [
        "t3_1gxa009",
        "t3_1gxa008",
        "t3_1gxa007",
        "t3_1gxa006",
    ]
    cursor = store.get("reddit", "acme-search")
    assert cursor.watermark == datetime.fromtimestamp(base + 900, UTC)
    assert cursor.position == "t3_1gxa009"

    # And polling the same listing again emits nothing
    http.on("GET", SEARCH_URL, kit.respond(200, page1), kit.respond(200, page2))
    again = poll(
        watch,
        store,
        http,
        kit,
        sessions={"reddit": {"access_token": "t", "expires_at": kit.now + timedelta(hours=1)}},
    )
    assert again.mentions == []


def test_post_indexed_late_inside_the_overlap_window_is_still_picked_up(watch, http, kit):
    # Given a watermark at 16:00 and a post created at 15:50 that search only lists now
    store = InMemoryCursorStore()
    watermark = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    store.put(
        Cursor(
            source="reddit",
            query="acme-search",
            watermark=watermark,
            seen={"t3_1gxa002": int(watermark.timestamp())},
        )
    )
    late = post(kit, "t3_1gxa003", watermark.timestamp() - 600)
    http.on(
        "GET",
        SEARCH_URL,
        kit.respond(200, listing(kit, [post(kit, "t3_1gxa002", watermark.timestamp()), late])),
    )

    # When polled
    result = poll(
        watch,
        store,
        http,
        kit,
        sessions={"reddit": {"access_token": "t", "expires_at": kit.now + timedelta(hours=1)}},
    )

    # Then only the late post is new
    assert [m.mention.native_id for m in result.mentions] == ["t3_1gxa003"]


def test_429_stops_the_run_records_the_back_off_and_the_next_run_waits(watch, http, kit):
    # Given Reddit answers 429 with a reset 120 s away
    store = InMemoryCursorStore()
    http.on("POST", TOKEN_URL, kit.respond(200, kit.fixture_json("reddit/access_token.json")))
    http.on(
        "GET",
        SEARCH_URL,
        kit.respond(
            429,
            {"message": "Too Many Requests", "error": 429},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "120"},
        ),
    )

    # When polled
    result = poll(watch, store, http, kit)

    # Then nothing is emitted, the query reports the rate limit and the cursor keeps the back-off
    assert result.mentions == []
    report = result.queries[0]
    assert report.rate_limited is True
    assert report.backoff_until == kit.now + timedelta(seconds=120)
    cursor = store.get("reddit", "acme-search")
    assert cursor.backoff_until == kit.now + timedelta(seconds=120)
    assert cursor.watermark is None

    # And a run before the reset makes no request at all
    requests_before = len(http.requests)
    later = poll(watch, store, http, kit, now=kit.now + timedelta(seconds=60))
    assert later.queries[0].skipped == "backing off"
    assert len(http.requests) == requests_before


def test_spent_rate_limit_budget_stops_after_the_current_page(watch, http, kit):
    # Given a known cursor and a first page that uses up the budget while more pages exist
    store = InMemoryCursorStore()
    base = datetime(2026, 11, 23, 16, 0, tzinfo=UTC).timestamp()
    store.put(Cursor(source="reddit", query="acme-search", watermark=datetime.fromtimestamp(base, UTC)))
    page1 = listing(kit, [post(kit, "t3_1gxa009", base + 900)], after="t3_1gxa009")
    http.on(
        "GET",
        SEARCH_URL,
        kit.respond(
            200,
            page1,
            {"x-ratelimit-remaining": "0.0", "x-ratelimit-used": "100", "x-ratelimit-reset": "300"},
        ),
    )

    # When polled
    result = poll(
        watch,
        store,
        http,
        kit,
        sessions={"reddit": {"access_token": "t", "expires_at": kit.now + timedelta(hours=1)}},
    )

    # Then the page's post is emitted, no further page is asked for, and the watermark stays for the next run
    assert [m.mention.native_id for m in result.mentions] == ["t3_1gxa009"]
    assert len(http.to(SEARCH_URL)) == 1
    cursor = store.get("reddit", "acme-search")
    assert cursor.backoff_until == kit.now + timedelta(seconds=300)
    assert cursor.watermark == datetime.fromtimestamp(base, UTC)
    assert "t3_1gxa009" in cursor.seen


def test_expired_token_is_renewed_once_and_the_request_retried(watch, http, kit):
    # Given a cached token that Reddit now rejects
    sessions = {"reddit": {"access_token": "old-token", "expires_at": kit.now + timedelta(hours=1)}}
    http.on(
        "GET",
        SEARCH_URL,
        kit.respond(401, {"message": "Unauthorized", "error": 401}),
        kit.respond(200, kit.fixture_json("reddit/search_new.json")),
    )
    http.on("POST", TOKEN_URL, kit.respond(200, kit.fixture_json("reddit/access_token.json")))

    # When polled
    result = poll(watch, InMemoryCursorStore(), http, kit, sessions=sessions)

    # Then one new token was fetched and the search retried with it
    assert len(http.to(TOKEN_URL)) == 1
    first, second = http.to(SEARCH_URL)
    assert first.headers["Authorization"] == "bearer old-token"
    assert second.headers["Authorization"].startswith("bearer eyJ")
    assert len(result.mentions) == 2
    assert sessions["reddit"]["access_token"].startswith("eyJ")


def test_token_rejected_twice_is_reported_and_the_cursor_is_left_alone(watch, http, kit):
    store = InMemoryCursorStore()
    http.on(
        "POST",
        TOKEN_URL,
        kit.respond(200, kit.fixture_json("reddit/access_token.json")),
        kit.respond(200, kit.fixture_json("reddit/access_token.json")),
    )
    http.on("GET", SEARCH_URL, kit.respond(401, {"error": 401}), kit.respond(401, {"error": 401}))

    result = poll(watch, store, http, kit)

    assert result.mentions == []
    assert "401" in (result.queries[0].error or "")
    assert store.get("reddit", "acme-search").version == 0
    assert "reddit-client-secret-test" not in (result.queries[0].error or "")


def test_subreddit_comments_map_thread_and_deleted_comments_are_marked_deleted(watch, http, kit):
    http.on("POST", TOKEN_URL, kit.respond(200, kit.fixture_json("reddit/access_token.json")))
    http.on("GET", COMMENTS_URL, kit.respond(200, kit.fixture_json("reddit/subreddit_comments.json")))

    result = poll(watch, InMemoryCursorStore(), http, kit, query="travel-comments")

    live, deleted = (item.mention for item in result.mentions)
    assert live.thread.root_id == "t3_1gxa002" and live.thread.parent_id == "t3_1gxa002"
    assert live.author.handle == "helpful_hank"
    assert deleted.deleted is True and deleted.text == ""
    assert deleted.thread.parent_id == "t1_lz9jzzz"
    assert http.to(COMMENTS_URL)[0].params.get("q") is None


def test_more_new_posts_than_max_pages_reports_a_possible_gap(watch, http, kit):
    store = InMemoryCursorStore()
    base = datetime(2026, 11, 23, 12, 0, tzinfo=UTC).timestamp()
    store.put(Cursor(source="reddit", query="acme-search", watermark=datetime.fromtimestamp(base, UTC)))
    pages = [listing(kit, [post(kit, f"t3_1gxb00{n}", base + 3600 - n * 60)], after=f"t3_1gxb00{n}") for n in range(3)]
    http.on("GET", SEARCH_URL, *(kit.respond(200, page) for page in pages))

    result = poll(
        watch,
        store,
        http,
        kit,
        sessions={"reddit": {"access_token": "t", "expires_at": kit.now + timedelta(hours=1)}},
    )

    assert len(http.to(SEARCH_URL)) == 3  # max_pages in the watch configuration
    assert result.queries[0].possible_gap is True
    assert len(result.mentions) == 3


def test_a_post_removed_by_moderators_keeps_its_author_but_is_marked_deleted_and_edits_carry_their_time(
    watch, http, kit
):
    # Given a search page with a post moderators removed (author kept, selftext "[removed]") and an edited comment
    http.on("POST", TOKEN_URL, kit.respond(200, kit.fixture_json("reddit/access_token.json")))
    http.on("GET", SEARCH_URL, kit.respond(200, kit.fixture_json("reddit/search_removed_edited.json")))

    result = poll(watch, InMemoryCursorStore(), http, kit)

    removed, edited = (item.mention for item in result.mentions)
    assert removed.native_id == "t3_1gxa010" and removed.author.handle == "angry_flyer_22"
    assert removed.deleted is True and removed.text == ""
    assert edited.deleted is False and edited.edited_at == datetime.fromtimestamp(1795450500, UTC)


def test_a_post_edited_or_removed_after_it_was_emitted_is_emitted_once_more(watch, http, kit):
    # Given both posts were emitted before, unedited and live
    store = InMemoryCursorStore()
    watermark = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    store.put(
        Cursor(
            source="reddit",
            query="acme-search",
            watermark=watermark,
            seen={"t3_1gxa010": 1795450000, "t1_lq9e001": 1795449900},
        )
    )
    page = kit.fixture_json("reddit/search_removed_edited.json")
    http.on("GET", SEARCH_URL, kit.respond(200, page), kit.respond(200, page))
    sessions = {"reddit": {"access_token": "t", "expires_at": kit.now + timedelta(hours=1)}}

    # When the overlap window lists them again, one removed and one edited
    first = poll(watch, store, http, kit, sessions=sessions)
    again = poll(watch, store, http, kit, sessions=sessions)

    # Then each is emitted once more (the pipeline marks or updates the stored mention), and only once
    assert sorted(m.mention.native_id for m in first.mentions) == ["t1_lq9e001", "t3_1gxa010"]
    assert again.mentions == []
