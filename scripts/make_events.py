"""Writes a sample event for every function into events/ (`make events`), stamped and signed at the current time,
for `sam local invoke -e` and for the tests. Run it again whenever a sample has gone stale (the webhook accepts a
signature for five minutes, an acknowledge link for 24 hours).

    python scripts/make_events.py                       # dev secrets: events/dev-secrets.json and DEV_ACK_KEY
    python scripts/make_events.py --secrets my.json --ack-key-file ack.key   # sign for a deployed stack instead

Payload shapes follow the documented events: API Gateway HTTP API payload format 2.0
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html), SQS to
Lambda (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html) and the constant JSON input of an EventBridge
schedule (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets.html); the Standard Webhooks
signature per https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
sys.path.insert(0, str(ROOT / "layers" / "mentionwatch"))

from mentionwatch.alerts.ack import AckSigner  # noqa: E402
from mentionwatch.alerts.oncall import mention_dedup_keys  # noqa: E402
from mentionwatch.models import Author, Match, Mention, Platform  # noqa: E402
from mentionwatch.sources.base import QueuedMention  # noqa: E402

# Test-only key for acknowledge links (also in events/env.json and the tests); never a deployed stack's key.
DEV_ACK_KEY = "mentionwatch-dev-only-ack-signing-key-0000"
SAMPLE_REQUEST_ID = "sample-api-request-1"  # the webhook sample's API request id, carried on by the queue sample
ACCOUNT, REGION = "123456789012", "us-east-1"

# The mentions every sample talks about: an urgent complaint and a thank-you.
SAMPLES = (
    {
        "id": "sample-1",
        "text": "Your app lost my booking and support hung up on me twice. Furious.",
        "handle": "amy",
        "followers": 150_000,
        "verified": True,
    },
    {"id": "sample-2", "text": "Thank you for the quick refund, great service!", "handle": "ben", "followers": 90},
)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def http_event(
    method: str,
    route: str,
    path: str,
    now: datetime,
    *,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
    request_id: str = "sample-api-request",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) request as Lambda receives it."""
    context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": "sampleapi",
        "domainName": "sampleapi.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "sampleapi",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.10",
            "userAgent": "curl/8.5.0",
        },
        "requestId": request_id,
        "routeKey": f"{method} {route}",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{key}={value}" for key, value in (query or {}).items()),
        "headers": {"user-agent": "curl/8.5.0", **(headers or {})},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = body
    return event


def sign_standard_webhook(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_event(now: datetime, signing_secret: str) -> dict[str, Any]:
    """POST /webhooks/standard: one signed Standard Webhooks delivery of the urgent sample."""
    sample = SAMPLES[0]
    body = json.dumps(
        {
            "type": "mention.created",
            "timestamp": _iso(now),
            "data": {
                "id": sample["id"],
                "text": sample["text"],
                "url": f"https://social.example/{sample['handle']}/{sample['id']}",
                "language": "en",
                "created_at": _iso(now - timedelta(minutes=1)),
                "author": {"handle": sample["handle"], "name": "Amy", "followers": sample["followers"]},
                "brand": "acme",
            },
        }
    )
    message_id = f"msg_sample_{int(now.timestamp())}"
    timestamp = int(now.timestamp())
    return http_event(
        "POST",
        "/webhooks/{source}",
        "/webhooks/standard",
        now,
        headers={
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_standard_webhook(signing_secret, message_id, timestamp, body),
        },
        body=body,
        path_parameters={"source": "standard"},
        request_id=SAMPLE_REQUEST_ID,
    )


def sample_mentions(now: datetime) -> list[Mention]:
    return [
        Mention(
            platform=Platform.WEBHOOK,
            native_id=str(sample["id"]),
            permalink=f"https://social.example/{sample['handle']}/{sample['id']}",
            text=str(sample["text"]),
            language="en",
            author=Author(
                handle=str(sample["handle"]),
                followers=int(sample["followers"]),  # type: ignore[call-overload]
                verified=bool(sample.get("verified", False)),
            ),
            created_at=now - timedelta(minutes=1),
            received_at=now,
            match=Match(brand="acme"),
        )
        for sample in SAMPLES
    ]


def process_event(now: datetime) -> dict[str, Any]:
    """The SQS batch the process function receives: both samples, as the webhook queues them."""
    records = []
    for number, mention in enumerate(sample_mentions(now), start=1):
        body = QueuedMention(source="standard", mention=mention, raw={"id": mention.native_id}).model_dump_json()
        sent = str(int(now.timestamp() * 1000))
        records.append(
            {
                "messageId": f"0e6b1c4a-0000-4000-8000-00000000000{number}",
                "receiptHandle": f"sample-receipt-{number}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": "AROAEXAMPLE:mentionwatch-webhook",
                    "ApproximateFirstReceiveTimestamp": sent,
                },
                "messageAttributes": {
                    name: {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}
                    for name, value in (
                        ("source", "standard"),
                        ("mention_id", mention.id),
                        ("correlation_id", f"{SAMPLE_REQUEST_ID}-{number}"),
                    )
                },
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:mentionwatch-MentionsQueue",
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def api_event(now: datetime) -> dict[str, Any]:
    """GET /mentions?status=new: the open queue, as a member of the all-teams group (claims as verified by API
    Gateway's JWT authorizer, which flattens arrays to "[a b]")."""
    return http_event(
        "GET",
        "/mentions",
        "/mentions",
        now,
        headers={"authorization": "Bearer <verified by API Gateway>"},
        query={"status": "new", "limit": "10"},
        claims={
            "sub": "11111111-2222-3333-4444-555555555555",
            "email": "duty@example.com",
            "cognito:groups": "[mentionwatch-all-teams]",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SAMPLE",
            "token_use": "access",
            "iat": str(int(now.timestamp())),
            "exp": str(int((now + timedelta(hours=1)).timestamp())),
        },
    )


def ack_event(now: datetime, ack_key: str) -> dict[str, Any]:
    """GET /ack/{token}: the acknowledge link of the alert the urgent sample opens (its first alert generation)."""
    mention = sample_mentions(now)[0]
    token = AckSigner(ack_key).issue(f"{mention_dedup_keys(mention)[0]}#1", now).token
    return http_event(
        "GET", "/ack/{token}", f"/ack/{token}", now, path_parameters={"token": token}, headers={"accept": "text/html"}
    )


def poller_event() -> dict[str, Any]:
    return {"source": "rss"}  # the poller's ScheduleV2 input, as template.yaml sets it


def scheduler_event() -> dict[str, Any]:
    return {"job": "escalation"}  # the scheduler's Escalation schedule input, as template.yaml sets it


def dev_signing_secret() -> str:
    return str(json.loads((EVENTS / "dev-secrets.json").read_text())["standard"]["signing_secret"])


def all_events(now: datetime, signing_secret: str, ack_key: str) -> dict[str, dict[str, Any]]:
    """File name → event, one (or more) per function."""
    return {
        "apigw-webhook-standard.json": webhook_event(now, signing_secret),
        "sqs-process-batch.json": process_event(now),
        "apigw-api-list-mentions.json": api_event(now),
        "apigw-ack.json": ack_event(now, ack_key),
        "schedule-poller-rss.json": poller_event(),
        "schedule-scheduler-escalation.json": scheduler_event(),
    }


def write_events(directory: Path, now: datetime, signing_secret: str, ack_key: str) -> list[Path]:
    written = []
    for name, event in all_events(now, signing_secret, ack_key).items():
        path = directory / name
        path.write_text(json.dumps(event, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=EVENTS, help="directory to write to (default: events/)")
    parser.add_argument(
        "--secrets",
        type=Path,
        default=EVENTS / "dev-secrets.json",
        help="webhook secrets JSON (standard.signing_secret)",
    )
    parser.add_argument("--ack-key-file", type=Path, help="file holding the acknowledge-link key (default: dev key)")
    args = parser.parse_args(argv)
    try:
        signing_secret = json.loads(args.secrets.read_text())["standard"]["signing_secret"]
        ack_key = args.ack_key_file.read_text().strip() if args.ack_key_file else DEV_ACK_KEY
    except (OSError, ValueError, KeyError, TypeError) as err:
        print(f"make_events: cannot read the signing secrets: {err!r}", file=sys.stderr)
        return 2
    now = datetime.now(UTC).replace(microsecond=0)
    for path in write_events(args.out, now, signing_secret, ack_key):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"signed at {_iso(now)}: the webhook sample is accepted for 5 minutes, the ack link for 24 hours")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
