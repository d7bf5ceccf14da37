"""The poller function on moto: a scheduled event in, new feed entries on the queue, the cursor in the table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mentionwatch import wiring
from mentionwatch.exceptions import ConfigurationError
from mentionwatch.pollers.http import HttpRequest, HttpResponse
from tests.support import EVENTS, ROOT, drain_queue, load_handler

FEED = ROOT / "tests" / "fixtures" / "platforms" / "rss" / "blog_rss2.xml"
WATCH = """
brands: [{name: acme, keywords: [acme air, acme]}]
pollers:
  rss:
    feeds: [{name: travel-deals, brand: acme, url: "https://traveldeals.example/feed/"}]
"""


class ScriptedFeed:
    """Stands in for the internet: answers the feed URL with the next scripted response."""

    def __init__(self, *responses: HttpResponse) -> None:
        self.responses = list(responses)
        self.requests: list[HttpRequest] = []

    def send(self, request: HttpRequest) -> HttpResponse:
        assert request.url == "https://traveldeals.example/feed/"
        self.requests.append(request)
        return self.responses.pop(0)


@pytest.fixture
def poller(monkeypatch, tmp_path, table, mentions_queue):
    watch_file = tmp_path / "watch.yaml"
    watch_file.write_text(WATCH)
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    monkeypatch.setenv("MENTIONWATCH_QUEUE_URL", mentions_queue)
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(EVENTS / "dev-secrets.json"))
    monkeypatch.setenv("MENTIONWATCH_WATCH_FILE", str(watch_file))

    def load(transport: ScriptedFeed) -> Any:
        monkeypatch.setattr(wiring, "http_transport", lambda: transport)
        return load_handler("poller")

    return load


def test_scheduled_poll_enqueues_new_entries_once_and_keeps_the_cursor(
    poller, lambda_context, sqs, mentions_queue, dynamodb, table
):
    # Given a feed that has one entry about the brand, then answers 304
    feed = ScriptedFeed(
        HttpResponse(status=200, headers={"etag": '"v1"'}, body=FEED.read_bytes()),
        HttpResponse(status=304, headers={}, body=b""),
    )
    handler = poller(feed)

    # When the schedule fires twice
    first = handler.lambda_handler({"source": "rss"}, lambda_context)
    second = handler.lambda_handler({"source": "rss"}, lambda_context)

    # Then the entry was enqueued once, the second fetch was conditional, and the cursor is in the table
    messages = [json.loads(message["Body"]) for message in drain_queue(sqs, mentions_queue)]
    assert [m["mention"]["platform"] for m in messages] == ["rss"]
    assert messages[0]["source"] == "rss"
    assert (first["mentions"], second["mentions"]) == (1, 0)
    assert second["queries"][0]["skipped"] == "not modified"
    assert feed.requests[1].headers["If-None-Match"] == '"v1"'
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "CURSOR#rss#travel-deals"}, "sk": {"S": "CURSOR"}})
    assert json.loads(item["Item"]["cursor"]["S"])["etag"] == '"v1"'


def test_rate_limited_feed_is_reported_not_raised(poller, lambda_context, sqs, mentions_queue):
    handler = poller(ScriptedFeed(HttpResponse(status=429, headers={"retry-after": "600"}, body=b"")))

    outcome = handler.lambda_handler({"source": "rss"}, lambda_context)

    assert outcome["queries"][0]["rate_limited"] is True
    assert drain_queue(sqs, mentions_queue) == []


@pytest.mark.parametrize(("event", "field"), [({}, "source"), ({"source": "rss", "query": "Bad Name"}, "query")])
def test_malformed_schedule_input_is_a_configuration_error_naming_the_field(poller, lambda_context, event, field):
    handler = poller(ScriptedFeed())
    with pytest.raises(ConfigurationError) as caught:
        handler.lambda_handler(event, lambda_context)
    assert caught.value.field == field
