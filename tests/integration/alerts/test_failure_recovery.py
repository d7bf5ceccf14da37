"""A write that fails half-way through an alerting step loses nothing: the next run, sweep, tap or retried digest
finishes it, and never pages or sends twice. Failures are injected into the real adapters on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from mentionwatch.alerts.acknowledge import Acknowledger
from mentionwatch.alerts.digest import DigestJob
from mentionwatch.alerts.dispatch import AlertDispatcher, DispatchAction
from mentionwatch.alerts.oncall import OnCall
from mentionwatch.alerts.sla import EscalationJob
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.exceptions import PublishFailed, Throttled
from mentionwatch.models import MentionStatus
from tests.integration.alerts.conftest import BASE_URL, FailingOnce, store, triaged
from tests.support import drain_queue, subscribe_queue


def sms_about(messages: list[dict], handle: str) -> list[str]:
    return [message["sms"] for message in messages if f"@{handle}" in message["sms"]]


# --- escalation job: page, breach, then save; one clock cannot stop the others --------------------------------------
def test_a_breach_that_cannot_be_recorded_loses_no_page_and_stops_no_other_clock(
    oncall, dispatcher, alerts, mentions, config, clock, inboxes
):
    # Given two unacknowledged pages reaching their deadline together, and DynamoDB throttling amy's breach record once
    oncall.page_mention(store(mentions, triaged("1", handle="amy")))
    oncall.page_mention(store(mentions, triaged("2", handle="dana")))
    inboxes.clear()
    flaky = FailingOnce(alerts, "record_breach", when=lambda breach: "amy" in breach.clock_id)
    job = EscalationJob(dispatcher, flaky, mentions, config, clock)
    clock.advance(minutes=15)

    # When the schedule runs at the deadline and again a minute later
    first = job.run()
    clock.advance(minutes=1)
    second = job.run()

    # Then the first run counted amy's clock as failed but still escalated dana's; the second finished amy's step
    assert first.failed == ["alert:author:x:amy#1"]
    assert first.escalated == ["alert:author:x:dana#1:level:oncall"]
    assert second.escalated == ["alert:author:x:amy#1:level:oncall"] and second.failed == []
    # … and each level-1 page went out exactly once: the retried page merged into the one already sent
    delivered = inboxes.read("social-oncall")
    assert len(sms_about(delivered, "amy")) == 1 and len(sms_about(delivered, "dana")) == 1
    assert alerts.current_alert("escalation:alert:author:x:amy#1:1").count == 2
    assert alerts.get_clock("alert:author:x:amy#1").step == 1
    breaches = alerts.breaches("acme", clock.now.date())
    assert sorted(b.clock_id for b in breaches) == ["alert:author:x:amy#1", "alert:author:x:dana#1"]


def test_a_page_that_fails_to_open_is_sent_by_the_next_run_exactly_once(
    oncall, publisher, alerts, mentions, config, clock, signer, inboxes
):
    # Given a page past its deadline, and DynamoDB throttling the opening of its level-1 escalation page once
    oncall.page_mention(store(mentions, triaged("3", handle="bo")))
    inboxes.clear()
    flaky = FailingOnce(alerts, "open_alert", when=lambda alert: alert.dedup_key.startswith("escalation:"))
    failing_dispatcher = AlertDispatcher(publisher, flaky, config, clock, signer=signer, public_base_url=BASE_URL)
    job = EscalationJob(failing_dispatcher, alerts, mentions, config, clock)
    clock.advance(minutes=15)

    # When the schedule runs at the deadline and twice more
    first = job.run()
    for _ in range(2):
        clock.advance(minutes=1)
        job.run()

    # Then the failed step stayed due (no step claimed, no breach yet), and the next run paged level 1 once
    assert first.failed == ["alert:author:x:bo#1"] and first.escalated == [] and first.breached == []
    assert len(sms_about(inboxes.read("social-oncall"), "bo")) == 1
    assert alerts.get_clock("alert:author:x:bo#1").step == 1
    assert len(alerts.breaches("acme", clock.now.date())) == 1


def test_a_respond_warning_that_fails_is_sent_by_the_next_run(
    oncall, publisher, alerts, mentions, config, clock, signer, inboxes
):
    # Given a respond mention close to its deadline, and the opening of its warning throttled once
    from tests.integration.alerts.test_escalation import respond

    item = store(mentions, respond("4", clock.now))
    oncall.observe(item, context=None)
    flaky = FailingOnce(alerts, "add_to_summary")
    dispatcher = AlertDispatcher(publisher, alerts, config, clock, signer=signer, public_base_url=BASE_URL)
    job = EscalationJob(dispatcher, flaky, mentions, config, clock)
    warn_at = alerts.get_clock("mention:x:4").warn_at
    clock.now = warn_at

    # When the schedule runs at the warning time, a minute later, and once the summary's hour has ended
    first = job.run()
    clock.advance(minutes=1)
    second = job.run()
    clock.now = warn_at.replace(minute=0) + timedelta(hours=1, minutes=1)
    job.run()

    # Then the warning was not filed by the failed run, and the team got it exactly once, in one summary
    assert first.failed == ["mention:x:4"] and second.warned == ["mention:x:4"]
    summaries = inboxes.read("social-team")
    assert len(summaries) == 1 and summaries[0]["email_body"].count("warning") == 1
    assert alerts.get_clock("mention:x:4").warned


# --- dispatch: the escalate clock is ensured at delivery ------------------------------------------------------------
def test_a_page_whose_clock_failed_to_start_still_escalates_after_the_sweeper_sends_it(
    publisher, alerts, mentions, config, clock, signer, inboxes
):
    # Given DynamoDB throttling the start of the escalate clock once
    flaky = FailingOnce(alerts, "start_clock")
    failing_dispatcher = AlertDispatcher(publisher, flaky, config, clock, signer=signer, public_base_url=BASE_URL)
    oncall = OnCall(failing_dispatcher, flaky, mentions, config, clock)

    # When a page opens, then the scheduled job (sweeper and clocks) runs every minute for 20 minutes
    outcome = oncall.page_mention(store(mentions, triaged("5", handle="cy")))
    not_sent = inboxes.read("social-oncall")
    job = EscalationJob(failing_dispatcher, alerts, mentions, config, clock)
    reports = []
    for _ in range(20):
        clock.advance(minutes=1)
        reports.append(job.run())

    # Then the page waited for its clock (pending), the sweeper started the clock and sent the page, and the
    # unacknowledged page escalated at its deadline
    assert outcome.action is DispatchAction.PENDING and not_sent == []
    assert reports[0].swept == 1
    started = alerts.get_clock("alert:author:x:cy#1")
    assert started is not None and started.deadline == datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
    delivered = sms_about(inboxes.read("social-oncall"), "cy")
    assert len(delivered) == 2 and delivered[1].startswith("UNACKED")


# --- acknowledge: a second tap finishes the mentions ---------------------------------------------------------------
def test_a_second_tap_moves_the_mentions_a_failed_first_tap_left_new(oncall, alerts, mentions, clock, signer, inboxes):
    # Given a page, and a first tap that marked the alert acknowledged but was throttled updating its mention
    oncall.page_mention(store(mentions, triaged("6", handle="di")))
    token = inboxes.read("everything")[0]["sms"].rsplit("/", 1)[-1]
    clock.advance(minutes=2)
    with pytest.raises(Throttled):
        Acknowledger(signer, alerts, FailingOnce(mentions, "apply"), clock).acknowledge(token, actor="sam")
    assert mentions.get("x:6").status is MentionStatus.NEW

    # When the link is tapped again (by someone else)
    clock.advance(minutes=1)
    result = Acknowledger(signer, alerts, mentions, clock).acknowledge(token, actor="kim")

    # Then the alert stays acknowledged by the first tap, and its mention is now acknowledged in that name
    assert not result.newly_acknowledged and result.acknowledged_by == "sam"
    assert result.mentions_acknowledged == ("x:6",)
    stored = mentions.get("x:6")
    assert stored.status is MentionStatus.ACKNOWLEDGED and stored.acknowledged_by == "sam"
    assert [(event.action.value, event.via) for event in stored.history] == [("acknowledge", "sms-link")]


# --- digest: each brand once, even when the run is retried ----------------------------------------------------------
def test_a_retried_digest_sends_only_the_brands_not_sent_yet(sns, sqs, table, alerts, mentions, clock):
    # Given mentions of two brands yesterday, and SNS failing once to publish the second brand's digest
    topic = sns.create_topic(Name="digest")["TopicArn"]
    inbox = subscribe_queue(sns, sqs, topic, "digest-inbox")
    day = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    for brand in ("acme", "beta"):
        item = store(mentions, triaged(f"{brand}1", handle=f"{brand}fan", created_at=day, brand=brand))
        alerts.count_mention(item)
    flaky = FailingOnce(
        SnsPublisher(sns, topic),
        "publish",
        error=PublishFailed,
        when=lambda message: message.dedup_key.startswith("digest:beta:"),
    )
    job = DigestJob(flaky, alerts, mentions, clock)
    clock.now = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

    # When the digest runs, fails, and its scheduled invocation is retried (twice)
    with pytest.raises(PublishFailed):
        job.run()
    first = [json.loads(json.loads(m["Body"])["Message"])["dedup_key"] for m in drain_queue(sqs, inbox)]
    clock.advance(minutes=1)
    retried = job.run()
    second = [json.loads(json.loads(m["Body"])["Message"])["dedup_key"] for m in drain_queue(sqs, inbox)]
    again = job.run()

    # Then acme's digest went out once, beta's once (on the retry), and a third run sends nothing
    assert first == ["digest:acme:2026-11-22"]
    assert [d.brand for d in retried] == ["beta"] and second == ["digest:beta:2026-11-22"]
    assert again == [] and drain_queue(sqs, inbox) == []
    marker = digest_marker(table, "acme", "2026-11-22")
    assert int(marker["expiration"]["N"]) > int((clock.now + timedelta(days=2)).timestamp())


def digest_marker(table: str, brand: str, day: str) -> dict:
    import boto3

    return boto3.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": f"DIGEST#{brand}#{day}"}, "sk": {"S": "DIGEST"}}
    )["Item"]
