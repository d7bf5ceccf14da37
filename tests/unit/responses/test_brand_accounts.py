"""Which posts are the brand's own: every platform's author id compared with the configured accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.config.watch import load_watch_config
from mentionwatch.exceptions import ConfigurationError
from mentionwatch.models import Mention, Platform
from mentionwatch.responses.recognise import tag_brand_post
from mentionwatch.sources.base import QueuedMention

CONFIG = load_watch_config(
    """
brands:
  - name: other
    keywords: [other]
  - name: acme
    keywords: [acme]
    accounts:
      x: ["12345"]
      facebook: ["104857600"]
      instagram: ["17841400000000000"]
      mastodon: ["https://mastodon.social/users/AcmeAir"]
      reddit: ["u/Acme_Social"]
      bluesky: ["did:plc:acmebrand"]
      youtube: ["UCabcdefghijklmnopqrstuv"]
"""
)


def post(platform: Platform, handle: str, author_id: str | None) -> Mention:
    return Mention(
        platform=platform,
        native_id="p1",
        text="hello",
        author={"handle": handle, "id": author_id},
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("platform", "handle", "author_id", "account"),
    [
        (Platform.X, "acme", "12345", "12345"),
        (Platform.FACEBOOK, "104857600", "104857600", "104857600"),
        (Platform.INSTAGRAM, "acmeair", "17841400000000000", "17841400000000000"),
        (Platform.MASTODON, "acmeair@mastodon.social", "109", "https://mastodon.social/users/AcmeAir"),
        (Platform.REDDIT, "acme_social", "t2_x", "u/Acme_Social"),
        (Platform.BLUESKY, "acme.com", "did:plc:acmebrand", "did:plc:acmebrand"),
        (Platform.YOUTUBE, "UCabcdefghijklmnopqrstuv", "UCabcdefghijklmnopqrstuv", "UCabcdefghijklmnopqrstuv"),
    ],
)
def test_a_post_by_a_configured_account_is_the_brands_own(platform, handle, author_id, account):
    found = CONFIG.brand_account(post(platform, handle, author_id))

    assert found is not None
    assert (found.brand, found.platform, found.account) == ("acme", platform, account)


@pytest.mark.parametrize(
    ("platform", "handle", "author_id"),
    [
        (Platform.X, "acme", "54321"),  # same handle, another id: an impostor
        (Platform.MASTODON, "acmeair@evil.example", "109"),  # same name on another instance
        (Platform.REDDIT, "acme_social2", None),
        (Platform.BLUESKY, "acme.com", "did:plc:someoneelse"),
        (Platform.RSS, "acme", None),
    ],
)
def test_a_look_alike_account_is_not_the_brand(platform, handle, author_id):
    assert CONFIG.brand_account(post(platform, handle, author_id)) is None


def test_tagging_sets_the_account_and_the_brand_on_the_queued_item():
    item = QueuedMention(source="bluesky", mention=post(Platform.BLUESKY, "acme.com", "did:plc:acmebrand"))

    tagged = tag_brand_post(item, CONFIG)

    assert tagged.brand_account is not None and tagged.brand_account.account == "did:plc:acmebrand"
    assert tagged.mention.match.brand == "acme"


def test_a_malformed_account_id_names_its_field():
    with pytest.raises(ConfigurationError) as raised:
        load_watch_config("brands:\n  - name: a\n    keywords: [acme]\n    accounts: {x: ['@acme']}\n")

    assert raised.value.field == "brands.0.accounts.x.0"
