"""Query planning: each filter maps to an index key range, never a scan."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.api.cursor import Position
from mentionwatch.api.planning import Criteria, plan
from mentionwatch.exceptions import InvalidParameter
from mentionwatch.models import MentionStatus, Severity

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_status_and_severity_read_one_queue_prefix():
    result = plan(Criteria(status=MentionStatus.NEW, severity=Severity.HIGH), now=NOW)

    assert [(r.index, r.pk_value, r.low, r.high) for r in result.ranges] == [
        ("GSI1", "STATUS#new", "SEV#3#0", "SEV#3#~")
    ]
    assert result.attribute_filters == ()


def test_without_status_every_status_and_severity_is_merged():
    result = plan(Criteria(), now=NOW)

    assert len(result.ranges) == 16 and not result.disjoint
    assert {r.pk_value for r in result.ranges} == {f"STATUS#{status.value}" for status in MentionStatus}


def test_the_time_range_narrows_the_sort_key():
    result = plan(
        Criteria(
            status=MentionStatus.NEW,
            severity=Severity.LOW,
            since=datetime(2026, 11, 1, tzinfo=UTC),
            until=datetime(2026, 11, 2, tzinfo=UTC),
        ),
        now=NOW,
    )

    assert (result.ranges[0].low, result.ranges[0].high) == (
        "SEV#1#2026-11-01T00:00:00.000000Z",
        "SEV#1#2026-11-02T00:00:00.000000Z",
    )


def test_brand_reads_one_month_bucket_after_another_newest_first():
    result = plan(
        Criteria(brand="acme", since=datetime(2026, 9, 15, tzinfo=UTC), until=datetime(2026, 11, 2, tzinfo=UTC)),
        now=NOW,
    )

    assert [r.pk_value for r in result.ranges] == ["BRAND#acme#2026-11", "BRAND#acme#2026-10", "BRAND#acme#2026-09"]
    assert result.disjoint and {r.index for r in result.ranges} == {"GSI2"}


def test_brand_defaults_to_the_last_year():
    result = plan(Criteria(brand="acme"), now=NOW)

    assert len(result.ranges) == 13
    assert result.ranges[-1].low == "2025-11-23T12:00:00.000000Z"


def test_other_filters_become_conditions_on_the_key_query():
    result = plan(
        Criteria(
            brand="acme", status=MentionStatus.NEW, reaction="respond", team="care", platform="x", sentiment="NEGATIVE"
        ),
        now=NOW,
    )

    assert dict(result.attribute_filters) == {
        "status": "new",
        "reaction": "respond",
        "team": "care",
        "platform": "x",
        "sentiment_label": "NEGATIVE",
    }


def test_a_position_continues_just_after_the_last_item():
    position = Position(created_at="2026-11-20T09:00:00.000000Z", id="x:9")

    result = plan(Criteria(status=MentionStatus.NEW, severity=Severity.LOW), now=NOW, position=position)

    assert result.ranges[0].high == "SEV#1#2026-11-20T09:00:00.000000Z#x:9"


def test_a_position_skips_the_brand_months_already_read():
    position = Position(created_at="2026-10-05T00:00:00.000000Z", id="x:9")

    result = plan(
        Criteria(brand="acme", since=datetime(2026, 9, 1, tzinfo=UTC), until=datetime(2026, 12, 1, tzinfo=UTC)),
        now=NOW,
        position=position,
    )

    assert [r.pk_value for r in result.ranges] == ["BRAND#acme#2026-10", "BRAND#acme#2026-09"]


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(since=datetime(2026, 11, 2, tzinfo=UTC), until=datetime(2026, 11, 1, tzinfo=UTC)),
        Criteria(brand="acme", since=datetime(2020, 1, 1, tzinfo=UTC)),
        Criteria(brand="acme", since=datetime(2027, 1, 1, tzinfo=UTC)),
    ],
)
def test_impossible_or_too_wide_ranges_are_refused_naming_since(criteria):
    with pytest.raises(InvalidParameter) as raised:
        plan(criteria, now=NOW)

    assert raised.value.field == "since"
