"""AWS requests counted with botocore's event hooks while 1,000 mentions flow through the process function.

Bounds (written down in the README, "Cost per mention"):
- Comprehend: at most 40 requests for 1,000 mentions (batches of 100 from SQS, 25 documents a call).
- DynamoDB writes per batch of n mentions, u of them urgent, spanning b brand-hours: at most
  n + 2*ceil(n/25) + 2b + 5u — a conditional PutItem per mention; raw payloads and respond SLA clocks 25 a
  BatchWriteItem; one volume-counter update per brand-hour (and the brand list when an hour is new); for an
  urgent mention at most 5 (its alert record put and sent-update, its SLA clock, the brand's urgent counter,
  and the alert recorded on the mention); the Comprehend scores of new texts cached, 25 a BatchWriteItem.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from mentionwatch import aws
from mentionwatch.models import Author, Match, Mention
from mentionwatch.sources.base import QueuedMention
from tests.support import drain_queue, load_handler, sqs_event

TOTAL = 1_000
BATCH = 100
WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def queued(index: int) -> QueuedMention:
    urgent = index % 50 == 0  # 2% urgent: someone was hurt
    # Every text distinct: identical texts are scored once (tests/integration/test_pay_comprehend_once.py).
    text = (
        f"Your heater caught fire and my son was injured (order {index})"
        if urgent
        else f"Checking in about order {index}, thanks"
    )
    mention = Mention(
        platform="webhook",
        native_id=f"load-{index}",
        text=text,
        language="en",
        author=Author(handle=f"user{index % 300}", followers=50_000 if urgent else 100),
        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC) + timedelta(seconds=index),
        match=Match(brand="acme"),
    )
    return QueuedMention(source="standard", mention=mention, raw={"id": mention.native_id})


def sqs_messages(items: list[QueuedMention]) -> list[dict]:
    return [
        {"MessageId": f"m-{i}", "ReceiptHandle": f"r-{i}", "Body": item.model_dump_json()}
        for i, item in enumerate(items)
    ]


@pytest.fixture
def counted_clients(deployed, monkeypatch):
    """Real moto clients for DynamoDB and SNS, a Stubber-backed Comprehend; every request counted per operation."""
    calls: Counter[str] = Counter()

    def count(model, **_):
        calls[f"{model.service_model.service_name}:{model.name}"] += 1

    comprehend = boto3.client("comprehend")
    stub = Stubber(comprehend)
    for _ in range(TOTAL // 25):
        stub.add_response(
            "batch_detect_sentiment",
            {
                "ResultList": [
                    {
                        "Index": i,
                        "Sentiment": "NEGATIVE",
                        "SentimentScore": {"Positive": 0.01, "Negative": 0.97, "Neutral": 0.01, "Mixed": 0.01},
                    }
                    for i in range(25)
                ],
                "ErrorList": [],
            },
            {"TextList": ANY, "LanguageCode": "en"},
        )
    stub.activate()
    clients = {"comprehend": comprehend}
    real_client = aws.client

    def client(service):
        if service not in clients:
            clients[service] = real_client(service)
        return clients[service]

    monkeypatch.setattr(aws, "client", client)
    monkeypatch.setenv("MENTIONWATCH_ANALYZER", "comprehend")
    for service in ("comprehend", "dynamodb", "sns"):
        client(service).meta.events.register("before-call.*.*", count)
    yield calls, stub
    stub.deactivate()


def test_a_thousand_mentions_cost_at_most_40_comprehend_requests_and_bounded_writes(
    counted_clients, sqs, deployed, lambda_context, dynamodb, table
):
    calls, stub = counted_clients
    process = load_handler("process")
    items = [queued(i) for i in range(TOTAL)]
    writes_per_batch = []

    for start in range(0, TOTAL, BATCH):
        before = sum(count for name, count in calls.items() if name.split(":")[1] in WRITE_OPERATIONS)
        batch = items[start : start + BATCH]
        result = process.lambda_handler(sqs_event(sqs_messages(batch)), lambda_context)
        assert result == {"batchItemFailures": []}
        after = sum(count for name, count in calls.items() if name.split(":")[1] in WRITE_OPERATIONS)
        n = len(batch)
        urgent = sum(1 for item in batch if "injured" in item.mention.text)
        buckets = len({(item.mention.match.brand, item.mention.created_at.strftime("%Y%m%d%H")) for item in batch})
        # raw payloads, respond clocks and cached scores 25 a request; volume counters once per brand-hour (plus the
        # brand list); per page six writes at most: alert, clock, publish intent (issue 13), sent, mention record, count
        bound = n + 3 * math.ceil(n / 25) + 2 * buckets + 6 * urgent
        writes_per_batch.append((after - before, bound))

    comprehend_calls = sum(count for name, count in calls.items() if name.startswith("comprehend:"))
    assert comprehend_calls <= 40
    stub.assert_no_pending_responses()
    for writes, bound in writes_per_batch:
        assert writes <= bound
    # Every urgent mention paged or was folded into a storm alert; nothing was published twice.
    alerts = drain_queue(sqs, deployed["alerts"])
    assert 1 <= len(alerts) <= TOTAL // 50
    assert calls["sns:Publish"] == len(alerts)
    states = {
        dynamodb.get_item(TableName=table, Key={"pk": {"S": f"MENTION#webhook:load-{i}"}, "sk": {"S": "MENTION"}})[
            "Item"
        ]["alert_state"]["S"]
        for i in range(0, TOTAL, 50)
    }
    assert states <= {"sent", "merged"}


def test_a_poison_message_fails_alone_and_the_rest_of_the_batch_is_stored(deployed, dynamodb, table, lambda_context):
    process = load_handler("process")
    messages = sqs_messages([queued(1), queued(2)])
    messages.insert(1, {"MessageId": "poison", "ReceiptHandle": "r-p", "Body": '{"not": "a mention"}'})

    result = process.lambda_handler(sqs_event(messages), lambda_context)

    assert result == {"batchItemFailures": [{"itemIdentifier": "poison"}]}
    for native_id in ("load-1", "load-2"):
        key = {"pk": {"S": f"MENTION#webhook:{native_id}"}, "sk": {"S": "MENTION"}}
        assert "Item" in dynamodb.get_item(TableName=table, Key=key)


def test_sentiment_outage_scores_locally_and_loses_nothing(deployed, dynamodb, table, lambda_context, monkeypatch):
    comprehend = boto3.client("comprehend")
    stub = Stubber(comprehend)
    stub.add_client_error(
        "batch_detect_sentiment", service_error_code="ServiceUnavailableException", http_status_code=503
    )
    stub.activate()
    real_client = aws.client
    monkeypatch.setattr(aws, "client", lambda service: comprehend if service == "comprehend" else real_client(service))
    monkeypatch.setenv("MENTIONWATCH_ANALYZER", "comprehend")

    result = load_handler("process").lambda_handler(sqs_event(sqs_messages([queued(7)])), lambda_context)

    assert result == {"batchItemFailures": []}
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "MENTION#webhook:load-7"}, "sk": {"S": "MENTION"}})[
        "Item"
    ]
    assert json.loads(json.dumps(item["sentiment"]["M"]["analyzer"]))["S"] == "local"
