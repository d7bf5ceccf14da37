"""Daily digest (scheduled, e-mail through the digest topic): one message per brand for one UTC day.

Volume by sentiment and platform; the top complaints and themes (categories and recurring phrases); response
and acknowledgement times; SLA breaches; and the praise still waiting for a thank-you.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict

from mentionwatch.alerts.incidents import describe, incident_title
from mentionwatch.alerts.messages import PLATFORM_LABELS, AlertMessage, mention_platform, redact_private, safe_handle
from mentionwatch.alerts.notices import build_notice
from mentionwatch.alerts.oncall import MentionReader
from mentionwatch.alerts.records import Breach, Incident, minutes_between
from mentionwatch.alerts.sns import SnsPublisher
from mentionwatch.alerts.spike import top_phrases
from mentionwatch.models import Category, MentionStatus, Reaction, Sentiment
from mentionwatch.responses.stats import ResponseBreakdown, describe_rate, response_breakdown
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.items import MentionItem

logger = Logger(child=True)

TOP = 5
_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


class Timing(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    median_minutes: float | None
    p90_minutes: float | None


def timing(values: Iterable[float]) -> Timing:
    ordered = sorted(values)
    if not ordered:
        return Timing(count=0, median_minutes=None, p90_minutes=None)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return Timing(count=len(ordered), median_minutes=round(statistics.median(ordered), 1), p90_minutes=round(p90, 1))


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True)

    brand: str
    day: date
    total: int
    by_sentiment: dict[str, int]
    by_platform: dict[str, int]
    top_complaints: list[MentionItem]
    themes: dict[str, int]  # negative mentions by category
    phrases: list[tuple[str, int]]
    acknowledgement: Timing
    response: Timing
    breaches: list[Breach]
    praise_waiting: list[MentionItem]
    praise_waiting_count: int
    first_response: ResponseBreakdown | None = None
    incidents: list[Incident] = []
    safety: list[MentionItem] = []  # safety mentions: they page on their own, so they come first
    top_reach: list[MentionItem] = []  # the posts with the largest audience, whatever their sentiment

    @property
    def breaches_by_team(self) -> dict[str, list[Breach]]:
        teams: dict[str, list[Breach]] = {}
        for breach in sorted(self.breaches, key=lambda b: b.deadline):
            teams.setdefault(breach.team, []).append(breach)
        return dict(sorted(teams.items(), key=lambda kv: -len(kv[1])))


def _impact(item: MentionItem) -> int:
    return item.mention.reach + item.mention.engagement.interactions


def build_digest(
    brand: str, day: date, items: list[MentionItem], breaches: list[Breach], incidents: Sequence[Incident] = ()
) -> Digest:
    live = [item for item in items if not item.deleted]
    negatives = [item for item in live if item.sentiment.label is Sentiment.NEGATIVE]
    praise = [i for i in live if i.triage.reaction is Reaction.ACKNOWLEDGE and i.status is MentionStatus.NEW]
    acks = [minutes_between(i.mention.created_at, i.acknowledged_at) for i in live if i.acknowledged_at]
    responses = [minutes_between(i.mention.created_at, i.responded_at) for i in live if i.responded_at]
    return Digest(
        brand=brand,
        day=day,
        total=len(live),
        by_sentiment=dict(Counter(item.sentiment.label.value for item in live).most_common()),
        by_platform=dict(Counter(mention_platform(item.mention) for item in live).most_common()),
        top_complaints=sorted(negatives, key=_impact, reverse=True)[:TOP],
        themes=dict(Counter(item.triage.category.value for item in negatives).most_common()),
        phrases=top_phrases((item.mention.text for item in negatives), exclude=[brand]),
        acknowledgement=timing(acks),
        response=timing(responses),
        breaches=breaches,
        praise_waiting=sorted(praise, key=_impact, reverse=True)[:TOP],
        praise_waiting_count=len(praise),
        first_response=response_breakdown(live),
        incidents=sorted(
            (incident for incident in incidents if incident.brand == brand),
            key=lambda incident: (-_RANK.get(incident.severity, 0), -incident.mentions),
        ),
        safety=[i for i in live if i.triage.category is Category.SAFETY and i.triage.is_urgent],
        top_reach=sorted(live, key=lambda item: item.mention.reach, reverse=True)[:TOP],
    )


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:g} min"


def _excerpt(item: MentionItem, limit: int = 160) -> str:
    mention = item.mention
    text = redact_private(mention.text)
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    who = f"{mention_platform(mention)} @{safe_handle(mention.author.handle)}"
    tone = "" if item.sentiment.label is Sentiment.NEGATIVE else f", {item.sentiment.label.value.lower()}"
    return f"- {who} ({mention.reach:,}{tone}): {text} {mention.permalink or ''}".rstrip()


def _incident_line(incident: Incident) -> str:
    safety = f"; {len(incident.linked_pages)} safety/legal pages apart" if incident.linked_pages else ""
    acked = (
        f", acknowledged by {incident.acknowledged_by}" if incident.acknowledged_by else f", {incident.status.value}"
    )
    return (
        f"- [{incident.kind.value.upper()}] {incident_title(incident)}: {describe(incident)}; team {incident.team}, "
        f"{incident.severity}{acked}; {incident.pages} pages{safety} (opened {incident.opened_at:%H:%M} UTC)"
    )


def _first_response_lines(breakdown: ResponseBreakdown | None) -> list[str]:
    if breakdown is None:
        return []
    lines = ["First response and reply rate by team:"]
    lines += [describe_rate(team, rate) for team, rate in breakdown.by_team.items()] or ["- none"]
    lines.append("By platform:")
    lines += [describe_rate(PLATFORM_LABELS.get(name, name), rate) for name, rate in breakdown.by_platform.items()]
    lines.append("By severity:")
    lines += [describe_rate(severity, rate) for severity, rate in breakdown.by_severity.items()]
    return lines


def render_digest(digest: Digest) -> AlertMessage:
    def counts(values: dict[str, int]) -> str:
        return ", ".join(f"{name} {n}" for name, n in values.items()) or "none"

    lines = [
        f"mentionwatch daily digest for {digest.brand}, {digest.day:%A %d %B %Y} (UTC)",
        "",
        f"Mentions: {digest.total}",
        f"By sentiment: {counts(digest.by_sentiment)}",
        f"By platform: {counts({PLATFORM_LABELS.get(k, k): v for k, v in digest.by_platform.items()})}",
        "",
        "Top complaints:",
        *([_excerpt(item) for item in digest.top_complaints] or ["- none"]),
        "",
        f"Themes (negative mentions by category): {counts(digest.themes)}",
        "Recurring phrases: " + (", ".join(f'"{p}" ({n})' for p, n in digest.phrases) or "none"),
        "",
        f"Acknowledged: {digest.acknowledgement.count}, median {_minutes(digest.acknowledgement.median_minutes)}, "
        f"90th percentile {_minutes(digest.acknowledgement.p90_minutes)} after posting",
        f"Responded: {digest.response.count}, median {_minutes(digest.response.median_minutes)}, "
        f"90th percentile {_minutes(digest.response.p90_minutes)} after posting",
        *_first_response_lines(digest.first_response),
        "",
        f"Safety pages: {len(digest.safety)}",
        *[_excerpt(item) for item in digest.safety[:TOP]],
        "",
        f"Incidents: {len(digest.incidents)}",
        *[_incident_line(incident) for incident in digest.incidents[:10]],
        "",
        "Top posts by reach (any sentiment):",
        *([_excerpt(item) for item in digest.top_reach] or ["- none"]),
        "",
        f"SLA breaches: {len(digest.breaches)}"
        + (
            " (" + ", ".join(f"{team} {len(items)}" for team, items in digest.breaches_by_team.items()) + ")"
            if digest.breaches
            else ""
        ),
        *[
            f"- team {team}: {len(items)} ({', '.join(sorted({b.kind.value for b in items}))}), first deadline "
            f"{items[0].deadline:%H:%M} UTC, last {items[-1].deadline:%H:%M} UTC"
            for team, items in digest.breaches_by_team.items()
        ],
        "",
        f"Praise waiting for a thank-you: {digest.praise_waiting_count}",
        *[_excerpt(item) for item in digest.praise_waiting],
    ]
    return build_notice(
        dedup_key=f"digest:{digest.brand}:{digest.day.isoformat()}",
        kind="digest",
        brand=digest.brand,
        team="all",
        severity="low",
        route="digest",
        title=f"mentionwatch digest {digest.brand} {digest.day.isoformat()}: {digest.total} mentions, "
        f"{len(digest.incidents)} incidents, {len(digest.safety)} safety, {len(digest.breaches)} SLA breaches",
        sms=f"Digest {digest.brand} {digest.day.isoformat()}: {digest.total} mentions, "
        f"{len(digest.breaches)} SLA breaches, {digest.praise_waiting_count} praise waiting",
        lines=lines,
    )


class DigestJob:
    def __init__(
        self,
        publisher: SnsPublisher,
        alerts: AlertStore,
        mentions: MentionReader,
        clock: Callable[[], datetime],
    ) -> None:
        self._publisher = publisher
        self._alerts = alerts
        self._mentions = mentions
        self._clock = clock

    def run(self, day: date | None = None, force: bool = False) -> list[Digest]:
        """Digests for `day` (default: yesterday, UTC), one published per brand, each brand once.

        A brand's digest is claimed (a conditional marker) before it is published and released if publishing
        fails. A failure does not stop the other brands; the run then raises, and its retry sends only the brands
        not sent yet. `force` (a re-run by hand) sends brands already sent too. Returns the digests it published."""
        day = day or (self._clock() - timedelta(days=1)).date()
        start = datetime.combine(day, time(0, 0), UTC)
        digests = []
        failure: Exception | None = None
        for brand in self._alerts.brands():
            if not self._alerts.claim_digest(brand, day, self._clock()) and not force:
                logger.info("digest already sent", extra={"brand": brand, "day": day.isoformat()})
                continue
            try:
                items = self._mentions.by_brand(brand, start, start + timedelta(days=1))
                incidents = self._alerts.incidents_opened(day)
                digest = build_digest(brand, day, items, self._alerts.breaches(brand, day), incidents)
                self._publisher.publish(render_digest(digest))
            except Exception as err:  # give the claim back so the retry sends it; the other brands go on
                logger.exception("digest not sent; released for the retry", extra={"brand": brand})
                self._alerts.release_digest(brand, day)
                failure = failure or err
                continue
            digests.append(digest)
        if failure is not None:
            raise failure
        return digests
