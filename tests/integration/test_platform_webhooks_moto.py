"""Platform deliveries through the real webhook handler (moto SQS, dev secrets file): status, body, queue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import EVENTS, ROOT, drain_queue, load_handler

PLATFORMS = ROOT / "tests" / "fixtures" / "platforms"
DEV_SECRETS = json.loads((EVENTS / "dev-secrets.json").read_text())


def event(
    source: str,
    method: str = "GET",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} /webhooks/{{source}}",
        "rawPath": f"/webhooks/{source}",
        "rawQueryString": "",
        "headers": headers or {},
        "queryStringParameters": query,
        "pathParameters": {"source": source},
        "requestContext": {
            "http": {"method": method, "path": f"/webhooks/{source}"},
            "requestId": "r1",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def hex_hmac(secret: str, body: bytes, digest=hashlib.sha256) -> str:
    return hmac.new(secret.encode(), body, digest).hexdigest()


@pytest.fixture
def webhook(monkeypatch, mentions_queue, sqs):
    monkeypatch.setenv("MENTIONWATCH_QUEUE_URL", mentions_queue)
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(EVENTS / "dev-secrets.json"))
    return load_handler("webhook")


def queued(sqs: Any, url: str) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in drain_queue(sqs, url)]


def test_x_crc_challenge_is_answered_with_the_dev_consumer_secret(webhook, lambda_context):
    secret = DEV_SECRETS["x"]["consumer_secret"]
    expected = base64.b64encode(hmac.new(secret.encode(), b"crc-123", hashlib.sha256).digest()).decode()

    response = webhook.lambda_handler(event("x", query={"crc_token": "crc-123"}), lambda_context)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"response_token": f"sha256={expected}"}


def test_signed_x_delivery_is_enqueued_and_answered_200(webhook, lambda_context, sqs, mentions_queue):
    body = (PLATFORMS / "x" / "tweet_create_events.json").read_bytes()
    signature = (
        "sha256="
        + base64.b64encode(
            hmac.new(DEV_SECRETS["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
        ).decode()
    )

    response = webhook.lambda_handler(
        event("x", "POST", body, {"content-type": "application/json", "x-twitter-webhooks-signature": signature}),
        lambda_context,
    )

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["accepted"] == 2
    messages = queued(sqs, mentions_queue)
    assert sorted(m["mention"]["id"] for m in messages) == ["x:1862497411234567890", "x:1862497625000000001"]
    assert all(m["source"] == "x" for m in messages)


def test_bad_meta_signature_is_401_and_nothing_is_enqueued(webhook, lambda_context, sqs, mentions_queue):
    body = (PLATFORMS / "meta" / "facebook_feed_batched.json").read_bytes()
    headers = {"content-type": "application/json", "x-hub-signature-256": "sha256=" + hex_hmac("wrong", body)}

    response = webhook.lambda_handler(event("facebook", "POST", body, headers), lambda_context)

    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"] == {
        "code": "signature_invalid",
        "message": "header x-hub-signature-256 does not match the body",
        "field": "x-hub-signature-256",
    }
    assert queued(sqs, mentions_queue) == []


def test_wrong_meta_verify_token_is_403_and_right_one_echoes_the_challenge(webhook, lambda_context):
    query = {"hub.mode": "subscribe", "hub.challenge": "8421", "hub.verify_token": "guess"}
    assert webhook.lambda_handler(event("instagram", query=query), lambda_context)["statusCode"] == 403

    query["hub.verify_token"] = DEV_SECRETS["instagram"]["verify_token"]
    response = webhook.lambda_handler(event("instagram", query=query), lambda_context)
    assert (response["statusCode"], response["body"]) == (200, "8421")


def test_unknown_platform_is_404(webhook, lambda_context):
    response = webhook.lambda_handler(event("myspace", query={"hub.challenge": "1"}), lambda_context)
    assert response["statusCode"] == 404


def test_unhandled_mastodon_event_is_200_and_ignored(webhook, lambda_context, sqs, mentions_queue):
    body = (PLATFORMS / "mastodon" / "account_created.json").read_bytes()
    headers = {
        "content-type": "application/json",
        "x-hub-signature": "sha256=" + hex_hmac(DEV_SECRETS["mastodon"]["webhook_secret"], body),
    }

    response = webhook.lambda_handler(event("mastodon", "POST", body, headers), lambda_context)

    assert response["statusCode"] == 200
    assert "account.created" in json.loads(response["body"])["ignored"]
    assert queued(sqs, mentions_queue) == []


def test_malformed_mastodon_status_is_400(webhook, lambda_context, sqs, mentions_queue):
    payload = json.loads((PLATFORMS / "mastodon" / "status_created.json").read_bytes())
    del payload["object"]["account"]
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        "x-hub-signature": "sha256=" + hex_hmac(DEV_SECRETS["mastodon"]["webhook_secret"], body),
    }

    response = webhook.lambda_handler(event("mastodon", "POST", body, headers), lambda_context)

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["field"] == "object.account"
    assert queued(sqs, mentions_queue) == []


def test_signed_youtube_atom_delivery_is_enqueued_with_202(webhook, lambda_context, sqs, mentions_queue):
    body = Path(PLATFORMS / "youtube" / "new_video.xml").read_bytes()
    headers = {
        "content-type": "application/atom+xml",
        "x-hub-signature": "sha1=" + hex_hmac(DEV_SECRETS["youtube"]["hub_secret"], body, hashlib.sha1),
    }

    response = webhook.lambda_handler(event("youtube", "POST", body, headers), lambda_context)

    assert response["statusCode"] == 202
    assert [m["mention"]["id"] for m in queued(sqs, mentions_queue)] == ["youtube:dQw4w9WgXcQ"]
