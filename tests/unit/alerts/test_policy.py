"""The escalation configuration: the packaged default is valid; mistakes fail at start naming the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.alerts.policy import Calendar, default_config, default_config_text, parse_config
from mentionwatch.alerts.sla import escalation_steps
from mentionwatch.exceptions import EscalationPolicyInvalid

MINIMAL = """
policies:
  default:
    levels:
      - notify: [oncall]
"""


def test_the_packaged_default_plays_levels_repeats_then_the_fallback():
    policy = default_config().policy_for("any-team")

    steps = [(step.action, step.routes, step.delay_minutes) for step in escalation_steps(policy)]

    assert steps == [
        ("level", ("oncall",), 0),
        ("level", ("oncall-lead",), 10),
        ("repeat", ("oncall-lead",), 10),
        ("repeat", ("oncall-lead",), 10),
        ("fallback", ("duty-manager",), 10),
    ]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (MINIMAL + "teams:\n  billing:\n    policy: gold\n", "teams.billing.policy"),
        ("policies:\n  default:\n    levels: []\n", "policies.default.levels"),
        (MINIMAL + "teams:\n  x:\n    calendar:\n      timezone: Mars/Olympus\n", "teams.x.calendar.timezone"),
        (MINIMAL + "teams:\n  x:\n    calendar:\n      start: '18:00'\n      end: '09:00'\n", "teams.x.calendar"),
        (MINIMAL + "teams:\n  x:\n    calendar:\n      days: [funday]\n", "teams.x.calendar.days.0"),
        (MINIMAL + "cooldown_minutes: -5\n", "cooldown_minutes"),
        (MINIMAL + "storm:\n  treshold: 5\n", "storm.treshold"),
        ("policies:\n  default:\n    levels:\n      - notify: ['on call!']\n", "policies.default.levels.0.notify.0"),
        ("teams: {}\n", "policies"),
    ],
)
def test_a_misconfigured_policy_fails_naming_the_field(text, field):
    with pytest.raises(EscalationPolicyInvalid) as caught:
        parse_config(text, "test.yaml")

    assert caught.value.field == field
    assert field in caught.value.message and "test.yaml" in caught.value.message


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(EscalationPolicyInvalid, match="must be a mapping"):
        parse_config("- just\n- a list\n", "test.yaml")


def test_default_text_round_trips():
    assert parse_config(default_config_text(), "x") == default_config()


def test_business_minutes_skip_nights_weekends_and_holidays():
    calendar = Calendar(timezone="Europe/London", start="09:00", end="17:30", holidays=["2026-11-30"])
    friday_late = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 17:00 in London (GMT)

    due = calendar.add_business_minutes(friday_late, 60)

    assert due == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # 30 min Friday, Monday a holiday, 30 min Tuesday


def test_business_minutes_follow_the_teams_time_zone():
    calendar = Calendar(timezone="America/New_York", start="08:00", end="20:00")
    early = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 07:00 in New York

    assert calendar.add_business_minutes(early, 30) == datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
