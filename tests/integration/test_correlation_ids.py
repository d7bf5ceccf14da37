"""Correlation ids: the webhook's API request id travels as an SQS message attribute into every log line the
process function writes for that mention; the poller's invocation id travels the same way."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import drain_queue, http_event, load_handler, sqs_event, standard_webhook_headers


def delivery(native_id: str, text: str) -> bytes:
    return json.dumps(
        {
            "type": "mention.created",
            "data": {
                "id": native_id,
                "text": text,
                "created_at": "2026-11-23T09:00:00Z",
                "author": {"handle": f"user-{native_id}", "followers": 50_000},
                "brand": "acme",
            },
        }
    ).encode()


def log_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"level"' in line]


@pytest.fixture
def process_logs() -> Iterator[tuple[Any, io.StringIO]]:
    """The process handler, its Powertools Logger at DEBUG writing to a buffer the test reads."""
    process = load_handler("process")
    handler = process.logger.registered_handler
    stream, level = io.StringIO(), process.logger.log_level
    previous = handler.setStream(stream)
    process.logger.setLevel("DEBUG")
    yield process, stream
    process.logger.setLevel(level)
    handler.setStream(previous)


def test_request_ids_reach_every_process_log_line(deployed, sqs, lambda_context, process_logs) -> None:
    # Given two deliveries through the webhook, each its own API request, and logs at DEBUG
    webhook, (process, logs) = load_handler("webhook"), process_logs
    for request_id, native_id, text in (
        ("api-request-1", "corr-1", "Your heater caught fire and my son was injured. Awful and dangerous!"),
        ("api-request-2", "corr-2", "Thanks, the refund arrived quickly"),
    ):
        event = http_event("standard", delivery(native_id, text), standard_webhook_headers(delivery(native_id, text)))
        event["requestContext"]["requestId"] = request_id
        assert webhook.lambda_handler(event, lambda_context)["statusCode"] == 202

    # Then each queued message carries its request's id
    messages = drain_queue(sqs, deployed["queue"])
    carried = {
        json.loads(m["Body"])["mention"]["native_id"]: m["MessageAttributes"]["correlation_id"]["StringValue"]
        for m in messages
    }
    assert carried == {"corr-1": "api-request-1", "corr-2": "api-request-2"}

    # When the process function handles the batch
    result = process.lambda_handler(sqs_event(messages), lambda_context)
    assert result == {"batchItemFailures": []}

    # Then it logged, and every line names the request(s) it belongs to
    lines = log_lines(logs.getvalue())
    assert lines, "the process function wrote no log line at DEBUG"
    for line in lines:
        ids = set(str(line.get("correlation_id", "")).split(","))
        assert ids & {"api-request-1", "api-request-2"}, line
    # and the lines about one mention name only its own request
    for line in lines:
        if "corr-1" in json.dumps(line) and "," not in line["correlation_id"]:
            assert line["correlation_id"] == "api-request-1", line


def test_a_message_without_the_attribute_is_logged_under_its_message_id(
    deployed, sqs, lambda_context, process_logs
) -> None:
    # Given a poison message sent with no correlation attribute, beside a good one
    webhook, (process, logs) = load_handler("webhook"), process_logs
    body = delivery("plain-1", "Thanks, the refund arrived quickly")
    assert webhook.lambda_handler(http_event("standard", body, standard_webhook_headers(body)), lambda_context)
    messages = drain_queue(sqs, deployed["queue"])
    messages.append({"MessageId": "m-poison", "ReceiptHandle": "r", "Body": "not a queued mention", "MD5OfBody": ""})
    # When processed (the poison message fails alone)
    result = process.lambda_handler(sqs_event(messages), lambda_context)
    # Then the lines about it carry its message id
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-poison"}]}
    lines = [line for line in log_lines(logs.getvalue()) if "m-poison" in json.dumps(line)]
    assert lines and all("m-poison" in line["correlation_id"].split(",") for line in lines)


def test_the_poller_tags_what_it_queues_with_its_invocation_id(deployed, sqs, lambda_context, monkeypatch, tmp_path):
    # Given a watch configuration with one RSS feed that answers one item
    from mentionwatch.pollers.http import HttpResponse

    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><guid>item-1</guid><title>acme is awful</title><link>https://blog.example/1</link>"
        "<description>acme lost my bags</description><pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    )
    watch = tmp_path / "watch.yaml"
    watch.write_text(
        "brands: [{name: acme, keywords: [acme]}]\n"
        "pollers:\n  rss:\n    feeds:\n"
        "      - {name: blog, brand: acme, url: 'https://blog.example/feed', match_all: true}\n"
    )
    monkeypatch.setenv("MENTIONWATCH_WATCH_FILE", str(watch))
    poller = load_handler("poller")

    class OneFeed:
        def send(self, request: Any) -> HttpResponse:
            return HttpResponse(status=200, headers={"content-type": "application/rss+xml"}, body=feed.encode())

    settings, secrets, cursors, queue, _ = poller._dependencies()
    monkeypatch.setattr(poller, "_dependencies", lambda: (settings, secrets, cursors, queue, OneFeed()))
    # When the schedule runs it
    poller.lambda_handler({"source": "rss"}, lambda_context)
    # Then the queued mention carries the poll's invocation id
    messages = drain_queue(sqs, deployed["queue"])
    assert messages
    assert {m["MessageAttributes"]["correlation_id"]["StringValue"] for m in messages} == {
        lambda_context.aws_request_id
    }
