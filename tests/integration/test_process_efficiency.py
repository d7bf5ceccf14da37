"""Comprehend paid once per text (redeliveries not scored, reposts cached) and urgent mentions handled first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import Stubber

from mentionwatch import aws
from mentionwatch.models import Author, Match, Mention, SentimentResult
from mentionwatch.sentiment.base import SentimentRequest
from mentionwatch.sentiment.cache import CachedAnalyzer, text_key
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.scores_dynamodb import DynamoScoreStore
from tests.support import load_handler, sqs_event

CANCELLED = "Flight cancelled for the third time, nobody at the desk can tell us anything"
DELAYED = "Delayed four hours and the app still says on time"


def queued(native_id: str, text: str) -> QueuedMention:
    mention = Mention(
        platform="webhook",
        native_id=native_id,
        text=text,
        language="en",
        author=Author(handle=f"user-{native_id}", followers=10),
        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        match=Match(brand="acme"),
    )
    return QueuedMention(source="standard", mention=mention, raw={"id": native_id})


def messages(items: list[QueuedMention]) -> list[dict]:
    return [
        {"MessageId": f"m-{item.mention.native_id}", "ReceiptHandle": "r", "Body": item.model_dump_json()}
        for item in items
    ]


def negative(texts: int) -> dict:
    scores = {"Positive": 0.01, "Negative": 0.97, "Neutral": 0.01, "Mixed": 0.01}
    return {
        "ResultList": [{"Index": i, "Sentiment": "NEGATIVE", "SentimentScore": scores} for i in range(texts)],
        "ErrorList": [],
    }


@pytest.fixture
def comprehend(deployed, monkeypatch):
    client = boto3.client("comprehend")
    real_client = aws.client
    monkeypatch.setattr(aws, "client", lambda service: client if service == "comprehend" else real_client(service))
    monkeypatch.setenv("MENTIONWATCH_ANALYZER", "comprehend")
    return client


def test_redeliveries_and_reposts_are_not_scored_again(comprehend, deployed, lambda_context, dynamodb, table):
    process = load_handler("process")
    with Stubber(comprehend) as stub:
        # First batch: a repost inside the batch (same text, new id) is scored once.
        stub.add_response(
            "batch_detect_sentiment", negative(2), {"TextList": [CANCELLED, DELAYED], "LanguageCode": "en"}
        )
        first = [queued("1", CANCELLED), queued("2", DELAYED), queued("3", CANCELLED)]
        assert process.lambda_handler(sqs_event(messages(first)), lambda_context) == {"batchItemFailures": []}
        stub.assert_no_pending_responses()
        # Second batch: a redelivery of a stored mention and a later repost: no Comprehend call at all.
        second = [queued("1", CANCELLED), queued("4", DELAYED)]
        assert process.lambda_handler(sqs_event(messages(second)), lambda_context) == {"batchItemFailures": []}

    for native_id in ("1", "2", "3", "4"):
        item = dynamodb.get_item(
            TableName=table, Key={"pk": {"S": f"MENTION#webhook:{native_id}"}, "sk": {"S": "MENTION"}}
        )["Item"]
        assert item["sentiment"]["M"]["analyzer"]["S"] == "comprehend"
        assert item["sentiment"]["M"]["label"]["S"] == "NEGATIVE"


def test_an_edit_of_a_stored_mention_is_applied_without_scoring(comprehend, deployed, lambda_context, dynamodb, table):
    process = load_handler("process")
    original = queued("9", CANCELLED)
    edited = original.model_copy(
        update={
            "mention": original.mention.model_copy(
                update={
                    "text": CANCELLED + " (edited)",
                    "received_at": original.mention.received_at + timedelta(minutes=5),
                }
            )
        }
    )
    with Stubber(comprehend) as stub:
        stub.add_response("batch_detect_sentiment", negative(1), {"TextList": [CANCELLED], "LanguageCode": "en"})
        process.lambda_handler(sqs_event(messages([original])), lambda_context)
        result = process.lambda_handler(sqs_event(messages([edited])), lambda_context)
        stub.assert_no_pending_responses()
    assert result == {"batchItemFailures": []}
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "MENTION#webhook:9"}, "sk": {"S": "MENTION"}})["Item"]
    assert item["mention"]["M"]["text"]["S"].endswith("(edited)")


class Counting:
    name = "comprehend"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def analyze(self, requests):
        self.seen.extend(request.text for request in requests)
        from mentionwatch.sentiment.local import LocalAnalyzer

        return [result.model_copy(update={"analyzer": "comprehend"}) for result in LocalAnalyzer().analyze(requests)]


def test_cached_scores_expire(dynamodb, table):
    now = [datetime(2026, 11, 23, 9, tzinfo=UTC)]
    store = DynamoScoreStore(dynamodb, table, clock=lambda: now[0], ttl=timedelta(hours=1))
    inner = Counting()
    analyzer = CachedAnalyzer(inner, store)
    request = SentimentRequest(text=DELAYED, language="en")

    first = analyzer.analyze([request])
    again = analyzer.analyze([request])
    now[0] += timedelta(hours=2)  # DynamoDB's TTL deletes late; an expired row must read as a miss anyway
    later = analyzer.analyze([request])

    assert inner.seen == [DELAYED, DELAYED]
    assert first == again == later
    assert isinstance(store.get_many([text_key(request)]).get(text_key(request)), SentimentResult)


def test_fallback_scores_are_not_cached(dynamodb, table):
    class FallingBack(Counting):
        def analyze(self, requests):
            self.seen.extend(request.text for request in requests)
            from mentionwatch.sentiment.local import LocalAnalyzer

            return LocalAnalyzer().analyze(requests)  # analyzer "local": the service did not answer

    store = DynamoScoreStore(dynamodb, table, clock=lambda: datetime.now(UTC))
    inner = FallingBack()
    analyzer = CachedAnalyzer(inner, store)
    request = SentimentRequest(text=CANCELLED, language="en")
    analyzer.analyze([request])
    analyzer.analyze([request])
    assert inner.seen == [CANCELLED, CANCELLED]


def test_urgent_mentions_are_handled_first_in_a_batch(deployed, lambda_context, monkeypatch):
    stored: list[str] = []

    def record_put(params, **_):
        stored.append(params["Item"]["pk"]["S"])

    aws.client("dynamodb").meta.events.register("before-parameter-build.dynamodb.PutItem", record_put)
    routine = [queued(f"r{i}", f"Checking in about order {i}, thanks") for i in range(5)]
    urgent = queued("fire", "The charger you sold me caught fire and my son was injured, this is dangerous")
    urgent = urgent.model_copy(
        update={"mention": urgent.mention.model_copy(update={"author": Author(handle="parent", followers=90_000)})}
    )

    result = load_handler("process").lambda_handler(sqs_event(messages([*routine, urgent])), lambda_context)

    assert result == {"batchItemFailures": []}
    mention_puts = [pk for pk in stored if pk.startswith("MENTION#")]
    assert mention_puts[0] == "MENTION#webhook:fire"
    assert len(mention_puts) == 6
