"""Stats arithmetic: nearest-rank percentiles, interval buckets, range limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.api.models import StatsInterval
from mentionwatch.api.stats import bucket_start, percentiles, time_range
from mentionwatch.exceptions import InvalidParameter

NOW = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)


def test_percentiles_use_the_nearest_rank():
    result = percentiles([float(value) for value in range(1, 11)])

    assert (result.count, result.p50, result.p90, result.p95, result.max) == (10, 5.0, 9.0, 10.0, 10.0)


def test_no_values_give_no_percentiles():
    result = percentiles([])

    assert result.count == 0 and result.p50 is None


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        (StatsInterval.HOUR, datetime(2026, 11, 26, 15, tzinfo=UTC)),
        (StatsInterval.DAY, datetime(2026, 11, 26, tzinfo=UTC)),
        (StatsInterval.WEEK, datetime(2026, 11, 23, tzinfo=UTC)),  # the Monday
    ],
)
def test_buckets_start_at_the_interval_boundary(interval, expected):
    assert bucket_start(datetime(2026, 11, 26, 15, 42, 7, tzinfo=UTC), interval) == expected


def test_the_default_range_is_the_last_seven_days():
    since, until = time_range(None, None, NOW)

    assert (until - since).days == 7 and until == NOW


def test_more_than_92_days_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        time_range(datetime(2026, 1, 1, tzinfo=UTC), NOW, NOW)

    assert raised.value.field == "since"
