"""Acknowledging an alert from its link: verify the token, mark the alert acknowledged once, and move its mentions
from `new` to `acknowledged` through the lifecycle (`via="sms-link"`). A second tap shows who acknowledged it and
when; it changes nothing, except that mentions a failed first tap left in `new` are moved then (as the first
acknowledger), since the mention step is idempotent.

Link previewers (chat and SMS apps, mail scanners, crawlers) fetch links on their own. `is_link_preview` names
them by User-Agent; the handler shows them (and HEAD requests) `preview` - what the link would acknowledge -
and records nothing."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict

from mentionwatch.alerts.ack import AckSigner
from mentionwatch.alerts.incidents import acknowledge_incident
from mentionwatch.exceptions import AckLinkUnknown, MentionwatchError, VersionConflict
from mentionwatch.lifecycle import Action, LifecycleEvent, step
from mentionwatch.models import MentionStatus, UtcDatetime
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.items import MentionItem

MAX_MENTIONS = 25


class MentionWorkflow(Protocol):
    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None: ...
    def apply(self, mention_id: str, expected_version: int, event: LifecycleEvent) -> MentionItem: ...


class AckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    newly_acknowledged: bool
    title: str
    kind: str
    brand: str
    count: int
    acknowledged_at: UtcDatetime
    acknowledged_by: str
    mentions_acknowledged: tuple[str, ...] = ()
    mention_ids: tuple[str, ...] = ()  # the alert's mentions: the page links the first to the triage console
    incident: str | None = None  # the incident the page is about, if any: the page links it in the console


class AckPreview(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    kind: str
    brand: str
    count: int
    acknowledged_at: UtcDatetime | None = None
    acknowledged_by: str | None = None


# Link previewers and scanners that fetch a link by themselves: chat and SMS apps (their previews), mail security
# scanners, search crawlers. Named products first, then generic words: a standalone "bot", "<name>bot/<version>",
# "preview", "scanner", "crawler", "spider".
_PREVIEW_AGENTS = re.compile(
    r"slackbot|slack-imgproxy|facebookexternalhit|facebot|meta-externalagent|whatsapp|telegrambot|twitterbot"
    r"|discordbot|skypeuripreview|linkedinbot|microsoft office|ms-office|microsoftpreview"
    r"|googlebot|google-pagerenderer|googleimageproxy|bingbot|applebot|yandexbot|duckduckbot|baiduspider"
    r"|embedly|iframely|redditbot|pinterestbot"
    r"|(?<![a-z])bot(?![a-z])|[a-z]bot/|preview|scanner|crawler|spider",
    re.IGNORECASE,
)


def is_link_preview(user_agent: str | None) -> bool:
    """True for a User-Agent of a link previewer, scanner or crawler: its request must not acknowledge."""
    return bool(user_agent) and _PREVIEW_AGENTS.search(user_agent or "") is not None


class Acknowledger:
    def __init__(
        self, signer: AckSigner, alerts: AlertStore, mentions: MentionWorkflow, clock: Callable[[], datetime]
    ) -> None:
        self._signer = signer
        self._alerts = alerts
        self._mentions = mentions
        self._clock = clock

    def acknowledge(self, token: str, actor: str, via: str = "sms-link") -> AckResult:
        now = self._clock()
        verified = self._signer.verify(token, now)  # AckLinkInvalid / AckLinkExpired
        link = self._alerts.get_ack_link(verified.link_id)
        alert = self._alerts.get_alert(link.dedup_key, link.generation) if link else None
        if link is None or alert is None:
            raise AckLinkUnknown("no alert is on record for this acknowledge link", field="token")
        changed = self._alerts.acknowledge_alert(alert, actor, via, now)
        if changed:
            acknowledge_incident(self._alerts, alert.dedup_key, actor, now)
        # Always (idempotent: only mentions still `new` move): a first tap that failed half-way is finished by the
        # next one, in the name of whoever acknowledged the alert.
        by, how = (actor, via) if changed else (alert.acknowledged_by or actor, alert.acknowledged_via or via)
        acked = [
            mention_id
            for mention_id in alert.mention_ids[:MAX_MENTIONS]
            if self._acknowledge_mention(mention_id, by, now, how)
        ]
        current = self._alerts.get_alert(alert.dedup_key, alert.generation) or alert
        return AckResult(
            newly_acknowledged=changed,
            title=alert.message.email_subject,
            kind=alert.kind.value,
            brand=alert.brand,
            count=current.count,
            acknowledged_at=current.acknowledged_at or now,
            acknowledged_by=current.acknowledged_by or actor,
            mentions_acknowledged=tuple(acked),
            mention_ids=tuple(alert.mention_ids[:MAX_MENTIONS]),
            incident=alert.message.attributes.get("incident"),
        )

    def preview(self, token: str) -> AckPreview:
        """What `token` would acknowledge, reading only: for link previewers, which must not acknowledge."""
        now = self._clock()
        verified = self._signer.verify(token, now)  # AckLinkInvalid / AckLinkExpired
        link = self._alerts.get_ack_link(verified.link_id)
        alert = self._alerts.get_alert(link.dedup_key, link.generation) if link else None
        if link is None or alert is None:
            raise AckLinkUnknown("no alert is on record for this acknowledge link", field="token")
        return AckPreview(
            title=alert.message.email_subject,
            kind=alert.kind.value,
            brand=alert.brand,
            count=alert.count,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by,
        )

    def _acknowledge_mention(self, mention_id: str, actor: str, now: datetime, via: str) -> bool:
        for _ in range(3):
            item = self._mentions.get(mention_id, consistent=True)
            if item is None or item.status is not MentionStatus.NEW:
                return False  # gone, or someone already took it further: nothing to change
            event = step(item.status, Action.ACKNOWLEDGE, actor=actor, at=now, via=via)
            try:
                self._mentions.apply(mention_id, item.version, event)
            except VersionConflict:
                continue
            return True
        return False


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.4}}
.ok{{color:#176f2c}}.bad{{color:#a3231f}}small{{color:#555}}</style></head>
<body><h1 class="{css}">{heading}</h1>{body}</body></html>
"""


def ack_page(result: AckResult) -> str:
    heading = "Acknowledged" if result.newly_acknowledged else "Already acknowledged"
    others = f" ({result.count} mentions counted into it)" if result.count > 1 else ""
    body = (
        f"<p><strong>{html.escape(result.title)}</strong>{html.escape(others)}</p>"
        f"<p>Acknowledged by {html.escape(result.acknowledged_by)} at "
        f"{result.acknowledged_at:%Y-%m-%d %H:%M:%S} UTC.</p>"
    )
    if result.newly_acknowledged:
        body += "<p>Escalation has stopped. Remember to answer the post and record the response.</p>"
    elif result.mentions_acknowledged:
        body += f"<p>{len(result.mentions_acknowledged)} of its mentions still new were acknowledged now.</p>"
    else:
        body += "<p>Nothing was changed.</p>"
    # Relative to /ack/<token>, so they work under any base URL; the console asks for sign-in first.
    if result.incident:
        target = html.escape(quote(result.incident, safe=""), quote=True)
        body += f'<p><a href="../console#/incident/{target}">Open the incident in the triage console</a></p>'
    if result.mention_ids:
        target = html.escape(quote(result.mention_ids[0], safe=""), quote=True)
        label = "Open its first post" if result.incident else "Open it in the triage console"
        body += f'<p><a href="../console#/mention/{target}">{label}</a></p>'
    return _PAGE.format(title=heading, css="ok", heading=heading, body=body)


def preview_page(preview: AckPreview) -> str:
    others = f" ({preview.count} mentions counted into it)" if preview.count > 1 else ""
    body = f"<p><strong>{html.escape(preview.title)}</strong>{html.escape(others)}</p>"
    if preview.acknowledged_at is not None:
        heading = "Already acknowledged"
        body += (
            f"<p>Acknowledged by {html.escape(preview.acknowledged_by or '')} at "
            f"{preview.acknowledged_at:%Y-%m-%d %H:%M:%S} UTC.</p>"
        )
    else:
        heading = "Acknowledge this alert"
        body += (
            f"<p>Opening this link in a browser acknowledges this {html.escape(preview.kind)} alert for "
            f"{html.escape(preview.brand)} and stops its escalation.</p>"
        )
    body += "<p><small>Link preview: nothing was changed.</small></p>"
    return _PAGE.format(title=heading, css="ok", heading=heading, body=body)


def error_page(error: MentionwatchError) -> str:
    headings = {410: "Link expired", 404: "Unknown link", 403: "Invalid link"}
    heading = headings.get(error.status, "Could not acknowledge")
    body = f"<p>{html.escape(error.message)}</p><p><small>Nothing was changed. Code: {error.code}</small></p>"
    return _PAGE.format(title=heading, css="bad", heading=heading, body=body)
