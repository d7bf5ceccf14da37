"""Scheduled spike detection, inline thread amplification and the daily digest, on moto with an injected clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from mentionwatch.alerts.digest import DigestJob
from mentionwatch.alerts.dispatch import DispatchAction
from mentionwatch.alerts.records import Breach, ClockKind
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.alerts.spike import SpikeJob
from mentionwatch.lifecycle import Action, step
from mentionwatch.models import Category, MentionStatus, Reaction, Sentiment, Severity
from mentionwatch.store.alerts_dynamodb import hour_bucket
from tests.integration.alerts.conftest import store, triaged
from tests.support import drain_queue, subscribe_queue

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.fixture
def spikes(dispatcher, alerts, mentions, config, clock) -> SpikeJob:
    clock.now = NOW
    return SpikeJob(dispatcher, alerts, mentions, config.spike, clock)


def seed_history(table: str, brand: str, hourly: list[int]) -> None:
    """The hourly negative counts of the 7 days before the window, newest hour last (as counters store them)."""
    client = boto3.client("dynamodb")
    window_start_hour = (NOW - timedelta(hours=1)).replace(minute=0)
    for back, count in enumerate(reversed(hourly), start=1):
        hour = window_start_hour - timedelta(hours=back)
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"VOL#{brand}"},
                "sk": {"S": hour_bucket(hour)},
                "total": {"N": str(count * 3)},
                "neg": {"N": str(count)},
                "negcat#complaint": {"N": str(count)},
            },
        )
    client.update_item(
        TableName=table,
        Key={"pk": {"S": "BRANDS"}, "sk": {"S": "BRANDS"}},
        UpdateExpression="ADD brands :b",
        ExpressionAttributeValues={":b": {"SS": [brand]}},
    )


def negative_burst(mentions, count: int, brand: str = "acme") -> None:
    for n in range(count):
        store(
            mentions,
            triaged(
                f"neg{n}",
                handle=f"angry{n}",
                text=f"Still no refund, order {n} delayed for weeks",
                reaction=Reaction.RESPOND,
                category=Category.COMPLAINT,
                severity=Severity.MEDIUM,
                created_at=NOW - timedelta(minutes=50 - n),
                brand=brand,
                platform="x" if n % 3 else "reddit",
                followers=100 * n,
            ),
        )


def test_a_burst_against_a_quiet_history_is_one_crisis_alert(spikes, table, mentions, inboxes):
    # Given a week with one negative mention every six hours, then 12 in the last hour
    seed_history(table, "acme", [1 if hour % 6 == 0 else 0 for hour in range(7 * 24)])
    negative_burst(mentions, 12)

    # When the spike job runs
    report = spikes.run()

    # Then one crisis alert tells the volume, the usual level, top phrases, samples and platforms
    assert [outcome.alert.dedup_key for outcome in report.alerted] == ["spike:acme:all"]
    delivered = inboxes.read("critical")
    assert len(delivered) == 1
    body = delivered[0]["email_body"]
    assert "12 negative mentions about acme in the last 60 minutes" in body
    assert '"order delayed" (12)' in body
    assert "Platforms: X 8, Reddit 4" in body
    assert "@angry11" in body  # the highest reach first
    assert delivered[0]["_attributes"]["kind"] == "spike"


def test_the_same_burst_against_a_noisy_history_is_no_spike(spikes, table, mentions, inboxes):
    # Given a week that swings between 2 and 22 negative mentions an hour (mean 12, spread 10)
    seed_history(table, "acme", [2 if hour % 2 else 22 for hour in range(7 * 24)])
    negative_burst(mentions, 20)

    report = spikes.run()

    overall = next(stats for stats in report.checked if stats.category == "all")
    assert overall.count == 20 and overall.mean == 12 and overall.spread == 10
    assert report.alerted == [] and inboxes.read("everything") == []


def test_two_to_four_is_no_spike(spikes, table, mentions, inboxes):
    seed_history(table, "acme", [0] * 160 + [2] * 8)
    negative_burst(mentions, 4)

    assert spikes.run().alerted == []


def test_a_spike_does_not_realert_within_its_cooldown(spikes, table, mentions, inboxes, clock):
    seed_history(table, "acme", [0] * (7 * 24))
    negative_burst(mentions, 12)
    spikes.run()
    clock.advance(minutes=5)

    again = spikes.run()

    assert [outcome.action for outcome in again.alerted] == [DispatchAction.MERGED]
    assert len(inboxes.read("everything")) == 1


def test_a_fast_growing_thread_of_mild_replies_alerts_once_with_its_link(oncall, mentions, inboxes, clock):
    # Given a post whose thread gets 21 mild replies within 25 minutes
    root = store(
        mentions,
        triaged(
            "root",
            handle="brandfan",
            text="What do you think of the new acme app?",
            reaction=Reaction.MONITOR,
            sentiment=Sentiment.NEUTRAL,
            created_at=clock.now - timedelta(hours=2),
        ),
    )
    outcomes = []
    for n in range(21):
        clock.advance(seconds=70)
        reply = store(
            mentions,
            triaged(
                f"r{n}",
                handle=f"replier{n}",
                text="meh, it is slow sometimes",
                reaction=Reaction.MONITOR,
                sentiment=Sentiment.NEUTRAL,
                severity=Severity.LOW,
                root_id="root",
                created_at=clock.now,
            ),
        )
        outcomes.append(oncall.observe(reply, context=None))

    # Then the 20th reply opened the thread's incident and paged once, the 21st only counted into it
    assert outcomes[:19] == [None] * 19
    assert outcomes[19].action is DispatchAction.SENT and outcomes[20].action is DispatchAction.MERGED
    delivered = inboxes.read("social-oncall")
    assert len(delivered) == 1
    assert delivered[0]["_attributes"]["kind"] == "amplification"
    assert delivered[0]["_attributes"]["incident"] == "thread:x:root#1"
    alert = delivered[0]
    assert "Root post:" in alert["email_body"] and root.mention.permalink in alert["email_body"]
    assert "20 replies in 30 min" in alert["email_body"]  # the timeline names the signal
    assert "[THREAD] X acme @brandfan" in alert["sms"] and "20 replies" in alert["sms"] and len(alert["sms"]) <= 160
    assert "/ack/" in alert["sms"].split(" ")[-1]


def test_the_daily_digest_summarises_a_brand_day(sns, sqs, alerts, mentions, oncall, clock):
    # Given a day of mentions: complaints, praise (one thanked, one not), an acknowledged and a responded one
    topic = sns.create_topic(Name="digest")["TopicArn"]
    inbox = subscribe_queue(sns, sqs, topic, "digest-inbox")
    day = datetime(2026, 11, 22, tzinfo=UTC)
    items = [
        triaged(
            "c1",
            handle="loud",
            text="Refund still missing after three weeks",
            reaction=Reaction.RESPOND,
            category=Category.COMPLAINT,
            created_at=day + timedelta(hours=9),
            followers=50_000,
        ),
        triaged(
            "c2",
            handle="quiet",
            text="Refund still missing, support never answers",
            reaction=Reaction.RESPOND,
            category=Category.COMPLAINT,
            created_at=day + timedelta(hours=10),
            followers=10,
            platform="reddit",
        ),
        triaged(
            "p1",
            handle="fan",
            text="Love the new acme app",
            reaction=Reaction.ACKNOWLEDGE,
            category=Category.PRAISE,
            sentiment=Sentiment.POSITIVE,
            created_at=day + timedelta(hours=11),
        ),
        triaged(
            "p2",
            handle="fan2",
            text="acme support was great",
            reaction=Reaction.ACKNOWLEDGE,
            category=Category.PRAISE,
            sentiment=Sentiment.POSITIVE,
            created_at=day + timedelta(hours=12),
        ),
    ]
    for item in items:
        store(mentions, item)
        oncall.observe(item, context=None)
    mentions.apply(
        "x:c1", 1, step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="sam", at=day + timedelta(hours=9, minutes=6))
    )
    mentions.apply(
        "x:c1",
        2,
        step(
            MentionStatus.ACKNOWLEDGED,
            Action.RESPOND,
            actor="sam",
            at=day + timedelta(hours=9, minutes=40),
            response_kind="public_reply",
        ),
    )
    mentions.apply(
        "x:p2",
        1,
        step(
            MentionStatus.NEW, Action.RESPOND, actor="sam", at=day + timedelta(hours=13), response_kind="public_reply"
        ),
    )
    alerts.record_breach(
        Breach(
            clock_id="mention:reddit:c2",
            kind=ClockKind.RESPOND,
            brand="acme",
            team="social",
            started_at=day + timedelta(hours=10),
            deadline=day + timedelta(hours=11),
            breached_at=day + timedelta(hours=11, minutes=1),
            mention_ids=("reddit:c2",),
        )
    )
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

    # When the daily digest runs the next morning
    digests = DigestJob(SnsPublisher(sns, topic), alerts, mentions, clock).run()

    # Then one e-mail for the brand tells volume, complaints and themes, timings, breaches and waiting praise
    assert [(d.brand, d.day.isoformat(), d.total) for d in digests] == [("acme", "2026-11-22", 4)]
    messages = drain_queue(sqs, inbox)
    assert len(messages) == 1
    body = json.loads(json.loads(messages[0]["Body"])["Message"])["email_body"]
    assert "Mentions: 4" in body
    assert "By sentiment: NEGATIVE 2, POSITIVE 2" in body
    assert "By platform: X 3, Reddit 1" in body
    assert body.index("@loud") < body.index("@quiet")  # complaints by reach
    assert "Themes (negative mentions by category): complaint 2" in body
    assert 'Recurring phrases: "refund missing" (2)' in body
    assert "Acknowledged: 1, median 6 min" in body
    assert "Responded: 2, median" in body
    assert "SLA breaches: 1 (social 1)" in body and "team social: 1 (respond)" in body
    praise = body.split("Praise waiting for a thank-you: ")[1]
    assert praise.startswith("1") and "@fan " in praise and "@fan2" not in praise
