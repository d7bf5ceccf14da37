"""The brand's own posts through the real webhook and process handlers (moto): responses, not mentions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from tests.integration.test_platform_webhooks_moto import DEV_SECRETS, event
from tests.support import drain_queue, load_handler, sqs_event

BRAND_X_ID = "900000000000000001"
WATCH = f"""
brands:
  - name: acme
    keywords: [acme]
    accounts:
      x: ["{BRAND_X_ID}"]
      bluesky: ["did:plc:acmebrand"]
"""


def x_headers(body: bytes) -> dict[str, str]:
    digest = hmac.new(DEV_SECRETS["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
    return {
        "content-type": "application/json",
        "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode(),
    }


def tweet(tweet_id: str, user_id: str, screen_name: str, text: str, reply_to: str | None = None) -> dict[str, Any]:
    return {
        "id_str": tweet_id,
        "created_at": "Tue Dec 01 09:00:00 +0000 2026" if reply_to is None else "Tue Dec 01 09:12:00 +0000 2026",
        "text": text,
        "user": {"id_str": user_id, "screen_name": screen_name, "followers_count": 10},
        "in_reply_to_status_id_str": reply_to,
    }


@pytest.fixture
def handlers(monkeypatch, tmp_path, deployed):
    watch = tmp_path / "watch.yaml"
    watch.write_text(WATCH)
    monkeypatch.setenv("MENTIONWATCH_WATCH_FILE", str(watch))
    return load_handler("webhook"), load_handler("process")


def deliver(handlers, sqs, deployed, lambda_context, for_user_id: str, *tweets: dict[str, Any]) -> dict[str, Any]:
    webhook, process = handlers
    body = json.dumps({"for_user_id": for_user_id, "tweet_create_events": list(tweets)}).encode()
    response = webhook.lambda_handler(event("x", "POST", body, x_headers(body)), lambda_context)
    assert response["statusCode"] == 200, response["body"]
    return process.lambda_handler(sqs_event(drain_queue(sqs, deployed["queue"])), lambda_context)


def item(dynamodb, table, pk: str, sk: str) -> dict[str, Any] | None:
    return dynamodb.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")


def test_a_brand_reply_marks_the_mention_responded_and_is_not_stored_as_a_mention(
    handlers, sqs, dynamodb, table, deployed, lambda_context
):
    # Given a customer's complaint stored as a mention
    complaint = tweet("1860000000000000001", "42", "dana", "@acme my bag is lost and nobody answers")
    deliver(handlers, sqs, deployed, lambda_context, BRAND_X_ID, complaint)
    assert item(dynamodb, table, "MENTION#x:1860000000000000001", "MENTION")["status"]["S"] == "new"

    # When Account Activity delivers the brand's own reply to it, twice
    reply = tweet("1860000000000000099", BRAND_X_ID, "acme", "@dana sorry! DM us your file ref", "1860000000000000001")
    for _ in range(2):
        assert deliver(handlers, sqs, deployed, lambda_context, BRAND_X_ID, reply) == {"batchItemFailures": []}

    # Then the complaint is responded, stamped with the reply's time and link, with one response on record
    stored = item(dynamodb, table, "MENTION#x:1860000000000000001", "MENTION")
    assert stored["status"]["S"] == "responded"
    assert stored["responded_at"]["S"].startswith("2026-12-01T09:12:00")
    responses = [e["M"] for e in stored["history"]["L"] if e["M"]["action"]["S"] == "respond"]
    assert len(responses) == 1
    assert responses[0]["via"]["S"] == "x"
    assert responses[0]["response_kind"]["S"] == "public_reply"
    assert responses[0]["response_link"]["S"] == "https://x.com/acme/status/1860000000000000099"
    assert responses[0]["response_account"]["S"] == BRAND_X_ID
    # and the reply itself is brand activity, never a mention (so never triaged or paged)
    assert item(dynamodb, table, "MENTION#x:1860000000000000099", "MENTION") is None
    post = item(dynamodb, table, "BRANDPOST#x:1860000000000000099", "BRANDPOST")
    assert post["responds_to"]["S"] == "x:1860000000000000001"
    assert drain_queue(sqs, deployed["alerts"]) == []


def test_the_subscribed_accounts_own_post_is_recognised_without_configured_accounts(
    handlers, sqs, dynamodb, table, deployed, lambda_context, monkeypatch, tmp_path
):
    # Given a watch configuration that names no X account for the brand
    (tmp_path / "watch.yaml").write_text("brands:\n  - name: acme\n    keywords: [acme]\n")
    announcement = tweet("1860000000000000200", "777", "acme", "acme: new routes to Lisbon this spring")

    # When Account Activity for user 777 delivers 777's own post
    result = deliver(handlers, sqs, deployed, lambda_context, "777", announcement)

    # Then it is kept as brand activity, not as a mention
    assert result == {"batchItemFailures": []}
    assert item(dynamodb, table, "MENTION#x:1860000000000000200", "MENTION") is None
    post = item(dynamodb, table, "BRANDPOST#x:1860000000000000200", "BRANDPOST")
    assert post is not None and "responds_to" not in post


def test_a_brand_reply_to_a_mention_that_was_never_stored_is_brand_activity(
    handlers, sqs, dynamodb, table, deployed, lambda_context
):
    reply = tweet("1860000000000000300", BRAND_X_ID, "acme", "@someone thanks!", "1860000000000000299")

    assert deliver(handlers, sqs, deployed, lambda_context, BRAND_X_ID, reply) == {"batchItemFailures": []}

    assert item(dynamodb, table, "MENTION#x:1860000000000000300", "MENTION") is None
    assert item(dynamodb, table, "BRANDPOST#x:1860000000000000300", "BRANDPOST") is not None
