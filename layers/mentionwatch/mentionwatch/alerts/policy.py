"""Escalation configuration: policies (levels, repeats, fallback), per-team routing and business-hours calendars,
cooldowns and the storm / spike / amplification thresholds. One YAML document, validated by pydantic; any mistake
fails at start with a message naming the field (`teams.billing.policy: unknown policy 'gold'`).

The packaged default is `escalation.yaml` beside this module; deployments override it with an SSM parameter.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from importlib import resources
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mentionwatch.exceptions import EscalationPolicyInvalid

Route = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Minutes = Annotated[int, Field(ge=0, le=7 * 24 * 60)]


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(_Config):
    """One step of a policy: after `delay_minutes` (since the SLA deadline, or since the previous level), page
    the routes in `notify` (values of the `route` message attribute subscriptions filter on)."""

    delay_minutes: Minutes = 0
    notify: Annotated[tuple[Route, ...], Field(min_length=1)]


class Policy(_Config):
    levels: Annotated[tuple[Level, ...], Field(min_length=1, max_length=10)]
    repeat: Annotated[int, Field(ge=0, le=20)] = 0
    repeat_every_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15
    fallback: Route | None = None


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_WEEKDAYS = list(Weekday)


class Calendar(_Config):
    """Business hours of a team, for respond SLAs: the clock only runs inside them."""

    timezone: str = "UTC"
    days: Annotated[tuple[Weekday, ...], Field(min_length=1)] = (
        Weekday.MON,
        Weekday.TUE,
        Weekday.WED,
        Weekday.THU,
        Weekday.FRI,
    )
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from None
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> Calendar:
        if self.start >= self.end:
            raise ValueError(f"start {self.start:%H:%M} must be before end {self.end:%H:%M}")
        return self

    def _open_on(self, day: date) -> bool:
        return _WEEKDAYS[day.weekday()] in self.days and day not in self.holidays

    def add_business_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` of business time after `start` (which may fall outside business hours)."""
        zone = ZoneInfo(self.timezone)
        cursor = start.astimezone(zone)
        remaining = timedelta(minutes=minutes)
        for _ in range(400):  # a year of days is plenty; a calendar with no open day is refused by validation
            day = cursor.date()
            if self._open_on(day):
                opens = datetime.combine(day, self.start, zone)
                closes = datetime.combine(day, self.end, zone)
                begin = max(cursor, opens)
                if begin < closes:
                    if begin + remaining <= closes:
                        return (begin + remaining).astimezone(start.tzinfo)
                    remaining -= closes - begin
            cursor = datetime.combine(day + timedelta(days=1), time(0, 0), zone)
        raise EscalationPolicyInvalid("calendar has no business hours within a year", field="calendar")


class Team(_Config):
    policy: str = "default"
    calendar: Calendar | None = None  # None: respond SLAs run around the clock


class StormConfig(_Config):
    threshold: Annotated[int, Field(ge=1)] = 5  # more than this many urgent mentions …
    window_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 10  # … within this window
    cooldown_minutes: Annotated[int, Field(ge=1)] = 30


class SpikeConfig(_Config):
    team: Annotated[str, Field(min_length=1, max_length=64)] = "social"  # who gets crisis alerts
    window_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 60
    history_days: Annotated[int, Field(ge=1, le=30)] = 7
    min_count: Annotated[int, Field(ge=1)] = 10
    sigmas: Annotated[float, Field(gt=0)] = 3.0
    cooldown_minutes: Annotated[int, Field(ge=1)] = 120


class AmplificationConfig(_Config):
    replies: Annotated[int, Field(ge=2)] = 20
    window_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    cooldown_minutes: Annotated[int, Field(ge=1)] = 120


class IncidentConfig(_Config):
    """How signals group into incidents and when an incident pages again (alerts/README.md, "Incidents")."""

    crisis_team: Annotated[str | None, Field(min_length=1, max_length=64)] = None  # None: `spike.team`
    update_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 15  # at most one update page this often
    volume_step: Annotated[float, Field(gt=1)] = 4.0  # an update needs this many times the volume last paged …
    reach_step: Annotated[float, Field(gt=1)] = 4.0  # … or an account this many times bigger than any paged
    press_reach: Annotated[int, Field(ge=1)] = 100_000  # accounts this big are always listed (press, high reach)
    quiet_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] = 180  # closed after this long without a signal
    thread_share: Annotated[float, Field(gt=0, le=1)] = 0.5  # a spike or storm mostly from one thread is its
    top_posts: Annotated[int, Field(ge=1, le=20)] = 8


class EscalationConfig(_Config):
    default_sla_minutes: Annotated[int, Field(ge=1)] = 15
    cooldown_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30  # same thread / author: one open alert
    respond_warning_minutes: Annotated[int, Field(ge=1)] = 10
    ack_link_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 24
    policies: dict[str, Policy]
    teams: dict[str, Team] = {}
    default_team: Team = Team()
    storm: StormConfig = StormConfig()
    spike: SpikeConfig = SpikeConfig()
    amplification: AmplificationConfig = AmplificationConfig()
    incidents: IncidentConfig = IncidentConfig()
    sla_summary_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 60  # SLA warnings/breaches: one message a team

    @property
    def crisis_team(self) -> str:
        """Who gets thread, storm and spike incidents: `incidents.crisis_team`, else the spike team."""
        return self.incidents.crisis_team or self.spike.team

    @model_validator(mode="after")
    def _policies_exist(self) -> EscalationConfig:
        for name, team in [*self.teams.items(), ("default_team", self.default_team)]:
            if team.policy not in self.policies:
                where = "default_team.policy" if name == "default_team" else f"teams.{name}.policy"
                known = ", ".join(sorted(self.policies)) or "none"
                raise EscalationPolicyInvalid(
                    f"escalation policy: {where}: unknown policy {team.policy!r} (defined: {known})", field=where
                )
        return self

    def team(self, name: str) -> Team:
        return self.teams.get(name, self.default_team)

    def policy_for(self, team: str) -> Policy:
        return self.policies[self.team(team).policy]


def parse_config(text: str, origin: str) -> EscalationConfig:
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise EscalationPolicyInvalid(f"escalation policy in {origin} is not valid YAML: {err}") from None
    if not isinstance(document, dict):
        raise EscalationPolicyInvalid(f"escalation policy in {origin} must be a mapping", field="(top level)")
    try:
        return EscalationConfig.model_validate(document)
    except EscalationPolicyInvalid as err:
        raise EscalationPolicyInvalid(f"{err.message} (in {origin})", field=err.field) from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise EscalationPolicyInvalid(f"escalation policy in {origin}: {where}: {first['msg']}", field=where) from None


def default_config_text() -> str:
    return resources.files("mentionwatch.alerts").joinpath("escalation.yaml").read_text(encoding="utf-8")


def default_config() -> EscalationConfig:
    return parse_config(default_config_text(), "the packaged escalation.yaml")
