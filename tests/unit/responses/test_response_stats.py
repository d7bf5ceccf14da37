"""First-response time and reply rate by team, platform and severity, from recorded responses."""

from __future__ import annotations

from datetime import timedelta

from mentionwatch.models import Reaction, Severity
from mentionwatch.responses.stats import describe_rate, response_breakdown
from tests.api_support import item


def answered(native_id: str, minutes: int | None, **kwargs):
    row = item(native_id, **kwargs)
    if minutes is None:
        return row
    return row.model_copy(update={"responded_at": row.mention.created_at + timedelta(minutes=minutes)})


def test_first_response_percentiles_and_reply_rate_by_group():
    items = [
        answered("1", 10, team="social", platform="x", severity=Severity.HIGH),
        answered("2", 30, team="social", platform="x", severity=Severity.MEDIUM),
        answered("3", None, team="social", platform="reddit", severity=Severity.MEDIUM),
        answered("4", 90, team="care", platform="reddit", severity=Severity.HIGH),
        answered("5", None, team="care", platform="x", reaction=Reaction.MONITOR),
    ]

    report = response_breakdown(items)

    assert report.overall.needing_response == 4 and report.overall.responded == 3
    assert report.overall.reply_rate == 0.75
    assert (report.overall.first_response_p50_minutes, report.overall.first_response_p90_minutes) == (30.0, 90.0)
    assert report.by_team["social"].reply_rate == round(2 / 3, 3)
    assert report.by_team["care"].needing_response == 1 and report.by_team["care"].reply_rate == 1.0
    assert report.by_platform["reddit"].first_response_p50_minutes == 90.0
    assert report.by_severity["high"].first_response_count == 2


def test_a_deleted_mention_does_not_count_and_nothing_answered_reads_as_dashes():
    deleted = answered("1", 5).model_copy(update={"deleted": True})

    report = response_breakdown([deleted, answered("2", None)])

    assert report.overall.needing_response == 1 and report.overall.first_response_count == 0
    assert describe_rate("social", report.overall) == ("- social: first response p50 -, p90 -; reply rate 0% (0 of 1)")
