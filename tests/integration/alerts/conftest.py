"""Alerting on moto: the table from the template, an alerts topic with SQS queues subscribed through filter
policies (what each team's phone or inbox would receive), an injected clock and a publisher that can fail."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from mentionwatch.alerts.ack import AckSigner
from mentionwatch.alerts.dispatch import AlertDispatcher
from mentionwatch.alerts.oncall import OnCall
from mentionwatch.alerts.policy import EscalationConfig, default_config
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.exceptions import PublishFailed, Throttled
from mentionwatch.models import (
    Author,
    Category,
    Engagement,
    Mention,
    Reaction,
    Sentiment,
    SentimentResult,
    SentimentScores,
    Severity,
    ThreadRef,
    TriageDecision,
    TriagedMention,
)
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import MentionItem
from tests.support import drain_queue, subscribe_queue

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
ACK_KEY = "test-ack-signing-key-0123456789abcdef"
BASE_URL = "https://abc123defg.execute-api.us-east-1.amazonaws.com"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class FlakyPublisher(SnsPublisher):
    """The real SNS adapter, made to fail on demand (as when SNS is throttled or unreachable)."""

    def __init__(self, client: Any, topic_arn: str) -> None:
        super().__init__(client, topic_arn)
        self.failing = False

    def publish(self, alert):  # type: ignore[no-untyped-def]
        if self.failing:
            raise PublishFailed("SNS publish failed: InternalError")
        return super().publish(alert)


@dataclass
class Inboxes:
    """SQS queues standing in for subscriptions, each with its filter policy."""

    sqs: Any
    urls: dict[str, str] = field(default_factory=dict)

    def clear(self) -> None:
        for name in self.urls:
            self.read(name)

    def read(self, name: str) -> list[dict[str, Any]]:
        """What the subscription received: the structured message as a queue gets it, plus the attributes."""
        received = []
        for message in drain_queue(self.sqs, self.urls[name]):
            envelope = json.loads(message["Body"])
            body = json.loads(envelope["Message"])
            body["_attributes"] = {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()}
            received.append(body)
        return received


FILTERS = {
    "everything": None,
    "social-oncall": {"team": ["social"], "route": ["oncall"]},
    "support-oncall": {"team": ["support"], "route": ["oncall"]},
    "social-team": {"team": ["social"], "route": ["team"]},
    "leads": {"route": ["oncall-lead"]},
    "duty-manager": {"route": ["duty-manager"]},
    "critical": {"severity": ["critical"]},
}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def topic(sns: Any) -> str:
    return sns.create_topic(Name="alerts")["TopicArn"]


@pytest.fixture
def inboxes(sns: Any, sqs: Any, topic: str) -> Inboxes:
    boxes = Inboxes(sqs)
    for name, policy in FILTERS.items():
        boxes.urls[name] = subscribe_queue(sns, sqs, topic, f"inbox-{name}", policy)
    return boxes


@pytest.fixture
def publisher(sns: Any, topic: str) -> FlakyPublisher:
    return FlakyPublisher(sns, topic)


@pytest.fixture
def config() -> EscalationConfig:
    return default_config()


@pytest.fixture
def alerts(table: str) -> AlertStore:
    return AlertStore(boto3.client("dynamodb"), table)


@pytest.fixture
def mentions(table: str) -> MentionStore:
    return MentionStore(boto3.client("dynamodb"), table)


@pytest.fixture
def signer() -> AckSigner:
    return AckSigner(ACK_KEY)


@pytest.fixture
def dispatcher(publisher, alerts, config, clock, signer) -> AlertDispatcher:
    return AlertDispatcher(publisher, alerts, config, clock, signer=signer, public_base_url=BASE_URL)


@pytest.fixture
def oncall(dispatcher, alerts, mentions, config, clock) -> OnCall:
    return OnCall(dispatcher, alerts, mentions, config, clock)


def triaged(
    native_id: str,
    *,
    handle: str = "dana",
    text: str = "The heater caught fire in our kitchen, this is dangerous",
    reaction: Reaction = Reaction.ESCALATE,
    category: Category = Category.COMPLAINT,  # safety would page on its own (never grouped)
    severity: Severity = Severity.HIGH,
    sentiment: Sentiment = Sentiment.NEGATIVE,
    team: str = "social",
    sla_minutes: int | None = 15,
    root_id: str | None = None,
    created_at: datetime | None = None,
    brand: str = "acme",
    platform: str = "x",
    followers: int = 120,
) -> TriagedMention:
    mention = Mention(
        platform=platform,
        native_id=native_id,
        permalink=f"https://x.example/{handle}/status/{native_id}",
        text=text,
        author=Author(handle=handle, followers=followers),
        created_at=created_at or START,
        thread=ThreadRef(root_id=root_id, parent_id=root_id),
        engagement=Engagement(likes=3),
        match={"brand": brand},
    )
    return TriagedMention(
        mention=mention,
        sentiment=SentimentResult(label=sentiment, scores=SentimentScores(negative=0.9), analyzer="local"),
        triage=TriageDecision(
            reaction=reaction,
            category=category,
            severity=severity,
            team=team,
            sla_minutes=sla_minutes,
            reasons=("test",),
        ),
    )


def store(mentions: MentionStore, item: TriagedMention, at: datetime | None = None) -> TriagedMention:
    mentions.put_new(MentionItem.from_triaged(item, stored_at=at or item.mention.created_at))
    return item


class FailingOnce:
    """Wraps an adapter so that one of its methods fails (Throttled by default) the first `times` calls that
    `when` picks, as when DynamoDB or SNS throttles one request; everything else goes to the real adapter."""

    def __init__(
        self, inner: Any, method: str, *, times: int = 1, when: Any = None, error: type[Exception] = Throttled
    ) -> None:
        self._inner, self._method, self._when, self._error = inner, method, when, error
        self.remaining = times

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name != self._method:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.remaining and (self._when is None or self._when(*args, **kwargs)):
                self.remaining -= 1
                raise self._error(f"injected failure of {name}")
            return attribute(*args, **kwargs)

        return call
