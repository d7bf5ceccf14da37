"""Every client mistake at the webhook gets a 4xx JSON problem naming it, and nothing reaches the queue."""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.support import dev_signing_secret, http_event, load_handler, standard_webhook_headers

GOOD = json.dumps(
    {
        "type": "mention.created",
        "data": {"id": "p-9", "text": "hello", "created_at": "2026-11-23T09:00:00Z", "author": {"handle": "amy"}},
    }
).encode()


def headers_without(name: str) -> dict[str, str]:
    return {k: v for k, v in standard_webhook_headers(GOOD).items() if k != name}


# Signed, but a body the parser refuses: kept for replay and answered 2xx (the platform would retry a 4xx for
# hours and then drop it); the reason names the field.
SIGNED_BUT_REFUSED = {
    "malformed json": (
        "standard",
        b"{oops",
        lambda body: standard_webhook_headers(body),
        400,
        "malformed_payload",
        "body",
    ),
    "missing field": (
        "standard",
        json.dumps(
            {"type": "mention.created", "data": {"id": "x", "text": "t", "created_at": "2026-11-23T09:00:00Z"}}
        ).encode(),
        lambda body: standard_webhook_headers(body),
        400,
        "malformed_payload",
        "data.author",
    ),
}

CASES = {
    "wrong content type": (
        "standard",
        GOOD,
        lambda body: standard_webhook_headers(body) | {"content-type": "text/plain"},
        415,
        "unsupported_media_type",
        "content-type",
    ),
    "missing signature": (
        "standard",
        GOOD,
        lambda body: headers_without("webhook-signature"),
        401,
        "signature_missing",
        "webhook-signature",
    ),
    "bad signature": (
        "standard",
        GOOD,
        lambda body: (
            standard_webhook_headers(body) | {"webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
        ),
        401,
        "signature_invalid",
        "webhook-signature",
    ),
    "stale timestamp": (
        "standard",
        GOOD,
        lambda body: standard_webhook_headers(body, timestamp=int(time.time()) - 3600),
        401,
        "timestamp_out_of_tolerance",
        "webhook-timestamp",
    ),
    "oversize body": (
        "standard",
        b"{" + b" " * (300 * 1024) + b"}",
        lambda body: standard_webhook_headers(body),
        413,
        "payload_too_large",
        "body",
    ),
    "unknown source": ("myspace", GOOD, lambda body: standard_webhook_headers(body), 404, "unknown_source", "source"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_deliveries_get_a_named_4xx_and_enqueue_nothing(case, deployed, sqs, lambda_context):
    source, body, make_headers, status, code, field = case
    webhook = load_handler("webhook")

    response = webhook.lambda_handler(http_event(source, body, make_headers(body)), lambda_context)

    assert response["statusCode"] == status
    problem = json.loads(response["body"])["error"]
    assert problem["code"] == code and problem["field"].startswith(field)
    attributes = sqs.get_queue_attributes(QueueUrl=deployed["queue"], AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


@pytest.mark.parametrize("case", SIGNED_BUT_REFUSED.values(), ids=SIGNED_BUT_REFUSED.keys())
def test_signed_bodies_the_parser_refuses_are_kept_answered_2xx_and_enqueue_nothing(
    case, deployed, sqs, dynamodb, table, lambda_context
):
    source, body, make_headers, _, _, field = case
    webhook = load_handler("webhook")

    response = webhook.lambda_handler(http_event(source, body, make_headers(body)), lambda_context)

    assert response["statusCode"] == 202
    answer = json.loads(response["body"])
    assert answer["accepted"] == 0 and answer["ignored"].startswith("kept for replay:") and field in answer["ignored"]
    kept = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"KEPT#{answer['kept']}"}, "sk": {"S": "KEPT"}})
    assert kept["Item"]["body"]["B"] == body and kept["Item"]["source"]["S"] == source
    attributes = sqs.get_queue_attributes(QueueUrl=deployed["queue"], AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_base64_bodies_are_decoded_before_verifying(deployed, sqs, lambda_context):
    event = http_event("standard", GOOD, standard_webhook_headers(GOOD))
    event |= {"body": base64.b64encode(GOOD).decode(), "isBase64Encoded": True}

    response = load_handler("webhook").lambda_handler(event, lambda_context)

    assert response["statusCode"] == 202
    assert json.loads(response["body"])["mention_ids"] == ["webhook:p-9"]


def test_secret_values_never_appear_in_an_error(deployed, lambda_context):
    secret = dev_signing_secret()
    response = load_handler("webhook").lambda_handler(
        http_event("standard", GOOD, headers_without("webhook-id")), lambda_context
    )
    assert secret not in response["body"] and secret.removeprefix("whsec_") not in response["body"]
