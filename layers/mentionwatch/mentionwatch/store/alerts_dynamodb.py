"""DynamoDB adapter for alerting, in the mentions table. Every race is settled by a conditional write.

Item families (pk / sk):
- alert:        `ALERT#<dedup key>` / `GEN#<generation, 6 digits>`: one item per opening; the newest is current
- ack link:     `ACK#<link id>` / `ACK` → the alert generation it acknowledges (TTL `expiration`)
- SLA clock:    `SLA#<clock id>` / `SLA`
- SLA breach:   `BREACH#<brand>#<deadline YYYY-MM-DD>` / `<deadline>#<clock id>`: one per clock and deadline,
                written once (conditional), so a retried escalation run records it once; the digest reads a day's
                breaches
- digest sent:  `DIGEST#<brand>#<YYYY-MM-DD>` / `DIGEST`: claimed (conditional) before a brand's digest is
                published, deleted if publishing fails, so a retried digest run sends each brand once (TTL)
- volume:       `VOL#<brand>` / `H#<YYYY-MM-DDTHH>`: hourly counters (total, sentiment, platform, negative by
                category) that spike detection and the digest read
- urgent count: `URGENT#<brand>` / `M#<YYYY-MM-DDTHH:MM>`: per-minute counter of urgent mentions (storms; TTL)
- brands:       `BRANDS` / `BRANDS`: string set of every brand seen
- incident:     `INCIDENT#<key>` / `GEN#<generation, 6 digits>`: the newest is current; the document in `doc`;
                GSI1 `INCIDENTS#<opened YYYY-MM-DD>` / `<opened at>#<key>#<generation>` lists a day's incidents
- SLA summary:  `SLASUM#<team>` / `<interval start>`: the warnings and breaches of one team in one interval,
                sent once when the interval ends
GSI5 (sparse) holds only work that is due: `DUE#alert` (pending deliveries, by lease expiry), `DUE#sla` (open
clocks, by next due time) and `DUE#slasum` (SLA summaries, by interval end). Scheduled jobs query it; nothing
scans.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, NamedTuple

from mentionwatch.alerts.records import AckLink, Alert, Breach, DeliveryState, Incident, SlaClock, SummaryEntry
from mentionwatch.exceptions import AlreadyStored, VersionConflict
from mentionwatch.models import TriagedMention
from mentionwatch.store.batch import batch_get, batch_put, query_pages, rows_for
from mentionwatch.store.errors import CONDITION_FAILED, DYNAMODB_ERRORS, error_code, translate
from mentionwatch.store.items import from_attribute_map, to_attribute_map
from mentionwatch.store.keys import MENTION_SK, brand_bucket, due_of, from_iso, iso, mention_pk, thread_pk

DUE_ALERTS = "DUE#alert"
DUE_CLOCKS = "DUE#sla"
DUE_SUMMARIES = "DUE#slasum"
BRANDS_KEY = {"pk": {"S": "BRANDS"}, "sk": {"S": "BRANDS"}}
URGENT_COUNTER_TTL = timedelta(days=2)
DIGEST_MARKER_TTL = timedelta(days=4)


def _plain(value: Any) -> Any:
    """Model dump → DynamoDB-ready values: fixed-width UTC timestamps (string order = time order), enum values."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(inner) for inner in value]
    return value


def alert_pk(dedup_key: str) -> str:
    return f"ALERT#{dedup_key}"


def generation_sk(generation: int) -> str:
    return f"GEN#{generation:06d}"


def hour_bucket(moment: datetime) -> str:
    return f"H#{moment:%Y-%m-%dT%H}"


def minute_bucket(moment: datetime) -> str:
    return f"M#{moment:%Y-%m-%dT%H:%M}"


SUMMARY_ENTRIES = 50  # entries kept in an SLA summary row (about 20 KB); later ones are counted


class DueSummary(NamedTuple):
    team: str
    start: datetime
    entries: list[SummaryEntry]
    more: dict[str, int]  # entries past SUMMARY_ENTRIES, by action ("warning", "breach")
    more_brands: frozenset[str]


class AlertStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # --- alerts ----------------------------------------------------------------------------------------
    def _alert_item(self, alert: Alert) -> dict[str, Any]:
        document = _plain(alert.model_dump(mode="python", exclude={"message"}))
        document |= {
            "pk": alert_pk(alert.dedup_key),
            "sk": generation_sk(alert.generation),
            "entity": "alert",
            "message": alert.message.model_dump_json(),
        }
        if alert.state is DeliveryState.PENDING:
            document |= {"GSI5PK": DUE_ALERTS, "GSI5SK": f"{iso(alert.lease_until)}#{alert.dedup_key}"}
        return to_attribute_map(document)

    @staticmethod
    def _alert(item: dict[str, Any]) -> Alert:
        document = from_attribute_map(item)
        document["message"] = json.loads(document["message"])
        return Alert.model_validate(document)

    def current_alert(self, dedup_key: str) -> Alert | None:
        try:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :gen)",
                ExpressionAttributeValues={":pk": {"S": alert_pk(dedup_key)}, ":gen": {"S": "GEN#"}},
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        items = response.get("Items", [])
        return self._alert(items[0]) if items else None

    def get_alert(self, dedup_key: str, generation: int) -> Alert | None:
        try:
            response = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": alert_pk(dedup_key)}, "sk": {"S": generation_sk(generation)}},
                ConsistentRead=True,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        return self._alert(response["Item"]) if "Item" in response else None

    def open_alert(self, alert: Alert) -> None:
        """Write a new generation. Raises `AlreadyStored` when another invocation opened it first."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._alert_item(alert),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise AlreadyStored(f"alert {alert.target} is already open") from err
            raise translate(err, "put_item") from err

    def merge_into(self, alert: Alert, mention_id: str | None, now: datetime) -> Alert | None:
        """Count one more match into an open alert. None when it has cooled down or already holds the mention."""
        sets = ["#count = #count + :one", "last_seen_at = :now"]
        condition = "attribute_exists(pk) AND cooldown_until > :now"
        values: dict[str, Any] = {":one": 1, ":now": iso(now)}
        if mention_id is not None:
            sets.append("mention_ids = list_append(if_not_exists(mention_ids, :empty), :ids)")
            condition += " AND NOT contains(mention_ids, :mid)"
            values |= {":ids": [mention_id], ":empty": [], ":mid": mention_id}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": alert_pk(alert.dedup_key)}, "sk": {"S": generation_sk(alert.generation)}},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues=to_attribute_map(values),
                ReturnValues="ALL_NEW",
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return None
            raise translate(err, "update_item") from err
        return self._alert(response["Attributes"])

    def claim_delivery(self, alert: Alert, now: datetime, lease: timedelta) -> bool:
        """Take the right to publish a pending alert for `lease`: one invocation at a time, never a sent one."""
        until = now + lease
        return self._update_alert(
            alert,
            "SET lease_until = :until, GSI5SK = :due, attempts = attempts + :one",
            "#state = :pending AND lease_until <= :now",
            {
                ":until": iso(until),
                ":due": f"{iso(until)}#{alert.dedup_key}",
                ":one": 1,
                ":pending": DeliveryState.PENDING.value,
                ":now": iso(now),
            },
        )

    def mark_publishing(self, alert: Alert, now: datetime) -> bool:
        """Record the intent to publish before publishing: if the outcome is never recorded (the invocation died,
        DynamoDB failed), whoever delivers it next knows a page may already have gone out and checks first."""
        return self._update_alert(
            alert, "SET publishing_since = :now", "#state = :pending", {":now": iso(now), ":pending": "pending"}
        )

    def recorded_page(self, alert: Alert) -> str | None:
        """The SNS message id a mention of `alert` recorded for it (written by the pipeline after a publish), if
        any: proof that an alert whose own outcome write failed was published."""
        for mention_id in alert.mention_ids[:1]:
            try:
                response = self._client.get_item(
                    TableName=self._table,
                    Key={"pk": {"S": mention_pk(mention_id)}, "sk": {"S": MENTION_SK}},
                    ProjectionExpression="alerts",
                    ConsistentRead=True,
                )
            except DYNAMODB_ERRORS as err:
                raise translate(err, "get_item") from err
            for record in from_attribute_map(response.get("Item", {})).get("alerts", []):
                if record.get("channel") == "sns" and record.get("message_id") and record.get("kind") == alert.kind:
                    return str(record["message_id"])
        return None

    def mark_sent(self, alert: Alert, message_id: str, now: datetime) -> bool:
        return self._update_alert(
            alert,
            "SET #state = :sent, sent_at = :now, message_id = :mid REMOVE GSI5PK, GSI5SK, last_error, publishing_since",
            "#state = :pending",
            {
                ":sent": DeliveryState.SENT.value,
                ":now": iso(now),
                ":mid": message_id,
                ":pending": DeliveryState.PENDING.value,
            },
        )

    def release_delivery(self, alert: Alert, error: str, now: datetime) -> bool:
        """Publishing failed: make it due at once for the next sweeper run."""
        return self._update_alert(
            alert,
            "SET lease_until = :now, GSI5SK = :due, last_error = :error REMOVE publishing_since",
            "#state = :pending",
            {
                ":now": iso(now),
                ":due": f"{iso(now)}#{alert.dedup_key}",
                ":error": error[:500],
                ":pending": DeliveryState.PENDING.value,
            },
        )

    def acknowledge_alert(self, alert: Alert, actor: str, via: str, now: datetime) -> bool:
        """True if this call acknowledged it; False if it already was (nothing changes then)."""
        return self._update_alert(
            alert,
            "SET acknowledged_at = :now, acknowledged_by = :actor, acknowledged_via = :via",
            "attribute_exists(pk) AND attribute_not_exists(acknowledged_at)",
            {":now": iso(now), ":actor": actor, ":via": via},
        )

    def due_alerts(self, now: datetime, limit: int = 100) -> list[Alert]:
        return [self._alert(item) for item in self._due(DUE_ALERTS, now, limit)]

    def _update_alert(self, alert: Alert, expression: str, condition: str, values: dict[str, Any]) -> bool:
        names = {name: name[1:] for name in ("#state",) if name in expression or name in condition}
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"pk": {"S": alert_pk(alert.dedup_key)}, "sk": {"S": generation_sk(alert.generation)}},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_attribute_map(values),
        }
        if names:
            request["ExpressionAttributeNames"] = names
        try:
            self._client.update_item(**request)
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "update_item") from err
        return True

    # --- acknowledge links -----------------------------------------------------------------------------
    def put_ack_link(self, link: AckLink) -> None:
        document = _plain(link.model_dump(mode="python")) | {
            "pk": f"ACK#{link.link_id}",
            "sk": "ACK",
            "entity": "ack_link",
            "expiration": int((link.expires_at + timedelta(days=7)).timestamp()),
        }
        try:
            self._client.put_item(TableName=self._table, Item=to_attribute_map(document))
        except DYNAMODB_ERRORS as err:
            raise translate(err, "put_item") from err

    def get_ack_link(self, link_id: str) -> AckLink | None:
        try:
            response = self._client.get_item(
                TableName=self._table, Key={"pk": {"S": f"ACK#{link_id}"}, "sk": {"S": "ACK"}}, ConsistentRead=True
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        return AckLink.model_validate(from_attribute_map(response["Item"])) if "Item" in response else None

    # --- SLA clocks and breaches -------------------------------------------------------------------------
    def _clock_item(self, clock: SlaClock) -> dict[str, Any]:
        document = _plain(clock.model_dump(mode="python")) | {
            "pk": f"SLA#{clock.clock_id}",
            "sk": "SLA",
            "entity": "sla_clock",
        }
        if clock.state.value == "open":
            document |= {"GSI5PK": DUE_CLOCKS, "GSI5SK": f"{iso(clock.next_due)}#{clock.clock_id}"}
        return to_attribute_map(document)

    def start_clock(self, clock: SlaClock) -> bool:
        """False if the clock already exists (a redelivery): the first start wins."""
        try:
            self._client.put_item(
                TableName=self._table, Item=self._clock_item(clock), ConditionExpression="attribute_not_exists(pk)"
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "put_item") from err
        return True

    def start_clocks(self, clocks: Sequence[SlaClock]) -> None:
        """Start the clocks of mentions this invocation has just stored, 25 a request. Unconditional: only the
        invocation whose conditional put stored a mention starts its clock (a redelivery uses `start_clock`)."""
        batch_put(self._client, self._table, [self._clock_item(clock) for clock in clocks], "SLA clocks")

    def save_clock(self, clock: SlaClock, expected_version: int) -> None:
        """Replace a clock only if nobody changed it since `expected_version` (two job runs cannot both page)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._clock_item(clock.model_copy(update={"version": expected_version + 1})),
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise VersionConflict(f"SLA clock {clock.clock_id} changed meanwhile", field="version") from err
            raise translate(err, "put_item") from err

    def existing_clocks(self, clock_ids: Sequence[str]) -> set[str]:
        """Which of these clocks exist: one strongly consistent BatchGetItem a hundred, returning only their keys
        (read units are billed on the whole item either way; the request count is what this saves)."""
        keys = [_clock_key(clock_id) for clock_id in clock_ids]
        rows = batch_get(self._client, self._table, keys, "SLA clocks", projection="pk", consistent=True)
        return {str(row["pk"]["S"]).removeprefix("SLA#") for row in rows}

    def get_clock(self, clock_id: str) -> SlaClock | None:
        try:
            response = self._client.get_item(TableName=self._table, Key=_clock_key(clock_id), ConsistentRead=True)
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        return SlaClock.model_validate(from_attribute_map(response["Item"])) if "Item" in response else None

    def due_clocks(self, now: datetime, limit: int = 100) -> list[SlaClock]:
        return [SlaClock.model_validate(from_attribute_map(item)) for item in self._due(DUE_CLOCKS, now, limit)]

    def record_breach(self, breach: Breach) -> bool:
        """Record a clock's breach once: keyed on its deadline, so a retry is a no-op. True if this call wrote it."""
        document = _plain(breach.model_dump(mode="python")) | {
            "pk": f"BREACH#{breach.brand}#{breach.deadline:%Y-%m-%d}",
            "sk": f"{iso(breach.deadline)}#{breach.clock_id}",
            "entity": "sla_breach",
        }
        try:
            self._client.put_item(
                TableName=self._table, Item=to_attribute_map(document), ConditionExpression="attribute_not_exists(pk)"
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "put_item") from err
        return True

    def breaches(self, brand: str, day: date) -> list[Breach]:
        return [
            Breach.model_validate(from_attribute_map(item))
            for item in self._query_all(
                {
                    "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": f"BREACH#{brand}#{day:%Y-%m-%d}"}},
                }
            )
        ]

    # --- digest markers ------------------------------------------------------------------------------------
    @staticmethod
    def _digest_key(brand: str, day: date) -> dict[str, Any]:
        return {"pk": {"S": f"DIGEST#{brand}#{day:%Y-%m-%d}"}, "sk": {"S": "DIGEST"}}

    def claim_digest(self, brand: str, day: date, now: datetime) -> bool:
        """Take the right to send `brand`'s digest of `day`. False if it was sent (or is being sent) already."""
        item = self._digest_key(brand, day) | {
            "entity": {"S": "digest_marker"},
            "claimed_at": {"S": iso(now)},
            "expiration": {"N": str(int((now + DIGEST_MARKER_TTL).timestamp()))},
        }
        try:
            self._client.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                return False
            raise translate(err, "put_item") from err
        return True

    def release_digest(self, brand: str, day: date) -> None:
        """Publishing failed: give the claim back so a retried run sends the digest."""
        try:
            self._client.delete_item(TableName=self._table, Key=self._digest_key(brand, day))
        except DYNAMODB_ERRORS as err:
            raise translate(err, "delete_item") from err

    # --- counters ----------------------------------------------------------------------------------------
    def count_mention(self, triaged: TriagedMention) -> None:
        self.count_mentions([triaged])

    def count_mentions(self, batch: Sequence[TriagedMention]) -> None:
        """Hourly volume of a brand: total, by sentiment, by platform, negative by category. One write per brand
        and hour of the batch (not per mention). Adds the brand to the brand list when an hour bucket is new."""
        buckets: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for triaged in batch:
            mention = triaged.mention
            counts = buckets[(mention.match.brand, hour_bucket(mention.created_at))]
            counts.update(["total", f"sent#{triaged.sentiment.label.value}", f"plat#{mention.platform.value}"])
            if triaged.sentiment.label.value == "NEGATIVE":
                counts.update(["neg", f"negcat#{triaged.triage.category.value}"])
        for (brand, bucket), counts in buckets.items():
            self._add_counts(brand, bucket, counts)

    def _add_counts(self, brand: str, bucket: str, counts: Counter[str]) -> None:
        names = {f"#c{i}": name for i, name in enumerate(counts)}
        values = {f":v{i}": {"N": str(counts[name])} for i, name in enumerate(counts)}
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"VOL#{brand}"}, "sk": {"S": bucket}},
                UpdateExpression="ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(counts))),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",
            )
            if response.get("Attributes", {}).get("total", {}).get("N") == str(counts["total"]):
                self._client.update_item(
                    TableName=self._table,
                    Key=BRANDS_KEY,
                    UpdateExpression="ADD brands :brand",
                    ExpressionAttributeValues={":brand": {"SS": [brand]}},
                )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "update_item") from err

    def hourly_volume(self, brand: str, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
        """`{"H#2026-11-23T09": {"total": 12, "neg": 3, "negcat#complaint": 2, …}}` for hours in [start, end)."""
        items = self._query_all(
            {
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"VOL#{brand}"},
                    ":start": {"S": hour_bucket(start)},
                    ":end": {"S": hour_bucket(end - timedelta(microseconds=1))},
                },
            }
        )
        volume: dict[str, dict[str, int]] = {}
        for item in items:
            document = from_attribute_map(item)
            volume[document.pop("sk")] = {
                key: int(value) for key, value in document.items() if key not in {"pk"} and isinstance(value, int)
            }
        return volume

    def brands(self) -> list[str]:
        try:
            response = self._client.get_item(TableName=self._table, Key=BRANDS_KEY)
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        return sorted(response.get("Item", {}).get("brands", {}).get("SS", []))

    def count_urgent(self, brand: str, now: datetime, window: timedelta) -> int:
        """Record one urgent mention of `brand` now; return how many the brand had in the window, this included."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"URGENT#{brand}"}, "sk": {"S": minute_bucket(now)}},
                UpdateExpression="ADD n :one SET expiration = :exp",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":exp": {"N": str(int((now + URGENT_COUNTER_TTL).timestamp()))},
                },
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "update_item") from err
        items = self._query_all(
            {
                "KeyConditionExpression": "pk = :pk AND sk BETWEEN :start AND :end",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"URGENT#{brand}"},
                    ":start": {"S": minute_bucket(now - window + timedelta(minutes=1))},
                    ":end": {"S": minute_bucket(now)},
                },
                "ConsistentRead": True,
            }
        )
        return sum(int(item["n"]["N"]) for item in items)

    def count_thread(self, thread_key: str, since: datetime) -> int:
        """Mentions stored in a conversation created since `since` (GSI3, count only)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "GSI3",
            "KeyConditionExpression": "GSI3PK = :pk AND GSI3SK >= :since",
            "ExpressionAttributeValues": {":pk": {"S": thread_pk(thread_key)}, ":since": {"S": iso(since)}},
            "Select": "COUNT",
        }
        return sum(int(page.get("Count", 0)) for page in query_pages(self._client, request))

    # --- incidents ------------------------------------------------------------------------------------------
    @staticmethod
    def _incident_item(incident: Incident) -> dict[str, Any]:
        return {
            "pk": {"S": f"INCIDENT#{incident.key}"},
            "sk": {"S": generation_sk(incident.generation)},
            "entity": {"S": "incident"},
            "brand": {"S": incident.brand},
            "team": {"S": incident.team},
            "status": {"S": incident.status.value},
            "version": {"N": str(incident.version)},
            "doc": {"S": incident.model_dump_json()},
            "GSI1PK": {"S": f"INCIDENTS#{incident.opened_at:%Y-%m-%d}"},
            "GSI1SK": {"S": f"{iso(incident.opened_at)}#{incident.id}"},
        }

    @staticmethod
    def _incident(item: dict[str, Any]) -> Incident:
        return Incident.model_validate_json(item["doc"]["S"]).model_copy(update={"version": int(item["version"]["N"])})

    def current_incident(self, key: str) -> Incident | None:
        try:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :gen)",
                ExpressionAttributeValues={":pk": {"S": f"INCIDENT#{key}"}, ":gen": {"S": "GEN#"}},
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        items = response.get("Items", [])
        return self._incident(items[0]) if items else None

    def get_incident(self, key: str, generation: int) -> Incident | None:
        try:
            response = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"INCIDENT#{key}"}, "sk": {"S": generation_sk(generation)}},
                ConsistentRead=True,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        return self._incident(response["Item"]) if "Item" in response else None

    def create_incident(self, incident: Incident) -> None:
        """Open a new generation of an incident key. `AlreadyStored` when another invocation opened it first."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._incident_item(incident),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise AlreadyStored(f"incident {incident.id} is already open") from err
            raise translate(err, "put_item") from err

    def save_incident(self, incident: Incident, expected_version: int) -> None:
        """Replace an incident only if nobody changed it since `expected_version`."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._incident_item(incident.model_copy(update={"version": expected_version + 1})),
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise VersionConflict(f"incident {incident.id} changed meanwhile", field="version") from err
            raise translate(err, "put_item") from err

    def incidents_opened(self, day: date, limit: int = 200) -> list[Incident]:
        """Incidents opened on `day` (UTC), oldest first (GSI1, one partition per day)."""
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :pk",
                ExpressionAttributeValues={":pk": {"S": f"INCIDENTS#{day:%Y-%m-%d}"}},
                Limit=limit,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        return [self._incident(item) for item in self._incident_rows(response.get("Items", []))]

    def incidents_between(self, since: datetime, until: datetime, limit: int) -> list[Incident]:
        """Incidents opened in [since, until), newest first, at most `limit` (GSI1: one partition per UTC day)."""
        found: list[Incident] = []
        day = (until - timedelta(microseconds=1)).date()
        while day >= since.date() and len(found) < limit:
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": "GSI1",
                "KeyConditionExpression": "GSI1PK = :pk AND GSI1SK BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"INCIDENTS#{day:%Y-%m-%d}"},
                    ":low": {"S": iso(since)},
                    ":high": {"S": iso(until)},
                },
                "ScanIndexForward": False,
            }
            while len(found) < limit:
                try:
                    response = self._client.query(**request, Limit=limit - len(found))
                except DYNAMODB_ERRORS as err:
                    raise translate(err, "query") from err
                found += [
                    incident
                    for incident in map(self._incident, self._incident_rows(response.get("Items", [])))
                    if since <= incident.opened_at < until
                ]
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            day -= timedelta(days=1)
        return found

    def _incident_rows(self, index_items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """GSI1 holds an incident's keys, not its document: read the rows."""
        return rows_for(self._client, self._table, index_items, "incidents")

    # --- SLA summaries -------------------------------------------------------------------------------------
    def add_to_summary(self, team: str, start: datetime, end: datetime, entry: SummaryEntry) -> None:
        """File a warning or breach under its team's interval; the interval's summary goes out once it ends.

        The row keeps the first SUMMARY_ENTRIES entries; later ones are counted (by action) and their brands kept,
        so a burst of breaches cannot grow the row past DynamoDB's 400 KB (every later breach failed, and its clock
        stayed stuck) nor make each append rewrite hundreds of KB on one key."""
        names = {"#entity": "entity"}
        values = {
            ":entity": {"S": "sla_summary"},
            ":team": {"S": team},
            ":end": {"S": iso(end)},
            ":due": {"S": DUE_SUMMARIES},
            ":due_sk": {"S": f"{iso(end)}#{team}"},
        }
        interval = (
            "#entity = :entity, team = :team, interval_end = :end, GSI5PK = if_not_exists(GSI5PK, :due), "
            "GSI5SK = if_not_exists(GSI5SK, :due_sk)"
        )
        key = {"pk": {"S": f"SLASUM#{team}"}, "sk": {"S": iso(start)}}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=f"SET entries = list_append(if_not_exists(entries, :empty), :entry), {interval}",
                ConditionExpression="attribute_not_exists(sent_at) AND "
                "(attribute_not_exists(entries) OR size(entries) < :cap)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values
                | {
                    ":empty": {"L": []},
                    ":entry": {"L": [{"S": entry.model_dump_json()}]},
                    ":cap": {"N": str(SUMMARY_ENTRIES)},
                },
            )
            return
        except DYNAMODB_ERRORS as err:
            if error_code(err) != CONDITION_FAILED:
                raise translate(err, "update_item") from err
        try:  # sent already, or full: counted if it is still open
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=f"SET {interval} ADD #more :one, more_brands :brand",
                ConditionExpression="attribute_not_exists(sent_at)",
                ExpressionAttributeNames=names | {"#more": f"more_{entry.action}"},
                ExpressionAttributeValues=values | {":one": {"N": "1"}, ":brand": {"SS": [entry.brand]}},
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise AlreadyStored(f"SLA summary {team} {iso(start)} already sent") from err
            raise translate(err, "update_item") from err

    def due_summaries(self, now: datetime, limit: int = 50) -> list[DueSummary]:
        """Every team interval that has ended and whose summary is not sent: its entries and what overflowed."""
        due = []
        for item in self._due(DUE_SUMMARIES, now, limit):
            document = from_attribute_map(item)
            entries = [SummaryEntry.model_validate_json(text) for text in document.get("entries", [])]
            start = from_iso(document["sk"])
            more = {
                action: int(document.get(f"more_{action}", 0))
                for action in ("warning", "breach")
                if document.get(f"more_{action}")
            }
            brands = frozenset(str(brand) for brand in document.get("more_brands", ()))
            due.append(DueSummary(str(document["team"]), start, entries, more, brands))
        return due

    def close_summary(self, team: str, start: datetime, now: datetime) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"SLASUM#{team}"}, "sk": {"S": iso(start)}},
                UpdateExpression="SET sent_at = :now REMOVE GSI5PK, GSI5SK",
                ExpressionAttributeValues={":now": {"S": iso(now)}},
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "update_item") from err

    def count_negative(self, brand: str, start: datetime, end: datetime) -> int:
        """Negative mentions of a brand created in [start, end]: a count only (GSI2, filtered, nothing returned),
        so the spike job reads whole mentions only for a brand that may be spiking."""
        total = 0
        for bucket in sorted({brand_bucket(brand, start), brand_bucket(brand, end)}):
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": "GSI2",
                "KeyConditionExpression": "GSI2PK = :pk AND GSI2SK BETWEEN :start AND :end",
                "FilterExpression": "sentiment_label = :negative AND (attribute_not_exists(deleted) OR deleted = :no)",
                "ExpressionAttributeValues": {
                    ":pk": {"S": bucket},
                    ":start": {"S": iso(start)},
                    ":end": {"S": iso(end)},
                    ":negative": {"S": "NEGATIVE"},
                    ":no": {"BOOL": False},
                },
                "Select": "COUNT",
            }
            total += sum(int(page.get("Count", 0)) for page in query_pages(self._client, request))
        return total

    def next_due(self) -> datetime | None:
        """The earliest moment any alerting work falls due (pending page, SLA clock, SLA summary), if any."""
        moments: list[datetime] = []
        for partition in (DUE_ALERTS, DUE_CLOCKS, DUE_SUMMARIES):
            try:
                response = self._client.query(
                    TableName=self._table,
                    IndexName="GSI5",
                    KeyConditionExpression="GSI5PK = :pk",
                    ExpressionAttributeValues={":pk": {"S": partition}},
                    Limit=1,
                )
            except DYNAMODB_ERRORS as err:
                raise translate(err, "query") from err
            moments.extend(due_of(item["GSI5SK"]["S"]) for item in response.get("Items", []))
        return min(moments) if moments else None

    # --- helpers -------------------------------------------------------------------------------------------
    def _due(self, partition: str, now: datetime, limit: int) -> Iterator[dict[str, Any]]:
        try:
            response = self._client.query(
                TableName=self._table,
                IndexName="GSI5",
                KeyConditionExpression="GSI5PK = :pk AND GSI5SK <= :now",
                ExpressionAttributeValues={":pk": {"S": partition}, ":now": {"S": iso(now) + "#\uffff"}},
                Limit=limit,
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        # GSI5 holds keys only: the work itself is read from the rows, leaving out what was done meanwhile.
        yield from rows_for(
            self._client,
            self._table,
            response.get("Items", []),
            "due work",
            member_of=("GSI5PK", partition),
            consistent=True,
        )

    def _query_all(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        request = {"TableName": self._table, **request}
        return [item for page in query_pages(self._client, request) for item in page.get("Items", [])]


def _clock_key(clock_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"SLA#{clock_id}"}, "sk": {"S": "SLA"}}
