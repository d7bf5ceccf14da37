"""`make demo`: replay events/mention-stream.jsonl through the signed webhook of a local stack and show the result."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mentionwatch import aws
from mentionwatch.alerts.incidents import describe, incident_title
from mentionwatch.local.stack import LocalStack
from mentionwatch.models import MentionStatus
from mentionwatch.sources.standard_webhooks import decode_secret, sign
from mentionwatch.store.alerts_dynamodb import AlertStore
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import MentionItem

DUPLICATES = 2  # redeliver a couple of mentions: they must be stored and alerted once


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    msg_id, timestamp = f"msg_{uuid.uuid4().hex}", str(int(time.time()))
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + sign(decode_secret(secret), msg_id, timestamp, body),
    }


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def shifted_stream(path: Path, now: datetime) -> list[dict[str, Any]]:
    """The sample stream with its timestamps moved so that its newest mention is a minute old."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    newest = max(datetime.fromisoformat(event["data"]["created_at"]) for event in events)
    offset = now - timedelta(minutes=1) - newest
    for event in events:
        created = datetime.fromisoformat(event["data"]["created_at"]) + offset
        event["data"]["created_at"] = created.isoformat().replace("+00:00", "Z")
        event["timestamp"] = event["data"]["created_at"]
    return events


def observe_topics(stack: LocalStack) -> str:
    """An SQS queue subscribed to every topic of the stack: what SNS delivered, read back after the run."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    url: str = sqs.create_queue(QueueName="demo-observer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for topic in sns.list_topics()["Topics"]:
        sns.subscribe(TopicArn=topic["TopicArn"], Protocol="sqs", Endpoint=arn)
    return url


def read_deliveries(url: str) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    deliveries = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            envelope = json.loads(message["Body"])
            try:
                delivery = json.loads(envelope["Message"])
            except json.JSONDecodeError:
                delivery = {"text": envelope["Message"]}
            # what the filter policies route on (kind, team, severity, incident)
            attributes = envelope.get("MessageAttributes") or {}
            delivery["attributes"] = {name: value.get("Value") for name, value in attributes.items()}
            deliveries.append(delivery)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        )
    return deliveries


def stored_mentions(stack: LocalStack) -> list[MentionItem]:
    store = MentionStore(aws.client("dynamodb"), stack.physical("MentionsTable"))
    items: list[MentionItem] = []
    for status in MentionStatus:
        items.extend(store.open_queue(status, limit=1000))
    return items


def print_incidents(stack: LocalStack) -> None:
    """The incidents the stream opened (GET /incidents serves the same): what, how big, who was paged how often."""
    now = datetime.now(UTC)
    alerts = AlertStore(aws.client("dynamodb"), stack.physical("MentionsTable"))
    incidents = alerts.incidents_between(now - timedelta(days=1), now + timedelta(minutes=1), 50)
    print(f"demo: {len(incidents)} incidents (GET /incidents; the console's Incidents page):")
    for incident in incidents:
        print(
            f"demo:   [{incident.kind.value}] {incident_title(incident)}: {describe(incident)}; team {incident.team}, "
            f"{incident.pages} page{'s' if incident.pages != 1 else ''}, {incident.status.value}"
        )


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(items: list[MentionItem]) -> None:
    columns = ("mention", "author", "lang", "sentiment", "by", "reaction", "severity", "team", "category", "text")
    widths = (16, 18, 4, 9, 10, 11, 8, 14, 15, 48)
    print("  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for item in items:
        mention, sentiment, triage = item.mention, item.sentiment, item.triage
        row = (
            mention.id,
            "@" + mention.author.handle,
            mention.language or "?",
            sentiment.label.value,
            sentiment.analyzer,
            triage.reaction.value,
            triage.severity.value,
            triage.team,
            triage.category.value,
            mention.text,
        )
        print("  ".join(clip(str(value), width).ljust(width) for value, width in zip(row, widths, strict=True)))


def acknowledge_first(stack: LocalStack, alerts: list[dict[str, Any]]) -> None:
    """Tap the first SMS's acknowledge link twice, as on-call staff would: the second tap changes nothing."""
    link = next((alert["sms"].rsplit(" ", 1)[-1] for alert in alerts if "/ack/" in alert.get("sms", "")), None)
    if link is None:
        return
    path = link.removeprefix(stack.url)
    for tap in ("first", "second"):
        status, _, page = stack.http_request("GET", f"{path}?by=demo-oncall", {}, b"")
        title = page.decode("utf-8", "replace").split("<title>", 1)[-1].split("</title>", 1)[0]
        print(f"demo: {tap} tap on {link} -> {status} {title}")


def signing_secret(stack: LocalStack) -> str:
    secrets = json.loads(Path(stack.environment_overrides["MENTIONWATCH_SECRETS_FILE"]).read_text())
    secret: str = secrets["standard"]["signing_secret"]
    return secret


def seed(stack: LocalStack, root: Path) -> int:
    """Deliver the sample stream (timestamps shifted to now) through the signed webhook and wait until it is
    processed: `make serve --demo-data` and the console's browser tests start from the demo's queue."""
    secret = signing_secret(stack)
    events = shifted_stream(root / "events" / "mention-stream.jsonl", datetime.now(UTC))
    for event in events:
        body = json.dumps(event, ensure_ascii=False).encode()
        status, answer = post(f"{stack.url}/webhooks/standard", body, signed_headers(secret, body))
        if status != 202:
            raise RuntimeError(f"delivery of {event['data']['id']} refused: {status} {answer}")
    stack.drain(timeout=120)
    return len(events)


def run(root: Path) -> int:
    from mentionwatch.local.demo_polls import seed_polled_platforms, show_polled_outcomes
    from mentionwatch.local.demo_replies import close_the_loop, use_demo_watch_configuration

    with LocalStack(root) as stack:
        use_demo_watch_configuration(stack, root)
        observer = observe_topics(stack)
        secret = signing_secret(stack)
        events = shifted_stream(root / "events" / "mention-stream.jsonl", datetime.now(UTC))
        webhook = f"{stack.url}/webhooks/standard"
        print(f"demo: local stack on {stack.url} (AWS emulation at {stack.endpoint})")
        print(f"demo: replaying {len(events)} signed deliveries (+{DUPLICATES} redeliveries, +1 forged) to {webhook}")

        accepted = 0
        for event in events + events[:DUPLICATES]:
            body = json.dumps(event, ensure_ascii=False).encode()
            status, answer = post(webhook, body, signed_headers(secret, body))
            if status != 202:
                print(f"demo: delivery of {event['data']['id']} refused: {status} {answer}")
                return 1
            accepted += answer["accepted"]
        forged_headers = signed_headers(secret, b"what was signed") | {"content-type": "application/json"}
        status, answer = post(webhook, json.dumps(events[0]).encode(), forged_headers)
        print(f"demo: forged delivery answered {status} {answer.get('error', {}).get('code')}")

        stack.drain(timeout=120)
        if stack.errors:
            print("demo: the functions reported errors:\n" + "\n".join(stack.errors))
            return 1

        items = stored_mentions(stack)
        deliveries = read_deliveries(observer)
        print()
        print_table(items)
        print()
        alerts = [delivery for delivery in deliveries if "sms" in delivery]
        for number, alert in enumerate(alerts, 1):
            print(f"=== escalation {number}: {alert['email_subject']}")
            print(f"SMS ({len(alert['sms'])} chars): {alert['sms']}")
            print("E-mail:")
            print("    " + alert["email_body"].replace("\n", "\n    "))
            print()
        acknowledge_first(stack, alerts)
        print(f"demo: {accepted} deliveries accepted, {len(items)} distinct mentions stored, duplicates dropped")
        print(f"demo: {len(items)} mentions stored, {len(alerts)} alerts published")
        print_incidents(stack)
        status = close_the_loop(stack)
        if status == 0:
            print()
            seed_polled_platforms(stack, root, datetime.now(UTC))
            status = show_polled_outcomes(stack, lambda: read_deliveries(observer))
        print("demo: to work this queue in a browser, run `make serve` and open the triage console it prints")
        print("demo:   (http://127.0.0.1:3000/console by default; sign in with MENTIONWATCH_LOCAL_TOKEN)")
        return status
