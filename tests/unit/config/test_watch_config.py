from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentionwatch.config.watch import load_watch_config
from mentionwatch.exceptions import ConfigurationError
from mentionwatch.sources.registry import webhook_source_names

ROOT = Path(__file__).resolve().parents[3]
MINIMAL = "brands: [{name: acme, keywords: [acme air, acme], handles: {x: [AcmeAir]}}]\n"


def test_example_configuration_loads_with_every_polled_source():
    config = load_watch_config((ROOT / "events" / "watch-config.example.yaml").read_text())
    assert config.polled_sources() == ["reddit", "bluesky", "mastodon", "rss"]
    assert config.pollers.reddit is not None and len(config.pollers.reddit.queries) == 4


def test_json_is_accepted_too():
    config = load_watch_config(json.dumps({"brands": [{"name": "acme", "keywords": ["acme"]}]}))
    assert config.brands[0].name == "acme"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("brands: []", "brands"),
        ("brands: [{name: Acme Air, keywords: [acme]}]", "brands.0.name"),
        ("brands: [{name: acme}]", "brands.0.keywords"),
        (
            MINIMAL + "pollers: {reddit: {user_agent: python-requests/2.0, queries: [{name: q, brand: acme, q: x}]}}",
            "pollers.reddit.user_agent",
        ),
        (
            MINIMAL
            + "pollers: {reddit: {user_agent: 'a:b:1 (by /u/c)', queries: [{name: q, brand: acme, kind: comments}]}}",  # noqa: E501
            "pollers.reddit.queries.0",
        ),
        (
            MINIMAL + "pollers: {bluesky: {queries: [{name: q, brand: globex, q: x}]}}",
            "pollers.bluesky.queries.0.brand",
        ),
        (
            MINIMAL + "pollers: {rss: {feeds: [{name: f, brand: acme, url: 'ftp://x'}]}}",
            "pollers.rss.feeds.0.url",
        ),
        (
            MINIMAL
            + "pollers: {rss: {feeds: [{name: f, brand: acme, url: 'https://a/'}, {name: f, brand: acme, url: 'https://b/'}]}}",
            "pollers.rss.feeds.1.name",
        ),
        (
            MINIMAL
            + "pollers: {mastodon: {instance: 'https://m.example', queries: [{name: t, brand: acme, hashtag: 'two words'}]}}",  # noqa: E501
            "pollers.mastodon.queries.0.hashtag",
        ),
        (MINIMAL + "pollers: {tiktok: {}}", "pollers.tiktok"),
        ("brands: [unclosed", "body"),
        ("- just a list", "brands"),
    ],
)
def test_invalid_configuration_names_the_field(text, field):
    with pytest.raises(ConfigurationError) as caught:
        load_watch_config(text)
    assert caught.value.field == field
    assert field in caught.value.message or field == "body"


def test_keywords_match_whole_words_case_insensitively_and_handles_with_at():
    config = load_watch_config(MINIMAL)
    assert config.match("Flying ACME Air tomorrow").keywords == ("acme air", "acme")
    assert config.match("thanks @acmeair for the help").keywords == ("@AcmeAir",)
    assert config.match("acmeology is not a word") is None


def test_match_prefers_the_given_brand():
    config = load_watch_config("brands: [{name: a, keywords: [shared]}, {name: b, keywords: [shared]}]")
    assert config.match("shared news").brand == "a"
    assert config.match("shared news", brand="b").brand == "b"


def test_dev_secrets_file_has_test_only_secrets_for_every_webhook_and_polled_source():
    secrets = json.loads((ROOT / "events" / "dev-secrets.json").read_text())
    assert set(webhook_source_names()) <= set(secrets)
    assert {"reddit", "bluesky"} <= set(secrets)
    assert secrets["standard"]["signing_secret"].startswith("whsec_")
    assert all(isinstance(values, dict) and values for values in secrets.values())
