"""A poller's search finds the brand's own posts too: they leave the poller marked as the brand's, not as mentions."""

from __future__ import annotations

from mentionwatch.config.watch import WatchConfig
from mentionwatch.pollers.base import InMemoryCursorStore
from mentionwatch.pollers.runner import run_poll

SERVICE = "https://bsky.social/xrpc"
SECRETS = {"identifier": "acme-social.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}
BRAND_DID = "did:plc:z72i7hdynmk6r22z27h6tvur"  # the author of the reply in search_posts.json


def with_bluesky_account(watch: WatchConfig, did: str) -> WatchConfig:
    acme = watch.brand("acme")
    accounts = acme.accounts.model_copy(update={"bluesky": (did,)})
    brands = tuple(b.model_copy(update={"accounts": accounts}) if b.name == "acme" else b for b in watch.brands)
    return watch.model_copy(update={"brands": brands})


def test_a_post_by_the_brands_bluesky_account_is_marked_and_the_others_are_not(watch, http, kit):
    http.on(
        "POST",
        f"{SERVICE}/com.atproto.server.createSession",
        kit.respond(200, kit.fixture_json("bluesky/create_session.json")),
    )
    http.on(
        "GET", f"{SERVICE}/app.bsky.feed.searchPosts", kit.respond(200, kit.fixture_json("bluesky/search_posts.json"))
    )

    result = run_poll(
        with_bluesky_account(watch, BRAND_DID),
        "bluesky",
        cursor_store=InMemoryCursorStore(),
        http=http,
        now=kit.now,
        secrets=SECRETS,
        sessions={},
    )

    own, other = result.mentions
    assert own.brand_account is not None and own.brand_account.account == BRAND_DID
    assert own.brand_account.brand == "acme" and own.mention.match.brand == "acme"
    assert other.brand_account is None
