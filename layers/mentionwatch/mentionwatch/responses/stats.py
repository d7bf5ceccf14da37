"""First-response time and reply rate from recorded responses, however they were posted (from mentionwatch, natively
on the platform and seen by a webhook or poller, or recorded by hand): for `/stats` and the daily digest.

A mention's first response is its `responded_at` (stamped once, by the first `respond` step). The reply rate counts
the mentions that asked for an answer (triage reaction other than `monitor`) that got one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, Field

from mentionwatch.models import Reaction
from mentionwatch.store.items import MentionItem


class ResponseRate(BaseModel):
    needing_response: Annotated[int, Field(description="Mentions whose triage asked for an answer (not `monitor`)")]
    responded: Annotated[int, Field(description="Of those, the ones with a recorded response")]
    reply_rate: Annotated[float | None, Field(description="responded / needing_response, 0..1")] = None
    first_response_count: Annotated[int, Field(description="Mentions with a first response (any reaction)")] = 0
    first_response_p50_minutes: float | None = None
    first_response_p90_minutes: float | None = None


class ResponseBreakdown(BaseModel):
    """First-response time (p50/p90, minutes from the post) and reply rate, overall and by team/platform/severity."""

    overall: ResponseRate
    by_team: dict[str, ResponseRate]
    by_platform: dict[str, ResponseRate]
    by_severity: dict[str, ResponseRate]


def _nearest_rank(ordered: list[float], p: float) -> float:
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 1)


class _Tally:
    def __init__(self) -> None:
        self.needing = 0
        self.responded = 0
        self.minutes: list[float] = []

    def add(self, item: MentionItem) -> None:
        needs = item.triage.reaction is not Reaction.MONITOR
        answered = item.responded_at is not None
        self.needing += needs
        self.responded += needs and answered
        if item.responded_at is not None:
            self.minutes.append(max(0.0, (item.responded_at - item.mention.created_at).total_seconds() / 60))

    def rate(self) -> ResponseRate:
        ordered = sorted(self.minutes)
        return ResponseRate(
            needing_response=self.needing,
            responded=self.responded,
            reply_rate=round(self.responded / self.needing, 3) if self.needing else None,
            first_response_count=len(ordered),
            first_response_p50_minutes=_nearest_rank(ordered, 50) if ordered else None,
            first_response_p90_minutes=_nearest_rank(ordered, 90) if ordered else None,
        )


def response_breakdown(items: Iterable[MentionItem]) -> ResponseBreakdown:
    overall = _Tally()
    groups: dict[str, dict[str, _Tally]] = {
        "team": defaultdict(_Tally),
        "platform": defaultdict(_Tally),
        "severity": defaultdict(_Tally),
    }
    for item in items:
        if item.deleted:
            continue
        overall.add(item)
        groups["team"][item.triage.team].add(item)
        groups["platform"][item.mention.platform.value].add(item)
        groups["severity"][item.triage.severity.value].add(item)
    return ResponseBreakdown(
        overall=overall.rate(),
        by_team={name: tally.rate() for name, tally in sorted(groups["team"].items())},
        by_platform={name: tally.rate() for name, tally in sorted(groups["platform"].items())},
        by_severity={name: tally.rate() for name, tally in sorted(groups["severity"].items())},
    )


def describe_rate(name: str, rate: ResponseRate) -> str:
    """One digest line: `social: first response p50 12 min, p90 40 min; reply rate 80% (4 of 5)`."""

    def minutes(value: float | None) -> str:
        return "-" if value is None else f"{value:g} min"

    share = "-" if rate.reply_rate is None else f"{rate.reply_rate:.0%}"
    return (
        f"- {name}: first response p50 {minutes(rate.first_response_p50_minutes)}, "
        f"p90 {minutes(rate.first_response_p90_minutes)}; "
        f"reply rate {share} ({rate.responded} of {rate.needing_response})"
    )
