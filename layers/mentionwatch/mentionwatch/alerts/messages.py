"""Renders one urgent mention as the SMS, e-mail and chat texts an alert carries, and the attributes it routes by."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from mentionwatch.alerts.gsm import SMS_LIMIT, fit, septets, to_gsm7
from mentionwatch.models import Mention, TriagedMention

PLATFORM_LABELS = {
    "webhook": "Web",
    "x": "X",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "mastodon": "Mastodon",
    "youtube": "YouTube",
    "reddit": "Reddit",
    "bluesky": "Bluesky",
    "rss": "RSS",
}
# Where a post lives when its source does not say (Standard Webhooks, RSS): the URL's host names the platform.
HOST_LABELS = {
    "linkedin.com": "LinkedIn",
    "lnkd.in": "LinkedIn",
    "x.com": "X",
    "twitter.com": "X",
    "t.co": "X",
    "facebook.com": "Facebook",
    "fb.com": "Facebook",
    "instagram.com": "Instagram",
    "threads.net": "Threads",
    "threads.com": "Threads",
    "tiktok.com": "TikTok",
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "reddit.com": "Reddit",
    "bsky.app": "Bluesky",
    "trustpilot.com": "Trustpilot",
    "tripadvisor.com": "Tripadvisor",
    "news.ycombinator.com": "Hacker News",
}
SUBJECT_LIMIT = 100  # SNS e-mail subjects: ASCII-ish, at most 100 characters, no line breaks


class AlertMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    dedup_key: str
    sms: Annotated[str, Field(description="GSM-7 text of at most 160 septets")]
    headline: Annotated[str | None, Field(description="what the SMS says, without its link: for escalations")] = None
    email_subject: Annotated[str, Field(max_length=SUBJECT_LIMIT)]
    email_body: str
    chat: dict[str, Any]
    attributes: dict[str, str]

    def sns_message(self) -> str:
        """The `MessageStructure=json` body: one text per protocol; `default` serves chat (AWS Chatbot) and HTTP."""
        structured = {
            "default": json.dumps(self.chat, ensure_ascii=False),
            "sms": self.sms,
            "email": self.email_body,
            "email-json": self.email_body,
            # Queues and functions subscribed to the topic get everything, machine-readable.
            "sqs": json.dumps(self.model_dump(mode="json"), ensure_ascii=False),
            "lambda": json.dumps(self.model_dump(mode="json"), ensure_ascii=False),
        }
        return json.dumps(structured, ensure_ascii=False)

    def sns_attributes(self) -> dict[str, dict[str, str]]:
        """String attributes; `route` is a String.Array (comma-separated here) so one page can reach several
        routes and a subscription's filter policy matches any of them."""
        attributes = {name: {"DataType": "String", "StringValue": value} for name, value in self.attributes.items()}
        if "route" in self.attributes:
            routes = [route for route in self.attributes["route"].split(",") if route]
            attributes["route"] = {"DataType": "String.Array", "StringValue": json.dumps(routes)}
        return attributes


def compact_number(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 10_000:
        return f"{value // 1000}k"
    if value >= 1_000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return str(value)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.]{1,64}")
_NUMBER = re.compile(r"\+?\d[\d\s().-]{5,}\d")  # phone, order and card numbers: 7+ digits with separators


def platform_label(platform: str, permalink: str | None = None) -> str:
    """The platform a person knows: the source's own name, or for generic sources (webhook, RSS) the URL's host
    (`https://www.linkedin.com/feed/...` → LinkedIn)."""
    if platform in ("webhook", "rss") and permalink:
        host = (urlsplit(permalink).hostname or "").lower().removeprefix("www.").removeprefix("m.")
        for domain, label in HOST_LABELS.items():
            if host == domain or host.endswith("." + domain):
                return label
    return PLATFORM_LABELS.get(platform, platform)


def mention_platform(mention: Mention) -> str:
    return platform_label(mention.platform.value, mention.permalink)


_PHONE_HANDLE = re.compile(r"^\+?[\d\s().-]{7,}$")


def safe_handle(handle: str) -> str:
    """The author's public handle, unless it is an e-mail address or a phone number (some sources use those as
    the author): then only what kind of identifier it was."""
    if _EMAIL.search(handle):
        return "[email]"
    if _PHONE_HANDLE.match(handle) and sum(ch.isdigit() for ch in handle) >= 7:
        return "[phone]"
    return handle


def redact_private(text: str) -> str:
    """E-mail addresses and phone-like numbers out of a post's text, for e-mail and chat (links stay)."""
    return _NUMBER.sub("[number]", _EMAIL.sub("[email]", text))


def redact_for_sms(text: str) -> str:
    """The post's words without what could identify anyone else: e-mail addresses, other people's @handles,
    long numbers (phones, orders, cards) and links. The SMS names only the author's public handle."""
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _HANDLE.sub("@[user]", text)
    return _NUMBER.sub("[number]", text)


def sms_parts(triaged: TriagedMention, link: str | None, note: str | None = None) -> tuple[str, str]:
    """(`[HIGH] LinkedIn acme @handle 12k: first words...`, its links): what, how bad, where, whose brand.

    Only public facts: the platform, the brand, the author's public handle (hidden when it is an e-mail address
    or a phone number), the reach, the post's own words (other people's details redacted) and links: the
    acknowledge link, and the post's own link too when both fit and leave room for the words."""
    mention, triage = triaged.mention, triaged.triage
    head = to_gsm7(
        f"[{triage.severity.value.upper()}] {mention_platform(mention)} {mention.match.brand} "
        f"@{safe_handle(mention.author.handle)} {compact_number(mention.reach)}: "
    )
    head = fit(head, 70) + (f"({to_gsm7(note)}) " if note else "")
    # The post's own link first, the acknowledge link last (it ends every page); the post's link is the first
    # to go when both do not fit with room for the words.
    links = [to_gsm7(item) for item in (mention.permalink, link) if item and septets(item) <= 90]
    links = list(dict.fromkeys(links))
    while links and SMS_LIMIT - septets(head) - sum(septets(item) + 1 for item in links) < 40:
        links.pop(0)
    tail = "".join(f" {item}" for item in links)
    budget = SMS_LIMIT - septets(head) - septets(tail)
    words = fit(to_gsm7(redact_for_sms(mention.text) or "(no text)"), max(budget, 10))
    return fit(head + words, SMS_LIMIT - septets(tail)), tail


def render_sms(triaged: TriagedMention, link: str | None, note: str | None = None) -> str:
    """`[HIGH] LinkedIn acme @handle 12k: first words... https://link` in at most 160 GSM-7 septets."""
    text, tail = sms_parts(triaged, link, note)
    return fit(text + tail, SMS_LIMIT)


def render_email(triaged: TriagedMention, ack_link: str | None = None) -> tuple[str, str]:
    mention, sentiment, triage = triaged.mention, triaged.sentiment, triaged.triage
    platform = mention_platform(mention)
    handle = safe_handle(mention.author.handle)
    subject = (
        f"[{triage.severity.value.upper()}] {mention.match.brand}: {triage.category.value} on {platform} by @{handle}"
    )
    subject = subject.encode("ascii", "replace").decode()[:SUBJECT_LIMIT]
    scores = sentiment.scores
    lines = [
        f"Urgent mention for {mention.match.brand}: {triage.reaction.value} ({triage.severity.value})",
        "",
        f"Platform:   {platform}",
        f"Author:     @{handle}"
        + (f" ({redact_private(mention.author.display_name)})" if mention.author.display_name else "")
        + (" [verified]" if mention.author.verified else ""),
        f"Reach:      {mention.reach:,} followers; {mention.engagement.interactions:,} interactions",
        f"Posted:     {mention.created_at:%Y-%m-%d %H:%M} UTC",
        f"Link:       {mention.permalink or '(none)'}",
        f"Sentiment:  {sentiment.label.value} by {sentiment.analyzer} "
        f"(neg {scores.negative:.2f}, pos {scores.positive:.2f}, neu {scores.neutral:.2f}, mixed {scores.mixed:.2f})",
        f"Category:   {triage.category.value}; team {triage.team}"
        + (f"; respond within {triage.sla_minutes} min" if triage.sla_minutes else ""),
        "",
        "What they said:",
        redact_private(mention.text) or "(no text)",
        "",
        "Why this paged you:",
        *[f"- {reason}" for reason in triage.reasons],
        f"Rules: {', '.join(triage.rules) or '(none)'}",
    ]
    if triage.suggested_response:
        lines += [
            "",
            "Suggested response (for a person to adapt; never posted automatically):",
            redact_private(triage.suggested_response),  # it may greet an author whose handle is an address
        ]
    if ack_link:
        lines += ["", f"Acknowledge: {ack_link}"]
    lines += ["", f"Mention id: {mention.id}"]
    return subject, "\n".join(lines)


def render_chat(triaged: TriagedMention, subject: str) -> dict[str, Any]:
    """AWS Chatbot custom notification (version 1.0): Slack or Teams through Chatbot with no code."""
    mention, triage = triaged.mention, triaged.triage
    text = redact_private(mention.text)
    excerpt = text if len(text) <= 500 else text[:497] + "..."
    description = f"*@{safe_handle(mention.author.handle)}* ({mention.reach:,} followers): {excerpt}"
    if mention.permalink:
        description += f"\n<{mention.permalink}|Open the post>"
    return {
        "version": "1.0",
        "source": "custom",
        "id": mention.id,
        "content": {
            "textType": "client-markdown",
            "title": subject,
            "description": description,
            "nextSteps": [reason for reason in triage.reasons][:5],
            "keywords": [triage.severity.value, triage.category.value, mention.platform.value, triage.team],
        },
        "metadata": {
            "threadId": mention.thread_key,
            "summary": subject,
            "eventType": "mention.escalated",
            "relatedResources": [mention.permalink] if mention.permalink else [],
            "additionalContext": {"mention_id": mention.id, "brand": mention.match.brand},
        },
    }


def render_alert(
    triaged: TriagedMention,
    ack_link: str | None = None,
    dedup_key: str | None = None,
    route: str = "oncall",
    note: str | None = None,
    incident_lines: list[str] | None = None,
) -> AlertMessage:
    """`note` (short, in the SMS) and `incident_lines` (e-mail) tell of the incident a mention paged apart from."""
    mention, triage = triaged.mention, triaged.triage
    subject, body = render_email(triaged, ack_link)
    if incident_lines:
        body = "\n".join([*incident_lines, "", body])
    headline, tail = sms_parts(triaged, ack_link, note)
    return AlertMessage(
        dedup_key=dedup_key or f"mention#{mention.id}",
        sms=fit(headline + tail, SMS_LIMIT),
        headline=headline,
        email_subject=subject,
        email_body=body,
        chat=render_chat(triaged, subject),
        attributes={
            "severity": triage.severity.value,
            "category": triage.category.value,
            "platform": mention.platform.value,
            "team": triage.team,
            "brand": mention.match.brand,
            "reaction": triage.reaction.value,
            "kind": "mention",
            "route": route,
        },
    )
