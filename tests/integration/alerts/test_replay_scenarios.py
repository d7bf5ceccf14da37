"""The seed scenarios of events/scenarios/ replayed through the whole pipeline (`mentionwatch replay`, in process on
moto, virtual time), counted against issue 10's "Done when": pages per phone, incidents, the safety bypass, SLA
summaries, the digest, and no private detail from a post in any SMS or e-mail."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import pytest

from mentionwatch.cli import main
from mentionwatch.replay import ReplayOptions, ReplayResult, default_template, replay
from tests.support import EVENTS

SCENARIOS = EVENTS / "scenarios"
PRIVATE = [
    "jane.doe@example.com",
    "pat.lee@example.org",
    "help-desk@example.com",
    "worried.parent@example.com",
    "7700 900123",
    "7700 900456",
    "415 555 0134",
    "0800 123 4567",
]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


# The burst's hour of respond-SLA clocks is long to emulate on moto: the viral scenario stops 20 minutes after its
# last post (its pages are all out by then). The others run, like `mentionwatch replay`, until every clock has
# played out: the thread's complaints warn and breach in customer care's business hours (from 13:00 UTC).
TAIL = {"viral-burst-400": 20}


@cache
def replayed(name: str, ack_after: int | None = 5) -> ReplayResult:
    lines = (SCENARIOS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    options = ReplayOptions(ack_after=ack_after, template=default_template(), tail_minutes=TAIL.get(name))
    return replay(lines, options, lambda _: None)


def at(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["at"].replace("Z", "+00:00"))


def sms_per_phone(publishes: list[dict[str, Any]], until: datetime | None = None) -> Counter[str]:
    return Counter(
        phone
        for record in publishes
        if record["sms"] and (until is None or at(record) < until)
        for phone in record["phones"]
    )


def first_event_time(name: str) -> datetime:
    first = json.loads((SCENARIOS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()[0])
    return datetime.fromisoformat(first["timestamp"].replace("Z", "+00:00"))


def test_an_acknowledged_thread_sends_at_most_two_sms_to_any_phone_in_its_first_two_hours():
    result = replayed("thread-105-replies")
    start = first_event_time("thread-105-replies")

    per_phone = sms_per_phone(result.publishes, until=start + timedelta(hours=2))

    assert per_phone, "the thread paged nobody"
    assert max(per_phone.values()) <= 2, per_phone
    incidents = {record["incident"] for record in result.publishes if record["sms"]}
    assert len(incidents) == 1, incidents


def test_the_thread_first_pages_the_crisis_team_naming_the_thread():
    result = replayed("thread-105-replies")

    first = next(record for record in result.publishes if record["sms"])

    assert first["team"] == "social"  # the policy's crisis team, not the team of the reply that tipped it
    assert first["incident"].startswith("thread:")
    assert "[THREAD] LinkedIn northwind @dan-morris" in first["sms"]
    message = result.messages[result.publishes.index(first)]
    assert "Root post:" in message.email_body and "replies" in message.email_body


def test_the_thread_incident_lists_its_journalists_and_stays_acknowledged_while_it_grows():
    result = replayed("thread-105-replies")

    incident = next(item for item in result.summary["summary"]["incidents"] if item["kind"] == "thread")
    updates = [record for record in result.publishes if record["sms"] and "UPDATE" in record["sms"]]

    assert incident["replies"] == 105 and incident["press"] == 3
    assert incident["status"] == "acknowledged"
    assert {"@kim-adeyemi-ledger 1200000", "@newsroom-890 890000"} <= set(incident["top_posts"])
    assert all("still growing" in record["sms"] and "acked by" in record["sms"] for record in updates)


def test_the_thread_incident_timeline_records_its_growth():
    result = replayed("thread-105-replies")

    incident = next(item for item in result.summary["summary"]["incidents"] if item["kind"] == "thread")
    sizes = [size for _, size in incident["growth"]]

    # Points while replies keep arriving (at most one per 10 minutes), each at least as big as the one before
    assert len(sizes) >= 5
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] <= 106


def test_the_viral_burst_sends_at_most_four_sms_and_lists_its_press_accounts():
    result = replayed("viral-burst-400")

    per_phone = sms_per_phone(result.publishes)
    incident = max(result.summary["summary"]["incidents"], key=lambda item: item["mentions"])

    assert per_phone and sum(per_phone.values()) <= 4, per_phone
    assert incident["mentions"] >= 380
    assert {"@daily_ledger_news 1200000", "@newsroom890 890000"} <= set(incident["top_posts"])
    body = next(m.email_body for m in reversed(result.messages) if m.attributes.get("incident") == incident["id"])
    assert "daily_ledger_news" in body and "newsroom890" in body


def test_a_safety_post_inside_an_acknowledged_storm_pages_on_its_own_in_the_same_minute():
    result = replayed("safety-during-storm")
    posted = datetime.fromisoformat("2026-11-26T10:20:30+00:00")

    storm_pages = [record for record in result.publishes if record["kind"] == "storm"]
    safety = [record for record in result.publishes if record["team"] == "safety"]

    assert storm_pages and at(storm_pages[0]) + timedelta(minutes=5) < posted  # acknowledged before the post
    assert len(safety) == 1
    assert at(safety[0]) - posted < timedelta(minutes=1) and at(safety[0]).minute == posted.minute
    assert safety[0]["sms"] and safety[0]["incident"] == storm_pages[0]["incident"]
    storm = next(item for item in result.summary["summary"]["incidents"] if item["id"] == storm_pages[0]["incident"])
    assert storm["status"] == "acknowledged" and storm["linked_pages"] == ["page:webhook:safety-01"]


def test_an_unacknowledged_critical_climbs_one_escalation_chain_to_the_lead_with_readable_sms():
    result = replayed("unacknowledged-critical", ack_after=None)

    pages = [record for record in result.publishes if record["kind"] == "mention"]
    escalations = [record for record in result.publishes if record["kind"] == "escalation"]
    lead = [record for record in escalations if "OnCallLeadSmsSubscription" in record["phones"]]

    assert len(pages) == 1
    assert lead, [record["channel"] for record in escalations]
    # One chain: every escalation acknowledges the same page (its link id opens each acknowledge token).
    link_ids = {re.search(r"/ack/([A-Za-z0-9_-]{8})", record["sms"]).group(1) for record in [*pages, *lead]}
    assert len(link_ids) == 1, link_ids
    for record in escalations:
        if record["sms"]:
            assert "Smoke filling the cabin on Northwind" in record["sms"], record["sms"]


def test_the_same_post_through_two_integrations_is_one_mention_and_one_page():
    result = replayed("duplicates-across-integrations")

    summary = result.summary["summary"]

    assert summary["mentions"].get("duplicate") == 1
    assert sum(1 for record in result.publishes if record["sms"]) == 1


@pytest.mark.parametrize(
    "name", ["thread-105-replies", "viral-burst-400", "safety-during-storm", "duplicates-across-integrations"]
)
def test_no_team_gets_more_than_one_sla_summary_per_interval(name):
    result = replayed(name)

    summaries = Counter(
        (record["team"], at(record).replace(minute=0)) for record in result.publishes if record["kind"] == "sla_summary"
    )

    assert all(count == 1 for count in summaries.values()), summaries


def test_sla_warnings_arrive_as_team_summaries_not_one_message_each():
    result = replayed("thread-105-replies")

    kinds = Counter(record["kind"] for record in result.publishes)

    assert kinds.get("sla_warning", 0) == 0
    assert kinds.get("sla_summary", 0) >= 1


def test_the_digest_names_the_incidents_and_the_breaches_per_team():
    result = replayed("thread-105-replies")

    digest = next(message for message in result.messages if message.attributes.get("kind") == "digest")

    assert "Incidents: 1" in digest.email_body
    assert "[THREAD] LinkedIn thread about northwind by @dan-morris" in digest.email_body
    assert re.search(r"SLA breaches: \d+ \(customer-care \d+", digest.email_body), digest.email_body
    assert "Top posts by reach (any sentiment):" in digest.email_body


@pytest.mark.parametrize(
    "name", ["thread-105-replies", "viral-burst-400", "safety-during-storm", "unacknowledged-critical"]
)
def test_no_sms_or_email_carries_an_email_address_or_phone_number_from_a_post_or_handle(name):
    result = replayed(name, ack_after=None if name == "unacknowledged-critical" else 5)

    for message in result.messages:
        for text in (message.sms, message.email_subject, message.email_body, json.dumps(message.chat)):
            assert not any(bit in text for bit in PRIVATE), text
            assert not _EMAIL.search(text), text


def test_replay_prints_one_json_line_per_publish_and_the_summary_last():
    out, err = io.StringIO(), io.StringIO()

    code = main(["replay", str(SCENARIOS / "duplicates-across-integrations.jsonl"), "--ack-after", "never"], out, err)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 0, err.getvalue()
    assert set(lines[0]) >= {"at", "kind", "incident", "team", "severity", "channel", "sms", "email_subject"}
    assert "summary" in lines[-1] and lines[-1]["summary"]["publishes"] == len(lines) - 1


def test_replay_runs_on_until_every_clock_has_played_out_then_stops():
    result = replayed("unacknowledged-critical", ack_after=None)
    lines = (SCENARIOS / "unacknowledged-critical.jsonl").read_text(encoding="utf-8").splitlines()
    last = datetime.fromisoformat(json.loads(lines[-1])["timestamp"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(result.summary["summary"]["to"].replace("Z", "+00:00"))
    pages = [at(record) for record in result.publishes if record["kind"] != "digest"]

    # The escalation chain climbed after the last post, and the replay stopped once nothing more was due
    assert max(pages) > last + timedelta(minutes=10)
    assert max(pages) <= end < last + timedelta(hours=24)


def test_replay_names_the_line_of_a_bad_stream_and_exits_2(tmp_path):
    stream = tmp_path / "bad.jsonl"
    stream.write_text('{"type": "mention.created", "timestamp": "2026-11-23T08:00:00Z", "data": {}}\nnot json\n')
    out, err = io.StringIO(), io.StringIO()

    code = main(["replay", str(stream)], out, err)

    assert code == 2
    assert "line 2" in err.getvalue()
    assert out.getvalue() == ""


def test_replay_refuses_an_unknown_ack_after():
    err = io.StringIO()

    assert (
        main(
            ["replay", str(SCENARIOS / "duplicates-across-integrations.jsonl"), "--ack-after", "soon"],
            io.StringIO(),
            err,
        )
        == 2
    )
