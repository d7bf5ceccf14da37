"""Issue 13: an urgent mention's page intent is written with it, so a mention whose message died before its
page (DLQ, crash) is paged by the sweep, once; a late edit never revives a deleted mention."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from mentionwatch import wiring
from mentionwatch.models import Author, Category, Mention, Reaction, Severity, TriageDecision, TriagedMention
from mentionwatch.pipeline.process import NOT_SCORED, Outcome
from mentionwatch.settings import AlertingSettings
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import AlertState, MentionItem
from tests.support import drain_queue

NOW = datetime.now(UTC).replace(microsecond=0)


def urgent(native_id: str, received_at: datetime = NOW) -> TriagedMention:
    mention = Mention(
        platform="x",
        native_id=native_id,
        text="The heater caught fire",
        author=Author(handle=f"user{native_id}"),
        created_at=NOW - timedelta(minutes=5),
        received_at=received_at,
    )
    decision = TriageDecision(
        reaction=Reaction.ESCALATE, category=Category.SAFETY, severity=Severity.CRITICAL, sla_minutes=15
    )
    return TriagedMention(mention=mention, sentiment=NOT_SCORED, triage=decision)


@pytest.fixture
def store(deployed: dict[str, str], table: str) -> MentionStore:
    return MentionStore(boto3.client("dynamodb"), table)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [NOW]
    monkeypatch.setattr(wiring, "utc_clock", lambda: now[0])
    return now


def test_an_urgent_mention_stored_without_its_page_is_paged_by_the_sweep_once(
    deployed: dict[str, str], store: MentionStore, sqs: Any, clock: list[datetime]
) -> None:
    # Given an urgent mention stored by an invocation that died before paging (its message then went to the DLQ)
    store.put_new(MentionItem.from_triaged(urgent("1"), stored_at=NOW))
    pager = wiring.urgent_pager(AlertingSettings.from_environ(os.environ))

    # When the sweep runs before the grace period, then after it, then again
    early = pager.sweep_unpaged()
    clock[0] = NOW + timedelta(minutes=4)
    swept = pager.sweep_unpaged()
    again = pager.sweep_unpaged()

    # Then it is paged once, by the sweep after the grace period, and recorded
    assert (early, swept, again) == ([], [Outcome.ALERTED], [])
    stored = store.get("x:1", consistent=True)
    assert stored is not None and stored.alert_state is AlertState.SENT
    assert len(drain_queue(sqs, deployed["alerts"])) == 1


def test_a_sweep_records_an_earlier_page_instead_of_paging_again(
    deployed: dict[str, str], store: MentionStore, sqs: Any, clock: list[datetime]
) -> None:
    # Given an urgent mention that was paged, but the page was never recorded on the mention
    triaged = urgent("2")
    store.put_new(MentionItem.from_triaged(triaged, stored_at=NOW))
    settings = AlertingSettings.from_environ(os.environ)
    pager = wiring.urgent_pager(settings)
    pager._alerter.page_mention(triaged)  # type: ignore[attr-defined]
    assert len(drain_queue(sqs, deployed["alerts"])) == 1

    # When the sweep finds it, after the alert's own cooldown has passed
    clock[0] = NOW + timedelta(hours=2)
    outcomes = pager.sweep_unpaged()

    # Then it records the alert that already holds the mention and pages nobody
    assert outcomes == [Outcome.ALERTED]
    assert drain_queue(sqs, deployed["alerts"]) == []
    stored = store.get("x:2", consistent=True)
    assert stored is not None and stored.alert_state is AlertState.SENT


def test_a_late_edit_does_not_revive_a_deleted_mention(store: MentionStore) -> None:
    triaged = urgent("3")
    store.put_new(MentionItem.from_triaged(triaged, stored_at=NOW))
    assert store.mark_deleted(triaged.mention.model_copy(update={"deleted": True}))

    edited = triaged.mention.model_copy(update={"text": "edited text", "received_at": NOW + timedelta(minutes=1)})
    applied = store.update_content(edited)

    stored = store.get("x:3", consistent=True)
    assert applied is False
    assert stored is not None and stored.deleted and stored.mention.deleted
    assert stored.mention.text == "The heater caught fire"
