"""DynamoDB adapter for mentions. The only module that talks to the table for the pipeline."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from mentionwatch.exceptions import AlreadyStored, NotFound, VersionConflict
from mentionwatch.lifecycle import LifecycleEvent
from mentionwatch.models import Mention, MentionStatus, TriageContext
from mentionwatch.store import keys
from mentionwatch.store.batch import batch_put, key_id, query_pages, rows_for
from mentionwatch.store.errors import CONDITION_FAILED, DYNAMODB_ERRORS, error_code, translate
from mentionwatch.store.items import (
    AlertRecord,
    AlertState,
    DueEntry,
    MentionItem,
    RawArchiveItem,
    RawPayload,
    to_attribute_map,
)

logger = Logger(child=True)

THREAD_WINDOW = timedelta(minutes=30)
AUTHOR_WINDOW = timedelta(hours=24)
# A mention's payload is archived by the invocation that stores it, seconds before; an hour covers a slow batch.
RAW_ARCHIVE_LOOKBACK = timedelta(hours=1)
CLOCK_SWEEP_KEY = {"pk": {"S": "SWEEP#respond"}, "sk": {"S": "SWEEP"}}  # how far the respond-clock sweep has got
# The sweep passes only entries due this long ago: one written late (a slow index, a host's clock behind) is
# still ahead of its position when it shows up. Entries are due `PAGE_GRACE` after their mention was stored.
CLOCK_SWEEP_LAG = timedelta(minutes=1)


class MentionStore:
    def __init__(self, client: Any, table_name: str, sleep: Any = time.sleep) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

    def stored_ids(self, mention_ids: Sequence[str]) -> set[str]:
        """Which of these mentions already have a row: redeliveries are not scored again."""
        from mentionwatch.store.scores_dynamodb import stored_mention_ids

        return stored_mention_ids(self._client, self._table, mention_ids, self._sleep)

    # --- writes --------------------------------------------------------------------------------------
    def put_new(self, item: MentionItem) -> None:
        """Store a mention the first time it is seen. Raises `AlreadyStored` on a redelivery."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=item.to_item(),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise AlreadyStored(f"mention {item.id} is already stored") from err
            raise translate(err, "put_item") from err

    def put_raw_archive(self, row: RawArchiveItem, compressed: bytes | None = None) -> None:
        """Write one archive row of raw payloads (unconditional: a retried batch archives its payloads again, in a
        row of its own, which is harmless)."""
        try:
            self._client.put_item(TableName=self._table, Item=row.to_item(compressed))
        except DYNAMODB_ERRORS as err:
            raise translate(err, "put_item") from err

    def raw_payload(self, mention: MentionItem) -> RawPayload | None:
        """The raw payload behind a stored mention's current content: the newest archive that holds it, written
        within an hour of the mention's last delivery (`received_at`, moved by an edit) or of its storing (a batch
        archives its new mentions' payloads and its edits' before it stores them)."""
        low = mention.mention.received_at - RAW_ARCHIVE_LOOKBACK
        high = max(mention.mention.received_at, mention.stored_at) + RAW_ARCHIVE_LOOKBACK
        mention_id = mention.id
        partitions = []  # the hour partitions of the window, newest first
        hour = high.replace(minute=0, second=0, microsecond=0)
        while hour >= low.replace(minute=0, second=0, microsecond=0):
            partitions.append(keys.raw_archive_pk(hour))
            hour -= timedelta(hours=1)
        for partition in partitions:
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": {"S": partition},
                    ":low": {"S": keys.iso(low)},
                    ":high": {"S": keys.iso(high) + "~"},
                },
                "ScanIndexForward": False,
            }
            for page in query_pages(self._client, request):
                for item in page.get("Items", []):
                    for payload in RawArchiveItem.from_item(item).payloads:
                        if payload.mention_id == mention_id:
                            return payload
        return None

    def link_versions(self, mention: Mention) -> None:
        """Point each other version id of an edited post at its mention (unconditional: rewriting a link is
        harmless, so a redelivered edit just writes it again)."""
        links = [
            to_attribute_map(
                {
                    "pk": keys.mention_pk(f"{mention.platform.value}:{version}"),
                    "sk": keys.VERSION_SK,
                    "entity": "version_link",
                    "mention_id": mention.id,
                }
            )
            for version in mention.versions
        ]
        batch_put(self._client, self._table, links, "version links", self._sleep)

    def version_of(self, mention_id: str) -> str | None:
        """The mention that `mention_id` is a version of (an edit of a post stored under its first id), if any."""
        key = {"pk": {"S": keys.mention_pk(mention_id)}, "sk": {"S": keys.VERSION_SK}}
        try:
            response = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        item = response.get("Item")
        return str(item["mention_id"]["S"]) if item else None

    def mark_deleted(self, mention: Mention) -> bool:
        """Mark a stored mention deleted on the platform. Returns False if it was never stored."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(mention.id),
                # Out of the status queues (GSI1 is sparse) and the due pages (GSI5): a deleted post needs nobody's
                # attention and pages nobody.
                UpdateExpression="SET deleted = :true, #m.deleted = :true, deleted_at = :at, version = version + :one "
                "REMOVE GSI1PK, GSI1SK, GSI5PK, GSI5SK",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#m": "mention"},
                ExpressionAttributeValues=to_attribute_map(
                    {":true": True, ":at": keys.iso(mention.received_at), ":one": 1}
                ),
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "update_item") from err
        return True

    def set_hidden(self, mention: Mention, hidden: bool) -> bool:
        """Hidden on the platform (Meta `hide`): out of the status queues; shown again (`unhide`): back in its
        status queue. Returns False if the mention was never stored."""
        if hidden:
            expression = "SET #hidden = :hidden, #m.#hidden = :hidden, hidden_at = :at REMOVE GSI1PK, GSI1SK"
            values: dict[str, Any] = {":hidden": True, ":at": keys.iso(mention.received_at)}
        else:
            stored = self.get(mention.id, consistent=True)
            if stored is None:
                return False
            queue = keys.mention_keys(stored.mention, stored.status, stored.triage.severity)
            if stored.deleted:  # a deleted post stays out of the queues even when shown again
                expression = "SET #hidden = :hidden, #m.#hidden = :hidden REMOVE hidden_at"
                values = {":hidden": False}
            else:
                expression = (
                    "SET #hidden = :hidden, #m.#hidden = :hidden, GSI1PK = :qpk, GSI1SK = :qsk REMOVE hidden_at"
                )
                values = {":hidden": False, ":qpk": queue["GSI1PK"], ":qsk": queue["GSI1SK"]}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(mention.id),
                UpdateExpression=expression.replace("SET ", "SET version = version + :one, ", 1),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#m": "mention", "#hidden": "hidden"},  # HIDDEN is a reserved word
                ExpressionAttributeValues=to_attribute_map(values | {":one": 1}),
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "update_item") from err
        return True

    def update_content(self, mention: Mention) -> bool:
        """An edit on the platform: replace the stored text and counts, unless a newer delivery got there first.

        The triage decision stays as it was (a person may already be working on it). Returns False when the stored
        copy is newer, missing or deleted on its platform.
        """
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(mention.id),
                UpdateExpression="SET #m = :mention, received_at = :received, edited_at = :received, "
                "version = version + :one",
                # A deleted mention stays deleted: a late edit must not overwrite the nested `deleted` flag.
                ConditionExpression="attribute_exists(pk) AND received_at < :received AND "
                "(attribute_not_exists(deleted) OR deleted = :false)",
                ExpressionAttributeNames={"#m": "mention"},
                ExpressionAttributeValues=to_attribute_map(
                    {
                        ":mention": mention.model_dump(mode="json"),
                        ":received": keys.iso(mention.received_at),
                        ":one": 1,
                        ":false": False,
                    }
                ),
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "update_item") from err
        return True

    def record_alert(self, mention_id: str, alert: AlertRecord, state: AlertState = AlertState.SENT) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(mention_id),
                UpdateExpression="SET alerts = list_append(if_not_exists(alerts, :empty), :alert), alert_state = :sent "
                "REMOVE GSI5PK, GSI5SK",  # the page intent is fulfilled: out of the due index
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={
                    ":sent": {"S": state.value},
                    ":empty": {"L": []},
                    ":alert": {"L": [{"M": to_attribute_map(alert.model_dump(mode="json"))}]},
                },
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "update_item") from err

    def apply(self, mention_id: str, expected_version: int, event: LifecycleEvent) -> MentionItem:
        """Apply one workflow step atomically: only if the stored version is `expected_version`.

        Moves the mention between queue partitions (GSI1) when its status changes and appends to its history.
        Raises `NotFound`, or `VersionConflict` when someone else changed it first.
        """
        current = self.get(mention_id, consistent=True)
        if current is None:
            raise NotFound(f"mention {mention_id!r} does not exist", field="id")
        names = {"#status": "status", "#history": "history", "#version": "version"}
        values: dict[str, Any] = {
            ":status": event.to_status.value,
            ":gsi1pk": keys.status_pk(event.to_status),
            ":expected": expected_version,
            ":one": 1,
            ":event": [event.model_dump(mode="json")],
            ":empty": [],
        }
        sets = [
            "#status = :status",
            "GSI1PK = :gsi1pk",
            "#version = #version + :one",
            "#history = list_append(if_not_exists(#history, :empty), :event)",
        ]
        stamps = {
            MentionStatus.ACKNOWLEDGED: ("acknowledged_at", "acknowledged_by"),
            MentionStatus.RESPONDED: ("responded_at", None),
            MentionStatus.RESOLVED: ("resolved_at", None),
        }
        if event.to_status in stamps and event.from_status != event.to_status:
            at_field, by_field = stamps[event.to_status]
            sets.append(f"{at_field} = if_not_exists({at_field}, :at)")
            values[":at"] = keys.iso(event.at)
            if by_field:
                sets.append(f"{by_field} = if_not_exists({by_field}, :actor)")
                values[":actor"] = event.actor
        if event.assignee is not None:
            sets.append("assignee = :assignee")
            values[":assignee"] = event.assignee
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(mention_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="attribute_exists(pk) AND #version = :expected",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_attribute_map(values),
                ReturnValues="ALL_NEW",
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise VersionConflict(
                    f"mention {mention_id!r} changed since version {expected_version}; fetch it and retry",
                    field="version",
                ) from err
            raise translate(err, "update_item") from err
        return MentionItem.from_item(response["Attributes"])

    # --- reads ---------------------------------------------------------------------------------------
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None:
        try:
            response = self._client.get_item(
                TableName=self._table, Key=self._key(mention_id), ConsistentRead=consistent
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        item = response.get("Item")
        return MentionItem.from_item(item) if item else None

    def triage_context(self, mention: Mention) -> TriageContext:
        """Replies in the same thread lately and the author's mentions today (both excluding this one)."""
        thread_replies = 0
        if keys.is_reply(mention):
            thread_replies = self._count_since(
                "GSI3", "GSI3PK", keys.thread_pk(mention.thread_key), mention.created_at - THREAD_WINDOW
            )
        author_mentions = self._count_since(
            "GSI4", "GSI4PK", keys.author_pk(keys.author_key(mention)), mention.created_at - AUTHOR_WINDOW
        )
        return TriageContext(thread_replies_recent=thread_replies, author_mentions_today=author_mentions)

    def unpaged(self, now: datetime, limit: int = 50) -> list[MentionItem]:
        """Urgent mentions stored more than `PAGE_GRACE` ago whose page is still not recorded (GSI5 `DUE#page`)."""
        return self._due(keys.DUE_PAGES, now, limit)

    def unclocked(self, now: datetime, limit: int = 50) -> list[DueEntry]:
        """Respond mentions stored more than `PAGE_GRACE` + `CLOCK_SWEEP_LAG` ago that the clock sweep has not passed
        yet, oldest first (GSI5 `DUE#respond` after the sweep's position). The entries stay in the index: the sweep
        moves its position past them (`clocks_checked_through`) instead of rewriting each row, two write units and
        an index delete a respond mention."""
        position = self._clock_sweep_position()
        upper = keys.iso(now - CLOCK_SWEEP_LAG) + "#\uffff"
        if position is not None and position >= upper:
            return []
        condition = "GSI5PK = :pk AND " + ("GSI5SK <= :now" if position is None else "GSI5SK BETWEEN :after AND :now")
        values = {":pk": {"S": keys.DUE_CLOCK_CHECKS}, ":now": {"S": upper}}
        if position is not None:
            values[":after"] = {"S": position}  # inclusive: the entry at the position itself is dropped below
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName="GSI5",
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
                Limit=limit + 1,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        entries = [entry for entry in response.get("Items", []) if entry["GSI5SK"]["S"] != position][:limit]
        rows = {
            key_id(row): MentionItem.from_item(row)
            for row in rows_for(
                self._client,
                self._table,
                entries,
                "respond mentions",
                self._sleep,
                member_of=("GSI5PK", keys.DUE_CLOCK_CHECKS),
                consistent=True,
            )
        }
        return [DueEntry(position=entry["GSI5SK"]["S"], item=rows.get(key_id(entry))) for entry in entries]

    def clocks_checked_through(self, position: str) -> None:
        """The clock sweep has checked every respond mention up to `position` (a GSI5 sort key). Never moves back:
        a sweep that overlapped a later one leaves the later one's position."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=CLOCK_SWEEP_KEY,
                UpdateExpression="SET #through = :position, entity = :entity",
                ConditionExpression="attribute_not_exists(#through) OR #through < :position",
                ExpressionAttributeNames={"#through": "through"},
                ExpressionAttributeValues={":position": {"S": position}, ":entity": {"S": "clock_sweep"}},
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return
            raise translate(err, "update_item") from err

    def _clock_sweep_position(self) -> str | None:
        try:
            response = self._client.get_item(TableName=self._table, Key=CLOCK_SWEEP_KEY, ConsistentRead=True)
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        through = response.get("Item", {}).get("through", {}).get("S")
        return str(through) if through else None

    def open_queue(self, status: MentionStatus = MentionStatus.NEW, limit: int = 50) -> list[MentionItem]:
        """The queue for a status: critical first, newest first within a severity."""
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :pk",
                ExpressionAttributeValues={":pk": {"S": keys.status_pk(status)}},
                ScanIndexForward=False,
                Limit=limit,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        return self._rows(response.get("Items", []), ("GSI1PK", keys.status_pk(status)))

    def by_brand(self, brand: str, start: datetime, end: datetime) -> list[MentionItem]:
        """Mentions of a brand created in [start, end), oldest first, across the month buckets."""
        items: list[MentionItem] = []
        for bucket in _months(start, end):
            items.extend(
                self._query_all(
                    "GSI2",
                    "GSI2PK = :pk AND GSI2SK BETWEEN :start AND :end",
                    {
                        ":pk": {"S": keys.brand_bucket(brand, bucket)},
                        ":start": {"S": keys.iso(start)},
                        ":end": {"S": keys.iso(end)},
                    },
                )
            )
        return [item for item in items if item.mention.created_at < end]

    def by_thread(self, thread_key: str) -> list[MentionItem]:
        """A conversation, oldest first: its root post (read by its id, the thread key), then the replies (GSI3)."""
        replies = self._query_all("GSI3", "GSI3PK = :pk", {":pk": {"S": keys.thread_pk(thread_key)}})
        root = self.get(thread_key)
        return ([root] if root is not None else []) + [item for item in replies if item.id != thread_key]

    # --- helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _key(mention_id: str) -> dict[str, Any]:
        return {"pk": {"S": keys.mention_pk(mention_id)}, "sk": {"S": keys.MENTION_SK}}

    def _count_since(self, index: str, pk_name: str, pk_value: str, since: datetime) -> int:
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName=index,
                KeyConditionExpression=f"{pk_name} = :pk AND {index}SK >= :since",
                ExpressionAttributeValues={":pk": {"S": pk_value}, ":since": {"S": keys.iso(since)}},
                Select="COUNT",
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        return int(response.get("Count", 0))

    def _query_all(self, index: str, condition: str, values: dict[str, Any]) -> list[MentionItem]:
        items: list[MentionItem] = []
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        for page in query_pages(self._client, request):
            items.extend(self._rows(page.get("Items", [])))
        return items

    def _due(self, partition: str, now: datetime, limit: int) -> list[MentionItem]:
        """Due work in GSI5 (keys only), read from the rows; a row whose work was done meanwhile is left out."""
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName="GSI5",
                KeyConditionExpression="GSI5PK = :pk AND GSI5SK <= :now",
                ExpressionAttributeValues={":pk": {"S": partition}, ":now": {"S": keys.iso(now) + "#\uffff"}},
                Limit=limit,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        return self._rows(response.get("Items", []), ("GSI5PK", partition), consistent=True)

    def _rows(
        self, index_items: Sequence[dict[str, Any]], member_of: tuple[str, str] | None = None, consistent: bool = False
    ) -> list[MentionItem]:
        """The mentions behind index entries (the indexes hold keys and filter attributes, not the row)."""
        rows = rows_for(
            self._client, self._table, index_items, "mentions", self._sleep, member_of=member_of, consistent=consistent
        )
        return [MentionItem.from_item(row) for row in rows]


def _months(start: datetime, end: datetime) -> Iterable[datetime]:
    cursor = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while cursor < end:
        yield cursor
        cursor = (
            cursor.replace(year=cursor.year + 1, month=1)
            if cursor.month == 12
            else cursor.replace(month=cursor.month + 1)
        )
