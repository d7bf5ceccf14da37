"""Respond SLA clocks of mentions whose clock write failed: the batch starts clocks when it ends, so a mention can
be stored while its clock is not. A redelivery starts it (also once an agent has acknowledged the mention), and
the mention row carries a clock intent (GSI5 `DUE#respond`) so the escalation schedule's sweep starts it even when
the message never comes back (DLQ, killed invocation). The sweep walks the index from where it last stopped and
leaves the entries there: it writes nothing for a mention whose clock runs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mentionwatch import aws, wiring
from mentionwatch.lifecycle import Action, step
from mentionwatch.models import Author, Match, Mention, MentionStatus, Reaction
from mentionwatch.queue.sqs import MentionQueue
from mentionwatch.settings import AlertingSettings
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.dynamodb import MentionStore
from tests.support import drain_queue, load_handler, sqs_event

NOW = datetime.now(UTC).replace(microsecond=0)
COMPLAINT = "My order never arrived and nobody answers my emails. Where is my refund?"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [NOW]
    monkeypatch.setattr(wiring, "utc_clock", lambda: now[0])
    return now


@pytest.fixture
def store(deployed: dict[str, str], table: str) -> MentionStore:
    return MentionStore(boto3.client("dynamodb"), table)


def refuse_clock_writes(refused: Callable[[str], bool]) -> Callable[..., None]:
    """A before-parameter-build hook that throttles a PutItem or BatchWriteItem writing any item whose pk
    `refused` picks."""

    def refuse(params: dict[str, Any], **_: Any) -> None:
        items = [params.get("Item", {})] + [
            request.get("PutRequest", {}).get("Item", {})
            for requests in params.get("RequestItems", {}).values()
            for request in requests
        ]
        if any(refused(item.get("pk", {}).get("S", "")) for item in items):
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "write")

    return refuse


@pytest.fixture
def clock_writes_fail(deployed: dict[str, str]) -> Iterator[list[bool]]:
    """While `failing[0]` is true, every DynamoDB write of a respond clock is throttled (batch and single)."""
    failing = [True]
    refuse = refuse_clock_writes(lambda pk: failing[0] and pk.startswith("SLA#mention:"))
    events = aws.client("dynamodb").meta.events
    for operation in ("PutItem", "BatchWriteItem"):
        events.register_first(f"before-parameter-build.dynamodb.{operation}", refuse, unique_id=f"clock-{operation}")
    yield failing
    for operation in ("PutItem", "BatchWriteItem"):
        events.unregister(f"before-parameter-build.dynamodb.{operation}", unique_id=f"clock-{operation}")


def process(deployed: dict[str, str], sqs: Any, lambda_context: Any, native_id: str) -> dict[str, Any]:
    mention = Mention(
        platform="webhook",
        native_id=native_id,
        text=COMPLAINT,
        author=Author(handle=f"author{native_id}"),
        created_at=NOW - timedelta(minutes=1),
        received_at=NOW,
        match=Match(brand="acme"),
    )
    MentionQueue(aws.client("sqs"), deployed["queue"]).enqueue([QueuedMention(source="standard", mention=mention)])
    event = sqs_event(drain_queue(sqs, deployed["queue"]))
    result: dict[str, Any] = load_handler("process").lambda_handler(event, lambda_context)
    return result


def respond_clock(dynamodb: Any, table: str, mention_id: str) -> dict[str, Any] | None:
    key = {"pk": {"S": f"SLA#mention:{mention_id}"}, "sk": {"S": "SLA"}}
    return dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def test_a_mention_whose_clock_was_never_written_gets_it_from_the_sweep_even_if_its_message_never_returns(
    deployed, store, dynamodb, table, sqs, lambda_context, clock, clock_writes_fail
):
    # Given a respond mention stored while every write of its respond clock failed: its record is reported failed
    result = process(deployed, sqs, lambda_context, "c1")
    assert len(result["batchItemFailures"]) == 1
    stored = store.get("webhook:c1", consistent=True)
    assert stored is not None and stored.triage.reaction is Reaction.RESPOND and stored.triage.sla_minutes
    assert respond_clock(dynamodb, table, "webhook:c1") is None

    # When its message never comes back (DLQ) and the escalation schedule's sweep runs, early and after the grace
    clock_writes_fail[0] = False
    pager = wiring.urgent_pager(AlertingSettings.from_environ(os.environ))
    early = pager.sweep_unclocked().checked
    clock[0] = NOW + timedelta(minutes=4)
    swept, again = pager.sweep_unclocked().checked, pager.sweep_unclocked().checked

    # Then the sweep after the grace period starts its clock, timed from when the mention arrived, once
    assert (early, swept, again) == (0, 1, 0)
    started = respond_clock(dynamodb, table, "webhook:c1")
    assert started is not None and started["state"]["S"] == "open"
    assert started["started_at"]["S"].startswith(NOW.strftime("%Y-%m-%dT%H:%M:%S"))
    sweep = dynamodb.get_item(TableName=table, Key={"pk": {"S": "SWEEP#respond"}, "sk": {"S": "SWEEP"}})
    assert sweep["Item"]["through"]["S"].endswith("#webhook:c1")  # the sweep has passed it


def test_a_redelivered_mention_acknowledged_meanwhile_still_gets_its_clock(
    deployed, store, dynamodb, table, sqs, lambda_context, clock, clock_writes_fail
):
    # Given a respond mention whose clock write failed (its record comes back)...
    assert len(process(deployed, sqs, lambda_context, "c2")["batchItemFailures"]) == 1
    # ...and an agent acknowledged it before it came back (acknowledging does not stop a respond clock)
    store.apply("webhook:c2", 1, step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="agent@example.com", at=NOW))

    # When the message is redelivered and DynamoDB takes writes again
    clock_writes_fail[0] = False
    result = process(deployed, sqs, lambda_context, "c2")

    # Then the duplicate delivery starts the clock
    assert result == {"batchItemFailures": []}
    assert respond_clock(dynamodb, table, "webhook:c2") is not None


def test_the_sweep_starts_no_clock_for_a_mention_answered_meanwhile(
    deployed, store, dynamodb, table, sqs, lambda_context, clock, clock_writes_fail
):
    # Given a respond mention whose clock write failed, then answered by the brand before the sweep
    process(deployed, sqs, lambda_context, "c3")
    clock_writes_fail[0] = False
    store.apply("webhook:c3", 1, step(MentionStatus.NEW, Action.RESPOND, actor="agent@example.com", at=NOW))

    # When the sweep runs after the grace period
    clock[0] = NOW + timedelta(minutes=4)
    checked = wiring.urgent_pager(AlertingSettings.from_environ(os.environ)).sweep_unclocked().checked

    # Then it passes the mention without starting a clock nobody needs
    assert checked == 1
    assert respond_clock(dynamodb, table, "webhook:c3") is None


def calls_counted() -> list[tuple[str, dict[str, Any]]]:
    """Every DynamoDB call the client makes from now on: (operation, parameters)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def count(model: Any, params: dict[str, Any], **_: Any) -> None:
        seen.append((model.name, params))

    aws.client("dynamodb").meta.events.register("before-call.dynamodb", count, unique_id="calls-counted")
    return seen


WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def test_the_sweep_writes_only_its_position_for_mentions_whose_clocks_run(
    deployed, store, dynamodb, table, sqs, lambda_context, clock
):
    # Given three respond mentions stored normally: their clocks started when their batch ended
    for native_id in ("r1", "r2", "r3"):
        assert process(deployed, sqs, lambda_context, native_id) == {"batchItemFailures": []}
    assert all(respond_clock(dynamodb, table, f"webhook:{n}") is not None for n in ("r1", "r2", "r3"))

    # When the sweep runs after the grace period, in pages of two
    clock[0] = NOW + timedelta(minutes=4)
    calls = calls_counted()
    try:
        checked = wiring.urgent_pager(AlertingSettings.from_environ(os.environ)).sweep_unclocked(limit=2).checked
        again = wiring.urgent_pager(AlertingSettings.from_environ(os.environ)).sweep_unclocked(limit=2).checked
    finally:
        aws.client("dynamodb").meta.events.unregister("before-call.dynamodb", unique_id="calls-counted")

    # Then it checks all three in one run and writes only its position, once a page; it reads a page's clocks in
    # one request, none alone; the mention rows keep their index entries and the next run finds nothing new
    assert (checked, again) == (3, 0)
    assert [name for name, _ in calls if name in WRITES] == ["UpdateItem", "UpdateItem"]
    clock_reads = [name for name, params in calls if "SLA#" in str(params)]  # params: the serialized request
    assert clock_reads == ["BatchGetItem", "BatchGetItem"]
    row = dynamodb.get_item(TableName=table, Key={"pk": {"S": "MENTION#webhook:r1"}, "sk": {"S": "MENTION"}})
    assert row["Item"]["GSI5PK"]["S"] == "DUE#respond"


def test_the_sweep_stops_at_a_mention_it_could_not_check_and_resumes_there(
    deployed, store, dynamodb, table, sqs, lambda_context, clock, clock_writes_fail
):
    # Given two respond mentions whose clock writes failed, and DynamoDB still refusing clock writes
    for native_id in ("f1", "f2"):
        assert len(process(deployed, sqs, lambda_context, native_id)["batchItemFailures"]) == 1
    clock[0] = NOW + timedelta(minutes=4)
    pager = wiring.urgent_pager(AlertingSettings.from_environ(os.environ))

    # When the sweep runs while writes fail, then again once they succeed
    failed_run = pager.sweep_unclocked().checked
    clock_writes_fail[0] = False
    recovered_run = pager.sweep_unclocked().checked

    # Then the first run passes nothing (the clocks are still missing) and the second starts both
    assert (failed_run, recovered_run) == (0, 2)
    assert respond_clock(dynamodb, table, "webhook:f1") is not None
    assert respond_clock(dynamodb, table, "webhook:f2") is not None


def sweep_position(dynamodb: Any, table: str) -> str | None:
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "SWEEP#respond"}, "sk": {"S": "SWEEP"}}).get("Item")
    return item["through"]["S"] if item else None


def test_a_sweep_that_fails_on_one_mention_saves_its_position_just_before_it(
    deployed, store, dynamodb, table, sqs, lambda_context, clock, clock_writes_fail
):
    # Given two respond mentions stored while every clock write failed (the first sorts first in the index)
    for native_id in ("p1", "p2"):
        assert len(process(deployed, sqs, lambda_context, native_id)["batchItemFailures"]) == 1
    clock[0] = NOW + timedelta(minutes=4)
    pager = wiring.urgent_pager(AlertingSettings.from_environ(os.environ))

    # When a sweep runs while all clock writes still fail, then one while only the second mention's fails
    nothing = pager.sweep_unclocked()
    position_after_nothing = sweep_position(dynamodb, table)
    clock_writes_fail[0] = False
    events = aws.client("dynamodb").meta.events
    events.register_first(
        "before-parameter-build.dynamodb.PutItem", refuse_clock_writes(lambda pk: pk == "SLA#mention:webhook:p2"), "p2"
    )
    try:
        partial = pager.sweep_unclocked()
    finally:
        events.unregister("before-parameter-build.dynamodb.PutItem", unique_id="p2")
    position_after_partial = sweep_position(dynamodb, table)
    rest = pager.sweep_unclocked()

    # Then the first run saves no position and reports itself held since the first mention fell due (a minute
    # ago); the second starts the first clock and stops with its position on the first mention; the third starts
    # the second clock and has caught up
    assert (nothing.checked, nothing.behind, position_after_nothing) == (0, timedelta(minutes=1), None)
    assert partial.checked == 1 and position_after_partial is not None
    assert position_after_partial.endswith("#webhook:p1")
    assert (rest.checked, rest.behind) == (1, timedelta(0))
    assert (sweep_position(dynamodb, table) or "").endswith("#webhook:p2")
    assert respond_clock(dynamodb, table, "webhook:p1") is not None
    assert respond_clock(dynamodb, table, "webhook:p2") is not None


def test_the_sweep_leaves_mentions_the_index_may_still_be_catching_up_on_and_survives_a_failing_read(
    deployed, store, dynamodb, table, sqs, lambda_context, clock, clock_writes_fail
):
    # Given a respond mention stored while its clock write failed (due to the sweep 3 minutes later)
    assert len(process(deployed, sqs, lambda_context, "g1")["batchItemFailures"]) == 1
    clock_writes_fail[0] = False
    pager = wiring.urgent_pager(AlertingSettings.from_environ(os.environ))

    # When the sweep runs 3.5 minutes after (within the minute it lags behind), then at 4.5 minutes while the
    # index cannot be read, then once it can
    clock[0] = NOW + timedelta(minutes=3, seconds=30)
    within_lag = pager.sweep_unclocked()

    def refuse_query(params: dict[str, Any], **_: Any) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "injected"}}, "Query")

    clock[0] = NOW + timedelta(minutes=4, seconds=30)
    events = aws.client("dynamodb").meta.events
    events.register_first("before-parameter-build.dynamodb.Query", refuse_query, unique_id="no-query")
    try:
        unreadable = pager.sweep_unclocked()  # does not raise: the escalation job after it still runs
    finally:
        events.unregister("before-parameter-build.dynamodb.Query", unique_id="no-query")
    readable = pager.sweep_unclocked()

    # Then only the last run checks it and starts its clock; the run that could not read says so
    assert (within_lag.checked, unreadable.checked, readable.checked) == (0, 0, 1)
    assert (within_lag.behind, unreadable.behind, readable.behind) == (timedelta(0), None, timedelta(0))
    assert respond_clock(dynamodb, table, "webhook:g1") is not None
