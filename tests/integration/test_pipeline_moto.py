"""The two handlers on moto: a signed delivery in, a stored mention and one alert out."""

from __future__ import annotations

import json

from mentionwatch.store.items import RawArchiveItem
from tests.support import (
    ROOT,
    drain_queue,
    http_event,
    load_handler,
    sqs_event,
    standard_webhook_headers,
)


def test_signed_urgent_delivery_is_stored_once_and_alerted_once(deployed, sqs, dynamodb, table, lambda_context):
    # Given a signed delivery of an angry, urgent mention
    body = json.dumps(
        {
            "type": "mention.created",
            "data": {
                "id": "post-1",
                "text": "Your heater caught fire and my son was injured. This is awful and dangerous!",
                "created_at": "2026-11-23T09:00:00Z",
                "author": {"handle": "dana", "followers": 120},
                "url": "https://example.com/post-1",
                "brand": "acme",
            },
        }
    ).encode()
    webhook, process = load_handler("webhook"), load_handler("process")

    # When it is delivered twice and both copies are processed
    for _ in range(2):
        response = webhook.lambda_handler(http_event("standard", body, standard_webhook_headers(body)), lambda_context)
        assert response["statusCode"] == 202
    messages = drain_queue(sqs, deployed["queue"])
    assert len(messages) == 2
    result = process.lambda_handler(sqs_event(messages), lambda_context)

    # Then one mention is stored, escalated, and exactly one alert reached the topic
    assert result == {"batchItemFailures": []}
    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "MENTION#webhook:post-1"}},
    )["Items"]
    assert {item["sk"]["S"] for item in items} == {"MENTION"}
    archives = [item for item in dynamodb.scan(TableName=table)["Items"] if item.get("entity") == {"S": "raw_archive"}]
    assert [RawArchiveItem.from_item(item).payloads[0].mention_id for item in archives] == ["webhook:post-1"]
    mention = next(item for item in items if item["sk"]["S"] == "MENTION")
    assert mention["reaction"]["S"] == "escalate"
    assert mention["alert_state"]["S"] == "sent"
    delivered = drain_queue(sqs, deployed["alerts"])
    assert len(delivered) == 1
    alert = json.loads(json.loads(delivered[0]["Body"])["Message"])
    assert alert["attributes"]["severity"] == "critical" and alert["attributes"]["category"] == "safety"
    assert len(alert["sms"]) <= 160 and "@dana" in alert["sms"]


def test_the_sample_sqs_event_in_events_is_processed(deployed, dynamodb, table, lambda_context):
    event = json.loads((ROOT / "events" / "sqs-process-batch.json").read_text())

    result = load_handler("process").lambda_handler(event, lambda_context)

    assert result == {"batchItemFailures": []}
    stored = {
        item["id"]["S"]: item["reaction"]["S"]
        for item in dynamodb.scan(TableName=table)["Items"]
        if item["sk"]["S"] == "MENTION"
    }
    assert stored == {"webhook:sample-1": "escalate", "webhook:sample-2": "acknowledge"}


# The webhook sample (and one for every other function) is run by tests/integration/test_sample_events.py.


def test_an_edit_replaces_the_stored_text_without_paging_again(deployed, sqs, dynamodb, table, lambda_context):
    def delivery(text: str, kind: str) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "data": {
                    "id": "edit-1",
                    "text": text,
                    "created_at": "2026-11-23T09:00:00Z",
                    "author": {"handle": "eve", "followers": 50_000},
                },
            }
        ).encode()

    webhook, process = load_handler("webhook"), load_handler("process")
    for text, kind in (
        ("This airline is awful and dangerous", "mention.created"),
        ("Edit: sorted now, thanks", "mention.updated"),
    ):
        body = delivery(text, kind)
        webhook.lambda_handler(http_event("standard", body, standard_webhook_headers(body)), lambda_context)
        process.lambda_handler(sqs_event(drain_queue(sqs, deployed["queue"])), lambda_context)

    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "MENTION#webhook:edit-1"}, "sk": {"S": "MENTION"}})[
        "Item"
    ]
    assert item["mention"]["M"]["text"]["S"] == "Edit: sorted now, thanks"
    assert item["version"]["N"] == "2"
    assert len(drain_queue(sqs, deployed["alerts"])) == 1


def test_a_deletion_that_overtakes_its_mention_keeps_the_mention_from_being_stored_live_or_paged(
    deployed, sqs, dynamodb, table, lambda_context
):
    def delivery(kind: str) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "data": {
                    "id": "gone-1",
                    "text": "This airline is dangerous, someone was injured on board",
                    "created_at": "2026-11-23T09:00:00Z",
                    "author": {"handle": "zed", "followers": 10},
                },
            }
        ).encode()

    webhook, process = load_handler("webhook"), load_handler("process")
    # Given the deletion is processed before the post it deletes (SQS does not keep order)
    for kind in ("mention.deleted", "mention.created"):
        body = delivery(kind)
        webhook.lambda_handler(http_event("standard", body, standard_webhook_headers(body)), lambda_context)
        process.lambda_handler(sqs_event(drain_queue(sqs, deployed["queue"])), lambda_context)

    # Then the stored row is deleted and resolved, and nobody was paged
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "MENTION#webhook:gone-1"}, "sk": {"S": "MENTION"}})[
        "Item"
    ]
    assert item["deleted"]["BOOL"] is True
    assert item["status"]["S"] == "resolved"
    assert drain_queue(sqs, deployed["alerts"]) == []
