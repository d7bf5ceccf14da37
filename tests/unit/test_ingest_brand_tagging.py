"""Webhook mentions that name no brand are tagged with the watched brand their text mentions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mentionwatch.config.watch import load_watch_config
from mentionwatch.pipeline.ingest import receive_webhook
from mentionwatch.secrets.provider import FileSecretsProvider
from mentionwatch.sources.base import InboundRequest
from tests.support import EVENTS, standard_webhook_headers

WATCH = load_watch_config("brands: [{name: northwind, keywords: [Northwind, NW Air]}, {name: acme, keywords: [Acme]}]")


class ListQueue:
    def __init__(self) -> None:
        self.items: list = []

    def enqueue(self, items: list) -> int:
        self.items.extend(items)
        return len(items)


def deliver(data: dict) -> ListQueue:
    body = json.dumps({"type": "mention.created", "data": data}).encode()
    request = InboundRequest(
        source="standard",
        method="POST",
        headers=standard_webhook_headers(body),
        body=body,
        received_at=datetime.now(UTC),
    )
    queue = ListQueue()
    receive_webhook(request, FileSecretsProvider(EVENTS / "dev-secrets.json"), queue, WATCH.match)
    return queue


def base(**overrides) -> dict:
    return {
        "id": "b1",
        "text": "Flying NW Air today",
        "created_at": "2026-11-23T09:00:00Z",
        "author": {"handle": "a"},
    } | overrides


def test_a_mention_without_brand_gets_the_brand_its_text_names():
    (item,) = deliver(base()).items
    assert item.mention.match.brand == "northwind"
    assert item.mention.match.keywords == ("NW Air",)


def test_a_brand_the_sender_named_is_kept():
    (item,) = deliver(base(brand="acme")).items
    assert item.mention.match.brand == "acme"


def test_text_naming_no_watched_brand_stays_default():
    (item,) = deliver(base(text="nothing to see")).items
    assert item.mention.match.brand == "default"
