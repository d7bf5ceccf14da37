"""The end of `make demo`: close the loop on X through the fake platform and its Account Activity echo.

1. Two customers complain to @AcmeAir on X (signed Account Activity deliveries to `/webhooks/x`).
2. An agent answers the first from mentionwatch: `POST /mentions/{id}/replies` posts through the fake X API, which
   echoes the reply to `/webhooks/x` as the brand's own post; the pipeline recognises it (not a mention, not paged).
3. The team answers the second natively on X; only the webhook tells mentionwatch, which marks it responded.
4. `/stats` reports the first-response times and the reply rate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mentionwatch import aws
from mentionwatch.local.stack import LocalStack
from mentionwatch.pollers.http import HttpRequest, UrllibTransport
from mentionwatch.sources.x import TWITTER_EPOCH_MS

BRAND_X_ID = "1500000000000000001"  # events/watch-config.example.yaml brands[acme].accounts.x
COMPLAINTS = (
    (14, "dana_flies", "@AcmeAir my bag never made it to Lisbon and nobody answers the phone. Where is it?"),
    (45, "sam_travels", "@AcmeAir flight AC117 delayed 3 hours again, no info at the gate. Not good enough."),
)


def use_demo_watch_configuration(stack: LocalStack, root: Path) -> None:
    """The example watch configuration (brands with their own accounts) in the stack's parameter, before any
    function reads it."""
    text = (root / "events" / "watch-config.example.yaml").read_text(encoding="utf-8")
    aws.client("ssm").put_parameter(Name=stack.physical("WatchConfiguration"), Value=text, Overwrite=True)


def _tweet_id(moment: datetime, sequence: int) -> str:
    return str(((int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS) << 22) + sequence)


def _deliver_x(stack: LocalStack, secrets: dict[str, Any], payload: dict[str, Any]) -> int:
    body = json.dumps(payload).encode()
    digest = hmac.new(secrets["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
    headers = {
        "content-type": "application/json",
        "x-twitter-webhooks-signature": "sha256=" + base64.b64encode(digest).decode(),
    }
    status, _, _ = stack.http_request("POST", "/webhooks/x", headers, body)
    return status


def _api(stack: LocalStack, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {stack.authorizer.token}", "content-type": "application/json"}
    status, _, answer = stack.http_request(method, path, headers, json.dumps(body).encode() if body else b"")
    return status, json.loads(answer or b"{}")


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:g} min"


def close_the_loop(stack: LocalStack) -> int:
    secrets = json.loads(Path(stack.environment_overrides["MENTIONWATCH_SECRETS_FILE"]).read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    ids = []
    for number, (minutes_ago, handle, text) in enumerate(COMPLAINTS, 1):
        created = now - timedelta(minutes=minutes_ago)
        tweet_id = _tweet_id(created, number)
        ids.append(tweet_id)
        tweet = {
            "id_str": tweet_id,
            "created_at": created.strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "text": text,
            "user": {"id_str": str(4200 + number), "screen_name": handle, "followers_count": 310},
        }
        if _deliver_x(stack, secrets, {"for_user_id": BRAND_X_ID, "tweet_create_events": [tweet]}) != 200:
            print("demo: the X complaint was refused")
            return 1
    stack.drain(timeout=120)
    print()
    print(f"demo: {len(COMPLAINTS)} complaints to @AcmeAir arrived through X Account Activity: x:{ids[0]}, x:{ids[1]}")

    # From mentionwatch: posted through the (fake) X API; the echo comes back through /webhooks/x.
    reply = {
        "text": "@dana_flies So sorry - your bag is on today's 18:40 to Lisbon; we'll courier it to you.",
        "idempotency_key": f"demo-{uuid.uuid4()}",
    }
    status, posted = _api(stack, "POST", f"/mentions/x:{ids[0]}/replies", reply)
    again, repeated = _api(stack, "POST", f"/mentions/x:{ids[0]}/replies", reply)
    if status != 201 or again != 200 or repeated.get("post_id") != posted.get("post_id"):
        print(f"demo: the reply was not posted as expected: {status} {posted} / {again} {repeated}")
        return 1
    print(f"demo: reply posted from mentionwatch to X: {status} {posted['post_id']} {posted['link']}")
    print(f"demo: the same request again (a double click) answered {again}: still one post on X")

    # Natively on X: only the Account Activity webhook tells mentionwatch.
    native = HttpRequest(
        method="POST",
        url=f"{stack.fake_platforms.url}/2/tweets",
        headers={
            "authorization": f"Bearer {secrets[f'reply:x:{BRAND_X_ID}']['access_token']}",
            "content-type": "application/json",
        },
        body=json.dumps(
            {
                "text": "@sam_travels Sorry Sam - AC117 is waiting on a crew change; new departure 16:05.",
                "reply": {"in_reply_to_tweet_id": ids[1]},
            }
        ).encode(),
    )
    UrllibTransport().send(native)
    print(f"demo: the team also answered x:{ids[1]} natively on X (not through mentionwatch)")
    stack.drain(timeout=120)
    echoes = ", ".join(f"{platform} {code}" for platform, code in stack.fake_platforms.echoes)
    as_mentions = [_api(stack, "GET", f"/mentions/x:{post['id']}")[0] for post in stack.fake_platforms.posted]
    print(f"demo: X echoed both replies to /webhooks/x as @AcmeAir's own posts ({echoes})")
    print(f"demo: the replies are brand activity, not mentions: GET /mentions/<reply> -> {as_mentions}")
    if any(status != 404 for status in as_mentions):
        return 1

    for tweet_id in ids:
        _, detail = _api(stack, "GET", f"/mentions/x:{tweet_id}")
        responses = [event for event in detail.get("history", []) if event["action"] == "respond"]
        first = responses[0] if responses else {}
        print(
            f"demo: x:{tweet_id} is {detail.get('status')} at {detail.get('responded_at')} "
            f"({len(responses)} response: {first.get('response_kind')} via {first.get('via')} by {first.get('actor')}, "
            f"{first.get('response_link')})"
        )
    status, stats = _api(stack, "GET", "/stats")
    if status != 200:
        print(f"demo: /stats answered {status}")
        return 1
    overall = stats["first_response"]["overall"]
    for team, rate in stats["first_response"]["by_team"].items():
        share = "-" if rate["reply_rate"] is None else f"{rate['reply_rate']:.0%}"
        print(f"demo: team {team}: reply rate {share} ({rate['responded']} of {rate['needing_response']})")
    print(
        f"demo: first-response time p50 {_minutes(overall['first_response_p50_minutes'])}, "
        f"p90 {_minutes(overall['first_response_p90_minutes'])} over {overall['first_response_count']} responses"
    )
    return 0
