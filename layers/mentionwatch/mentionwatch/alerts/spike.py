"""Spike detection (scheduled): a brand's negative volume in the last window against its own history.

For each brand, and each category within it: the negative mentions created in the last `window_minutes` are
compared with the hourly counts of the `history_days` before the window (missing hours count as zero), scaled to
the window. A spike needs both `count >= min_count` (2 → 4 is no spike) and `count > mean + sigmas × spread`.
The alert carries the volume, the top phrases, sample mentions and platforms; its dedup key
(`spike:<brand>:<category or all>`) keeps it from re-alerting within the cooldown.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from mentionwatch.alerts.dispatch import AlertCandidate, AlertDispatcher, DispatchOutcome
from mentionwatch.alerts.incidents import IncidentDesk, dominant_thread
from mentionwatch.alerts.messages import PLATFORM_LABELS
from mentionwatch.alerts.notices import build_notice, sample_line
from mentionwatch.alerts.oncall import MentionReader
from mentionwatch.alerts.policy import SpikeConfig
from mentionwatch.alerts.records import AlertKind, IncidentKind
from mentionwatch.models import Sentiment, TriagedMention
from mentionwatch.store.alerts_dynamodb import AlertStore

_STOPWORDS_TEXT = """
    a about after again all am an and any are as at be been before being but by can could did do does doing
    don't for from had has have having he her here him his how i i'm if in into is it it's its just me more most my
    no not now of off on once only or other our out over own same she should so some still such than that the their
    them then there these they this those through to too under until up very was we were what when where which
    while who why will with would you your you're yours been get got just really"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[a-z0-9][a-z0-9'’-]*[a-z0-9]|[a-z0-9]")
ALL = "all"


def _has_digit(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


def top_phrases(texts: Iterable[str], limit: int = 5, exclude: Iterable[str] = ()) -> list[tuple[str, int]]:
    """The most frequent two-word phrases (and single words when phrases are scarce), stopwords left out;
    each counted once per text so that one long rant does not dominate."""
    excluded = {word.lower() for word in exclude}
    bigrams: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for text in texts:
        tokens = [token for token in _WORD.findall(text.lower()) if not token.startswith("http")]
        content = [
            token
            for token in tokens
            # numbers are left out: they are phone, order or card fragments, never a theme
            if token not in _STOPWORDS and token not in excluded and len(token) > 2 and not _has_digit(token)
        ]
        words.update(set(content))
        bigrams.update({f"{a} {b}" for a, b in zip(content, content[1:], strict=False)})
    phrases = [(phrase, n) for phrase, n in bigrams.most_common() if n >= 2]
    phrases += [(word, n) for word, n in words.most_common() if n >= 2]
    return phrases[:limit]


class SpikeStats(BaseModel):
    model_config = ConfigDict(frozen=True)

    brand: str
    category: str
    count: int
    mean: float
    spread: float
    threshold: float
    is_spike: bool


def judge(brand: str, category: str, count: int, history: list[int], config: SpikeConfig, scale: float) -> SpikeStats:
    """`history`: hourly counts; `scale`: window length in hours (the hourly figures are scaled to it)."""
    scaled = [value * scale for value in history] or [0.0]
    mean = sum(scaled) / len(scaled)
    spread = math.sqrt(sum((value - mean) ** 2 for value in scaled) / len(scaled))
    threshold = max(float(config.min_count), mean + config.sigmas * spread)
    is_spike = count >= config.min_count and count > mean + config.sigmas * spread
    return SpikeStats(
        brand=brand,
        category=category,
        count=count,
        mean=round(mean, 2),
        spread=round(spread, 2),
        threshold=round(threshold, 2),
        is_spike=is_spike,
    )


@dataclass
class SpikeReport:
    checked: list[SpikeStats]
    alerted: list[DispatchOutcome]


class SpikeJob:
    def __init__(
        self,
        dispatcher: AlertDispatcher,
        alerts: AlertStore,
        mentions: MentionReader,
        config: SpikeConfig,
        clock: Callable[[], datetime],
        team: str = "social",
        sla_minutes: int | None = 15,
        incidents: IncidentDesk | None = None,
    ) -> None:
        self._dispatcher = dispatcher
        self._alerts = alerts
        self._mentions = mentions
        self._config = config
        self._clock = clock
        self._team = team
        self._sla_minutes = sla_minutes
        self._incidents = incidents
        self._signalled: dict[str, str] = {}  # brand → the incident its last spike went to (this process)

    def run(self, brands: Iterable[str] | None = None) -> SpikeReport:
        report = SpikeReport(checked=[], alerted=[])
        for brand in brands if brands is not None else self._alerts.brands():
            self._check_brand(brand, report)
        return report

    def check(self, brand: str) -> SpikeReport:
        """One brand, now: for an urgent mention that may belong to a spike the schedule has not seen yet."""
        report = SpikeReport(checked=[], alerted=[])
        self._check_brand(brand, report)
        return report

    def _check_brand(self, brand: str, report: SpikeReport) -> None:
        now = self._clock()
        window = timedelta(minutes=self._config.window_minutes)
        start = now - window
        if self._alerts.count_negative(brand, start, now) < self._config.min_count:
            return  # no spike below min_count (of the brand, so of none of its categories): nothing more to read
        signalled = self._signalled.get(brand)
        if signalled is not None and self._incidents is not None and self._incidents.open_incident(signalled):
            return  # this spike already feeds an open incident, which every new mention joins: nothing to add
        window_items = [item.to_triaged() for item in self._mentions.by_brand(brand, start, now) if not item.deleted]
        recent = [item for item in window_items if item.sentiment.label is Sentiment.NEGATIVE]
        history_end = start.replace(minute=0, second=0, microsecond=0)
        history_start = history_end - timedelta(days=self._config.history_days)
        volume = self._alerts.hourly_volume(brand, history_start, history_end)
        hours = [history_start + timedelta(hours=index) for index in range(self._config.history_days * 24)]
        by_category: dict[str, list[TriagedMention]] = {ALL: recent}
        for item in recent:
            by_category.setdefault(item.triage.category.value, []).append(item)
        scale = window.total_seconds() / 3600
        spiking: list[tuple[SpikeStats, list[TriagedMention]]] = []
        for category, items in by_category.items():
            counter = "neg" if category == ALL else f"negcat#{category}"
            history = [volume.get(f"H#{hour:%Y-%m-%dT%H}", {}).get(counter, 0) for hour in hours]
            stats = judge(brand, category, len(items), history, self._config, scale)
            report.checked.append(stats)
            if stats.is_spike:
                spiking.append((stats, items))
        # The brand as a whole spiking is one crisis alert (its categories listed in it), not one per category.
        overall = [entry for entry in spiking if entry[0].category == ALL]
        for stats, items in overall or spiking:
            if self._incidents is None:
                report.alerted.append(self._dispatcher.page(self._candidate(stats, items)))
                continue
            outcome = self._into_incident(stats, items, window_items)
            if outcome is not None:
                report.alerted.append(outcome)
                self._signalled[brand] = outcome.alert.dedup_key

    def _into_incident(
        self, stats: SpikeStats, items: list[TriagedMention], window_items: list[TriagedMention]
    ) -> DispatchOutcome | None:
        """A spike is a signal of an incident: its thread's, when one conversation makes up most of it, else its
        brand's. The incident lists every mention of the window that reaches far, whatever its sentiment."""
        assert self._incidents is not None
        desk = self._incidents
        what = "negative mentions" if stats.category == ALL else f"negative {stats.category} mentions"
        note = f"{stats.count} {what} in {self._config.window_minutes} min, usually {stats.mean:g}"
        thread = dominant_thread(items, desk.settings.incidents.thread_share)
        if thread is not None:
            in_thread = [item for item in window_items if item.mention.thread_key == thread]
            return desk.signal(
                f"thread:{thread}",
                IncidentKind.THREAD,
                [*items[:1], *in_thread],
                signal="spike",
                severity="critical",
                note=note,
            )
        return desk.signal(
            f"brand:{stats.brand}",
            IncidentKind.SPIKE,
            [*items[:1], *window_items],
            signal="spike",
            severity="critical",
            note=note,
        )

    def _candidate(self, stats: SpikeStats, items: list[TriagedMention]) -> AlertCandidate:
        config = self._config
        key = f"spike:{stats.brand}:{stats.category}"
        what = "negative mentions" if stats.category == ALL else f"negative {stats.category} mentions"
        phrases = top_phrases((item.mention.text for item in items), exclude=[stats.brand])
        platforms = Counter(PLATFORM_LABELS.get(i.mention.platform.value, i.mention.platform.value) for i in items)
        spread = ", ".join(f"{name} {n}" for name, n in platforms.most_common())
        samples = sorted(items, key=lambda item: item.mention.reach, reverse=True)[:5]
        phrase_text = ", ".join(f'"{phrase}" ({n})' for phrase, n in phrases) or "(none stand out)"

        def render(link: str | None):  # type: ignore[no-untyped-def]
            return build_notice(
                dedup_key=key,
                kind=AlertKind.SPIKE.value,
                brand=stats.brand,
                team=self._team,
                severity="critical",
                route="oncall",
                title=f"[SPIKE] {stats.brand}: {stats.count} {what} in {config.window_minutes} min "
                f"(usually {stats.mean:g})",
                sms=f"[SPIKE] {stats.brand}: {stats.count} {what} in {config.window_minutes}min, usually "
                f"{stats.mean:g}. {'; '.join(p for p, _ in phrases[:2])}",
                lines=[
                    f"{stats.count} {what} about {stats.brand} in the last {config.window_minutes} minutes; over the "
                    f"previous {config.history_days} days a window like this held {stats.mean:g} on average "
                    f"(spread {stats.spread:g}; alert above {stats.threshold:g}).",
                    f"Platforms: {spread}",
                    "Categories: "
                    + ", ".join(f"{c} {n}" for c, n in Counter(i.triage.category.value for i in items).most_common()),
                    f"Top phrases: {phrase_text}",
                    "",
                    "Samples (highest reach first):",
                    *[sample_line(item) for item in samples],
                ],
                link=link,
                next_steps=["Look for a common cause", "Consider one public statement"],
                related=[item.mention.permalink or "" for item in samples],
                extra={"category": stats.category},
            )

        return AlertCandidate(
            dedup_key=key,
            kind=AlertKind.SPIKE,
            brand=stats.brand,
            team=self._team,
            severity="critical",
            cooldown=timedelta(minutes=config.cooldown_minutes),
            render=render,
            sla_minutes=self._sla_minutes,
        )
