"""The local stack's fake platforms answer the real pollers over loopback HTTP as Reddit and Bluesky would: OAuth
and sessions checked, listings paged (`after`, `cursor`), `getProfiles` at most 25 actors a call."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mentionwatch.config.watch import load_watch_config
from mentionwatch.local.fake_platforms import FakePlatforms
from mentionwatch.pollers.base import InMemoryCursorStore
from mentionwatch.pollers.http import HttpRequest, UrllibTransport
from mentionwatch.pollers.runner import run_poll
from tests.support import EVENTS, ROOT

PLATFORMS = ROOT / "tests" / "fixtures" / "platforms"
SECRETS = json.loads((EVENTS / "dev-secrets.json").read_text())
NOW = datetime.now(UTC).replace(microsecond=0)
WATCH = load_watch_config(
    """
brands: [{name: acme, keywords: [acme air, acme]}]
pollers:
  reddit:
    user_agent: "aws-lambda:mentionwatch:0.1.0 (by /u/acme_social)"
    max_pages: 5
    queries: [{name: acme-search, brand: acme, q: '"acme air"'}]
  bluesky:
    max_pages: 5
    queries: [{name: acme-posts, brand: acme, q: '"acme air"'}]
"""
)


def fixture(relative: str) -> Any:
    return json.loads((PLATFORMS / relative).read_text())


@pytest.fixture
def fake(tmp_path):
    platforms = FakePlatforms("http://127.0.0.1:9", EVENTS / "dev-secrets.json").start()
    yield platforms
    platforms.stop()


def poll(fake: FakePlatforms, source: str, secrets: dict[str, str], store: InMemoryCursorStore | None = None):
    return run_poll(
        WATCH,
        source,
        cursor_store=store or InMemoryCursorStore(),
        http=UrllibTransport(),
        now=NOW,
        secrets=secrets,
        endpoints=fake.endpoints(),
    )


def test_reddit_search_is_paged_with_after_and_only_matching_posts_are_listed(fake):
    # Given a first poll saw one post (a first run reads only the newest page)
    template = fixture("reddit/search_new.json")["data"]["children"][0]
    first = copy.deepcopy(template)
    first["data"]["created_utc"] = (NOW - timedelta(minutes=200)).timestamp()
    fake.seed_reddit([first])
    store = InMemoryCursorStore()
    assert len(poll(fake, "reddit", SECRETS["reddit"], store).mentions) == 1

    # and since then 130 matching posts (more than one page of 100) and one that does not name the brand
    things = []
    for number in range(131):
        thing = copy.deepcopy(template)
        thing["data"].update(
            name=f"t3_p{number:03d}",
            id=f"p{number:03d}",
            created_utc=(NOW - timedelta(minutes=number)).timestamp(),
            title="Acme Air again" if number else "Globex lounge review",
            selftext="" if number else "Best lounge in Frankfurt",
        )
        things.append(thing)
    fake.seed_reddit(things)

    # When the Reddit poller runs against the fake again
    result = poll(fake, "reddit", SECRETS["reddit"], store)

    # Then both pages were read and every new matching post emitted once
    assert [report.error for report in result.queries] == [None]
    assert result.queries[0].pages == 2 and fake.polled == ["GET /search"] * 3
    assert sorted(item.mention.native_id for item in result.mentions) == [f"t3_p{n:03d}" for n in range(1, 131)]


def test_reddit_refuses_a_wrong_client_secret_as_reddit_does(fake):
    result = poll(fake, "reddit", {"client_id": SECRETS["reddit"]["client_id"], "client_secret": "wrong"})
    assert result.queries[0].error == "reddit token endpoint answered HTTP 401"
    assert fake.polled == []


def test_bluesky_search_follows_the_cursor_and_asks_profiles_25_actors_a_call(fake):
    # Given a first poll saw one post (a first run reads only the newest page)
    template = fixture("bluesky/search_posts.json")["posts"][1]
    first = copy.deepcopy(template)
    first["record"]["createdAt"] = (NOW - timedelta(minutes=200)).isoformat().replace("+00:00", ".000Z")
    fake.seed_bluesky([first])
    store = InMemoryCursorStore()
    assert len(poll(fake, "bluesky", SECRETS["bluesky"], store).mentions) == 1
    fake.polled.clear()

    # and since then 120 posts by 30 authors, whose profiles are all known
    posts, profiles = [], []
    for number in range(120):
        did = f"did:plc:author{number % 30:02d}"
        post = copy.deepcopy(template)
        post["uri"] = f"at://{did}/app.bsky.feed.post/3post{number:03d}"
        post["author"] = {"did": did, "handle": f"author{number % 30}.bsky.social"}
        post["record"]["text"] = "Flying Acme Air today"
        post["record"]["createdAt"] = (NOW - timedelta(minutes=number)).isoformat().replace("+00:00", ".000Z")
        posts.append(post)
    for number in range(30):
        profiles.append({"did": f"did:plc:author{number:02d}", "handle": "x", "followersCount": 1000 + number})
    fake.seed_bluesky(posts, profiles)

    # When the Bluesky poller runs against the fake again
    result = poll(fake, "bluesky", SECRETS["bluesky"], store)

    # Then it read two search pages and two profile batches (25 + 5), and every post knows its author's reach
    assert [report.error for report in result.queries] == [None]
    assert fake.polled.count("GET /xrpc/app.bsky.feed.searchPosts") == 2
    assert fake.polled.count("GET /xrpc/app.bsky.actor.getProfiles") == 2
    assert len(result.mentions) == 120
    assert {item.mention.author.followers for item in result.mentions} == set(range(1000, 1030))


def test_bluesky_get_profiles_refuses_more_than_25_actors(fake):
    session = (
        UrllibTransport()
        .send(
            HttpRequest(
                method="POST",
                url=f"{fake.url}/xrpc/com.atproto.server.createSession",
                headers={"content-type": "application/json"},
                body=json.dumps(
                    {"identifier": SECRETS["bluesky"]["identifier"], "password": SECRETS["bluesky"]["app_password"]}
                ).encode(),
            )
        )
        .json_body()
    )
    answer = UrllibTransport().send(
        HttpRequest(
            url=f"{fake.url}/xrpc/app.bsky.actor.getProfiles",
            repeated=tuple(("actors", f"did:plc:a{n}") for n in range(26)),
            headers={"authorization": f"Bearer {session['accessJwt']}"},
        )
    )
    assert answer.status == 400 and answer.json_body()["error"] == "InvalidRequest"
