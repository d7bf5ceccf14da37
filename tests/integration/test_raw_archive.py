"""Raw payloads are archived a batch to a row, compressed: a batch's new mentions and edits, not redeliveries of
stored mentions; `mentionwatch raw` finds a mention's payload again; a failed archive write brings back only the
records whose payloads it held."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from mentionwatch import aws
from mentionwatch.cli import EXIT_OK, EXIT_TARGET_MISSED, main
from mentionwatch.exceptions import Throttled
from mentionwatch.models import Author, Match, Mention
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import RawArchiveItem
from tests.support import load_handler, sqs_event


def queued(index: int, text: str | None = None, edited: bool = False) -> QueuedMention:
    mention = Mention(
        platform="webhook",
        native_id=f"raw-{index}",
        text=text or f"Checking in about order {index}, thanks",
        language="en",
        author=Author(handle=f"user{index}", followers=100),
        created_at=datetime(2026, 11, 23, 9, tzinfo=UTC) + timedelta(seconds=index),
        edited_at=datetime(2026, 11, 23, 10, tzinfo=UTC) if edited else None,
        match=Match(brand="acme"),
    )
    payload = {"id": mention.native_id, "text": mention.text, "user": {"screen_name": f"user{index}"}}
    return QueuedMention(source="standard", mention=mention, raw=payload)


def messages(items: list[QueuedMention], batch: str) -> list[dict[str, Any]]:
    return [
        {"MessageId": f"{batch}-{i}", "ReceiptHandle": f"r-{batch}-{i}", "Body": item.model_dump_json()}
        for i, item in enumerate(items)
    ]


def archive_rows(dynamodb: Any, table: str) -> list[RawArchiveItem]:
    items = dynamodb.scan(TableName=table)["Items"]
    return [RawArchiveItem.from_item(item) for item in items if item.get("entity") == {"S": "raw_archive"}]


def test_a_batch_archives_its_new_mentions_in_one_row_and_a_redelivery_is_not_archived_again(
    deployed, dynamodb, table, lambda_context, monkeypatch
):
    process = load_handler("process")
    # Given a batch of 30 new mentions, one of them delivered twice
    first = [queued(i) for i in range(30)] + [queued(3)]
    assert process.lambda_handler(sqs_event(messages(first, "a")), lambda_context) == {"batchItemFailures": []}

    # Then one archive row holds the 30 payloads once each, compressed, with a TTL
    [row] = archive_rows(dynamodb, table)
    assert sorted(payload.mention_id for payload in row.payloads) == sorted(f"webhook:raw-{i}" for i in range(30))
    stored = next(
        item for item in dynamodb.scan(TableName=table)["Items"] if item.get("entity") == {"S": "raw_archive"}
    )
    assert len(stored["payloads"]["B"]) < sum(len(item.model_dump_json()) for item in first) / 3
    assert int(stored["expiration"]["N"]) > datetime.now(UTC).timestamp() + 29 * 86_400

    # When a later batch redelivers two stored mentions and brings an edit of a third and one new mention
    second = [queued(1), queued(2), queued(4, "Edit: all sorted now", edited=True), queued(99)]
    assert process.lambda_handler(sqs_event(messages(second, "b")), lambda_context) == {"batchItemFailures": []}

    # Then only the edit's and the new mention's payloads are archived, in a second row
    rows = archive_rows(dynamodb, table)
    assert len(rows) == 2
    newest = next(each for each in rows if each.batch_id != row.batch_id)
    assert sorted(payload.mention_id for payload in newest.payloads) == ["webhook:raw-4", "webhook:raw-99"]

    # And `mentionwatch raw` prints a mention's payload as the platform sent it; the edit's is the edited one
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    for mention_id, text in (
        ("webhook:raw-7", "Checking in about order 7, thanks"),
        ("webhook:raw-4", "Edit: all sorted now"),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert main(["raw", mention_id], out, err) == EXIT_OK, err.getvalue()
        printed = __import__("json").loads(out.getvalue())
        assert printed["mention_id"] == mention_id and printed["source"] == "standard"
        assert printed["payload"]["text"] == text


def test_raw_for_an_unknown_mention_exits_1_naming_it(deployed, table, monkeypatch):
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    out, err = io.StringIO(), io.StringIO()

    assert main(["raw", "webhook:nope"], out, err) == EXIT_TARGET_MISSED
    assert "no mention 'webhook:nope'" in err.getvalue() and out.getvalue() == ""


def test_a_failed_archive_write_brings_back_its_records_and_the_retry_stores_them(
    deployed, dynamodb, table, lambda_context, monkeypatch
):
    process = load_handler("process")
    assert process.lambda_handler(sqs_event(messages([queued(10)], "s")), lambda_context) == {"batchItemFailures": []}
    items = [queued(i) for i in range(5)]
    # Given a batch of five new mentions and a redelivery of a stored one, and DynamoDB refusing the archive write
    # (throttled past the client's retries)
    real_put = MentionStore.put_raw_archive

    def refused(self: MentionStore, row: RawArchiveItem, compressed: bytes | None = None) -> None:
        raise Throttled("archive write throttled")

    monkeypatch.setattr(MentionStore, "put_raw_archive", refused)
    result = process.lambda_handler(sqs_event(messages([*items, queued(10)], "a")), lambda_context)

    # Then every record whose payload it held comes back (the redelivery does not), and none of those mentions was
    # stored without it
    assert sorted(failure["itemIdentifier"] for failure in result["batchItemFailures"]) == [f"a-{i}" for i in range(5)]
    client = aws.client("dynamodb")
    assert all(
        "Item"
        not in client.get_item(TableName=table, Key={"pk": {"S": f"MENTION#webhook:raw-{i}"}, "sk": {"S": "MENTION"}})
        for i in range(5)
    )

    # When the records come back and the write succeeds
    monkeypatch.setattr(MentionStore, "put_raw_archive", real_put)
    assert process.lambda_handler(sqs_event(messages(items, "b")), lambda_context) == {"batchItemFailures": []}

    # Then all five are stored and archived
    rows = archive_rows(dynamodb, table)
    assert sorted(p.mention_id for row in rows for p in row.payloads) == sorted(
        [f"webhook:raw-{i}" for i in range(5)] + ["webhook:raw-10"]
    )
