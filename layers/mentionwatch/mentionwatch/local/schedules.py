"""The template's `Schedule` / `ScheduleV2` events for the local stack, which runs HTTP routes and queues but not
EventBridge: read them, and run them on their rates in a thread (or once, on demand).

    runner = ScheduleRunner.from_template(stack.template, stack.invoke)
    runner.run_due(now)          # one tick: every schedule whose time has come
    runner.start(stop_event)     # a thread ticking every `tick` seconds (for `make serve`)
    runner.trigger("Escalation") # one schedule now, by its event name

Rates (`rate(5 minutes)`) are honoured; a `cron(...)` expression runs once a day at its minute and hour (fields
other than those two are not interpreted, which suits the daily digest).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mentionwatch.local.template import Template

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((\S+)\s+(\S+)\s")
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


@dataclass
class Schedule:
    function: str  # logical id
    name: str  # event name in the template
    event: dict[str, Any]  # what the function receives (the event's Input)
    every: timedelta | None = None  # rate(...)
    daily_at: tuple[int, int] | None = None  # cron(minute hour ...): (hour, minute)
    last_run: datetime | None = None

    def due(self, now: datetime) -> bool:
        if self.every is not None:
            return self.last_run is None or now - self.last_run >= self.every
        assert self.daily_at is not None
        today = now.replace(hour=self.daily_at[0], minute=self.daily_at[1], second=0, microsecond=0)
        return now >= today and (self.last_run is None or self.last_run < today)


def parse_expression(expression: str) -> tuple[timedelta | None, tuple[int, int] | None]:
    rate = _RATE.match(expression.strip())
    if rate:
        return timedelta(seconds=int(rate.group(1)) * _UNITS[rate.group(2)]), None
    cron = _CRON.match(expression.strip())
    if cron and cron.group(1).isdigit() and cron.group(2).isdigit():
        return None, (int(cron.group(2)), int(cron.group(1)))
    raise ValueError(f"unsupported schedule expression {expression!r} (local stack: rate(...) or a daily cron)")


def template_schedules(template: Template) -> list[Schedule]:
    schedules = []
    for fn in template.functions():
        for name, event in fn.events.items():
            if event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            props = template.resolve(event.get("Properties", {}))
            if str(props.get("State", "ENABLED")).upper() == "DISABLED" or props.get("Enabled") is False:
                continue  # like EventBridge: a disabled schedule never fires
            expression = props.get("Schedule") or props.get("ScheduleExpression")
            every, daily_at = parse_expression(str(expression))
            raw_input = props.get("Input")
            payload = json.loads(raw_input) if isinstance(raw_input, str) else (raw_input or {})
            schedules.append(Schedule(fn.logical_id, name, payload, every, daily_at))
    return schedules


class ScheduleRunner:
    def __init__(
        self,
        schedules: list[Schedule],
        invoke: Callable[[str, dict[str, Any]], Any],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.schedules = schedules
        self._invoke = invoke
        self._clock = clock
        self.errors: list[str] = []

    @classmethod
    def from_template(cls, template: Template, invoke: Callable[[str, dict[str, Any]], Any]) -> ScheduleRunner:
        return cls(template_schedules(template), invoke)

    def trigger(self, name: str) -> Any:
        schedule = next((s for s in self.schedules if s.name == name), None)
        if schedule is None:
            known = ", ".join(s.name for s in self.schedules) or "none"
            raise KeyError(f"no schedule named {name!r} (known: {known})")
        schedule.last_run = self._clock()
        return self._invoke(schedule.function, dict(schedule.event))

    def run_due(self, now: datetime | None = None) -> list[str]:
        now = now or self._clock()
        ran = []
        for schedule in self.schedules:
            if schedule.due(now):
                schedule.last_run = now
                try:
                    self._invoke(schedule.function, dict(schedule.event))
                except Exception as err:  # noqa: BLE001 - like EventBridge: a failed run does not stop the others
                    self.errors.append(f"{schedule.name}: {err!r}")
                ran.append(schedule.name)
        return ran

    def start(self, stop: threading.Event, tick: float = 5.0) -> threading.Thread:
        def loop() -> None:
            while not stop.is_set():
                self.run_due()
                stop.wait(tick)

        thread = threading.Thread(target=loop, name="schedules", daemon=True)
        thread.start()
        return thread
