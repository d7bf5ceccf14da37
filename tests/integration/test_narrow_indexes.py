"""The indexes project keys and the attributes their filters read, not the row: rows are read by key.

A mention row is about 1.8 KB; an index holding all of it cost two write units per index on every write that touched
the row. With narrow projections an index copy is one write unit, and only writes that change a projected attribute
touch it. Whatever was read from an index before is now read from the rows (BatchGetItem, 100 keys a call), which
moto never leaves unprocessed: the `UnprocessedKeys` paths run on botocore's Stubber.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mentionwatch.exceptions import Throttled
from mentionwatch.models import (
    Author,
    Match,
    Mention,
    MentionStatus,
    SentimentResult,
    ThreadRef,
    TriageContext,
    TriagedMention,
)
from mentionwatch.replay import _FALLBACK_TABLE
from mentionwatch.store import keys
from mentionwatch.store.batch import BATCH_GET_LIMIT, batch_get, rows_for
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import MentionItem
from mentionwatch.store.queries_dynamodb import DynamoMentionQueries
from mentionwatch.triage.engine import default_triager

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def key(number: int) -> dict[str, Any]:
    return {"pk": {"S": f"MENTION#webhook:{number}"}, "sk": {"S": "MENTION"}}


def row(number: int, **extra: str) -> dict[str, Any]:
    return key(number) | {"text": {"S": f"row {number}"}} | {name: {"S": value} for name, value in extra.items()}


@pytest.fixture
def stubbed():
    client = boto3.client("dynamodb")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_unprocessed_keys_are_asked_for_again_and_rows_come_back_in_index_order(stubbed):
    client, stub = stubbed
    sleeps: list[float] = []
    # DynamoDB reads part of a batch and hands back the rest as UnprocessedKeys (moto never does).
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [row(3)]}, "UnprocessedKeys": {"t": {"Keys": [key(1), key(2)]}}},
        {"RequestItems": {"t": {"Keys": [key(1), key(2), key(3)]}}},
    )
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [row(2), row(1)]}, "UnprocessedKeys": {}},
        {"RequestItems": {"t": {"Keys": [key(1), key(2)]}}},
    )

    rows = rows_for(client, "t", [key(1), key(2), key(3)], "mentions", sleeps.append)

    assert [r["text"]["S"] for r in rows] == ["row 1", "row 2", "row 3"]
    assert len(sleeps) == 1


def test_keys_still_unprocessed_after_the_retries_are_an_error_not_a_short_page(stubbed):
    client, stub = stubbed
    for _ in range(3):
        stub.add_response("batch_get_item", {"Responses": {"t": []}, "UnprocessedKeys": {"t": {"Keys": [key(1)]}}})

    with pytest.raises(Throttled):
        batch_get(client, "t", [key(1)], "mentions", lambda _: None, attempts=3)


def test_a_cache_read_may_leave_unprocessed_keys_out(stubbed):
    client, stub = stubbed
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [row(2)]}, "UnprocessedKeys": {"t": {"Keys": [key(1)]}}},
    )

    found = batch_get(client, "t", [key(1), key(2)], "scores", lambda _: None, attempts=1, complete=False)

    assert [r["text"]["S"] for r in found] == ["row 2"]


def test_more_than_a_hundred_keys_take_several_calls_and_repeats_are_asked_for_once(stubbed):
    client, stub = stubbed
    numbers = list(range(BATCH_GET_LIMIT + 20))
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [row(n) for n in numbers[:BATCH_GET_LIMIT]]}},
        {"RequestItems": {"t": {"Keys": [key(n) for n in numbers[:BATCH_GET_LIMIT]]}}},
    )
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [row(n) for n in numbers[BATCH_GET_LIMIT:]]}},
        {"RequestItems": {"t": {"Keys": [key(n) for n in numbers[BATCH_GET_LIMIT:]]}}},
    )

    found = batch_get(client, "t", [key(n) for n in numbers] + [key(0)], "mentions", lambda _: None)

    assert len(found) == len(numbers)


def test_rows_that_left_the_partition_or_the_table_since_the_index_answered_are_left_out(stubbed):
    client, stub = stubbed
    # The index still listed three due pages; since then one page was recorded (out of GSI5) and one row deleted.
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [row(1, GSI5PK=keys.DUE_PAGES), row(2)]}},
        {"RequestItems": {"t": {"Keys": [key(1), key(2), key(3)], "ConsistentRead": True}}},
    )

    rows = rows_for(
        client, "t", [key(1), key(2), key(3)], "mentions", member_of=("GSI5PK", keys.DUE_PAGES), consistent=True
    )

    assert [r["text"]["S"] for r in rows] == ["row 1"]


# --- the projections on the template's table (moto) ------------------------------------------------------
def mention(number: int, **overrides: Any) -> MentionItem:
    values: dict[str, Any] = {
        "platform": "webhook",
        "native_id": str(number),
        "text": f"The charger caught fire in my kid's room, dangerous product number {number}. " * 4,
        "language": "en",
        "author": Author(handle=f"parent{number}", followers=800),
        "created_at": NOW - timedelta(minutes=number),
        "match": Match(brand="acme"),
    } | overrides
    domain = Mention(**values)
    sentiment = SentimentResult.model_validate({"label": "NEGATIVE", "scores": {"negative": 0.9}, "analyzer": "local"})
    decision = default_triager().triage(domain, sentiment, TriageContext())
    triaged = TriagedMention(mention=domain, sentiment=sentiment, triage=decision)
    return MentionItem.from_triaged(triaged, stored_at=NOW - timedelta(minutes=number))


def test_no_index_holds_whole_rows_and_the_replay_table_matches_the_template(template):
    indexes = template.resources["MentionsTable"]["Properties"]["GlobalSecondaryIndexes"]

    assert {index["IndexName"]: index["Projection"]["ProjectionType"] for index in indexes} == {
        "GSI1": "INCLUDE",
        "GSI2": "INCLUDE",
        "GSI3": "INCLUDE",
        "GSI4": "KEYS_ONLY",
        "GSI5": "KEYS_ONLY",
    }
    assert indexes == _FALLBACK_TABLE["GlobalSecondaryIndexes"]


def test_an_index_copy_of_a_mention_is_small_and_the_queries_still_return_whole_mentions(dynamodb, table):
    store = MentionStore(dynamodb, table)
    stored = mention(1)
    store.put_new(stored)

    for index, partition in (
        ("GSI1", keys.status_pk(MentionStatus.NEW)),
        ("GSI2", keys.brand_bucket("acme", stored.mention.created_at)),
        ("GSI4", keys.author_pk(keys.author_key(stored.mention))),
        ("GSI5", keys.DUE_PAGES),
    ):
        (copy,) = dynamodb.query(
            TableName=table,
            IndexName=index,
            KeyConditionExpression=f"{index}PK = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
        )["Items"]
        assert "mention" not in copy and "sentiment" not in copy and "triage" not in copy
        assert len(str(copy)) < 1024, index  # well under one write unit

    assert store.open_queue(MentionStatus.NEW) == [stored]
    assert store.by_brand("acme", NOW - timedelta(hours=1), NOW) == [stored]
    assert store.unpaged(NOW + timedelta(hours=1)) == [stored]


def test_only_replies_sit_in_the_thread_index_and_a_thread_still_starts_with_its_root(dynamodb, table):
    store = MentionStore(dynamodb, table)
    root = mention(3)
    reply = mention(1, native_id="reply-1", thread=ThreadRef(root_id="3", parent_id="3"))
    store.put_new(root)
    store.put_new(reply)

    (copy,) = dynamodb.query(
        TableName=table,
        IndexName="GSI3",
        KeyConditionExpression="GSI3PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.thread_pk(root.mention.thread_key)}},
    )["Items"]
    assert copy["pk"]["S"] == keys.mention_pk(reply.id)  # the root post has no thread index copy
    assert set(copy) == {"pk", "sk", "GSI3PK", "GSI3SK", "team"}
    assert store.by_thread(root.mention.thread_key) == [root, reply]
    later_reply = mention(0, native_id="reply-2", thread=ThreadRef(root_id="3")).mention
    assert store.triage_context(later_reply).thread_replies_recent == 1


def test_every_filter_of_the_mentions_api_reads_what_its_index_projects(dynamodb, table):
    from mentionwatch.api import planning

    store = MentionStore(dynamodb, table)
    stored = mention(1)
    store.put_new(stored)
    queries = DynamoMentionQueries(dynamodb, table)

    def listed(**criteria: Any) -> list[MentionItem]:
        query_plan = planning.plan(planning.Criteria(**criteria), now=NOW)
        return list(planning.execute(query_plan, queries, 10))

    # A filter on an attribute its index does not project would match nothing (DynamoDB filters the index copy).
    matching = {
        "reaction": (stored.triage.reaction.value, "acknowledge"),
        "team": (stored.triage.team, "nobody"),
        "platform": ("webhook", "x"),
        "sentiment": ("NEGATIVE", "POSITIVE"),
    }
    for brand in (None, "acme"):
        for name, (value, other) in matching.items():
            assert listed(brand=brand, **{name: value}) == [stored], (brand, name)
            assert listed(brand=brand, **{name: other}) == [], (brand, name)
    assert listed(brand="acme", status=MentionStatus.NEW) == [stored]
    assert listed(brand="acme", status=MentionStatus.RESOLVED) == []
    assert listed(brand="acme", severity=stored.triage.severity) == [stored]


def test_a_mention_that_changed_status_since_the_index_answered_is_not_listed_under_its_old_status(dynamodb, table):
    from mentionwatch.api import planning

    store = MentionStore(dynamodb, table)
    stored = mention(1)
    store.put_new(stored)
    key_range = planning.KeyRange(
        index="GSI1", pk_name="GSI1PK", pk_value=keys.status_pk(MentionStatus.NEW), sk_name="GSI1SK", low="0", high="~"
    )
    stale_index = dynamodb.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.status_pk(MentionStatus.NEW)}},
    )
    # The row moves on (acknowledged) while the index, eventually consistent, still lists it as new.
    dynamodb.update_item(
        TableName=table,
        Key={"pk": {"S": keys.mention_pk(stored.id)}, "sk": {"S": keys.MENTION_SK}},
        UpdateExpression="SET GSI1PK = :ack",
        ExpressionAttributeValues={":ack": {"S": keys.status_pk(MentionStatus.ACKNOWLEDGED)}},
    )

    class StaleIndex:
        def query(self, **_: Any) -> dict[str, Any]:
            return stale_index

        batch_get_item = staticmethod(dynamodb.batch_get_item)

    queries = DynamoMentionQueries(StaleIndex(), table)
    assert stale_index["Items"]
    one_range = planning.QueryPlan(ranges=(key_range,), disjoint=True, attribute_filters=(), since=None, until=None)
    assert list(planning.execute(one_range, queries, 10)) == []


def test_a_page_of_the_mentions_api_whose_rows_come_back_in_two_reads_keeps_the_index_order(stubbed):
    from mentionwatch.api import planning

    client, stub = stubbed
    older, newer = mention(2), mention(1)
    rows = {item.id: item.to_item() for item in (older, newer)}
    partition = keys.status_pk(MentionStatus.NEW)
    entries = [
        {name: rows[item.id][name] for name in ("pk", "sk", "GSI1PK", "GSI1SK", "team")} for item in (newer, older)
    ]
    stub.add_response("query", {"Items": entries, "Count": 2, "ScannedCount": 2})
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [rows[older.id]]}, "UnprocessedKeys": {"t": {"Keys": [key_of(newer)]}}},
        {"RequestItems": {"t": {"Keys": [key_of(newer), key_of(older)]}}},
    )
    stub.add_response(
        "batch_get_item",
        {"Responses": {"t": [rows[newer.id]]}},
        {"RequestItems": {"t": {"Keys": [key_of(newer)]}}},
    )
    key_range = planning.KeyRange(
        index="GSI1", pk_name="GSI1PK", pk_value=partition, sk_name="GSI1SK", low="0", high="~"
    )

    one_range = planning.QueryPlan(
        ranges=(key_range,), disjoint=True, attribute_filters=(("team", newer.triage.team),), since=None, until=None
    )
    listed = list(planning.execute(one_range, DynamoMentionQueries(client, "t"), 10))

    assert listed == [newer, older]


def key_of(item: MentionItem) -> dict[str, Any]:
    return {"pk": {"S": keys.mention_pk(item.id)}, "sk": {"S": keys.MENTION_SK}}
