"""Workflow steps applied to stored mentions: status moves, history, optimistic concurrency."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest

from mentionwatch.exceptions import InvalidTransition, VersionConflict
from mentionwatch.lifecycle import Action, step
from mentionwatch.models import (
    Author,
    Category,
    Mention,
    MentionStatus,
    Reaction,
    Sentiment,
    SentimentResult,
    SentimentScores,
    Severity,
    TriageDecision,
    TriagedMention,
)
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import MentionItem

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(table) -> MentionStore:
    store = MentionStore(boto3.client("dynamodb"), table)
    mention = Mention(
        platform="x", native_id="42", text="Still waiting for my refund", author=Author(handle="amy"), created_at=NOW
    )
    triaged = TriagedMention(
        mention=mention,
        sentiment=SentimentResult(label=Sentiment.NEGATIVE, scores=SentimentScores(negative=0.9), analyzer="local"),
        triage=TriageDecision(reaction=Reaction.RESPOND, category=Category.COMPLAINT, severity=Severity.MEDIUM),
    )
    store.put_new(MentionItem.from_triaged(triaged, stored_at=NOW))
    return store


def test_acknowledge_moves_the_mention_out_of_the_new_queue(store):
    event = step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="oncall@example.com", at=NOW)

    updated = store.apply("x:42", expected_version=1, event=event)

    assert updated.status is MentionStatus.ACKNOWLEDGED
    assert updated.version == 2
    assert updated.acknowledged_by == "oncall@example.com"
    assert [item.id for item in store.open_queue(MentionStatus.ACKNOWLEDGED)] == ["x:42"]
    assert store.open_queue(MentionStatus.NEW) == []


def test_stale_version_is_refused_and_changes_nothing(store):
    store.apply("x:42", 1, step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="a", at=NOW))

    with pytest.raises(VersionConflict):
        store.apply("x:42", 1, step(MentionStatus.NEW, Action.RESOLVE, actor="b", at=NOW))

    stored = store.get("x:42")
    assert stored.status is MentionStatus.ACKNOWLEDGED and len(stored.history) == 1


def test_resolved_mentions_can_only_be_reopened():
    with pytest.raises(InvalidTransition, match="allowed: reopen"):
        step(MentionStatus.RESOLVED, Action.ACKNOWLEDGE, actor="a", at=NOW)
