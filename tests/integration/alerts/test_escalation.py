"""The escalation schedule, driven by an injected clock: re-escalation levels, acknowledgement, respond SLAs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.alerts.records import ClockState
from mentionwatch.alerts.sla import EscalationJob
from mentionwatch.exceptions import VersionConflict
from mentionwatch.lifecycle import Action, step
from mentionwatch.models import Category, MentionStatus, Reaction, Severity
from tests.integration.alerts.conftest import store, triaged


@pytest.fixture
def job(dispatcher, alerts, mentions, config, clock) -> EscalationJob:
    return EscalationJob(dispatcher, alerts, mentions, config, clock)


def test_an_unacknowledged_page_climbs_the_policy_then_the_fallback(oncall, job, alerts, mentions, inboxes, clock):
    # Given a page with a 15-minute SLA under the default policy (oncall, +10 lead, 2 repeats every 10, fallback)
    oncall.page_mention(store(mentions, triaged("1")))
    inboxes.clear()

    # When nobody acknowledges and the schedule runs every minute for an hour
    for _ in range(60):
        clock.advance(minutes=1)
        job.run()

    # Then the team was paged again at the deadline, the lead 10 minutes later, the lead twice more,
    # then the duty manager, and the clock records one breach and every step
    assert len(inboxes.read("social-oncall")) == 1
    leads = inboxes.read("leads")
    assert len(leads) == 3
    assert all(message["sms"].startswith("UNACKED") for message in leads)
    assert len(inboxes.read("duty-manager")) == 1
    clock_item = alerts.get_clock("alert:author:x:dana#1")
    assert clock_item.state is ClockState.EXHAUSTED
    steps = [(event.action, event.at.strftime("%H:%M")) for event in clock_item.events]
    assert steps == [
        ("breached", "10:15"),
        ("level", "10:15"),
        ("level", "10:25"),
        ("repeat", "10:35"),
        ("repeat", "10:45"),
        ("fallback", "10:55"),
    ]
    breaches = alerts.breaches("acme", clock.now.date())
    assert [(b.deadline.strftime("%H:%M"), b.breached_at.strftime("%H:%M")) for b in breaches] == [("10:15", "10:15")]


def test_acknowledging_by_link_before_the_deadline_stops_escalation(
    oncall, job, alerts, mentions, inboxes, clock, signer
):
    from mentionwatch.alerts.acknowledge import Acknowledger

    oncall.page_mention(store(mentions, triaged("2", handle="amy")))
    token = inboxes.read("everything")[0]["sms"].rsplit("/", 1)[-1]
    clock.advance(minutes=5)
    Acknowledger(signer, alerts, mentions, clock).acknowledge(token, actor="sam")

    for _ in range(30):
        clock.advance(minutes=1)
        job.run()

    assert inboxes.read("everything") == []
    clock_item = alerts.get_clock("alert:author:x:amy#1")
    assert clock_item.state is ClockState.STOPPED and clock_item.breached_at is None
    assert alerts.breaches("acme", clock.now.date()) == []


def test_acknowledging_through_the_api_also_stops_escalation(oncall, job, alerts, mentions, inboxes, clock):
    oncall.page_mention(store(mentions, triaged("3", handle="bo")))
    inboxes.clear()
    clock.advance(minutes=20)  # past the deadline …
    mentions.apply("x:3", 1, step(MentionStatus.NEW, Action.ACKNOWLEDGE, actor="api-user", at=clock.now))

    job.run()  # … but acknowledged before the schedule looked

    assert inboxes.read("everything") == []
    assert alerts.get_clock("alert:author:x:bo#1").state is ClockState.STOPPED


def test_an_escalation_page_that_cannot_be_published_is_sent_by_the_next_run(
    oncall, job, publisher, mentions, inboxes, clock
):
    oncall.page_mention(store(mentions, triaged("4", handle="cy")))
    inboxes.clear()
    clock.advance(minutes=15)
    publisher.failing = True
    first = job.run()
    publisher.failing = False
    clock.advance(minutes=1)
    second = job.run()

    assert len(first.escalated) == 1 and second.swept == 1
    assert len(inboxes.read("social-oncall")) == 1


def test_a_stale_clock_cannot_be_saved_twice(oncall, alerts, mentions, clock):
    oncall.page_mention(store(mentions, triaged("5", handle="di")))
    clock_item = alerts.get_clock("alert:author:x:di#1")
    alerts.save_clock(clock_item.model_copy(update={"step": 1}), clock_item.version)

    with pytest.raises(VersionConflict):
        alerts.save_clock(clock_item.model_copy(update={"step": 1}), clock_item.version)


def respond(native_id: str, at: datetime, team: str = "social", sla: int = 60):
    return triaged(
        native_id,
        handle=f"r{native_id}",
        reaction=Reaction.RESPOND,
        category=Category.COMPLAINT,
        severity=Severity.MEDIUM,
        team=team,
        sla_minutes=sla,
        created_at=at,
    )


def test_a_respond_mention_warns_its_team_in_business_hours_and_records_its_breach(
    oncall, job, alerts, mentions, inboxes, clock
):
    # Given a respond mention with a 60-minute SLA arriving at 16:50 on a Friday (social: 09:00-17:30 London)
    clock.now = datetime(2026, 11, 27, 16, 50, tzinfo=UTC)
    item = store(mentions, respond("10", clock.now))
    oncall.observe(item, context=None)
    clock_item = alerts.get_clock("mention:x:10")
    assert clock_item.deadline == datetime(2026, 11, 30, 9, 20, tzinfo=UTC)  # 40 min Friday + 20 min Monday
    assert clock_item.warn_at == datetime(2026, 11, 30, 9, 10, tzinfo=UTC)

    # When the schedule runs through the weekend until Monday 10:05
    while clock.now < datetime(2026, 11, 30, 10, 5, tzinfo=UTC):
        clock.advance(minutes=5)
        job.run()

    # Then the team got one summary of the 09:00-10:00 hour (the warning at 09:10 and the breach at 09:20),
    # nobody was paged, and the breach was recorded at 09:20
    summaries = inboxes.read("social-team")
    assert len(summaries) == 1 and summaries[0]["_attributes"]["kind"] == "sla_summary"
    assert "09:00-10:00 UTC: 1 SLA breaches, 1 replies due soon" in summaries[0]["email_body"]
    assert "@r10" in summaries[0]["email_body"]
    assert inboxes.read("social-oncall") == []
    breaches = alerts.breaches("acme", datetime(2026, 11, 30).date())
    assert [(b.kind.value, b.breached_at.strftime("%a %H:%M")) for b in breaches] == [("respond", "Mon 09:20")]
    assert alerts.get_clock("mention:x:10").state is ClockState.BREACHED


def test_a_respond_mention_answered_in_time_stops_its_clock_without_a_breach(
    oncall, job, alerts, mentions, inboxes, clock
):
    item = store(mentions, respond("11", clock.now))
    oncall.observe(item, context=None)
    clock.advance(minutes=20)
    mentions.apply(
        "x:11", 1, step(MentionStatus.NEW, Action.RESPOND, actor="amy", at=clock.now, response_kind="public_reply")
    )

    for _ in range(12):
        clock.advance(minutes=10)
        job.run()

    assert inboxes.read("everything") == []
    assert alerts.get_clock("mention:x:11").state is ClockState.STOPPED
    assert alerts.breaches("acme", clock.now.date()) == []


class StaleClocks:
    """An overlapping run: it read the due clocks before the other run saved its step."""

    def __init__(self, store, stale) -> None:
        self._store, self._stale = store, stale

    def due_clocks(self, now, limit=100):
        return self._stale

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_two_overlapping_runs_escalate_a_step_once(oncall, job, dispatcher, alerts, mentions, config, clock, inboxes):
    # Given a page past its deadline, and a second run that read the due clocks at the same moment as the first
    oncall.page_mention(store(mentions, triaged("6", handle="ed")))
    inboxes.clear()
    clock.advance(minutes=15)
    stale = alerts.due_clocks(clock.now)
    overlapping = EscalationJob(dispatcher, StaleClocks(alerts, stale), mentions, config, clock)

    # When both runs handle it, the second 20 seconds later
    first = job.run()
    clock.advance(seconds=20)
    second = overlapping.run()

    # Then only the first escalated: the second's page merged into the first's, its breach was already on
    # record (keyed on the deadline), and it lost the clock's version condition
    assert len(first.escalated) == 1 and second.escalated == []
    assert len(inboxes.read("social-oncall")) == 1
    assert second.breached == [] and len(alerts.breaches("acme", clock.now.date())) == 1


def test_a_burst_of_breaches_is_summarised_in_full_and_no_clock_is_left_stuck(
    oncall, job, alerts, mentions, inboxes, clock
):
    from mentionwatch.store.alerts_dynamodb import SUMMARY_ENTRIES

    # Given 40 respond mentions with a 30-minute SLA at 09:00 on a Monday: 80 warnings and breaches in one hour,
    # more than the summary row keeps
    clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for number in range(40):
        oncall.observe(store(mentions, respond(f"b{number}", clock.now, sla=30)), context=None)
    assert SUMMARY_ENTRIES < 2 * 40

    # When the schedule runs through the hour
    while clock.now < datetime(2026, 11, 30, 10, 5, tzinfo=UTC):
        clock.advance(minutes=5)
        job.run()

    # Then every clock breached (none stuck on a summary it could not be filed in), and the team's one summary
    # counts all 80 entries while listing the worst
    assert all(alerts.get_clock(f"mention:x:b{number}").state is ClockState.BREACHED for number in range(40))
    [summary] = inboxes.read("social-team")
    body = summary["email_body"]
    assert "09:00-10:00 UTC: 40 SLA breaches, 40 replies due soon" in body
    assert "... and 75 more in the mentions queue" in body
    assert "(acme)" in body
    # and the row kept the first entries and counted the rest: bounded, whatever the burst (an unbounded list
    # passed DynamoDB's 400 KB item limit in a 2,000-mention replay, and every later breach failed to file)
    row = alerts._client.get_item(
        TableName=alerts._table, Key={"pk": {"S": "SLASUM#social"}, "sk": {"S": "2026-11-30T09:00:00.000000Z"}}
    )["Item"]
    assert len(row["entries"]["L"]) == SUMMARY_ENTRIES
    counted = {action: int(row.get(f"more_{action}", {"N": "0"})["N"]) for action in ("warning", "breach")}
    assert counted == {"warning": 0, "breach": 80 - SUMMARY_ENTRIES}  # the warnings came first, at 09:20


def test_a_full_summary_already_sent_takes_no_more_entries(alerts, clock):
    from mentionwatch.alerts.records import ClockKind, SummaryEntry
    from mentionwatch.exceptions import AlreadyStored
    from mentionwatch.store.alerts_dynamodb import SUMMARY_ENTRIES

    start, end = datetime(2026, 11, 30, 9, tzinfo=UTC), datetime(2026, 11, 30, 10, tzinfo=UTC)

    def entry(number: int) -> SummaryEntry:
        return SummaryEntry(
            at=start,
            action="breach",
            clock_id=f"mention:x:{number}",
            kind=ClockKind.RESPOND,
            brand=f"brand{number % 3}",
            severity="medium",
            deadline=start,
            what="complaint on X by @someone",
        )

    for number in range(SUMMARY_ENTRIES + 2):
        alerts.add_to_summary("social", start, end, entry(number))
    [due] = alerts.due_summaries(end)
    assert len(due.entries) == SUMMARY_ENTRIES and due.more == {"breach": 2}
    assert due.more_brands <= {"brand0", "brand1", "brand2"} and due.more_brands

    alerts.close_summary("social", start, end)
    with pytest.raises(AlreadyStored):
        alerts.add_to_summary("social", start, end, entry(999))
