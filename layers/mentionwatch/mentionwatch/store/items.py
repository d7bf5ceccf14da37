"""DynamoDB item models, separate from the domain and API models: what a row holds and how it maps back."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, NamedTuple

from boto3.dynamodb.types import TypeDeserializer
from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.lifecycle import LifecycleEvent
from mentionwatch.models import (
    Mention,
    MentionStatus,
    Reaction,
    SentimentResult,
    TriageDecision,
    TriagedMention,
    UtcDatetime,
)
from mentionwatch.store import keys

_deserializer = TypeDeserializer()


def to_attribute_value(value: Any) -> dict[str, Any]:
    """One JSON-able value → its DynamoDB attribute value, directly (no JSON round trip, no boto3 serializer)."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, float):
        return {"N": str(Decimal(repr(value)))}  # the shortest repr, as DynamoDB's JSON reader would take it
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {str(key): to_attribute_value(inner) for key, inner in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute_value(inner) for inner in value]}
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def to_attribute_map(document: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON-able dict → DynamoDB attribute values (floats become numbers, top-level None values are dropped)."""
    return {key: to_attribute_value(value) for key, value in document.items() if value is not None}


def from_attribute_map(item: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        if isinstance(value, dict):
            return {key: plain(inner) for key, inner in value.items()}
        if isinstance(value, list | set | tuple):
            return [plain(inner) for inner in value]
        return value

    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


class AlertRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = "mention"
    channel: str = "sns"
    message_id: str | None = None
    sent_at: UtcDatetime


class AlertState(StrEnum):
    NONE = "none"  # not urgent
    PENDING = "pending"  # urgent, alert not yet confirmed sent
    SENT = "sent"
    MERGED = "merged"  # counted into an open alert (same thread / author, or a storm): nobody paged for it


class MentionItem(BaseModel):
    """The stored row for one mention."""

    model_config = ConfigDict(frozen=True)

    id: str
    mention: Mention
    sentiment: SentimentResult
    triage: TriageDecision
    status: MentionStatus = MentionStatus.NEW
    version: Annotated[int, Field(ge=1)] = 1
    deleted: bool = False
    hidden: bool = False  # hidden on the platform (Meta `hide`): out of the status queues like a deleted one
    hidden_at: UtcDatetime | None = None  # when the hide was received; removed when it is shown again
    deleted_at: UtcDatetime | None = None  # when the deletion was received
    alerts: tuple[AlertRecord, ...] = ()
    alert_state: AlertState = AlertState.NONE
    history: tuple[LifecycleEvent, ...] = ()
    assignee: str | None = None
    acknowledged_at: UtcDatetime | None = None
    acknowledged_by: str | None = None
    responded_at: UtcDatetime | None = None
    resolved_at: UtcDatetime | None = None
    stored_at: UtcDatetime

    @classmethod
    def from_triaged(cls, triaged: TriagedMention, stored_at: datetime) -> MentionItem:
        return cls(
            id=triaged.mention.id,
            mention=triaged.mention,
            sentiment=triaged.sentiment,
            triage=triaged.triage,
            status=triaged.status,
            deleted=triaged.mention.deleted,
            hidden=bool(triaged.mention.hidden),
            alert_state=AlertState.PENDING if triaged.triage.is_urgent else AlertState.NONE,
            stored_at=stored_at,
        )

    @property
    def needs_respond_clock(self) -> bool:
        """A respond mention nobody has answered yet, live on its platform: its respond SLA clock must run."""
        return (
            self.triage.reaction is Reaction.RESPOND
            and bool(self.triage.sla_minutes)
            and self.status in (MentionStatus.NEW, MentionStatus.ACKNOWLEDGED)
            and not (self.deleted or self.hidden)
        )

    def to_triaged(self) -> TriagedMention:
        return TriagedMention(mention=self.mention, sentiment=self.sentiment, triage=self.triage, status=self.status)

    def to_item(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        # Flat copies of what filters and indexes read, beside the nested documents.
        document |= {
            "entity": "mention",
            "platform": self.mention.platform.value,
            "brand": self.mention.match.brand,
            "reaction": self.triage.reaction.value,
            "severity": self.triage.severity.value,
            "category": self.triage.category.value,
            "team": self.triage.team,
            "sentiment_label": self.sentiment.label.value,
            "created_at": keys.iso(self.mention.created_at),
            "received_at": keys.iso(self.mention.received_at),
            "thread_key": self.mention.thread_key,
        }
        document |= keys.mention_keys(self.mention, self.status, self.triage.severity)
        if self.alert_state is AlertState.PENDING:
            # The page intent, written with the mention: until its page is recorded the mention stays in the
            # sparse due index, where the sweeper finds it even if its message went to the DLQ.
            document |= keys.unpaged_keys(self.id, self.stored_at)
        elif self.needs_respond_clock:
            # The clock intent, likewise: the batch starts respond clocks when it ends, so a mention whose clock
            # write failed (and whose message then went to the DLQ) is found and its clock started by the sweeper.
            document |= keys.clock_check_keys(self.id, self.stored_at)
        return to_attribute_map(document)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> MentionItem:
        return cls.model_validate(from_attribute_map(item))


class DueEntry(NamedTuple):
    """An entry of a due-index partition read in order: its sort key (where a sweep has got to) and the mention
    behind it, None when the row has left the partition since (deleted on its platform)."""

    position: str
    item: MentionItem | None


RAW_ARCHIVE_BYTES = 350_000  # compressed payloads in one archive row; DynamoDB's item limit is 400 KB


class RawPayload(BaseModel):
    """One delivery's payload as the platform sent it, and the mention it became."""

    model_config = ConfigDict(frozen=True)

    mention_id: str
    source: str
    payload: Any


class RawArchiveItem(BaseModel):
    """The raw payloads of a batch's new mentions, compressed into one row: about a tenth of the write units of a
    row per payload (a payload is about 0.6 KB, one unit; similar JSON documents compress several times over)."""

    model_config = ConfigDict(frozen=True)

    written_at: UtcDatetime
    batch_id: str
    chunk: int = 0
    payloads: tuple[RawPayload, ...]
    expiration: int  # epoch seconds: DynamoDB TTL removes the archive after it

    def compressed(self) -> bytes:
        document = [payload.model_dump(mode="json") for payload in self.payloads]
        return zlib.compress(json.dumps(document, separators=(",", ":")).encode(), 6)

    def to_item(self, compressed: bytes | None = None) -> dict[str, Any]:
        return to_attribute_map(
            {
                "pk": keys.raw_archive_pk(self.written_at),
                "sk": keys.raw_archive_sk(self.written_at, self.batch_id, self.chunk),
                "entity": "raw_archive",
                "count": len(self.payloads),
                "expiration": self.expiration,
            }
        ) | {"payloads": {"B": compressed if compressed is not None else self.compressed()}}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RawArchiveItem:
        written_at, batch_id, chunk = item["sk"]["S"].split("#")
        document = json.loads(zlib.decompress(item["payloads"]["B"]))
        return cls(
            written_at=keys.from_iso(written_at),
            batch_id=batch_id,
            chunk=int(chunk),
            payloads=tuple(RawPayload.model_validate(payload) for payload in document),
            expiration=int(item["expiration"]["N"]),
        )


def raw_archive_rows(
    payloads: Sequence[RawPayload], written_at: datetime, batch_id: str, expiration: int
) -> list[tuple[RawArchiveItem, bytes]]:
    """The rows that archive `payloads`, each with its compressed payloads: one row, or halves (recursively) while a
    row would pass RAW_ARCHIVE_BYTES. A single payload too large alone is archived as its size and digest."""
    rows: list[tuple[RawArchiveItem, bytes]] = []

    def archive(part: Sequence[RawPayload]) -> None:
        row = RawArchiveItem(
            written_at=written_at, batch_id=batch_id, chunk=len(rows), payloads=tuple(part), expiration=expiration
        )
        compressed = row.compressed()
        if len(compressed) <= RAW_ARCHIVE_BYTES:
            rows.append((row, compressed))
        elif len(part) > 1:
            archive(part[: len(part) // 2])
            archive(part[len(part) // 2 :])
        else:
            text = json.dumps(part[0].payload, separators=(",", ":")).encode()
            summary = {"truncated": True, "bytes": len(text), "sha256": hashlib.sha256(text).hexdigest()}
            archive([part[0].model_copy(update={"payload": summary})])

    if payloads:
        archive(payloads)
    return rows
