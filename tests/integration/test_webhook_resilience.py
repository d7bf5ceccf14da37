"""The webhook when its dependencies misbehave: 503 (so the platform redelivers), never a 500, and optional
brand tagging never costs a delivery."""

from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from mentionwatch import aws
from tests.support import http_event, load_handler, standard_webhook_headers


def batch_body(count: int) -> bytes:
    mentions = [
        {
            "id": f"b-{i}",
            "text": f"Flying Northwind today #{i}",
            "created_at": "2026-11-23T09:00:00Z",
            "author": {"handle": f"u{i}"},
        }
        for i in range(count)
    ]
    return json.dumps({"type": "mention.batch", "data": {"mentions": mentions}}).encode()


def deliver(body: bytes, lambda_context) -> dict:
    return load_handler("webhook").lambda_handler(
        http_event("standard", body, standard_webhook_headers(body)), lambda_context
    )


def test_an_unreachable_queue_answers_503_so_the_platform_redelivers(deployed, lambda_context, monkeypatch):
    # Given SQS that cannot be reached
    sqs = aws.client("sqs")

    def unreachable(**_):
        raise EndpointConnectionError(endpoint_url="https://sqs.us-east-1.amazonaws.com")

    monkeypatch.setattr(sqs, "send_message_batch", unreachable)

    # When a valid delivery arrives
    response = deliver(batch_body(1), lambda_context)

    # Then the answer is 503 with a problem body, not a 500
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["error"]["code"] == "enqueue_failed"


def test_a_missing_queue_answers_503(deployed, lambda_context, monkeypatch):
    monkeypatch.setenv("MENTIONWATCH_QUEUE_URL", deployed["queue"] + "-gone")

    response = deliver(batch_body(1), lambda_context)

    assert response["statusCode"] == 503


@pytest.fixture
def watch_parameter(deployed, monkeypatch):
    ssm = boto3.client("ssm")
    ssm.put_parameter(
        Name="/mentionwatch/watch", Type="String", Value="brands: [{name: northwind, keywords: [Northwind]}]"
    )
    monkeypatch.setenv("MENTIONWATCH_WATCH_PARAMETER", "/mentionwatch/watch")
    return ssm


def test_the_watch_configuration_is_read_once_for_a_whole_delivery(
    watch_parameter, deployed, sqs, lambda_context, monkeypatch
):
    real = aws.client
    # Given GetParameter calls counted
    calls: Counter[str] = Counter()
    watch_parameter.meta.events.register("before-call.ssm.GetParameter", lambda **_: calls.update(["get"]))
    monkeypatch.setattr(aws, "client", lambda service: watch_parameter if service == "ssm" else real(service))

    # When a delivery of 20 mentions arrives
    response = deliver(batch_body(20), lambda_context)

    # Then all are tagged with the brand from one read of the parameter
    assert response["statusCode"] == 202
    bodies = []
    while batch := sqs.receive_message(QueueUrl=deployed["queue"], MaxNumberOfMessages=10).get("Messages", []):
        bodies += [json.loads(m["Body"]) for m in batch]
        sqs.delete_message_batch(
            QueueUrl=deployed["queue"],
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
        )
    assert {body["mention"]["match"]["brand"] for body in bodies} == {"northwind"} and len(bodies) == 20
    assert calls["get"] == 1


def test_an_unreadable_watch_configuration_does_not_cost_the_delivery(deployed, lambda_context, monkeypatch):
    monkeypatch.setenv("MENTIONWATCH_WATCH_PARAMETER", "/does/not/exist")

    response = deliver(batch_body(2), lambda_context)

    assert response["statusCode"] == 202
