"""Alerts about more than one mention, or about time passing: storms, spikes, amplified threads, escalations,
respond-SLA warnings. Same shape as a mention alert (SMS, e-mail, AWS Chatbot body, routing attributes)."""

from __future__ import annotations

from collections.abc import Sequence

from mentionwatch.alerts.gsm import SMS_LIMIT, fit, septets, to_gsm7
from mentionwatch.alerts.messages import SUBJECT_LIMIT, AlertMessage, mention_platform, redact_private, safe_handle
from mentionwatch.models import TriagedMention


def sms_with_link(text: str, link: str | None) -> str:
    """GSM-7 text cut to leave room for the link, which always comes last."""
    tail = f" {to_gsm7(link)}" if link and septets(link) <= 90 else ""
    return fit(to_gsm7(text), SMS_LIMIT - septets(tail)) + tail


def build_notice(
    *,
    dedup_key: str,
    kind: str,
    brand: str,
    team: str,
    severity: str,
    route: str,
    title: str,
    sms: str,
    lines: Sequence[str],
    link: str | None = None,
    next_steps: Sequence[str] = (),
    related: Sequence[str] = (),
    extra: dict[str, str] | None = None,
) -> AlertMessage:
    subject = title.encode("ascii", "replace").decode()[:SUBJECT_LIMIT]
    body_lines = list(lines)
    if link:
        body_lines += ["", f"Acknowledge: {link}"]
    description = "\n".join(lines[:12])
    if len(description) > 1500:
        description = description[:1497] + "..."
    chat = {
        "version": "1.0",
        "source": "custom",
        "id": dedup_key,
        "content": {
            "textType": "client-markdown",
            "title": subject,
            "description": description,
            "nextSteps": list(next_steps)[:5],
            "keywords": [severity, kind, team, brand],
        },
        "metadata": {
            "threadId": dedup_key,
            "summary": subject,
            "eventType": f"mentionwatch.{kind}",
            "relatedResources": [item for item in related if item][:5],
            "additionalContext": {"brand": brand, "dedup_key": dedup_key},
        },
    }
    return AlertMessage(
        dedup_key=dedup_key,
        sms=sms_with_link(sms, link),
        headline=to_gsm7(sms),
        email_subject=subject,
        email_body="\n".join(body_lines),
        chat=chat,
        attributes={"kind": kind, "brand": brand, "team": team, "severity": severity, "route": route} | (extra or {}),
    )


def sample_line(triaged: TriagedMention) -> str:
    mention = triaged.mention
    text = redact_private(mention.text)
    text = text if len(text) <= 140 else text[:137] + "..."
    link = f" {mention.permalink}" if mention.permalink else ""
    tone = f" [{triaged.sentiment.label.value.lower()}]" if triaged.sentiment.label.value != "NEGATIVE" else ""
    return (
        f"- {mention_platform(mention)} @{safe_handle(mention.author.handle)} ({mention.reach:,}){tone}: {text}{link}"
    )
