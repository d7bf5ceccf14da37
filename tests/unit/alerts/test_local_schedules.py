"""The local stack's schedule runner reads the template's schedules and runs each when it is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentionwatch.local.schedules import ScheduleRunner, parse_expression, template_schedules
from mentionwatch.local.template import Template, load_template
from tests.support import ROOT


@pytest.fixture
def runner():
    calls: list[tuple[str, dict]] = []
    now = {"at": datetime(2026, 11, 23, 6, 58, tzinfo=UTC)}
    template = Template(load_template(ROOT / "template.yaml"))
    runner = ScheduleRunner(
        template_schedules(template), lambda fn, event: calls.append((fn, event)), clock=lambda: now["at"]
    )
    return runner, calls, now


def test_the_templates_three_alerting_schedules_are_found(runner):
    schedules, _, _ = runner

    found = {(s.name, s.function, s.event["job"]) for s in schedules.schedules}

    assert found == {
        ("Escalation", "SchedulerFunction", "escalation"),
        ("Spike", "SchedulerFunction", "spike"),
        ("Digest", "SchedulerFunction", "digest"),
    }


def test_each_schedule_runs_on_its_own_rate_and_the_digest_once_a_day(runner):
    schedules, calls, now = runner
    ran: list[str] = []

    for _ in range(10):  # 06:58 → 07:07, one tick a minute
        ran += schedules.run_due(now["at"])
        now["at"] += timedelta(minutes=1)

    assert ran.count("Escalation") == 10
    assert ran.count("Spike") == 2  # 06:58 and 07:03
    assert ran.count("Digest") == 1  # at 07:00
    assert calls[0] == ("SchedulerFunction", {"job": "escalation"})


def test_a_schedule_can_be_triggered_by_name(runner):
    schedules, calls, _ = runner

    schedules.trigger("Digest")

    assert calls == [("SchedulerFunction", {"job": "digest"})]
    with pytest.raises(KeyError, match="known: Escalation, Spike, Digest"):
        schedules.trigger("Nightly")


def test_unsupported_expressions_are_named():
    assert parse_expression("rate(5 minutes)") == (timedelta(minutes=5), None)
    assert parse_expression("cron(0 7 * * ? *)") == (None, (7, 0))
    with pytest.raises(ValueError, match="unsupported schedule expression"):
        parse_expression("cron(0/5 * * * ? *)")
