"""Paging urgent mentions: routing by filter policy, dedup and cooldowns, storms, pending alerts, races."""

from __future__ import annotations

from datetime import timedelta

from mentionwatch.alerts.dispatch import AlertDispatcher, DispatchAction
from mentionwatch.alerts.gsm import septets
from mentionwatch.alerts.oncall import OnCall
from mentionwatch.alerts.records import DeliveryState
from mentionwatch.models import Category, Severity
from mentionwatch.store.alerts_dynamodb import AlertStore
from tests.integration.alerts.conftest import BASE_URL, store, triaged


def test_urgent_mention_pages_its_team_once_with_a_short_acknowledge_link(oncall, mentions, inboxes):
    # Given an urgent mention of the social team, with non-GSM characters in its text
    item = store(mentions, triaged("1", text="“Heater” caught fire 🔥 — my kid’s room is full of smoke " * 3))

    # When it is paged
    outcome = oncall.page_mention(item)

    # Then the social on-call inbox gets one SMS of at most 160 GSM-7 characters ending in the acknowledge link
    assert outcome.action is DispatchAction.SENT
    received = inboxes.read("social-oncall")
    assert len(received) == 1
    sms = received[0]["sms"]
    assert septets(sms) <= 160 and sms.isascii()
    assert sms.split(" ")[-1].startswith(f"{BASE_URL}/ack/")
    assert "@dana" in sms and "120" in sms
    assert received[0]["_attributes"]["team"] == "social"
    assert received[0]["_attributes"]["severity"] == "high"
    # And the support team's on-call inbox gets nothing
    assert inboxes.read("support-oncall") == []


def test_a_second_mention_in_the_same_thread_within_the_cooldown_only_raises_the_count(
    oncall, mentions, inboxes, clock
):
    # Given a paged reply in a thread
    first = store(mentions, triaged("2", handle="amy", root_id="root-1"))
    oncall.page_mention(first)

    # When another reply in that thread, by someone else, comes 10 minutes later
    clock.advance(minutes=10)
    second = store(mentions, triaged("3", handle="ben", root_id="root-1", created_at=clock.now))
    outcome = oncall.page_mention(second)

    # Then nobody is paged again and the thread's open incident counts both
    assert outcome.action is DispatchAction.MERGED and outcome.alert.dedup_key == "thread:x:root-1"
    incident = oncall.incidents.open_incident("thread:x:root-1")
    assert incident.mentions == 2 and incident.mention_ids == ("x:2", "x:3")
    assert len(inboxes.read("everything")) == 1


def test_the_same_author_after_the_cooldown_pages_again(oncall, mentions, inboxes, clock, config):
    # Given a paged mention by an author, and a second one by them inside the cooldown
    oncall.page_mention(store(mentions, triaged("4", handle="cara")))
    clock.advance(minutes=5)
    inside = oncall.page_mention(store(mentions, triaged("5", handle="cara", created_at=clock.now)))

    # When a third comes after the incident has gone quiet (closed)
    clock.advance(minutes=config.incidents.quiet_minutes)
    after = oncall.page_mention(store(mentions, triaged("6", handle="cara", created_at=clock.now)))

    # Then the second was merged, the third opened a new incident (and page generation) and paged
    assert inside.action is DispatchAction.MERGED
    assert after.action is DispatchAction.SENT and after.alert.generation == 2
    assert len(inboxes.read("everything")) == 2


def test_a_redelivered_mention_is_counted_once(oncall, mentions, inboxes):
    item = store(mentions, triaged("7", handle="dee"))
    oncall.page_mention(item)

    again = oncall.page_mention(item)

    assert again.action is DispatchAction.MERGED  # into its own incident's page
    assert oncall.incidents.open_incident("author:x:dee").mentions == 1
    assert len(inboxes.read("everything")) == 1


def test_a_storm_pages_once_with_a_summary_instead_of_every_mention(oncall, mentions, inboxes, clock, config):
    # Given a storm threshold of 5 urgent mentions in 10 minutes
    assert config.storm.threshold == 5

    # When 8 different people post urgent mentions of the brand within a few minutes
    outcomes = []
    for n in range(8):
        clock.advance(seconds=30)
        outcomes.append(oncall.page_mention(store(mentions, triaged(f"s{n}", handle=f"user{n}", created_at=clock.now))))

    # Then the first 5 page on their own, the 6th opens one storm incident, the rest are counted into it
    assert [o.action for o in outcomes] == [DispatchAction.SENT] * 6 + [DispatchAction.MERGED] * 2
    assert outcomes[5].alert.kind.value == "storm"
    assert oncall.incidents.open_incident("brand:acme").mentions == 8
    delivered = inboxes.read("critical")
    assert len(delivered) == 1
    storm = delivered[0]
    assert storm["_attributes"]["kind"] == "storm"
    assert "[STORM] acme on X: 6 posts" in storm["email_subject"]
    assert "Platforms: X 6" in storm["email_body"]
    assert sum(f"@user{n} " in storm["email_body"] for n in range(6)) == 6  # every post, highest reach first
    assert len(inboxes.read("everything")) == 6


def test_a_failed_publish_stays_pending_and_the_sweeper_sends_it_once(
    oncall, dispatcher, publisher, mentions, inboxes, clock
):
    # Given SNS failing while an urgent mention is paged
    publisher.failing = True
    outcome = oncall.page_mention(store(mentions, triaged("8", handle="eve")))
    assert outcome.action is DispatchAction.PENDING
    assert inboxes.read("everything") == []

    # When SNS recovers and the scheduled sweeper runs twice
    publisher.failing = False
    clock.advance(minutes=1)
    first = dispatcher.sweep()
    second = dispatcher.sweep()

    # Then the alert was sent exactly once, by the first run
    assert [o.action for o in first] == [DispatchAction.SENT]
    assert second == []
    assert len(inboxes.read("everything")) == 1


def test_a_sender_that_died_mid_publish_is_retried_only_after_its_lease(
    alerts, dispatcher, oncall, mentions, publisher, inboxes, clock
):
    # Given an alert opened by an invocation that died before publishing (simulated: opened, never delivered)
    publisher.failing = True
    oncall.page_mention(store(mentions, triaged("9", handle="fay")))
    current = alerts.current_alert("author:x:fay")
    assert alerts.claim_delivery(current, clock.now, lease=timedelta(minutes=2))
    publisher.failing = False

    # When the sweeper runs while the lease is held, and again after it ran out
    assert dispatcher.sweep() == []
    clock.advance(minutes=3)
    swept = dispatcher.sweep()

    # Then only the later run sends it
    assert [o.action for o in swept] == [DispatchAction.SENT]
    assert len(inboxes.read("everything")) == 1


class RacingStore(AlertStore):
    """Lets a rival invocation page the same key between this one's read and its conditional write."""

    def __init__(self, client, table, rival) -> None:
        super().__init__(client, table)
        self.rival = rival

    def current_alert(self, dedup_key):
        seen = super().current_alert(dedup_key)
        if self.rival is not None:
            rival, self.rival = self.rival, None
            rival()
        return seen


def test_two_invocations_racing_on_one_dedup_key_page_once(
    table, publisher, config, clock, signer, mentions, inboxes, alerts
):
    # Given two invocations paging replies of the same thread at the same moment
    import boto3

    first = store(mentions, triaged("10", handle="gus", root_id="hot"))
    second = store(mentions, triaged("11", handle="hal", root_id="hot"))
    rival = OnCall(
        AlertDispatcher(publisher, alerts, config, clock, signer=signer, public_base_url=BASE_URL),
        alerts,
        mentions,
        config,
        clock,
    )
    racing_store = RacingStore(boto3.client("dynamodb"), table, rival=lambda: rival.page_mention(second))
    racer = OnCall(
        AlertDispatcher(publisher, racing_store, config, clock, signer=signer, public_base_url=BASE_URL),
        racing_store,
        mentions,
        config,
        clock,
    )

    # When one reads "no open alert", the other opens it, and then the first tries to open it too
    outcome = racer.page_mention(first)

    # Then its conditional write loses, it merges into the rival's alert, and one page went out
    assert outcome.action is DispatchAction.MERGED
    assert outcome.alert.count == 2
    assert outcome.alert.state is DeliveryState.SENT
    assert len(inboxes.read("everything")) == 1


def test_severity_and_category_travel_as_attributes_for_filter_policies(oncall, mentions, inboxes):
    oncall.page_mention(
        store(
            mentions, triaged("12", handle="ivy", severity=Severity.CRITICAL, category=Category.LEGAL, team="support")
        )
    )

    critical = inboxes.read("critical")
    assert len(critical) == 1
    assert critical[0]["_attributes"]["category"] == "legal"
    assert len(inboxes.read("support-oncall")) == 1
    assert inboxes.read("social-oncall") == []


def test_a_reply_by_an_author_with_an_open_alert_is_counted_into_it(oncall, mentions, inboxes, clock):
    # Given a paged post of its own by an author
    oncall.page_mention(store(mentions, triaged("20", handle="kay")))

    # When the same author replies in an unrelated thread a few minutes later
    clock.advance(minutes=3)
    outcome = oncall.page_mention(store(mentions, triaged("21", handle="kay", root_id="other", created_at=clock.now)))

    # Then the reply is counted into the author's open incident
    assert outcome.action is DispatchAction.MERGED
    assert outcome.alert.dedup_key == "author:x:kay"
    assert oncall.incidents.open_incident("author:x:kay").mentions == 2
    assert len(inboxes.read("everything")) == 1
